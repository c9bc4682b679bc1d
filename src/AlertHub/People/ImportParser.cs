using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using AlertHub.Client;
using FluentValidation.Results;

namespace AlertHub.People;

/// <summary>One item of an import, the create body it stands for, and which of its fields could not even be read.</summary>
internal sealed record ImportItem<T>(string Label, T Item, IReadOnlySet<string> Unreadable);

/// <summary>Everything an import document holds, read but not yet checked; <see cref="Errors"/> are the read errors, keyed by label.</summary>
internal sealed class ImportBatch
{
    public List<ImportItem<CreateRegion>> Regions { get; } = [];
    public List<ImportItem<CreateOrganisation>> Organisations { get; } = [];
    public List<ImportItem<CreateSchool>> Schools { get; } = [];
    public List<ImportItem<CreatePerson>> People { get; } = [];
    public List<ImportItem<CreateRosterEntry>> Roster { get; } = [];
    public List<ValidationFailure> Errors { get; } = [];

    public int Count => Regions.Count + Organisations.Count + Schools.Count + People.Count + Roster.Count;

    /// <summary>An error of one item: the key names the item ("line 3", "people[2]"), the text starts with the field.</summary>
    public void Fail(string label, string? field, string message) =>
        Errors.Add(new ValidationFailure(label, field is null ? message : $"{DirectoryFormats.FieldLabel(field)}: {message}"));
}

/// <summary>
/// Reads an import: one JSON document with all kinds, or a CSV file of one kind. Column and property
/// names are those of the create bodies (case-insensitive); CSV columns per kind are in <see cref="CsvColumns"/>.
/// </summary>
internal static class ImportParser
{
    public static readonly string[] Kinds = ["regions", "organisations", "schools", "people", "roster"];

    /// <summary>CSV columns per kind; those marked required must be in the header.</summary>
    public static readonly IReadOnlyDictionary<string, (string Name, bool Required)[]> CsvColumns =
        new Dictionary<string, (string, bool)[]>
        {
            ["regions"] = [("id", true), ("name", true), ("hotlineOpens", false), ("hotlineCloses", false), ("timeZone", false),
                ("hotlineDays", false), ("outOfHoursEmail", false)],
            ["organisations"] = [("id", true), ("name", true), ("regionId", false)],
            ["schools"] = [("id", true), ("name", true), ("regionId", true), ("contactEmails", false), ("contactIds", false), ("address", false), ("phone", false)],
            ["people"] =
            [
                ("name", true), ("email", false), ("role", true), ("discipline", false), ("phone", false), ("organisationId", false),
                ("regionId", false), ("schoolId", false), ("active", false), ("password", false),
            ],
            ["roster"] = [("regionId", true), ("personEmail", false), ("personId", false), ("from", true), ("until", true), ("isBackup", false)],
        };

    /// <summary>One example line per kind for the template (Dutch values where the column takes a word).</summary>
    public static readonly IReadOnlyDictionary<string, string[]> CsvExample = new Dictionary<string, string[]>
    {
        ["regions"] = ["zaanstreek", "Zaanstreek", "07:00", "19:00", "Europe/Amsterdam", "Mon,Tue,Wed,Thu,Fri", ""],
        ["organisations"] = ["politie-zaanstreek", "Politie Zaanstreek", "zaanstreek"],
        ["schools"] = ["demo-college-zaandam", "Demo College Zaandam", "zaanstreek", "coordinator@school.nl", "", "Stationsstraat 1, 1506 DA Zaandam", "+31751234567"],
        ["people"] = ["Wijkagent Jansen", "jansen@politie.nl", "partner", "politie", "+31612345678", "politie-zaanstreek", "zaanstreek", "", "ja", ""],
        ["roster"] = ["zaanstreek", "jansen@politie.nl", "", "2027-01-04T07:00:00+01:00", "2027-01-11T07:00:00+01:00", "nee"],
    };

    /// <summary>The CSV template of one kind: the header (required columns first as listed) and one example line.</summary>
    public static string Template(string kind) =>
        string.Join(",", CsvColumns[kind].Select(c => c.Name)) + "\r\n"
        + string.Join(",", CsvExample[kind].Select(v => v.Contains(',', StringComparison.Ordinal) ? $"\"{v}\"" : v)) + "\r\n";

    /// <summary>How to call the import, for the OpenAPI description.</summary>
    public static string Description =>
        "Content-Type application/json: one document { regions, organisations, schools, people, roster }, each a list of "
        + "create bodies; schools name contacts by contactEmails and roster entries their person by personEmail. "
        + "Content-Type text/csv with ?kind=" + string.Join("|", Kinds) + ": UTF-8, comma or semicolon separated, RFC 4180 "
        + "quoting, a header line naming the columns (case-insensitive; * = required): "
        + string.Join("; ", CsvColumns.Select(k => $"{k.Key}: {string.Join(",", k.Value.Select(c => c.Name + (c.Required ? "*" : "")))}"))
        + ". Errors: 400 with errors keyed by \"line N\" (CSV, header = line 1) or \"kind[i]\" (JSON); nothing is written. "
        + $"At most {PeopleApi.MaxImportBytes / (1024 * 1024)} MB.";

    private static readonly JsonSerializerOptions ItemOptions = AlertHubJson.Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    // ---------------------------------------------------------------- JSON

    public static ImportBatch FromJson(ReadOnlyMemory<byte> body)
    {
        var batch = new ImportBatch();
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException e)
        {
            batch.Fail("body", null, $"De JSON is ongeldig rond regel {e.LineNumber + 1}, positie {e.BytePositionInLine + 1}.");
            return batch;
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                batch.Fail("body", null, "Verwacht één JSON-object met regions, organisations, schools, people en/of roster.");
                return batch;
            }
            foreach (var part in document.RootElement.EnumerateObject())
            {
                var kind = Kinds.FirstOrDefault(k => string.Equals(k, part.Name, StringComparison.OrdinalIgnoreCase));
                if (kind is null)
                {
                    batch.Fail(part.Name, null, $"Onbekend onderdeel; verwacht {string.Join(", ", Kinds)}.");
                    continue;
                }
                if (part.Value.ValueKind == JsonValueKind.Null)
                {
                    continue;
                }
                if (part.Value.ValueKind != JsonValueKind.Array)
                {
                    batch.Fail(kind, null, "Verwacht een lijst ([ … ]).");
                    continue;
                }
                var i = 0;
                foreach (var element in part.Value.EnumerateArray())
                {
                    var label = $"{kind}[{i++}]";
                    switch (kind)
                    {
                        case "regions": AddJson(batch, batch.Regions, label, element); break;
                        case "organisations": AddJson(batch, batch.Organisations, label, element); break;
                        case "schools": AddJson(batch, batch.Schools, label, element); break;
                        case "people": AddJson(batch, batch.People, label, element); break;
                        default: AddJson(batch, batch.Roster, label, element); break;
                    }
                }
            }
        }
        return batch;
    }

    private static void AddJson<T>(ImportBatch batch, List<ImportItem<T>> items, string label, JsonElement element) where T : class
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            batch.Fail(label, null, "Verwacht een object ({ … }).");
            return;
        }
        // A misspelt field would otherwise be dropped without a word, and the import would "succeed" without it.
        var known = JsonFields<T>.Names;
        var unknown = element.EnumerateObject().Select(p => p.Name).Where(n => !known.Contains(n)).ToList();
        foreach (var name in unknown)
        {
            batch.Fail(label, name, $"Onbekend veld; mogelijk zijn {string.Join(", ", known)}.");
        }
        if (unknown.Count > 0)
        {
            return;
        }
        try
        {
            items.Add(new ImportItem<T>(label, element.Deserialize<T>(ItemOptions)!, new HashSet<string>()));
        }
        catch (JsonException e)
        {
            var field = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? null : e.Path.TrimStart('$', '.');
            batch.Fail(label, field, "Ongeldige waarde voor dit veld.");
        }
    }

    private static class JsonFields<T>
    {
        public static readonly HashSet<string> Names = new(
            typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance)
                .Where(p => p.GetCustomAttribute<JsonIgnoreAttribute>() is null)
                .Select(p => JsonNamingPolicy.CamelCase.ConvertName(p.Name)),
            StringComparer.OrdinalIgnoreCase);
    }

    // ---------------------------------------------------------------- CSV

    public static ImportBatch FromCsv(ReadOnlyMemory<byte> body, string kind)
    {
        var batch = new ImportBatch();
        string text;
        try
        {
            text = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(body.Span);
        }
        catch (DecoderFallbackException)
        {
            batch.Fail("body", null, "Het bestand is geen UTF-8-tekst; sla het op als 'CSV UTF-8'.");
            return batch;
        }

        List<CsvRecord> records;
        try
        {
            records = CsvReader.Read(text, CsvReader.DetectDelimiter(text));
        }
        catch (CsvFormatException e)
        {
            batch.Fail($"line {e.Line}", null, e.Message);
            return batch;
        }

        var columns = CsvColumns[kind];
        var allowed = string.Join(", ", columns.Select(c => c.Name));
        if (records.Count == 0)
        {
            batch.Fail("line 1", null, $"Het bestand is leeg; de eerste regel noemt de kolommen: {allowed}.");
            return batch;
        }
        var header = records[0];
        var positions = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < header.Fields.Count; i++)
        {
            var name = header.Fields[i].Trim();
            var column = columns.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase)).Name;
            if (column is null)
            {
                batch.Fail($"line {header.Line}", null, $"Onbekende kolom '{name}'; mogelijk zijn {allowed}.");
            }
            else if (!positions.TryAdd(column, i))
            {
                batch.Fail($"line {header.Line}", null, $"Kolom '{column}' staat er twee keer in.");
            }
        }
        foreach (var (name, _) in columns.Where(c => c.Required && !positions.ContainsKey(c.Name)))
        {
            batch.Fail($"line {header.Line}", null, $"Kolom '{name}' ontbreekt.");
        }
        if (batch.Errors.Count > 0)
        {
            return batch;
        }
        if (records.Count == 1)
        {
            batch.Fail($"line {header.Line + 1}", null, "Er staan geen gegevens onder de kolomnamen.");
            return batch;
        }

        foreach (var record in records.Skip(1))
        {
            var label = $"line {record.Line}";
            if (record.Fields.All(string.IsNullOrWhiteSpace))
            {
                continue; // spreadsheets export emptied rows as ",,,,"
            }
            if (record.Fields.Count != header.Fields.Count)
            {
                batch.Fail(label, null, $"Verwacht {header.Fields.Count} velden zoals de kopregel, maar deze regel heeft er {record.Fields.Count}.");
                continue;
            }
            var row = new CsvRow(positions, record.Fields, batch, label);
            switch (kind)
            {
                case "regions":
                    batch.Regions.Add(row.Item(new CreateRegion(
                        row.Text("id"), row.Text("name"), row.Text("hotlineOpens"), row.Text("hotlineCloses"), row.Text("timeZone"),
                        row.Text("hotlineDays"), null, row.Text("outOfHoursEmail"))));
                    break;
                case "organisations":
                    batch.Organisations.Add(row.Item(new CreateOrganisation(row.Text("id"), row.Text("name"), row.Text("regionId"))));
                    break;
                case "schools":
                    batch.Schools.Add(row.Item(new CreateSchool(
                        row.Text("id"), row.Text("name"), row.Text("regionId"), row.Guids("contactIds"), row.List("contactEmails"),
                        row.Text("address"), row.Text("phone"))));
                    break;
                case "people":
                    batch.People.Add(row.Item(new CreatePerson(
                        row.Text("name"), row.Text("email"), row.Enum<PersonRole>("role"), row.Enum<Discipline>("discipline"),
                        row.Text("phone"), row.Text("organisationId"), row.Text("regionId"), row.Text("schoolId"),
                        row.Bool("active"), row.Raw("password"))));
                    break;
                default:
                    batch.Roster.Add(row.Item(new CreateRosterEntry(
                        row.Text("regionId"), row.Guid("personId"), row.Text("personEmail"),
                        row.Instant("from"), row.Instant("until"), row.Bool("isBackup"))));
                    break;
            }
        }
        return batch;
    }

    /// <summary>Typed access to one CSV row; a value that cannot be read is reported once and then counts as absent.</summary>
    private sealed class CsvRow(Dictionary<string, int> positions, IReadOnlyList<string> fields, ImportBatch batch, string label)
    {
        private readonly HashSet<string> _unreadable = [];

        public ImportItem<T> Item<T>(T item) => new(label, item, _unreadable);

        public string? Raw(string column) =>
            positions.TryGetValue(column, out var i) && fields[i].Length > 0 ? fields[i] : null;

        public string? Text(string column) => DirectoryFormats.Blank(Raw(column));

        public T? Enum<T>(string column) where T : struct, System.Enum
        {
            if (Text(column) is not { } text)
            {
                return null;
            }
            return DirectoryFormats.TryParseEnum<T>(text, out var value)
                ? value
                : Unreadable<T?>(column, $"Onbekende waarde '{text}'; kies {DirectoryFormats.Choices<T>()}.");
        }

        public bool? Bool(string column) => Text(column)?.ToLowerInvariant() switch
        {
            null => null,
            "true" or "ja" or "j" or "yes" or "y" or "1" => true,
            "false" or "nee" or "n" or "no" or "0" => false,
            var other => Unreadable<bool?>(column, $"Onbekende waarde '{other}'; gebruik ja of nee."),
        };

        public Guid? Guid(string column)
        {
            if (Text(column) is not { } text)
            {
                return null;
            }
            return System.Guid.TryParse(text, out var id) ? id : Unreadable<Guid?>(column, $"Ongeldig id '{text}'.");
        }

        public IReadOnlyList<Guid>? Guids(string column)
        {
            var parts = List(column);
            if (parts is null)
            {
                return null;
            }
            var ids = new List<Guid>();
            foreach (var part in parts)
            {
                if (!System.Guid.TryParse(part, out var id))
                {
                    return Unreadable<IReadOnlyList<Guid>?>(column, $"Ongeldig id '{part}'.");
                }
                ids.Add(id);
            }
            return ids;
        }

        /// <summary>Several values in one cell, separated by semicolons, commas or spaces.</summary>
        public IReadOnlyList<string>? List(string column) =>
            Text(column)?.Split([';', ',', ' ', '\t', '\r', '\n'], StringSplitOptions.RemoveEmptyEntries);

        public DateTimeOffset? Instant(string column)
        {
            if (Text(column) is not { } text)
            {
                return null;
            }
            return DirectoryFormats.TryParseInstant(text, out var value)
                ? value.ToUniversalTime()
                : Unreadable<DateTimeOffset?>(column,
                    $"Ongeldig tijdstip '{text}'; gebruik ISO 8601 met tijdzone, bijv. 2026-12-01T07:00:00+01:00 of 2026-12-01T06:00:00Z.");
        }

        private T Unreadable<T>(string column, string message)
        {
            _unreadable.Add(column);
            batch.Fail(label, column, message);
            return default!;
        }
    }
}
