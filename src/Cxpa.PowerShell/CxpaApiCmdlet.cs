using System;
using System.Management.Automation;
using Cxpa.Engine;
using Cxpa.Engine.Http;
using Cxpa.Engine.Operations;
using Cxpa.Engine.Time;
using Cxpa.PowerShell.Internal;

namespace Cxpa.PowerShell
{
    /// <summary>
    /// A cmdlet that calls the platform: the connection, retry and timeout parameters, the engine client built from them,
    /// and the conversion of user values to JSON. Where a call goes and with which secret is <see cref="ConnectionResolver"/>'s concern.
    /// </summary>
    public abstract class CxpaApiCmdlet : CxpaCmdlet
    {
        #region Parameters

        /// <summary>The platform's base URL, e.g. https://cxpa.example.com. Defaults to the connection, then $env:CXPA_API_URL, then $env:PLATFORM_API_BASE_URL.</summary>
        [Parameter]
        [ValidateNotNull]
        public Uri? BaseUrl { get; set; }

        /// <summary>A connection from Connect-Cxpa -PassThru, instead of -BaseUrl and a key. A copy from another process (Start-Job) holds no key and is refused with how to connect there.</summary>
        [Parameter]
        [ConnectionTransformation]
        [ValidateNotNull]
        public CxpaConnection? Connection { get; set; }

        /// <summary>How many times a transient failure is retried: 408, 429, 502, 503, 504 and connection failures for reads and keyed calls (register, ingest); only 429 and a refused connection for calls that start a run, which are never resent once they may have reached the platform. Default 3; 0 turns retries off.</summary>
        [Parameter]
        [ValidateRange(0, 20)]
        public int MaximumRetryCount { get; set; } = 3;

        /// <summary>Seconds before the first retry; later retries back off exponentially with jitter, and a Retry-After from the platform wins. Default 1.</summary>
        [Parameter]
        [ValidateRange(0, 600)]
        public int RetryIntervalSec { get; set; } = 1;

        /// <summary>Seconds to wait for the platform's answer headers on each request (a trigger-and-wait adds its server window). Default 100. Like Invoke-RestMethod -ConnectionTimeoutSeconds.</summary>
        [Parameter]
        [ValidateRange(1, 3600)]
        public int ConnectionTimeoutSeconds { get; set; } = 100;

        /// <summary>Seconds one read of an answer's body may take (a stalled download fails after it). Default 30. Like Invoke-RestMethod -OperationTimeoutSeconds.</summary>
        [Parameter]
        [ValidateRange(1, 3600)]
        public int OperationTimeoutSeconds { get; set; } = 30;

        /// <summary>Allows sending a key over http:// to a host that is not this machine. Keys travel in clear text then.</summary>
        [Parameter]
        public SwitchParameter AllowUnencryptedAuthentication { get; set; }

        #endregion

        #region Private

        private ConnectionResolver? _connections;

        /// <summary>Where calls go and with which secret (connection, agent id, runtime run id).</summary>
        internal ConnectionResolver Connections => _connections ??= new ConnectionResolver(this);

        /// <summary>The engine client for a connection, with this cmdlet's retry settings, logging and an optional wait deadline.</summary>
        internal CxpaClient CreateClient(CxpaConnection connection, WaitDeadline? deadline = null)
        {
            var opts = new CxpaCallOptions
            {
                MaximumRetryCount = MaximumRetryCount,
                RetryInterval = TimeSpan.FromSeconds(RetryIntervalSec),
                RequestTimeout = TimeSpan.FromSeconds(ConnectionTimeoutSeconds),
                ReadTimeout = TimeSpan.FromSeconds(OperationTimeoutSeconds),
                Log = Log,
                ObjectFactory = PSObjectFactory.Instance,
                Deadline = deadline is { IsBounded: true } ? deadline : null,
            };
            return new CxpaClient(connection.Endpoint(), opts);
        }

        /// <summary>
        /// The one confirm → send → write step of every call: confirms <paramref name="operation"/> (-WhatIf, -Confirm; the
        /// text of <paramref name="whatIfTarget"/> when given), then asks <paramref name="confirmed"/> for the client (where a
        /// wait budget starts, and what must happen only once confirmed), sends the operation as it is and hands the answer to
        /// <paramref name="write"/>. A failure is the non-terminating error of <paramref name="target"/> (<see cref="CxpaCmdlet.WriteAnswer{T}"/>).
        /// </summary>
        internal void Send<T>(CxpaOperation<T> operation, Func<CxpaClient> confirmed, Action<T> write, object? target, string doing,
            Action? tick = null, Action<Exception, ErrorRecord>? amend = null, string? whatIfTarget = null)
        {
            if (!ShouldProcess(whatIfTarget ?? operation.WhatIfTarget, operation.WhatIfAction)) return;
            var client = confirmed();
            WriteAnswer(client.SendAsync(operation, StopToken), write, target, doing, tick, amend);
        }

        /// <summary>Converts a user value for a JSON body (an object, or with anyValue any JSON value); writes InvalidInput and returns false when it cannot.</summary>
        internal bool TryJson(object? value, string parameterName, bool anyValue, out object? json)
        {
            try
            {
                json = anyValue ? InputConverter.ToJsonValue(value, parameterName) : InputConverter.ToJsonObject(value, parameterName);
                return true;
            }
            catch (ArgumentException ex)
            {
                WriteInvalidInput(ex, value);
                json = null;
                return false;
            }
        }

        /// <summary>The non-terminating InvalidInput error of a value that cannot become JSON.</summary>
        internal void WriteInvalidInput(ArgumentException ex, object? value)
        {
            // The target is where the refused value is (input.items[2].p), not the value: it may be large or not plain data.
            var target = ex is InputPolicyException policy ? policy.Path : value;
            WriteError(new ErrorRecord(ex, "InvalidInput", ErrorCategory.InvalidArgument, target) { ErrorDetails = new ErrorDetails(ErrorMapping.Prefix(null, ex.Message)) });
        }

        #endregion
    }
}
