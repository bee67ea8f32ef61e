using System.Threading.Tasks;

namespace Cxpa.Engine.Http
{
    /// <summary>
    /// One step of the transport, in the manner of Azure.Core's pipeline policies: it works on the message, calls the next
    /// policy, and may look at the answer on the way back. The last one sends through the handler.
    /// </summary>
    internal abstract class TransportPolicy
    {
        internal abstract Task ProcessAsync(TransportMessage message, TransportPolicy[] pipeline, int next);

        /// <summary>Runs the policy at <paramref name="next"/> (and those after it).</summary>
        protected static Task NextAsync(TransportMessage message, TransportPolicy[] pipeline, int next)
            => pipeline[next].ProcessAsync(message, pipeline, next + 1);
    }
}
