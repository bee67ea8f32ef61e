using System.Collections;
using System.Globalization;
using System.Management.Automation;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cxpa.Emulator;

/// <summary>PowerShell values to JSON (agent outputs) and JSON to PowerShell objects (request bodies).</summary>
internal static class PsJson
{
    /// <summary>Hashtables, PSCustomObjects, arrays and plain values as JSON; anything else is refused with its path.</summary>
    public static JsonNode? ToJson(object? value, string path, int depth = 0)
    {
        if (depth > 32) throw new ArgumentException($"{path} is nested deeper than 32 levels.");
        if (value is PSObject pso && pso.BaseObject is not PSCustomObject) value = pso.BaseObject;
        switch (value)
        {
            case null: return null;
            case string s: return JsonValue.Create(s);
            case bool b: return JsonValue.Create(b);
            case int or long or short or byte or sbyte or uint or ushort: return JsonValue.Create(Convert.ToInt64(value, CultureInfo.InvariantCulture));
            case ulong u: return JsonValue.Create(u);
            case double or float or decimal: return JsonValue.Create(Convert.ToDouble(value, CultureInfo.InvariantCulture));
            case DateTime dt: return JsonValue.Create(dt.ToUniversalTime().ToString("o", CultureInfo.InvariantCulture));
            case DateTimeOffset dto: return JsonValue.Create(dto.ToUniversalTime().ToString("o", CultureInfo.InvariantCulture));
            case Guid g: return JsonValue.Create(g.ToString("D"));
            case IDictionary d:
            {
                var o = new JsonObject();
                foreach (DictionaryEntry kv in d) o[Convert.ToString(kv.Key, CultureInfo.InvariantCulture)!] = ToJson(kv.Value, $"{path}.{kv.Key}", depth + 1);
                return o;
            }
            case PSObject custom:
            {
                var o = new JsonObject();
                foreach (var p in custom.Properties) o[p.Name] = ToJson(p.Value, $"{path}.{p.Name}", depth + 1);
                return o;
            }
            case IEnumerable e:
            {
                var a = new JsonArray();
                int i = 0;
                foreach (var item in e) a.Add(ToJson(item, $"{path}[{i++}]", depth + 1));
                return a;
            }
            default:
                throw new ArgumentException($"{path} is a {value.GetType().FullName}: use hashtables, arrays, strings, numbers and booleans.");
        }
    }

    private static readonly string[] SecretNames = { "password", "secret", "token", "apikey", "api_key", "authorization", "credential" };

    /// <summary>Whether a property name says it holds a secret (accessToken, credentialsToken, agentApiKey, password...).</summary>
    public static bool IsSecretName(string name)
    {
        var n = name.Replace("-", "").ToLowerInvariant();
        return SecretNames.Any(s => n.Contains(s.Replace("-", ""), StringComparison.Ordinal));
    }

    /// <summary>JSON text as PowerShell objects with secret-named properties masked; the text itself when it is not JSON.</summary>
    public static object? FromJsonText(string? text)
    {
        if (string.IsNullOrEmpty(text)) return null;
        JsonNode? node;
        try { node = JsonNode.Parse(text); }
        catch (JsonException) { return text; }
        return ToPs(node, 0);
    }

    private static object? ToPs(JsonNode? node, int depth)
    {
        switch (node)
        {
            case null: return null;
            case JsonObject o:
            {
                var ps = new PSObject();
                foreach (var kv in o)
                    ps.Properties.Add(new PSNoteProperty(kv.Key, IsSecretName(kv.Key) && kv.Value is not null ? "<redacted>" : depth > 64 ? null : ToPs(kv.Value, depth + 1)));
                return ps;
            }
            case JsonArray a: return a.Select(x => ToPs(x, depth + 1)).ToArray();
            default:
            {
                var v = (JsonValue)node;
                return v.GetValueKind() switch
                {
                    JsonValueKind.String => v.GetValue<string>(),
                    JsonValueKind.True => true,
                    JsonValueKind.False => false,
                    JsonValueKind.Number when v.TryGetValue<long>(out var l) => l,
                    JsonValueKind.Number => v.GetValue<double>(),
                    _ => null,
                };
            }
        }
    }
}
