using System.Text.Json;

namespace Cxpa.Engine.Json
{
    /// <summary>
    /// A JSON answer that parses but cannot be read: a string or key that is not text (a lone surrogate, invalid UTF-8), or a
    /// key that the objects it becomes cannot hold. The message says which, never the value.
    /// </summary>
    public sealed class UnreadableAnswerException : JsonException
    {
        /// <summary>Creates the error.</summary>
        public UnreadableAnswerException(string message) : base(message) { }
    }
}
