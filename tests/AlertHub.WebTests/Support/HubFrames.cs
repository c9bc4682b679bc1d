using System.Text.Json;
using System.Text.Json.Nodes;
using MessagePack;

namespace AlertHub.WebTests.Support;

/// <summary>
/// The hub invocations (type 1) in one WebSocket frame the page sent or got, whichever protocol it speaks: JSON
/// records ending in 0x1e, or MessagePack messages each behind its variable-length size. Each comes back as
/// <c>{ "type": 1, "target": …, "arguments": […] }</c>.
/// </summary>
internal static class HubFrames
{
    public static IEnumerable<JsonElement> Invocations(string? text, byte[]? binary) =>
        // A JSON record always ends in 0x1e (the handshake of a MessagePack connection too); Playwright may fill both.
        text?.Contains('\u001e') == true || binary is not { Length: > 0 } ? FromJson(text) : FromMessagePack(binary);

    private static IEnumerable<JsonElement> FromJson(string? frame)
    {
        foreach (var record in (frame ?? "").Split('\u001e', StringSplitOptions.RemoveEmptyEntries))
        {
            JsonElement message;
            try
            {
                message = JsonDocument.Parse(record).RootElement.Clone();
            }
            catch (JsonException)
            {
                continue;
            }
            if (message.ValueKind == JsonValueKind.Object && message.TryGetProperty("type", out var type) && type.GetInt32() == 1)
            {
                yield return message;
            }
        }
    }

    private static List<JsonElement> FromMessagePack(byte[] frame)
    {
        var found = new List<JsonElement>();
        var at = 0;
        while (at < frame.Length)
        {
            var (length, shift) = (0, 0);
            byte b;
            do
            {
                b = frame[at++];
                length |= (b & 0x7f) << shift;
                shift += 7;
            }
            while ((b & 0x80) != 0 && at < frame.Length);
            if (length <= 0 || at + length > frame.Length)
            {
                break; // not a SignalR MessagePack frame after all
            }
            var message = JsonNode.Parse(MessagePackSerializer.ConvertToJson(frame.AsMemory(at, length)))!.AsArray();
            at += length;
            // [type, headers, invocationId, target, arguments, streamIds?]
            if ((int)message[0]! == 1)
            {
                var invocation = new JsonObject { ["type"] = 1, ["target"] = (string?)message[3], ["arguments"] = message[4]!.DeepClone() };
                found.Add(JsonSerializer.SerializeToElement(invocation));
            }
        }
        return found;
    }
}
