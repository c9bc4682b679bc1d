using System.CommandLine;
using AlertHub.Cli;

var root = new RootCommand("AlertHub command line: sign in, raise and follow alerts.");
root.Subcommands.Add(Commands.Login());
root.Subcommands.Add(Commands.Raise());
root.Subcommands.Add(Commands.Listen());
root.Subcommands.Add(Commands.Ack());
root.Subcommands.Add(Commands.Status());
return await root.Parse(args).InvokeAsync();
