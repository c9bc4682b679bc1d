using System.Text.Json;
using FluentValidation;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace AlertHub.Infrastructure.Errors;

/// <summary>The one place where exceptions become RFC 9457 problem details.</summary>
internal sealed class ProblemDetailsExceptionHandler(IProblemDetailsService problemDetails, ILogger<ProblemDetailsExceptionHandler> logger)
    : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var problem = exception switch
        {
            ValidationException v => Validation(v),
            BadHttpRequestException b => BadRequest(b),
            NotFoundException n => new ProblemDetails { Status = StatusCodes.Status404NotFound, Title = "Niet gevonden", Detail = n.Message },
            ForbiddenException f => new ProblemDetails { Status = StatusCodes.Status403Forbidden, Title = "Niet toegestaan", Detail = f.Message },
            UnprocessableException u => new ValidationProblemDetails(u.Errors)
            {
                Status = StatusCodes.Status422UnprocessableEntity, Title = "Nog niet compleet", Detail = u.Message,
            },
            ConflictException c => Conflict(c),
            TooManyRequestsException t => TooMany(httpContext, t),
            OperationCanceledException when httpContext.RequestAborted.IsCancellationRequested => null,
            _ => null,
        };
        if (problem is null)
        {
            if (httpContext.RequestAborted.IsCancellationRequested)
            {
                return true;
            }
            logger.LogError(exception, "Unhandled exception on {Method} {Path}", httpContext.Request.Method, httpContext.Request.Path);
            problem = new ProblemDetails { Status = StatusCodes.Status500InternalServerError, Title = "Er ging iets mis" };
        }

        httpContext.Response.StatusCode = problem.Status!.Value;
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = problem,
            Exception = exception,
        });
    }

    private static ProblemDetails Conflict(ConflictException exception)
    {
        var problem = new ProblemDetails { Status = StatusCodes.Status409Conflict, Title = "Conflict", Detail = exception.Message };
        foreach (var (key, value) in exception.Extensions)
        {
            problem.Extensions[key] = value;
        }
        return problem;
    }

    private static ProblemDetails TooMany(HttpContext context, TooManyRequestsException exception)
    {
        context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(exception.RetryAfter.TotalSeconds))
            .ToString(System.Globalization.CultureInfo.InvariantCulture);
        return new ProblemDetails { Status = StatusCodes.Status429TooManyRequests, Title = "Te veel verzoeken", Detail = exception.Message };
    }

    private static ValidationProblemDetails Validation(ValidationException exception)
    {
        var errors = exception.Errors
            .GroupBy(e => CamelCase(e.PropertyName))
            .ToDictionary(g => g.Key, g => g.Select(e => e.ErrorMessage).Distinct().ToArray());
        return new ValidationProblemDetails(errors)
        {
            Status = StatusCodes.Status400BadRequest,
            Title = "Ongeldige invoer",
        };
    }

    private static ProblemDetails BadRequest(BadHttpRequestException exception)
    {
        // Minimal APIs wrap JSON errors; the JsonException's path names the offending field.
        if (exception.InnerException is JsonException json)
        {
            var field = FieldFromPath(json.Path);
            return new ValidationProblemDetails(new Dictionary<string, string[]>
            {
                [field] = [json.Message?.StartsWith("The JSON value could not be converted", StringComparison.Ordinal) == true
                    ? "Ongeldige waarde voor dit veld."
                    : json.Message?.Contains("could not be mapped", StringComparison.Ordinal) == true
                        ? "Onbekend veld."
                        : "De JSON is ongeldig."],
            })
            {
                Status = StatusCodes.Status400BadRequest,
                Title = "Ongeldige invoer",
            };
        }
        return new ProblemDetails
        {
            Status = exception.StatusCode,
            Title = exception.StatusCode == StatusCodes.Status413PayloadTooLarge ? "Verzoek te groot" : "Ongeldig verzoek",
            Detail = exception.Message,
        };
    }

    private static string FieldFromPath(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "$")
        {
            return "body";
        }
        var trimmed = path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
        return CamelCase(trimmed);
    }

    private static string CamelCase(string name) =>
        string.IsNullOrEmpty(name) || char.IsLower(name[0]) ? name : char.ToLowerInvariant(name[0]) + name[1..];
}
