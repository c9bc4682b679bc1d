using AlertHub.People;

namespace AlertHub.Tests.People;

public sealed class CsvReaderTests
{
    private static string[][] Fields(List<CsvRecord> records) => [.. records.Select(r => r.Fields.ToArray())];

    [Fact]
    public void QuotedFields_KeepCommasQuotesAndLineBreaks()
    {
        var records = CsvReader.Read("a,b,c\r\n\"Jansen, Piet\",\"zegt \"\"hoi\"\"\",\"regel 1\r\nregel 2\"\r\nx,,\"\"\r\n");

        Assert.Equal(
            [["a", "b", "c"], ["Jansen, Piet", "zegt \"hoi\"", "regel 1\r\nregel 2"], ["x", "", ""]],
            Fields(records));
        Assert.Equal([1, 2, 4], records.Select(r => r.Line));
    }

    [Fact]
    public void LineNumbers_CountBlankLinesAndEveryKindOfLineBreak()
    {
        var records = CsvReader.Read("\uFEFFh1,h2\n\n1,2\r3,4\r\n   \r\n5,6");

        Assert.Equal([["h1", "h2"], ["1", "2"], ["3", "4"], ["5", "6"]], Fields(records));
        Assert.Equal([1, 3, 4, 6], records.Select(r => r.Line));
    }

    [Fact]
    public void SpacesAroundAQuotedField_AreLayout()
    {
        var records = CsvReader.Read("a , \"b, c\" ,d\n");
        Assert.Equal([["a ", "b, c", "d"]], Fields(records));
    }

    [Fact]
    public void AQuoteInsideAnUnquotedField_IsData()
    {
        Assert.Equal([["12\" scherm", "x"]], Fields(CsvReader.Read("12\" scherm,x")));
    }

    [Fact]
    public void UnclosedQuote_IsReportedAtTheLineWhereItOpens()
    {
        var error = Assert.Throws<CsvFormatException>(() => CsvReader.Read("a,b\n1,\"open\n\n2,3\n"));
        Assert.Equal(2, error.Line);
    }

    [Fact]
    public void TextAfterAClosingQuote_IsAnError()
    {
        var error = Assert.Throws<CsvFormatException>(() => CsvReader.Read("a,b\n\"x\"y,2\n"));
        Assert.Equal(2, error.Line);
    }

    [Theory]
    [InlineData("id;name;regionId\n", ';')]
    [InlineData("id,name,regionId\n", ',')]
    [InlineData("\"a;b\",c\n", ',')]
    [InlineData("name\n", ',')]
    public void Delimiter_IsTakenFromTheHeaderLine(string text, char expected) =>
        Assert.Equal(expected, CsvReader.DetectDelimiter(text));

    [Fact]
    public void Semicolons_WorkLikeCommas()
    {
        Assert.Equal([["a", "b;c", "d,e"]], Fields(CsvReader.Read("a;\"b;c\";d,e", ';')));
    }
}
