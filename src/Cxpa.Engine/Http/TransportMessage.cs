using System;
using System.Net.Http;
using System.Threading;
using Cxpa.Engine.Operations;

namespace Cxpa.Engine.Http
{
    /// <summary>One attempt of an operation as it goes through the transport's policies: the request being built, then the answer.</summary>
    internal sealed class TransportMessage : IDisposable
    {
        internal TransportMessage(CxpaEndpoint endpoint, CxpaCallOptions options, CxpaOperation operation, byte[]? body, int attempt, CancellationToken ct)
        {
            Endpoint = endpoint;
            Options = options;
            Operation = operation;
            Body = body;
            Attempt = attempt;
            CancellationToken = ct;
            Request = new HttpRequestMessage(operation.Method, new Uri(endpoint.BaseUrl, operation.Route));
        }

        internal CxpaEndpoint Endpoint { get; }
        internal CxpaCallOptions Options { get; }
        internal CxpaOperation Operation { get; }
        /// <summary>The serialized JSON body, or null.</summary>
        internal byte[]? Body { get; }
        /// <summary>1 for the first attempt.</summary>
        internal int Attempt { get; }
        internal CancellationToken CancellationToken { get; }
        internal HttpRequestMessage Request { get; }
        /// <summary>The answer, once the handler gave one.</summary>
        internal HttpResponseMessage? Response { get; set; }

        /// <summary>Adds a request header after checking its value (the last guard: nothing with a CR, LF or non-ASCII character is sent).</summary>
        internal void AddHeader(string name, string value, string what)
        {
            HeaderValues.Check(what, value);
            Request.Headers.TryAddWithoutValidation(name, value);
        }

        public void Dispose() => Request.Dispose();
    }
}
