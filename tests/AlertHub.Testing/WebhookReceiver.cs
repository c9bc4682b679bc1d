using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AlertHub.Testing;

/// <summary>
/// A partner system's webhook receiver on loopback, as the README tells one to be built: it records every attempt,
/// checks the signature with the secret it was given, refuses a timestamp more than five minutes from the hub's clock,
/// and answers what the test asks for (a 500 for the next n attempts).
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Received> _received = new();
    private readonly ConcurrentDictionary<string, ConcurrentQueue<int>> _faults = new();
    private readonly ConcurrentDictionary<string, string> _secrets = new();

    private WebhookReceiver(WebApplication app) => _app = app;

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>The receiver's idea of now (the hub's test clock), for the replay check.</summary>
    public Func<DateTimeOffset> Clock { get; set; } = () => DateTimeOffset.UtcNow;

    public IReadOnlyList<Received> Attempts => [.. _received];

    /// <summary>Attempts that were answered 2xx with a valid signature, on one path.</summary>
    public IReadOnlyList<Received> Accepted(string name) => _received.Where(r => r.Name == name && r.Status == 200).ToList();

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        app.MapPost("/hooks/{name}", (string name, HttpContext context) => receiver.HandleAsync(name, context));
        await app.StartAsync();
        receiver.BaseAddress = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return receiver;
    }

    public string Url(string name) => new Uri(BaseAddress, "/hooks/" + name).ToString();

    public void UseSecret(string name, string secret) => _secrets[name] = secret;

    public void FailNext(string name, int status, int times = 1)
    {
        var queue = _faults.GetOrAdd(name, _ => new ConcurrentQueue<int>());
        for (var i = 0; i < times; i++)
        {
            queue.Enqueue(status);
        }
    }

    public Task<Received> WaitForAsync(string name, string @event, TimeSpan? timeout = null) =>
        WaitForAsync(r => r.Name == name && r.Event == @event && r.Status == 200, $"{@event} at {name}", timeout);

    public async Task<Received> WaitForAsync(Func<Received, bool> match, string what, TimeSpan? timeout = null)
    {
        await Eventually.TrueAsync(() => _received.Any(match), what, timeout);
        return _received.First(match);
    }

    private async Task HandleAsync(string name, HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer);
        var body = buffer.ToArray();
        var headers = context.Request.Headers;
        var status = Check(name, headers, body);
        if (status == 200 && _faults.TryGetValue(name, out var faults) && faults.TryDequeue(out var fault))
        {
            status = fault;
        }
        _received.Enqueue(new Received(name, headers["X-AlertHub-Event"].ToString(), headers["X-AlertHub-Delivery"].ToString(),
            headers["X-AlertHub-Timestamp"].ToString(), headers["X-AlertHub-Signature"].ToString(), Encoding.UTF8.GetString(body), status));
        context.Response.StatusCode = status;
    }

    /// <returns>200, or 401 for a wrong or missing signature, 408 for a stale timestamp.</returns>
    private int Check(string name, IHeaderDictionary headers, byte[] body)
    {
        if (!_secrets.TryGetValue(name, out var secret))
        {
            return 401;
        }
        var timestamp = headers["X-AlertHub-Timestamp"].ToString();
        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return 401;
        }
        var expected = "v1=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret),
            (byte[])[.. Encoding.UTF8.GetBytes(timestamp + "."), .. body]));
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(headers["X-AlertHub-Signature"].ToString())))
        {
            return 401;
        }
        return Math.Abs(Clock().ToUnixTimeSeconds() - seconds) > 300 ? 408 : 200;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    public sealed record Received(string Name, string Event, string DeliveryId, string Timestamp, string Signature, string Body, int Status)
    {
        public JsonElement Json => JsonDocument.Parse(Body).RootElement;
    }
}
