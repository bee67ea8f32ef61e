using System;
using System.Management.Automation;

namespace Cxpa.PowerShell.Internal
{
    /// <summary>
    /// Refuses, with how to connect instead, a connection that crossed a process boundary (Start-Job, Invoke-Command,
    /// Import-Clixml): its copy is a property bag without the secret, which is never serialized.
    /// </summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    public sealed class ConnectionTransformationAttribute : ArgumentTransformationAttribute
    {
        internal const string DeserializedMessage =
            "This -Connection is a copy from another process (Start-Job, Invoke-Command or Import-Clixml) and holds no key: a connection's "
            + "secret is never serialized. Connect inside the job instead: pass the key in (a SecureString argument, or "
            + "$env:CXPA_API_URL and $env:CXPA_INGEST_KEY, which a job's process inherits) and run Connect-Cxpa there, or pass -BaseUrl and "
            + "the key to each cmdlet.";

        /// <inheritdoc />
        public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
        {
            if (inputData is PSObject pso && !(pso.BaseObject is CxpaConnection)
                && pso.TypeNames.Contains("Deserialized." + typeof(CxpaConnection).FullName))
                throw new ArgumentTransformationMetadataException(DeserializedMessage);
            return inputData;
        }
    }
}
