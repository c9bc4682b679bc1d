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
        root.Subcommands.Add(BenchCommand.Create());
        return root;
    }
}
