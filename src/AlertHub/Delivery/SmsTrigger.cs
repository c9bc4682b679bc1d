using System.Globalization;
using AlertHub.Alerts;
using AlertHub.Client;
using AlertHub.Hotline;
using AlertHub.Infrastructure;
using AlertHub.Infrastructure.Data;
using AlertHub.Infrastructure.Security;
using AlertHub.People;
using AlertHub.Privacy;
using FluentValidation;
using Mediator;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AlertHub.Delivery;

/// <summary>
/// Issue 17: when data is down a coordinator texts <c>ALARM &lt;code&gt; [soort]</c> to the hotline number from their
/// registered number. The sender's number and personal code are checked (hashed, locked after
/// <see cref="MaxFailures"/> wrong codes for <see cref="LockFor"/>, every refusal audited); the alert is raised for
/// their school through the same <see cref="RaiseAlert"/> as the app, with the key <c>sms:&lt;MessageSid&gt;</c>.
/// Anything else — unknown number, wrong or locked code, no code set — gets the same neutral answer and no alert.
/// </summary>
internal sealed class SmsTrigger(
    AlertHubDbContext db, IMediator mediator, TimeProvider time, IPasswordHasher<Person> hasher, SmsOutbox sms, IOptions<HotlineOptions> hotline,
    ILogger<SmsTrigger> logger)
{
    public const int MaxFailures = 5;
    public static readonly TimeSpan LockFor = TimeSpan.FromMinutes(15);
    public const string Neutral = "AlertHub: uw bericht is ontvangen. Bel bij acuut gevaar 112.";

    public static bool IsTrigger(string body) => body.TrimStart().StartsWith("ALARM", StringComparison.OrdinalIgnoreCase);

    public async Task<string> HandleAsync(string messageSid, string from, string body, CancellationToken ct)
    {
        var words = body.Trim().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        var code = words.Length > 1 ? words[1] : "";
        AlertKind? kind = words.Length > 2 ? KindWord(words[2]) : null;
        var person = await db.People.FirstOrDefaultAsync(p => p.Phone == from && p.Active && p.Role == PersonRole.Coordinator, ct);
        if (person is null)
        {
            // Nothing about who is registered, and nothing to audit against.
            logger.LogInformation("ALARM SMS {MessageSid} from a number that is no active coordinator's: neutral answer", messageSid);
            return Neutral;
        }
        var now = time.Now();
        if (person.AlarmCodeHash is null || person.AlarmCodeLockedUntil > now
            || hasher.VerifyHashedPassword(person, person.AlarmCodeHash, code) == PasswordVerificationResult.Failed)
        {
            if (person.AlarmCodeHash is not null && !(person.AlarmCodeLockedUntil > now))
            {
                person.AlarmCodeFailures++;
                if (person.AlarmCodeFailures >= MaxFailures)
                {
                    person.AlarmCodeLockedUntil = now + LockFor;
                    person.AlarmCodeFailures = 0;
                }
            }
            db.AuditEntries.Add(new AuditEntry
            {
                At = now, ActorId = person.Id, ActorRole = "coordinator", Action = AuditAction.SmsTriggerRefused.Name,
                SubjectType = AuditAction.Subjects.Person, SubjectId = person.Id, RegionId = person.RegionId, Via = "sms",
            });
            await db.SaveChangesAsync(ct);
            return Neutral;
        }
        if (person.AlarmCodeFailures > 0)
        {
            // Not a SaveChanges: that would write the inbound row before the alert exists, and a failed raise would
            // then leave Twilio's retry with nothing to act on.
            await db.People.Where(p => p.Id == person.Id).ExecuteUpdateAsync(s => s.SetProperty(p => p.AlarmCodeFailures, 0), ct);
        }

        var result = await mediator.Send(new RaiseAlert(person.Id, null, kind, null, $"sms:{messageSid}"), ct);
        var alert = await db.Alerts.AsNoTracking().FirstAsync(a => a.Id == result.Alert.Id, ct);
        var region = await db.Regions.AsNoTracking().FirstOrDefaultAsync(r => r.Id == alert.RegionId, ct);
        var at = TimeZoneInfo.ConvertTime(alert.RaisedAt, HotlineHours.For(hotline.Value, region).TimeZone).ToString("HH:mm", CultureInfo.InvariantCulture);
        return SmsText.Fit(school => $"AlertHub: melding gemaakt voor {school} om {at}, {result.Alert.Recipients.Count} ontvangers. "
            + $"Volg: {sms.LinkFor(alert)} Bel bij acuut gevaar 112.", alert.SchoolName);
    }

    private static AlertKind? KindWord(string word) => word.ToLowerInvariant() switch
    {
        "wapen" => AlertKind.Weapon,
        "vechtpartij" or "vechten" => AlertKind.Fight,
        "groep" => AlertKind.GroupMoving,
        "anders" => AlertKind.Other,
        _ => AlertKind.Threat,
    };
}

/// <summary>Issue 17: a coordinator sets (or replaces) their personal code for <c>ALARM</c> by SMS, in the app.</summary>
[Allowed("Alleen een coördinator heeft een alarmcode.", PersonRole.Coordinator)]
internal sealed record SetAlarmCode(Guid CallerId, string? Code) : ICommand, ICallerMessage;

internal sealed class SetAlarmCodeValidator : AbstractValidator<SetAlarmCode>
{
    public SetAlarmCodeValidator() =>
        RuleFor(c => c.Code).NotEmpty().WithMessage("Kies een alarmcode.")
            .Matches("^[0-9]{6,8}$").WithMessage("Een alarmcode is 6 tot 8 cijfers.")
            .Must(c => c is null || c.Distinct().Count() > 2).WithMessage("Kies een minder voorspelbare code (niet 111111 of 121212).");
}

internal sealed class SetAlarmCodeHandler(AlertHubDbContext db, IPasswordHasher<Person> hasher) : ICommandHandler<SetAlarmCode>
{
    public async ValueTask<Unit> Handle(SetAlarmCode command, CancellationToken ct)
    {
        var person = await db.People.FirstAsync(p => p.Id == command.CallerId, ct);
        person.AlarmCodeHash = hasher.HashPassword(person, command.Code!);
        person.AlarmCodeFailures = 0;
        person.AlarmCodeLockedUntil = null;
        await db.SaveChangesAsync(ct);
        return Unit.Value;
    }
}
