using FluentValidation;

namespace AlertHub.Infrastructure.Behaviors;

/// <summary>
/// Free text may hold letters, digits, punctuation and line breaks, but no control characters and no
/// bidirectional overrides: a right-to-left override can make a name or note read differently on a
/// partner's screen than what was stored (the "Trojan Source" trick).
/// </summary>
internal static class SafeText
{
    public const string Message = "Bevat niet-toegestane tekens (stuurtekens of tekstrichting-tekens).";

    public static bool IsSafe(string? text) => text is null || !text.Any(IsForbidden);

    public static IRuleBuilderOptions<T, string?> MustBeSafeText<T>(this IRuleBuilder<T, string?> rule) =>
        rule.Must(IsSafe).WithMessage(Message);

    private static bool IsForbidden(char c) =>
        (char.IsControl(c) && c is not '\n' and not '\r' and not '\t')
        || c is >= '\u202A' and <= '\u202E'   // LRE, RLE, PDF, LRO, RLO
        || c is >= '\u2066' and <= '\u2069'   // LRI, RLI, FSI, PDI
        || c is '\u200E' or '\u200F' or '\u061C';
}
