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
        // The ValidateOnStart checks, before the database is touched: a node with a setting that would
        // disable the safety net neither migrates nor seeds, it stops with the setting's name.
        app.Services.GetRequiredService<IStartupValidator>().Validate();
        await using var scope = app.Services.CreateAsyncScope();
        var services = scope.ServiceProvider;
        var db = services.GetRequiredService<AlertHubDbContext>();
        var logger = services.GetRequiredService<ILogger<AlertHubDbContext>>();

        // EF Core takes a database-wide migration lock, so nodes starting together migrate once.
        await db.Database.MigrateAsync(ct);
        if (db.Database.IsSqlite())
        {
            // WAL lets readers (catch-up, lists) run while an alert is being written.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", ct);
        }

        var roles = services.GetRequiredService<RoleManager<IdentityRole>>();
        foreach (var role in Enum.GetNames<PersonRole>())
        {
            try
            {
                if (!await roles.RoleExistsAsync(role))
                {
                    await roles.CreateAsync(new IdentityRole(role));
                }
            }
            catch (DbUpdateException e) when (e.IsUniqueViolation())
            {
                logger.LogInformation("Role {Role} was created by another node", role);
            }
        }

        if (services.GetRequiredService<IOptions<DemoOptions>>().Value.Enabled && !await db.Regions.AnyAsync(ct))
        {
            logger.LogInformation("Loading the demo network into the empty database");
            try
            {
                await DemoNetwork.SeedAsync(db, services.GetRequiredService<UserManager<AppUser>>(),
                    services.GetRequiredService<TimeProvider>(), ct);
            }
            catch (DbUpdateException e) when (e.IsUniqueViolation())
            {
                // Two nodes started on one empty database at once: the other one loaded it.
                logger.LogInformation("Another node loaded the demo network first");
            }
        }
    }
}
