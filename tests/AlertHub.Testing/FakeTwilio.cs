using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AlertHub.Testing;

/// <summary>
/// A Twilio-compatible Messages API on loopback: checks Basic auth and the form fields, answers like
/// Twilio (201, sid, status "queued"), can be told to answer 429/500/slowly, and sends status
/// callbacks and inbound SMS signed the way Twilio signs them (its own implementation, on purpose).
/// </summary>
public sealed class FakeTwilio : IAsyncDisposable
{
    // Deliberately not hex after "AC", so it can never be mistaken for (or used as) a real account SID.
    public const string AccountSid = "ACfakefakefakefakefakefakefake0001";
    public const string AuthToken = "fake-auth-token-0123456789";
    public const string From = "+3197000000001";

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Func<HttpContext, Task<bool>>> _faults = new();
    private readonly ConcurrentQueue<Attempt> _attempts = new();
    private readonly ConcurrentQueue<SentMessage> _messages = new();
    private readonly ConcurrentQueue<Redaction> _redactions = new();
    private readonly HttpClient _callbacks = new() { Timeout = TimeSpan.FromSeconds(10) };

    private FakeTwilio(WebApplication app) => _app = app;

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>Every POST that reached the Messages endpoint, including the faulted ones.</summary>
    public IReadOnlyList<Attempt> Attempts => [.. _attempts];

    /// <summary>Messages accepted (201).</summary>
    public IReadOnlyList<SentMessage> Messages => [.. _messages];

    /// <summary>Redaction requests (POST to a message with an empty Body) for messages this fake sent.</summary>
    public IReadOnlyList<Redaction> Redactions => [.. _redactions];

    public static async Task<FakeTwilio> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var fake = new FakeTwilio(app);
        app.MapPost("/2010-04-01/Accounts/{sid}/Messages.json", (string sid, HttpContext context) => fake.HandleAsync(sid, context));
        app.MapPost("/2010-04-01/Accounts/{sid}/Messages/{messageSid}.json",
            (string sid, string messageSid, HttpContext context) => fake.HandleRedactAsync(sid, messageSid, context));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        fake.BaseAddress = new Uri(address);
        return fake;
    }

    public Dictionary<string, string?> HubSettings(Uri? publicBaseUrl = null) => new()
    {
        ["Twilio:AccountSid"] = AccountSid,
        ["Twilio:AuthToken"] = AuthToken,
        ["Twilio:From"] = From,
        ["Twilio:BaseUrl"] = BaseAddress.ToString(),
        ["Twilio:PublicBaseUrl"] = publicBaseUrl?.ToString(),
    };

    public void FailNextWith(HttpStatusCode status, int? retryAfterSeconds = null) => _faults.Enqueue(async context =>
    {
        context.Response.StatusCode = (int)status;
        if (retryAfterSeconds is { } seconds)
        {
            context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        await context.Response.WriteAsJsonAsync(new { code = status == HttpStatusCode.TooManyRequests ? 20429 : 20500, message = "fault", status = (int)status });
        return true;
    });

    public void DelayNext(TimeSpan delay) => _faults.Enqueue(async context =>
    {
        await Task.Delay(delay, context.RequestAborted);
        return false;
    });

    /// <summary>Waits until at least <paramref name="count"/> messages were accepted.</summary>
    public async Task<IReadOnlyList<SentMessage>> WaitForMessagesAsync(int count, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (_messages.Count < count)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Expected {count} SMS, got {_messages.Count}.");
            }
            await Task.Delay(25);
        }
        return Messages;
    }

    /// <summary>Posts a status callback for a message to its StatusCallback URL, signed like Twilio.</summary>
    public Task<HttpResponseMessage> SendStatusAsync(SentMessage message, string status, string? errorCode = null, string? signatureOverride = null)
    {
        var fields = new Dictionary<string, string>
        {
            ["AccountSid"] = AccountSid, ["MessageSid"] = message.Sid, ["SmsSid"] = message.Sid,
            ["MessageStatus"] = status, ["SmsStatus"] = status, ["To"] = message.To, ["From"] = From, ["ApiVersion"] = "2010-04-01",
        };
        if (errorCode is not null)
        {
            fields["ErrorCode"] = errorCode;
        }
        return PostSignedAsync(new Uri(message.StatusCallback ?? throw new InvalidOperationException("No StatusCallback was given.")), fields, signatureOverride);
    }

    /// <summary>An SMS from a phone to our number, as Twilio would post it to the hub.</summary>
    public Task<HttpResponseMessage> SendInboundAsync(Uri hubBase, string from, string body, string? signatureOverride = null) =>
        PostSignedAsync(new Uri(hubBase, "/webhooks/twilio/sms"), new Dictionary<string, string>
        {
            ["AccountSid"] = AccountSid, ["MessageSid"] = "SM" + Guid.NewGuid().ToString("N"), ["From"] = from, ["To"] = From,
            ["Body"] = body, ["NumMedia"] = "0",
        }, signatureOverride);

    public static string Sign(string authToken, string url, IDictionary<string, string> fields)
    {
        var data = url + string.Concat(fields.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => f.Key + f.Value));
        using var hmac = new HMACSHA1(Encoding.UTF8.GetBytes(authToken));
        return Convert.ToBase64String(hmac.ComputeHash(Encoding.UTF8.GetBytes(data)));
    }

    private async Task<HttpResponseMessage> PostSignedAsync(Uri url, Dictionary<string, string> fields, string? signatureOverride)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new FormUrlEncodedContent(fields) };
        request.Headers.Add("X-Twilio-Signature", signatureOverride ?? Sign(AuthToken, url.ToString(), fields));
        return await _callbacks.SendAsync(request);
    }

    private async Task HandleAsync(string sid, HttpContext context)
    {
        var form = context.Request.HasFormContentType ? await context.Request.ReadFormAsync() : null;
        var attempt = new Attempt(form?["To"].ToString(), form?["Body"].ToString(), DateTimeOffset.UtcNow);
        _attempts.Enqueue(attempt);

        if (!IsAuthorised(context.Request, sid))
        {
            context.Response.StatusCode = 401;
            await context.Response.WriteAsJsonAsync(new { code = 20003, message = "Authenticate", status = 401 });
            return;
        }
        if (_faults.TryDequeue(out var fault) && await fault(context))
        {
            return;
        }
        var to = form?["To"].ToString();
        var body = form?["Body"].ToString();
        if (string.IsNullOrEmpty(to) || !to.StartsWith('+') || to.Length < 9)
        {
            context.Response.StatusCode = 400;
            await context.Response.WriteAsJsonAsync(new { code = 21211, message = "The 'To' number is not a valid phone number.", status = 400 });
            return;
        }
        if (string.IsNullOrEmpty(body) || form?["From"].ToString() != From)
        {
            context.Response.StatusCode = 400;
            await context.Response.WriteAsJsonAsync(new { code = 21602, message = "Message body is required.", status = 400 });
            return;
        }
        var message = new SentMessage("SM" + Guid.NewGuid().ToString("N"), to, body, form?["StatusCallback"].ToString() is { Length: > 0 } cb ? cb : null);
        _messages.Enqueue(message);
        context.Response.StatusCode = 201;
        await context.Response.WriteAsJsonAsync(new
        {
            sid = message.Sid, account_sid = AccountSid, to, from = From, body, status = "queued",
            num_segments = "1", direction = "outbound-api", api_version = "2010-04-01",
        });
    }

    // Twilio's message update: Body="" redacts the text of a message in a final status.
    private async Task HandleRedactAsync(string sid, string messageSid, HttpContext context)
    {
        if (!IsAuthorised(context.Request, sid))
        {
            context.Response.StatusCode = 401;
            await context.Response.WriteAsJsonAsync(new { code = 20003, message = "Authenticate", status = 401 });
            return;
        }
        var form = context.Request.HasFormContentType ? await context.Request.ReadFormAsync() : null;
        var message = _messages.FirstOrDefault(m => m.Sid == messageSid);
        if (message is null)
        {
            context.Response.StatusCode = 404;
            await context.Response.WriteAsJsonAsync(new { code = 20404, message = "Not found", status = 404 });
            return;
        }
        if (form is null || !form.TryGetValue("Body", out var body) || body.ToString() != "")
        {
            context.Response.StatusCode = 400;
            await context.Response.WriteAsJsonAsync(new { code = 21220, message = "Only an empty Body redacts a message.", status = 400 });
            return;
        }
        _redactions.Enqueue(new Redaction(messageSid, DateTimeOffset.UtcNow));
        await context.Response.WriteAsJsonAsync(new { sid = messageSid, account_sid = AccountSid, to = message.To, body = "", status = "delivered" });
    }

    private static bool IsAuthorised(HttpRequest request, string sid)
    {
        var header = request.Headers.Authorization.ToString();
        if (sid != AccountSid || !header.StartsWith("Basic ", StringComparison.Ordinal))
        {
            return false;
        }
        var credentials = Encoding.UTF8.GetString(Convert.FromBase64String(header["Basic ".Length..]));
        return credentials == $"{AccountSid}:{AuthToken}";
    }

    public async ValueTask DisposeAsync()
    {
        _callbacks.Dispose();
        await _app.DisposeAsync();
    }

    public sealed record Attempt(string? To, string? Body, DateTimeOffset At);

    public sealed record Redaction(string Sid, DateTimeOffset At);

    public sealed record SentMessage(string Sid, string To, string Body, string? StatusCallback);
}
