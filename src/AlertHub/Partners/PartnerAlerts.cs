using AlertHub.Alerts;
using AlertHub.Client;
using AlertHub.Infrastructure;
using AlertHub.Infrastructure.Data;
using AlertHub.Infrastructure.Errors;
using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace AlertHub.Partners;

/// <summary>The alerts the client's organisation received, newest first (need-to-know: <see cref="AlertAccess.VisibleTo(IQueryable{Alert}, PartnerCaller)"/>).</summary>
internal sealed record ListPartnerAlerts(PartnerCaller Client, AlertStatus? Status) : IQuery<IReadOnlyList<AlertDto>>;

internal sealed class ListPartnerAlertsHandler(AlertHubDbContext db) : IQueryHandler<ListPartnerAlerts, IReadOnlyList<AlertDto>>
{
    private const int Limit = 200;

    public async ValueTask<IReadOnlyList<AlertDto>> Handle(ListPartnerAlerts query, CancellationToken ct)
    {
        var alerts = db.Alerts.AsNoTracking().VisibleTo(query.Client);
        if (query.Status is { } status)
        {
            alerts = alerts.Where(a => a.Status == status);
        }
        var page = await alerts.OrderByDescending(a => a.Sequence).Take(Limit).WithDetails().ToListAsync(ct);
        return page.Select(a => a.ToDto()).ToList();
    }
}

/// <summary>One alert by id under the same rule as the list: anything else is 404.</summary>
internal sealed record GetPartnerAlert(PartnerCaller Client, Guid AlertId) : IQuery<AlertDto>;

internal sealed class GetPartnerAlertHandler(AlertHubDbContext db) : IQueryHandler<GetPartnerAlert, AlertDto>
{
    public async ValueTask<AlertDto> Handle(GetPartnerAlert query, CancellationToken ct) =>
        (await db.AlertForClientAsync(query.AlertId, query.Client, ct)).ToDto();
}

internal sealed record PartnerAnswerRequest(Guid? PersonId, AckResponse? Response);

/// <summary>
/// The organisation's system answers for one of its recipients (the dispatch tool knows unit 12 is on its way):
/// recorded as that recipient's answer, channel <c>api</c>, with the client as the actor in the audit log.
/// </summary>
internal sealed record AnswerForOrganisation(PartnerCaller Client, Guid AlertId, Guid? PersonId, AckResponse? Response) : ICommand<AlertDto>;

internal sealed class AnswerForOrganisationValidator : AbstractValidator<AnswerForOrganisation>
{
    public AnswerForOrganisationValidator()
    {
        RuleFor(c => c.PersonId).NotEmpty().WithMessage("Noem de ontvanger (personId) namens wie je reageert.");
        RuleFor(c => c.Response).NotNull().WithMessage("Kies seen, on_my_way, on_scene of unable.")
            .IsInEnum().WithMessage("Kies seen, on_my_way, on_scene of unable.");
    }
}

internal sealed class AnswerForOrganisationHandler(AlertHubDbContext db, TimeProvider time) : ICommandHandler<AnswerForOrganisation, AlertDto>
{
    public const string Channel = "api";

    public async ValueTask<AlertDto> Handle(AnswerForOrganisation command, CancellationToken ct)
    {
        var alert = await db.AlertForClientAsync(command.AlertId, command.Client, ct);
        var recipient = alert.RecipientFor(command.PersonId!.Value);
        if (recipient is null || recipient.OrganisationId != command.Client.OrganisationId)
        {
            throw Invalid.Field("personId", "Deze persoon is geen ontvanger van deze melding binnen jullie organisatie.");
        }
        if (!alert.IsOpen)
        {
            throw new ConflictException("De melding is al afgesloten.");
        }
        if (recipient.Response == command.Response)
        {
            return alert.ToDto();
        }
        Answers.Record(db, alert, recipient, command.Response!.Value, time.Now(), Channel);
        await db.SaveChangesAsync(ct);
        return alert.ToDto();
    }
}
