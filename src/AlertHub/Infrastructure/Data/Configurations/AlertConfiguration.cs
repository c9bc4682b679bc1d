using AlertHub.Alerts;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AlertHub.Infrastructure.Data.Configurations;

internal sealed class AlertConfiguration : IEntityTypeConfiguration<Alert>
{
    public void Configure(EntityTypeBuilder<Alert> builder)
    {
        // The sequence is the primary key so every database allocates it the same way
        // (SQLite AUTOINCREMENT, PostgreSQL identity): unique and increasing across nodes.
        builder.HasKey(a => a.Sequence);
        builder.Property(a => a.Sequence).ValueGeneratedOnAdd();
        builder.HasAlternateKey(a => a.Id);
        builder.Property(a => a.Version).IsConcurrencyToken();
        builder.HasIndex(a => a.ChangeSeq);
        builder.HasIndex(a => a.RaiseOrder);
        builder.Property(a => a.RegionId).HasMaxLength(64);
        builder.Property(a => a.SchoolId).HasMaxLength(64);
        builder.Property(a => a.SchoolName).HasMaxLength(200);
        builder.Property(a => a.RaisedByName).HasMaxLength(200);
        builder.Property(a => a.Note).HasMaxLength(500);
        builder.Property(a => a.Outcome).HasMaxLength(1000);
        builder.Property(a => a.IdempotencyKey).HasMaxLength(100);
        builder.Property(a => a.ShortCode).HasMaxLength(8);
        builder.Property(a => a.InstructionText).HasMaxLength(SetInstructionValidator.MaxLength);
        builder.Property(a => a.CoverageNotice).HasMaxLength(1000);
        builder.Property(a => a.InstructionByName).HasMaxLength(200);
        builder.HasIndex(a => a.ShortCode);
        builder.HasIndex(a => new { a.RaisedById, a.IdempotencyKey }).IsUnique();
        // The burst limit reads a person's latest alerts on every raise (RaiseBurst).
        builder.HasIndex(a => new { a.RaisedById, a.RaisedAt });
        builder.HasIndex(a => new { a.RegionId, a.Status });
        builder.HasIndex(a => new { a.PurgedAt, a.ClosedAt });
        builder.HasMany(a => a.Recipients).WithOne().HasForeignKey(r => r.AlertId).HasPrincipalKey(a => a.Id);
        builder.HasMany(a => a.Updates).WithOne().HasForeignKey(u => u.AlertId).HasPrincipalKey(a => a.Id);
        builder.HasMany(a => a.Acknowledgements).WithOne().HasForeignKey(k => k.AlertId).HasPrincipalKey(a => a.Id);
    }
}

internal sealed class RecipientConfiguration : IEntityTypeConfiguration<Recipient>
{
    public void Configure(EntityTypeBuilder<Recipient> builder)
    {
        builder.Property(r => r.Name).HasMaxLength(200);
        builder.Property(r => r.Organisation).HasMaxLength(200);
        builder.Property(r => r.OrganisationId).HasMaxLength(64);
        builder.HasIndex(r => new { r.AlertId, r.PersonId }).IsUnique();
        builder.HasIndex(r => r.PersonId);
    }
}

internal sealed class AcknowledgementConfiguration : IEntityTypeConfiguration<Acknowledgement>
{
    public void Configure(EntityTypeBuilder<Acknowledgement> builder)
    {
        builder.Property(k => k.Channel).HasMaxLength(16);
        builder.HasIndex(k => k.AlertId);
    }
}

internal sealed class AlertUpdateConfiguration : IEntityTypeConfiguration<AlertUpdate>
{
    public void Configure(EntityTypeBuilder<AlertUpdate> builder)
    {
        builder.Property(u => u.ByName).HasMaxLength(200);
        builder.Property(u => u.Text).HasMaxLength(1000);
        builder.Property(u => u.ClientKey).HasMaxLength(100);
        builder.HasIndex(u => u.AlertId);
        builder.HasIndex(u => new { u.AlertId, u.ClientKey }).IsUnique();
    }
}

internal sealed class AlertInstructionConfiguration : IEntityTypeConfiguration<AlertInstruction>
{
    public void Configure(EntityTypeBuilder<AlertInstruction> builder)
    {
        builder.Property(i => i.Text).HasMaxLength(SetInstructionValidator.MaxLength);
        builder.Property(i => i.ByName).HasMaxLength(200);
        // One version once: two setters of the same version cannot both be stored.
        builder.HasIndex(i => new { i.AlertId, i.Version }).IsUnique();
        builder.HasOne<Alert>().WithMany().HasForeignKey(i => i.AlertId).HasPrincipalKey(a => a.Id);
    }
}
