using System.Text;
using System.Text.Json.Nodes;
using Cxpa.Engine.Zone;

namespace Cxpa.Emulator;

/// <summary>The runtime endpoints (agent API key and credentials token): run callbacks and credential resolution.</summary>
internal sealed partial class EmulatorApi
{
    // ---------------------------------------------------------------- runtime endpoints

    private static readonly string[] CallbackTypes = { "started", "output", "waiting" };

    private async Task<IResult> Callback(HttpContext ctx, long runId)
    {
        var key = Bearer(ctx) ?? throw ApiException.Unauthorized("Missing agent API key (Authorization: Bearer <key>).");
        if (!_state.TryGetRun(runId, out var run)) throw ApiException.NotFound($"Run {runId} not found.");
        var agent = _config.FindAgent(run.AgentId);
        if (agent is null || !SecretEquals(key, agent.AgentApiKey))
            throw ApiException.Unauthorized($"The agent API key is not valid for run {runId}.");

        var body = await ReadBody(ctx);
        var errors = new JsonObject();
        var type = OptString(body, "type", errors);
        if (type is null && errors["type"] is null) errors["type"] = "is required (started, output or waiting)";
        else if (type is not null && !CallbackTypes.Contains(type)) errors["type"] = "must be started, output or waiting";
        var hasOutput = body.ContainsKey("output");
        var output = body["output"]?.DeepClone();
        var outputs = OptInteger(body, "outputs", errors, 0, "must be a non-negative integer");
        var complete = OptBool(body, "complete", errors) ?? false;
        var failed = OptBool(body, "failed", errors) ?? false;
        if (complete && failed) errors["complete"] = "cannot be true together with failed";
        string? message = null; JsonObject? errorObject = null;
        if (failed)
        {
            errorObject = OptObject(body, "error", errors);
            if (errorObject is not null)
            {
                message = OptString(errorObject, "message", errors);
                if (errors["message"] is not null) { errors.Remove("message"); errors["error.message"] = "must be a string"; }
            }
        }
        string? tokenId = null, description = null;
        if (type == "waiting")
        {
            tokenId = OptString(body, "tokenId", errors);
            if (string.IsNullOrEmpty(tokenId) && errors["tokenId"] is null) errors["tokenId"] = "is required";
            description = OptString(body, "description", errors);
        }
        ThrowIfAny(errors);

        var (conflict, status) = run.Mutate(m =>
        {
            if (m.IsTerminal) return (true, m.Status);
            switch (type)
            {
                case "started":
                    m.SetStatus(RunStatus.Running);
                    break;
                case "waiting":
                    if (hasOutput) m.SetOutput(output);
                    if (outputs is not null) m.SetOutputs(outputs);
                    m.Metadata["waiting"] = new JsonObject { ["tokenId"] = tokenId, ["description"] = description };
                    m.SetStatus(RunStatus.Waiting);
                    break;
                default: // output
                    if (hasOutput) m.SetOutput(output);
                    if (outputs is not null) m.SetOutputs(outputs);
                    if (failed)
                    {
                        m.SetError(message ?? "Run failed");
                        if (errorObject is not null) m.Metadata["error"] = errorObject;
                        m.SetStatus(RunStatus.Failed);
                    }
                    else
                    {
                        m.Metadata.Remove("waiting");
                        m.SetStatus(complete ? RunStatus.Completed : RunStatus.Running);
                    }
                    break;
            }
            return (false, m.Status);
        });
        if (conflict) throw ApiException.Conflict($"Run {runId} is already {status}.");
        return Json(200, new JsonObject { ["ok"] = true, ["status"] = status });
    }

    private Task<IResult> Resolve(HttpContext ctx, string connectionId)
    {
        var key = Bearer(ctx) ?? throw ApiException.Unauthorized("Missing agent API key (Authorization: Bearer <key>).");
        var agent = _config.Agents.FirstOrDefault(a => SecretEquals(key, a.AgentApiKey))
                    ?? throw ApiException.Unauthorized("The agent API key is not valid.");
        var token = ctx.Request.Headers["x-credentials-token"].ToString();
        if (string.IsNullOrWhiteSpace(token)) throw ApiException.Unauthorized("Missing x-credentials-token header.");
        IReadOnlyDictionary<string, object?>? claims;
        try
        {
            claims = ZoneTokens.ValidateHs256(token, Encoding.UTF8.GetBytes(_config.PlatformCredentialsSecret), _clock.GetUtcNow());
        }
        catch (NotImplementedException)
        {
            throw new ApiException(501, "internal", "Credentials token validation is not available: Cxpa.Engine ZoneTokens is not implemented yet.");
        }
        if (claims is null) throw ApiException.Unauthorized("The credentials token is invalid or expired.");
        var runId = Tokens.ClaimAsLong(claims, "runId");
        var tokenAgent = Tokens.ClaimAsLong(claims, "agentId");
        if (runId is null || tokenAgent != agent.Id || !_state.TryGetRun(runId.Value, out var run) || run.AgentId != agent.Id)
            throw ApiException.Unauthorized("The credentials token is not for a run of this agent.");
        if (agent.Connections is { } conns && conns.TryGetValue(connectionId, out var cred))
            return Task.FromResult(Json(200, CloneConfigNode(cred)!));
        throw ApiException.NotFound($"No connection '{connectionId}' for agent {agent.Id}.");
    }
}
