using AlertHub.Client;

namespace AlertHub.People;

/// <summary>
/// Somebody in the network. A person who signs in has an Identity user with the same id;
/// a partner reached only by SMS has none.
/// </summary>
internal sealed class Person
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public required string Name { get; set; }
    public string? Email { get; set; }
    public required PersonRole Role { get; set; }
    public Discipline? Discipline { get; set; }

    /// <summary>E.164, e.g. +31612345678.</summary>
    public string? Phone { get; set; }
    public string? OrganisationId { get; set; }
    public Organisation? Organisation { get; set; }

    /// <summary>Null only for admins, who keep the directory and see no alerts.</summary>
    public string? RegionId { get; set; }

    /// <summary>The school a coordinator works for.</summary>
    public string? SchoolId { get; set; }
    public bool Active { get; set; } = true;

    /// <summary>
    /// Issue 17: the coordinator's personal code for raising an alert by SMS (<c>ALARM &lt;code&gt;</c>) when data is
    /// down; a PBKDF2 hash (ASP.NET Core Identity's hasher), never the code. Wrong codes in a row lock it for a while.
    /// </summary>
    public string? AlarmCodeHash { get; set; }
    public int AlarmCodeFailures { get; set; }
    public DateTimeOffset? AlarmCodeLockedUntil { get; set; }

    /// <summary>SMS to this number that failed in a row (Twilio 30003/30006/21610 …); reset on a delivery.</summary>
    public int SmsFailuresInARow { get; set; }

    /// <summary>Set when the number failed three times in a row: an admin should check it.</summary>
    public DateTimeOffset? PhoneFlaggedAt { get; set; }
    public string? LastSmsErrorCode { get; set; }
}

/// <summary>A window in which a person is on call for a region; backups are alerted on escalation.</summary>
internal sealed class RosterEntry
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public required string RegionId { get; set; }
    public required Guid PersonId { get; set; }
    public Person? Person { get; set; }
    public required DateTimeOffset From { get; set; }
    public required DateTimeOffset Until { get; set; }
    public bool IsBackup { get; set; }

    public bool Covers(DateTimeOffset moment) => From <= moment && moment < Until;
}
