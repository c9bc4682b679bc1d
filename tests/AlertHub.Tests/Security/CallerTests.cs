using System.Collections.Concurrent;
using System.Data.Common;
using System.Net;
using System.Text.Json.Nodes;
using AlertHub.Alerts;
using AlertHub.Client;
using AlertHub.Infrastructure.Data;
using AlertHub.Infrastructure.Security;
using AlertHub.Privacy;
using AlertHub.Testing;
using AlertHub.Tests.People;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace AlertHub.Tests.Security;

/// <summary>
/// STYLE 18: who may send a message is declared on it and checked by one behaviour, for the API and the hub alike,
/// and every refusal is audited; the caller is loaded once per request and shared by the audit and the handler.
/// </summary>
public sealed class CallerTests
{
    [Fact]
    public async Task ARoleRefusal_ComesFromTheMessage_InDutch_IsAudited_AndChangesNothing()
    {
        await using var host = await TestHost.StartAsync();
        var coordinator = await host.LoginAsync(TestHost.Coordinator);
        var alert = await coordinator.RaiseAsync();
        var police = await host.LoginAsync(TestHost.Police);
        var policeId = (await police.GetMeAsync()).PersonId;

        foreach (var (path, body, reason) in new[]
        {
            ("/api/alerts", """{"kind":"threat"}""", "Alleen een coördinator kan een melding maken; een teamleider kan een oefening starten."),
            ($"/api/alerts/{alert.Id}/resolve", """{"outcome":"klaar"}""", "Alleen een coördinator of de regievoerder kan een melding afsluiten."),
            ($"/api/alerts/{alert.Id}/kind", """{"kind":"fight"}""", "Alleen coördinatoren en de regievoerder kunnen de soort situatie wijzigen."),
        })
        {
            using var refused = await police.Http.PostAsync(path, new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
            Assert.Equal(reason, (await refused.ReadAsync<JsonObject>(HttpStatusCode.Forbidden))["detail"]!.GetValue<string>());
        }
        // Refused before the input is looked at: a refused caller learns nothing about the rules of the body.
        // (An outcome over 1000 characters is a 400 for a coordinator.)
        var tooLong = System.Text.Json.JsonSerializer.Serialize(new { outcome = new string('x', 1001) });
        using (var invalid = await police.Http.PostAsync($"/api/alerts/{alert.Id}/resolve", new StringContent(tooLong, System.Text.Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.Forbidden, invalid.StatusCode);
        }
        using (var invalid = await coordinator.Http.PostAsync($"/api/alerts/{alert.Id}/resolve", new StringContent(tooLong, System.Text.Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        }
        using (var mySchool = await police.Http.GetAsync("/api/me/school"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, mySchool.StatusCode);
        }

        var stored = await coordinator.GetAlertAsync(alert.Id);
        Assert.Equal(AlertStatus.Open, stored.Status);
        Assert.Equal(alert.Kind, stored.Kind);
        Assert.Single(await coordinator.ListAlertsAsync(status: null));

        var admin = await host.ApiAsync(TestHost.Admin);
        var audit = await (await admin.GetAsync($"/api/admin/audit?actorId={policeId}&pageSize=50")).ReadAsync<AuditPage>();
        var refusals = audit.Items.Where(e => e.Action.EndsWith(".refused", StringComparison.Ordinal)).Select(e => e.Action).Order().ToList();
        Assert.Equal(["alert.kind_changed.refused", "alert.raised.refused", "alert.resolved.refused", "alert.resolved.refused"],
            refusals.Where(a => a.StartsWith("alert.", StringComparison.Ordinal)));
        Assert.All(audit.Items.Where(e => e.Action.EndsWith(".refused", StringComparison.Ordinal)), e => Assert.Equal("partner", e.ActorRole, ignoreCase: true));
    }

    [Fact]
    public async Task ADeactivatedAccount_IsRefusedOnItsNextCall_WithTheTokenItStillHolds()
    {
        await using var host = await TestHost.StartAsync();
        var police = await host.LoginAsync(TestHost.Police);
        var policeId = (await police.GetMeAsync()).PersonId;
        Assert.Empty(await police.ListAlertsAsync(status: null));

        var admin = await host.ApiAsync(TestHost.Admin);
        var person = await (await admin.GetAsync($"/api/admin/people/{policeId}")).ReadAsync<JsonObject>();
        var fields = new JsonObject { ["active"] = false };
        foreach (var name in new[] { "name", "email", "role", "discipline", "phone", "organisationId", "regionId", "schoolId" })
        {
            fields[name] = person[name]?.DeepClone();
        }
        using (var deactivate = await admin.PutJsonAsync($"/api/admin/people/{policeId}", fields))
        {
            Assert.False((await deactivate.ReadAsync<JsonObject>())["active"]!.GetValue<bool>());
        }

        using var list = await police.Http.GetAsync("/api/alerts");
        Assert.Equal("Je account is niet (meer) actief.", (await list.ReadAsync<JsonObject>(HttpStatusCode.Forbidden))["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task TheCaller_IsLoadedOnce_ForTheAudit_TheCheckAndTheHandler_FromTheDirectoryTheRaiseIsRoutedFrom()
    {
        var counter = new PeopleQueries();
        await using var host = await TestHost.StartAsync(services: s =>
        {
            s.ConfigureDbContext<AlertHubDbContext>(o => o.AddInterceptors(counter));
            s.ConfigureDbContext<PostgresAlertHubDbContext>(o => o.AddInterceptors(counter));
        });
        var coordinator = await host.LoginAsync(TestHost.Coordinator);
        var alert = await coordinator.RaiseAsync();
        var coordinatorId = (await coordinator.GetMeAsync()).PersonId;

        await using (var scope = host.Services.CreateAsyncScope())
        {
            // An audited view by a person, through the whole pipeline (audit, authorization, validation, handler).
            counter.Reset(scope.ServiceProvider.GetRequiredService<AlertHubDbContext>());
            var mediator = scope.ServiceProvider.GetRequiredService<IMediator>();
            var seen = await mediator.Send(new GetAlert(coordinatorId, alert.Id));
            Assert.Equal(alert.Id, seen.Id);
            // Issue 16: an active person is taken from the directory snapshot, after one read of its version.
            Assert.Equal((0, 1), (counter.ById, counter.DirectoryVersions));

            // The scope's caller is the one the handler used.
            var callers = scope.ServiceProvider.GetRequiredService<Callers>();
            Assert.Equal(coordinatorId, (await callers.ActiveAsync(coordinatorId, CancellationToken.None)).Id);
            Assert.Equal((0, 1), (counter.ById, counter.DirectoryVersions));
        }

        await using (var scope = host.Services.CreateAsyncScope())
        {
            // A raise: the caller, the routing and the coverage notice all read the one version of the scope.
            counter.Reset(scope.ServiceProvider.GetRequiredService<AlertHubDbContext>());
            var raised = await scope.ServiceProvider.GetRequiredService<IMediator>()
                .Send(new RaiseAlert(coordinatorId, null, AlertKind.Fight, null, "een-sleutel"));
            Assert.True(raised.Created);
            Assert.Equal((0, 1), (counter.ById, counter.DirectoryVersions));
            // Issue 16: and the key, the burst limit and today's opening check in one more statement (three before);
            // the writes go to the group writer, which runs in a scope of its own.
            Assert.Equal(2, counter.Reads);
        }

        await using (var scope = host.Services.CreateAsyncScope())
        {
            // An id that is no active person is looked up in the table (the audit names a deactivated actor too).
            counter.Reset(scope.ServiceProvider.GetRequiredService<AlertHubDbContext>());
            var callers = scope.ServiceProvider.GetRequiredService<Callers>();
            var nobody = Guid.NewGuid();
            Assert.Null(await callers.FindAsync(nobody, CancellationToken.None));
            await Assert.ThrowsAsync<AlertHub.Infrastructure.Errors.ForbiddenException>(async () => await callers.ActiveAsync(nobody, CancellationToken.None));
            Assert.Equal(1, counter.ById);
        }
    }

    /// <summary>Messages that are no view or change of an alert, evaluation or person someone could be asked about.</summary>
    private static readonly Dictionary<string, string> NotAudited = new()
    {
        ["AlertRaisedEvent"] = "a notification inside the raise, which is audited itself",
        ["AlertClosedEvent"] = "a notification inside the closing, which is audited itself",
        ["DeviceSessionEnded"] = "a notification inside the ending of a session, which is audited itself",
        ["ConfirmReceipt"] = "a device's automatic receipt, no one's look (one per push, it would drown the log)",
        ["GetAlertsSince"] = "the hub's replay of alerts the device already received (the v1 feed), no new look",
        ["GetChangesSince"] = "the hub's change feed after a reconnect: what the device already received",
        ["AnswerReadinessCheck"] = "a device's automatic answer to the opening check, like a receipt",
        ["GetCoverage"] = "who is on call now and whether their devices answered this morning: the roster, no alert, no contact details but the backup's number",
        ["ListDrillSchools"] = "the names of the schools the caller may start a drill for; no alert or person",
        ["GetDashboard"] = "figures per month, no alert, person or name",
        ["ListOpenActionItems"] = "action items: the evaluation's own text, listed to its team lead",
        ["GetPushSubscriptions"] = "the caller's own devices",
        ["ListDeviceSessions"] = "a person's own devices (an admin's look at someone's is audited, ByAdmin)",
        ["GetMySchoolContacts"] = "the coordinator's own school card, kept by the app for when the network is gone; no alert",
        ["SubscribeToPush"] = "the caller's own device",
        ["RemovePushSubscription"] = "the caller's own device",
        ["StartDeviceSession"] = "signing in (the sign-in log)",
        ["RefreshDeviceSession"] = "the app keeping its session",
        ["SignOutDevice"] = "signing out",
        ["ApplySmsStatus"] = "Twilio's status callback, no person's look",
        ["HandleSmsReply"] = "the answer by SMS is audited as alert.acknowledged by the answer it records",
        ["ListRegions"] = "directory without people", ["GetRegion"] = "directory without people",
        ["ListSchools"] = "directory without people", ["GetSchool"] = "directory without people",
        ["ListOrganisations"] = "directory without people", ["GetOrganisation"] = "directory without people",
        ["CreateOrganisation"] = "directory without people", ["UpdateOrganisation"] = "directory without people",
        ["CreateRegion"] = "directory without people", ["UpdateRegion"] = "directory without people",
        ["CreateSchool"] = "directory without people", ["UpdateSchool"] = "directory without people",
        ["ListRoster"] = "who is on call when, no contact details", ["GetRosterEntry"] = "who is on call when",
        ["CreateRosterEntry"] = "who is on call when", ["UpdateRosterEntry"] = "who is on call when",
        ["DeleteRosterEntry"] = "who is on call when",
        ["ListApiClients"] = "the partner systems, no person",
        ["GetWebhook"] = "an organisation's address, no person",
    };

    /// <summary>R10: a new message is either in the audit table or named here with the reason it is not.</summary>
    [Fact]
    public void EveryMessage_IsAudited_OrSaysWhyNot()
    {
        var messages = typeof(AlertHubDbContext).Assembly.GetTypes()
            .Where(t => typeof(IMessage).IsAssignableFrom(t) && t is { IsClass: true, IsAbstract: false })
            .ToList();
        Assert.True(messages.Count > 50, $"only {messages.Count} messages found");
        var unaccounted = messages
            .Where(t => AuditPolicy.For(System.Runtime.CompilerServices.RuntimeHelpers.GetUninitializedObject(t)) is null && !NotAudited.ContainsKey(t.Name))
            .Select(t => t.Name).Order().ToList();
        Assert.True(unaccounted.Count == 0, "Neither audited nor said why not: " + string.Join(", ", unaccounted));
        var stale = NotAudited.Keys.Where(name => messages.All(t => t.Name != name)).ToList();
        Assert.True(stale.Count == 0, "No such message (any more): " + string.Join(", ", stale));
    }

    /// <summary>Counts the commands that load one person by id, and the reads of the directory version.</summary>
    private sealed class PeopleQueries : DbCommandInterceptor
    {
        private readonly ConcurrentQueue<string> _commands = new();
        private DbContext? _only;

        public int ById => _commands.Count(c => c.Contains("FROM \"People\"", StringComparison.Ordinal) && c.Contains("\"Id\" = ", StringComparison.Ordinal));

        /// <summary>Every command that reads (a query), whatever it reads.</summary>
        public int Reads => _commands.Count;

        /// <summary>Reads of the directory version (<see cref="AlertHub.People.DirectoryCache"/>).</summary>
        public int DirectoryVersions => _commands.Count(c => c.Contains("FROM \"ChangeCounters\"", StringComparison.Ordinal));

        /// <summary>From now on, only the commands of this scope's context (a push or the group writer runs in scopes of its own).</summary>
        public void Reset(DbContext? only = null)
        {
            _only = only;
            _commands.Clear();
        }

        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
            DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            if (_only is null || ReferenceEquals(eventData.Context, _only))
            {
                _commands.Enqueue(command.CommandText);
            }
            return base.ReaderExecutingAsync(command, eventData, result, cancellationToken);
        }
    }
}
