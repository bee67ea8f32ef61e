using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using Cxpa.Engine.Http;
using Cxpa.PowerShell.Internal;

namespace Cxpa.PowerShell
{
    /// <summary>
    /// The base of every Cxpa cmdlet: one cancellation source that StopProcessing (Ctrl+C) cancels and every await receives,
    /// a pump that waits on engine tasks from the pipeline thread while writing their log lines and progress there,
    /// and the mapping of engine errors to ErrorRecords. The other concerns live beside it: connection resolution
    /// (<see cref="ConnectionResolver"/>), the wait loop (<see cref="RunWaitLoop"/>) and zone secrets (<see cref="ZoneSecrets"/>).
    /// </summary>
    public abstract class CxpaCmdlet : PSCmdlet, IDisposable
    {
        #region Private state

        private readonly CancellationTokenSource _stop = new CancellationTokenSource();
        private readonly PipelineLog _log = new PipelineLog();

        /// <summary>Cancelled by StopProcessing.</summary>
        protected internal CancellationToken StopToken => _stop.Token;

        internal ICxpaLog Log
        {
            get
            {
                if (!_logReady)
                {
                    _log.IsVerboseEnabled = Wanted("Verbose");
                    _log.IsDebugEnabled = Wanted("Debug");
                    _logReady = true;
                }
                return _log;
            }
        }

        private bool _logReady;

        /// <summary>-Verbose (-Debug) when bound, else $VerbosePreference ($DebugPreference) in the caller's scope: anything but SilentlyContinue/Ignore.</summary>
        private bool Wanted(string stream)
        {
            if (MyInvocation.BoundParameters.TryGetValue(stream, out var bound))
                return bound is SwitchParameter s ? s.IsPresent : LanguagePrimitives.IsTrue(bound);
            var pref = GetVariableValue(stream + "Preference");
            ActionPreference p;
            if (pref is ActionPreference ap) p = ap;
            else if (!Enum.TryParse(pref?.ToString(), true, out p)) return true;
            return p != ActionPreference.SilentlyContinue && p != ActionPreference.Ignore;
        }

        #endregion

        #region Overrides

        /// <summary>Ctrl+C: cancels every pending await.</summary>
        protected override void StopProcessing() => _stop.Cancel();

        /// <summary>Cancels whatever the cmdlet still has in flight (a pipeline ended early by an error downstream) and releases the source.</summary>
        public void Dispose()
        {
            try { _stop.Cancel(); }
            catch (AggregateException) { }
            _stop.Dispose();
        }

        #endregion

        #region Helpers for cmdlets

        /// <summary>Waits for an engine task on the pipeline thread, draining log lines and calling tick every 100 ms.</summary>
        protected internal T Await<T>(Task<T> task, Action? tick = null)
        {
            while (!task.IsCompleted)
            {
                // Task.Wait spins briefly before blocking, so a fast call (a GET answered in a fraction of a millisecond)
                // is picked up without a kernel wake-up; a slow one still wakes every 100 ms for log lines and progress.
                // A faulted or cancelled task throws here; GetResult below rethrows its own exception.
                try { task.Wait(100); }
                catch (AggregateException) { }
                try
                {
                    DrainLog();
                    tick?.Invoke();
                }
                catch (PipelineStoppedException)
                {
                    // The pipeline is stopping (Ctrl+C, or a downstream command ended it) and a Write call said so before
                    // the task saw its cancellation: let the engine finish its clean-up (a temporary file deleted, a
                    // connection released) before this cmdlet returns.
                    _stop.Cancel();
                    try { task.Wait(TimeSpan.FromSeconds(30)); }
                    catch (AggregateException) { }
                    throw;
                }
            }
            DrainLog();
            try
            {
                return task.GetAwaiter().GetResult();
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                throw new PipelineStoppedException();
            }
        }

        /// <summary>Waits for an engine task without result.</summary>
        protected void Await(Task task, Action? tick = null) => Await(AsResult(task), tick);

        private static async Task<bool> AsResult(Task t) { await t.ConfigureAwait(false); return true; }

        /// <summary>Writes queued engine log lines to Verbose/Debug.</summary>
        protected void DrainLog()
        {
            while (_log.Lines.TryDequeue(out var line))
            {
                // The engine's lines may quote the platform (a reason phrase, a status): shown with control characters made visible.
                var text = TerminalText.CleanLine(line.Text)!;
                if (line.Verbose) WriteVerbose(text);
                else WriteDebug(text);
            }
        }

        /// <summary>A non-terminating error from an engine exception.</summary>
        protected internal void WriteCxpaError(Exception ex, object? target, string? context = null)
        {
            if (ex is PipelineStoppedException) throw ex;
            WriteError(ErrorMapping.ToErrorRecord(ex, target, context));
        }

        /// <summary>
        /// Waits for an answer on the pipeline thread (ticking <paramref name="tick"/>) and hands it to <paramref name="write"/>;
        /// a failure in either is the non-terminating error of <paramref name="target"/>, prefixed with what was being done
        /// (<paramref name="amend"/> may add to the record). Ctrl+C stops the pipeline.
        /// </summary>
        internal void WriteAnswer<T>(Task<T> answer, Action<T> write, object? target, string doing, Action? tick = null, Action<Exception, ErrorRecord>? amend = null)
        {
            try { write(Await(answer, tick)); }
            catch (PipelineStoppedException) { throw; }
            catch (Exception ex)
            {
                var record = ErrorMapping.ToErrorRecord(ex, target, doing);
                amend?.Invoke(ex, record);
                WriteError(record);
            }
        }

        /// <summary>A terminating error with a stable id; its exception is a Cxpa.CxpaConfigurationException, so
        /// <c>catch [Cxpa.CxpaException]</c> sees every error Cxpa raises.</summary>
        protected internal void Terminate(string errorId, string message, ErrorCategory category, object? target = null, Exception? inner = null)
        {
            var ex = new CxpaConfigurationException(message, errorId, inner);
            ThrowTerminatingError(new ErrorRecord(ex, errorId, category, target) { ErrorDetails = new ErrorDetails(ex.Message) });
        }

        #endregion
    }
}
