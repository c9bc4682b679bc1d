using AlertHub.Alerts;
using AlertHub.Client;
using AlertHub.Infrastructure.Behaviors;
using AlertHub.Infrastructure.Data;
using AlertHub.Infrastructure.Errors;
using AlertHub.Infrastructure.Security;
using AlertHub.Infrastructure;
using FluentValidation;
using Mediator;

namespace AlertHub.Evaluations;

/// <summary>The team lead and participants fill in the checklist; every change is kept with its author.</summary>
internal sealed record UpdateEvaluation(Guid CallerId, Guid EvaluationId, UpdateEvaluationRequest Answers) : ICommand<EvaluationDto>, ICallerMessage;

internal sealed class UpdateEvaluationValidator : AbstractValidator<UpdateEvaluation>
{
    public const int MaxText = 4000;

    public UpdateEvaluationValidator()
    {
        RuleFor(c => c.Answers).NotNull();
        RuleFor(c => c.Answers.WentWell).MustBeSafeText().MaximumLength(MaxText).OverridePropertyName("wentWell");
        RuleFor(c => c.Answers.WentWrong).MustBeSafeText().MaximumLength(MaxText).OverridePropertyName("wentWrong");
        RuleFor(c => c.Answers.Cooperation).MustBeSafeText().MaximumLength(MaxText).OverridePropertyName("cooperation");
        RuleFor(c => c.Answers.ActionItems).Must(items => items is null || items.Count <= 50)
            .WithMessage("Hoogstens 50 actiepunten.").OverridePropertyName("actionItems");
        RuleForEach(c => c.Answers.ActionItems).ChildRules(item =>
        {
            item.RuleFor(a => a.Description).NotEmpty().WithMessage("Beschrijf het actiepunt.").MaximumLength(1000).MustBeSafeText();
            item.RuleFor(a => a.Owner).MaximumLength(200).MustBeSafeText();
        }).OverridePropertyName("actionItems");
    }
}

internal sealed class UpdateEvaluationHandler(AlertHubDbContext db, TimeProvider time, Callers callers) : ICommandHandler<UpdateEvaluation, EvaluationDto>
{
    public async ValueTask<EvaluationDto> Handle(UpdateEvaluation command, CancellationToken ct)
    {
        var caller = await callers.ActiveAsync(command.CallerId, ct);
        var evaluation = await db.EvaluationForAsync(command.EvaluationId, caller, ct);
        if (evaluation.Status != EvaluationStatus.Open)
        {
            throw new ConflictException("Deze evaluatie is gesloten en kan niet meer worden gewijzigd.");
        }
        var now = time.Now();
        var answers = command.Answers;
        RefuseChangedReadOnlyFields(answers, evaluation.ToDto(now));

        void Record(string field, string text)
        {
            var input = new EvaluationInput { EvaluationId = evaluation.Id, ById = caller.Id, ByName = caller.Name, Field = field, Text = text, At = now };
            evaluation.Inputs.Add(input);
            db.EvaluationInputs.Add(input);
        }
        string? Apply(string? current, string? given, string field)
        {
            if (given is null || given.Trim() == (current ?? ""))
            {
                return current;
            }
            Record(field, given.Trim());
            return given.Trim().Length == 0 ? null : given.Trim();
        }
        evaluation.WentWell = Apply(evaluation.WentWell, answers.WentWell, "wentWell");
        evaluation.WentWrong = Apply(evaluation.WentWrong, answers.WentWrong, "wentWrong");
        evaluation.Cooperation = Apply(evaluation.Cooperation, answers.Cooperation, "cooperation");

        if (answers.ActionItems is { } items)
        {
            var kept = new HashSet<Guid>();
            for (var i = 0; i < items.Count; i++)
            {
                var given = items[i];
                var existing = given.Id is { } id ? evaluation.ActionItems.FirstOrDefault(a => a.Id == id) : null;
                if (existing is null)
                {
                    existing = new ActionItem { EvaluationId = evaluation.Id, Description = given.Description!.Trim() };
                    evaluation.ActionItems.Add(existing);
                    db.ActionItems.Add(existing);
                    Record("actionItem", $"{existing.Description} ({given.Owner ?? "geen eigenaar"}, {given.DueDate?.ToString("yyyy-MM-dd") ?? "geen datum"})");
                }
                existing.Position = i;
                existing.Description = given.Description!.Trim();
                existing.Owner = string.IsNullOrWhiteSpace(given.Owner) ? null : given.Owner.Trim();
                existing.DueDate = given.DueDate;
                existing.Done = given.Done;
                kept.Add(existing.Id);
            }
            foreach (var removed in evaluation.ActionItems.Where(a => !kept.Contains(a.Id)).ToList())
            {
                evaluation.ActionItems.Remove(removed);
                db.ActionItems.Remove(removed);
                Record("actionItemRemoved", removed.Description);
            }
        }
        await db.SaveChangesAsync(ct);
        return evaluation.ToDto(now);
    }

    /// <summary>What GET returned may come back as it was; a read-only field that differs is a mistake worth naming.</summary>
    private static void RefuseChangedReadOnlyFields(UpdateEvaluationRequest given, EvaluationDto stored)
    {
        var changed = new List<string>();
        void Check<T>(T? value, T current, string field)
        {
            if (value is not null && !EqualityComparer<T>.Default.Equals(value, current))
            {
                changed.Add(field);
            }
        }
        Check(given.Id, stored.Id, "id");
        Check(given.AlertId, stored.AlertId, "alertId");
        Check(given.RegionId, stored.RegionId, "regionId");
        Check(given.DueAt, stored.DueAt, "dueAt");
        Check(given.Status, stored.Status, "status");
        Check(given.ClosedAt, stored.ClosedAt ?? default, "closedAt");
        Check(given.ClosedBy, stored.ClosedBy ?? "", "closedBy");
        Check(given.SchoolName, stored.SchoolName, "schoolName");
        Check(given.AlertRaisedAt, stored.AlertRaisedAt, "alertRaisedAt");
        if (given.Inputs is { } inputs && !inputs.SequenceEqual(stored.Inputs))
        {
            changed.Add("inputs");
        }
        if (changed.Count > 0)
        {
            throw new ValidationException(changed.Select(field => new FluentValidation.Results.ValidationFailure(field,
                "Dit veld kan niet worden gewijzigd; laat het weg of stuur het zoals GET het gaf.")));
        }
    }
}
