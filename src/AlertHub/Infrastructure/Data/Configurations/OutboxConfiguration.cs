using AlertHub.Infrastructure.Outbox;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AlertHub.Infrastructure.Data.Configurations;

internal sealed class OutboxConfiguration : IEntityTypeConfiguration<OutboxMessage>
{
    public void Configure(EntityTypeBuilder<OutboxMessage> builder)
    {
        builder.Property(m => m.Kind).HasConversion<string>().HasMaxLength(16);
        builder.Property(m => m.ClaimedBy).HasMaxLength(128);
        builder.Property(m => m.NewlyAdded).HasMaxLength(4000);
        builder.HasIndex(m => new { m.DispatchedAt, m.CreatedAt });
    }
}
