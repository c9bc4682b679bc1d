using AlertHub.Accounts;
using AlertHub.Client;
using AlertHub.People;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AlertHub.Infrastructure.Data;

internal static class DatabaseInitializer
{
    /// <summary>Applies migrations, switches SQLite to WAL, creates the roles and loads the demo network when asked.</summary>
    public static async Task InitialiseDatabaseAsync(this WebApplication app, CancellationToken ct = default)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var services = scope.ServiceProvider;
        var db = services.GetRequiredService<AlertHubDbContext>();
        var logger = services.GetRequiredService<ILogger<AlertHubDbContext>>();

        await db.Database.MigrateAsync(ct);
        if (db.Database.IsSqlite())
        {
            // WAL lets readers (catch-up, lists) run while an alert is being written.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", ct);
        }

        var roles = services.GetRequiredService<RoleManager<IdentityRole>>();
        foreach (var role in Enum.GetNames<PersonRole>())
        {
            if (!await roles.RoleExistsAsync(role))
            {
                await roles.CreateAsync(new IdentityRole(role));
            }
        }

        if (services.GetRequiredService<IOptions<DemoOptions>>().Value.Enabled && !await db.Regions.AnyAsync(ct))
        {
            logger.LogInformation("Loading the demo network into the empty database");
            await DemoNetwork.SeedAsync(db, services.GetRequiredService<UserManager<AppUser>>(),
                services.GetRequiredService<TimeProvider>(), ct);
        }
    }
}
