using AlertHub.People;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AlertHub.Infrastructure.Data.Configurations;

internal sealed class RegionConfiguration : IEntityTypeConfiguration<Region>
{
    public void Configure(EntityTypeBuilder<Region> builder)
    {
        builder.Property(r => r.Id).HasMaxLength(64);
        builder.Property(r => r.Name).HasMaxLength(200);
        builder.Property(r => r.TimeZone).HasMaxLength(64);
        builder.Property(r => r.HotlineDays).HasMaxLength(40);
        builder.HasOne<Person>().WithMany().HasForeignKey(r => r.OutOfHoursPersonId).OnDelete(DeleteBehavior.SetNull);
    }
}

internal sealed class SchoolConfiguration : IEntityTypeConfiguration<School>
{
    public void Configure(EntityTypeBuilder<School> builder)
    {
        builder.Property(s => s.Id).HasMaxLength(64);
        builder.Property(s => s.Name).HasMaxLength(200);
        builder.Property(s => s.Address).HasMaxLength(AlertHub.People.DirectoryFormats.MaxAddress);
        builder.Property(s => s.Phone).HasMaxLength(16);
        builder.HasOne(s => s.Region).WithMany().HasForeignKey(s => s.RegionId).OnDelete(DeleteBehavior.Restrict);
        builder.HasMany(s => s.Contacts).WithOne().HasForeignKey(c => c.SchoolId);
    }
}

internal sealed class OrganisationConfiguration : IEntityTypeConfiguration<Organisation>
{
    public void Configure(EntityTypeBuilder<Organisation> builder)
    {
        builder.Property(o => o.Id).HasMaxLength(64);
        builder.Property(o => o.Name).HasMaxLength(200);
        builder.HasOne<Region>().WithMany().HasForeignKey(o => o.RegionId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class PersonConfiguration : IEntityTypeConfiguration<Person>
{
    public void Configure(EntityTypeBuilder<Person> builder)
    {
        builder.Property(p => p.Name).HasMaxLength(200);
        builder.Property(p => p.Email).HasMaxLength(256);
        builder.HasIndex(p => p.Email).IsUnique();
        builder.Property(p => p.Phone).HasMaxLength(16);
        builder.Property(p => p.AlarmCodeHash).HasMaxLength(200);
        builder.Property(p => p.LastSmsErrorCode).HasMaxLength(32);
        builder.HasIndex(p => p.Phone);
        builder.HasIndex(p => new { p.RegionId, p.Role });
        builder.HasOne(p => p.Organisation).WithMany().HasForeignKey(p => p.OrganisationId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<Region>().WithMany().HasForeignKey(p => p.RegionId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<School>().WithMany().HasForeignKey(p => p.SchoolId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class SchoolContactConfiguration : IEntityTypeConfiguration<SchoolContact>
{
    public void Configure(EntityTypeBuilder<SchoolContact> builder)
    {
        builder.HasKey(c => new { c.SchoolId, c.PersonId });
        builder.HasOne(c => c.Person).WithMany().HasForeignKey(c => c.PersonId);
    }
}

internal sealed class RosterEntryConfiguration : IEntityTypeConfiguration<RosterEntry>
{
    public void Configure(EntityTypeBuilder<RosterEntry> builder)
    {
        builder.HasIndex(r => new { r.RegionId, r.From, r.Until });
        builder.HasOne(r => r.Person).WithMany().HasForeignKey(r => r.PersonId);
        builder.HasOne<Region>().WithMany().HasForeignKey(r => r.RegionId).OnDelete(DeleteBehavior.Restrict);
    }
}
