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
    public sealed class RegisterCxpaRunCommand : CxpaExternalRunCmdlet
    {
        #region Parameters

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

        /// <summary>Registers the run.</summary>
        protected override void ProcessRecord()
        {
            if (!TryJson(InputObject, "InputObject", anyValue: false, out var input) || !TryJson(Metadata, "Metadata", anyValue: false, out var metadata)) return;
            var operation = CxpaOperations.Register(AgentId, ExternalRunId, input, metadata, UserId);
            Send(operation, Confirmed, r => WriteObject(OutputObjects.Registration(r, AsPlainText)), ExternalRunId, Doing("Registering"));
        }

        #endregion
    }
}
