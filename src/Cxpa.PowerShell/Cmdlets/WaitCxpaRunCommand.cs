using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Security;
using Cxpa.PowerShell.Internal;

namespace Cxpa.PowerShell.Cmdlets
{
    /// <summary>
    /// <para type="synopsis">Waits for runs to finish and outputs each as it does.</para>
    /// </summary>
    [Cmdlet(VerbsLifecycle.Wait, "CxpaRun", HelpUri = HelpUris.Docs + "Wait-CxpaRun.md")]
    [OutputType(typeof(Run))]
    public sealed class WaitCxpaRunCommand : CxpaRunCmdlet
    {
        #region Parameters

        /// <summary>The agent the runs belong to. In zone mode it defaults to the zone token's agentId claim. Binds from the pipeline by property name.</summary>
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(AgentIdCompleter))]
        [ValidateRange(1, long.MaxValue)]
        public long AgentId { get; set; }

        /// <summary>One or more run ids. Binds from the pipeline by property name, so Start-CxpaRun | Wait-CxpaRun works.</summary>
        [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
        [ValidateRange(1, long.MaxValue)]
        public long[] RunId { get; set; } = Array.Empty<long>();

        /// <summary>The wait budget: the most seconds to wait in all (not a connection timeout); 0 (the default) waits as long as it takes. Runs still going then are output with a RunWaitTimeout error. Alias: TimeoutSec.</summary>
        [Parameter]
        [Alias("TimeoutSec")]
        [ValidateRange(0, int.MaxValue)]
        public int WaitTimeoutSeconds { get; set; }

        /// <summary>Returns as soon as any run finishes, outputting the runs found finished in that poll round (one or more).</summary>
        [Parameter]
        public SwitchParameter Any { get; set; }

        /// <summary>A zone token: reads through the zone endpoints.</summary>
        [Parameter]
        [SecretTransformation]
        [ValidateNotNull]
        public SecureString? ZoneToken { get; set; }

        #endregion

        #region Overrides

        private CxpaConnection? _connection;
        private readonly List<Run> _runs = new List<Run>();
        private readonly HashSet<long> _seen = new HashSet<long>();
        private DateTimeOffset _start;

        /// <summary>Resolves the connection; the clock of -WaitTimeoutSeconds starts here.</summary>
        protected override void BeginProcessing()
        {
            _start = DateTimeOffset.UtcNow;
            _connection = ResolveRunConnection(ZoneToken);
        }

        /// <summary>Collects the runs to wait on.</summary>
        protected override void ProcessRecord()
        {
            var agentId = ResolveAgentId(AgentId, _connection!);
            foreach (var id in RunId)
                if (_seen.Add(id)) _runs.Add(new Run { RunId = id, AgentId = agentId, Status = RunStatus.Queued });
        }

        /// <summary>Waits on all of them in one loop.</summary>
        protected override void EndProcessing()
        {
            if (_runs.Count == 0) return;
            WaitAndOutput(CreateClient(_connection!), _runs, WaitTimeoutSeconds, Any, _start);
        }

        #endregion
    }
}
