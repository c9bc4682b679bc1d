using System.CommandLine;
using AlertHub.Cli.Bench;

namespace AlertHub.Cli;

/// <summary>The command tree of <c>alerthub</c>; tests invoke it in-process.</summary>
internal static class CliApp
{
    public static RootCommand Build()
    {
        var root = new RootCommand("AlertHub op de opdrachtregel: inloggen, melden, meldingen volgen en meten.");
        root.Subcommands.Add(Commands.Login());
        root.Subcommands.Add(Commands.Raise());
        root.Subcommands.Add(Commands.Listen());
        root.Subcommands.Add(Commands.Ack());
        root.Subcommands.Add(Commands.Status());
        root.Subcommands.Add(Commands.DrillReport());
        root.Subcommands.Add(Commands.Coverage());
        root.Subcommands.Add(BenchCommand.Create());
        DutchHelp.Apply(root);
        return root;
    }

    /// <summary>Parses and runs one command line: input errors in Dutch (exit code 2), otherwise the command's own code.</summary>
    public static Task<int> RunAsync(string[] args, CancellationToken ct = default)
    {
        var parse = Build().Parse(args);
        return parse.Errors.Count > 0 && !DutchHelp.AnswersWhateverElse(parse) ? Task.FromResult(DutchHelp.Errors(parse)) : parse.InvokeAsync(cancellationToken: ct);
    }
}
