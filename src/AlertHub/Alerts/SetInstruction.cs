using AlertHub.Client;
using AlertHub.Infrastructure;
using AlertHub.Infrastructure.Behaviors;
using AlertHub.Infrastructure.Data;
using AlertHub.Infrastructure.Errors;
using AlertHub.Infrastructure.Security;
using AlertHub.Hotline;
using FluentValidation;
using Microsoft.Extensions.Options;
using Mediator;

namespace AlertHub.Alerts;

/// <summary>
/// Issue 17: the one current instruction on an alert ("Blijf binnen", "Groep richting station"), set by a coordinator
/// or the team lead. It replaces the previous one only when the setter saw that one (<see cref="Replaces"/>): two
/// people cannot set conflicting instructions unknowingly — the second gets 409 naming the first and must confirm.
/// </summary>
[Allowed("Alleen een coördinator of de regievoerder kan de instructie geven.", PersonRole.Coordinator, PersonRole.TeamLead)]
internal sealed record SetInstruction(Guid CallerId, Guid AlertId, string? Text, int? Replaces) : ICommand<AlertDto>, ICallerMessage;

internal sealed class SetInstructionValidator : AbstractValidator<SetInstruction>
{
    public const int MaxLength = 200;

    public SetInstructionValidator()
    {
        RuleFor(c => c.Text).NotEmpty().WithMessage("Schrijf de instructie, bijvoorbeeld \"Blijf binnen\".")
            .MaximumLength(MaxLength).WithMessage($"Een instructie mag hoogstens {MaxLength} tekens zijn; houd haar kort.").MustBeSafeText();
        RuleFor(c => c.Replaces).GreaterThanOrEqualTo(0).WithMessage("Geef de versie van de instructie die je vervangt (0 als er nog geen is).");
    }
}

internal sealed class SetInstructionHandler(AlertHubDbContext db, TimeProvider time, Callers callers, IOptions<HotlineOptions> hotline) : ICommandHandler<SetInstruction, AlertDto>
{
    public async ValueTask<AlertDto> Handle(SetInstruction command, CancellationToken ct)
    {
        var caller = await callers.ActiveAsync(command.CallerId, ct);
        var alert = await db.AlertInRegionAsync(command.AlertId, caller, ct);
        if (!alert.IsOpen)
        {
            throw new ConflictException("De melding is al afgesloten; de instructie kan niet meer veranderen.");
        }
        var text = command.Text!.Trim();
        if (alert.InstructionText == text)
        {
            return alert.ToDto(); // the same words again (a retry, or two people agreeing): nothing to replace
        }
        if ((command.Replaces ?? 0) != alert.InstructionVersion)
        {
            throw Replaced(alert);
        }
        var now = time.Now();
        alert.InstructionVersion++;
        alert.InstructionText = text;
        alert.InstructionByName = caller.Name;
        alert.InstructionAt = now;
        db.AlertInstructions.Add(new AlertInstruction
        {
            AlertId = alert.Id, Version = alert.InstructionVersion, Text = text, ById = caller.Id, ByName = caller.Name, At = now,
        });
        try
        {
            // The alert row changes: its version is the concurrency token, so of two setters at once one saves and the
            // other is run again (ConcurrencyRetryBehavior), sees this instruction and gets the 409 above.
            await db.SaveChangesAsync(ct);
        }
        catch (Microsoft.EntityFrameworkCore.DbUpdateException e) when (e.IsUniqueViolation())
        {
            // The same version stored by another node a moment earlier: that one stands.
            db.ChangeTracker.Clear();
            throw Replaced(await db.AlertInRegionAsync(command.AlertId, caller, ct));
        }
        return alert.ToDto();
    }

    /// <summary>409 naming the instruction that stands, who gave it and when, and how to replace it knowingly.</summary>
    private ConflictException Replaced(Alert alert)
    {
        var current = alert.ToDto().Instruction!;
        var at = TimeZoneInfo.ConvertTime(current.SetAt, HotlineHours.For(hotline.Value, null).TimeZone);
        return new ConflictException(
            $"{current.SetBy} gaf om {at:HH:mm} al de instructie \"{current.Text}\". Wil je die vervangen, bevestig dan (replaces {current.Version}).",
            new Dictionary<string, object?> { ["current"] = current });
    }
}
