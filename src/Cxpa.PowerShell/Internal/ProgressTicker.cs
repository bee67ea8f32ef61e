using System.Diagnostics;
using System.Management.Automation;

namespace Cxpa.PowerShell.Internal
{
    /// <summary>One activity's progress: at most one record a second, written from the pipeline thread, and a Completed record at the end.</summary>
    internal sealed class ProgressTicker
    {
        private static int _nextId = 7100;
        private readonly Cmdlet _cmdlet;
        private readonly string _activity;
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly bool _enabled;
        private long _last = -1_000_000;
        private bool _written;

        public ProgressTicker(PSCmdlet cmdlet, string activity)
        {
            _cmdlet = cmdlet;
            _activity = activity;
            ActivityId = System.Threading.Interlocked.Increment(ref _nextId);
            var pref = cmdlet.SessionState.PSVariable.GetValue("ProgressPreference");
            _enabled = !(pref is ActionPreference ap && ap == ActionPreference.SilentlyContinue)
                && !(pref is string s && s == "SilentlyContinue");
        }

        public int ActivityId { get; }

        /// <summary>Writes a record if a second has passed since the last one (or force).</summary>
        public void Update(string status, int percent = -1, int secondsRemaining = -1, bool force = false)
        {
            if (!_enabled) return;
            var now = _clock.ElapsedMilliseconds;
            if (!force && now - _last < 1000) return;
            _last = now;
            // The status may quote the platform (a run's status): shown on one line with control characters made visible.
            var r = new ProgressRecord(ActivityId, _activity, string.IsNullOrEmpty(status) ? "…" : TerminalText.CleanLine(status))
            {
                PercentComplete = percent < 0 ? -1 : percent > 100 ? 100 : percent,
                SecondsRemaining = secondsRemaining,
            };
            _cmdlet.WriteProgress(r);
            _written = true;
        }

        /// <summary>Ends the activity (only when a record was written).</summary>
        public void Complete()
        {
            if (!_enabled || !_written) return;
            _cmdlet.WriteProgress(new ProgressRecord(ActivityId, _activity, "Done") { RecordType = ProgressRecordType.Completed });
            _written = false;
        }
    }
}
