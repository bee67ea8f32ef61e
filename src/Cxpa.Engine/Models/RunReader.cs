using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text.Json;
using Cxpa.Engine.Json;

namespace Cxpa.Engine
{
    /// <summary>Reads run rows into <see cref="Run"/> (the type lives in Cxpa.Types, which has no JSON dependency).</summary>
    public static class RunReader
    {
        private static readonly HashSet<string> Known = new HashSet<string>(StringComparer.Ordinal)
        {
            "id", "agent_id", "status", "input_data", "output_data", "outputs", "error", "external_run_id",
            "created_by", "metadata", "created_at", "started_at", "completed_at",
        };

        /// <summary>Reads a run row.</summary>
        public static Run FromJson(JsonElement e, IJsonObjectFactory factory)
        {
            if (e.ValueKind != JsonValueKind.Object) throw new JsonException("A run row must be a JSON object.");
            var r = new Run();
            foreach (var p in e.EnumerateObject())
            {
                var v = p.Value;
                switch (p.Name)
                {
                    case "id": r.RunId = JsonRead.Int64(v) ?? 0; break;
                    case "agent_id": r.AgentId = JsonRead.Int64(v); break;
                    case "status": r.Status = JsonRead.String(v); break;
                    case "input_data": r.Input = JsonTree.ToValue(v, factory); break;
                    case "output_data": r.Output = JsonTree.ToValue(v, factory); break;
                    case "outputs": r.Outputs = JsonRead.Int64(v); break;
                    case "error": r.Error = JsonRead.ErrorText(v); break;
                    case "external_run_id": r.ExternalRunId = JsonRead.String(v); break;
                    case "created_by": r.CreatedBy = JsonRead.String(v); break;
                    case "metadata": r.Metadata = JsonTree.ToValue(v, factory); break;
                    case "created_at": r.CreatedAt = JsonRead.Date(v); break;
                    case "started_at": r.StartedAt = JsonRead.Date(v); break;
                    case "completed_at": r.CompletedAt = JsonRead.Date(v); break;
                    default: r.AdditionalProperties[p.Name] = JsonTree.ToValue(v, factory); break;
                }
            }
            return r;
        }

        internal static bool IsKnownField(string name) => Known.Contains(name);
    }

    internal static class JsonRead
    {
        public static long? Int64(JsonElement v)
        {
            if (v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var l)) return l;
            if (v.ValueKind == JsonValueKind.String && long.TryParse(v.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out l)) return l;
            return null;
        }

        public static int? Int32(JsonElement v)
        {
            var l = Int64(v);
            return l is >= int.MinValue and <= int.MaxValue ? (int?)l : null;
        }

        public static string? String(JsonElement v) => v.ValueKind switch
        {
            JsonValueKind.String => v.GetString(),
            JsonValueKind.Null or JsonValueKind.Undefined => null,
            _ => v.GetRawText(),
        };

        public static bool? Bool(JsonElement v) => v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => null,
        };

        public static DateTimeOffset? Date(JsonElement v)
        {
            if (v.ValueKind == JsonValueKind.String
                && DateTimeOffset.TryParse(v.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var d))
                return d;
            if (v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var secs))
                return DateTimeOffset.FromUnixTimeSeconds(secs);
            return null;
        }

        /// <summary>The error of a run row: a string, or an object's message.</summary>
        public static string? ErrorText(JsonElement v)
        {
            if (v.ValueKind == JsonValueKind.Object)
            {
                if (v.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String) return m.GetString();
                return v.GetRawText();
            }
            return String(v);
        }
    }
}
