using AlertHub.Infrastructure;
using AlertHub.Client;
using AlertHub.Infrastructure.Data;
using AlertHub.Infrastructure.Outbox;
using Microsoft.EntityFrameworkCore;

namespace AlertHub.Alerts;

/// <summary>
/// Pushes about alerts go through the outbox: <see cref="StageAsync"/> before SaveChanges writes the
/// push into the same transaction as the change; <see cref="Flush"/> after the commit hands it to the
/// dispatcher. A client never hears of an alert the database does not hold, and a committed alert is
/// always pushed, by this node or, if it dies, by another.
/// </summary>
internal sealed class AlertNotifier(AlertHubDbContext db, OutboxDispatcher dispatcher, TimeProvider time)
{
    private readonly List<(OutboxMessage Message, Alert Alert, List<string> Audience, List<string> NewlyAdded)> _staged = [];

    /// <param name="everyone">
    /// False for receipts and SMS states: only the region's coordinators and team leads follow delivery,
    /// and telling every partner about every other partner's receipt would be quadratic in recipients.
    /// </param>
    public async Task StageAsync(Alert alert, OutboxKind kind, bool everyone = true, IReadOnlyCollection<Guid>? newlyAdded = null,
        CancellationToken ct = default)
    {
        var message = new OutboxMessage
        {
            AlertId = alert.Id,
            Kind = kind,
            Everyone = everyone,
            NewlyAdded = newlyAdded is { Count: > 0 } ? string.Join(',', newlyAdded) : null,
            CreatedAt = time.Now(),
        };
        db.OutboxMessages.Add(message);
        var audience = await AudienceAsync(db, alert, everyone, ct);
        _staged.Add((message, alert, audience, newlyAdded?.Select(id => id.ToString()).ToList() ?? []));
    }

    /// <summary>After the commit: push now (the sequence and every generated value are known).</summary>
    public void Flush()
    {
        foreach (var (message, alert, audience, added) in _staged)
        {
            dispatcher.Enqueue(new OutboxWork(message.Id, alert.ToDto(), message.Kind, audience, added));
        }
        _staged.Clear();
    }

    /// <summary>The transaction was rolled back: nothing to push.</summary>
    public void Discard() => _staged.Clear();

    public static async Task<List<string>> AudienceAsync(AlertHubDbContext db, Alert alert, bool everyone, CancellationToken ct)
    {
        var watchers = await db.People
            .Where(p => p.RegionId == alert.RegionId && p.Active
                && (p.Role == PersonRole.Coordinator || p.Role == PersonRole.TeamLead))
            .Select(p => p.Id)
            .ToListAsync(ct);
        var people = everyone ? watchers.Concat(alert.Recipients.Select(r => r.PersonId)) : watchers;
        return people.Distinct().Select(id => id.ToString()).ToList();
    }
}
