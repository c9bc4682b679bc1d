using FluentValidation;
using FluentValidation.Results;

namespace AlertHub.Infrastructure.Errors;

/// <summary>The thing does not exist, or exists where the caller may not know of it (another region).</summary>
internal sealed class NotFoundException(string message = "Niet gevonden.") : Exception(message);

/// <summary>The caller is known but their role does not allow this.</summary>
internal sealed class ForbiddenException(string message) : Exception(message);

/// <summary>The request is valid but clashes with the current state (e.g. acknowledging a closed alert).</summary>
internal sealed class ConflictException(string message, IReadOnlyDictionary<string, object?>? extensions = null) : Exception(message)
{
    /// <summary>Extra members of the problem (e.g. the current instruction a setter must see first).</summary>
    public IReadOnlyDictionary<string, object?> Extensions { get; } = extensions ?? new Dictionary<string, object?>();
}

/// <summary>Too much at once from one caller: 429 with Retry-After.</summary>
internal sealed class TooManyRequestsException(string message, TimeSpan retryAfter) : Exception(message)
{
    public TimeSpan RetryAfter { get; } = retryAfter;
}

internal static class Invalid
{
    /// <summary>A validation error on one field, found by a handler rather than a validator (it needed the database).</summary>
    public static ValidationException Field(string field, string message) =>
        new([new ValidationFailure(field, message)]);
}

/// <summary>Well-formed but not acceptable in this state (e.g. closing an incomplete evaluation): 422 naming what is missing.</summary>
internal sealed class UnprocessableException(string message, IDictionary<string, string[]> errors) : Exception(message)
{
    public IDictionary<string, string[]> Errors { get; } = errors;
}
