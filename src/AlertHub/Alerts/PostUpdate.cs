using AlertHub.Infrastructure;
using AlertHub.Client;
using AlertHub.Infrastructure.Data;
using AlertHub.Infrastructure.Errors;
using AlertHub.Infrastructure.Behaviors;
using FluentValidation;
using Mediator;

namespace AlertHub.Alerts;

/// <summary>R7: a short update on the alert's timeline, by the coordinators, team lead or a recipient.</summary>
internal sealed record PostUpdate(Guid CallerId, Guid AlertId, string? Text) : ICommand<AlertDto>;

internal sealed class PostUpdateValidator : AbstractValidator<PostUpdate>
{
    public PostUpdateValidator()
    {
        RuleFor(c => c.Text).NotEmpty().WithMessage("Schrijf een korte update.")
            .MaximumLength(1000).WithMessage("Een update mag hoogstens 1000 tekens zijn.").MustBeSafeText();
    }
}

internal sealed class PostUpdateHandler(AlertHubDbContext db, TimeProvider time)
    : ICommandHandler<PostUpdate, AlertDto>
{
    public async ValueTask<AlertDto> Handle(PostUpdate command, CancellationToken ct)
    {
        var caller = await db.CallerAsync(command.CallerId, ct);
        var alert = await db.AlertInRegionAsync(command.AlertId, caller, ct);
        if (!caller.IsWatcher() && alert.RecipientFor(caller.Id) is null)
        {
            throw new ForbiddenException("Alleen betrokkenen kunnen een update plaatsen.");
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
        };
        alert.Updates.Add(entry);
        // Explicitly Added: a preset Guid key would otherwise make EF treat it as an existing row.
        db.AlertUpdates.Add(entry);
        await db.SaveChangesAsync(ct);
        return alert.ToDto();
    }
}
