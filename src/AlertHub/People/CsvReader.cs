using System.Text;

namespace AlertHub.People;

/// <summary>One CSV record and the physical line it starts on (the header is line 1).</summary>
internal sealed record CsvRecord(int Line, IReadOnlyList<string> Fields);

/// <summary>The text is not valid CSV; <see cref="Line"/> is the physical line where the problem starts.</summary>
internal sealed class CsvFormatException(int line, string message) : Exception(message)
{
    public int Line => line;
}

/// <summary>
/// RFC 4180 CSV as spreadsheets write it: a field may be wrapped in double quotes, and then may contain
/// the delimiter, line breaks and quotes (doubled: <c>""</c>). CRLF, LF and a lone CR all end a record;
/// blank lines are skipped but still counted, so line numbers match what an editor shows. A byte-order
/// mark is ignored. Dutch Excel writes <c>;</c> instead of <c>,</c>: <see cref="DetectDelimiter"/>.
/// </summary>
internal static class CsvReader
{
    /// <summary>The delimiter of the header line: <c>;</c> when it has more semicolons than commas, else <c>,</c>.</summary>
    public static char DetectDelimiter(string text)
    {
        int commas = 0, semicolons = 0;
        var quoted = false;
        foreach (var c in text)
        {
            if (c == '"')
            {
                quoted = !quoted;
            }
            else if (!quoted && (c == '\r' || c == '\n'))
            {
                break;
            }
            else if (!quoted && c == ',')
            {
                commas++;
            }
            else if (!quoted && c == ';')
            {
                semicolons++;
            }
        }
        return semicolons > commas ? ';' : ',';
    }

    public static List<CsvRecord> Read(string text, char delimiter = ',')
    {
        var records = new List<CsvRecord>();
        var fields = new List<string>();
        var field = new StringBuilder();
        var line = 1;
        var recordLine = 1;
        var hasContent = false; // whitespace alone does not make a record
        var i = text.StartsWith('\uFEFF') ? 1 : 0;

        void EndRecord()
        {
            if (hasContent)
            {
                fields.Add(field.ToString());
                records.Add(new CsvRecord(recordLine, [.. fields]));
            }
            fields.Clear();
            field.Clear();
            hasContent = false;
        }

        while (i < text.Length)
        {
            var c = text[i];
            if (c == '"' && IsBlank(field))
            {
                // Spaces before an opening quote (a, "b") are layout, not data.
                field.Clear();
                hasContent = true;
                i = ReadQuoted(text, i + 1, field, ref line);
                while (i < text.Length && (text[i] == ' ' || text[i] == '\t'))
                {
                    i++;
                }
                if (i < text.Length && text[i] != delimiter && text[i] != '\r' && text[i] != '\n')
                {
                    throw new CsvFormatException(line,
                        $"Na een afsluitend aanhalingsteken hoort '{delimiter}' of het einde van de regel; gebruik \"\" voor een aanhalingsteken in een veld.");
                }
                continue;
            }
            if (c == delimiter)
            {
                fields.Add(field.ToString());
                field.Clear();
                hasContent = true;
                i++;
                continue;
            }
            if (c == '\r' || c == '\n')
            {
                EndRecord();
                i += c == '\r' && i + 1 < text.Length && text[i + 1] == '\n' ? 2 : 1;
                line++;
                recordLine = line;
                continue;
            }
            field.Append(c);
            hasContent |= !char.IsWhiteSpace(c);
            i++;
        }
        EndRecord();
        return records;
    }

    /// <summary>Reads a quoted field's content from just after the opening quote; returns the index after the closing quote.</summary>
    private static int ReadQuoted(string text, int i, StringBuilder field, ref int line)
    {
        var startLine = line;
        while (i < text.Length)
        {
            var c = text[i];
            if (c == '"')
            {
                if (i + 1 < text.Length && text[i + 1] == '"')
                {
                    field.Append('"');
                    i += 2;
                    continue;
                }
                return i + 1;
            }
            if (c == '\n' || (c == '\r' && (i + 1 >= text.Length || text[i + 1] != '\n')))
            {
                line++;
            }
            field.Append(c);
            i++;
        }
        throw new CsvFormatException(startLine, "Een veld dat met een aanhalingsteken (\") begint, wordt nergens afgesloten.");
    }

    private static bool IsBlank(StringBuilder field)
    {
        for (var i = 0; i < field.Length; i++)
        {
            if (field[i] != ' ' && field[i] != '\t')
            {
                return false;
            }
        }
        return true;
    }
}
