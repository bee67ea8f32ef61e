using System;
using System.Management.Automation;
using Cxpa.Engine.Operations;
using Cxpa.PowerShell.Internal;

namespace Cxpa.PowerShell.Cmdlets
{
    /// <summary>
    /// <para type="synopsis">Registers an externally-triggered run and returns its run id and credentials token.</para>
    /// </summary>
    [Cmdlet(VerbsLifecycle.Register, "CxpaRun", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, HelpUri = HelpUris.Docs + "Register-CxpaRun.md")]
    [OutputType(typeof(RunRegistration))]
    public sealed class RegisterCxpaRunCommand : CxpaRunCmdlet
    {
        #region Parameters

        /// <summary>The agent (platform-managed, active, external triggers allowed).</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(AgentIdCompleter))]
        [ValidateRange(1, long.MaxValue)]
        public long AgentId { get; set; }

        /// <summary>Your runtime's id for the execution, 1 to 255 characters. Registering the same id again returns the same run.</summary>
        [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
        [ValidateLength(1, 255)]
        public string ExternalRunId { get; set; } = "";

        /// <summary>Input mirrored on the platform record: a hashtable, a PSCustomObject or JSON text of an object.</summary>
        [Parameter]
        [Alias("Input")]
        public object? InputObject { get; set; }

        /// <summary>Free-form metadata stored with the run: a hashtable, a PSCustomObject or JSON text of an object.</summary>
        [Parameter]
        public object? Metadata { get; set; }

        /// <summary>The user the run is attributed to (must be a member of the agent's organization; others are dropped silently).</summary>
        [Parameter]
        public Guid? UserId { get; set; }

        /// <summary>Outputs the credentials token as plain text instead of a SecureString.</summary>
        [Parameter]
        public SwitchParameter AsPlainText { get; set; }

        #endregion

        #region Overrides

        private CxpaConnection? _connection;

        /// <summary>Resolves the connection.</summary>
        protected override void BeginProcessing() => _connection = ResolveIngest();

        /// <summary>Registers the run.</summary>
        protected override void ProcessRecord()
        {
            if (!TryJson(InputObject, "InputObject", anyValue: false, out var input) || !TryJson(Metadata, "Metadata", anyValue: false, out var metadata)) return;
            var operation = CxpaOperations.Register(AgentId, ExternalRunId, input, metadata, UserId);
            if (!ShouldProcess(operation.WhatIfTarget, operation.WhatIfAction)) return;
            _connection!.NoteAgent(AgentId);
            try
            {
                var r = Await(CreateClient(_connection).RegisterRunAsync(AgentId, ExternalRunId, input, metadata, UserId, StopToken));
                WriteObject(OutputObjects.Registration(r, AsPlainText));
            }
            catch (PipelineStoppedException) { throw; }
            catch (Exception ex) { WriteCxpaError(ex, ExternalRunId, $"Registering run '{ExternalRunId}' of agent {AgentId}"); }
        }

        #endregion
    }
}
