namespace Cxpa.Engine.Http
{
    /// <summary>Where the engine tells what it does. Called from any thread; implementations queue for the pipeline thread.</summary>
    public interface ICxpaLog
    {
        /// <summary>Whether Verbose lines are wanted at all: when false the engine does not build them.</summary>
        bool IsVerboseEnabled { get; }
        /// <summary>Whether Debug lines are wanted at all (the HTTP exchange): when false the engine does not build them.</summary>
        bool IsDebugEnabled { get; }
        /// <summary>A line for -Verbose (requests, answers, retries).</summary>
        void Verbose(string message);
        /// <summary>A line for -Debug (the HTTP exchange: requests, answers, timings, sizes).</summary>
        void Debug(string message);
    }

    internal sealed class NullLog : ICxpaLog
    {
        public static readonly NullLog Instance = new NullLog();
        public bool IsVerboseEnabled => false;
        public bool IsDebugEnabled => false;
        public void Verbose(string message) { }
        public void Debug(string message) { }
    }
}
