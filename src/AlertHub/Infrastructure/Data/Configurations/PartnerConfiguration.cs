using AlertHub.People;
using AlertHub.Partners;
using AlertHub.Partners.Webhooks;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AlertHub.Infrastructure.Data.Configurations;

internal sealed class ApiClientConfiguration : IEntityTypeConfiguration<ApiClient>
{
    public void Configure(EntityTypeBuilder<ApiClient> builder)
    {
        builder.Property(c => c.Name).HasMaxLength(200);
        builder.Property(c => c.OrganisationId).HasMaxLength(64);
        builder.Property(c => c.RegionId).HasMaxLength(64);
        builder.Property(c => c.Scopes).HasMaxLength(200);
        builder.Property(c => c.SecretHash).HasMaxLength(64);
        builder.HasOne<Organisation>().WithMany().HasForeignKey(c => c.OrganisationId).OnDelete(DeleteBehavior.Restrict);
        builder.Ignore(c => c.Active);
        builder.Ignore(c => c.ScopeList);
    }
}

internal sealed class WebhookEndpointConfiguration : IEntityTypeConfiguration<WebhookEndpoint>
{
    public void Configure(EntityTypeBuilder<WebhookEndpoint> builder)
    {
        builder.HasKey(e => e.OrganisationId);
        builder.Property(e => e.OrganisationId).HasMaxLength(64);
        builder.Property(e => e.Url).HasMaxLength(WebhookRules.MaxUrlLength);
        builder.Property(e => e.ProtectedSecret).HasMaxLength(1000);
        builder.HasOne<Organisation>().WithMany().HasForeignKey(e => e.OrganisationId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class WebhookDeliveryConfiguration : IEntityTypeConfiguration<WebhookDelivery>
{
    public void Configure(EntityTypeBuilder<WebhookDelivery> builder)
    {
        builder.Property(d => d.OrganisationId).HasMaxLength(64);
        builder.Property(d => d.Event).HasMaxLength(32);
        builder.Property(d => d.State).HasConversion<string>().HasMaxLength(16);
        builder.Property(d => d.LastError).HasMaxLength(200);
        builder.HasIndex(d => new { d.OrganisationId, d.State, d.CreatedAt });
        builder.HasIndex(d => d.AlertId);
    }
}
