using AlertHub.Alerts;
using AlertHub.Infrastructure.Data;
using AlertHub.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace AlertHub.Tests.Infrastructure;

/// <summary>Issue 16: the node's writes share transactions, and one bad write fails only itself.</summary>
public sealed class GroupCommitTests
{
    [Fact]
    public async Task ConcurrentWrites_ShareTransactions()
    {
        await using var host = await TestHost.StartAsync();
        var coordinator = await host.LoginAsync(TestHost.Coordinator);
        var alert = await coordinator.RaiseAsync();
        var group = host.Services.GetRequiredService<GroupCommit>();
        var before = group.Written;

        const int count = 128;
        var writes = Enumerable.Range(0, count).Select(i => group.WriteAsync((db, _) =>
        {
            db.AlertUpdates.Add(Update(alert.Id, host.Now, $"bericht {i}"));
            return ValueTask.FromResult(i);
        }, CancellationToken.None)).ToList();

        Assert.Equal(Enumerable.Range(0, count), (await Task.WhenAll(writes)).Order());
        var after = group.Written;
        Assert.Equal(count, after.Units - before.Units);
        // Far fewer transactions than writes; each one is one version step of the alert.
        Assert.True(after.Groups - before.Groups <= count / 4, $"{after.Groups - before.Groups} transactions for {count} writes");
        await using var scope = host.Services.CreateAsyncScope();
        var stored = scope.ServiceProvider.GetRequiredService<AlertHubDbContext>();
        Assert.Equal(count, await stored.AlertUpdates.CountAsync(u => u.AlertId == alert.Id));
        var version = await stored.Alerts.Where(a => a.Id == alert.Id).Select(a => a.Version).SingleAsync();
        Assert.InRange(version, 2, 1 + count / 4);
    }

    [Fact]
    public async Task ABadWriteInAGroup_FailsAlone_WithItsOwnError()
    {
        await using var host = await TestHost.StartAsync();
        var coordinator = await host.LoginAsync(TestHost.Coordinator);
        var alert = await coordinator.RaiseAsync();
        var group = host.Services.GetRequiredService<GroupCommit>();

        Task<int> Good(int i) => group.WriteAsync((db, _) =>
        {
            db.AlertUpdates.Add(Update(alert.Id, host.Now, $"bericht {i}"));
            return ValueTask.FromResult(i);
        }, CancellationToken.None);
        var first = Enumerable.Range(0, 30).Select(Good).ToList();
        // An update of an alert that does not exist, queued among the others: the database refuses it.
        var bad = group.WriteAsync((db, _) =>
        {
            db.AlertUpdates.Add(Update(Guid.NewGuid(), host.Now, "wees"));
            return ValueTask.FromResult(-1);
        }, CancellationToken.None);
        var second = Enumerable.Range(30, 30).Select(Good).ToList();

        Assert.Equal(Enumerable.Range(0, 60), (await Task.WhenAll(first.Concat(second))).Order());
        await Assert.ThrowsAnyAsync<DbUpdateException>(() => bad);
        await using var scope = host.Services.CreateAsyncScope();
        var stored = scope.ServiceProvider.GetRequiredService<AlertHubDbContext>();
        Assert.Equal(60, await stored.AlertUpdates.CountAsync(u => u.AlertId == alert.Id));
        Assert.Equal(0, await stored.AlertUpdates.CountAsync(u => u.Text == "wees"));
    }

    private static AlertUpdate Update(Guid alertId, DateTimeOffset at, string text) =>
        new() { AlertId = alertId, At = at, ById = Guid.NewGuid(), ByName = "Test", Text = text };

    [Fact]
    public async Task EveryDeviceOfEveryRecipient_ConfirmsAtOnce_EachReceiptStoredOnce_InFewTransactions()
    {
        await using var host = await TestHost.StartAsync();
        var coordinator = await host.LoginAsync(TestHost.Coordinator);
        var alert = await coordinator.RaiseAsync();
        var receipts = host.Services.GetRequiredService<ReceiptWriter>();
        var group = host.Services.GetRequiredService<GroupCommit>();
        var before = group.Written;

        // Three devices per recipient, all at once: one receipt per person is stored, the others hear it was already.
        var people = alert.Recipients.Select(r => r.PersonId).ToList();
        var outcomes = await Task.WhenAll(people.SelectMany(p => Enumerable.Repeat(p, 3))
            .Select(p => receipts.StoreAsync(alert.Id, p, CancellationToken.None)));
        Assert.Equal(people.Count, outcomes.Count(o => o == ReceiptOutcome.Stored));
        Assert.Equal(2 * people.Count, outcomes.Count(o => o == ReceiptOutcome.AlreadyReceived));
        Assert.Equal(ReceiptOutcome.NotRecipient, await receipts.StoreAsync(alert.Id, Guid.NewGuid(), CancellationToken.None));

        var stored = await coordinator.GetAlertAsync(alert.Id);
        Assert.All(stored.Recipients, r => Assert.NotNull(r.ReceivedAt));
        Assert.True(group.Written.Groups - before.Groups < outcomes.Length, "receipts were not grouped");
    }

    [Fact]
    public async Task ConcurrentWritersOfOneSqliteFile_TakeTurnsAtTheGate_InsteadOfColliding()
    {
        if (PostgresServer.Requested)
        {
            return; // the gate is for SQLite's single writer only
        }
        await using var host = await TestHost.StartAsync();
        var coordinator = await host.LoginAsync(TestHost.Coordinator);
        var alert = await coordinator.RaiseAsync();
        var waits = SqliteWriteGate.Waits;

        // 40 writers released at once; on a busy machine they may still happen not to overlap, so a few rounds (bounded)
        // until one of them had to wait. Without the gate none ever waits, and every round fails the same way.
        var rounds = 0;
        while (SqliteWriteGate.Waits == waits && rounds < 5)
        {
            rounds++;
            var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var writers = Enumerable.Range(0, 40).Select(i => Task.Run(async () =>
            {
                await using var scope = host.Services.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<AlertHubDbContext>();
                await start.Task;
                if (i % 2 == 0)
                {
                    db.AlertUpdates.Add(Update(alert.Id, host.Now, $"schrijver {rounds}-{i}"));
                    await db.SaveChangesAsync();
                }
                else
                {
                    await db.Alerts.Where(a => a.Id == alert.Id).ExecuteUpdateAsync(s => s.SetProperty(a => a.Note, $"schrijver {i}"));
                }
            })).ToList();
            start.SetResult();
            await Task.WhenAll(writers);
        }

        Assert.True(SqliteWriteGate.Waits > waits, "no writer ever waited at the gate: the writes collided in SQLite instead");
        await using var check = host.Services.CreateAsyncScope();
        Assert.Equal(20 * rounds, await check.ServiceProvider.GetRequiredService<AlertHubDbContext>().AlertUpdates.CountAsync(u => u.AlertId == alert.Id));
    }
}

/// <summary>Issue 16: of the many devices of one person confirming one alert, only one reaches the pipeline.</summary>
public sealed class ReceiptShortcutTests
{
    [Fact]
    public async Task FiftyDevicesOfOnePerson_ConfirmAtOnce_OneReceiptIsWritten_AndAFailedOneIsTriedAgain()
    {
        await using var host = await TestHost.StartAsync();
        var coordinator = await host.LoginAsync(TestHost.Coordinator);
        var alert = await coordinator.RaiseAsync();
        var person = alert.Recipients.First(r => r.Discipline == AlertHub.Client.Discipline.Police).PersonId;
        var seen = host.Services.GetRequiredService<ReceiptsSeen>();
        var group = host.Services.GetRequiredService<GroupCommit>();
        var before = group.Written.Units;

        await Task.WhenAll(Enumerable.Range(0, 50).Select(async _ =>
        {
            await using var scope = host.Services.CreateAsyncScope();
            await seen.ConfirmOnceAsync(scope.ServiceProvider.GetRequiredService<Mediator.IMediator>(), person, alert.Id, CancellationToken.None);
        }));

        Assert.Equal(1, group.Written.Units - before);
        var stored = await coordinator.GetAlertAsync(alert.Id);
        Assert.NotNull(stored.Recipients.Single(r => r.PersonId == person).ReceivedAt);

        // Someone outside the alert is refused and not remembered: asking again is refused again, not silently dropped.
        await using (var scope = host.Services.CreateAsyncScope())
        {
            var mediator = scope.ServiceProvider.GetRequiredService<Mediator.IMediator>();
            var haaglanden = await host.LoginAsync(TestHost.HaaglandenPolice);
            var outsider = (await haaglanden.GetMeAsync()).PersonId;
            await Assert.ThrowsAsync<AlertHub.Infrastructure.Errors.NotFoundException>(() => seen.ConfirmOnceAsync(mediator, outsider, alert.Id, CancellationToken.None));
            await Assert.ThrowsAsync<AlertHub.Infrastructure.Errors.NotFoundException>(() => seen.ConfirmOnceAsync(mediator, outsider, alert.Id, CancellationToken.None));
        }
    }

    [Fact]
    public async Task ADeactivatedRecipient_WhoseTokenStillWorks_IsRefused_AndTheReceiptIsNotStored()
    {
        await using var host = await TestHost.StartAsync();
        var coordinator = await host.LoginAsync(TestHost.Coordinator);
        var alert = await coordinator.RaiseAsync();
        var person = alert.Recipients.First(r => r.Discipline == AlertHub.Client.Discipline.Police).PersonId;
        await host.WithDbAsync(db => db.People.Where(p => p.Id == person).ExecuteUpdateAsync(s => s.SetProperty(p => p.Active, false)));
        var seen = host.Services.GetRequiredService<ReceiptsSeen>();

        await using (var scope = host.Services.CreateAsyncScope())
        {
            var mediator = scope.ServiceProvider.GetRequiredService<Mediator.IMediator>();
            // The fast store skips an inactive person; the pipeline then refuses with the reason, each time.
            await Assert.ThrowsAsync<AlertHub.Infrastructure.Errors.ForbiddenException>(() => seen.ConfirmOnceAsync(mediator, person, alert.Id, CancellationToken.None));
            await Assert.ThrowsAsync<AlertHub.Infrastructure.Errors.ForbiddenException>(() => seen.ConfirmOnceAsync(mediator, person, alert.Id, CancellationToken.None));
        }
        var stored = await coordinator.GetAlertAsync(alert.Id);
        Assert.Null(stored.Recipients.Single(r => r.PersonId == person).ReceivedAt);
    }
}
