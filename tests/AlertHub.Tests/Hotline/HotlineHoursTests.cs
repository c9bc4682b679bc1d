using AlertHub.Hotline;

namespace AlertHub.Tests.Hotline;

// Clock: depends on dates and hours; .ci/run runs it again with the test clock on other days.
[Trait("Category", "Clock")]
public sealed class HotlineHoursTests
{
    private static readonly HotlineHours Default = HotlineHours.For(new HotlineOptions(), region: null);

    // Local times with the offset Amsterdam has on that day; a rule evaluated in UTC gets these wrong.
    [Theory]
    [InlineData("2026-11-23T06:59:00+01:00", false)] // ordinary winter day
    [InlineData("2026-11-23T07:00:00+01:00", true)]
    [InlineData("2026-11-23T18:59:00+01:00", true)]
    [InlineData("2026-11-23T19:00:00+01:00", false)]
    [InlineData("2026-07-01T06:59:00+02:00", false)] // ordinary summer day
    [InlineData("2026-07-01T07:00:00+02:00", true)]
    [InlineData("2026-07-01T18:59:00+02:00", true)]
    [InlineData("2026-07-01T19:00:00+02:00", false)]
    [InlineData("2026-03-29T06:59:00+02:00", false)] // spring forward: 02:00 → 03:00 that night
    [InlineData("2026-03-29T07:00:00+02:00", true)]
    [InlineData("2026-03-29T18:59:00+02:00", true)]
    [InlineData("2026-03-29T19:00:00+02:00", false)]
    [InlineData("2026-10-25T06:59:00+01:00", false)] // fall back: 03:00 → 02:00 that night
    [InlineData("2026-10-25T07:00:00+01:00", true)]
    [InlineData("2026-10-25T18:59:00+01:00", true)]
    [InlineData("2026-10-25T19:00:00+01:00", false)]
    public void IsOpenAt_UsesAmsterdamWallClock(string instant, bool open) =>
        Assert.Equal(open, Default.IsOpenAt(DateTimeOffset.Parse(instant, System.Globalization.CultureInfo.InvariantCulture)));

    [Fact]
    public void IsOpenAt_SameUtcHour_DiffersBetweenWinterAndSummer()
    {
        // 06:30 UTC is 07:30 in winter (open) and 08:30 in summer (open); 05:30 UTC is 06:30 winter (closed), 07:30 summer (open).
        Assert.False(Default.IsOpenAt(new DateTimeOffset(2026, 1, 15, 5, 30, 0, TimeSpan.Zero)));
        Assert.True(Default.IsOpenAt(new DateTimeOffset(2026, 6, 15, 5, 30, 0, TimeSpan.Zero)));
    }

    [Fact]
    public void NextOpening_AcrossTheSpringForwardNight_IsSevenLocal()
    {
        var saturdayEvening = DateTimeOffset.Parse("2026-03-28T19:30:00+01:00", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(DateTimeOffset.Parse("2026-03-29T05:00:00Z", System.Globalization.CultureInfo.InvariantCulture), Default.NextOpening(saturdayEvening));
    }

    [Fact]
    public void ConfiguredDays_CloseTheWeekend()
    {
        var weekdays = HotlineHours.For(new HotlineOptions { Days = "Mon,Tue,Wed,Thu,Fri" }, region: null);
        Assert.False(weekdays.IsOpenAt(DateTimeOffset.Parse("2026-11-22T12:00:00+01:00", System.Globalization.CultureInfo.InvariantCulture))); // Sunday
        Assert.True(weekdays.IsOpenAt(DateTimeOffset.Parse("2026-11-23T12:00:00+01:00", System.Globalization.CultureInfo.InvariantCulture))); // Monday
        Assert.Equal(DateTimeOffset.Parse("2026-11-23T06:00:00Z", System.Globalization.CultureInfo.InvariantCulture),
            weekdays.NextOpening(DateTimeOffset.Parse("2026-11-21T10:00:00+01:00", System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void RegionOverride_WinsOverDefaults()
    {
        var region = new AlertHub.People.Region { Id = "r", Name = "R", HotlineOpens = new TimeOnly(8, 0), HotlineCloses = new TimeOnly(17, 0) };
        var hours = HotlineHours.For(new HotlineOptions(), region);
        Assert.False(hours.IsOpenAt(DateTimeOffset.Parse("2026-11-23T07:30:00+01:00", System.Globalization.CultureInfo.InvariantCulture)));
        Assert.True(hours.IsOpenAt(DateTimeOffset.Parse("2026-11-23T08:00:00+01:00", System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Theory]
    [InlineData("Mon,Xyz")]
    [InlineData("T")]
    public void ParseDays_RejectsUnknownDays(string days) =>
        Assert.Throws<FormatException>(() => HotlineHours.ParseDays(days));
}
