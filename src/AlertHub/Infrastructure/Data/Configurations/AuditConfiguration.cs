using AlertHub.Privacy;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AlertHub.Infrastructure.Data.Configurations;

internal sealed class AuditEntryConfiguration : IEntityTypeConfiguration<AuditEntry>
{
    public void Configure(EntityTypeBuilder<AuditEntry> builder)
    {
        builder.Property(e => e.ActorRole).HasMaxLength(32);
        builder.Property(e => e.Action).HasMaxLength(64);
        builder.Property(e => e.SubjectType).HasMaxLength(32);
        builder.Property(e => e.RegionId).HasMaxLength(64);
        builder.Property(e => e.RemoteIp).HasMaxLength(45);
        builder.Property(e => e.Via).HasMaxLength(16);
        builder.HasIndex(e => e.At);
        builder.HasIndex(e => new { e.SubjectId, e.At });
        builder.HasIndex(e => new { e.ActorId, e.At });
    }
}
