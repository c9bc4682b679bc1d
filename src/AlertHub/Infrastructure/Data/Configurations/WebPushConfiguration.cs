using AlertHub.Delivery.WebPush;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AlertHub.Infrastructure.Data.Configurations;

internal sealed class PushSubscriptionConfiguration : IEntityTypeConfiguration<PushSubscription>
{
    public void Configure(EntityTypeBuilder<PushSubscription> builder)
    {
        builder.Property(s => s.Endpoint).HasMaxLength(PushSubscriptionRules.MaxEndpointLength);
        builder.Property(s => s.P256dh).HasMaxLength(128);
        builder.Property(s => s.Auth).HasMaxLength(64);
        builder.HasIndex(s => s.Endpoint).IsUnique();
        builder.HasIndex(s => s.PersonId);
    }
}

internal sealed class WebPushMessageConfiguration : IEntityTypeConfiguration<WebPushMessage>
{
    public void Configure(EntityTypeBuilder<WebPushMessage> builder)
    {
        builder.Property(m => m.Status).HasConversion<string>().HasMaxLength(32);
        builder.Property(m => m.Error).HasMaxLength(200);
        builder.HasIndex(m => new { m.SubscriptionId, m.RecipientId, m.Repeat, m.InstructionVersion }).IsUnique();
        builder.HasIndex(m => m.RecipientId);
        builder.HasIndex(m => m.AlertId);
    }
}

internal sealed class VapidKeyConfiguration : IEntityTypeConfiguration<VapidKey>
{
    public void Configure(EntityTypeBuilder<VapidKey> builder)
    {
        builder.Property(k => k.Id).ValueGeneratedNever();
        builder.Property(k => k.PublicKey).HasMaxLength(128);
        builder.Property(k => k.PrivateKey).HasMaxLength(64);
    }
}
