using System;
using System.Management.Automation;

namespace Cxpa.PowerShell.Internal
{
    /// <summary>Engine exceptions to ErrorRecords: meaningful categories, stable ErrorIds, the server's message in ErrorDetails.</summary>
    internal static class ErrorMapping
    {
        /// <summary>The ErrorRecord of an engine exception; a connection failure's advice follows the effect of the call (a run start must not simply be sent again).</summary>
        public static ErrorRecord ToErrorRecord(Exception ex, object? target, string? context)
        {
            switch (ex)
            {
                case CxpaApiException api:
                {
                    var (id, cat) = Classify(api);
                    var rec = new ErrorRecord(api, id, cat, target ?? (object?)api.RunId);
                    rec.ErrorDetails = new ErrorDetails(Prefix(context, api.Message));
                    var action = Recommend(api);
                    if (action != null) rec.ErrorDetails.RecommendedAction = action;
                    return rec;
                }
                case CxpaTimeoutException t:
                    return WithDetails(new ErrorRecord(t, "Timeout", ErrorCategory.OperationTimeout, target ?? (object?)t.RunId), context, t.Message);
                case CxpaOutcomeUnknownException u:
                {
                    var rec = WithDetails(new ErrorRecord(u, "OutcomeUnknown", ErrorCategory.ConnectionError, target ?? (object?)u.RunId), context, u.Message);
                    rec.ErrorDetails.RecommendedAction = u.Effect switch
                    {
                        OperationEffect.SendsEvent => OutcomeUnknownEvent,
                        OperationEffect.Write => OutcomeUnknownWrite,
                        _ => OutcomeUnknownRun,
                    };
                    return rec;
                }
                case CxpaConnectionException c:
                {
                    var rec = WithDetails(new ErrorRecord(c, "ConnectionFailed", ErrorCategory.ConnectionError, target ?? (object?)c.RunId), context, c.Message);
                    rec.ErrorDetails.RecommendedAction = c.Effect == OperationEffect.StartsRun ? ConnectionFailedTrigger : ConnectionFailedAction;
                    return rec;
                }
                case CxpaDownloadException d when d.TempFilePath != null:
                {
                    // Every byte arrived but the move into place failed: the complete file is kept, and the error says where.
                    var rec = WithDetails(new ErrorRecord(d, "FileNotMoved", ErrorCategory.WriteError, d.TempFilePath), context, d.Message);
                    rec.ErrorDetails.RecommendedAction = $"Move '{d.TempFilePath}' to the name you want; it holds the whole file.";
                    return rec;
                }
                case CxpaDownloadException d:
                    return WithDetails(new ErrorRecord(d, "DownloadIncomplete", ErrorCategory.ReadError, target ?? (object?)d.RunId), context, d.Message);
                case CxpaConfigurationException cfg:
                    return WithDetails(new ErrorRecord(cfg, cfg.ErrorId, ErrorCategory.InvalidArgument, target), context, cfg.Message);
                case ArgumentException a:
                    // A Cxpa exception around it, so that catch [Cxpa.CxpaException] holds; the original is its InnerException.
                    return WithDetails(new ErrorRecord(new CxpaConfigurationException(a.Message, "InvalidArgument", a), "InvalidArgument", ErrorCategory.InvalidArgument, target), context, a.Message);
                case UnauthorizedAccessException u:
                    return WithDetails(new ErrorRecord(u, "AccessDenied", ErrorCategory.PermissionDenied, target), context, u.Message);
                case System.IO.IOException io:
                    return WithDetails(new ErrorRecord(io, "FileError", ErrorCategory.WriteError, target), context, io.Message);
                case CxpaException other:
                    return WithDetails(new ErrorRecord(other, "UnexpectedError", ErrorCategory.NotSpecified, target), context, other.Message);
                default:
                    return WithDetails(new ErrorRecord(new CxpaException(ex.Message, null, ex), "UnexpectedError", ErrorCategory.NotSpecified, target), context, ex.Message);
            }
        }

        private static ErrorRecord WithDetails(ErrorRecord r, string? context, string message)
        {
            r.ErrorDetails = new ErrorDetails(Prefix(context, message));
            return r;
        }

        /// <summary>The message of an ErrorRecord: the context first, and every control character made visible (the message may quote
        /// the platform, an agent or a file name; <see cref="TerminalText"/>).</summary>
        internal static string Prefix(string? context, string message) => TerminalText.Clean(context == null ? message : context + ": " + message)!;

        internal static (string, ErrorCategory) Classify(CxpaApiException api)
        {
            if (api.Code == "response_too_large" && api.Status >= 200 && api.Status < 300) return ("ResponseTooLarge", ErrorCategory.LimitsExceeded);
            switch (api.Status)
            {
                case 401: return ("Unauthorized", ErrorCategory.AuthenticationError);
                case 403: return (api.Code == "agent_not_eligible" ? "AgentNotEligible" : "Forbidden", ErrorCategory.PermissionDenied);
                case 404: return ("NotFound", ErrorCategory.ObjectNotFound);
                case 408: return ("RequestTimeout", ErrorCategory.OperationTimeout);
                case 409: return ("Conflict", ErrorCategory.InvalidOperation);
                case 422: return ("ValidationFailed", ErrorCategory.InvalidData);
                case 429: return ("RateLimited", ErrorCategory.ResourceUnavailable);
            }
            if (api.Status >= 500) return ("ServerError", ErrorCategory.ResourceUnavailable);
            if (api.Status >= 300 && api.Status < 400) return ("Redirected", ErrorCategory.ProtocolError);
            if (api.Status >= 200 && api.Status < 300) return ("InvalidResponse", ErrorCategory.InvalidResult);
            return ("HttpError", ErrorCategory.InvalidOperation);
        }

        internal const string ConnectionFailedAction =
            "Check the base URL (Get-CxpaConnection, -BaseUrl or $env:CXPA_API_URL) and that the platform is reachable from here (DNS, network, firewall, proxy); then retry.";

        internal const string ConnectionFailedTrigger =
            "Check the base URL (Get-CxpaConnection, -BaseUrl or $env:CXPA_API_URL) and that the platform is reachable from here (DNS, network, firewall, proxy). "
            + "The request never reached the platform (the connection was refused, the host was not found, or the TLS handshake failed), so no run was started: "
            + "start it again once the platform is reachable.";

        internal const string OutcomeUnknownRun =
            "The platform may or may not have started a run: the request was sent, its answer was lost, and it was not sent again. "
            + "Its run id is unknown. Look at the agent's runs on the platform (its run list or the emulator's) around the time it was sent before starting it again: "
            + "starting it again may run it twice.";

        /// <summary>The advice of an OutcomeUnknown trigger, with what is known: the agent and when the request was sent.</summary>
        internal static string OutcomeUnknownStart(long agentId, DateTimeOffset sentFrom, DateTimeOffset sentTo) =>
            $"The platform may or may not have started a run of agent {agentId}: the request was sent between {sentFrom.UtcDateTime:yyyy-MM-dd HH:mm:ss} and "
            + $"{sentTo.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC, its answer was lost, and it was not sent again. Its run id is unknown. "
            + $"Look at agent {agentId}'s runs on the platform (its run list or the emulator's) from that time before starting it again: starting it again may run it twice.";

        internal const string OutcomeUnknownEvent =
            "The event may have been recorded: the request may have reached the platform before the connection broke, and it was not sent again. "
            + "Check the run (Get-CxpaRun) before sending it again.";

        internal const string OutcomeUnknownWrite =
            "The request may have reached the platform before the connection broke, and it was not sent again. "
            + "Check what it changed before sending it again.";

        private static string? Recommend(CxpaApiException api) => api.Status switch
        {
            _ when api.Code == "response_too_large" => "The answer was larger than the client accepts: check that the base URL points at the platform (Get-CxpaConnection).",
            401 => "Check the key or token (Connect-Cxpa, or the key parameters); zone tokens expire after minutes.",
            403 when api.Code == "agent_not_eligible" => "The agent must be platform-managed, active and allow external triggers (ingest: standalone).",
            429 => "The platform is rate limiting; retry later or raise -MaximumRetryCount.",
            _ when api.Status >= 500 => "The platform had a transient failure; retry later.",
            _ => null,
        };
    }
}
