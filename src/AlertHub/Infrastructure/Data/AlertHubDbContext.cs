using AlertHub.Accounts;
using AlertHub.Alerts;
using AlertHub.Client;
using AlertHub.Delivery;
using AlertHub.Evaluations;
using AlertHub.Infrastructure.Scheduling;
using AlertHub.People;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace AlertHub.Infrastructure.Data;

internal sealed class AlertHubDbContext(DbContextOptions<AlertHubDbContext> options) : IdentityDbContext<AppUser>(options)
{
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
    public DbSet<ScheduledJob> ScheduledJobs => Set<ScheduledJob>();
    public DbSet<SmsMessage> SmsMessages => Set<SmsMessage>();
    public DbSet<Evaluation> Evaluations => Set<Evaluation>();
    public DbSet<ActionItem> ActionItems => Set<ActionItem>();
    public DbSet<EvaluationInput> EvaluationInputs => Set<EvaluationInput>();

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
    }

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.ApplyConfigurationsFromAssembly(typeof(AlertHubDbContext).Assembly);

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

    private static readonly ValueConverter<DateTimeOffset, long> UtcTicksConverter =
        new(v => v.UtcTicks, v => new DateTimeOffset(v, TimeSpan.Zero));
}
