using System.ComponentModel.DataAnnotations;

namespace AlertHub.Infrastructure;

internal sealed class DatabaseOptions
{
    public const string SectionName = "Database";

    [RegularExpression("^(Sqlite|Postgres)$", ErrorMessage = "Database:Provider must be Sqlite or Postgres.")]
    public string Provider { get; set; } = "Sqlite";
}

internal sealed class DemoOptions
{
    public const string SectionName = "Demo";
    public bool Enabled { get; set; }
}

internal sealed class AlertsOptions
{
    public const string SectionName = "Alerts";

    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan SmsFallbackAfter { get; set; } = TimeSpan.FromSeconds(30);

    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan EscalateAfter { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>CONTRACT v2: how long an Idempotency-Key returns the same alert; after it the key is free again.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "30.00:00:00")]
    public TimeSpan IdempotencyWindow { get; set; } = TimeSpan.FromHours(24);
}

internal sealed class AuthOptions
{
    public const string SectionName = "Auth";

    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00")]
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromMinutes(30);

    [Range(typeof(TimeSpan), "00:10:00", "90.00:00:00")]
    public TimeSpan RefreshTokenLifetime { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// How long a trusted device (the web app's device sign-in) stays signed in, counted from the sign-in:
    /// an absolute window, not extended by use, so a stolen device credential is worth at most this long.
    /// </summary>
    [Range(1, 365)]
    public int DeviceSessionDays { get; set; } = 30;

    /// <summary>
    /// Access tokens carry the long claim types as short names (<c>Accounts/CompactTickets</c>). Every node reads both
    /// kinds; a node of a version before 2026-12-08 reads only long ones, so while such nodes still run beside this
    /// one (a rolling upgrade), set this to false and turn it on once every node runs this version.
    /// </summary>
    public bool ShortTokenNames { get; set; } = true;
}
