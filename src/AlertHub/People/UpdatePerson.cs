using AlertHub.Infrastructure;
using System.Text.Json.Serialization;
using AlertHub.Accounts;
using AlertHub.Client;
using AlertHub.Infrastructure.Data;
using AlertHub.Infrastructure.Errors;
using FluentValidation;
using FluentValidation.Results;
using Mediator;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace AlertHub.People;

/// <summary>
/// R9: changes a person. The sign-in account follows: a new role replaces the Identity role and a new
/// e-mail becomes the user name; both renew the security stamp, so refresh tokens with the old role stop
/// working. <c>active</c> left out keeps the current state.
/// </summary>
internal sealed record UpdatePerson(
    string? Name,
    string? Email,
    PersonRole? Role,
    Discipline? Discipline,
    string? Phone,
    string? OrganisationId,
    string? RegionId,
    string? SchoolId,
    bool? Active) : ICommand<PersonDto>, IPersonFields
{
    [JsonIgnore]
    public Guid Id { get; init; }
}

internal sealed class UpdatePersonValidator : AbstractValidator<UpdatePerson>
{
    public UpdatePersonValidator() => Include(new PersonFieldsValidator());
}

internal sealed class UpdatePersonHandler(AlertHubDbContext db, UserManager<AppUser> users, TimeProvider time)
    : ICommandHandler<UpdatePerson, PersonDto>
{
    public async ValueTask<PersonDto> Handle(UpdatePerson command, CancellationToken ct)
    {
        var person = await db.People.FirstOrDefaultAsync(p => p.Id == command.Id, ct)
            ?? throw new NotFoundException("Persoon niet gevonden.");
        var user = await users.FindByIdAsync(person.Id.ToString());
        var email = DirectoryFormats.NormalizeEmail(command.Email);
        var role = command.Role!.Value;
        var regionId = DirectoryFormats.Blank(command.RegionId);
        var active = command.Active ?? person.Active;

        var failures = await new DirectoryIndex(db).CheckPersonAsync(command, person.Id, ct);
        if (user is not null && email is null)
        {
            failures.Add(new ValidationFailure("email", "Deze persoon kan inloggen en heeft dus een e-mailadres nodig."));
        }
        else if (user is not null && DirectoryFormats.IsEmail(email) && failures.All(f => f.PropertyName != "email")
            && await users.FindByEmailAsync(email!) is { } holder && holder.Id != user.Id)
        {
            failures.Add(DirectoryIndex.Clash("email", $"Er bestaat al een account met e-mailadres '{email}'."));
        }
        DirectoryErrors.ThrowIfAny(failures);

        if (regionId != person.RegionId)
        {
            await EnsureNothingLeftInOldRegionAsync(person.Id, regionId, ct);
        }
        if (person.Role == PersonRole.Admin && person.Active && (role != PersonRole.Admin || !active)
            && !await db.People.AnyAsync(p => p.Id != person.Id && p.Role == PersonRole.Admin && p.Active, ct))
        {
            throw new ConflictException("Er moet minstens één actieve beheerder blijven.");
        }

        var roleChanged = person.Role != role;
        person.Apply(command);
        person.Active = active;

        // SQLite: this transaction writes in turn with the node\'s other writers (SqliteWriteGate).

        await using var turn = await SqliteWriteGate.EnterAsync(db, ct);

        SqliteWriteGate.Hold(turn);

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await db.SaveDirectoryAsync(ct);
        if (user is not null)
        {
            await SyncAccountAsync(user, person, roleChanged);
        }
        await transaction.CommitAsync(ct);
        return person.ToDto(hasAccount: user is not null);
    }

    // The router only alerts people of the school's own region, so an entry left in the old region would
    // silently stop working; the admin has to move or remove it first.
    private async Task EnsureNothingLeftInOldRegionAsync(Guid personId, string? regionId, CancellationToken ct)
    {
        var now = time.Now();
        var onRoster = await db.RosterEntries.AnyAsync(r => r.PersonId == personId && r.Until > now && r.RegionId != regionId, ct);
        var contactOf = await db.SchoolContacts.Where(c => c.PersonId == personId)
            .Join(db.Schools, c => c.SchoolId, s => s.Id, (c, s) => s)
            .Where(s => s.RegionId != regionId)
            .Select(s => s.Name)
            .ToListAsync(ct);
        if (onRoster || contactOf.Count > 0)
        {
            var where = new List<string>();
            if (onRoster)
            {
                where.Add("staat nog op het rooster van een andere regio");
            }
            if (contactOf.Count > 0)
            {
                where.Add($"is nog vaste contactpersoon van {string.Join(", ", contactOf)}");
            }
            throw new ConflictException($"Deze persoon {string.Join(" en ", where)}; haal dat eerst weg.");
        }
    }

    private async Task SyncAccountAsync(AppUser user, Person person, bool roleChanged)
    {
        var renamed = !string.Equals(user.Email, person.Email, StringComparison.OrdinalIgnoreCase);
        if (renamed)
        {
            user.Email = person.Email;
            user.UserName = person.Email;
            user.EmailConfirmed = true;
            Check(await users.UpdateAsync(user));
        }
        if (roleChanged)
        {
            var current = await users.GetRolesAsync(user);
            var stale = current.Where(r => r != person.Role.ToString()).ToList();
            if (stale.Count > 0)
            {
                Check(await users.RemoveFromRolesAsync(user, stale));
            }
            if (!current.Contains(person.Role.ToString()))
            {
                Check(await users.AddToRoleAsync(user, person.Role.ToString()));
            }
        }
        if (renamed || roleChanged)
        {
            Check(await users.UpdateSecurityStampAsync(user));
        }
    }

    private static void Check(IdentityResult result)
    {
        if (!result.Succeeded)
        {
            throw new ConflictException($"Het account kon niet worden bijgewerkt ({string.Join(", ", result.Errors.Select(e => e.Code))}).");
        }
    }
}
