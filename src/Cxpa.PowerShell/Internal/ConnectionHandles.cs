using Cxpa.Engine.Http;

namespace Cxpa.PowerShell.Internal
{
    /// <summary>Makes <see cref="CxpaConnection"/>s (a Cxpa.Types type, which knows nothing of the engine) around the engine's endpoint.</summary>
    internal static class ConnectionHandles
    {
        /// <summary>A connection around <paramref name="endpoint"/>, which holds the URL and the secret.</summary>
        internal static CxpaConnection New(CxpaEndpoint endpoint, string source, long? runId = null)
            => new CxpaConnection(endpoint, endpoint.BaseUrl, endpoint.AuthKind.ToString(), () => endpoint.CredentialsToken != null, source) { RunId = runId };

        /// <summary>The engine's endpoint behind a connection.</summary>
        internal static CxpaEndpoint Endpoint(this CxpaConnection connection) => (CxpaEndpoint)connection.Handle;
    }
}
