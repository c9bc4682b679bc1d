using AlertHub.Client;
using AlertHub.Infrastructure.Data;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Twilio.Security;
using Twilio.TwiML;

namespace AlertHub.Delivery;

internal static class TwilioWebhooks
{
    public const string StatusPath = "/webhooks/twilio/status";
    public const string InboundPath = "/webhooks/twilio/sms";
    public const string SignatureHeader = "X-Twilio-Signature";

    public static IEndpointRouteBuilder MapTwilioWebhooks(this IEndpointRouteBuilder app)
    {
        // Twilio cannot sign in; the HMAC signature over the request is what authenticates it.
        app.MapPost(StatusPath, Status).AllowAnonymous().WithTags("Twilio");
        app.MapPost(InboundPath, Inbound).AllowAnonymous().WithTags("Twilio").Produces<string>(StatusCodes.Status200OK, "application/xml");
        app.MapGet("/api/admin/flagged-numbers", FlaggedNumbers).WithTags("Admin")
            .RequireAuthorization(p => p.RequireRole(nameof(PersonRole.Admin)))
            .AddEndpointFilter(People.PeopleApi.ActiveAdminOnly);
        return app;
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Status(
        HttpRequest request, IOptions<TwilioOptions> options, IMediator mediator, CancellationToken ct)
    {
        var form = await SignedFormAsync(request, options.Value, ct);
        if (form is null)
        {
            return Forbidden();
        }
        if (form.TryGetValue("MessageSid", out var sid) && form.TryGetValue("MessageStatus", out var status))
        {
            await mediator.Send(new ApplySmsStatus(sid, status, form.GetValueOrDefault("ErrorCode")), ct);
        }
        return TypedResults.NoContent();
    }

    private static async Task<Results<ContentHttpResult, ProblemHttpResult>> Inbound(
        HttpRequest request, IOptions<TwilioOptions> options, IMediator mediator, CancellationToken ct)
    {
        var form = await SignedFormAsync(request, options.Value, ct);
        if (form is null)
        {
            return Forbidden();
        }
        var reply = form.TryGetValue("From", out var from) && form.TryGetValue("MessageSid", out var sid)
            ? await mediator.Send(new HandleSmsReply(sid, from, form.GetValueOrDefault("Body") ?? ""), ct)
            : null;
        var twiml = new MessagingResponse();
        if (reply is not null)
        {
            twiml.Message(reply);
        }
        return TypedResults.Content(twiml.ToString(), "application/xml");
    }

    private static async Task<Ok<List<FlaggedNumberDto>>> FlaggedNumbers(IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new ListFlaggedNumbers(), ct));

    /// <returns>The form fields when the signature is right; null otherwise (and when Twilio is not configured).</returns>
    private static async Task<Dictionary<string, string>?> SignedFormAsync(HttpRequest request, TwilioOptions twilio, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(twilio.AuthToken) || !request.HasFormContentType)
        {
            return null;
        }
        var form = await request.ReadFormAsync(ct);
        var fields = form.ToDictionary(f => f.Key, f => f.Value.ToString());
        var baseUrl = twilio.PublicBase ?? $"{request.Scheme}://{request.Host}";
        var url = baseUrl + request.PathBase + request.Path + request.QueryString;
        var signature = request.Headers[SignatureHeader].ToString();
        return signature.Length > 0 && new RequestValidator(twilio.AuthToken).Validate(url, fields, signature) ? fields : null;
    }

    private static ProblemHttpResult Forbidden() =>
        TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Ongeldige handtekening");
}

/// <param name="Reason">Why the number was flagged, in Dutch for the admin.</param>
internal sealed record FlaggedNumberDto(Guid PersonId, string Name, string? Phone, int FailuresInARow, string? LastErrorCode, DateTimeOffset FlaggedAt, string? Reason);

/// <summary>
/// The numbers Twilio refused or that failed three times in a row, for an active admin to correct: names and
/// numbers of people, so the look is audited like any other list of people (<c>person.flagged_listed</c>).
/// </summary>
internal sealed record ListFlaggedNumbers : IQuery<List<FlaggedNumberDto>>;

internal sealed class ListFlaggedNumbersHandler(AlertHubDbContext db) : IQueryHandler<ListFlaggedNumbers, List<FlaggedNumberDto>>
{
    public async ValueTask<List<FlaggedNumberDto>> Handle(ListFlaggedNumbers query, CancellationToken ct) =>
        (await db.People.AsNoTracking()
            .Where(p => p.PhoneFlaggedAt != null)
            .OrderBy(p => p.Name)
            .Select(p => new FlaggedNumberDto(p.Id, p.Name, p.Phone, p.SmsFailuresInARow, p.LastSmsErrorCode, p.PhoneFlaggedAt!.Value, null))
            .ToListAsync(ct))
        .Select(f => f with { Reason = SmsStates.FlagReason(f.LastErrorCode) }).ToList();
}
