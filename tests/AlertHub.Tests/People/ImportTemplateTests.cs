using System.Net;
using System.Text.Json;
using AlertHub.Client;
using AlertHub.People;
using AlertHub.Testing;
using Microsoft.EntityFrameworkCore;

namespace AlertHub.Tests.People;

/// <summary>Issue 14: the import speaks the admin's language (politie, not police) and offers a template per kind.</summary>
public sealed class ImportTemplateTests
{
    [Fact]
    public async Task DutchValues_AreImported_AndUnknownOnesAreAnsweredWithTheDutchChoices()
    {
        await using var host = await TestHost.StartAsync();
        var admin = (await host.LoginAsync(TestHost.Admin)).Http;
        const string csv = """
            name,email,role,discipline,phone,organisationId,regionId,active
            Agent Vier,vier@test.nl,Partner,Politie,+31630000004,politie-zaanstreek,zaanstreek,ja
            Regie Vijf,vijf@test.nl,regievoerder,,+31630000005,,zaanstreek,ja
            Werker Zes,zes@test.nl,partner,schoolmaatschappelijk werk,+31630000006,,zaanstreek,ja
            """;
        (await admin.PostCsvAsync("people", csv)).EnsureSuccessStatusCode();
        var people = await host.WithDbAsync(db => db.People.AsNoTracking().Where(p => p.Email!.EndsWith("@test.nl")).ToDictionaryAsync(p => p.Email!));
        Assert.Equal((PersonRole.Partner, Discipline.Police), (people["vier@test.nl"].Role, people["vier@test.nl"].Discipline));
        Assert.Equal(PersonRole.TeamLead, people["vijf@test.nl"].Role);
        Assert.Equal(Discipline.SchoolSocialWork, people["zes@test.nl"].Discipline);

        var errors = await (await admin.PostCsvAsync("people", "name,role,discipline,phone,regionId\nIemand,partner,brandweer,+31630000007,zaanstreek\n")).ValidationErrorsAsync();
        var text = Assert.Single(errors["line 2"]);
        Assert.StartsWith("Discipline (discipline): Onbekende waarde 'brandweer'; kies politie (police), jongerenwerk (youth_work)", text);
    }

    [Fact]
    public void TheImportsDutchWords_AreTheWebAppsWords()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "AlertHub.sln")))
        {
            directory = directory.Parent;
        }
        var texts = JsonSerializer.Deserialize<Dictionary<string, string>>(
            File.ReadAllText(Path.Combine(directory!.FullName, "src", "AlertHub", "wwwroot", "i18n", "nl.json")))!;
        foreach (var (value, dutch) in DirectoryFormats.DutchNames)
        {
            var prefix = value is PersonRole ? "role" : "discipline";
            Assert.Equal(texts[$"{prefix}.{JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString())}"], dutch);
        }
        Assert.Equal(Enum.GetValues<PersonRole>().Length + Enum.GetValues<Discipline>().Length, DirectoryFormats.DutchNames.Count);
    }

    [Theory]
    [InlineData("regions")]
    [InlineData("organisations")]
    [InlineData("schools")]
    [InlineData("people")]
    [InlineData("roster")]
    public async Task EachKindsTemplate_HasItsColumns_AndImportsAsItIs(string kind)
    {
        await using var host = await TestHost.StartAsync();
        var admin = (await host.LoginAsync(TestHost.Admin)).Http;
        using var template = await admin.GetAsync($"/api/admin/import/template?kind={kind}");
        Assert.Equal(HttpStatusCode.OK, template.StatusCode);
        Assert.Equal("text/csv", template.Content.Headers.ContentType?.MediaType);
        Assert.Equal($"alerthub-{kind}.csv", template.Content.Headers.ContentDisposition?.FileNameStar ?? template.Content.Headers.ContentDisposition?.FileName);
        var csv = await template.Content.ReadAsStringAsync();
        var lines = csv.TrimStart('\uFEFF').Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(string.Join(",", ImportParser.CsvColumns[kind].Select(c => c.Name)), lines[0]);
        Assert.Equal(2, lines.Length);

        // The example names the demo network's ids, so it imports there (people and roster: a new address each).
        var body = kind switch
        {
            "regions" => csv.Replace("zaanstreek,Zaanstreek", "waterland,Waterland", StringComparison.Ordinal),
            "organisations" => csv.Replace("politie-zaanstreek,Politie Zaanstreek", "boa-zaanstreek,BOA Zaanstreek", StringComparison.Ordinal),
            "schools" => csv.Replace("demo-college-zaandam,Demo College Zaandam", "nieuwe-school,Nieuwe School", StringComparison.Ordinal)
                .Replace("coordinator@school.nl", TestHost.Coordinator, StringComparison.Ordinal),
            "roster" => csv.Replace("jansen@politie.nl", TestHost.Police, StringComparison.Ordinal),
            _ => csv,
        };
        using var imported = await admin.PostCsvAsync(kind, body);
        Assert.True(imported.IsSuccessStatusCode, await imported.Content.ReadAsStringAsync());

        using var unknown = await admin.GetAsync("/api/admin/import/template?kind=vogels");
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("Kies regions", await unknown.Content.ReadAsStringAsync());
    }
}
