using System;
using System.Threading;
using Microsoft.IdentityModel.Tokens;

namespace Cxpa.Engine.Zone
{
    /// <summary>
    /// IdentityModel's HS256 verifier (a <see cref="SymmetricSignatureProvider"/> over a <see cref="SymmetricSecurityKey"/>)
    /// per secret, so that repeated checks reuse its pooled HMAC instances. Bounded: at most <see cref="Capacity"/> entries,
    /// oldest dropped. Lookups are lock-free; a miss takes a lock and publishes a new array.
    /// </summary>
    internal static class ZoneValidationCache
    {
        internal const int Capacity = 16;

        internal sealed class Entry
        {
            internal Entry(byte[] secret)
            {
                Secret = (byte[])secret.Clone();
                // Verifying only; the provider is thread-safe (it pools its HMAC instances). An entry dropped from the
                // cache is not disposed: a check on another thread may still be using it.
                Verifier = new SymmetricSignatureProvider(new SymmetricSecurityKey(Secret), SecurityAlgorithms.HmacSha256, false);
            }

            /// <summary>A private copy: the caller's array may change after the call.</summary>
            internal readonly byte[] Secret;
            internal readonly SymmetricSignatureProvider Verifier;

            internal bool Matches(byte[] secret) => new ReadOnlySpan<byte>(Secret).SequenceEqual(secret);
        }

        private static readonly object Gate = new object();
        private static Entry[] s_entries = Array.Empty<Entry>();
        private static Entry? s_last;

        internal static Entry Get(byte[] secret)
        {
            var last = Volatile.Read(ref s_last);
            if (last != null && last.Matches(secret)) return last;

            var entries = Volatile.Read(ref s_entries);
            for (int i = 0; i < entries.Length; i++)
            {
                if (entries[i].Matches(secret))
                {
                    Volatile.Write(ref s_last, entries[i]);
                    return entries[i];
                }
            }

            lock (Gate)
            {
                entries = s_entries;
                for (int i = 0; i < entries.Length; i++)
                {
                    if (entries[i].Matches(secret))
                    {
                        Volatile.Write(ref s_last, entries[i]);
                        return entries[i];
                    }
                }
                var created = new Entry(secret);
                int keep = Math.Min(entries.Length, Capacity - 1);
                var next = new Entry[keep + 1];
                next[0] = created;
                Array.Copy(entries, 0, next, 1, keep);
                Volatile.Write(ref s_entries, next);
                Volatile.Write(ref s_last, created);
                return created;
            }
        }

        /// <summary>How many entries are cached (for tests).</summary>
        internal static int Count => Volatile.Read(ref s_entries).Length;
    }
}
