using AlertHub.Accounts;
using AlertHub.Alerts;
using AlertHub.Client;
using AlertHub.Delivery;
using AlertHub.Evaluations;
using AlertHub.Infrastructure.Scheduling;
using AlertHub.People;
using AlertHub.Privacy;
using AlertHub.Delivery.Push;
using AlertHub.Delivery.WebPush;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace AlertHub.Infrastructure.Data;

/// <summary>
/// The one model. SQLite (the embedded default) uses this type and its migrations in
/// Migrations/Sqlite; PostgreSQL uses <see cref="PostgresAlertHubDbContext"/> with Migrations/Postgres,
/// because each provider needs its own migrations.
/// </summary>
internal class AlertHubDbContext(DbContextOptions options, IEnumerable<ISaveChangesStep>? steps = null)
    : IdentityDbContext<AppUser>(options), IDataProtectionKeyContext
{
    private readonly ISaveChangesStep[] _steps = steps?.OrderBy(s => s.Order).ToArray() ?? [];

    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();
    public DbSet<PushMessage> PushMessages => Set<PushMessage>();
    public DbSet<ChangeCounter> ChangeCounters => Set<ChangeCounter>();
    public DbSet<Region> Regions => Set<Region>();
    public DbSet<School> Schools => Set<School>();
    public DbSet<Organisation> Organisations => Set<Organisation>();
    public DbSet<Person> People => Set<Person>();
    public DbSet<SchoolContact> SchoolContacts => Set<SchoolContact>();
    public DbSet<RosterEntry> RosterEntries => Set<RosterEntry>();
    public DbSet<Alert> Alerts => Set<Alert>();
    public DbSet<Recipient> Recipients => Set<Recipient>();
    public DbSet<Acknowledgement> Acknowledgements => Set<Acknowledgement>();
    public DbSet<AlertUpdate> AlertUpdates => Set<AlertUpdate>();
    public DbSet<AlertInstruction> AlertInstructions => Set<AlertInstruction>();
    public DbSet<ScheduledJob> ScheduledJobs => Set<ScheduledJob>();
    public DbSet<SmsMessage> SmsMessages => Set<SmsMessage>();
    public DbSet<SmsStatusCallback> SmsStatusCallbacks => Set<SmsStatusCallback>();
    public DbSet<InboundSms> InboundSms => Set<InboundSms>();
    public DbSet<Evaluation> Evaluations => Set<Evaluation>();
    public DbSet<ActionItem> ActionItems => Set<ActionItem>();
    public DbSet<EvaluationInput> EvaluationInputs => Set<EvaluationInput>();
    public DbSet<AuditEntry> AuditEntries => Set<AuditEntry>();
    public DbSet<DeviceSession> DeviceSessions => Set<DeviceSession>();
    public DbSet<PushSubscription> PushSubscriptions => Set<PushSubscription>();
    public DbSet<WebPushMessage> WebPushMessages => Set<WebPushMessage>();
    public DbSet<VapidKey> VapidKeys => Set<VapidKey>();
    public DbSet<Partners.ApiClient> ApiClients => Set<Partners.ApiClient>();
    public DbSet<Partners.Webhooks.WebhookEndpoint> WebhookEndpoints => Set<Partners.Webhooks.WebhookEndpoint>();
    public DbSet<Partners.Webhooks.WebhookDelivery> WebhookDeliveries => Set<Partners.Webhooks.WebhookDelivery>();
    public DbSet<Readiness.ReadinessCheck> ReadinessChecks => Set<Readiness.ReadinessCheck>();
    public DbSet<Readiness.ReadinessTarget> ReadinessTargets => Set<Readiness.ReadinessTarget>();

    /// <summary>Audit entries of the change being handled, written by <see cref="AuditInterceptor"/> with it.</summary>
    internal AuditTrail AuditTrail { get; } = new();

    /// <summary>This context's save step of that type (the scope's instance), if the context has one.</summary>
    internal T? Step<T>() where T : class, ISaveChangesStep => _steps.OfType<T>().FirstOrDefault();

    public override int SaveChanges(bool acceptAllChangesOnSuccess) =>
        SaveChangesAsync(acceptAllChangesOnSuccess).GetAwaiter().GetResult();

    /// <summary>
    /// Every save runs the features' <see cref="ISaveChangesStep"/>s: rows they add are written with the change,
    /// in one transaction, and handed on only once it committed.
    /// </summary>
    public override async Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken = default)
    {
        // SQLite: one writer at a time in this process, in turn, instead of colliding (SqliteWriteGate).
        await using var turn = Database.IsSqlite() ? await SqliteWriteGate.EnterAsync(Database.GetDbConnection(), cancellationToken) : null;
        SqliteWriteGate.Hold(turn);
        if (_steps.Length == 0)
        {
            return await base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
        }
        // Changes are detected twice per save, not once per question: every step, the audit interceptor and the
        // version step ask ChangeTracker.Entries(), which with auto-detect on scans the whole graph each time. In a
        // group commit of n raises (30 rows each) that made the writer quadratic in n (issue 16 profile: DetectChanges
        // was 5.7 of the writer's 7 s). Once before the steps; once after them, so what a step set on a loaded row
        // (a version) is saved; none inside the save or the in-transaction steps, which only read and set values
        // they also mark (SetTracked).
        ChangeTracker.DetectChanges();
        var autoDetect = ChangeTracker.AutoDetectChangesEnabled;
        var inTransaction = false;
        ChangeTracker.AutoDetectChangesEnabled = false;
        try
        {
            foreach (var step in _steps)
            {
                inTransaction |= await step.BeforeSaveAsync(this, cancellationToken);
            }
            ChangeTracker.DetectChanges();
            int written;
            if (inTransaction)
            {
                await using var transaction = Database.CurrentTransaction is null ? await Database.BeginTransactionAsync(cancellationToken) : null;
                written = await base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
                foreach (var step in _steps)
                {
                    await step.InTransactionAsync(this, cancellationToken);
                }
                if (transaction is not null)
                {
                    await transaction.CommitAsync(cancellationToken);
                }
            }
            else
            {
                written = await base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
            }
            foreach (var step in _steps)
            {
                step.AfterCommit();
            }
            return written;
        }
        catch
        {
            foreach (var step in _steps)
            {
                step.Discard(this);
            }
            throw;
        }
        finally
        {
            ChangeTracker.AutoDetectChangesEnabled = autoDetect;
        }
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // Enums are stored by name: readable in the database and safe when members are added.
        configurationBuilder.Properties<AlertKind>().HaveConversion<string>().HaveMaxLength(32);
        configurationBuilder.Properties<AlertStatus>().HaveConversion<string>().HaveMaxLength(32);
        configurationBuilder.Properties<DeliveryState>().HaveConversion<string>().HaveMaxLength(32);
        configurationBuilder.Properties<AckResponse>().HaveConversion<string>().HaveMaxLength(32);
        configurationBuilder.Properties<Discipline>().HaveConversion<string>().HaveMaxLength(32);
        configurationBuilder.Properties<PersonRole>().HaveConversion<string>().HaveMaxLength(32);
        configurationBuilder.Properties<RecipientReason>().HaveConversion<string>().HaveMaxLength(32);
        configurationBuilder.Properties<EvaluationStatus>().HaveConversion<string>().HaveMaxLength(32);
        configurationBuilder.Properties<SmsStatus>().HaveConversion<string>().HaveMaxLength(32);
        configurationBuilder.Properties<Readiness.ReadinessProblem>().HaveConversion<string>().HaveMaxLength(32);
    }

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.ApplyConfigurationsFromAssembly(typeof(AlertHubDbContext).Assembly);

        if (Database.IsNpgsql())
        {
            // timestamptz only takes UTC; an offset given by an admin (roster +01:00) is normalised.
            foreach (var property in builder.Model.GetEntityTypes().SelectMany(t => t.GetProperties()))
            {
                if (property.ClrType == typeof(DateTimeOffset) || property.ClrType == typeof(DateTimeOffset?))
                {
                    property.SetValueConverter(UtcConverter);
                }
            }
        }
        if (Database.IsSqlite())
        {
            // SQLite cannot compare or order DateTimeOffset values; UTC ticks keep both correct.
            foreach (var property in builder.Model.GetEntityTypes().SelectMany(t => t.GetProperties()))
            {
                if (property.ClrType == typeof(DateTimeOffset) || property.ClrType == typeof(DateTimeOffset?))
                {
                    property.SetValueConverter(UtcTicksConverter);
                }
            }
        }
    }

    private static readonly ValueConverter<DateTimeOffset, DateTimeOffset> UtcConverter =
        new(v => v.ToUniversalTime(), v => v);

    private static readonly ValueConverter<DateTimeOffset, long> UtcTicksConverter =
        new(v => v.UtcTicks, v => new DateTimeOffset(v, TimeSpan.Zero));
}

internal sealed class PostgresAlertHubDbContext(DbContextOptions<PostgresAlertHubDbContext> options, IEnumerable<ISaveChangesStep>? steps = null)
    : AlertHubDbContext(options, steps);

/// <summary>Lets `dotnet ef migrations add … --context PostgresAlertHubDbContext` build the model without a server.</summary>
internal sealed class PostgresDesignTimeFactory : Microsoft.EntityFrameworkCore.Design.IDesignTimeDbContextFactory<PostgresAlertHubDbContext>
{
    public PostgresAlertHubDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresAlertHubDbContext>().UseNpgsql("Host=127.0.0.1;Database=alerthub_design").Options);
}

/// <summary>
/// The SQLite counterpart of <see cref="PostgresDesignTimeFactory"/>: with a factory for each context
/// type, `dotnet ef` never mistakes one provider's context for the other's.
/// </summary>
internal sealed class SqliteDesignTimeFactory : Microsoft.EntityFrameworkCore.Design.IDesignTimeDbContextFactory<AlertHubDbContext>
{
    public AlertHubDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<AlertHubDbContext>().UseSqlite("Data Source=alerthub-design.db").Options);
}
