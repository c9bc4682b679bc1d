using Microsoft.Extensions.Options;

namespace AlertHub.Hotline;

/// <summary>
/// The hotline hours decide whether partners get an SMS: a zone or day list that does not parse would make
/// every raise fail, so the hub refuses to start with it instead.
/// </summary>
internal sealed class HotlineOptionsValidation : IValidateOptions<HotlineOptions>
{
    public ValidateOptionsResult Validate(string? name, HotlineOptions options)
    {
        var failures = new List<string>();
        if (!HotlineHours.IsIanaTimeZone(options.TimeZone))
        {
            failures.Add($"Hotline:TimeZone '{options.TimeZone}' is not a time zone this machine knows: use an IANA name, e.g. Europe/Amsterdam.");
        }
        if (!HotlineHours.TryParseDays(options.Days, out _, out var unknown))
        {
            failures.Add(unknown is null
                ? $"Hotline:Days '{options.Days}' names no day: use e.g. Mon,Tue,Wed,Thu,Fri, or leave it empty for every day."
                : $"Hotline:Days '{options.Days}' has an unknown day '{unknown}': use Mon,Tue,Wed,Thu,Fri,Sat,Sun (or leave it empty for every day).");
        }
        if (options.Opens == options.Closes)
        {
            // As for a region's hours (RegionFieldsValidator): equal times could mean always or never open.
            failures.Add($"Hotline:Opens and Hotline:Closes are both {options.Opens:HH\\:mm\\:ss}; equal times are refused, as for a region's hours. "
                + "For a hotline that is always open set Hotline:Opens=00:00 and Hotline:Closes=23:59:59.9999999.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
