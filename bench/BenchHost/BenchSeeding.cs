using System.Diagnostics;
using System.Text.Json;
using AlertHub.Accounts;
using AlertHub.Client;
using AlertHub.Infrastructure.Data;
using AlertHub.People;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

[assembly: HostingStartup(typeof(AlertHub.BenchHost.BenchStartup))]

namespace AlertHub.BenchHost;

/// <summary>
/// Load-test support for <c>alerthub bench</c>, only in the bench's own host (never in AlertHub.dll). With <c>--Bench:Partners=N</c> (N &gt; 0) the hub
/// creates, at start-up, a region <c>bench</c> with one school, its coordinator
/// <c>coordinator@bench.alerthub.test</c> and N on-call partners <c>partner0000@bench.alerthub.test</c> …, all with
/// the password <see cref="Password"/>, and answers <c>GET /bench/memory</c>. Never enable it in production:
/// its accounts have a known password.
/// </summary>
internal sealed class BenchOptions
{
    public const string SectionName = "Bench";
    public const string Password = "Bench-2026!";

    /// <summary>How many on-call partner accounts to create in the bench region; 0 = bench support off.</summary>
    public int Partners { get; set; }

    /// <summary>
    /// Schools, each with its coordinator (the first is <c>coordinator@bench.alerthub.test</c>, then
    /// <c>coordinator01@…</c>): a person raises one alert at a time, so raising in parallel needs several.
    /// </summary>
    public int Coordinators { get; set; } = 1;
}

/// <summary>Loaded by Program.cs into AlertHub's own host.</summary>
internal sealed class BenchStartup : IHostingStartup
{
    public void Configure(IWebHostBuilder builder) => builder.ConfigureServices((context, services) =>
    {
        services.AddHostedService<AlertHub.BenchSupport.ParentWatch>();
        BenchSetup.AddBench(services, context.Configuration);
    });
}

internal static class BenchSetup
{
    public const string RegionId = "bench";
    public const string SchoolId = "bench-school";
    public const string CoordinatorEmail = "coordinator@bench.alerthub.test";

    public static string PartnerEmail(int index) => $"partner{index:D4}@bench.alerthub.test";

    public static string CoordinatorEmailOf(int index) => index == 0 ? CoordinatorEmail : $"coordinator{index:D2}@bench.alerthub.test";

    public static void AddBench(IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(BenchOptions.SectionName).Get<BenchOptions>() ?? new BenchOptions();
        if (options.Partners <= 0)
        {
            return;
        }
        services.Configure<BenchOptions>(o =>
        {
            o.Partners = options.Partners;
            o.Coordinators = Math.Clamp(options.Coordinators, 1, 64);
        });
        // Hosted services registered here start before Kestrel listens, so the accounts exist once the hub answers.
        services.AddHostedService<BenchSeeder>();
        services.AddSingleton<IStartupFilter, BenchEndpointFilter>();
    }

    /// <summary>Working set and managed heap after a full collection, so the bench can compute memory per connection.</summary>
    private sealed class BenchEndpointFilter : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Map("/bench/memory", branch => branch.Run(async context =>
            {
                GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
                GC.WaitForPendingFinalizers();
                using var process = Process.GetCurrentProcess();
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync(JsonSerializer.Serialize(new
                {
                    workingSet = process.WorkingSet64,
                    managedHeap = GC.GetTotalMemory(forceFullCollection: false),
                    // The profile's counters: transactions of the group writer and the writes in them, SQLite gate waits.
                    groups = context.RequestServices.GetRequiredService<GroupCommit>().Written.Groups,
                    units = context.RequestServices.GetRequiredService<GroupCommit>().Written.Units,
                    gateWaits = SqliteWriteGate.Waits,
                }));
            }));
            // After the warm-up: the statistics a database in service has (autovacuum analyses tables as they grow;
            // a fresh bench database has none, and PostgreSQL then picked the burst index for the idempotency-key
            // lookup and scanned every alert of the person: 1.4 ms for 356 alerts instead of 0.02 ms).
            app.Map("/bench/analyze", branch => branch.Run(async context =>
            {
                await using var scope = context.RequestServices.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<AlertHubDbContext>().Database.ExecuteSqlRawAsync("ANALYZE", context.RequestAborted);
                context.Response.StatusCode = StatusCodes.Status204NoContent;
            }));
            next(app);
        };
    }

    private sealed class BenchSeeder(IServiceProvider services, IOptions<BenchOptions> options, TimeProvider time, ILogger<BenchSeeder> logger)
        : IHostedService
    {
        public async Task StartAsync(CancellationToken ct)
        {
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<AlertHubDbContext>();
            if (await db.Regions.AnyAsync(r => r.Id == RegionId, ct))
            {
                return;
            }
            var partners = options.Value.Partners;
            logger.LogWarning("Bench mode: creating region {Region} with {Partners} partners (known password)", RegionId, partners);
            var now = time.GetUtcNow();
            db.Regions.Add(new Region { Id = RegionId, Name = "Bench" });
            db.Organisations.Add(new Organisation { Id = "bench-partners", Name = "Bench partners", RegionId = RegionId });
            var people = new List<Person>();
            for (var i = 0; i < options.Value.Coordinators; i++)
            {
                var schoolId = i == 0 ? SchoolId : $"{SchoolId}-{i:D2}";
                db.Schools.Add(new School { Id = schoolId, Name = i == 0 ? "Bench School" : $"Bench School {i:D2}", RegionId = RegionId });
                people.Add(new Person
                {
                    Name = $"Bench coordinator {i}", Email = CoordinatorEmailOf(i), Role = PersonRole.Coordinator,
                    RegionId = RegionId, SchoolId = schoolId, OrganisationId = "bench-partners", Discipline = Discipline.School,
                });
            }
            for (var i = 0; i < partners; i++)
            {
                var partner = new Person
                {
                    Name = $"Bench partner {i}", Email = PartnerEmail(i), Role = PersonRole.Partner, RegionId = RegionId,
                    OrganisationId = "bench-partners", Discipline = (Discipline)(i % 3),
                };
                people.Add(partner);
                db.RosterEntries.Add(new RosterEntry
                {
                    RegionId = RegionId, PersonId = partner.Id, From = now.AddDays(-1), Until = now.AddYears(10),
                });
            }
            db.People.AddRange(people);

            // Accounts are written directly, with a cheap hash: the normal 100,000-iteration PBKDF2 for thousands of
            // accounts would take minutes. The hash records its iteration count, so sign-in verifies it as usual.
            var hasher = new PasswordHasher<AppUser>(Options.Create(new PasswordHasherOptions { IterationCount = 1000 }));
            var roles = await db.Roles.ToDictionaryAsync(r => r.Name!, r => r.Id, ct);
            foreach (var person in people)
            {
                var user = new AppUser
                {
                    Id = person.Id.ToString(), UserName = person.Email, NormalizedUserName = person.Email!.ToUpperInvariant(),
                    Email = person.Email, NormalizedEmail = person.Email.ToUpperInvariant(), EmailConfirmed = true,
                    SecurityStamp = Guid.NewGuid().ToString("N"), ConcurrencyStamp = Guid.NewGuid().ToString(),
                    LockoutEnabled = false,
                };
                user.PasswordHash = hasher.HashPassword(user, BenchOptions.Password);
                db.Users.Add(user);
                db.UserRoles.Add(new IdentityUserRole<string> { UserId = user.Id, RoleId = roles[person.Role.ToString()] });
            }
            await db.SaveChangesAsync(ct);
        }

        public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
    }
}
