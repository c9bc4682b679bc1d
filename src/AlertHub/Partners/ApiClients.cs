using AlertHub.Infrastructure.Data;
using AlertHub.Infrastructure.Errors;
using AlertHub.Infrastructure.Security;
using AlertHub.Infrastructure;
using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace AlertHub.Partners;

internal sealed record ApiClientDto(
    Guid Id, string Name, string OrganisationId, string RegionId, IReadOnlyList<string> Scopes,
    DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt, DateTimeOffset? LastTokenAt)
{
    public static ApiClientDto From(ApiClient c) =>
        new(c.Id, c.Name, c.OrganisationId, c.RegionId, c.ScopeList, c.CreatedAt, c.RevokedAt, c.LastTokenAt);
}

/// <summary>The only time the secret is seen: <c>clientId</c> and <c>clientSecret</c> go to the partner's system.</summary>
internal sealed record CreatedApiClientDto(ApiClientDto Client, Guid ClientId, string ClientSecret);

internal sealed record CreateApiClientRequest(string? Name, string? OrganisationId, IReadOnlyList<string>? Scopes);

/// <summary>An admin makes a client for a partner organisation's system; it belongs to the organisation's region.</summary>
internal sealed record CreateApiClient(Guid CallerId, string? Name, string? OrganisationId, IReadOnlyList<string>? Scopes)
    : ICommand<CreatedApiClientDto>, ICallerMessage;

internal sealed class CreateApiClientValidator : AbstractValidator<CreateApiClient>
{
    public CreateApiClientValidator()
    {
        RuleFor(c => c.Name).NotEmpty().WithMessage("Naam is verplicht.")
            .MaximumLength(200).WithMessage("De naam mag hoogstens 200 tekens zijn.");
        RuleFor(c => c.OrganisationId).NotEmpty().WithMessage("Organisatie is verplicht.");
        RuleFor(c => c.Scopes).NotEmpty().WithMessage($"Kies minstens één bevoegdheid: {string.Join(", ", ApiScopes.All.Keys)}.");
        RuleForEach(c => c.Scopes).Must(s => s is not null && ApiScopes.All.ContainsKey(s))
            .WithMessage((_, s) => $"Onbekende bevoegdheid '{s}'; kies uit {string.Join(", ", ApiScopes.All.Keys)}.");
    }
}

internal sealed class CreateApiClientHandler(AlertHubDbContext db, TimeProvider time) : ICommandHandler<CreateApiClient, CreatedApiClientDto>
{
    public async ValueTask<CreatedApiClientDto> Handle(CreateApiClient command, CancellationToken ct)
    {
        var organisation = await db.Organisations.AsNoTracking().FirstOrDefaultAsync(o => o.Id == command.OrganisationId, ct)
            ?? throw Invalid.Field("organisationId", "Deze organisatie bestaat niet.");
        if (organisation.RegionId is null)
        {
            throw Invalid.Field("organisationId", "Deze organisatie hoort bij geen regio; een API-client ziet alleen de meldingen van een regio.");
        }
        var secret = ClientSecrets.New();
        var client = new ApiClient
        {
            Name = command.Name!.Trim(),
            OrganisationId = organisation.Id,
            RegionId = organisation.RegionId,
            Scopes = string.Join(' ', command.Scopes!.Distinct().Order(StringComparer.Ordinal)),
            SecretHash = ClientSecrets.Hash(secret),
            CreatedAt = time.Now(),
            CreatedBy = command.CallerId,
        };
        db.ApiClients.Add(client);
        await db.SaveChangesAsync(ct);
        return new CreatedApiClientDto(ApiClientDto.From(client), client.Id, secret);
    }
}

internal sealed record ListApiClients(string? OrganisationId) : IQuery<IReadOnlyList<ApiClientDto>>;

internal sealed class ListApiClientsHandler(AlertHubDbContext db) : IQueryHandler<ListApiClients, IReadOnlyList<ApiClientDto>>
{
    public async ValueTask<IReadOnlyList<ApiClientDto>> Handle(ListApiClients query, CancellationToken ct)
    {
        var clients = db.ApiClients.AsNoTracking();
        if (!string.IsNullOrEmpty(query.OrganisationId))
        {
            clients = clients.Where(c => c.OrganisationId == query.OrganisationId);
        }
        return (await clients.OrderBy(c => c.Name).ThenBy(c => c.Id).ToListAsync(ct)).Select(ApiClientDto.From).ToList();
    }
}

/// <summary>Revoking takes effect on the next call: every partner endpoint checks the client row.</summary>
internal sealed record RevokeApiClient(Guid CallerId, Guid Id) : ICommand<ApiClientDto>, ICallerMessage;

internal sealed class RevokeApiClientHandler(AlertHubDbContext db, TimeProvider time) : ICommandHandler<RevokeApiClient, ApiClientDto>
{
    public async ValueTask<ApiClientDto> Handle(RevokeApiClient command, CancellationToken ct)
    {
        var client = await db.ApiClients.FirstOrDefaultAsync(c => c.Id == command.Id, ct)
            ?? throw new NotFoundException("API-client niet gevonden.");
        if (client.RevokedAt is null)
        {
            client.RevokedAt = time.Now();
            await db.SaveChangesAsync(ct);
        }
        return ApiClientDto.From(client);
    }
}

/// <summary>A token was issued to a client (audited; the client's last use is kept).</summary>
internal sealed record RecordClientToken(Guid ClientId) : ICommand<Unit>;

internal sealed class RecordClientTokenHandler(AlertHubDbContext db, TimeProvider time) : ICommandHandler<RecordClientToken, Unit>
{
    public async ValueTask<Unit> Handle(RecordClientToken command, CancellationToken ct)
    {
        var client = await db.ApiClients.FirstAsync(c => c.Id == command.ClientId, ct);
        client.LastTokenAt = time.Now();
        await db.SaveChangesAsync(ct);
        return Unit.Value;
    }
}
