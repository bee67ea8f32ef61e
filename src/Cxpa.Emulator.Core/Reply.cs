using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cxpa.Emulator;

/// <summary>A whole answer: status, content type and body (JSON, HTML or nothing).</summary>
internal sealed class Reply
{
    public const string JsonContentType = "application/json; charset=utf-8";

    private static readonly JsonSerializerOptions WireJson = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private Reply(int status, string? contentType, byte[]? body) { Status = status; ContentType = contentType; Body = body; }

    public int Status { get; }
    public string? ContentType { get; }
    public byte[]? Body { get; }

    /// <summary>A JSON answer.</summary>
    public static Reply Json(int status, JsonNode body) => new(status, JsonContentType, Encoding.UTF8.GetBytes(body.ToJsonString(WireJson)));

    /// <summary>A text answer (its content type says which).</summary>
    public static Reply Text(int status, string contentType, string body) => new(status, contentType, Encoding.UTF8.GetBytes(body));

    /// <summary>A status with no body.</summary>
    public static Reply Empty(int status) => new(status, null, null);

    /// <summary>The pinned error shape {"error", "code", "details"}.</summary>
    public static Reply Error(ApiException e)
    {
        var body = new JsonObject { ["error"] = e.Message, ["code"] = e.Code };
        if (e.Details is not null) body["details"] = e.Details.DeepClone();
        return Json(e.Status, body);
    }

    /// <summary>Writes this answer.</summary>
    public async Task WriteAsync(EmulatorExchange x)
    {
        x.StatusCode = Status;
        if (ContentType is not null) x.SetContentType(ContentType);
        x.SetContentLength(Body?.Length ?? 0);
        if (Body is { Length: > 0 }) await x.ResponseBody.WriteAsync(Body, x.Aborted).ConfigureAwait(false);
        else await x.StartAsync(x.Aborted).ConfigureAwait(false);
    }

    /// <summary>The platform's error code for a status.</summary>
    public static string CodeForStatus(int status) => status switch
    {
        400 => "bad_request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not_found",
        405 => "method_not_allowed",
        409 => "conflict",
        413 => "payload_too_large",
        422 => "validation_failed",
        429 => "rate_limited",
        502 or 503 or 504 => "unavailable",
        >= 500 => "internal",
        _ => "error",
    };

    /// <summary>The reason phrase of a status ("Bad Gateway"), "Error" for an unknown one.</summary>
    public static string ReasonPhrase(int status)
    {
        var name = ((System.Net.HttpStatusCode)status).ToString();
        if (name.Length == 0 || char.IsDigit(name[0])) return "Error";
        var sb = new StringBuilder();
        foreach (var ch in name)
        {
            if (char.IsUpper(ch) && sb.Length > 0) sb.Append(' ');
            sb.Append(ch);
        }
        return sb.ToString();
    }
}
