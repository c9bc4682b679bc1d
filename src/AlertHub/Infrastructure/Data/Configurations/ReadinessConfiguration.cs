using AlertHub.Readiness;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AlertHub.Infrastructure.Data.Configurations;

internal sealed class ReadinessCheckConfiguration : IEntityTypeConfiguration<ReadinessCheck>
{
    public void Configure(EntityTypeBuilder<ReadinessCheck> builder)
    {
        builder.Property(c => c.RegionId).HasMaxLength(64);
        // Once per region and local day: a second node, a restart or a duplicate timer cannot start another.
        builder.HasIndex(c => new { c.RegionId, c.Day }).IsUnique();
        builder.HasMany(c => c.Targets).WithOne().HasForeignKey(t => t.CheckId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class ReadinessTargetConfiguration : IEntityTypeConfiguration<ReadinessTarget>
{
    public void Configure(EntityTypeBuilder<ReadinessTarget> builder)
    {
        builder.Property(t => t.Name).HasMaxLength(200);
        builder.Property(t => t.AnsweredVia).HasMaxLength(16);
        builder.HasIndex(t => new { t.CheckId, t.PersonId }).IsUnique();
        builder.HasIndex(t => t.PersonId);
    }
}
