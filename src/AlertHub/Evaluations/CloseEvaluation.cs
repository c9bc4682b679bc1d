using AlertHub.Alerts;
using AlertHub.Client;
using AlertHub.Infrastructure.Data;
using AlertHub.Infrastructure.Errors;
using AlertHub.Infrastructure.Security;
using AlertHub.Infrastructure;
using Mediator;

namespace AlertHub.Evaluations;

/// <summary>Only the team lead closes, and only a complete evaluation: the three questions and every action item's owner and due date.</summary>
[Allowed("Alleen de regievoerder sluit een evaluatie af.", PersonRole.TeamLead)]
internal sealed record CloseEvaluation(Guid CallerId, Guid EvaluationId) : ICommand<EvaluationDto>, ICallerMessage;

internal sealed class CloseEvaluationHandler(AlertHubDbContext db, TimeProvider time, Callers callers) : ICommandHandler<CloseEvaluation, EvaluationDto>
{
    public async ValueTask<EvaluationDto> Handle(CloseEvaluation command, CancellationToken ct)
    {
        var caller = await callers.ActiveAsync(command.CallerId, ct);
        var evaluation = await db.EvaluationForAsync(command.EvaluationId, caller, ct);
        if (evaluation.Status != EvaluationStatus.Open)
        {
            throw new ConflictException("Deze evaluatie is al gesloten.");
        }

        var missing = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(evaluation.WentWell)) missing["wentWell"] = [EvaluationQuestions.NotAnswered(EvaluationQuestions.WentWell)];
        if (string.IsNullOrWhiteSpace(evaluation.WentWrong)) missing["wentWrong"] = [EvaluationQuestions.NotAnswered(EvaluationQuestions.WentWrong)];
        if (string.IsNullOrWhiteSpace(evaluation.Cooperation)) missing["cooperation"] = [EvaluationQuestions.NotAnswered(EvaluationQuestions.Cooperation)];
        foreach (var (item, index) in evaluation.ActionItems.OrderBy(a => a.Position).Select((a, i) => (a, i)))
        {
            if (string.IsNullOrWhiteSpace(item.Owner)) missing[$"actionItems[{index}].owner"] = [$"Actiepunt '{item.Description}' heeft nog geen eigenaar."];
            if (item.DueDate is null) missing[$"actionItems[{index}].dueDate"] = [$"Actiepunt '{item.Description}' heeft nog geen datum."];
        }
        if (missing.Count > 0)
        {
            throw new UnprocessableException("De evaluatie is nog niet compleet.", missing);
        }

        var now = time.Now();
        evaluation.Status = EvaluationStatus.Closed;
        evaluation.ClosedAt = now;
        evaluation.ClosedById = caller.Id;
        evaluation.ClosedByName = caller.Name;
        await db.SaveChangesAsync(ct);
        return evaluation.ToDto(now);
    }
}
