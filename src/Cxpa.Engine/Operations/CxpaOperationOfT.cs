using System;
using System.Collections.Generic;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using Cxpa.Engine.Http;

namespace Cxpa.Engine.Operations
{
    /// <summary>A platform call together with how its answer is read into a <typeparamref name="T"/>.</summary>
    public sealed class CxpaOperation<T> : CxpaOperation
    {
        internal CxpaOperation(string name, HttpMethod method, string route, Dictionary<string, object?>? body, RetryMode retry,
            string whatIfTarget, string whatIfAction, Func<OperationAnswer, CancellationToken, Task<T>> read)
            : base(name, method, route, body, retry, whatIfTarget, whatIfAction)
            => Read = read ?? throw new ArgumentNullException(nameof(read));

        /// <summary>Reads the 2xx answer; it owns the answer (disposes it, or hands it on).</summary>
        internal Func<OperationAnswer, CancellationToken, Task<T>> Read { get; }
    }
}
