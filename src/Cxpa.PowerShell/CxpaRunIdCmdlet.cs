using System;
using System.Management.Automation;
using System.Security;
using Cxpa.Engine;
using Cxpa.PowerShell.Internal;

namespace Cxpa.PowerShell
{
    /// <summary>A cmdlet that works on existing runs by id (Get-CxpaRun, Wait-CxpaRun): the shared -RunId parameter, and a
    /// -ZoneToken that also binds from the pipeline (the Token of a Test-CxpaZoneToken -PassThru session).</summary>
    public abstract class CxpaRunIdCmdlet : CxpaAgentRunCmdlet
    {
        #region Parameters

        /// <summary>One or more run ids. Binds from the pipeline by value (numbers: 1000, 1001 | Get-CxpaRun -AgentId 42) and by property name, RunId or Id (a run, a registration, an ingest result, any object with an Id), so Start-CxpaRun | Wait-CxpaRun works.</summary>
        [Parameter(Mandatory = true, Position = 1, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("Id")]
        [ValidateRange(1, long.MaxValue)]
        public long[] RunId { get; set; } = Array.Empty<long>();

        /// <summary>A zone token (SecureString or string, or the session of Test-CxpaZoneToken -PassThru): the call goes through the zone endpoints on behalf of the token's user. Binds from the pipeline by property name Token, so $session | Get-CxpaRun -RunId 5 works.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [Alias("Token")]
        [SecretTransformation(ZoneSession = true)]
        [ValidateNotNull]
        public new SecureString? ZoneToken
        {
            get => base.ZoneToken;
            set => base.ZoneToken = value;
        }

        #endregion

        #region Private

        private bool _resolved;
        private string? _resolvedToken;

        /// <summary>Resolves the connection in BeginProcessing, unless a zone token may still come from the pipeline.</summary>
        internal void ResolveBeforeInput()
        {
            if (ZoneToken != null || !MyInvocation.ExpectingInput) ResolveForRecord();
        }

        /// <summary>
        /// The connection of this record: resolved on the first record, and again when the pipeline brings another zone
        /// token (PowerShell resets a pipeline-bound parameter between records). Returns true when it changed.
        /// </summary>
        internal bool ResolveForRecord()
        {
            var token = ZoneToken == null ? null : Secret.FromSecureString(ZoneToken).Reveal();
            if (_resolved && string.Equals(token, _resolvedToken, StringComparison.Ordinal)) return false;
            ResolveRunConnection();
            _resolved = true;
            _resolvedToken = token;
            return true;
        }

        #endregion
    }
}
