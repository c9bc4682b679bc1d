namespace AlertHub.Delivery;

internal interface ISmsSender
{
    Task<SmsSendResult> SendAsync(string to, string body, CancellationToken ct);
}

/// <summary>What became of one attempt to hand an SMS to the provider.</summary>
internal sealed record SmsSendResult(SmsStatus Status, string? ProviderSid = null, string? ErrorCode = null)
{
    public static SmsSendResult Accepted(string sid, SmsStatus status = SmsStatus.Queued) => new(status, sid);
    public static SmsSendResult NotSent(string reason) => new(SmsStatus.NotSent, ErrorCode: reason);
    public static SmsSendResult Uncertain(string reason) => new(SmsStatus.Uncertain, ErrorCode: reason);
    public static SmsSendResult Rejected(string code) => new(SmsStatus.Failed, ErrorCode: code);
}
