using System.Text.Json.Nodes;

namespace Cxpa.Emulator;

/// <summary>An error answered as {"error", "code", "details"}.</summary>
internal sealed class ApiException : Exception
{
    public ApiException(int status, string code, string message, JsonObject? details = null) : base(message)
    { Status = status; Code = code; Details = details; }
    public int Status { get; }
    public string Code { get; }
    public JsonObject? Details { get; }

    public static ApiException Unauthorized(string m) => new(401, "unauthorized", m);
    public static ApiException NotEligible(string m) => new(403, "agent_not_eligible", m);
    public static ApiException Forbidden(string m) => new(403, "forbidden", m);
    public static ApiException NotFound(string m) => new(404, "not_found", m);
    public static ApiException Conflict(string m) => new(409, "conflict", m);
    public static ApiException Validation(JsonObject details) =>
        new(422, "validation_failed", "Validation failed: " + string.Join(", ", details.Select(kv => kv.Key)), details);
    public static ApiException Validation(string field, string message) => Validation(new JsonObject { [field] = message });
}
