using System;

namespace Cxpa
{
    /// <summary>
    /// The call cannot be made as it is: missing URL or key, an unsafe URL, a parameter the cmdlet refuses before sending
    /// (MissingAgentId, MissingBaseUrl, FileExists, ...). ErrorId is the ErrorRecord's id.
    /// </summary>
    public sealed class CxpaConfigurationException : CxpaException
    {
        /// <summary>Creates the error.</summary>
        public CxpaConfigurationException(string message, string errorId) : base(message) => ErrorId = errorId;
        /// <summary>Creates the error with the exception that caused it.</summary>
        public CxpaConfigurationException(string message, string errorId, Exception? inner) : base(message, null, inner) => ErrorId = errorId;
        /// <summary>A stable id for the problem.</summary>
        public string ErrorId { get; }
    }
}
