using AlertHub.Client;

namespace AlertHub.Alerts;

internal sealed class Alert
{
    /// <summary>Allocated by the database; increases with every alert of the deployment.</summary>
    public long Sequence { get; set; }
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public required string RegionId { get; set; }
    public required string SchoolId { get; set; }
    public required string SchoolName { get; set; }
    public AlertKind Kind { get; set; }
    public string? Note { get; set; }
    public AlertStatus Status { get; set; }
    public required Guid RaisedById { get; set; }
    public required string RaisedByName { get; set; }
    public required DateTimeOffset RaisedAt { get; set; }
    public bool HotlineOpen { get; set; }
    public string? IdempotencyKey { get; set; }

    /// <summary>
    /// A drill ("Oefening", issue 17): routed, pushed and texted like a real alert with every text starting
    /// <c>OEFENING</c>; no evaluation, not in the dashboard, and its own report (<see cref="GetDrillReport"/>).
    /// </summary>
    public bool Drill { get; set; }

    /// <summary>
    /// CONTRACT v2: 1 when raised, +1 on every change of the alert or of its recipients, updates and answers.
    /// Clients drop anything not newer. A decision on the alert itself (resolve, cancel) saves only if nobody
    /// changed it in between (the concurrency token), so two resolves cannot both win.
    /// </summary>
    public long Version { get; set; } = 1;

    /// <summary>Where the alert's latest change stands in commit order (the change feed's cursor); see <see cref="AlertVersions"/>.</summary>
    public long ChangeSeq { get; set; }

    /// <summary>Where the raise stands in commit order: the v1 catch-up by sequence cannot skip a late commit with it.</summary>
    public long RaiseOrder { get; set; }

    /// <summary>Six characters for the SMS link; carries nothing about the alert.</summary>
    public string ShortCode { get; set; } = Delivery.ShortCodes.New();
    public string? Outcome { get; set; }
    public DateTimeOffset? ClosedAt { get; set; }
    public Guid? ClosedById { get; set; }
    public Guid? EvaluationId { get; set; }

    /// <summary>When the retention purge removed its texts, names and phone numbers (R10); the figures stay.</summary>
    public DateTimeOffset? PurgedAt { get; set; }

    /// <summary>
    /// Issue 17: the one current instruction for everyone on the alert ("Blijf binnen"); 0 = none yet. Every
    /// replacement is kept in <see cref="AlertInstruction"/> with who set it and when.
    /// </summary>
    public int InstructionVersion { get; set; }
    public string? InstructionText { get; set; }
    public string? InstructionByName { get; set; }
    public DateTimeOffset? InstructionAt { get; set; }

    /// <summary>
    /// Issue 17: a required discipline had nobody on call or reachable when the alert was raised — "Geen handhaving
    /// bereikbaar — bel …", one line per discipline — shown to the coordinator at once and to the team lead.
    /// </summary>
    public string? CoverageNotice { get; set; }

    public List<Recipient> Recipients { get; set; } = [];
    public List<AlertUpdate> Updates { get; set; } = [];
    public List<Acknowledgement> Acknowledgements { get; set; } = [];

    public bool IsOpen => Status == AlertStatus.Open;

    public Recipient? RecipientFor(Guid personId) => Recipients.FirstOrDefault(r => r.PersonId == personId);

    public AlertDto ToDto() => new(
        Id, Sequence, RegionId, SchoolId, SchoolName, Kind, Note, Status, RaisedByName, RaisedAt, HotlineOpen,
        Recipients.OrderBy(r => r.Name, StringComparer.Ordinal)
            .Select(r => r.ToDto())
            .ToList(),
        Updates.OrderBy(u => u.At).ThenBy(u => u.Id).Select(u => new AlertUpdateDto(u.At, u.ByName, u.Text)).ToList(),
        EvaluationId, Outcome, ClosedAt, HotlineOpen ? null : Hotline.HotlineHours.ClosedNotice, Version, Drill,
        InstructionText is null ? null : new InstructionDto(InstructionText, InstructionVersion, InstructionByName ?? "", InstructionAt!.Value),
        CoverageNotice);
}

/// <summary>
/// A person an alert was routed to. Name, organisation and discipline are a snapshot taken at
/// raise time, so the record stays true when the directory changes later.
/// </summary>
internal sealed class Recipient
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid AlertId { get; set; }
    public required Guid PersonId { get; set; }
    public required string Name { get; set; }
    public string? Organisation { get; set; }

    /// <summary>The organisation's id at raise time: an API client or webhook of that organisation sees the alert (R16).</summary>
    public string? OrganisationId { get; set; }
    public Discipline? Discipline { get; set; }
    public RecipientReason Reason { get; set; }
    public DeliveryState Delivery { get; set; }
    public DateTimeOffset? PushedAt { get; set; }
    public DateTimeOffset? ReceivedAt { get; set; }
    public AckResponse? Response { get; set; }
    public DateTimeOffset? RespondedAt { get; set; }

    public RecipientDto ToDto() => new(PersonId, Name, Organisation, Discipline, Delivery, Response, RespondedAt, ReceivedAt);

    public void MarkReceived(DateTimeOffset at)
    {
        ReceivedAt ??= at;
        // A device receipt supersedes the push state; SMS states come from Twilio and stay.
        if (Delivery is DeliveryState.Pending or DeliveryState.Pushed)
        {
            Delivery = DeliveryState.Received;
        }
    }
}

internal enum RecipientReason
{
    FixedContact,
    OnCall,
    Coordinator,
    Backup,
    TeamLead,
    OutOfHours,
}

internal sealed class Acknowledgement
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid AlertId { get; set; }
    public required Guid PersonId { get; set; }
    public required AckResponse Response { get; set; }
    public required DateTimeOffset At { get; set; }
    public required string Channel { get; set; }
}

internal sealed class AlertUpdate
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid AlertId { get; set; }
    public required DateTimeOffset At { get; set; }
    public required Guid ById { get; set; }
    public required string ByName { get; set; }
    public required string Text { get; set; }

    /// <summary>The poster's Idempotency-Key: an update sent again after a lost answer is not posted twice.</summary>
    public string? ClientKey { get; set; }
}

/// <summary>One version of an alert's instruction (issue 17): the history behind <see cref="Alert.InstructionText"/>.</summary>
internal sealed class AlertInstruction
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid AlertId { get; set; }
    public int Version { get; set; }
    public required string Text { get; set; }
    public required Guid ById { get; set; }
    public required string ByName { get; set; }
    public required DateTimeOffset At { get; set; }
}
