using AlertHub.Client;
using AlertHub.Delivery;
using AlertHub.Infrastructure.Data;
using AlertHub.Infrastructure.Errors;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace AlertHub.Privacy;

/// <summary>
/// An access request (AVG art. 15): everything stored about one person, for the admin to hand over. The
/// account without its secrets (no password hash, security or concurrency stamp, no tokens).
/// </summary>
internal sealed record ExportPerson(Guid PersonId) : IQuery<PersonExport>;

internal sealed record PersonExport(
    DateTimeOffset ExportedAt,
    PersonRecord Person,
    AccountRecord? Account,
    IReadOnlyList<RosterRecord> Roster,
    IReadOnlyList<string> FixedContactOfSchools,
    IReadOnlyList<AlertRaisedRecord> AlertsRaised,
    IReadOnlyList<AlertClosedRecord> AlertsClosed,
    IReadOnlyList<RecipientRecord> AlertsReceived,
    IReadOnlyList<AcknowledgementRecord> Acknowledgements,
    IReadOnlyList<UpdateRecord> UpdatesWritten,
    IReadOnlyList<SmsRecord> SmsMessages,
    IReadOnlyList<PushSubscriptionRecord> PushSubscriptions,
    IReadOnlyList<WebPushRecord> WebPushes,
    IReadOnlyList<EvaluationInputRecord> EvaluationInputs,
    IReadOnlyList<EvaluationRoleRecord> Evaluations,
    IReadOnlyList<AuditEntryDto> AuditEntriesAbout,
    IReadOnlyList<AuditEntryDto> AuditEntriesBy,
    IReadOnlyList<DeviceRecord> Devices);

/// <summary>A trusted device of the person (R13), ended ones included; never its secret's hash.</summary>
internal sealed record DeviceRecord(
    Guid Id, string Name, DateTimeOffset CreatedAt, DateTimeOffset LastSeenAt, DateTimeOffset ExpiresAt, DateTimeOffset? EndedAt, string? EndedBecause);

internal sealed record PersonRecord(
    Guid Id, string Name, string? Email, PersonRole Role, Discipline? Discipline, string? Phone, string? OrganisationId,
    string? RegionId, string? SchoolId, bool Active, int SmsFailuresInARow, DateTimeOffset? PhoneFlaggedAt, string? LastSmsErrorCode);

internal sealed record AccountRecord(
    string? UserName, string? Email, bool EmailConfirmed, string? PhoneNumber, IReadOnlyList<string> Roles,
    bool LockoutEnabled, DateTimeOffset? LockoutEnd, int AccessFailedCount, bool TwoFactorEnabled);

internal sealed record RosterRecord(Guid Id, string RegionId, DateTimeOffset From, DateTimeOffset Until, bool IsBackup);

internal sealed record AlertRaisedRecord(
    Guid Id, string RegionId, string SchoolId, AlertKind Kind, string? Note, AlertStatus Status, string RaisedByName,
    DateTimeOffset RaisedAt, string? Outcome, DateTimeOffset? ClosedAt, DateTimeOffset? PurgedAt);

internal sealed record AlertClosedRecord(Guid AlertId, AlertStatus Status, DateTimeOffset? ClosedAt);

internal sealed record RecipientRecord(
    Guid AlertId, string Name, string? Organisation, Discipline? Discipline, string Reason, DeliveryState Delivery,
    DateTimeOffset? PushedAt, DateTimeOffset? ReceivedAt, AckResponse? Response, DateTimeOffset? RespondedAt);

internal sealed record AcknowledgementRecord(Guid AlertId, AckResponse Response, DateTimeOffset At, string Channel);

internal sealed record UpdateRecord(Guid AlertId, DateTimeOffset At, string ByName, string Text);

internal sealed record SmsRecord(
    Guid Id, Guid? AlertId, string Purpose, string To, string Body, string Status, string? ErrorCode,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <summary>A browser's push subscription, without the browser's keys (secrets of that browser).</summary>
internal sealed record PushSubscriptionRecord(Guid Id, string Endpoint, Guid? DeviceSessionId, DateTimeOffset CreatedAt, DateTimeOffset? LastSuccessAt, int Failures);

internal sealed record WebPushRecord(Guid AlertId, Guid SubscriptionId, int Repeat, string Status, string? Error, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

internal sealed record EvaluationInputRecord(Guid EvaluationId, string Field, string Text, string ByName, DateTimeOffset At);

internal sealed record EvaluationRoleRecord(Guid EvaluationId, Guid AlertId, bool TeamLead, bool ClosedByThem, DateTimeOffset? ClosedAt);

internal sealed class ExportPersonHandler(AlertHubDbContext db, TimeProvider time) : IQueryHandler<ExportPerson, PersonExport>
{
    public async ValueTask<PersonExport> Handle(ExportPerson query, CancellationToken ct)
    {
        var id = query.PersonId;
        var person = await db.People.AsNoTracking().FirstOrDefaultAsync(p => p.Id == id, ct)
            ?? throw new NotFoundException("Persoon niet gevonden.");

        var userId = id.ToString();
        var user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == userId, ct);
        AccountRecord? account = null;
        if (user is not null)
        {
            var roles = await db.UserRoles.Where(r => r.UserId == userId)
                .Join(db.Roles, ur => ur.RoleId, r => r.Id, (_, r) => r.Name!).ToListAsync(ct);
            account = new AccountRecord(user.UserName, user.Email, user.EmailConfirmed, user.PhoneNumber, roles,
                user.LockoutEnabled, user.LockoutEnd, user.AccessFailedCount, user.TwoFactorEnabled);
        }

        var audit = db.AuditEntries.AsNoTracking();
        return new PersonExport(
            time.GetUtcNow(),
            new PersonRecord(person.Id, person.Name, person.Email, person.Role, person.Discipline, person.Phone, person.OrganisationId,
                person.RegionId, person.SchoolId, person.Active, person.SmsFailuresInARow, person.PhoneFlaggedAt, person.LastSmsErrorCode),
            account,
            await db.RosterEntries.AsNoTracking().Where(r => r.PersonId == id).OrderBy(r => r.From)
                .Select(r => new RosterRecord(r.Id, r.RegionId, r.From, r.Until, r.IsBackup)).ToListAsync(ct),
            await db.SchoolContacts.AsNoTracking().Where(c => c.PersonId == id).OrderBy(c => c.SchoolId).Select(c => c.SchoolId).ToListAsync(ct),
            await db.Alerts.AsNoTracking().Where(a => a.RaisedById == id).OrderBy(a => a.Sequence)
                .Select(a => new AlertRaisedRecord(a.Id, a.RegionId, a.SchoolId, a.Kind, a.Note, a.Status, a.RaisedByName, a.RaisedAt,
                    a.Outcome, a.ClosedAt, a.PurgedAt)).ToListAsync(ct),
            await db.Alerts.AsNoTracking().Where(a => a.ClosedById == id).OrderBy(a => a.Sequence)
                .Select(a => new AlertClosedRecord(a.Id, a.Status, a.ClosedAt)).ToListAsync(ct),
            (await db.Recipients.AsNoTracking().Where(r => r.PersonId == id).ToListAsync(ct))
                .Select(r => new RecipientRecord(r.AlertId, r.Name, r.Organisation, r.Discipline, r.Reason.ToString(), r.Delivery,
                    r.PushedAt, r.ReceivedAt, r.Response, r.RespondedAt)).ToList(),
            await db.Acknowledgements.AsNoTracking().Where(k => k.PersonId == id).OrderBy(k => k.At)
                .Select(k => new AcknowledgementRecord(k.AlertId, k.Response, k.At, k.Channel)).ToListAsync(ct),
            await db.AlertUpdates.AsNoTracking().Where(u => u.ById == id).OrderBy(u => u.At)
                .Select(u => new UpdateRecord(u.AlertId, u.At, u.ByName, u.Text)).ToListAsync(ct),
            (await db.SmsMessages.AsNoTracking().Where(m => m.PersonId == id).OrderBy(m => m.CreatedAt).ToListAsync(ct))
                .Select(m => new SmsRecord(m.Id, m.AlertId, m.Purpose, m.To, m.Body, m.Status.ToString(), m.ErrorCode, m.CreatedAt, m.UpdatedAt))
                .ToList(),
            (await db.PushSubscriptions.AsNoTracking().Where(s => s.PersonId == id).ToListAsync(ct)).OrderBy(s => s.CreatedAt)
                .Select(s => new PushSubscriptionRecord(s.Id, s.Endpoint, s.DeviceSessionId, s.CreatedAt, s.LastSuccessAt, s.Failures)).ToList(),
            (await db.WebPushMessages.AsNoTracking().Where(m => m.PersonId == id).ToListAsync(ct)).OrderBy(m => m.CreatedAt)
                .Select(m => new WebPushRecord(m.AlertId, m.SubscriptionId, m.Repeat, m.Status.ToString(), m.Error, m.CreatedAt, m.UpdatedAt)).ToList(),
            await db.EvaluationInputs.AsNoTracking().Where(i => i.ById == id).OrderBy(i => i.At)
                .Select(i => new EvaluationInputRecord(i.EvaluationId, i.Field, i.Text, i.ByName, i.At)).ToListAsync(ct),
            await db.Evaluations.AsNoTracking().Where(e => e.TeamLeadId == id || e.ClosedById == id).OrderBy(e => e.DueAt)
                .Select(e => new EvaluationRoleRecord(e.Id, e.AlertId, e.TeamLeadId == id, e.ClosedById == id, e.ClosedAt)).ToListAsync(ct),
            (await audit.Where(e => e.SubjectType == AuditAction.Subjects.Person && e.SubjectId == id).OrderBy(e => e.At).ToListAsync(ct))
                .Select(AuditEntryDto.From).ToList(),
            (await audit.Where(e => e.ActorId == id).OrderBy(e => e.At).ToListAsync(ct)).Select(AuditEntryDto.From).ToList(),
            (await db.DeviceSessions.AsNoTracking().Where(d => d.PersonId == id).OrderBy(d => d.CreatedAt).ToListAsync(ct))
                .Select(d => new DeviceRecord(d.Id, d.Name, d.CreatedAt, d.LastSeenAt, d.ExpiresAt, d.RevokedAt, d.RevokedReason)).ToList());
    }
}
