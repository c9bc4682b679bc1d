using System.Collections.Concurrent;
using AlertHub.Client;
using AlertHub.Testing;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AlertHub.Tests.Security;

public sealed class LogScrubbingTests
{
    [Fact]
    public async Task AFullScenarioAtDebugLevel_LogsNoTokenPhoneNumberNameOrNoteText()
    {
        var sink = new CapturingLoggerProvider();
        var settings = new Dictionary<string, string?>
        {
            // As chatty as an operator could make it: everything at Debug, including ASP.NET Core and EF Core.
            ["Logging:LogLevel:Default"] = "Debug",
            ["Logging:LogLevel:Microsoft"] = "Debug",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Debug",
            ["Logging:LogLevel:Microsoft.EntityFrameworkCore"] = "Debug",
            ["Alerts:SmsFallbackAfter"] = "00:00:01",
            ["Hotline:Opens"] = "00:00",
            ["Hotline:Closes"] = "23:59",
        };
        await using var host = await TestHost.StartAsync(settings: settings, services: s => s.AddSingleton<ILoggerProvider>(sink));

        const string note = "Mohammed Pietersen (14) dreigde met een mes bij de kantine";
        var police = await host.ListenAsync(TestHost.Police); // WebSockets: the token travels in the query string
        var coordinator = await host.LoginAsync(TestHost.Coordinator);
        // Browsers cannot set headers on WebSockets and send the token as ?access_token=…
        using (var anonymous = host.CreateHttp())
        using (var negotiate = await anonymous.PostAsync($"/hubs/alerts/negotiate?negotiateVersion=1&access_token={police.Client.AccessToken}", null))
        {
            Assert.Equal(System.Net.HttpStatusCode.OK, negotiate.StatusCode);
        }
        var alert = await coordinator.RaiseAsync(new RaiseAlertRequest(Note: note));
        await police.WaitForAsync(HubNames.AlertRaised, a => a.Id == alert.Id);
        await police.Connection.InvokeAsync<AlertDto>(HubNames.Acknowledge, alert.Id, AckResponse.OnMyWay);
        await coordinator.PostUpdateAsync(alert.Id, "Moeder van Mohammed is gebeld");
        await Task.Delay(2500); // the SMS fallback runs and writes to the local outbox
        await coordinator.ResolveAsync(alert.Id, "Leerling Pietersen opgevangen door mentor");
        await Eventually.HoldsAsync(() => Task.FromResult(sink.Lines.Count), n => n > 50, what: "log output");

        var log = string.Join('\n', sink.Lines);
        Assert.Contains("SMS", log); // the scenario did log, including the SMS path
        Assert.DoesNotContain(police.Client.AccessToken!, log);
        Assert.DoesNotContain(coordinator.AccessToken!, log);
        Assert.DoesNotContain("access_token=", log);
        Assert.DoesNotMatch(@"\+316\d{8}", log);
        foreach (var secret in new[] { "Mohammed", "Pietersen", "kantine", "Sanne de Vries", "Wijkagent Jansen", "Demo-2026!" })
        {
            Assert.DoesNotContain(secret, log);
        }
    }

    private sealed class CapturingLoggerProvider : ILoggerProvider
    {
        public ConcurrentQueue<string> Lines { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Capturing(categoryName, Lines);

        public void Dispose()
        {
        }

        private sealed class Capturing(string category, ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception}");
        }
    }
}
