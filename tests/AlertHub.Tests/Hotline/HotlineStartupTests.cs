using System.Globalization;
using AlertHub.Hotline;
using AlertHub.Testing;
using Microsoft.Extensions.Options;

namespace AlertHub.Tests.Hotline;

/// <summary>Hotline settings that would make every raise fail, or the hotline never open, stop the hub at start-up.</summary>
public sealed class HotlineStartupTests
{
    [Fact]
    public async Task BadTimeZone_TheHubProcessRefusesToStart_NamingTheSetting_AndLeavesNoProcess()
    {
        var refused = await Assert.ThrowsAsync<HubDidNotStartException>(() =>
            HubProcess.StartAsync(new Dictionary<string, string?> { ["Hotline:TimeZone"] = "Europe/Amsterdm" }));

        Assert.NotNull(refused.ExitCode); // it ended by itself, it was not stopped for not listening
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("Hotline:TimeZone 'Europe/Amsterdm' is not a time zone this machine knows", refused.Log, StringComparison.Ordinal);
        Assert.False(HubProcess.AnyRunningIn(refused.Folder));
        Assert.False(Directory.Exists(refused.Folder));
    }

    [Theory]
    [InlineData("Mon,Tuz,Wed", "Hotline:Days 'Mon,Tuz,Wed' has an unknown day 'Tuz'")]
    [InlineData("T", "Hotline:Days 'T' has an unknown day 'T'")]
    [InlineData(",", "Hotline:Days ',' names no day")]
    public async Task BadDays_RefuseToStart_NamingTheSetting(string days, string expected)
    {
        var refused = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            TestHost.StartAsync(settings: new Dictionary<string, string?> { ["Hotline:Days"] = days }));
        Assert.Contains(expected, refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpensEqualToCloses_IsRefused_AndTheMessageSaysHowToStayOpen()
    {
        var refused = await Assert.ThrowsAsync<OptionsValidationException>(() => TestHost.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Hotline:Opens"] = "08:00",
            ["Hotline:Closes"] = "08:00",
        }));
        Assert.Contains("Hotline:Opens and Hotline:Closes are both 08:00:00", refused.Message, StringComparison.Ordinal);
        Assert.Contains("Hotline:Opens=00:00 and Hotline:Closes=23:59:59.9999999", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Category", "Clock")]
    public async Task RoundTheClock_AsTheMessageSays_Starts_AndIsOpenAtTheLastTickOfTheDay()
    {
        var lastTick = TestClock.At(0, 23, 59).AddSeconds(59).AddTicks(TimeSpan.TicksPerSecond - 1);
        await using var host = await TestHost.StartAsync(time: TestClock.Fake(lastTick), settings: new Dictionary<string, string?>
        {
            ["Hotline:Opens"] = "00:00",
            ["Hotline:Closes"] = "23:59:59.9999999",
        });
        var alert = await (await host.LoginAsync(TestHost.Coordinator)).RaiseAsync();
        Assert.Null(alert.Notice); // no "De hotline is nu gesloten"
    }

    [Fact]
    public void RoundTheClock_IsOpenAtEveryInstant_AndEqualTimesAreNot()
    {
        var always = HotlineHours.For(new HotlineOptions { Opens = TimeOnly.MinValue, Closes = TimeOnly.MaxValue }, region: null);
        var monday = new DateTime(2026, 11, 23, 0, 0, 0, DateTimeKind.Unspecified);
        foreach (var local in new[] { monday, monday.AddHours(12), monday.AddDays(1).AddTicks(-1) })
        {
            var instant = new DateTimeOffset(local, TestClock.Amsterdam.GetUtcOffset(local));
            Assert.True(always.IsOpenAt(instant), local.ToString("O", CultureInfo.InvariantCulture));
            Assert.Equal(instant, always.NextOpening(instant));
        }
        Assert.False(new HotlineOptionsValidation().Validate(null, new HotlineOptions { Opens = TimeOnly.MinValue, Closes = TimeOnly.MaxValue }).Failed);
    }

    [Fact]
    public void For_ParsesEachRuleOnce()
    {
        var options = new HotlineOptions { Days = "Mon,Tue,Wed,Thu,Fri", TimeZone = "Europe/Amsterdam" };
        var region = new AlertHub.People.Region { Id = "r", Name = "R", HotlineOpens = new TimeOnly(8, 0), HotlineCloses = new TimeOnly(17, 0) };

        Assert.Same(HotlineHours.For(options, null), HotlineHours.For(new HotlineOptions { Days = "Mon,Tue,Wed,Thu,Fri" }, null));
        Assert.Same(HotlineHours.For(options, region), HotlineHours.For(options, region));
        Assert.NotSame(HotlineHours.For(options, null), HotlineHours.For(options, region));
    }

    [Theory]
    [InlineData("Europe/Amsterdam", true)]
    [InlineData("Europe/Amsterdm", false)]
    [InlineData("W. Europe Standard Time", false)] // a Windows id: the data must stay portable
    [InlineData("", false)]
    public void StartupAndRegionRules_AgreeOnTimeZones(string zone, bool known)
    {
        var startup = new HotlineOptionsValidation().Validate(null, new HotlineOptions { TimeZone = zone });
        var region = new AlertHub.People.RegionFieldsValidator().Validate(new RegionFields(zone));
        Assert.Equal(known, !startup.Failed);
        Assert.Equal(known || zone == "", region.IsValid); // a region without a zone uses Hotline:TimeZone
    }

    private sealed record RegionFields(string? TimeZone) : AlertHub.People.IRegionFields
    {
        public string? Name => "Regio";
        public string? HotlineDays => null;
        public Guid? OutOfHoursPersonId => null;
        public string? OutOfHoursEmail => null;
        public string? HotlineOpens => null;
        public string? HotlineCloses => null;
    }
}
