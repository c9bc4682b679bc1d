using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using AlertHub.Client;
using AlertHub.Hotline;
using AlertHub.Infrastructure.Behaviors;
using FluentValidation;
using static AlertHub.People.DirectoryRuleExtensions;

namespace AlertHub.People;

/// <summary>
/// How directory values must look. The admin endpoints and the import both use these, so a row that
/// the import accepts is exactly a body that the endpoint accepts.
/// </summary>
internal static partial class DirectoryFormats
{
    public const int IdMaxLength = 64;
    public const int NameMaxLength = 200;
    public const int EmailMaxLength = 256;
    public const int MaxContacts = 50;
    public const int MaxAddress = 300;

    [GeneratedRegex(@"^[a-z0-9]+(?:-[a-z0-9]+)*$")]
    public static partial Regex Slug();

    [GeneratedRegex(@"^\+[1-9]\d{7,14}$")]
    public static partial Regex E164();

    // Narrower than RFC 5322 on purpose: it is a subset of the characters Identity allows in a user
    // name, so every person's e-mail can become their sign-in name.
    [GeneratedRegex(@"^[A-Za-z0-9._+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")]
    public static partial Regex Email();

    [GeneratedRegex(@"^(?:[01]\d|2[0-3]):[0-5]\d$")]
    public static partial Regex Clock();

    // An instant must carry its offset: "08:00" without one would silently mean the server's zone,
    // which shifts an on-call window by an hour or two.
    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,7})?)?(?:Z|[+-]\d{2}:\d{2})$")]
    public static partial Regex Instant();

    public static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    /// <summary>Spaces and dashes are typing aids ("+31 6 1234 5678"); everything else must already be E.164.</summary>
    public static string? NormalizePhone(string? phone) =>
        Blank(phone)?.Replace(" ", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal);

    public static string? NormalizeEmail(string? email) => Blank(email)?.ToLowerInvariant();

    public static bool IsPhone(string? phone) => NormalizePhone(phone) is { } p && E164().IsMatch(p);

    public static bool IsEmail(string? email) => Blank(email) is { } e && e.Length <= EmailMaxLength && Email().IsMatch(e);

    public static bool IsClock(string? value) => value is not null && Clock().IsMatch(value);

    public static TimeOnly? ParseClock(string? value) =>
        IsClock(value) ? TimeOnly.ParseExact(value!, "HH:mm", CultureInfo.InvariantCulture) : null;

    public static string? FormatClock(TimeOnly? value) => value?.ToString("HH:mm", CultureInfo.InvariantCulture);

    public static bool TryParseInstant(string? text, out DateTimeOffset value)
    {
        value = default;
        return text is not null && Instant().IsMatch(text)
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out value);
    }

    public static string SnakeName<T>(T value) where T : struct, Enum =>
        JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());

    /// <summary>
    /// The Dutch word an admin writes in an import or sees in a message (the web app's nl.json says the same; a test
    /// holds them equal). Only for the directory's own enums; others have none.
    /// </summary>
    public static readonly IReadOnlyDictionary<Enum, string> DutchNames = new Dictionary<Enum, string>
    {
        [PersonRole.Coordinator] = "Coördinator",
        [PersonRole.Partner] = "Partner",
        [PersonRole.TeamLead] = "Regievoerder",
        [PersonRole.Admin] = "Beheerder",
        [Discipline.Police] = "Politie",
        [Discipline.YouthWork] = "Jongerenwerk",
        [Discipline.Enforcement] = "Handhaving",
        [Discipline.YouthAmbassador] = "Jeugdambassadeur",
        [Discipline.CompulsoryEducation] = "Leerplicht",
        [Discipline.SchoolSocialWork] = "Schoolmaatschappelijk werk",
        [Discipline.YouthCare] = "Jeugdzorg",
        [Discipline.Municipality] = "Gemeente",
        [Discipline.School] = "School",
    };

    private static readonly IReadOnlyDictionary<string, string> FieldLabels = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["id"] = "Id", ["name"] = "Naam", ["email"] = "E-mail", ["role"] = "Rol", ["discipline"] = "Discipline",
        ["phone"] = "Telefoon", ["organisationId"] = "Organisatie", ["regionId"] = "Regio", ["schoolId"] = "School",
        ["active"] = "Actief", ["password"] = "Wachtwoord", ["hotlineOpens"] = "Meldlijn open vanaf",
        ["hotlineCloses"] = "Meldlijn open tot", ["timeZone"] = "Tijdzone", ["contactEmails"] = "Contactpersonen",
        ["contactIds"] = "Contactpersonen", ["personEmail"] = "Persoon", ["personId"] = "Persoon",
        ["from"] = "Van", ["until"] = "Tot", ["isBackup"] = "Achterwacht", ["address"] = "Adres",
    };

    /// <summary>"Telefoon (phone)": the Dutch name of an import column or field, with the column name an admin finds in the file.</summary>
    public static string FieldLabel(string field)
    {
        var root = field.Split('[', '.')[0];
        return FieldLabels.TryGetValue(root, out var label) ? $"{label} ({field})" : field;
    }

    /// <summary>"politie (police), jongerenwerk (youth_work), …": what may be written, Dutch first.</summary>
    public static string Choices<T>() where T : struct, Enum => string.Join(", ", Enum.GetValues<T>().Select(v =>
        DutchNames.TryGetValue(v, out var dutch) ? $"{dutch.ToLowerInvariant()} ({SnakeName(v)})" : SnakeName(v)));

    /// <summary>Reads the Dutch word (politie, Regievoerder), the wire name (team_lead) or the member name (TeamLead), in any case; never a number.</summary>
    public static bool TryParseEnum<T>(string? text, out T value) where T : struct, Enum
    {
        var given = text?.Trim();
        foreach (var candidate in Enum.GetValues<T>())
        {
            if (string.Equals(given, SnakeName(candidate), StringComparison.OrdinalIgnoreCase)
                || string.Equals(given, candidate.ToString(), StringComparison.OrdinalIgnoreCase)
                || (DutchNames.TryGetValue(candidate, out var dutch) && string.Equals(given, dutch, StringComparison.InvariantCultureIgnoreCase)))
            {
                value = candidate;
                return true;
            }
        }
        value = default;
        return false;
    }
}

/// <summary>Reads an ISO 8601 instant only when it names its offset (Z or +01:00).</summary>
internal sealed class StrictInstantConverter : JsonConverter<DateTimeOffset?>
{
    public override bool HandleNull => true;

    public override DateTimeOffset? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }
        if (reader.TokenType == JsonTokenType.String && DirectoryFormats.TryParseInstant(reader.GetString(), out var value))
        {
            return value.ToUniversalTime();
        }
        // Without a message the serializer reports the path of the offending field.
        throw new JsonException();
    }

    public override void Write(Utf8JsonWriter writer, DateTimeOffset? value, JsonSerializerOptions options)
    {
        if (value is { } v)
        {
            writer.WriteStringValue(v.UtcDateTime);
        }
        else
        {
            writer.WriteNullValue();
        }
    }
}

internal static class DirectoryRuleExtensions
{
    /// <summary>An optional text counts as given only when it is not blank: forms send "" for "nothing".</summary>
    public static bool Has(string? value) => !string.IsNullOrWhiteSpace(value);

    public static IRuleBuilderOptions<T, string?> MustBeSlug<T>(this IRuleBuilderInitial<T, string?> rule) => rule
        .Cascade(CascadeMode.Stop)
        .NotEmpty().WithMessage("Id is verplicht.")
        .MaximumLength(DirectoryFormats.IdMaxLength).WithMessage($"Een id is hoogstens {DirectoryFormats.IdMaxLength} tekens.")
        .Matches(DirectoryFormats.Slug())
        .WithMessage((_, id) => $"Ongeldig id '{id}': gebruik kleine letters, cijfers en streepjes, bijv. demo-college-zaandam.");

    public static IRuleBuilderOptions<T, string?> MustBeName<T>(this IRuleBuilderInitial<T, string?> rule) => rule
        .Cascade(CascadeMode.Stop)
        .NotEmpty().WithMessage("Naam is verplicht.")
        .MaximumLength(DirectoryFormats.NameMaxLength).WithMessage($"Een naam is hoogstens {DirectoryFormats.NameMaxLength} tekens.")
        .Must(SafeText.IsSafe).WithMessage(SafeText.Message);

    public static IRuleBuilderOptions<T, string?> MustBeReference<T>(this IRuleBuilder<T, string?> rule) => rule
        .MaximumLength(DirectoryFormats.IdMaxLength).WithMessage($"Een id is hoogstens {DirectoryFormats.IdMaxLength} tekens.");
}

internal interface IRegionFields
{
    string? Name { get; }
    string? HotlineOpens { get; }
    string? HotlineCloses { get; }
    string? TimeZone { get; }

    /// <summary>Issue 17: the days the hotline is open (Mon,Tue,…; empty: every day).</summary>
    string? HotlineDays { get; }

    /// <summary>Issue 17: who gets the alert outside hotline hours (by id or e-mail; both empty: nobody).</summary>
    Guid? OutOfHoursPersonId { get; }

    string? OutOfHoursEmail { get; }
}

internal sealed class RegionFieldsValidator : AbstractValidator<IRegionFields>
{
    public RegionFieldsValidator()
    {
        RuleFor(r => r.Name).MustBeName();
        RuleFor(r => r.HotlineOpens).Must(DirectoryFormats.IsClock).When(r => Has(r.HotlineOpens))
            .WithMessage((_, v) => $"Ongeldige openingstijd '{v}': gebruik UU:mm, bijv. 07:00.");
        RuleFor(r => r.HotlineCloses).Must(DirectoryFormats.IsClock).When(r => Has(r.HotlineCloses))
            .WithMessage((_, v) => $"Ongeldige sluitingstijd '{v}': gebruik UU:mm, bijv. 19:00.");
        // One of the two alone would combine with the other default into a window nobody chose.
        RuleFor(r => r.HotlineCloses).NotEmpty().When(r => Has(r.HotlineOpens))
            .WithMessage("Geef ook de sluitingstijd op (of laat beide tijden leeg voor de standaard).");
        RuleFor(r => r.HotlineOpens).NotEmpty().When(r => Has(r.HotlineCloses))
            .WithMessage("Geef ook de openingstijd op (of laat beide tijden leeg voor de standaard).");
        RuleFor(r => r.HotlineCloses).NotEqual(r => r.HotlineOpens)
            .When(r => DirectoryFormats.IsClock(r.HotlineOpens) && DirectoryFormats.IsClock(r.HotlineCloses))
            .WithMessage("Openings- en sluitingstijd van de meldkamer mogen niet gelijk zijn.");
        // The same rule as Hotline:TimeZone at start-up.
        RuleFor(r => r.TimeZone).Must(HotlineHours.IsIanaTimeZone).When(r => Has(r.TimeZone))
            .WithMessage((_, v) => $"Onbekende tijdzone '{v}': gebruik een IANA-naam, bijv. Europe/Amsterdam.");
        RuleFor(r => r.HotlineDays).MaximumLength(40).Must(d => HotlineHours.TryParseDays(d, out _, out _)).When(r => Has(r.HotlineDays))
            .WithMessage((_, v) => $"Onbekende dagen '{v}': gebruik Mon,Tue,Wed,Thu,Fri,Sat,Sun (bijv. Mon,Tue,Wed,Thu,Fri) of laat het leeg voor elke dag.");
        RuleFor(r => r.OutOfHoursEmail).Must(DirectoryFormats.IsEmail).When(r => Has(r.OutOfHoursEmail))
            .WithMessage((_, v) => $"Ongeldig e-mailadres '{v}' voor het contact buiten openingstijden.");
        RuleFor(r => r.OutOfHoursEmail).Empty().When(r => r.OutOfHoursPersonId is not null)
            .WithMessage("Geef het contact buiten openingstijden met id óf met e-mailadres, niet allebei.");
    }
}

internal interface IOrganisationFields
{
    string? Name { get; }
    string? RegionId { get; }
}

internal sealed class OrganisationFieldsValidator : AbstractValidator<IOrganisationFields>
{
    public OrganisationFieldsValidator()
    {
        RuleFor(o => o.Name).MustBeName();
        RuleFor(o => o.RegionId).MustBeReference();
    }
}

internal interface ISchoolFields
{
    string? Name { get; }
    string? RegionId { get; }
    IReadOnlyList<Guid>? ContactIds { get; }
    IReadOnlyList<string>? ContactEmails { get; }
    string? Address { get; }
    string? Phone { get; }
}

internal sealed class SchoolFieldsValidator : AbstractValidator<ISchoolFields>
{
    public SchoolFieldsValidator()
    {
        RuleFor(s => s.Name).MustBeName();
        RuleFor(s => s.RegionId).NotEmpty().WithMessage("Regio is verplicht.").MustBeReference();
        RuleFor(s => (s.ContactIds == null ? 0 : s.ContactIds.Count) + (s.ContactEmails == null ? 0 : s.ContactEmails.Count))
            .LessThanOrEqualTo(DirectoryFormats.MaxContacts).OverridePropertyName("contactIds")
            .WithMessage($"Een school heeft hoogstens {DirectoryFormats.MaxContacts} vaste contactpersonen.");
        RuleForEach(s => s.ContactEmails).Must(DirectoryFormats.IsEmail)
            .WithMessage((_, v) => $"Ongeldig e-mailadres '{v}'.");
        RuleFor(s => s.Address).MaximumLength(DirectoryFormats.MaxAddress)
            .WithMessage($"Een adres is hoogstens {DirectoryFormats.MaxAddress} tekens.").MustBeSafeText();
        RuleFor(s => s.Phone).Must(DirectoryFormats.IsPhone).When(s => !string.IsNullOrWhiteSpace(s.Phone))
            .WithMessage("Geef het nummer als +31… (internationaal, alleen cijfers).");
    }
}

internal interface IPersonFields
{
    string? Name { get; }
    string? Email { get; }
    PersonRole? Role { get; }
    Discipline? Discipline { get; }
    string? Phone { get; }
    string? OrganisationId { get; }
    string? RegionId { get; }
    string? SchoolId { get; }
}

internal sealed class PersonFieldsValidator : AbstractValidator<IPersonFields>
{
    public PersonFieldsValidator()
    {
        RuleFor(p => p.Name).MustBeName();
        RuleFor(p => p.Email).Must(DirectoryFormats.IsEmail).When(p => Has(p.Email))
            .WithMessage((_, v) => $"Ongeldig e-mailadres '{v}'.");
        RuleFor(p => p.Role).NotNull().WithMessage($"Rol is verplicht: {DirectoryFormats.Choices<PersonRole>()}.")
            .IsInEnum().WithMessage($"Onbekende rol: kies {DirectoryFormats.Choices<PersonRole>()}.");
        RuleFor(p => p.Discipline).IsInEnum().WithMessage($"Onbekende discipline: kies {DirectoryFormats.Choices<Discipline>()}.");
        RuleFor(p => p.Phone).Must(DirectoryFormats.IsPhone).When(p => Has(p.Phone))
            .WithMessage((_, v) => $"Ongeldig telefoonnummer: '{v}'. Gebruik het internationale formaat (E.164), bijv. +31612345678.");
        // The SMS fallback is the safety net; a responder without a number would be skipped silently.
        RuleFor(p => p.Phone).NotEmpty().When(p => p.Role is { } role && role != PersonRole.Admin)
            .WithMessage("Telefoonnummer is verplicht (nodig voor de sms-terugval), bijv. +31612345678.");
        RuleFor(p => p.RegionId).NotEmpty().When(p => p.Role is { } role && role != PersonRole.Admin)
            .WithMessage("Regio is verplicht (alleen een beheerder hoort niet bij een regio).")
            .MustBeReference();
        RuleFor(p => p.SchoolId).NotEmpty().When(p => p.Role == PersonRole.Coordinator)
            .WithMessage("Een coördinator hoort bij een school: geef schoolId op.")
            .MustBeReference();
        RuleFor(p => p.SchoolId).Must(s => !Has(s)).When(p => p.Role == PersonRole.Admin)
            .WithMessage("Een beheerder hoort niet bij een school.");
        RuleFor(p => p.OrganisationId).MustBeReference();
    }
}

internal interface IRosterFields
{
    string? RegionId { get; }
    Guid? PersonId { get; }
    string? PersonEmail { get; }
    DateTimeOffset? From { get; }
    DateTimeOffset? Until { get; }
}

internal sealed class RosterFieldsValidator : AbstractValidator<IRosterFields>
{
    public RosterFieldsValidator()
    {
        RuleFor(r => r.RegionId).NotEmpty().WithMessage("Regio is verplicht.").MustBeReference();
        RuleFor(r => r.PersonId).NotNull().When(r => !Has(r.PersonEmail))
            .WithMessage("Geef personId of personEmail op.");
        RuleFor(r => r.PersonEmail).Must(e => !Has(e)).When(r => r.PersonId is not null)
            .WithMessage("Geef personId óf personEmail op, niet allebei.");
        RuleFor(r => r.PersonEmail).Must(DirectoryFormats.IsEmail).When(r => Has(r.PersonEmail) && r.PersonId is null)
            .WithMessage((_, v) => $"Ongeldig e-mailadres '{v}'.");
        RuleFor(r => r.From).NotNull().WithMessage("Begin (from) is verplicht, bijv. 2026-12-01T07:00:00+01:00.");
        RuleFor(r => r.Until).NotNull().WithMessage("Einde (until) is verplicht, bijv. 2026-12-08T07:00:00+01:00.");
        RuleFor(r => r.Until).GreaterThan(r => r.From).When(r => r.From is not null && r.Until is not null)
            .WithMessage("Einde (until) moet na het begin (from) liggen.");
    }
}
