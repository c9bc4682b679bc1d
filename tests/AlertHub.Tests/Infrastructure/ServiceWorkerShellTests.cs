using System.Text.RegularExpressions;

namespace AlertHub.Tests.Infrastructure;

/// <summary>
/// The app must open offline (issue 14): every script module and text file of the web app is in the service
/// worker's shell, or an offline reload breaks on the first import the cache does not hold.
/// </summary>
public sealed partial class ServiceWorkerShellTests
{
    [Fact]
    public void EveryModuleAndTextFile_IsInTheServiceWorkersShell()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "AlertHub.sln")))
        {
            directory = directory.Parent;
        }
        var wwwroot = Path.Combine(directory!.FullName, "src", "AlertHub", "wwwroot");
        var shell = Quoted().Matches(File.ReadAllText(Path.Combine(wwwroot, "sw.js"))).Select(m => m.Groups[1].Value).ToHashSet();
        var needed = Directory.EnumerateFiles(Path.Combine(wwwroot, "js"), "*.js", SearchOption.AllDirectories)
            .Concat(Directory.EnumerateFiles(Path.Combine(wwwroot, "i18n"), "*.json"))
            .Select(f => "/" + Path.GetRelativePath(wwwroot, f).Replace('\\', '/'));
        var missing = needed.Where(f => !shell.Contains(f)).ToList();
        Assert.True(missing.Count == 0, "not in sw.js SHELL: " + string.Join(", ", missing));
    }

    [GeneratedRegex("'(/[^']+)'")]
    private static partial Regex Quoted();
}
