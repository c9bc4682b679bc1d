using AlertHub.Client;
using AlertHub.Infrastructure.Behaviors;
using AlertHub.Infrastructure.Data;
using AlertHub.Infrastructure.Errors;
using AlertHub.Infrastructure.Security;
using AlertHub.Infrastructure;
using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace AlertHub.Alerts;

/// <summary>R7: a short update on the alert's timeline, by the coordinators, team lead or a recipient.</summary>
/// <param name="IdempotencyKey">The same key again (a retry after a lost answer) posts nothing and returns the alert as it stands.</param>
internal sealed record PostUpdate(Guid CallerId, Guid AlertId, string? Text, string? IdempotencyKey = null) : ICommand<AlertDto>, ICallerMessage;

internal sealed class PostUpdateValidator : AbstractValidator<PostUpdate>
{
    public PostUpdateValidator()
    {
        RuleFor(c => c.Text).NotEmpty().WithMessage("Schrijf een korte update.")
            .MaximumLength(1000).WithMessage("Een update mag hoogstens 1000 tekens zijn.").MustBeSafeText();
        RuleFor(c => c.IdempotencyKey).MaximumLength(100).MustBeSafeText().OverridePropertyName("Idempotency-Key");
    }
}

internal sealed class PostUpdateHandler(AlertHubDbContext db, TimeProvider time, Callers callers)
    : ICommandHandler<PostUpdate, AlertDto>
{
    public async ValueTask<AlertDto> Handle(PostUpdate command, CancellationToken ct)
    {
        var caller = await callers.ActiveAsync(command.CallerId, ct);
        var alert = await db.AlertInRegionAsync(command.AlertId, caller, ct);
        if (!caller.IsWatcher() && alert.RecipientFor(caller.Id) is null)
        {
            throw new ForbiddenException("Alleen betrokkenen kunnen een update plaatsen.");
        }
        if (command.IdempotencyKey is { } key && alert.Updates.Any(u => u.ClientKey == key && u.ById == caller.Id))
        {
            return alert.ToDto(); // this update got through before; its answer was lost
        }
        if (!alert.IsOpen)
        {
            throw new ConflictException("De melding is al afgesloten.");
        }
        var entry = new AlertUpdate
        {
            At = time.Now(),
            ById = caller.Id,
            ByName = caller.Name,
            Text = command.Text!.Trim(),
            ClientKey = command.IdempotencyKey,
        };
        alert.Updates.Add(entry);
        // Explicitly Added: a preset Guid key would otherwise make EF treat it as an existing row.
        db.AlertUpdates.Add(entry);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (e.IsUniqueViolation() && command.IdempotencyKey is not null)
        {
            // The same key twice at once: the other request posted it.
            db.ChangeTracker.Clear();
            return (await db.AlertInRegionAsync(command.AlertId, caller, ct)).ToDto();
        }
        return alert.ToDto();
    }
}
