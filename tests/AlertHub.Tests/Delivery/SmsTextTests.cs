using AlertHub.Client;
using AlertHub.Delivery;

using AlertHub.Testing;

namespace AlertHub.Tests.Delivery;

public sealed class SmsTextTests
{
    private static readonly TimeZoneInfo Amsterdam = TimeZoneInfo.FindSystemTimeZoneById("Europe/Amsterdam");

    [Fact]
    public void AlertText_IsDutchGsm7AndFitsOneSegment()
    {
        var text = SmsText.Alert("AlertHub", AlertKind.Threat, "Demo College Zaandam",
            new DateTimeOffset(2026, 11, 23, 11, 3, 0, TimeSpan.Zero), Amsterdam, "http://127.0.0.1:5080/m/K7Q2XM");
        Assert.Equal("AlertHub: dreigende situatie bij Demo College Zaandam 12:03. Antwoord 1=gezien 2=onderweg 3=ter plaatse 4=kan niet. http://127.0.0.1:5080/m/K7Q2XM", text);
        Assert.True(text.Length <= SmsText.MaxLength);
        Assert.True(SmsText.IsGsm7(text));
    }

    [Fact]
    public void AlertText_WithLongNonGsmSchoolName_IsFoldedAndShortened()
    {
        var text = SmsText.Alert("AlertHub ESCALATIE", AlertKind.GroupMoving,
            "Christelijke Scholengemeenschap Reünie – locatie Ëlsloo-Noord voor Praktijkonderwijs en Vmbo",
            TestClock.Start, Amsterdam, "https://alerthub.example.nl/m/K7Q2XM");
        Assert.True(text.Length <= SmsText.MaxLength, $"{text.Length}: {text}");
        Assert.True(SmsText.IsGsm7(text), text);
        Assert.Contains("AlertHub ESCALATIE: groep in beweging bij Christelijke", text);
        Assert.Equal("Reünie - locatie Elsloo", SmsText.ToGsm7("Reünie – locatie Ëlsloo")); // ü is GSM-7, ë is not
        Assert.EndsWith("https://alerthub.example.nl/m/K7Q2XM", text);
    }

    // The hub checks signatures with Twilio's own RequestValidator; the fake signs with its own code, so the
    // webhook tests only prove something if the fake signs exactly like Twilio's published example.
    [Fact]
    public void FakeTwilioSignature_MatchesTwilioPublishedVector()
    {
        var fields = new Dictionary<string, string>
        {
            ["CallSid"] = "CA1234567890ABCDE", ["Caller"] = "+14158675309", ["Digits"] = "1234",
            ["From"] = "+14158675309", ["To"] = "+18005551212",
        };
        const string url = "https://mycompany.com/myapp.php?foo=1&bar=2";
        Assert.True(new Twilio.Security.RequestValidator("12345").Validate(url, fields, "RSOYDt4T1cUTdK1PDd93/VVr8B8="));
        Assert.False(new Twilio.Security.RequestValidator("12345").Validate(url + "&x=1", fields, "RSOYDt4T1cUTdK1PDd93/VVr8B8="));
        Assert.Equal("RSOYDt4T1cUTdK1PDd93/VVr8B8=", FakeTwilio.Sign("12345", url, fields));
    }
}
