using System.Collections.Concurrent;
using System.Data.Common;
using System.Reflection;
using AlertHub.Alerts;
using AlertHub.Client;
using AlertHub.Infrastructure.Data;
using AlertHub.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace AlertHub.Tests.Infrastructure;

/// <summary>
/// Issue 16: the recipients of a new alert are written by the group writer as rows (Alerts/RecipientRows), not as
/// one tracked entity each. What is stored must be what EF would have stored, on SQLite and on PostgreSQL alike.
/// </summary>
public sealed class RecipientRowsTests
{
    [Fact]
    public async Task ARaisesRecipients_AreWrittenAsRows_NotAsEntities_AndReadBackAsTheyWere()
    {
        var inserts = new RecipientInserts();
        await using var host = await TestHost.StartAsync(services: s =>
        {
            s.ConfigureDbContext<AlertHubDbContext>(o => o.AddInterceptors(inserts));
            s.ConfigureDbContext<PostgresAlertHubDbContext>(o => o.AddInterceptors(inserts));
        });
        var coordinator = await host.LoginAsync(TestHost.Coordinator);
        var raised = await coordinator.RaiseAsync();
        Assert.NotEmpty(raised.Recipients);
        // None of the recipient rows went through EF's own insert statements.
        Assert.Equal(0, inserts.Count);

        // 300 recipients of every kind of value: statements of several sizes (256, 16, 4) in one transaction.
        var group = host.Services.GetRequiredService<GroupCommit>();
        var alert = NewAlert(host.Now);
        alert.Recipients.AddRange(Enumerable.Range(0, 300).Select(i => NewRecipient(i, host.Now)));
        await using (var scope = host.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AlertHubDbContext>();
            db.Alerts.Add(alert);
            await db.SaveInGroupAsync(group, CancellationToken.None);
        }
        // The same objects, with their alert's id set by the write.
        var written = alert.Recipients.Select(Describe).ToList();
        Assert.All(alert.Recipients, r => Assert.Equal(alert.Id, r.AlertId));
        await using (var scope = host.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AlertHubDbContext>();
            var stored = await db.Recipients.AsNoTracking().Where(r => r.AlertId == alert.Id).ToListAsync();
            Assert.Equal(written.Order(StringComparer.Ordinal), stored.Select(Describe).Order(StringComparer.Ordinal));
            // And the alert as the app reads it, through its own query.
            var read = await db.Alerts.AsNoTracking().WithDetails().SingleAsync(a => a.Id == alert.Id);
            Assert.Equal(300, read.ToDto().Recipients.Count);
        }
        Assert.Equal(0, inserts.Count);
    }

    [Fact]
    public async Task AGroupThatFails_WritesEachRaiseAgainAlone_WithAllItsRecipientsOnce()
    {
        await using var host = await TestHost.StartAsync();
        var group = host.Services.GetRequiredService<GroupCommit>();

        // Hold the writer, queue a raise and a write the database refuses, then let them go as one group.
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var holder = group.WriteAsync(async (_, _) =>
        {
            entered.TrySetResult();
            await gate.Task;
            return 0;
        }, CancellationToken.None);
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(30));

        var alert = NewAlert(host.Now);
        alert.Recipients.AddRange(Enumerable.Range(0, 25).Select(i => NewRecipient(i, host.Now)));
        await using var scope = host.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AlertHubDbContext>();
        db.Alerts.Add(alert);
        var raise = db.SaveInGroupAsync(group, CancellationToken.None);
        var bad = group.WriteAsync((writer, _) =>
        {
            writer.AlertUpdates.Add(new AlertUpdate { AlertId = Guid.NewGuid(), At = host.Now, ById = Guid.NewGuid(), ByName = "Test", Text = "wees" });
            return ValueTask.FromResult(-1);
        }, CancellationToken.None);
        gate.SetResult();

        await holder;
        await raise;
        await Assert.ThrowsAnyAsync<DbUpdateException>(() => bad);
        await using var check = host.Services.CreateAsyncScope();
        var stored = check.ServiceProvider.GetRequiredService<AlertHubDbContext>();
        Assert.Equal(25, await stored.Recipients.CountAsync(r => r.AlertId == alert.Id));
        Assert.Equal(1, await stored.Alerts.CountAsync(a => a.Id == alert.Id));
    }

    private static Alert NewAlert(DateTimeOffset now) => new()
    {
        RegionId = "rijnmond", SchoolId = "test-school", SchoolName = "Testschool", RaisedById = Guid.NewGuid(), RaisedByName = "Test",
        RaisedAt = now, Status = AlertStatus.Open, Kind = AlertKind.Threat,
    };

    /// <summary>Each nullable column both empty and filled, every enum value, times with an offset (stored in UTC).</summary>
    private static Recipient NewRecipient(int i, DateTimeOffset now)
    {
        // Whole microseconds: what PostgreSQL keeps of a time, whoever writes it.
        var at = new DateTimeOffset(now.UtcTicks / 10 * 10, TimeSpan.Zero).ToOffset(TimeSpan.FromHours(2)).AddSeconds(i);
        return new Recipient
        {
            PersonId = Guid.NewGuid(),
            Name = $"Ontvanger {i} é'\"",
            Organisation = i % 3 == 0 ? null : $"Organisatie {i % 5}",
            OrganisationId = i % 3 == 0 ? null : $"org-{i % 5}",
            Discipline = i % 4 == 0 ? null : (Discipline)(i % Enum.GetValues<Discipline>().Length),
            Reason = (RecipientReason)(i % Enum.GetValues<RecipientReason>().Length),
            Delivery = (DeliveryState)(i % Enum.GetValues<DeliveryState>().Length),
            PushedAt = i % 2 == 0 ? null : at,
            ReceivedAt = i % 5 == 0 ? at.AddMinutes(1) : null,
            Response = i % 6 == 0 ? null : (AckResponse)(i % Enum.GetValues<AckResponse>().Length),
            RespondedAt = i % 6 == 0 ? null : at.AddMinutes(2),
        };
    }

    /// <summary>Every property (also ones added later), times as instants.</summary>
    private static string Describe(Recipient recipient) => string.Join("|", typeof(Recipient)
        .GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .OrderBy(p => p.Name, StringComparer.Ordinal)
        .Select(p => p.GetValue(recipient) switch
        {
            DateTimeOffset time => $"{p.Name}={time.UtcTicks}",
            var value => $"{p.Name}={value}",
        }));

    /// <summary>Counts EF's own insert statements into the recipients table.</summary>
    private sealed class RecipientInserts : DbCommandInterceptor
    {
        private readonly ConcurrentQueue<string> _commands = new();

        public int Count => _commands.Count(c => c.Contains("INSERT INTO \"Recipients\"", StringComparison.Ordinal));

        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
            DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            _commands.Enqueue(command.CommandText);
            return base.ReaderExecutingAsync(command, eventData, result, cancellationToken);
        }

        public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(
            DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
        {
            _commands.Enqueue(command.CommandText);
            return base.NonQueryExecutingAsync(command, eventData, result, cancellationToken);
        }
    }
}
