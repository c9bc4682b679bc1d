using System.Security.Claims;
using AlertHub.Accounts;
using AlertHub.Client;
using AlertHub.Infrastructure.Data;
using AlertHub.Infrastructure.Errors;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Net.Http.Headers;

namespace AlertHub.People;

/// <summary>
/// R9: the directory, kept by admins. <c>POST /api/admin/import</c> takes either one JSON document
/// <c>{ regions, organisations, schools, people, roster }</c> (items shaped like the create bodies; contacts
/// and roster entries name people by <c>contactEmails</c> / <c>personEmail</c>) or a CSV file of one kind,
/// <c>?kind=regions|organisations|schools|people|roster</c>, whose header names the columns (see
/// <see cref="ImportParser.CsvColumns"/>). All or nothing: 400 with errors per line, or 200 with counts.
/// </summary>
internal static class PeopleApi
{
    public const long MaxImportBytes = 2 * 1024 * 1024;

    public static IEndpointRouteBuilder MapPeople(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/api/admin").WithTags("Admin")
            .RequireAuthorization(p => p.RequireRole(nameof(PersonRole.Admin)))
            .AddEndpointFilter(ActiveAdminOnly);

        admin.MapGet("/regions", ListRegions);
        admin.MapGet("/regions/{id}", GetRegion);
        admin.MapPost("/regions", CreateRegion);
        admin.MapPut("/regions/{id}", UpdateRegion);

        admin.MapGet("/organisations", ListOrganisations);
        admin.MapGet("/organisations/{id}", GetOrganisation);
        admin.MapPost("/organisations", CreateOrganisation);
        admin.MapPut("/organisations/{id}", UpdateOrganisation);

        admin.MapGet("/schools", ListSchools);
        admin.MapGet("/schools/{id}", GetSchool);
        admin.MapPost("/schools", CreateSchool);
        admin.MapPut("/schools/{id}", UpdateSchool);

        admin.MapGet("/people", ListPeople);
        admin.MapGet("/people/{id:guid}", GetPerson);
        admin.MapPost("/people", CreatePerson);
        admin.MapPut("/people/{id:guid}", UpdatePerson);

        admin.MapGet("/roster", ListRoster);
        admin.MapGet("/roster/{id:guid}", GetRosterEntry);
        admin.MapPost("/roster", CreateRosterEntry);
        admin.MapPut("/roster/{id:guid}", UpdateRosterEntry);
        admin.MapDelete("/roster/{id:guid}", DeleteRosterEntry);

        admin.MapGet("/import/template", ImportTemplate).Produces<string>(StatusCodes.Status200OK, "text/csv")
            .WithSummary("A CSV template of one kind: the header and one example line.");
        // No Accepts metadata: routing would answer other media types itself, in English.
        admin.MapPost("/import", Import)
            .WithMetadata(new RequestSizeLimitAttribute(MaxImportBytes))
            .WithSummary("Imports a batch of directory items, all or nothing.")
            .WithDescription(ImportParser.Description)
            .AddOpenApiOperationTransformer((operation, context, ct) =>
            {
                // The body is read by hand (CSV or JSON, one kind per call): described here for client generators.
                operation.RequestBody = new Microsoft.OpenApi.OpenApiRequestBody
                {
                    Required = true,
                    Description = "CSV met een kopregel (`?kind=people|regions|organisations|schools|roster`), of JSON "
                        + "`{ \"regions\": [...], \"organisations\": [...], \"schools\": [...], \"people\": [...], \"roster\": [...] }`.",
                    Content = new Dictionary<string, Microsoft.OpenApi.OpenApiMediaType>
                    {
                        ["text/csv"] = new() { Schema = new Microsoft.OpenApi.OpenApiSchema { Type = Microsoft.OpenApi.JsonSchemaType.String } },
                        ["application/json"] = new() { Schema = new Microsoft.OpenApi.OpenApiSchema { Type = Microsoft.OpenApi.JsonSchemaType.Object } },
                    },
                };
                return Task.CompletedTask;
            });
        return app;
    }

    // The role claim lives as long as the token; a deactivated admin must lose the directory at once.
    internal static async ValueTask<object?> ActiveAdminOnly(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var id = http.User.PersonId();
        var db = http.RequestServices.GetRequiredService<AlertHubDbContext>();
        if (!await db.People.AnyAsync(p => p.Id == id && p.Active && p.Role == PersonRole.Admin, http.RequestAborted))
        {
            throw new ForbiddenException("Alleen een actieve beheerder mag het adresboek beheren.");
        }
        return await next(context);
    }

    // ---- regions

    private static async Task<Ok<IReadOnlyList<RegionDto>>> ListRegions(IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new ListRegions(), ct));

    private static async Task<Ok<RegionDto>> GetRegion(string id, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new GetRegion(id), ct));

    private static async Task<Created<RegionDto>> CreateRegion(CreateRegion body, IMediator mediator, CancellationToken ct)
    {
        var region = await mediator.Send(body, ct);
        return TypedResults.Created($"/api/admin/regions/{region.Id}", region);
    }

    private static async Task<Ok<RegionDto>> UpdateRegion(string id, UpdateRegion body, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(body with { Id = id }, ct));

    // ---- organisations

    private static async Task<Ok<IReadOnlyList<OrganisationDto>>> ListOrganisations(
        string? regionId, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new ListOrganisations(DirectoryFormats.Blank(regionId)), ct));

    private static async Task<Ok<OrganisationDto>> GetOrganisation(string id, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new GetOrganisation(id), ct));

    private static async Task<Created<OrganisationDto>> CreateOrganisation(CreateOrganisation body, IMediator mediator, CancellationToken ct)
    {
        var organisation = await mediator.Send(body, ct);
        return TypedResults.Created($"/api/admin/organisations/{organisation.Id}", organisation);
    }

    private static async Task<Ok<OrganisationDto>> UpdateOrganisation(
        string id, UpdateOrganisation body, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(body with { Id = id }, ct));

    // ---- schools

    private static async Task<Ok<IReadOnlyList<SchoolDto>>> ListSchools(string? regionId, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new ListSchools(DirectoryFormats.Blank(regionId)), ct));

    private static async Task<Ok<SchoolDto>> GetSchool(string id, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new GetSchool(id), ct));

    private static async Task<Created<SchoolDto>> CreateSchool(CreateSchool body, IMediator mediator, CancellationToken ct)
    {
        var school = await mediator.Send(body, ct);
        return TypedResults.Created($"/api/admin/schools/{school.Id}", school);
    }

    private static async Task<Ok<SchoolDto>> UpdateSchool(string id, UpdateSchool body, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(body with { Id = id }, ct));

    // ---- people

    private static async Task<Ok<IReadOnlyList<PersonDto>>> ListPeople(
        string? regionId, string? role, string? schoolId, string? organisationId, bool? active,
        IMediator mediator, CancellationToken ct)
    {
        PersonRole? roleFilter = null;
        if (DirectoryFormats.Blank(role) is { } text)
        {
            roleFilter = DirectoryFormats.TryParseEnum<PersonRole>(text, out var parsed)
                ? parsed
                : throw Invalid.Field("role", $"Onbekende rol '{text}'; kies {DirectoryFormats.Choices<PersonRole>()}.");
        }
        return TypedResults.Ok(await mediator.Send(new ListPeople(
            DirectoryFormats.Blank(regionId), roleFilter, DirectoryFormats.Blank(schoolId), DirectoryFormats.Blank(organisationId), active), ct));
    }

    private static async Task<Ok<PersonDto>> GetPerson(Guid id, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new GetPerson(id), ct));

    private static async Task<Created<PersonDto>> CreatePerson(CreatePerson body, IMediator mediator, CancellationToken ct)
    {
        var person = await mediator.Send(body, ct);
        return TypedResults.Created($"/api/admin/people/{person.Id}", person);
    }

    private static async Task<Ok<PersonDto>> UpdatePerson(Guid id, UpdatePerson body, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(body with { Id = id }, ct));

    // ---- roster

    private static async Task<Ok<IReadOnlyList<RosterEntryDto>>> ListRoster(
        string? regionId, Guid? personId, DateTimeOffset? at, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new ListRoster(DirectoryFormats.Blank(regionId), personId, at), ct));

    private static async Task<Ok<RosterEntryDto>> GetRosterEntry(Guid id, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new GetRosterEntry(id), ct));

    private static async Task<Created<RosterEntryDto>> CreateRosterEntry(CreateRosterEntry body, IMediator mediator, CancellationToken ct)
    {
        var entry = await mediator.Send(body, ct);
        return TypedResults.Created($"/api/admin/roster/{entry.Id}", entry);
    }

    private static async Task<Ok<RosterEntryDto>> UpdateRosterEntry(
        Guid id, UpdateRosterEntry body, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(body with { Id = id }, ct));

    private static async Task<NoContent> DeleteRosterEntry(Guid id, IMediator mediator, CancellationToken ct)
    {
        await mediator.Send(new DeleteRosterEntry(id), ct);
        return TypedResults.NoContent();
    }

    // ---- import

    private static Results<FileContentHttpResult, ProblemHttpResult> ImportTemplate(string? kind)
    {
        if (kind is null || !ImportParser.Kinds.Contains(kind))
        {
            throw Infrastructure.Errors.Invalid.Field("kind", $"Kies {string.Join(", ", ImportParser.Kinds)}.");
        }
        // With a byte-order mark, so a spreadsheet opens the accents right.
        var bytes = System.Text.Encoding.UTF8.GetPreamble().Concat(System.Text.Encoding.UTF8.GetBytes(ImportParser.Template(kind))).ToArray();
        return TypedResults.File(bytes, "text/csv; charset=utf-8", $"alerthub-{kind}.csv");
    }

    private static async Task<Results<Ok<ImportResult>, ProblemHttpResult>> Import(
        HttpRequest request, string? kind, IMediator mediator, CancellationToken ct)
    {
        if (request.ContentLength > MaxImportBytes)
        {
            return TooLarge();
        }
        var mediaType = MediaTypeHeaderValue.TryParse(request.ContentType, out var contentType) ? contentType.MediaType.Value : null;
        var isJson = request.HasJsonContentType();
        var isCsv = string.Equals(mediaType, "text/csv", StringComparison.OrdinalIgnoreCase)
            || string.Equals(mediaType, "application/csv", StringComparison.OrdinalIgnoreCase);
        if (!isJson && !isCsv)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Onbekend formaat",
                detail: "Stuur application/json (alles in één document) of text/csv (één soort per bestand, met ?kind=…).");
        }
        var csvKind = ImportParser.Kinds.FirstOrDefault(k => string.Equals(k, kind, StringComparison.OrdinalIgnoreCase));
        if (isCsv && csvKind is null)
        {
            throw Invalid.Field("kind", $"Geef bij CSV aan wat erin staat: ?kind={string.Join("|", ImportParser.Kinds)}.");
        }

        var body = await ReadAtMostAsync(request.Body, MaxImportBytes, ct);
        if (body is null)
        {
            return TooLarge();
        }
        var batch = isJson ? ImportParser.FromJson(body.Value) : ImportParser.FromCsv(body.Value, csvKind!);
        return TypedResults.Ok(await mediator.Send(new ImportDirectory(batch), ct));
    }

    /// <summary>Reads the body, or null once it turns out longer than <paramref name="limit"/> (also when sent chunked).</summary>
    private static async Task<ReadOnlyMemory<byte>?> ReadAtMostAsync(Stream body, long limit, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return null;
            }
            buffer.Write(chunk, 0, read);
        }
        return buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
    }

    private static ProblemHttpResult TooLarge() =>
        TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Verzoek te groot",
            detail: $"Een import is hoogstens {MaxImportBytes / (1024 * 1024)} MB; splits het bestand.");
}
