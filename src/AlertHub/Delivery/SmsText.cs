using System.Globalization;
using System.Text;
using AlertHub.Client;

namespace AlertHub.Delivery;

/// <summary>
/// SMS texts: Dutch, at most 160 GSM-7 characters (one segment), and by construction free of names,
/// notes and updates — only the school, the time, reply codes and a link.
/// </summary>
internal static class SmsText
{
    public const int MaxLength = 160;
    public const string ReplyCodes = "Antwoord 1=gezien 2=onderweg 3=ter plaatse 4=kan niet.";
    public const string Help = "AlertHub: antwoord met 1=gezien 2=onderweg 3=ter plaatse 4=kan niet.";
    public const string NothingOpen = "AlertHub: er is geen open melding om op te reageren.";

    private const string Gsm7Basic =
        "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";

    public static string Alert(string prefix, AlertKind kind, string schoolName, DateTimeOffset raisedAt, TimeZoneInfo zone, string link)
    {
        var time = TimeZoneInfo.ConvertTime(raisedAt, zone).ToString("HH:mm", CultureInfo.InvariantCulture);
        string Compose(string school) => $"{prefix}: {KindText(kind)} bij {school} {time}. {ReplyCodes} {link}";
        return Fit(Compose, schoolName);
    }

    public static string Evaluation(string schoolName, DateTimeOffset raisedAt, TimeZoneInfo zone, string link)
    {
        var date = TimeZoneInfo.ConvertTime(raisedAt, zone).ToString("d-M", CultureInfo.InvariantCulture);
        return Fit(school => $"AlertHub: de evaluatie van de melding bij {school} op {date} is nu aan de beurt. {link}", schoolName);
    }

    public static string Reply(AckResponse response) => $"AlertHub: bedankt, uw reactie \"{ResponseText(response)}\" is doorgegeven.";

    public static string KindText(AlertKind kind) => kind switch
    {
        AlertKind.Weapon => "wapen gezien",
        AlertKind.Fight => "vechtpartij",
        AlertKind.GroupMoving => "groep in beweging",
        AlertKind.Other => "melding",
        _ => "dreigende situatie",
    };

    public static string ResponseText(AckResponse response) => response switch
    {
        AckResponse.Seen => "gezien",
        AckResponse.OnMyWay => "onderweg",
        AckResponse.OnScene => "ter plaatse",
        _ => "kan niet",
    };

    public static bool IsGsm7(string text) => text.All(c => Gsm7Basic.Contains(c));

    /// <summary>Folds characters outside the GSM-7 basic set (ë → e, – → -), so one segment stays one segment.</summary>
    public static string ToGsm7(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var c in text.Normalize(NormalizationForm.FormC))
        {
            if (Gsm7Basic.Contains(c))
            {
                builder.Append(c);
                continue;
            }
            var folded = c.ToString().Normalize(NormalizationForm.FormD)
                .Where(d => CharUnicodeInfo.GetUnicodeCategory(d) != UnicodeCategory.NonSpacingMark && Gsm7Basic.Contains(d))
                .ToArray();
            builder.Append(folded.Length > 0 ? new string(folded) : c is '–' or '—' ? "-" : c is '’' or '‘' ? "'" : "?");
        }
        return builder.ToString();
    }

    internal static string Fit(Func<string, string> compose, string schoolName)
    {
        var school = ToGsm7(schoolName);
        var text = ToGsm7(compose(school));
        if (text.Length > MaxLength)
        {
            var room = Math.Max(8, school.Length - (text.Length - MaxLength) - 1);
            text = ToGsm7(compose(school[..Math.Min(room, school.Length)].TrimEnd() + "."));
        }
        return text.Length <= MaxLength ? text : text[..MaxLength];
    }
}
