using AlertHub.Accounts;
using AlertHub.People;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AlertHub.Infrastructure.Data.Configurations;

internal sealed class DeviceSessionConfiguration : IEntityTypeConfiguration<DeviceSession>
{
    public void Configure(EntityTypeBuilder<DeviceSession> builder)
    {
        builder.Property(s => s.Id).ValueGeneratedNever();
        builder.Property(s => s.Name).HasMaxLength(64);
        builder.Property(s => s.RevokedReason).HasMaxLength(32);
        builder.Property(s => s.SecretHash).HasMaxLength(64);
        builder.Property(s => s.PreviousSecretHash).HasMaxLength(64);
        builder.Property(s => s.Generation).IsConcurrencyToken();
        builder.HasOne<Person>().WithMany().HasForeignKey(s => s.PersonId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(s => new { s.PersonId, s.ExpiresAt });
    }
}
