using System.Collections.Concurrent;
using System.Net;
using AlertHub.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace AlertHub.Tests.Security;

/// <summary>
/// The production nginx site (deploy/nginx/alerthub.conf) in real nginx, in front of a small loopback node: browsers
/// send the hub's access token in the query string, and the access log must keep the request but not the token.
/// </summary>
[Trait("Category", "Nginx")]
public sealed class NginxLogTests
{
    private const string Token = "eyJhbGciOiJIUzI1NiJ9.SECRET-payload.SECRET-signature";

    [NginxFact]
    public async Task TheAccessLog_KeepsTheHubRequest_ButNotItsAccessToken()
    {
        await using var node = await Node.StartAsync();
        await using var nginx = await NginxServer.StartAsync(node.Port);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{nginx.Port}"), Timeout = TimeSpan.FromSeconds(10) };

        (HttpMethod Method, string Target)[] requests =
        [
            (HttpMethod.Post, $"/hubs/alerts/negotiate?negotiateVersion=1&access_token={Token}"),
            (HttpMethod.Get, $"/hubs/alerts?id=conn-1&access_token={Token}"),
            // As ASP.NET Core reads it: any case, and the parameter twice.
            (HttpMethod.Get, $"/hubs/alerts?id=conn-2&ACCESS_TOKEN={Token}"),
            (HttpMethod.Get, $"/hubs/alerts?access_token={Token}&access_token={Token}&id=conn-3"),
            (HttpMethod.Get, "/api/alerts?status=open"),
        ];
        foreach (var (method, target) in requests)
        {
            using var response = await http.SendAsync(new HttpRequestMessage(method, target));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        // System.Uri would turn %5F back into "_": this one goes out byte for byte.
        Assert.Contains(" 200 OK", await RawGetAsync(nginx.Port, $"/hubs/alerts?id=conn-4&access%5Ftoken={Token}"), StringComparison.Ordinal);
        // nginx passes the token on untouched; only its log leaves it out.
        Assert.Contains(node.Targets, t => t == $"/hubs/alerts?id=conn-1&access_token={Token}");

        var log = await Eventually.HoldsAsync(() => Task.FromResult(nginx.AccessLog),
            l => l.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length > requests.Length, TimeSpan.FromSeconds(10), "one access log line per request");
        Assert.Contains("\"POST /hubs/alerts/negotiate?negotiateVersion=1&access_token=REDACTED HTTP/1.1\" 200", log);
        Assert.Contains("\"GET /hubs/alerts?id=conn-1&access_token=REDACTED HTTP/1.1\" 200", log);
        Assert.Contains("\"GET /hubs/alerts?id=conn-2&ACCESS_TOKEN=REDACTED HTTP/1.1\"", log);
        Assert.Contains("\"GET /hubs/alerts?id=conn-4&access%5Ftoken=REDACTED HTTP/1.1\"", log);
        Assert.Contains("\"GET /hubs/alerts?access_token=REDACTED&access_token=REDACTED&id=conn-3 HTTP/1.1\"", log);
        Assert.Contains("\"GET /api/alerts?status=open HTTP/1.1\" 200", log);
        Assert.Contains($"node=127.0.0.1:{node.Port}", log); // answered through the site's upstream, not by nginx itself
        Assert.DoesNotContain("SECRET", log);
        Assert.DoesNotContain("eyJ", log);
    }

    private static async Task<string> RawGetAsync(int port, string target)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var client = new System.Net.Sockets.TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port, timeout.Token);
        var stream = client.GetStream();
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(
            $"GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"), timeout.Token);
        using var reader = new StreamReader(stream, System.Text.Encoding.ASCII);
        return await reader.ReadToEndAsync(timeout.Token);
    }

    /// <summary>Stands in for a hub node: answers everything with 200 and remembers the request targets it got.</summary>
    private sealed class Node : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private Node(WebApplication app, int port, ConcurrentQueue<string> targets)
        {
            _app = app;
            Port = port;
            Targets = targets;
        }

        public int Port { get; }

        public ConcurrentQueue<string> Targets { get; }

        public static async Task<Node> StartAsync()
        {
            var port = FreePort.Next();
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
            builder.Logging.ClearProviders();
            var app = builder.Build();
            var targets = new ConcurrentQueue<string>();
            app.Run(context =>
            {
                targets.Enqueue(context.Request.Path + context.Request.QueryString);
                return context.Response.WriteAsync("node");
            });
            await app.StartAsync();
            return new Node(app, port, targets);
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}

/// <summary>A fact that needs Debian's nginx; skipped, saying so, only where it is not installed (.ci/run installs it).</summary>
public sealed class NginxFactAttribute : FactAttribute
{
    public NginxFactAttribute()
    {
        if (!NginxServer.Installed)
        {
            Skip = $"nginx is not installed ({NginxServer.Binary}); apt-get install nginx (.ci/run does).";
        }
    }
}
