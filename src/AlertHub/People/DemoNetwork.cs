using AlertHub.Infrastructure;
using AlertHub.Accounts;
using AlertHub.Client;
using AlertHub.Infrastructure.Data;
using Microsoft.AspNetCore.Identity;

namespace AlertHub.People;

/// <summary>The fictional demo network of CONTRACT.md, loaded into an empty database when Demo:Enabled.</summary>
internal static class DemoNetwork
{
    public const string Password = "Demo-2026!";

    public static async Task SeedAsync(AlertHubDbContext db, UserManager<AppUser> users, TimeProvider time, CancellationToken ct)
    {
        var now = time.Now();
        db.Regions.AddRange(
            new Region { Id = "zaanstreek", Name = "Zaanstreek" },
            new Region { Id = "haaglanden", Name = "Haaglanden" });
        db.Schools.AddRange(
            new School
            {
                Id = "demo-college-zaandam", Name = "Demo College Zaandam", RegionId = "zaanstreek",
                Address = "Stationsplein 1, 1506 DA Zaandam", Phone = "+31750000100",
            },
            new School { Id = "demo-lyceum-wormerveer", Name = "Demo Lyceum Wormerveer", RegionId = "zaanstreek" },
            new School { Id = "demo-vakschool-krommenie", Name = "Demo Vakschool Krommenie", RegionId = "zaanstreek" },
            new School { Id = "demo-school-den-haag", Name = "Demo School Den Haag", RegionId = "haaglanden" });
        db.Organisations.AddRange(
            new Organisation { Id = "politie-zaanstreek", Name = "Politie Zaanstreek", RegionId = "zaanstreek" },
            new Organisation { Id = "jongerenwerk-zaanstad", Name = "Jongerenwerk Zaanstad", RegionId = "zaanstreek" },
            new Organisation { Id = "handhaving-zaanstad", Name = "Handhaving Zaanstad", RegionId = "zaanstreek" },
            new Organisation { Id = "gemeente-zaanstad", Name = "Gemeente Zaanstad", RegionId = "zaanstreek" },
            new Organisation { Id = "demo-scholen-zaanstreek", Name = "Demo scholen Zaanstreek", RegionId = "zaanstreek" },
            new Organisation { Id = "politie-haaglanden", Name = "Politie Haaglanden", RegionId = "haaglanden" },
            new Organisation { Id = "demo-scholen-haaglanden", Name = "Demo scholen Haaglanden", RegionId = "haaglanden" });
        await db.SaveChangesAsync(ct);

        Person P(string email, string name, PersonRole role, string? phone, string? region, string? org = null,
            Discipline? discipline = null, string? school = null) => new()
        {
            Name = name, Email = email, Role = role, Phone = phone, RegionId = region, OrganisationId = org,
            Discipline = discipline, SchoolId = school,
        };

        var coordinator = P("coordinator@demo.alerthub.test", "Sanne de Vries (demo)", PersonRole.Coordinator, "+31600000010",
            "zaanstreek", "demo-scholen-zaanstreek", Discipline.School, "demo-college-zaandam");
        var coordinator2 = P("coordinator2@demo.alerthub.test", "Ahmed el Amrani (demo)", PersonRole.Coordinator, "+31600000011",
            "zaanstreek", "demo-scholen-zaanstreek", Discipline.School, "demo-lyceum-wormerveer");
        var police = P("politie@demo.alerthub.test", "Wijkagent Jansen (demo)", PersonRole.Partner, "+31600000001",
            "zaanstreek", "politie-zaanstreek", Discipline.Police);
        var youthWork = P("jongerenwerk@demo.alerthub.test", "Jongerenwerker Bakker (demo)", PersonRole.Partner, "+31600000002",
            "zaanstreek", "jongerenwerk-zaanstad", Discipline.YouthWork);
        var enforcement = P("handhaving@demo.alerthub.test", "BOA Visser (demo)", PersonRole.Partner, "+31600000003",
            "zaanstreek", "handhaving-zaanstad", Discipline.Enforcement);
        var ambassador = P("jeugdambassadeur@demo.alerthub.test", "Jeugdambassadeur Smit (demo)", PersonRole.Partner, "+31600000012",
            "zaanstreek", "gemeente-zaanstad", Discipline.YouthAmbassador);
        var policeBackup = P("politie.reserve@demo.alerthub.test", "Reserve politie Mulder (demo)", PersonRole.Partner, "+31600000004",
            "zaanstreek", "politie-zaanstreek", Discipline.Police);
        var youthWorkBackup = P("jongerenwerk.reserve@demo.alerthub.test", "Reserve jongerenwerk Bos (demo)", PersonRole.Partner, "+31600000005",
            "zaanstreek", "jongerenwerk-zaanstad", Discipline.YouthWork);
        var enforcementBackup = P("handhaving.reserve@demo.alerthub.test", "Reserve handhaving Peters (demo)", PersonRole.Partner, "+31600000006",
            "zaanstreek", "handhaving-zaanstad", Discipline.Enforcement);
        var teamLead = P("teamlead@demo.alerthub.test", "Regievoerder Hendriks (demo)", PersonRole.TeamLead, "+31600000009",
            "zaanstreek", "gemeente-zaanstad", Discipline.Municipality);
        var admin = P("admin@demo.alerthub.test", "Functioneel beheer (demo)", PersonRole.Admin, null, null);
        var hlCoordinator = P("coordinator@haaglanden.alerthub.test", "Coördinator Haaglanden (demo)", PersonRole.Coordinator, "+31600000020",
            "haaglanden", "demo-scholen-haaglanden", Discipline.School, "demo-school-den-haag");
        var hlPolice = P("politie@haaglanden.alerthub.test", "Wijkagent Haaglanden (demo)", PersonRole.Partner, "+31600000021",
            "haaglanden", "politie-haaglanden", Discipline.Police);

        Person[] everyone = [coordinator, coordinator2, police, youthWork, enforcement, ambassador, policeBackup, youthWorkBackup,
            enforcementBackup, teamLead, admin, hlCoordinator, hlPolice];
        db.People.AddRange(everyone);
        db.SchoolContacts.Add(new SchoolContact { SchoolId = "demo-college-zaandam", PersonId = ambassador.Id });

        // The demo roster covers a wide window so the demo works whenever it is started.
        var from = now.AddYears(-1);
        var until = now.AddYears(10);
        RosterEntry On(Person p, string region, bool backup = false) =>
            new() { RegionId = region, PersonId = p.Id, From = from, Until = until, IsBackup = backup };
        db.RosterEntries.AddRange(
            On(police, "zaanstreek"), On(youthWork, "zaanstreek"), On(enforcement, "zaanstreek"),
            On(policeBackup, "zaanstreek", backup: true), On(youthWorkBackup, "zaanstreek", backup: true),
            On(enforcementBackup, "zaanstreek", backup: true), On(hlPolice, "haaglanden"));
        await db.SaveChangesAsync(ct);

        foreach (var person in everyone)
        {
            await AccountFactory.CreateAsync(users, person, Password);
        }
    }
}
