namespace AlertHub.Cli;

// Not top-level statements: the generated Program class would clash with the hub's Program in tests that load both.
internal static class Program
{
    public static Task<int> Main(string[] args) => CliApp.RunAsync(args);
}
