using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Cxpa.Engine.Http;

namespace Cxpa.Engine.Downloads
{
    /// <summary>A read-only view of a body that counts the bytes read through it (the bytes as the server sent them).</summary>
    internal sealed class CountingStream : ReadOnlyWrapper
    {
        private long _count;

        internal CountingStream(Stream inner) : base(inner) { }

        /// <summary>Bytes read so far.</summary>
        internal long Bytes => Interlocked.Read(ref _count);

        public override int Read(byte[] buffer, int offset, int count) => Counted(Inner.Read(buffer, offset, count));

        public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            => Counted(await Inner.ReadAsync(buffer, offset, count, cancellationToken).ConfigureAwait(false));

#if NET8_0_OR_GREATER
        public override async ValueTask<int> ReadAsync(System.Memory<byte> buffer, CancellationToken cancellationToken = default)
            => Counted(await Inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false));
#endif

        private int Counted(int n)
        {
            if (n > 0) Interlocked.Add(ref _count, n);
            return n;
        }
    }
}
