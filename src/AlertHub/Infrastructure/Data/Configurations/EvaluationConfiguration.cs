using AlertHub.Evaluations;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AlertHub.Infrastructure.Data.Configurations;

internal sealed class EvaluationConfiguration : IEntityTypeConfiguration<Evaluation>
{
    public void Configure(EntityTypeBuilder<Evaluation> builder)
    {
        builder.Property(e => e.RegionId).HasMaxLength(64);
        builder.Property(e => e.WentWell).HasMaxLength(4000);
        builder.Property(e => e.WentWrong).HasMaxLength(4000);
        builder.Property(e => e.Cooperation).HasMaxLength(4000);
        builder.Property(e => e.ClosedByName).HasMaxLength(200);
        builder.HasIndex(e => e.AlertId).IsUnique();
        builder.HasIndex(e => new { e.RegionId, e.Status, e.DueAt });
        builder.HasOne(e => e.Alert).WithMany().HasForeignKey(e => e.AlertId).HasPrincipalKey(a => a.Id);
        builder.HasMany(e => e.ActionItems).WithOne().HasForeignKey(a => a.EvaluationId);
        builder.HasMany(e => e.Inputs).WithOne().HasForeignKey(i => i.EvaluationId);
    }
}

internal sealed class ActionItemConfiguration : IEntityTypeConfiguration<ActionItem>
{
    public void Configure(EntityTypeBuilder<ActionItem> builder)
    {
        builder.Property(a => a.Description).HasMaxLength(1000);
        builder.Property(a => a.Owner).HasMaxLength(200);
    }
}

internal sealed class EvaluationInputConfiguration : IEntityTypeConfiguration<EvaluationInput>
{
    public void Configure(EntityTypeBuilder<EvaluationInput> builder)
    {
        builder.Property(i => i.ByName).HasMaxLength(200);
        builder.Property(i => i.Field).HasMaxLength(32);
        builder.Property(i => i.Text).HasMaxLength(4000);
    }
}
