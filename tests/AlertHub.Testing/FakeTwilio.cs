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
/// Twilio (201, sid, status "queued"), lists messages like Twilio (GET Messages.json with To/From/DateSent
/// filters, newest first, paged with next_page_uri), can be told to answer 429/500/slowly — before accepting
/// or after it (the message exists at "Twilio" although the hub never heard so) — and to refuse a number for
/// good, and sends status callbacks and inbound SMS signed the way Twilio signs them (its own implementation,
/// on purpose).
/// </summary>
public sealed class FakeTwilio : IAsyncDisposable
{
    // Deliberately not hex after "AC", so it can never be mistaken for (or used as) a real account SID.
    public const string AccountSid = "ACfakefakefakefakefakefakefake0001";
    public const string AuthToken = "fake-auth-token-0123456789";
    public const string From = "+3197000000001";

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Fault> _faults = new();
    private readonly ConcurrentDictionary<string, ConcurrentQueue<Fault>> _faultsByNumber = new();
    private readonly ConcurrentDictionary<string, int> _refusedNumbers = new();
    private readonly ConcurrentDictionary<string, (string Status, string? ErrorCode)> _statuses = new();
    private readonly ConcurrentQueue<HttpStatusCode> _listFaults = new();
    private int _listRequests;
    private readonly ConcurrentQueue<Attempt> _attempts = new();
    private readonly ConcurrentQueue<SentMessage> _messages = new();
    private readonly ConcurrentQueue<Redaction> _redactions = new();
    private readonly HttpClient _callbacks = new() { Timeout = TimeSpan.FromSeconds(10) };

    private readonly TimeProvider _clock;

    private FakeTwilio(WebApplication app, TimeProvider clock)
    {
        _app = app;
        _clock = clock;
    }

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>Every POST that reached the Messages endpoint, including the faulted ones.</summary>
    public IReadOnlyList<Attempt> Attempts => [.. _attempts];

    /// <summary>Messages accepted (201).</summary>
    public IReadOnlyList<SentMessage> Messages => [.. _messages];

    /// <summary>Redaction requests (POST to a message with an empty Body) for messages this fake sent.</summary>
    public IReadOnlyList<Redaction> Redactions => [.. _redactions];

    /// <param name="clock">Twilio's clock, which stamps the messages: the hub's, as in real life (default: the run's shared running test clock; a hub process runs on the system clock).</param>
    public static async Task<FakeTwilio> StartAsync(TimeProvider? clock = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var fake = new FakeTwilio(app, clock ?? TestClock.Running());
        app.MapPost("/2010-04-01/Accounts/{sid}/Messages.json", (string sid, HttpContext context) => fake.HandleAsync(sid, context));
        app.MapGet("/2010-04-01/Accounts/{sid}/Messages.json", (string sid, HttpContext context) => fake.HandleListAsync(sid, context));
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

    /// <summary>The next send (to <paramref name="to"/>, or any) is answered with this status without being accepted.</summary>
    public void FailNextWith(HttpStatusCode status, int? retryAfterSeconds = null, string? to = null) =>
        Enqueue(new Fault(FaultKind.FailBeforeAccepting, status, TimeSpan.Zero, retryAfterSeconds), to);

    /// <summary>The next send waits this long before it is accepted; a caller that gives up first sent nothing.</summary>
    public void DelayNext(TimeSpan delay, string? to = null) => Enqueue(new Fault(FaultKind.HoldBeforeAccepting, HttpStatusCode.Created, delay, null), to);

    /// <summary>The next send is accepted (it is in the Messages list, callbacks follow) but answered only after this long.</summary>
    public void AcceptThenHold(TimeSpan delay, string? to = null) => Enqueue(new Fault(FaultKind.HoldAfterAccepting, HttpStatusCode.Created, delay, null), to);

    /// <summary>The next send is accepted, and then answered with this status (a 5xx after the message was created).</summary>
    public void AcceptThenFail(HttpStatusCode status = HttpStatusCode.InternalServerError, string? to = null) =>
        Enqueue(new Fault(FaultKind.FailAfterAccepting, status, TimeSpan.Zero, null), to);

    /// <summary>Every send to this number is refused with HTTP 400 and this Twilio error code (21211, 21610, 21614).</summary>
    public void Refuse(string to, int code) => _refusedNumbers[to] = code;

    /// <summary>The next Messages list request is answered with this status.</summary>
    public void FailNextListWith(HttpStatusCode status) => _listFaults.Enqueue(status);

    /// <summary>How many Messages list requests (pages) were made.</summary>
    public int ListRequests => Volatile.Read(ref _listRequests);

    /// <summary>Accepted messages to one number.</summary>
    public IReadOnlyList<SentMessage> MessagesTo(string to) => [.. _messages.Where(m => m.To == to)];

    private void Enqueue(Fault fault, string? to)
    {
        if (to is null)
        {
            _faults.Enqueue(fault);
        }
        else
        {
            _faultsByNumber.GetOrAdd(to, _ => new ConcurrentQueue<Fault>()).Enqueue(fault);
        }
    }

    private Fault? TakeFault(string? to) =>
        to is not null && _faultsByNumber.TryGetValue(to, out var mine) && mine.TryDequeue(out var fault) ? fault
        : _faults.TryDequeue(out var any) ? any : null;

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
        _statuses[message.Sid] = (status, errorCode);
        return PostSignedAsync(new Uri(message.StatusCallback ?? throw new InvalidOperationException("No StatusCallback was given.")), fields, signatureOverride);
    }

    /// <summary>An SMS from a phone to our number, as Twilio would post it to the hub.</summary>
    /// <param name="messageSid">Twilio's id of the inbound message: pass the same one again to replay it.</param>
    public Task<HttpResponseMessage> SendInboundAsync(Uri hubBase, string from, string body, string? signatureOverride = null, string? messageSid = null) =>
        PostSignedAsync(new Uri(hubBase, "/webhooks/twilio/sms"), new Dictionary<string, string>
        {
            ["AccountSid"] = AccountSid, ["MessageSid"] = messageSid ?? NewSid(), ["From"] = from, ["To"] = From,
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

    public static string NewSid() => "SM" + Guid.NewGuid().ToString("N");

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
        var to = form?["To"].ToString();
        var body = form?["Body"].ToString();
        var fault = TakeFault(to);
        switch (fault?.Kind)
        {
            case FaultKind.FailBeforeAccepting:
                context.Response.StatusCode = (int)fault.Status;
                if (fault.RetryAfterSeconds is { } seconds)
                {
                    context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                }
                await context.Response.WriteAsJsonAsync(new { code = fault.Status == HttpStatusCode.TooManyRequests ? 20429 : 20500, message = "fault", status = (int)fault.Status });
                return;
            case FaultKind.HoldBeforeAccepting when !await HoldAsync(fault.Delay, context):
                return; // the caller gave up first: nothing was accepted
        }
        if (string.IsNullOrEmpty(to) || !to.StartsWith('+') || to.Length < 9)
        {
            await RefuseAsync(context, 21211, "The 'To' number is not a valid phone number.");
            return;
        }
        if (_refusedNumbers.TryGetValue(to, out var refusal))
        {
            await RefuseAsync(context, refusal, refusal == 21610 ? "Attempt to send to unsubscribed recipient" : "The 'To' number is not a valid phone number.");
            return;
        }
        if (string.IsNullOrEmpty(body) || form?["From"].ToString() != From)
        {
            await RefuseAsync(context, 21602, "Message body is required.");
            return;
        }
        var message = new SentMessage(NewSid(), to, body, form?["StatusCallback"].ToString() is { Length: > 0 } cb ? cb : null, _clock.GetUtcNow());
        _statuses[message.Sid] = ("queued", null);
        _messages.Enqueue(message);
        switch (fault?.Kind)
        {
            case FaultKind.HoldAfterAccepting when !await HoldAsync(fault.Delay, context):
                return; // accepted, but the caller stopped waiting for the answer
            case FaultKind.FailAfterAccepting:
                context.Response.StatusCode = (int)fault.Status;
                await context.Response.WriteAsJsonAsync(new { code = 20500, message = "An internal server error has occurred", status = (int)fault.Status });
                return;
        }
        context.Response.StatusCode = 201;
        await context.Response.WriteAsJsonAsync(Resource(message));
    }

    private static async Task<bool> HoldAsync(TimeSpan delay, HttpContext context)
    {
        try
        {
            await Task.Delay(delay, context.RequestAborted);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static async Task RefuseAsync(HttpContext context, int code, string text)
    {
        context.Response.StatusCode = 400;
        await context.Response.WriteAsJsonAsync(new { code, message = text, more_info = $"https://www.twilio.com/docs/errors/{code}", status = 400 });
    }

    // Twilio's Messages list: filters To, From, DateSent (a day, or DateSent> / DateSent< an instant), newest first, paged.
    private async Task HandleListAsync(string sid, HttpContext context)
    {
        Interlocked.Increment(ref _listRequests);
        if (!IsAuthorised(context.Request, sid))
        {
            context.Response.StatusCode = 401;
            await context.Response.WriteAsJsonAsync(new { code = 20003, message = "Authenticate", status = 401 });
            return;
        }
        if (_listFaults.TryDequeue(out var failure))
        {
            context.Response.StatusCode = (int)failure;
            await context.Response.WriteAsJsonAsync(new { code = 20500, message = "fault", status = (int)failure });
            return;
        }
        var query = context.Request.Query;
        IEnumerable<SentMessage> found = _messages.Reverse();
        if (query.TryGetValue("To", out var to))
        {
            found = found.Where(m => m.To == to.ToString());
        }
        if (query.TryGetValue("From", out var from) && from.ToString() != From)
        {
            found = [];
        }
        if (query.TryGetValue("DateSent>", out var after))
        {
            var instant = DateTimeOffset.Parse(after.ToString(), System.Globalization.CultureInfo.InvariantCulture);
            found = found.Where(m => m.At >= instant);
        }
        if (query.TryGetValue("DateSent<", out var before))
        {
            var instant = DateTimeOffset.Parse(before.ToString(), System.Globalization.CultureInfo.InvariantCulture);
            found = found.Where(m => m.At <= instant);
        }
        if (query.TryGetValue("DateSent", out var day))
        {
            var date = DateOnly.Parse(day.ToString()[..10], System.Globalization.CultureInfo.InvariantCulture);
            found = found.Where(m => DateOnly.FromDateTime(m.At.UtcDateTime) == date);
        }
        var pageSize = query.TryGetValue("PageSize", out var size) ? int.Parse(size.ToString(), System.Globalization.CultureInfo.InvariantCulture) : 50;
        var page = query.TryGetValue("Page", out var number) ? int.Parse(number.ToString(), System.Globalization.CultureInfo.InvariantCulture) : 0;
        var all = found.ToList();
        var items = all.Skip(page * pageSize).Take(pageSize).Select(Resource).ToList();
        var path = $"/2010-04-01/Accounts/{AccountSid}/Messages.json";
        var filters = string.Concat(query.Where(q => q.Key is not ("Page" or "PageSize" or "PageToken")).Select(q => $"&{q.Key}={Uri.EscapeDataString(q.Value.ToString())}"));
        var next = (page + 1) * pageSize < all.Count ? $"{path}?PageSize={pageSize}&Page={page + 1}&PageToken=PA{page + 1}{filters}" : null;
        await context.Response.WriteAsJsonAsync(new Dictionary<string, object?>
        {
            ["messages"] = items,
            ["page"] = page, ["page_size"] = pageSize, ["start"] = page * pageSize, ["end"] = page * pageSize + items.Count - 1,
            ["uri"] = $"{path}?PageSize={pageSize}&Page={page}", ["first_page_uri"] = $"{path}?PageSize={pageSize}&Page=0",
            ["next_page_uri"] = next, ["previous_page_uri"] = page > 0 ? $"{path}?PageSize={pageSize}&Page={page - 1}" : null,
        });
    }

    private Dictionary<string, object?> Resource(SentMessage message)
    {
        var (status, errorCode) = _statuses.TryGetValue(message.Sid, out var known) ? known : ("queued", null);
        var date = message.At.ToString("ddd, dd MMM yyyy HH:mm:ss +0000", System.Globalization.CultureInfo.InvariantCulture);
        return new Dictionary<string, object?>
        {
            ["sid"] = message.Sid, ["account_sid"] = AccountSid, ["to"] = message.To, ["from"] = From, ["body"] = message.Body,
            ["status"] = status, ["error_code"] = errorCode is null ? null : int.Parse(errorCode, System.Globalization.CultureInfo.InvariantCulture),
            ["num_segments"] = "1", ["direction"] = "outbound-api", ["api_version"] = "2010-04-01",
            ["date_created"] = date, ["date_updated"] = date, ["date_sent"] = date,
            ["uri"] = $"/2010-04-01/Accounts/{AccountSid}/Messages/{message.Sid}.json",
        };
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

    public sealed record SentMessage(string Sid, string To, string Body, string? StatusCallback, DateTimeOffset At);

    private enum FaultKind
    {
        FailBeforeAccepting,
        HoldBeforeAccepting,
        HoldAfterAccepting,
        FailAfterAccepting,
    }

    private sealed record Fault(FaultKind Kind, HttpStatusCode Status, TimeSpan Delay, int? RetryAfterSeconds);
}
