using System;
using System.Threading;
using Microsoft.IdentityModel.Tokens;

namespace Cxpa.Engine.Zone
{
    /// <summary>
    /// TokenValidationParameters (with their SymmetricSecurityKey) per (secret, audience), so that repeated checks
    /// reuse IdentityModel's cached HMAC providers. Bounded: at most <see cref="Capacity"/> entries, oldest dropped.
    /// Lookups are lock-free; a miss takes a lock and publishes a new array.
    /// </summary>
    internal static class ZoneValidationCache
    {
        internal const int Capacity = 16;

        internal sealed class Entry
        {
            internal Entry(byte[] secret, string? audience)
            {
                Secret = (byte[])secret.Clone();
                Audience = audience;
                Parameters = CreateParameters(Secret, audience);
            }

            /// <summary>A private copy: the caller's array may change after the call.</summary>
            internal readonly byte[] Secret;
            internal readonly string? Audience;
            internal readonly TokenValidationParameters Parameters;

            internal bool Matches(byte[] secret, string? audience)
                => string.Equals(Audience, audience, StringComparison.Ordinal)
                   && new ReadOnlySpan<byte>(Secret).SequenceEqual(secret);
        }

        private static readonly object Gate = new object();
        private static Entry[] s_entries = Array.Empty<Entry>();
        private static Entry? s_last;

        internal static Entry Get(byte[] secret, string? audience)
        {
            var last = Volatile.Read(ref s_last);
            if (last != null && last.Matches(secret, audience)) return last;

            var entries = Volatile.Read(ref s_entries);
            for (int i = 0; i < entries.Length; i++)
            {
                if (entries[i].Matches(secret, audience))
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
                    if (entries[i].Matches(secret, audience))
                    {
                        Volatile.Write(ref s_last, entries[i]);
                        return entries[i];
                    }
                }
                var created = new Entry(secret, audience);
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

        private static TokenValidationParameters CreateParameters(byte[] secret, string? audience)
        {
            return new TokenValidationParameters
            {
                // One key, whatever the header's kid says: TryAllIssuerSigningKeys makes a kid that names no key
                // fall back to the single configured key instead of failing (or selecting anything else).
                IssuerSigningKey = new SymmetricSecurityKey(secret),
                TryAllIssuerSigningKeys = true,
                ValidateIssuerSigningKey = false,
                RequireSignedTokens = true,
                ValidAlgorithms = new[] { SecurityAlgorithms.HmacSha256 },
                // The platform sets no issuer.
                ValidateIssuer = false,
                // Audience: exact, no trailing-slash leniency. ZoneTokens repeats the check itself (a string, or an array of strings holding it; ordinal).
                ValidateAudience = audience != null,
                RequireAudience = audience != null,
                ValidAudience = audience,
                IgnoreTrailingSlashWhenValidatingAudience = false,
                // exp/nbf are checked by ZoneTokens against the caller's clock ('now'), not DateTime.UtcNow.
                ValidateLifetime = false,
                RequireExpirationTime = false,
                ValidateTokenReplay = false,
                ValidateActor = false,
                ValidateWithLKG = false,
                SaveSigninToken = false,
                LogValidationExceptions = false,
            };
        }
    }
}
