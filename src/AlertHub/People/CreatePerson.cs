using AlertHub.Accounts;
using AlertHub.Client;
using AlertHub.Infrastructure.Data;
using FluentValidation;
using FluentValidation.Results;
using Mediator;
using Microsoft.AspNetCore.Identity;

namespace AlertHub.People;

/// <summary>
/// R9: someone in the network. With a password the person also gets a sign-in account (same id, the
/// e-mail as user name, the role as Identity role); without one they are reached by SMS only.
/// </summary>
internal sealed record CreatePerson(
    string? Name,
    string? Email,
    PersonRole? Role,
    Discipline? Discipline,
    string? Phone,
    string? OrganisationId,
    string? RegionId,
    string? SchoolId,
    bool? Active,
    string? Password) : ICommand<PersonDto>, IPersonFields
{
    public Person ToEntity()
    {
        var person = new Person { Name = Name!, Role = Role!.Value, Active = Active ?? true };
        person.Apply(this);
        return person;
    }

    public async Task<List<ValidationFailure>> CheckAsync(
        DirectoryIndex index, Guid self, UserManager<AppUser> users, CancellationToken ct)
    {
        var failures = await index.CheckPersonAsync(this, self, ct);
        // An account left behind without a person would make AccountFactory fail half-way.
        if (Password is not null && DirectoryFormats.IsEmail(Email) && failures.All(f => f.PropertyName != "email")
            && await users.FindByEmailAsync(DirectoryFormats.NormalizeEmail(Email)!) is not null)
        {
            failures.Add(DirectoryIndex.Clash("email", $"Er bestaat al een account met e-mailadres '{Email!.Trim()}'."));
        }
        return failures;
    }
}

internal sealed class CreatePersonValidator : AbstractValidator<CreatePerson>
{
    public CreatePersonValidator(UserManager<AppUser> users)
    {
        Include(new PersonFieldsValidator());
        RuleFor(p => p.Email).NotEmpty().When(p => p.Password is not null)
            .WithMessage("Wie kan inloggen, heeft een e-mailadres nodig.");
        RuleFor(p => p.Password).MaximumLength(256).WithMessage("Een wachtwoord is hoogstens 256 tekens.")
            .CustomAsync(async (password, context, _) =>
            {
                foreach (var message in await Passwords.ProblemsAsync(users, password!))
                {
                    context.AddFailure("password", message);
                }
            })
            .When(p => p.Password is not null);
    }
}

internal sealed class CreatePersonHandler(AlertHubDbContext db, UserManager<AppUser> users) : ICommandHandler<CreatePerson, PersonDto>
{
    public async ValueTask<PersonDto> Handle(CreatePerson command, CancellationToken ct)
    {
        var person = command.ToEntity();
        DirectoryErrors.ThrowIfAny(await command.CheckAsync(new DirectoryIndex(db), person.Id, users, ct));

        db.People.Add(person);
        if (command.Password is null)
        {
            await db.SaveDirectoryAsync(ct);
            return person.ToDto(hasAccount: false);
        }
        // SQLite: this transaction writes in turn with the node\'s other writers (SqliteWriteGate).
        await using var turn = await SqliteWriteGate.EnterAsync(db, ct);
        SqliteWriteGate.Hold(turn);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await db.SaveDirectoryAsync(ct);
        await AccountFactory.CreateAsync(users, person, command.Password);
        await transaction.CommitAsync(ct);
        return person.ToDto(hasAccount: true);
    }
}

/// <summary>Identity's password rules, checked before anything is written and explained in Dutch.</summary>
internal static class Passwords
{
    public static async Task<List<string>> ProblemsAsync(UserManager<AppUser> users, string password)
    {
        var rules = users.Options.Password;
        var problems = new List<string>();
        foreach (var validator in users.PasswordValidators)
        {
            var result = await validator.ValidateAsync(users, new AppUser(), password);
            problems.AddRange(result.Errors.Select(e => e.Code switch
            {
                nameof(IdentityErrorDescriber.PasswordTooShort) => $"Het wachtwoord moet minstens {rules.RequiredLength} tekens hebben.",
                nameof(IdentityErrorDescriber.PasswordRequiresDigit) => "Het wachtwoord moet een cijfer bevatten.",
                nameof(IdentityErrorDescriber.PasswordRequiresLower) => "Het wachtwoord moet een kleine letter bevatten.",
                nameof(IdentityErrorDescriber.PasswordRequiresUpper) => "Het wachtwoord moet een hoofdletter bevatten.",
                nameof(IdentityErrorDescriber.PasswordRequiresNonAlphanumeric) => "Het wachtwoord moet een leesteken of symbool bevatten.",
                nameof(IdentityErrorDescriber.PasswordRequiresUniqueChars) =>
                    $"Het wachtwoord moet minstens {rules.RequiredUniqueChars} verschillende tekens bevatten.",
                _ => "Het wachtwoord voldoet niet aan de eisen.",
            }));
        }
        return problems;
    }
}
