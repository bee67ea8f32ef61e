using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Nodes;

namespace Cxpa.Emulator;

/// <summary>All runs of the emulator. Thread-safe; run ids are global, increasing, from 1000.</summary>
public sealed class EmulatorState
{
    private readonly ConcurrentDictionary<long, EmulatorRun> _runs = new();
    private readonly ConcurrentDictionary<long, List<EmulatorRun>> _byAgent = new();
    private readonly Dictionary<(long, string), EmulatorRun> _byExternalId = new();
    private readonly object _upsertGate = new();
    private long _nextId = 999;

    internal EmulatorState(TimeProvider clock) { Clock = clock; }

    internal TimeProvider Clock { get; }

    /// <summary>The run with this id.</summary>
    public bool TryGetRun(long runId, [MaybeNullWhen(false)] out EmulatorRun run) => _runs.TryGetValue(runId, out run);

    /// <summary>The runs of one agent, oldest first.</summary>
    public IReadOnlyList<EmulatorRun> RunsForAgent(long agentId)
    {
        if (!_byAgent.TryGetValue(agentId, out var list)) return Array.Empty<EmulatorRun>();
        lock (list) return list.ToArray();
    }

    /// <summary>Every run, oldest first.</summary>
    public IReadOnlyList<EmulatorRun> AllRuns => _runs.Values.OrderBy(r => r.Id).ToArray();

    /// <summary>How many runs exist.</summary>
    public int RunCount => _runs.Count;

    /// <summary>Sets a run's status from now on (it stops simulating). A terminal "failed" takes the error message. False for an unknown run or status.</summary>
    public bool ForceStatus(long runId, string status, string? error = null)
    {
        if (!RunStatus.IsKnown(status) || !_runs.TryGetValue(runId, out var run)) return false;
        run.Mutate(m =>
        {
            m.SetStatus(status);
            if (status == RunStatus.Failed) m.SetError(error ?? "Run failed");
            else if (error is not null) m.SetError(error);
            return true;
        });
        return true;
    }

    internal EmulatorRun Create(long agentId, string source, DateTimeOffset createdAt, JsonNode? input, JsonObject? metadata,
        string? externalRunId, string? createdBy, Action<EmulatorRun>? init = null)
    {
        var id = Interlocked.Increment(ref _nextId);
        var run = new EmulatorRun(id, agentId, source, createdAt, input, metadata, externalRunId, createdBy, Clock);
        init?.Invoke(run);
        _runs[id] = run;
        var list = _byAgent.GetOrAdd(agentId, _ => new List<EmulatorRun>());
        lock (list) list.Add(run);
        return run;
    }

    /// <summary>Finds the run of (agentId, externalRunId) or creates it, atomically. created tells which.</summary>
    internal EmulatorRun GetOrCreateByExternalId(long agentId, string externalRunId, Func<EmulatorRun> create, out bool created)
    {
        lock (_upsertGate)
        {
            if (_byExternalId.TryGetValue((agentId, externalRunId), out var existing)) { created = false; return existing; }
            var run = create();
            _byExternalId[(agentId, externalRunId)] = run;
            created = true;
            return run;
        }
    }
}
