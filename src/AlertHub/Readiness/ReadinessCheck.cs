using System.ComponentModel.DataAnnotations;
using AlertHub.Client;

namespace AlertHub.Readiness;

internal sealed class ReadinessOptions
{
    public const string SectionName = "Readiness";

    /// <summary>Whether the opening check runs (off only where a test wants no traffic at 07:00).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How long every on-call partner's devices have to answer the silent check.</summary>
    [Range(typeof(TimeSpan), "00:00:10", "02:00:00")]
    public TimeSpan CheckWindow { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>A node that was down at the opening still runs the day's check this long after it.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "12:00:00")]
    public TimeSpan CatchUp { get; set; } = TimeSpan.FromHours(2);
}

/// <summary>
/// Issue 17: the silent check at the hotline's opening, once per region and local day (unique, so two nodes or a
/// restart cannot run it twice). Every on-call partner gets a data-only Web Push and a hub message; their devices
/// answer by themselves. At <see cref="AnswerBy"/> whoever did not answer is unreachable, listed for the team lead and
/// texted once to open the app.
/// </summary>
internal sealed class ReadinessCheck
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public required string RegionId { get; set; }
    public required DateOnly Day { get; set; }
    public required DateTimeOffset StartedAt { get; set; }
    public required DateTimeOffset AnswerBy { get; set; }
    public DateTimeOffset? ConcludedAt { get; set; }
    public List<ReadinessTarget> Targets { get; set; } = [];

    /// <summary>
    /// A device of theirs answered (also late, after the SMS got them to open the app): reachable; none did by the end
    /// of the window: not; still running: not known yet.
    /// </summary>
    public bool? Reachable(ReadinessTarget target) => ReachableOf(target.AnsweredAt is not null, ConcludedAt is not null);

    /// <summary><see cref="Reachable"/> from whether the target answered and whether the check is concluded.</summary>
    public static bool? ReachableOf(bool answered, bool concluded) => answered ? true : concluded ? false : null;
}

/// <summary>One on-call partner in a check: how many devices were asked, when one answered, what was wrong.</summary>
internal sealed class ReadinessTarget
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid CheckId { get; set; }
    public required Guid PersonId { get; set; }
    public required string Name { get; set; }
    public Discipline? Discipline { get; set; }
    public int Devices { get; set; }
    public DateTimeOffset? AnsweredAt { get; set; }
    /// <summary><c>webpush</c> (the service worker) or <c>app</c> (an open app on the hub).</summary>
    public string? AnsweredVia { get; set; }
    public ReadinessProblem? Problem { get; set; }
    public bool SmsSent { get; set; }
}

internal enum ReadinessProblem
{
    /// <summary>No device of theirs answered in time (they have one or more).</summary>
    NoAnswer,
    /// <summary>No device registered for push and no app open.</summary>
    NoDevice,
}
