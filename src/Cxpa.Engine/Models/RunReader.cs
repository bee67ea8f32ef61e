using System.Collections.Generic;
using System.Text.Json;
using Cxpa.Engine.Json;

namespace Cxpa.Engine.Models
{
    /// <summary>Reads run rows into <see cref="Run"/> (the type lives in Cxpa.Types, which has no JSON dependency).</summary>
    public static class RunReader
    {
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
                    default: r.SetAdditionalProperty(p.Name, JsonTree.ToValue(v, factory)); break;
                }
            }
            return r;
        }

        /// <summary>
        /// A run built from a trigger answer ({"runId", "status"}, or the zone create's {"runId"}): only what the platform
        /// said, plus the agent asked for and the input sent, echoed as the platform stores it in input_data
        /// (serialized as sent, then read back with <paramref name="factory"/>, so it has the shape of a run row's Input).
        /// Nothing comes from the local clock: CreatedAt, StartedAt and CompletedAt stay null.
        /// </summary>
        public static Run FromTriggerAnswer(JsonElement answer, long agentId, object? inputSent, IJsonObjectFactory factory)
        {
            var run = new Run { AgentId = agentId, Input = EchoInput(inputSent, factory) };
            if (answer.ValueKind == JsonValueKind.Object)
            {
                if (answer.TryGetProperty("runId", out var id)) run.RunId = JsonRead.Int64(id) ?? 0;
                else if (answer.TryGetProperty("id", out id)) run.RunId = JsonRead.Int64(id) ?? 0;
                if (answer.TryGetProperty("status", out var st)) run.Status = JsonRead.String(st);
            }
            return run;
        }

        /// <summary>
        /// The input of a trigger as the platform echoes it in input_data: the body sends an empty object for no input,
        /// so null echoes as an empty object. The value goes through JSON, so it is the same navigable object a run row gives.
        /// </summary>
        public static object? EchoInput(object? inputSent, IJsonObjectFactory factory)
        {
            var bytes = JsonTree.Serialize(inputSent ?? new Dictionary<string, object?>());
            using var doc = JsonDocument.Parse(bytes, JsonTree.DocumentOptions);
            // The user's own input may hold a key that the factory's objects cannot (an empty key, in PowerShell 'psobject'):
            // the run was started all the same, so it keeps the input as it was given.
            try { JsonTree.CheckAnswer(doc.RootElement, factory); }
            catch (UnreadableAnswerException) { return inputSent; }
            return JsonTree.ToValue(doc.RootElement, factory);
        }
    }
}
