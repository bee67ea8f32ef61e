using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cxpa.Emulator;

/// <summary>Reading request bodies: one JSON object, then typed fields whose problems collect in a details object (422).</summary>
internal static class RequestBody
{
    /// <summary>The largest body read (a bigger one is 413).</summary>
    public const int MaxBytes = 16 * 1024 * 1024;

    public static async Task<JsonObject> ReadAsync(EmulatorExchange x)
    {
        var node = await ReadNodeAsync(x).ConfigureAwait(false);
        if (node is JsonObject o) return o;
        throw ApiException.Validation("body", "must be a JSON object");
    }

    /// <summary>The body as JSON (null when it is not JSON).</summary>
    public static async Task<JsonNode?> ReadNodeAsync(EmulatorExchange x)
    {
        if (x.BufferedBody is null && !await x.BufferBodyAsync(MaxBytes).ConfigureAwait(false))
            throw new ApiException(413, "payload_too_large", $"The body is larger than {MaxBytes} bytes.");
        try
        {
            var node = JsonNode.Parse(x.BufferedBody!);
            if (node is JsonObject o) _ = o.Count; // materialize (duplicate keys surface here)
            return node;
        }
        catch (JsonException) { }
        catch (ArgumentException) { }
        catch (InvalidOperationException) { }
        return null;
    }

    public static JsonObject? OptObject(JsonObject body, string name, JsonObject errors)
    {
        var n = body[name];
        if (n is null) return null;
        if (n is JsonObject o) return (JsonObject)o.DeepClone();
        errors[name] = "must be a JSON object";
        return null;
    }

    public static string? OptString(JsonObject body, string name, JsonObject errors)
    {
        var n = body[name];
        if (n is null) return null;
        if (n is JsonValue v && v.GetValueKind() == JsonValueKind.String) return v.GetValue<string>();
        errors[name] = "must be a string";
        return null;
    }

    public static bool? OptBool(JsonObject body, string name, JsonObject errors)
    {
        var n = body[name];
        if (n is null) return null;
        if (n is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False) return v.GetValue<bool>();
        errors[name] = "must be a boolean";
        return null;
    }

    public static long? OptInteger(JsonObject body, string name, JsonObject errors, long min, string message)
    {
        var n = body[name];
        if (n is null) return null;
        if (n is JsonValue v && v.GetValueKind() == JsonValueKind.Number)
        {
            long value;
            if (v.TryGetValue<long>(out value) || (v.TryGetValue<double>(out var d) && d == Math.Floor(d) && Math.Abs(d) < 9e15 && (value = (long)d) == d))
            {
                if (value >= min) return value;
            }
        }
        errors[name] = message;
        return null;
    }

    public static string? ExternalRunId(JsonObject body, JsonObject errors)
    {
        var n = body["externalRunId"];
        if (n is null)
        {
            errors["externalRunId"] = "is required (a string of 1 to 255 characters)";
            return null;
        }
        if (n is JsonValue v && v.GetValueKind() == JsonValueKind.String)
        {
            var s = v.GetValue<string>();
            if (s.Length is >= 1 and <= 255) return s;
        }
        errors["externalRunId"] = "must be a string of 1 to 255 characters";
        return null;
    }

    public static void ThrowIfAny(JsonObject errors)
    {
        if (errors.Count > 0) throw ApiException.Validation(errors);
    }

    private static readonly object ConfigNodeGate = new();

    /// <summary>Copies a JSON node of the config; parsed nodes materialize lazily and are not safe to read from two threads at once.</summary>
    public static JsonNode? CloneConfigNode(JsonNode? node)
    {
        if (node is null) return null;
        lock (ConfigNodeGate) return node.DeepClone();
    }
}
