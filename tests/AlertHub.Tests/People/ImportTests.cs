using System.Net;
using System.Text;
using AlertHub.Client;
using AlertHub.People;
using AlertHub.Testing;
using Microsoft.EntityFrameworkCore;

namespace AlertHub.Tests.People;

// Clock: depends on dates and hours; .ci/run runs it again with the test clock on other days.
[Trait("Category", "Clock")]
public sealed class ImportTests
{
    private const string Password = "Import-Wachtwoord-1";

    [Fact]
    public async Task Import_CsvWithOneBadLine_ReportsLineAndImportsNothing()
    {
        await using var host = await TestHost.StartAsync();
        var admin = (await host.LoginAsync(TestHost.Admin)).Http;
        var before = await host.WithDbAsync(db => db.People.CountAsync());

        const string csv = """
            name,email,role,discipline,phone,organisationId,regionId
            Agent Een,een@test.nl,partner,police,+31630000001,politie-zaanstreek,zaanstreek
            Agent Twee,twee@test.nl,partner,police,06-30000002,politie-zaanstreek,zaanstreek
            Agent Drie,drie@test.nl,partner,police,+31630000003,politie-zaanstreek,zaanstreek
            """;
        var errors = await (await admin.PostCsvAsync("people", csv)).ValidationErrorsAsync();

        Assert.Equal(["line 3"], errors.Keys);
        Assert.StartsWith("Telefoon (phone): Ongeldig telefoonnummer: '06-30000002'", Assert.Single(errors["line 3"]));
        Assert.Equal(before, await host.WithDbAsync(db => db.People.CountAsync()));
    }

    [Fact]
    public async Task Import_GoodCsv_ImportsAllRows_WithQuotedCommasQuotesAndCrlf()
    {
        await using var host = await TestHost.StartAsync();
        var admin = (await host.LoginAsync(TestHost.Admin)).Http;
        var before = await host.WithDbAsync(db => db.People.CountAsync());

        var csv = string.Join("\r\n",
            "Name,Email,Role,Discipline,Phone,OrganisationId,RegionId,SchoolId,Active,Password",
            "\"Jansen, Piet\",piet@test.nl,partner,youth_work,+31 6 4000 0001,jongerenwerk-zaanstad,zaanstreek,,ja,",
            "\"Boa \"\"de Handhaver\"\" Smit\",boa@test.nl,partner,enforcement,+31640000002,handhaving-zaanstad,zaanstreek,,,",
            "",
            $"\"Coördinator, Lyceum\",lyceum@test.nl,Coordinator,school,+31640000003,,zaanstreek,demo-lyceum-wormerveer,,{Password}",
            ",,,,,,,,,",
            "");
        var result = await (await admin.PostCsvAsync("people", csv)).ReadAsync<ImportResult>();

        Assert.Equal(3, result.People);
        Assert.Equal(1, result.Accounts);
        Assert.Equal(before + 3, await host.WithDbAsync(db => db.People.CountAsync()));
        var names = await host.WithDbAsync(db => db.People.Where(p => p.Email!.EndsWith("@test.nl")).Select(p => p.Name).ToListAsync());
        Assert.Equal(["Boa \"de Handhaver\" Smit", "Coördinator, Lyceum", "Jansen, Piet"], names.Order());
        var piet = await host.WithDbAsync(db => db.People.SingleAsync(p => p.Email == "piet@test.nl"));
        Assert.Equal("+31640000001", piet.Phone);

        var coordinator = await host.LoginAsync("lyceum@test.nl", Password);
        var alert = await coordinator.RaiseAsync();
        Assert.Equal("demo-lyceum-wormerveer", alert.SchoolId);
    }

    [Fact]
    public async Task Import_CsvFromDutchExcel_SemicolonsAndBom_RosterByEmail()
    {
        await using var host = await TestHost.StartAsync();
        var admin = (await host.LoginAsync(TestHost.Admin)).Http;

        var csv = "\uFEFFregionId;personEmail;from;until;isBackup\n"
            + $"zaanstreek;{TestHost.Police};2027-02-01T07:00:00+01:00;2027-02-08T07:00:00+01:00;nee\n"
            + $"zaanstreek;{TestHost.YouthWork};2027-02-01T06:00:00Z;2027-02-08T06:00:00Z;ja\n";
        var result = await (await admin.PostCsvAsync("roster", csv)).ReadAsync<ImportResult>();
        Assert.Equal(2, result.Roster);

        var entries = (await (await admin.GetAsync("/api/admin/roster?at=2027-02-03T12:00:00Z")).ReadAsync<List<RosterEntryDto>>())
            .Where(e => e.Until.Year == 2027).ToList();
        Assert.Equal(2, entries.Count);
        Assert.All(entries, e => Assert.Equal(new DateTimeOffset(2027, 2, 1, 6, 0, 0, TimeSpan.Zero), e.From));
        Assert.Single(entries, e => e.IsBackup);
    }

    [Fact]
    public async Task Import_CsvProblemsInTheFileItself_AreNamedByLine()
    {
        await using var host = await TestHost.StartAsync();
        var admin = (await host.LoginAsync(TestHost.Admin)).Http;

        var unknownColumn = await (await admin.PostCsvAsync("regions", "id,naam\nnoord,Noord\n")).ValidationErrorsAsync();
        Assert.Equal(["line 1"], unknownColumn.Keys);
        Assert.Contains(unknownColumn["line 1"], m => m.Contains("'naam'"));

        var unclosed = await (await admin.PostCsvAsync("regions", "id,name\nnoord,Noord\nzuid,\"Zuid\n")).ValidationErrorsAsync();
        Assert.Equal(["line 3"], unclosed.Keys);

        var fieldCount = await (await admin.PostCsvAsync("regions", "id,name\nnoord,Noord,extra\n")).ValidationErrorsAsync();
        Assert.Equal(["line 2"], fieldCount.Keys);

        // A quoted name that spans two lines moves the line numbers of what follows.
        var spanning = await (await admin.PostCsvAsync("regions", "id,name\nnoord,\"Noord\nHolland\"\nZuid,Zuid\n")).ValidationErrorsAsync();
        Assert.Equal(["line 4"], spanning.Keys);
        Assert.StartsWith("Id (id): ", spanning["line 4"].Single());

        var duplicates = await (await admin.PostCsvAsync("regions", "id,name\nnoord,Noord\nnoord,Noord 2\nzaanstreek,Z\n")).ValidationErrorsAsync();
        Assert.Equal(["line 3", "line 4"], duplicates.Keys.Order());

        // Errors come in file order, whether the value was unreadable (line 3) or broke a rule (line 2).
        var ordered = await (await admin.PostCsvAsync("people",
            "name,role,phone,regionId\nA,partner,0612,zaanstreek\nB,chef,+31611111111,zaanstreek\n")).ValidationErrorsAsync();
        Assert.Equal(["line 2", "line 3"], ordered.Keys);

        var missingKind = await (await admin.PostAsync("/api/admin/import", new StringContent("id,name\n", Encoding.UTF8, "text/csv")))
            .ValidationErrorsAsync();
        Assert.Equal(["kind"], missingKind.Keys);

        var xml = await admin.PostAsync("/api/admin/import", new StringContent("<regions/>", Encoding.UTF8, "application/xml"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, xml.StatusCode);

        Assert.Equal(2, await host.WithDbAsync(db => db.Regions.CountAsync()));
    }

    [Fact]
    public async Task Import_BodyOverTheCap_Is413()
    {
        await using var host = await TestHost.StartAsync();
        var admin = (await host.LoginAsync(TestHost.Admin)).Http;
        var huge = "id,name\n" + string.Concat(Enumerable.Range(0, 120_000).Select(i => $"regio-{i},Regio {i}\n"));
        Assert.True(Encoding.UTF8.GetByteCount(huge) > 2 * 1024 * 1024);

        // Expect: 100-continue, as a careful client does: the hub refuses on the headers alone and the
        // client never streams 2 MB into a connection the server is closing (no broken-pipe race).
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/admin/import?kind=regions")
        {
            Content = new StringContent(huge, Encoding.UTF8, "text/csv"),
        };
        request.Headers.ExpectContinue = true;
        using var response = await admin.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal(2, await host.WithDbAsync(db => db.Regions.CountAsync()));
    }

    [Fact]
    public async Task Import_JsonOfAWholeSmallNetwork_Works_AndItsCoordinatorReachesItsPartners()
    {
        await using var host = await TestHost.StartAsync();
        var admin = (await host.LoginAsync(TestHost.Admin)).Http;

        var result = await (await admin.PostJsonAsync("/api/admin/import", Network())).ReadAsync<ImportResult>();

        Assert.Equal(new ImportResult(Regions: 1, Organisations: 2, Schools: 2, People: 4, Roster: 2, Contacts: 1, Accounts: 2), result);
        var schools = await (await admin.GetAsync("/api/admin/schools?regionId=gooi")).ReadAsync<List<SchoolDto>>();
        Assert.Equal(["gooi-college", "gooi-lyceum"], schools.Select(s => s.Id).Order());

        var coordinator = await host.LoginAsync("lyceum@gooi.test", Password);
        var alert = await coordinator.RaiseAsync();
        var reached = alert.Recipients.Select(r => r.Name).Order().ToList();
        // The on-call agent, the lyceum's fixed contact (on the roster only as backup) and the other coordinator.
        Assert.Equal(["Agent Gooi", "Coördinator College", "Jongerenwerker Gooi"], reached);
    }

    [Fact]
    public async Task Import_JsonWithOneBadItem_IsAllOrNothing()
    {
        await using var host = await TestHost.StartAsync();
        var admin = (await host.LoginAsync(TestHost.Admin)).Http;
        var counts = () => host.WithDbAsync(async db =>
            (await db.Regions.CountAsync(), await db.Schools.CountAsync(), await db.People.CountAsync(),
             await db.RosterEntries.CountAsync(), await db.Users.CountAsync()));
        var before = await counts();

        var network = Network();
        network["roster"] = new object[]
        {
            new { regionId = "gooi", personEmail = "agent@gooi.test", from = Years(-1), until = Years(3) },
            new { regionId = "gooi", personEmail = "agent@gooi.test", from = Years(3), until = Years(2) },
            new { regionId = "gooi", personEmail = "niemand@gooi.test", from = Years(-1), until = Years(3) },
        };
        var errors = await (await admin.PostJsonAsync("/api/admin/import", network)).ValidationErrorsAsync();

        Assert.Equal(["roster[1]", "roster[2]"], errors.Keys.Order());
        Assert.StartsWith("Tot (until): ", errors["roster[1]"].Single());
        Assert.StartsWith("Persoon (personEmail): Onbekende persoon", errors["roster[2]"].Single());
        Assert.Equal(before, await counts());
        await Assert.ThrowsAsync<AlertHubException>(() => host.LoginAsync("coordinator@gooi.test", Password));
    }

    [Fact]
    public async Task Import_JsonTypos_AreReportedPerItem()
    {
        await using var host = await TestHost.StartAsync();
        var admin = (await host.LoginAsync(TestHost.Admin)).Http;

        var errors = await (await admin.PostJsonAsync("/api/admin/import", new
        {
            regions = new object[] { new { id = "gooi", name = "Gooi", hotline_opens = "07:00" } },
            people = new object[]
            {
                new { name = "A", role = "chef", phone = "+31650000001", regionId = "zaanstreek" },
                new { name = "B", email = TestHost.Police, role = "partner", phone = "+31650000002", regionId = "zaanstreek" },
            },
            schools = "gooi-college",
        })).ValidationErrorsAsync();

        Assert.Equal(["people[0]", "people[1]", "regions[0]", "schools"], errors.Keys.Order());
        Assert.StartsWith("hotline_opens: Onbekend veld", errors["regions[0]"].Single());
        Assert.StartsWith("Rol (role): ", errors["people[0]"].Single());
        Assert.StartsWith("E-mail (email): Er is al iemand", errors["people[1]"].Single());
    }

    private static Dictionary<string, object> Network() => new()
    {
        ["regions"] = new object[] { new { id = "gooi", name = "Gooi en Vechtstreek", timeZone = "Europe/Amsterdam" } },
        ["organisations"] = new object[]
        {
            new { id = "politie-gooi", name = "Politie Gooi", regionId = "gooi" },
            new { id = "scholen-gooi", name = "Scholen Gooi", regionId = "gooi" },
        },
        // Schools come before the people they name as contacts; the import resolves references in both directions.
        ["schools"] = new object[]
        {
            new { id = "gooi-college", name = "Gooi College", regionId = "gooi" },
            new { id = "gooi-lyceum", name = "Gooi Lyceum", regionId = "gooi", contactEmails = new[] { "jongerenwerk@gooi.test" } },
        },
        ["people"] = new object[]
        {
            new
            {
                name = "Coördinator College", email = "coordinator@gooi.test", role = "coordinator", discipline = "school",
                phone = "+31650000010", organisationId = "scholen-gooi", regionId = "gooi", schoolId = "gooi-college", password = Password,
            },
            new
            {
                name = "Coördinator Lyceum", email = "lyceum@gooi.test", role = "coordinator", discipline = "school",
                phone = "+31650000011", organisationId = "scholen-gooi", regionId = "gooi", schoolId = "gooi-lyceum", password = Password,
            },
            new
            {
                name = "Agent Gooi", email = "agent@gooi.test", role = "partner", discipline = "police",
                phone = "+31650000001", organisationId = "politie-gooi", regionId = "gooi",
            },
            new
            {
                name = "Jongerenwerker Gooi", email = "jongerenwerk@gooi.test", role = "partner", discipline = "youth_work",
                phone = "+31650000002", regionId = "gooi",
            },
        },
        ["roster"] = new object[]
        {
            new { regionId = "gooi", personEmail = "agent@gooi.test", from = Years(-1), until = Years(3) },
            new
            {
                regionId = "gooi", personEmail = "jongerenwerk@gooi.test", from = Years(-1, "+01:00"),
                until = Years(3, "+01:00"), isBackup = true,
            },
        },
    };

    /// <summary>A roster boundary some years from the test clock's start (never a fixed date).</summary>
    private static string Years(int years, string offset = "Z") =>
        TestClock.Start.AddYears(years).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) + "T00:00:00" + offset;
}
