using System.Text;
using System.Text.Json.Nodes;

namespace Cxpa.Emulator;

/// <summary>The runtime endpoints (agent API key and credentials token): run callbacks and credential resolution.</summary>
internal sealed class RuntimeRoutes
{
    private readonly EmulatorContext _ctx;
    private readonly Auth _auth;

    public RuntimeRoutes(EmulatorContext ctx, Auth auth) { _ctx = ctx; _auth = auth; }

    public void Map(Router r)
    {
        r.Map("POST", "/api/runs/{runId:long}/callback", (x, v) => Callback(x, v.Long("runId")));
        r.Map("GET", "/api/credentials/{connectionId}/resolve", (x, v) => Resolve(x, v.String("connectionId")));
    }

    private static readonly string[] CallbackTypes = { "started", "output", "waiting" };

    private async Task<Reply?> Callback(EmulatorExchange x, long runId)
    {
        var key = Auth.Bearer(x) ?? throw ApiException.Unauthorized("Missing agent API key (Authorization: Bearer <key>).");
        if (!_ctx.State.TryGetRun(runId, out var run)) throw ApiException.NotFound($"Run {runId} not found.");
        var agent = _ctx.Config.FindAgent(run.AgentId);
        if (agent is null || !Auth.SecretEquals(key, agent.AgentApiKey))
            throw ApiException.Unauthorized($"The agent API key is not valid for run {runId}.");

        var body = await RequestBody.ReadAsync(x).ConfigureAwait(false);
        var errors = new JsonObject();
        var type = RequestBody.OptString(body, "type", errors);
        if (type is null && errors["type"] is null) errors["type"] = "is required (started, output or waiting)";
        else if (type is not null && !CallbackTypes.Contains(type)) errors["type"] = "must be started, output or waiting";
        var hasOutput = body.ContainsKey("output");
        var output = body["output"]?.DeepClone();
        var outputs = RequestBody.OptInteger(body, "outputs", errors, 0, "must be a non-negative integer");
        var complete = RequestBody.OptBool(body, "complete", errors) ?? false;
        var failed = RequestBody.OptBool(body, "failed", errors) ?? false;
        if (complete && failed) errors["complete"] = "cannot be true together with failed";
        string? message = null; JsonObject? errorObject = null;
        if (failed)
        {
            errorObject = RequestBody.OptObject(body, "error", errors);
            if (errorObject is not null)
            {
                message = RequestBody.OptString(errorObject, "message", errors);
                if (errors["message"] is not null) { errors.Remove("message"); errors["error.message"] = "must be a string"; }
            }
        }
        string? tokenId = null, description = null;
        if (type == "waiting")
        {
            tokenId = RequestBody.OptString(body, "tokenId", errors);
            if (string.IsNullOrEmpty(tokenId) && errors["tokenId"] is null) errors["tokenId"] = "is required";
            description = RequestBody.OptString(body, "description", errors);
        }
        RequestBody.ThrowIfAny(errors);

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
        return Reply.Json(200, new JsonObject { ["ok"] = true, ["status"] = status });
    }

    private Reply Resolve(EmulatorExchange x, string connectionId)
    {
        var agent = _auth.AgentKey(x);
        var token = x.Header("x-credentials-token");
        if (string.IsNullOrWhiteSpace(token)) throw ApiException.Unauthorized("Missing x-credentials-token header.");
        var claims = Tokens.Verify(token, Encoding.UTF8.GetBytes(_ctx.Config.PlatformCredentialsSecret), null, TimeSpan.FromSeconds(5), _ctx.Clock.GetUtcNow(), out _, out _)
                     ?? throw ApiException.Unauthorized("The credentials token is invalid or expired.");
        var runId = Tokens.ClaimAsLong(claims, "runId");
        var tokenAgent = Tokens.ClaimAsLong(claims, "agentId");
        if (runId is null || tokenAgent != agent.Id || !_ctx.State.TryGetRun(runId.Value, out var run) || run.AgentId != agent.Id)
            throw ApiException.Unauthorized("The credentials token is not for a run of this agent.");
        if (agent.Connections is { } conns && conns.TryGetValue(connectionId, out var cred))
            return Reply.Json(200, RequestBody.CloneConfigNode(cred)!);
        throw ApiException.NotFound($"No connection '{connectionId}' for agent {agent.Id}.");
    }
}
