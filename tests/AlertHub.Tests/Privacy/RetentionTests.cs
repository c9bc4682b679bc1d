using System.Globalization;
using System.Net.Http.Json;
using AlertHub.Alerts;
using AlertHub.Client;
using AlertHub.Dashboard;
using AlertHub.Delivery;
using AlertHub.Privacy;
using AlertHub.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;

namespace AlertHub.Tests.Privacy;

// Clock: depends on dates and hours; .ci/run runs it again with the test clock on other days.
[Trait("Category", "Clock")]
public sealed class RetentionTests
{
    private const string Redacted = "[verwijderd]";

    // 10:00 in Amsterdam on the test day (hotline open); +20 and +31 days may cross into the next month, so the
    // dashboards before and after the purge are compared on the months both show.
    private static readonly DateTimeOffset Start = TestClock.Start;

    [Fact]
    public async Task Purge_RemovesTextsNamesAndNumbers_OfAlertsClosedLongerThanTheRetention_AndKeepsTheFigures()
    {
        var time = new FakeTimeProvider(Start);
        await using var host = await TestHost.StartAsync(time: time, settings: new Dictionary<string, string?> { ["Privacy:RetentionDays"] = "30" });
        var coordinator = await host.LoginAsync(TestHost.Coordinator);
        var police = await host.LoginAsync(TestHost.Police);
        var teamLead = await host.LoginAsync(TestHost.TeamLead);

        // A: everything an alert can collect, then resolved.
        var a = await coordinator.RaiseAsync(new RaiseAlertRequest(Note: "Jan de Boer bedreigd bij de fietsenstalling"), "a");
        await police.AcknowledgeAsync(a.Id, AckResponse.OnMyWay);
        await police.PostUpdateAsync(a.Id, "Jan staat bij de poort");
        await time.AdvanceAsync(TimeSpan.FromSeconds(31));
        await Eventually.HoldsAsync(() => host.WithDbAsync(db => db.SmsMessages.CountAsync(m => m.AlertId == a.Id)), n => n >= 3, what: "fallback SMS");
        using (var put = await teamLead.Http.PutAsJsonAsync($"/api/evaluations/{a.EvaluationId}", new UpdateEvaluationRequest(
            WentWell: "Wijkagent Jansen was er snel", WentWrong: "Moeder van Jan niet bereikt", Cooperation: "Goed",
            ActionItems: [new ActionItemDto(null, "Gesprek met Jan en zijn moeder", "Hendriks", DateOnly.FromDateTime(TestClock.Local(Start)).AddDays(7), false)]), AlertHubJson.Options))
        {
            put.EnsureSuccessStatusCode();
        }
        await coordinator.ResolveAsync(a.Id, "Jan is door zijn ouders opgehaald");
        // B: a false alarm. C: still open.
        var b = await coordinator.RaiseAsync(new RaiseAlertRequest(Note: "Piet zou een mes hebben"), "b");
        await coordinator.CancelAsync(b.Id);
        var c = await coordinator.RaiseAsync(new RaiseAlertRequest(Note: "Klaas wacht bij de bushalte"), "c");
        await coordinator.PostUpdateAsync(c.Id, "Klaas is nog daar");

        await time.AdvanceAsync(TimeSpan.FromDays(20), TimeSpan.FromHours(6));
        // A's evaluation came due in those days: its SMS to the team lead must be in the figures before the purge
        // (on a busy CI machine the due job can still be running when the clock has moved on).
        await Eventually.HoldsAsync(() => host.WithDbAsync(db => db.SmsMessages.CountAsync(m => m.AlertId == a.Id && m.Purpose == SmsPurposes.Evaluation)),
            n => n == 1, what: "the due SMS of A's evaluation");
        // D: closed recently (11 days before the purge that matters).
        coordinator = await host.LoginAsync(TestHost.Coordinator);
        var d = await coordinator.RaiseAsync(new RaiseAlertRequest(Note: "Kees werd gevolgd"), "d");
        await coordinator.ResolveAsync(d.Id, "Kees is thuis");
        var before = await host.WithDbAsync(db => FiguresAsync(db, a.Id, b.Id));
        var dashboardBefore = await DashboardAsync(host);

        await time.AdvanceAsync(TimeSpan.FromDays(11), TimeSpan.FromHours(6));
        await Eventually.HoldsAsync(() => host.WithDbAsync(db => db.Alerts.CountAsync(x => x.PurgedAt != null)), n => n == 2, what: "A and B purged");

        // The figures stay: every row, state and time the dashboard and the evaluation export count.
        Assert.Equal(before, await host.WithDbAsync(db => FiguresAsync(db, a.Id, b.Id)));
        var dashboardAfter = await DashboardAsync(host);
        // The twelve-month window may have moved on by a month in between: compare the months both show.
        var shown = Shape(dashboardBefore).Keys.Intersect(Shape(dashboardAfter).Keys).ToList();
        Assert.Contains(TestClock.Local(Start).ToString("yyyy-MM", CultureInfo.InvariantCulture), shown);
        Assert.Equal(shown.Select(m => Shape(dashboardBefore)[m]), shown.Select(m => Shape(dashboardAfter)[m]));
        Assert.Equal(3, dashboardAfter.AlertsPerSchool.Single(s => s.SchoolId == "demo-college-zaandam").Counts.Sum()); // A, C, D; B was cancelled
        Assert.Contains(dashboardAfter.MedianSecondsToFirstAck, m => m is not null);

        var names = await host.WithDbAsync(db => db.People.Select(p => p.Name).ToListAsync());
        await host.WithDbAsync(async db =>
        {
            foreach (var id in new[] { a.Id, b.Id })
            {
                var alert = await db.Alerts.WithDetails().SingleAsync(x => x.Id == id);
                Assert.Equal(Redacted, alert.Note);
                Assert.Equal(Redacted, alert.RaisedByName);
                Assert.All(alert.Updates, u => Assert.Equal((Redacted, Redacted), (u.Text, u.ByName)));
                Assert.All(alert.Recipients, r => Assert.DoesNotContain(r.Name, names));
                Assert.True(alert.Recipients.Any(r => r.Name == "politie"), $"recipients of {id}: {string.Join(", ", alert.Recipients.Select(r => r.Name))}");
                var sms = await db.SmsMessages.Where(m => m.AlertId == id).ToListAsync();
                Assert.All(sms, m => Assert.Equal((Redacted, Redacted), (m.To, m.Body)));
            }
            Assert.Equal(Redacted, (await db.Alerts.SingleAsync(x => x.Id == a.Id)).Outcome);
            var evaluation = await db.Evaluations.Include(e => e.Inputs).Include(e => e.ActionItems).SingleAsync(e => e.AlertId == a.Id);
            Assert.Equal((Redacted, Redacted, Redacted), (evaluation.WentWell, evaluation.WentWrong, evaluation.Cooperation));
            Assert.All(evaluation.Inputs, i => Assert.Equal((Redacted, Redacted), (i.Text, i.ByName)));
            Assert.All(evaluation.ActionItems, i => Assert.Equal((Redacted, Redacted), (i.Description, i.Owner)));

            // Open and recently closed alerts are untouched, and so is the directory.
            var open = await db.Alerts.WithDetails().SingleAsync(x => x.Id == c.Id);
            Assert.Equal(("Klaas wacht bij de bushalte", (DateTimeOffset?)null), (open.Note, open.PurgedAt));
            Assert.True(open.Updates.Any(u => u.Text == "Klaas is nog daar"), "update of the open alert");
            Assert.True(open.Recipients.Any(r => r.Name == "Wijkagent Jansen (demo)"), "recipient names of the open alert");
            var recent = await db.Alerts.WithDetails().SingleAsync(x => x.Id == d.Id);
            Assert.Equal(("Kees werd gevolgd", "Kees is thuis", (DateTimeOffset?)null), (recent.Note, recent.Outcome, recent.PurgedAt));
            var openSms = await db.SmsMessages.Where(m => m.AlertId == c.Id).ToListAsync();
            Assert.True(openSms.Count > 0 && openSms.All(m => m.To.StartsWith("+316", StringComparison.Ordinal)), "SMS of the open alert keep their numbers");
            Assert.Equal("+31600000001", (await db.People.SingleAsync(p => p.Email == TestHost.Police)).Phone);

            var purged = await db.AuditEntries.Where(e => e.Action == "alert.purged").ToListAsync();
            Assert.Equal(new[] { a.Id, b.Id }.Order(), purged.Select(e => e.SubjectId!.Value).Order());
            Assert.All(purged, e => Assert.Equal(("system", (Guid?)null), (e.ActorRole, e.ActorId)));
            return true;
        });

        // What people see of a purged alert: the timeline without its texts.
        var view = await (await host.LoginAsync(TestHost.Coordinator)).GetAlertAsync(a.Id);
        Assert.Equal(Redacted, view.Note);
        Assert.Equal(AlertStatus.Resolved, view.Status);
        Assert.Equal(AckResponse.OnMyWay, view.Recipients.Single(r => r.Discipline == Discipline.Police).Response);
    }

    [Fact]
    public async Task PurgeTimer_IsOneRow_RescheduledDaily_AndRevivedAtStartUp()
    {
        var time = new FakeTimeProvider(Start);
        var directory = Directory.CreateTempSubdirectory("alerthub-purge-").FullName;
        try
        {
            await using (var host = await TestHost.StartAsync(directory, time))
            {
                await time.AdvanceAsync(TimeSpan.FromSeconds(2)); // the job worker's next poll
                var job = await Eventually.HoldsAsync(() => host.WithDbAsync(db => db.ScheduledJobs.SingleAsync(j => j.Kind == "privacy-purge")),
                    j => j.DueAt == Start + TimeSpan.FromDays(1), what: "first run done, next one tomorrow");
                Assert.Null(job.CompletedAt);
                await time.AdvanceAsync(TimeSpan.FromDays(1), TimeSpan.FromHours(1));
                await Eventually.HoldsAsync(() => host.WithDbAsync(db => db.ScheduledJobs.SingleAsync(j => j.Kind == "privacy-purge")),
                    j => j.DueAt == Start + TimeSpan.FromDays(2) && j.Attempts == 0, what: "rescheduled");
                // As if a run of failures had completed it: the next start-up revives it.
                await host.WithDbAsync(db => db.ScheduledJobs.Where(j => j.Kind == "privacy-purge")
                    .ExecuteUpdateAsync(s => s.SetProperty(j => j.CompletedAt, time.GetUtcNow())));
            }
            await using (var host = await TestHost.StartAsync(directory, time))
            {
                var job = await host.WithDbAsync(db => db.ScheduledJobs.SingleAsync(j => j.Kind == "privacy-purge"));
                Assert.Null(job.CompletedAt);
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<DashboardDto> DashboardAsync(TestHost host)
    {
        var teamLead = await host.LoginAsync(TestHost.TeamLead);
        return (await teamLead.Http.GetFromJsonAsync<DashboardDto>("/api/dashboard", AlertHubJson.Options))!;
    }

    /// <summary>Every figure the dashboard shows, by month.</summary>
    private static Dictionary<string, string> Shape(DashboardDto d) => d.Months.Select((month, i) => (month, figures: string.Join(" | ",
            string.Join(";", d.AlertsPerSchool.Select(s => $"{s.SchoolId}:{s.Counts[i]}")),
            d.MedianSecondsToFirstAck[i]?.ToString(CultureInfo.InvariantCulture) ?? "-",
            d.SmsFallbackPercent[i]?.ToString(CultureInfo.InvariantCulture) ?? "-")))
        .ToDictionary(m => m.month, m => m.figures);

    /// <summary>Everything about the alerts that is not personal: rows, states and times.</summary>
    private static async Task<string> FiguresAsync(AlertHub.Infrastructure.Data.AlertHubDbContext db, params Guid[] ids)
    {
        var lines = new List<string>();
        foreach (var id in ids)
        {
            var alert = await db.Alerts.AsNoTracking().WithDetails().Include(x => x.Acknowledgements).SingleAsync(x => x.Id == id);
            lines.Add($"{alert.Id} {alert.Status} {alert.Kind} {alert.SchoolId} {alert.RaisedAt:o} {alert.ClosedAt:o} updates={alert.Updates.Count}");
            lines.AddRange(alert.Recipients.OrderBy(r => r.PersonId).Select(r =>
                $"  {r.PersonId} {r.Discipline} {r.Organisation} {r.Reason} {r.Delivery} {r.PushedAt:o} {r.ReceivedAt:o} {r.Response} {r.RespondedAt:o}"));
            lines.AddRange(alert.Acknowledgements.OrderBy(k => k.At).Select(k => $"  ack {k.PersonId} {k.Response} {k.At:o} {k.Channel}"));
            lines.AddRange((await db.SmsMessages.AsNoTracking().Where(m => m.AlertId == id).ToListAsync()).OrderBy(m => m.Id)
                .Select(m => $"  sms {m.Id} {m.PersonId} {m.Purpose} {m.Status} {m.ErrorCode} {m.CreatedAt:o}"));
            var evaluation = await db.Evaluations.AsNoTracking().Include(e => e.Inputs).Include(e => e.ActionItems).SingleAsync(e => e.AlertId == id);
            lines.Add($"  evaluation {evaluation.Status} {evaluation.DueAt:o} inputs={evaluation.Inputs.Count} items={evaluation.ActionItems.Count} "
                + string.Join(",", evaluation.ActionItems.Select(i => $"{i.DueDate}/{i.Done}")));
        }
        return string.Join("\n", lines);
    }
}
