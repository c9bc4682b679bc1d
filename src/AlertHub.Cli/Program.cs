using AlertHub.Cli;

return await CliApp.Build().Parse(args).InvokeAsync();
