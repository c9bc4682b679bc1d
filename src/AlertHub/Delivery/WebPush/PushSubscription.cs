namespace AlertHub.Delivery.WebPush;

/// <summary>
/// A browser's push subscription (the W3C Push API's <c>PushSubscription.toJSON()</c>) bound to the person who
/// signed in on it. The endpoint is unique: subscribing it again re-binds it to whoever is signed in now.
/// </summary>
internal sealed class PushSubscription
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid PersonId { get; set; }
    public required string Endpoint { get; set; }

    /// <summary>The browser's P-256 key (base64url, 65 bytes) the payload is encrypted to.</summary>
    public required string P256dh { get; set; }

    /// <summary>The browser's 16-byte authentication secret (base64url).</summary>
    public required string Auth { get; set; }

    /// <summary>The sign-in (device session) it was made in, from the access token's <c>device_session</c> claim when there is one.</summary>
    public Guid? DeviceSessionId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? LastSuccessAt { get; set; }

    /// <summary>Failed sends in a row (429/5xx/network); reset by a success.</summary>
    public int Failures { get; set; }
}

/// <summary>
/// One push to one subscription, written in the transaction that made its person a recipient (or by the repeat
/// job), with its <c>webpush-send</c> job. <see cref="Repeat"/> 0 is the first push; unique per
/// (subscription, recipient, repeat), so no push is written twice.
/// </summary>
internal sealed class WebPushMessage
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid AlertId { get; set; }
    public Guid RecipientId { get; set; }
    public Guid PersonId { get; set; }
    public Guid SubscriptionId { get; set; }
    public int Repeat { get; set; }

    /// <summary>
    /// Issue 17: a push that says the alert's instruction changed (its version); 0 for the alert's own push. It never
    /// carries the text: a lock screen shows "Nieuwe instructie", the app shows the words after sign-in.
    /// </summary>
    public int InstructionVersion { get; set; }

    /// <summary>Caused by an escalation or a repeat: the device should alert again even if it shows this alert already.</summary>
    public bool Renotify { get; set; }
    public WebPushStatus Status { get; set; } = WebPushStatus.Pending;
    public int Attempts { get; set; }

    /// <summary>The push service's last answer (status code) or the error, for operators.</summary>
    public string? Error { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

internal enum WebPushStatus
{
    /// <summary>Written, not yet accepted by the push service (also while retried after a 429/5xx).</summary>
    Pending,
    /// <summary>The push service accepted it (201/202).</summary>
    Sent,
    /// <summary>Refused for good (a 4xx other than 404/410/429), or the endpoint is no longer allowed.</summary>
    Failed,
    /// <summary>The subscription ended (404/410, or removed by its owner) before it went out.</summary>
    Gone,
    /// <summary>Not needed any more: the recipient answered or the alert closed first.</summary>
    Cancelled,
}

/// <summary>The VAPID key pair every node signs with, when the settings give none: made once, by whichever node needs it first.</summary>
internal sealed class VapidKey
{
    public const int SingleId = 1;

    public int Id { get; set; } = SingleId;
    public required string PublicKey { get; set; }
    public required string PrivateKey { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}
