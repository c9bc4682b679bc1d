using AlertHub.Delivery;
using AlertHub.Infrastructure.Scheduling;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AlertHub.Infrastructure.Data.Configurations;

internal sealed class ScheduledJobConfiguration : IEntityTypeConfiguration<ScheduledJob>
{
    public void Configure(EntityTypeBuilder<ScheduledJob> builder)
    {
        builder.Property(j => j.Kind).HasMaxLength(32);
        builder.Property(j => j.ClaimedBy).HasMaxLength(128);
        builder.Property(j => j.LastError).HasMaxLength(200);
        // One timer of a kind per subject: scheduling twice is impossible, not merely avoided.
        builder.HasIndex(j => new { j.Kind, j.SubjectId }).IsUnique();
        builder.HasIndex(j => new { j.CompletedAt, j.DueAt });
    }
}

internal sealed class SmsMessageConfiguration : IEntityTypeConfiguration<SmsMessage>
{
    public void Configure(EntityTypeBuilder<SmsMessage> builder)
    {
        builder.Property(m => m.Purpose).HasMaxLength(32);
        builder.Property(m => m.To).HasMaxLength(16);
        builder.Property(m => m.Body).HasMaxLength(320);
        builder.Property(m => m.ProviderSid).HasMaxLength(64);
        builder.Property(m => m.ErrorCode).HasMaxLength(32);
        builder.HasIndex(m => new { m.RecipientId, m.Purpose }).IsUnique();
        builder.HasIndex(m => m.ProviderSid);
        builder.HasIndex(m => new { m.To, m.CreatedAt });
    }
}

internal sealed class SmsStatusCallbackConfiguration : IEntityTypeConfiguration<SmsStatusCallback>
{
    public void Configure(EntityTypeBuilder<SmsStatusCallback> builder)
    {
        builder.Property(c => c.MessageSid).HasMaxLength(64);
        builder.Property(c => c.MessageStatus).HasMaxLength(32);
        builder.Property(c => c.ErrorCode).HasMaxLength(32);
        builder.HasIndex(c => c.MessageSid);
        builder.HasIndex(c => c.ReceivedAt);
    }
}

internal sealed class InboundSmsConfiguration : IEntityTypeConfiguration<InboundSms>
{
    public void Configure(EntityTypeBuilder<InboundSms> builder)
    {
        builder.HasKey(m => m.MessageSid);
        builder.Property(m => m.MessageSid).HasMaxLength(64);
        builder.Property(m => m.Reply).HasMaxLength(320);
        builder.HasIndex(m => m.ReceivedAt);
    }
}
