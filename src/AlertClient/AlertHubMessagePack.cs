using System.Text.Json;
using MessagePack;
using MessagePack.Formatters;
using MessagePack.Resolvers;

namespace AlertHub.Client;

/// <summary>
/// The MessagePack settings of the AlertHub hub (issue 16): every payload has the shape CONTRACT.md gives it in JSON —
/// the same camelCase names, enums as the same snake_case strings, times as the same ISO 8601 strings — only packed.
/// So a browser or device decodes an Alert from MessagePack into exactly the object it would get from JSON (the web
/// app's code is the same for both), and nothing about the contract has two spellings. Server and client use these.
/// </summary>
public static class AlertHubMessagePack
{
    /// <summary>The hub's MessagePack options (untrusted-data limits included).</summary>
    public static MessagePackSerializerOptions Options { get; } = MessagePackSerializerOptions.Standard
        .WithResolver(new ContractShapedResolver(AlertHubJson.Options))
        .WithSecurity(MessagePackSecurity.UntrustedData);

    /// <summary>
    /// Numbers, booleans and strings as MessagePack writes them; everything else (alerts, lists, ids, times, enums)
    /// through the JSON contract, converted token by token into MessagePack by MessagePack's own converter.
    /// </summary>
    private sealed class ContractShapedResolver(JsonSerializerOptions json) : IFormatterResolver
    {
        private readonly System.Collections.Concurrent.ConcurrentDictionary<Type, object> _formatters = new();

        public IMessagePackFormatter<T>? GetFormatter<T>()
        {
            if (typeof(T).IsPrimitive || typeof(T) == typeof(string))
            {
                return StandardResolver.Instance.GetFormatter<T>();
            }
            return (IMessagePackFormatter<T>)_formatters.GetOrAdd(typeof(T), _ => new ContractShapedFormatter<T>(json));
        }
    }

    private sealed class ContractShapedFormatter<T>(JsonSerializerOptions json) : IMessagePackFormatter<T>
    {
        public void Serialize(ref MessagePackWriter writer, T value, MessagePackSerializerOptions options) =>
            JsonToMessagePack.Write(JsonSerializer.SerializeToUtf8Bytes(value, json), ref writer);

        public T Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
        {
            options.Security.DepthStep(ref reader);
            try
            {
                using var text = new StringWriter();
                MessagePackSerializer.ConvertToJson(ref reader, text, options);
                return JsonSerializer.Deserialize<T>(text.ToString(), json)!;
            }
            finally
            {
                reader.Depth--;
            }
        }
    }
}

/// <summary>
/// UTF-8 JSON to MessagePack, token by token. MessagePack puts the length of a map or an array before it, so a first
/// pass counts each container's members and the second writes. (MessagePack's own ConvertFromJson does the same from
/// a string, ten times slower: 22 ms for an alert with 2,000 recipients, which every push through Redis pays.)
/// </summary>
internal static class JsonToMessagePack
{
    public static void Write(ReadOnlySpan<byte> json, ref MessagePackWriter writer)
    {
        var counts = new List<int>();
        var open = new Stack<(int Index, bool IsMap)>();
        var reader = new Utf8JsonReader(json);
        while (reader.Read())
        {
            var token = reader.TokenType;
            if (token is JsonTokenType.EndObject or JsonTokenType.EndArray)
            {
                open.Pop();
                continue;
            }
            // A map's header counts its names (one per pair), an array's its values.
            if (open.TryPeek(out var container) && (token == JsonTokenType.PropertyName) == container.IsMap)
            {
                counts[container.Index]++;
            }
            if (token is JsonTokenType.StartObject or JsonTokenType.StartArray)
            {
                open.Push((counts.Count, token == JsonTokenType.StartObject));
                counts.Add(0);
            }
        }

        var next = 0;
        byte[]? scratch = null;
        reader = new Utf8JsonReader(json);
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject:
                    writer.WriteMapHeader(counts[next++]);
                    break;
                case JsonTokenType.StartArray:
                    writer.WriteArrayHeader(counts[next++]);
                    break;
                case JsonTokenType.PropertyName or JsonTokenType.String:
                    if (reader.ValueIsEscaped)
                    {
                        scratch = scratch is null || scratch.Length < reader.ValueSpan.Length ? new byte[Math.Max(256, reader.ValueSpan.Length)] : scratch;
                        writer.WriteString(scratch.AsSpan(0, reader.CopyString(scratch)));
                    }
                    else
                    {
                        writer.WriteString(reader.ValueSpan);
                    }
                    break;
                case JsonTokenType.Number:
                    if (reader.TryGetInt64(out var integer))
                    {
                        writer.Write(integer);
                    }
                    else
                    {
                        writer.Write(reader.GetDouble());
                    }
                    break;
                case JsonTokenType.True:
                    writer.Write(true);
                    break;
                case JsonTokenType.False:
                    writer.Write(false);
                    break;
                case JsonTokenType.Null:
                    writer.WriteNil();
                    break;
            }
        }
    }
}
