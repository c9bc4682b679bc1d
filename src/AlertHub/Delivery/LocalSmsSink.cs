using AlertHub.Infrastructure;
using System.Text.Json;
using AlertHub.Client;
using Microsoft.Extensions.Options;

namespace AlertHub.Delivery;

/// <summary>
/// Without Twilio credentials SMS go to <c>data/sms-outbox.jsonl</c>, so the demo and tests show
/// exactly what would be sent. The log line names the message, never the number.
/// </summary>
internal sealed class LocalSmsSink(IOptions<SmsOptions> options, IWebHostEnvironment environment, TimeProvider time, ILogger<LocalSmsSink> logger)
    : ISmsSender
{
    private static readonly SemaphoreSlim Gate = new(1, 1);

    public string Path => options.Value.OutboxPath ?? System.IO.Path.Combine(environment.ContentRootPath, "data", "sms-outbox.jsonl");

    public async Task<SmsSendResult> SendAsync(string to, string body, CancellationToken ct)
    {
        var sid = "LOCAL" + Guid.NewGuid().ToString("N")[..16];
        var line = JsonSerializer.Serialize(new { sid, to, body, at = time.Now() }, AlertHubJson.Options);
        await Gate.WaitAsync(ct);
        try
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
            await File.AppendAllTextAsync(Path, line + "\n", ct);
        }
        finally
        {
            Gate.Release();
        }
        logger.LogInformation("SMS {Sid} written to the local outbox ({Length} characters)", sid, body.Length);
        return SmsSendResult.Accepted(sid, SmsStatus.Sent);
    }

    /// <summary>After a crash between writing the line and recording it: the file is the provider's list.</summary>
    public async Task<SmsLookup> FindAsync(string to, string body, DateTimeOffset since, IReadOnlySet<string> knownSids, CancellationToken ct)
    {
        if (!File.Exists(Path))
        {
            return new SmsLookup.Absent();
        }
        await Gate.WaitAsync(ct);
        try
        {
            foreach (var line in await File.ReadAllLinesAsync(Path, ct))
            {
                var sent = JsonSerializer.Deserialize<SinkLine>(line, AlertHubJson.Options);
                if (sent is not null && sent.To == to && sent.Body == body && sent.At >= since && !knownSids.Contains(sent.Sid))
                {
                    return new SmsLookup.Found(sent.Sid, SmsStatus.Sent, null);
                }
            }
            return new SmsLookup.Absent();
        }
        finally
        {
            Gate.Release();
        }
    }

    private sealed record SinkLine(string Sid, string To, string Body, DateTimeOffset At);
}
