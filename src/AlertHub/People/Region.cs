namespace AlertHub.People;

internal sealed class Region
{
    public required string Id { get; set; }
    public required string Name { get; set; }

    // Hotline hours in the region's local time; null = the configured default.
    public TimeOnly? HotlineOpens { get; set; }
    public TimeOnly? HotlineCloses { get; set; }
    public string? TimeZone { get; set; }

    /// <summary>Days the hotline is open, e.g. "Mon,Tue,Wed,Thu,Fri"; null = the configured default.</summary>
    public string? HotlineDays { get; set; }

    /// <summary>Who still gets the SMS when an alert is raised outside hotline hours (optional).</summary>
    public Guid? OutOfHoursPersonId { get; set; }
}

internal sealed class School
{
    public required string Id { get; set; }
    public required string Name { get; set; }
    public required string RegionId { get; set; }
    public Region? Region { get; set; }

    /// <summary>Street, number and town: the partners who come need it (a map link is made from it).</summary>
    public string? Address { get; set; }

    /// <summary>The school's own number (reception, the safety desk): E.164.</summary>
    public string? Phone { get; set; }

    public List<SchoolContact> Contacts { get; set; } = [];
}

internal sealed class Organisation
{
    public required string Id { get; set; }
    public required string Name { get; set; }
    public string? RegionId { get; set; }
}

/// <summary>A fixed contact of a school (its wijkagent, jeugdambassadeur, …): always alerted for that school.</summary>
internal sealed class SchoolContact
{
    public required string SchoolId { get; set; }
    public required Guid PersonId { get; set; }
    public Person? Person { get; set; }
}
