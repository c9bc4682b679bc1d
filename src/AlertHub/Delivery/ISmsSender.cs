namespace AlertHub.Delivery;

/// <summary>The SMS provider: Twilio, or the local sink when Twilio is not configured.</summary>
internal interface ISmsSender
{
    Task<SmsSendResult> SendAsync(string to, string body, CancellationToken ct);

    /// <summary>
    /// Reconciliation: is there a message with this body to this number, created at or after <paramref name="since"/>,
    /// whose sid is not one of <paramref name="knownSids"/> (already another row's)?
    /// </summary>
    Task<SmsLookup> FindAsync(string to, string body, DateTimeOffset since, IReadOnlySet<string> knownSids, CancellationToken ct);
}

/// <summary>What became of one attempt to hand an SMS to the provider.</summary>
internal sealed record SmsSendResult(SmsStatus Status, string? ProviderSid = null, string? ErrorCode = null)
{
    public static SmsSendResult Accepted(string sid, SmsStatus status = SmsStatus.Sent) => new(status, sid);

    /// <summary>Nothing reached the provider (circuit open, connection refused, still rate limited): safe to send again.</summary>
    public static SmsSendResult NotSent(string reason) => new(SmsStatus.NotSent, ErrorCode: reason);

    /// <summary>The provider may have accepted it (5xx, timeout, connection lost mid-request): look it up before sending again.</summary>
    public static SmsSendResult Uncertain(string reason) => new(SmsStatus.Uncertain, ErrorCode: reason);

    /// <summary>The provider refused this message (4xx with an error code): sending it again gives the same answer.</summary>
    public static SmsSendResult Refused(string code) => new(SmsStatus.Failed, ErrorCode: code);
}

/// <summary>The answer of a reconciliation lookup.</summary>
internal abstract record SmsLookup
{
    /// <summary>The provider has it: the SMS went out (and now its callbacks can be matched).</summary>
    public sealed record Found(string Sid, SmsStatus Status, string? ErrorCode) : SmsLookup;

    /// <summary>The provider answered and has no such message: it was never accepted, so sending it is safe.</summary>
    public sealed record Absent : SmsLookup;

    /// <summary>The provider could not be asked: try the lookup again later, never send blind.</summary>
    public sealed record Unknown(string Reason) : SmsLookup;
}
