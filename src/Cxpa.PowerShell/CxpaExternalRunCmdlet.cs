using System.Management.Automation;
using System.Security;
using Cxpa.Engine;
using Cxpa.PowerShell.Internal;

namespace Cxpa.PowerShell
{
    /// <summary>
    /// A cmdlet about a run your own runtime executes, named by your id (Register-CxpaRun, Send-CxpaIngest): the ingest key,
    /// a mandatory -AgentId (no zone token supplies one here) and -ExternalRunId, and the ingest connection resolved once.
    /// </summary>
    public abstract class CxpaExternalRunCmdlet : CxpaApiCmdlet
    {
        #region Parameters

        /// <summary>The agent's ingest API key (SecureString or string). Defaults to the connection, then $env:CXPA_INGEST_KEY.</summary>
        [Parameter]
        [SecretTransformation]
        [ValidateNotNull]
        public SecureString? IngestApiKey { get; set; }

        /// <summary>The agent: platform-managed with external triggers allowed for Register-CxpaRun; standalone for Send-CxpaIngest.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(AgentIdCompleter))]
        [ValidateRange(1, long.MaxValue)]
        public long AgentId { get; set; }

        /// <summary>Your runtime's id for the execution, 1 to 255 characters: the same id names the same run.</summary>
        [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
        [ValidateLength(1, 255)]
        public string ExternalRunId { get; set; } = "";

        #endregion

        #region Overrides

        /// <summary>Resolves the ingest connection once, before any record.</summary>
        protected override void BeginProcessing() => _connection = Connections.Ingest(IngestApiKey);

        #endregion

        #region Private

        private CxpaConnection? _connection;

        /// <summary>The client for this record's call, once it is confirmed (the agent is noted for completion).</summary>
        internal CxpaClient Confirmed()
        {
            _connection!.NoteAgent(AgentId);
            return CreateClient(_connection);
        }

        /// <summary>What an error says was being done: "<paramref name="doing"/> run 'id' of agent N".</summary>
        internal string Doing(string doing) => $"{doing} run '{ExternalRunId}' of agent {AgentId}";

        #endregion
    }
}
