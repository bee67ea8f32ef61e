using System.Text.Json.Nodes;

namespace Cxpa.Emulator;

/// <summary>
/// One run. A simulated run computes its status lazily from its timestamps and the clock (no timers);
/// once a runtime callback, an ingest or <see cref="EmulatorState.ForceStatus(long, string, string?)"/> touches it,
/// it holds its state explicitly. Thread-safe.
/// </summary>
public sealed class EmulatorRun
{
    private readonly object _gate = new();
    private readonly TimeProvider _clock;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Simulated plan.
    private bool _simulated;
    private DateTimeOffset _startAt, _endAt;
    private string _plannedOutcome = RunStatus.Completed;
    private JsonNode? _plannedOutput;
    private long? _plannedOutputs;
    private string? _plannedError;

    // Explicit state.
    private string _status = RunStatus.Queued;
    private DateTimeOffset? _startedAt, _completedAt;
    private JsonNode? _output;
    private long? _outputs;
    private string? _error;
    private JsonObject _metadata;
    private JsonNode? _input;
    private string? _createdBy;

    internal EmulatorRun(long id, long agentId, string source, DateTimeOffset createdAt, JsonNode? input, JsonObject? metadata,
        string? externalRunId, string? createdBy, TimeProvider clock)
    {
        Id = id; AgentId = agentId; Source = source; CreatedAt = createdAt; ExternalRunId = externalRunId;
        _input = input; _metadata = metadata ?? new JsonObject(); _createdBy = createdBy; _clock = clock;
    }

    public long Id { get; }
    public long AgentId { get; }
    /// <summary>How the run came to be: trigger, trigger-and-wait, trigger-and-download, zone, zone-trigger-and-wait, zone-trigger-and-download, register, ingest.</summary>
    public string Source { get; }
    public DateTimeOffset CreatedAt { get; }
    public string? ExternalRunId { get; }
    /// <summary>The payload a platform runtime would receive: {runId, agentApiKey, credentialsToken, input}; null for register/ingest runs.</summary>
    public JsonObject? TriggerPayload { get; internal set; }
    /// <summary>The credentials token minted for this run (register or trigger), if any.</summary>
    public string? CredentialsToken { get; internal set; }
    /// <summary>True while the run progresses by the clock alone.</summary>
    public bool IsSimulated { get { lock (_gate) return _simulated; } }

    /// <summary>The state now (by the emulator clock).</summary>
    public EmulatorRunSnapshot Snapshot() => SnapshotAt(_clock.GetUtcNow());
    /// <summary>The current status.</summary>
    public string Status => Snapshot().Status;
    public bool IsTerminal => RunStatus.IsTerminal(Status);
    /// <summary>The run row now.</summary>
    public JsonObject ToRow() => Snapshot().ToRow();

    internal EmulatorRunSnapshot SnapshotAt(DateTimeOffset now)
    {
        lock (_gate)
        {
            if (_simulated)
            {
                string status; DateTimeOffset? started = null, completed = null; JsonNode? output = null; long? outputs = null; string? error = null;
                if (now < _startAt) status = RunStatus.Queued;
                else if (now < _endAt) { status = RunStatus.Running; started = _startAt; }
                else
                {
                    status = _plannedOutcome; started = _startAt; completed = _endAt;
                    if (status == RunStatus.Completed) { output = _plannedOutput; outputs = _plannedOutputs; }
                    else if (status == RunStatus.Failed) error = _plannedError;
                }
                return new(Id, AgentId, status, _input?.DeepClone(), output?.DeepClone(), outputs, error, ExternalRunId, _createdBy,
                    (JsonObject)_metadata.DeepClone(), CreatedAt, started, completed);
            }
            return new(Id, AgentId, _status, _input?.DeepClone(), _output?.DeepClone(), _outputs, _error, ExternalRunId, _createdBy,
                (JsonObject)_metadata.DeepClone(), CreatedAt, _startedAt, _completedAt);
        }
    }

    /// <summary>When a simulated run becomes terminal; null when it waits on events.</summary>
    internal DateTimeOffset? PlannedEnd { get { lock (_gate) return _simulated ? _endAt : null; } }

    /// <summary>Completes on the next explicit change (callback, ingest, forced status).</summary>
    internal Task NextChange { get { lock (_gate) return _changed.Task; } }

    internal void Simulate(long queuedMs, long durationMs, string outcome, JsonNode? output, long? outputs, string? error)
    {
        lock (_gate)
        {
            _simulated = true;
            _startAt = CreatedAt.AddMilliseconds(queuedMs);
            _endAt = _startAt.AddMilliseconds(durationMs);
            _plannedOutcome = outcome; _plannedOutput = output; _plannedOutputs = outputs; _plannedError = error;
        }
    }

    /// <summary>Applies a change under the run's lock, after materializing a simulated state. Signals waiters.</summary>
    internal T Mutate<T>(Func<MutableRun, T> change)
    {
        TaskCompletionSource fire;
        T result;
        lock (_gate)
        {
            var now = _clock.GetUtcNow();
            if (_simulated)
            {
                var s = SnapshotAt(now);
                _simulated = false;
                _status = s.Status; _startedAt = s.StartedAt; _completedAt = s.CompletedAt;
                _output = s.OutputData; _outputs = s.Outputs; _error = s.Error;
            }
            result = change(new MutableRun(this, now));
            fire = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        fire.TrySetResult();
        return result;
    }

    /// <summary>A view of the explicit state for one mutation (used under the run's lock).</summary>
    internal readonly struct MutableRun
    {
        private readonly EmulatorRun _r;
        public MutableRun(EmulatorRun r, DateTimeOffset now) { _r = r; Now = now; }
        public DateTimeOffset Now { get; }
        public string Status => _r._status;
        public bool IsTerminal => RunStatus.IsTerminal(_r._status);
        public JsonObject Metadata => _r._metadata;
        public void SetInput(JsonNode? input) => _r._input = input;
        public void SetOutput(JsonNode? output) => _r._output = output;
        public void SetOutputs(long? outputs) => _r._outputs = outputs;
        public void SetError(string? error) => _r._error = error;
        public void SetStatus(string status)
        {
            _r._status = status;
            if (status != RunStatus.Queued && _r._startedAt is null) _r._startedAt = Now;
            if (RunStatus.IsTerminal(status)) _r._completedAt ??= Now;
            else _r._completedAt = null;
        }
    }
}
