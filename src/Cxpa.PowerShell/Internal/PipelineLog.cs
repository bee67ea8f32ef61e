using System.Collections.Concurrent;
using Cxpa.Engine.Http;

namespace Cxpa.PowerShell.Internal
{
    /// <summary>Engine log lines, queued from any thread and written to Verbose/Debug on the pipeline thread.</summary>
    internal sealed class PipelineLog : ICxpaLog
    {
        public readonly ConcurrentQueue<(bool Verbose, string Text)> Lines = new ConcurrentQueue<(bool, string)>();
        /// <summary>Set by the cmdlet from -Verbose / $VerbosePreference: when false the engine does not build its lines.</summary>
        public bool IsVerboseEnabled { get; set; } = true;
        /// <summary>Set by the cmdlet from -Debug / $DebugPreference: when false the engine does not build its HTTP exchange lines.</summary>
        public bool IsDebugEnabled { get; set; }
        public void Verbose(string message) => Lines.Enqueue((true, message));
        public void Debug(string message) => Lines.Enqueue((false, message));
    }
}
