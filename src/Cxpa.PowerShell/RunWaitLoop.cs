using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using Cxpa.Engine;
using Cxpa.Engine.Runs;
using Cxpa.Engine.Time;
using Cxpa.PowerShell.Internal;

namespace Cxpa.PowerShell
{
    /// <summary>
    /// The wait loop of Wait-CxpaRun and Start-CxpaRun -Wait: waits on runs in one loop on the pipeline thread, outputting
    /// each as it turns terminal (with RunFailed/RunCancelled errors), shows progress (and a heartbeat in non-interactive
    /// hosts), and when the deadline passes outputs the runs still in flight with a RunWaitTimeout error each.
    /// </summary>
    internal sealed class RunWaitLoop
    {
        /// <summary>The default heartbeat interval of a non-interactive host: 30 s.</summary>
        internal static readonly TimeSpan DefaultHeartbeatInterval = TimeSpan.FromSeconds(30);

        private readonly CxpaCmdlet _cmdlet;

        internal RunWaitLoop(CxpaCmdlet cmdlet)
        {
            _cmdlet = cmdlet;
            HeartbeatInterval = HeartbeatFromEnvironment() ?? DefaultHeartbeatInterval;
        }

        /// <summary>How often a non-interactive host gets a heartbeat line on the information stream ($env:CXPA_WAIT_HEARTBEAT_SECONDS, default 30).</summary>
        internal TimeSpan HeartbeatInterval { get; set; }

        /// <summary>$env:CXPA_WAIT_HEARTBEAT_SECONDS as a number of seconds (fractions allowed, at least 0.1, at most a day); null when unset or not such a number.</summary>
        private static TimeSpan? HeartbeatFromEnvironment()
        {
            var s = Environment.GetEnvironmentVariable("CXPA_WAIT_HEARTBEAT_SECONDS");
            return double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0.1 && seconds <= 86400
                ? TimeSpan.FromSeconds(seconds)
                : (TimeSpan?)null;
        }

        /// <summary>Waits on <paramref name="runs"/> until each is terminal or <paramref name="deadline"/> passes; -Any (<paramref name="any"/>) stops at the first round that finds one.</summary>
        internal void Run(CxpaClient client, IList<Run> runs, WaitDeadline deadline, bool any)
        {
            var waiter = new RunWaiter(client, runs) { Deadline = deadline.IsBounded ? deadline : null };
            var ticker = new ProgressTicker(_cmdlet, runs.Count == 1 ? $"Waiting for run {runs[0].RunId}" : $"Waiting for {runs.Count} runs");
            using var cts = deadline.Link(_cmdlet.StopToken);
            int total = runs.Count, finished = 0;
            bool timedOut = false;
            var lastHeartbeat = deadline.Now;
            var heartbeat = Heartbeat.For(_cmdlet);
            var interval = HeartbeatInterval;
            void Tick()
            {
                var pending = total - finished;
                var elapsed = deadline.Elapsed;
                var status = total == 1
                    ? $"Run {runs[0].RunId}: {waiter.Pending.FirstOrDefault()?.Status ?? "waiting"} ({elapsed.TotalSeconds:0} s)"
                    : $"{finished} of {total} runs finished, {pending} pending ({elapsed.TotalSeconds:0} s)";
                ticker.Update(status, total > 1 ? finished * 100 / total : -1, deadline.SecondsLeft);
                var now = deadline.Now;
                if (heartbeat != HeartbeatMode.None && now - lastHeartbeat >= interval)
                {
                    lastHeartbeat = now;
                    var record = new InformationRecord(TerminalText.CleanLine(status), "Cxpa.Wait");
                    // Shown like Write-Host (dropped only by Ignore) unless the caller chose an information action.
                    if (heartbeat == HeartbeatMode.Host) record.Tags.Add("PSHOST");
                    _cmdlet.WriteInformation(record);
                }
            }
            try
            {
                while (!waiter.IsDone)
                {
                    IReadOnlyList<Run> batch;
                    try
                    {
                        batch = _cmdlet.Await(waiter.NextAsync(cts.Token), Tick);
                    }
                    catch (Exception ex) when (!_cmdlet.StopToken.IsCancellationRequested && deadline.IsBounded
                        && (cts.IsCancellationRequested || deadline.HasPassed)
                        && (ex is OperationCanceledException || ex is CxpaTimeoutException))
                    {
                        timedOut = true;
                        break;
                    }
                    catch (PipelineStoppedException) { throw; }
                    catch (Exception ex) when (!(ex is OperationCanceledException))
                    {
                        foreach (var p in waiter.Pending) _cmdlet.WriteCxpaError(ex, p.RunId, $"Waiting for run {p.RunId}");
                        return;
                    }
                    foreach (var f in waiter.TakeFailures())
                    {
                        finished++;
                        _cmdlet.WriteCxpaError(f.Value, f.Key.RunId);
                    }
                    foreach (var run in batch)
                    {
                        finished++;
                        _cmdlet.WriteObject(run);
                        if (RunOutcome.ErrorFor(run) is { } err) _cmdlet.WriteError(err);
                    }
                    if (any && finished > 0) return;
                }
            }
            finally
            {
                ticker.Complete();
            }
            if (timedOut)
            {
                foreach (var p in waiter.Pending)
                {
                    _cmdlet.WriteObject(p);
                    _cmdlet.WriteError(RunOutcome.Timeout(p, deadline.Seconds));
                }
            }
        }
    }
}
