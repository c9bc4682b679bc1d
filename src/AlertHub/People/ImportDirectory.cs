using AlertHub.Accounts;
using AlertHub.Infrastructure.Data;
using FluentValidation;
using FluentValidation.Results;
using Mediator;
using Microsoft.AspNetCore.Identity;

namespace AlertHub.People;

/// <summary>
/// R9: loads a batch of regions, organisations, schools, people and roster entries. Every item is judged
/// by the same rules as the create endpoints, against the database plus the other items of the batch
/// (so people may name a school of the same document and the roster a person by e-mail). One bad item
/// and nothing is written; otherwise everything is written in one transaction.
/// </summary>
internal sealed record ImportDirectory(ImportBatch Batch) : ICommand<ImportResult>;

internal sealed class ImportDirectoryHandler(
    AlertHubDbContext db,
    UserManager<AppUser> users,
    IValidator<CreateRegion> regionRules,
    IValidator<CreateOrganisation> organisationRules,
    IValidator<CreateSchool> schoolRules,
    IValidator<CreatePerson> personRules,
    IValidator<CreateRosterEntry> rosterRules) : ICommandHandler<ImportDirectory, ImportResult>
{
    public async ValueTask<ImportResult> Handle(ImportDirectory command, CancellationToken ct)
    {
        var batch = command.Batch;
        var errors = new List<ValidationFailure>(batch.Errors);
        if (batch.Count == 0 && errors.Count == 0)
        {
            errors.Add(new ValidationFailure("body", "Er staat niets in om te importeren."));
        }
        var index = new DirectoryIndex(db);
        await index.PreloadAsync(ct);

        // First the shape of every item, and every new key claimed, so that references can point
        // forwards as well as backwards in the document.
        foreach (var (label, region, unreadable) in batch.Regions)
        {
            await ShapeAsync(regionRules, label, region, unreadable, errors, ct);
            if (IsSlug(region.Id))
            {
                await index.ClaimRegionAsync(region.Id!, region, ct);
            }
        }
        foreach (var (label, organisation, unreadable) in batch.Organisations)
        {
            await ShapeAsync(organisationRules, label, organisation, unreadable, errors, ct);
            if (IsSlug(organisation.Id))
            {
                await index.ClaimOrganisationAsync(organisation.Id!, DirectoryFormats.Blank(organisation.RegionId), organisation, ct);
            }
        }
        foreach (var (label, school, unreadable) in batch.Schools)
        {
            await ShapeAsync(schoolRules, label, school, unreadable, errors, ct);
            if (IsSlug(school.Id))
            {
                await index.ClaimSchoolAsync(school.Id!, DirectoryFormats.Blank(school.RegionId), school, ct);
            }
        }
        var personIds = new Dictionary<CreatePerson, Guid>(ReferenceEqualityComparer.Instance);
        foreach (var (label, person, unreadable) in batch.People)
        {
            await ShapeAsync(personRules, label, person, unreadable, errors, ct);
            var id = Guid.CreateVersion7();
            personIds[person] = id;
            await index.ClaimPersonAsync(new DirectoryIndex.PersonRef(
                id, DirectoryFormats.NormalizeEmail(person.Email), DirectoryFormats.Blank(person.RegionId), person.Role, Pending: true), ct);
        }
        foreach (var (label, entry, unreadable) in batch.Roster)
        {
            await ShapeAsync(rosterRules, label, entry, unreadable, errors, ct);
        }

        // Then the references.
        var outOfHours = new Dictionary<string, Guid>();
        foreach (var (label, region, _) in batch.Regions)
        {
            Report(label, await index.CheckNewIdAsync("region", region.Id, region, ct), errors);
            var (failures, contact) = await index.CheckOutOfHoursAsync(region.Id, region, ct);
            Report(label, failures, errors);
            if (contact is { } id)
            {
                outOfHours[region.Id!] = id;
            }
        }
        foreach (var (label, organisation, _) in batch.Organisations)
        {
            Report(label, await organisation.CheckAsync(index, ct), errors);
        }
        var contacts = new Dictionary<CreateSchool, List<Guid>>(ReferenceEqualityComparer.Instance);
        foreach (var (label, school, _) in batch.Schools)
        {
            contacts[school] = [];
            Report(label, await school.CheckAsync(index, contacts[school], ct), errors);
        }
        foreach (var (label, person, _) in batch.People)
        {
            Report(label, await person.CheckAsync(index, personIds[person], users, ct), errors);
        }
        var onCall = new Dictionary<CreateRosterEntry, Guid>(ReferenceEqualityComparer.Instance);
        foreach (var (label, entry, _) in batch.Roster)
        {
            var (failures, personId) = await index.CheckRosterAsync(entry, ct);
            Report(label, failures, errors);
            if (personId is { } id)
            {
                onCall[entry] = id;
            }
        }

        if (errors.Count > 0)
        {
            // Read errors were found before the rule errors; the admin reads the file top to bottom.
            throw new ValidationException(errors.OrderBy(e => Position(e.PropertyName)));
        }
        return await WriteAsync(batch, personIds, contacts, onCall, outOfHours, ct);
    }

    private async Task<ImportResult> WriteAsync(
        ImportBatch batch,
        Dictionary<CreatePerson, Guid> personIds,
        Dictionary<CreateSchool, List<Guid>> contacts,
        Dictionary<CreateRosterEntry, Guid> onCall,
        Dictionary<string, Guid> outOfHours,
        CancellationToken ct)
    {
        var people = batch.People.Select(i =>
        {
            var person = i.Item.ToEntity();
            person.Id = personIds[i.Item];
            return (Person: person, i.Item.Password);
        }).ToList();
        var schools = batch.Schools.Select(i => i.Item.ToEntity(contacts[i.Item])).ToList();

        // SQLite: this transaction writes in turn with the node\'s other writers (SqliteWriteGate).

        await using var turn = await SqliteWriteGate.EnterAsync(db, ct);

        SqliteWriteGate.Hold(turn);

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var regions = batch.Regions.Select(i => i.Item.ToEntity()).ToList();
        db.Regions.AddRange(regions);
        db.Organisations.AddRange(batch.Organisations.Select(i => i.Item.ToEntity()));
        db.Schools.AddRange(schools);
        db.People.AddRange(people.Select(p => p.Person));
        db.RosterEntries.AddRange(batch.Roster.Select(i => i.Item.ToEntity(onCall[i.Item])));
        await db.SaveDirectoryAsync(ct);
        // A region and its out-of-hours contact refer to each other: the link is written once both rows exist.
        foreach (var region in regions.Where(r => outOfHours.ContainsKey(r.Id)))
        {
            region.OutOfHoursPersonId = outOfHours[region.Id];
        }
        if (outOfHours.Count > 0)
        {
            await db.SaveDirectoryAsync(ct);
        }

        var accounts = 0;
        foreach (var (person, password) in people.Where(p => p.Password is not null))
        {
            await AccountFactory.CreateAsync(users, person, password!);
            accounts++;
        }
        await transaction.CommitAsync(ct);
        return new ImportResult(batch.Regions.Count, batch.Organisations.Count, schools.Count, people.Count, batch.Roster.Count,
            schools.Sum(s => s.Contacts.Count), accounts);
    }

    private static (int Part, int Number) Position(string label)
    {
        var open = label.IndexOf('[', StringComparison.Ordinal);
        if (label.StartsWith("line ", StringComparison.Ordinal) && int.TryParse(label.AsSpan(5), out var line))
        {
            return (0, line);
        }
        if (open > 0 && int.TryParse(label.AsSpan(open + 1, label.Length - open - 2), out var item))
        {
            return (1 + Array.IndexOf(ImportParser.Kinds, label[..open]), item);
        }
        return (-1, 0);
    }

    private static bool IsSlug(string? id) => id is not null && id.Length <= DirectoryFormats.IdMaxLength && DirectoryFormats.Slug().IsMatch(id);

    private static async Task ShapeAsync<T>(
        IValidator<T> rules, string label, T item, IReadOnlySet<string> unreadable, List<ValidationFailure> errors, CancellationToken ct)
    {
        var result = await rules.ValidateAsync(item, ct);
        // A value the reader could not parse was already reported; "is required" on top of it would only confuse.
        Report(label, result.Errors.Where(e => !unreadable.Contains(Root(Field(e.PropertyName)))), errors);
    }

    private static void Report(string label, IEnumerable<ValidationFailure> failures, List<ValidationFailure> errors) =>
        errors.AddRange(failures.Select(f => new ValidationFailure(label, $"{DirectoryFormats.FieldLabel(Field(f.PropertyName))}: {f.ErrorMessage}")));

    private static string Field(string propertyName) =>
        string.IsNullOrEmpty(propertyName) || char.IsLower(propertyName[0])
            ? propertyName
            : char.ToLowerInvariant(propertyName[0]) + propertyName[1..];

    private static string Root(string field) => field.Split('[', '.')[0];
}
