using System;
using System.Net.Http;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Cxpa.Engine.Http;

namespace Cxpa.Engine.Operations
{
    /// <summary>A 2xx answer to an operation, as its reader gets it: the response, the operation and the client's options.</summary>
    internal sealed class OperationAnswer
    {
        internal OperationAnswer(HttpResponseMessage response, CxpaOperation operation, CxpaCallOptions options)
        {
            Response = response;
            Operation = operation;
            Options = options;
        }

        /// <summary>The answer (a JSON answer's body is already buffered, decoded and capped; a download's is a stream).</summary>
        internal HttpResponseMessage Response { get; }
        /// <summary>The call it answers.</summary>
        internal CxpaOperation Operation { get; }
        /// <summary>The client's options (object factory, clock, timeouts).</summary>
        internal CxpaCallOptions Options { get; }
        /// <summary>The HTTP status.</summary>
        internal int Status => (int)Response.StatusCode;

        /// <summary>The answer's JSON object (disposed by the caller).</summary>
        internal Task<JsonDocument> ReadJsonAsync(CancellationToken ct) => AnswerBuffer.ReadJsonAsync(Response, Operation, Options, ct);

        /// <summary>The error of a 2xx answer that does not hold what the call promises.</summary>
        internal CxpaApiException Invalid(string what) => Invalid(Operation, what);

        internal static CxpaApiException Invalid(CxpaOperation op, string what)
            => new CxpaApiException($"{op.Method} {op.Route}: {what}.", 200, "invalid_response", null, null, op.RunId, op.Method.Method, op.Route);

        /// <summary>A reader of a JSON object answer: reads it, disposes the answer, and gives the root to <paramref name="read"/>.</summary>
        internal static Func<OperationAnswer, CancellationToken, Task<T>> Json<T>(Func<OperationAnswer, JsonElement, T> read)
            => async (answer, ct) =>
            {
                using (answer.Response)
                using (var doc = await answer.ReadJsonAsync(ct).ConfigureAwait(false))
                    return read(answer, doc.RootElement);
            };
    }
}
