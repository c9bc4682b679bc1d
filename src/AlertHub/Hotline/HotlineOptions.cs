using System.ComponentModel.DataAnnotations;

namespace AlertHub.Hotline;

internal sealed class HotlineOptions
{
    public const string SectionName = "Hotline";

    [Required]
    public TimeOnly Opens { get; set; } = new(7, 0);

    [Required]
    public TimeOnly Closes { get; set; } = new(19, 0);

    [Required]
    public string TimeZone { get; set; } = "Europe/Amsterdam";

    /// <summary>Comma-separated days (Mon,Tue,…); empty = every day, as the conference asked.</summary>
    public string? Days { get; set; }
}
