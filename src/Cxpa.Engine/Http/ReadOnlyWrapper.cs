using System;
using System.IO;

namespace Cxpa.Engine.Http
{
    /// <summary>The members every read-only, forward-only view of an answer body shares; disposing it disposes the body.</summary>
    internal abstract class ReadOnlyWrapper : Stream
    {
        protected ReadOnlyWrapper(Stream inner) => Inner = inner;

        /// <summary>The stream read from.</summary>
        protected Stream Inner { get; }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) Inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
