using AlertHub.Delivery.Push;
using AlertHub.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AlertHub.Infrastructure.Data.Configurations;

internal sealed class PushMessageConfiguration : IEntityTypeConfiguration<PushMessage>
{
    public void Configure(EntityTypeBuilder<PushMessage> builder)
    {
        builder.ToTable("OutboxMessages");
        builder.Property(m => m.Kind).HasConversion<string>().HasMaxLength(16);
        builder.Property(m => m.ClaimedBy).HasMaxLength(128);
        builder.Property(m => m.NewlyAdded).HasMaxLength(4000);
        builder.HasIndex(m => new { m.DispatchedAt, m.CreatedAt });
    }
}

internal sealed class ChangeCounterConfiguration : IEntityTypeConfiguration<ChangeCounter>
{
    public void Configure(EntityTypeBuilder<ChangeCounter> builder)
    {
        builder.Property(c => c.Id).ValueGeneratedNever();
        // 1: the alerts' change feed (AlertVersions); 2: the directory version (People/DirectoryCache).
        builder.HasData(new ChangeCounter { Id = 1, Value = 0 }, new ChangeCounter { Id = 2, Value = 0 });
    }
}
