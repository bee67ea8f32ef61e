using System;
using System.Collections.Generic;

namespace Cxpa.Engine.Zone
{
    /// <summary>HS256 zone tokens: the createZoneMiddleware check, and minting for local use.</summary>
    public static class ZoneTokens
    {
        /// <summary>The shortest secret accepted (HS256 wants a 256-bit key).</summary>
        public const int MinimumSecretBytes = 32;
        /// <summary>Longer tokens are rejected as TooLarge before any decoding.</summary>
        public const int MaximumTokenLength = 16 * 1024;

        /// <summary>Verifies a zone token. Never throws for any token string; throws ArgumentException for a secret shorter than 32 bytes or an empty audience.</summary>
        public static ZoneTokenValidationResult Validate(string? token, byte[] secret, string audience, TimeSpan clockTolerance, DateTimeOffset? now = null)
            => throw new NotImplementedException();

        /// <summary>Mints a zone token signed with HS256.</summary>
        public static string Mint(byte[] secret, ZoneTokenDescriptor descriptor)
            => throw new NotImplementedException();

        /// <summary>Decodes the claims without verifying anything (to read agentId from a token the server will check). Null when not decodable.</summary>
        public static ZoneTokenClaims? ReadUnverified(string? token)
            => throw new NotImplementedException();

        /// <summary>Creates a generic HS256 JWT with these claims (plain BCL values).</summary>
        public static string CreateHs256(byte[] secret, IDictionary<string, object?> claims)
            => throw new NotImplementedException();

        /// <summary>Verifies a generic HS256 JWT (signature, alg, exp with 5 s tolerance); returns its claims or null.</summary>
        public static IReadOnlyDictionary<string, object?>? ValidateHs256(string? token, byte[] secret, DateTimeOffset? now = null)
            => throw new NotImplementedException();
    }
}
