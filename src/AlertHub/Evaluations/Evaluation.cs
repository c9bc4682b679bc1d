using AlertHub.Alerts;
using AlertHub.Client;

namespace AlertHub.Evaluations;

/// <summary>
/// "Na 2 dagen evalueren: wat ging er goed, wat niet en wat moet nog opgepakt worden door wie?"
/// Created with its alert, assigned to the region's team lead; participants are the coordinator who
/// raised the alert and every recipient who answered it.
/// </summary>
internal sealed class Evaluation
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public required Guid AlertId { get; set; }
    public Alert? Alert { get; set; }
    public required string RegionId { get; set; }
    public Guid? TeamLeadId { get; set; }
    public required DateTimeOffset DueAt { get; set; }
    public EvaluationStatus Status { get; set; }
    public string? WentWell { get; set; }
    public string? WentWrong { get; set; }
    public string? Cooperation { get; set; }
    public DateTimeOffset? ClosedAt { get; set; }
    public Guid? ClosedById { get; set; }
    public string? ClosedByName { get; set; }
    public DateTimeOffset? DueNotifiedAt { get; set; }
    public DateTimeOffset? DueSmsSentAt { get; set; }
    public int RemindersSent { get; set; }
    public List<ActionItem> ActionItems { get; set; } = [];
    public List<EvaluationInput> Inputs { get; set; } = [];

    public bool IsOverdue(DateTimeOffset now) => Status == EvaluationStatus.Open && now >= DueAt;

    public EvaluationDto ToDto(DateTimeOffset now) => new(
        Id, AlertId, RegionId, DueAt, Status, WentWell, WentWrong, Cooperation,
        ActionItems.OrderBy(a => a.Position).Select(a => new ActionItemDto(a.Id, a.Description, a.Owner, a.DueDate, a.Done)).ToList(),
        ClosedAt, ClosedByName, Alert?.SchoolName ?? "", Alert?.RaisedAt ?? DueAt, IsOverdue(now),
        Inputs.OrderBy(i => i.At).ThenBy(i => i.Id).Select(i => new EvaluationInputDto(i.At, i.ByName, i.Field, i.Text)).ToList());
}

internal sealed class ActionItem
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid EvaluationId { get; set; }
    public int Position { get; set; }
    public required string Description { get; set; }
    public string? Owner { get; set; }
    public DateOnly? DueDate { get; set; }
    public bool Done { get; set; }
}

/// <summary>One contribution to an evaluation, kept as written (who wrote what).</summary>
internal sealed class EvaluationInput
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid EvaluationId { get; set; }
    public required Guid ById { get; set; }
    public required string ByName { get; set; }
    public required string Field { get; set; }
    public required string Text { get; set; }
    public required DateTimeOffset At { get; set; }
}

internal sealed class EvaluationsOptions
{
    public const string SectionName = "Evaluations";

    [System.ComponentModel.DataAnnotations.Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")]
    public TimeSpan DueAfter { get; set; } = TimeSpan.FromDays(2);

    [System.ComponentModel.DataAnnotations.Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")]
    public TimeSpan RemindEvery { get; set; } = TimeSpan.FromDays(1);
}
