using System.Reflection;
using System.Text.RegularExpressions;
using AlertHub.Testing;

namespace AlertHub.Tests.Documentation;

/// <summary>
/// The README's settings table against the options classes themselves: every setting an operator can give
/// (a public settable property of a class with a <c>SectionName</c>) has a row, and every row names settings that
/// exist, so a new setting cannot ship undocumented and a renamed one cannot linger in the README.
/// </summary>
public sealed partial class SettingsTableTests
{
    // Rows for settings that are not an options class property (the host's own, and the benchmark host's).
    private static readonly string[] NotOptionsClasses = ["urls", "ConnectionStrings:AlertHub", "Docs:ReferencePage", "DataProtection:CertificatePath", "DataProtection:CertificatePassword", "Bench:Partners"];

    [Fact]
    public void EverySetting_HasARow_AndEveryRow_IsASetting()
    {
        var settings = OptionsSettings();
        Assert.True(settings.Count > 50, $"only {settings.Count} settings found");
        var documented = DocumentedSettings();

        var missing = settings.Keys.Where(s => !documented.Contains(s)).Order().ToList();
        Assert.True(missing.Count == 0, "Settings without a row in README 'Configuration': " + string.Join(", ", missing));
        var unknown = documented.Where(d => !settings.ContainsKey(d) && !NotOptionsClasses.Contains(d)).Order().ToList();
        Assert.True(unknown.Count == 0, "README rows naming no setting: " + string.Join(", ", unknown));
    }

    /// <summary>Section:Property for every options class (found by its <c>SectionName</c> constant).</summary>
    private static Dictionary<string, Type> OptionsSettings()
    {
        var result = new Dictionary<string, Type>(StringComparer.OrdinalIgnoreCase);
        foreach (var type in typeof(AlertHub.Infrastructure.Data.AlertHubDbContext).Assembly.GetTypes())
        {
            if (type.GetField("SectionName", BindingFlags.Public | BindingFlags.Static) is not { IsLiteral: true } field)
            {
                continue;
            }
            var section = (string)field.GetRawConstantValue()!;
            foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod is { IsPublic: true }))
            {
                result[$"{section}:{property.Name}"] = type;
            }
        }
        return result;
    }

    /// <summary>
    /// The settings the table's first column names: <c>`Section:Key`</c>, and the keys after it in the same cell
    /// (<c>`Section:A` / `B`</c>, <c>`Section:A`, `B`</c>) belong to that section.
    /// </summary>
    private static HashSet<string> DocumentedSettings()
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "README.md"));
        var start = readme.IndexOf("\n## Configuration", StringComparison.Ordinal);
        Assert.True(start >= 0, "README has no 'Configuration' section");
        var end = readme.IndexOf("\n## ", start + 5, StringComparison.Ordinal);
        var result = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in readme[start..end].Split('\n').Where(l => l.StartsWith("| `", StringComparison.Ordinal)))
        {
            var cell = line.Split('|')[1];
            string? section = null;
            foreach (Match name in Code().Matches(cell))
            {
                var value = name.Groups[1].Value;
                var colon = value.IndexOf(':', StringComparison.Ordinal);
                if (colon > 0)
                {
                    section = value[..colon];
                    result.Add(value);
                }
                else
                {
                    result.Add(section is null ? value : $"{section}:{value}");
                }
            }
        }
        return result;
    }

    [GeneratedRegex("`([^`]+)`")]
    private static partial Regex Code();
}
