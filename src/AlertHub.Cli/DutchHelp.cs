using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using Spectre.Console;

namespace AlertHub.Cli;

/// <summary>
/// Help and input errors in Dutch: System.CommandLine ships no Dutch texts (its help says "Usage", "Options",
/// "(REQUIRED)" and names the assembly), so <c>alerthub</c> writes its own from the same command tree.
/// </summary>
internal static class DutchHelp
{
    public const string Executable = "alerthub";

    /// <summary>Replaces the built-in help and version options' texts and actions throughout the tree.</summary>
    public static void Apply(RootCommand root)
    {
        foreach (var option in root.Options)
        {
            switch (option)
            {
                case HelpOption help:
                    help.Description = "Deze hulp tonen";
                    help.Action = new HelpAction();
                    break;
                case VersionOption version:
                    version.Description = "Het versienummer tonen";
                    break;
            }
        }
    }

    /// <summary>The help of one command: what it does, how to call it, its arguments, options and subcommands.</summary>
    public static void Write(Command command)
    {
        var lines = new List<string> { "Beschrijving:", "  " + command.Description, "", "Gebruik:", "  " + Usage(command), "" };
        var arguments = command.Arguments.Where(a => !a.Hidden).ToList();
        if (arguments.Count > 0)
        {
            lines.Add("Argumenten:");
            lines.AddRange(Rows(arguments.Select(a => ($"<{a.Name}>", a.Description ?? ""))));
            lines.Add("");
        }
        var options = command.Options.Concat(command.Parents.OfType<Command>().SelectMany(p => p.Options.Where(o => o.Recursive)))
            .Where(o => !o.Hidden).Distinct().ToList();
        if (options.Count > 0)
        {
            lines.Add("Opties:");
            lines.AddRange(Rows(options.Select(o => (OptionName(o), OptionDescription(o)))));
            lines.Add("");
        }
        var subcommands = command.Subcommands.Where(c => !c.Hidden).ToList();
        if (subcommands.Count > 0)
        {
            lines.Add("Opdrachten:");
            lines.AddRange(Rows(subcommands.Select(c => (c.Name, c.Description ?? ""))));
            lines.Add("");
            lines.Add($"Meer over een opdracht: {Path(command)} <opdracht> --help");
        }
        Output.Lines(lines);
    }

    /// <summary>Input that does not fit the command, in Dutch with the way to the help; exit code 2.</summary>
    public static int Errors(ParseResult parse)
    {
        var messages = parse.Errors.Select(e => Message(e, parse)).Distinct().ToList();
        foreach (var message in messages)
        {
            Output.Error(message);
        }
        Output.Lines([$"Zie '{Path(parse.CommandResult.Command)} --help'."]);
        return 2;
    }

    private static string Message(ParseError error, ParseResult parse) => error.SymbolResult switch
    {
        OptionResult { Option: var option } result when result.Tokens.Count == 0 && result.IdentifierToken is null =>
            $"De optie {option.Name} is verplicht.",
        OptionResult { Option: var option } result when result.Tokens.Count == 0 =>
            $"De optie {option.Name} heeft een waarde nodig.",
        OptionResult { Option: var option } result =>
            $"Ongeldige waarde '{string.Join(" ", result.Tokens.Select(t => t.Value))}' voor {option.Name}.{Hint(option)}",
        ArgumentResult { Argument: var argument } result when result.Tokens.Count == 0 =>
            $"Het argument <{argument.Name}> ontbreekt.",
        ArgumentResult { Argument: var argument } result =>
            $"Ongeldige waarde '{string.Join(" ", result.Tokens.Select(t => t.Value))}' voor <{argument.Name}>.",
        CommandResult { Command: var command } when command.Subcommands.Count > 0 && parse.UnmatchedTokens.Count == 0 =>
            $"Kies een opdracht: {string.Join(", ", command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name))}.",
        _ when parse.UnmatchedTokens.Count > 0 => $"Onbekende invoer: {string.Join(" ", parse.UnmatchedTokens.Select(t => $"'{t}'"))}.",
        _ => "Deze invoer klopt niet.",
    };

    private static string Hint(Option option) =>
        option.ValueType == typeof(TimeSpan) || option.ValueType == typeof(TimeSpan?) ? " Gebruik uu:mm:ss, bijvoorbeeld 00:10:00."
        : option.ValueType == typeof(long) || option.ValueType == typeof(int) ? " Gebruik een heel getal."
        : "";

    private static string Usage(Command command)
    {
        var parts = new List<string> { Path(command) };
        parts.AddRange(command.Arguments.Where(a => !a.Hidden).Select(a => $"<{a.Name}>"));
        if (command.Subcommands.Any(c => !c.Hidden))
        {
            parts.Add("[opdracht]");
        }
        if (command.Options.Any(o => !o.Hidden))
        {
            parts.Add("[opties]");
        }
        return string.Join(" ", parts);
    }

    private static string Path(Command command)
    {
        var names = new List<string>();
        for (Symbol? symbol = command; symbol is Command c; symbol = c.Parents.FirstOrDefault())
        {
            names.Insert(0, c is RootCommand ? Executable : c.Name);
        }
        return string.Join(" ", names);
    }

    private static string OptionName(Option option)
    {
        var names = string.Join(", ", option.Aliases.Where(a => a.StartsWith('-') && a.Length == 2).Append(option.Name).Distinct());
        return option.ValueType == typeof(bool) || option.Arity.MaximumNumberOfValues == 0 ? names : $"{names} <{option.HelpName ?? Placeholder(option)}>";
    }

    private static string Placeholder(Option option) =>
        option.ValueType == typeof(int) || option.ValueType == typeof(long) || option.ValueType == typeof(double) ? "getal"
        : option.ValueType == typeof(TimeSpan) || option.ValueType == typeof(TimeSpan?) ? "uu:mm:ss"
        : "tekst";

    /// <summary>Help and version are answered even when the rest of the line is incomplete (as <c>login --help</c>).</summary>
    public static bool AnswersWhateverElse(ParseResult parse) =>
        parse.Action is HelpAction || parse.Action?.GetType().Name == "VersionOptionAction";

    private static string OptionDescription(Option option)
    {
        var text = option.Description ?? "";
        if (option.Required)
        {
            text += " (verplicht)";
        }
        if (option.HasDefaultValue && option.ValueType != typeof(bool) && option.GetDefaultValue() is { } value
            && value is not Array && value.ToString() is { Length: > 0 } shown && shown != "0")
        {
            text += $" [standaard: {shown}]";
        }
        return text;
    }

    private static IEnumerable<string> Rows(IEnumerable<(string Name, string Text)> rows)
    {
        var list = rows.ToList();
        var width = list.Max(r => r.Name.Length) + 2;
        return list.Select(r => "  " + r.Name.PadRight(width) + r.Text);
    }

    private sealed class HelpAction : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            Write(parseResult.CommandResult.Command);
            return 0;
        }
    }
}

/// <summary>
/// Lines for people and for scripts: written straight to the console's writer (never wrapped at 80 columns when
/// the output is redirected, as Spectre's renderer does); markup only where a terminal shows it.
/// </summary>
internal static class Output
{
    public static void Lines(IEnumerable<string> lines)
    {
        var writer = AnsiConsole.Console.Profile.Out.Writer;
        foreach (var line in lines)
        {
            writer.WriteLine(line);
        }
        writer.Flush();
    }

    public static void Line(string line) => Lines([line]);

    /// <summary>"Fout: …" on one line (red on a terminal).</summary>
    public static void Error(string message) =>
        Line((AnsiConsole.Profile.Capabilities.Ansi ? "\u001b[31mFout:\u001b[0m " : "Fout: ") + message);
}
