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
}
