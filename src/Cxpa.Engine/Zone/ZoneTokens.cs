using System;
using System.Buffers;
using System.Collections.Generic;
using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.Tokens;

namespace Cxpa.Engine.Zone
{
    /// <summary>HS256 zone tokens: the createZoneMiddleware check, and minting for local use.</summary>
    /// <remarks>
    /// <para>
    /// Verification is strict and fails closed. The checks run in this order, and the first failure is the
    /// <see cref="ZoneTokenValidationResult.Reason"/>:
    /// </para>
    /// <list type="number">
    /// <item><description><see cref="ZoneTokenFailureReason.Empty"/>: null, empty or whitespace only.</description></item>
    /// <item><description><see cref="ZoneTokenFailureReason.TooLarge"/>: longer than <see cref="MaximumTokenLength"/> characters (checked before any decoding).</description></item>
    /// <item><description><see cref="ZoneTokenFailureReason.Malformed"/>: not exactly three segments (a five-segment JWE is never decrypted),
    /// a header or payload segment that is not strict, canonical, unpadded base64url, or that does not decode to
    /// one JSON object (duplicate member names are rejected at any depth, as are comments and trailing content),
    /// a JWE-only header (<c>enc</c>, <c>zip</c>), a <c>b64</c> header, a <c>kid</c>/<c>typ</c>/<c>cty</c> that is not a string,
    /// or a signature segment with characters outside the base64url alphabet.</description></item>
    /// <item><description><see cref="ZoneTokenFailureReason.AlgorithmNotAllowed"/>: the header's <c>alg</c> is missing, not a string, or not exactly
    /// <c>HS256</c> (case-sensitive: none, None, HS384, HS512, RS256, ES256... are all refused).</description></item>
    /// <item><description><see cref="ZoneTokenFailureReason.CriticalHeader"/>: the header has a <c>crit</c> parameter (no extension is understood).</description></item>
    /// <item><description><see cref="ZoneTokenFailureReason.AlgorithmNotAllowed"/>: the header carries a key reference or embedded key,
    /// <c>jku</c>, <c>x5u</c>, <c>jwk</c> or <c>x5c</c>. These would let the token choose its own verification key; the only key is the shared
    /// secret, so they are refused outright (as an algorithm/key-selection attack) rather than ignored. <c>kid</c>, <c>x5t</c> and
    /// <c>x5t#S256</c> are ignored: they never select a key (see below).</description></item>
    /// <item><description><see cref="ZoneTokenFailureReason.MissingClaim"/> / <see cref="ZoneTokenFailureReason.InvalidClaim"/>: claim types, checked
    /// before the signature: <c>exp</c> is required and must be a JSON number (a string such as <c>"1700000000"</c> is invalid);
    /// <c>nbf</c> and <c>iat</c>, when present, must be JSON numbers; NumericDates must lie within the DateTimeOffset range;
    /// <c>agentId</c> must be an integral JSON number (numeric strings are invalid) and <c>userId</c>, <c>orgSlug</c>,
    /// <c>agentSlug</c>, <c>iss</c>, <c>jti</c>, <c>azp</c> strings (a JSON null counts as absent for the custom claims).</description></item>
    /// <item><description><see cref="ZoneTokenFailureReason.AudienceMismatch"/> (before the signature): <c>aud</c> is neither a string, an array of strings,
    /// nor absent.</description></item>
    /// <item><description><see cref="ZoneTokenFailureReason.BadSignature"/>: the signature is not exactly 32 canonically encoded bytes, or the
    /// HMAC-SHA256 of the signing input with the secret differs. The HMAC is verified by IdentityModel's
    /// <c>SymmetricSignatureProvider</c> (one per secret, cached) over the signing input parsed above, with the one key there is
    /// (a <c>kid</c> naming any other key, a path or SQL text changes nothing).</description></item>
    /// <item><description><see cref="ZoneTokenFailureReason.AudienceMismatch"/>: <c>aud</c> is missing, or is neither a string equal (ordinal, no
    /// trailing-slash or case leniency) to the expected audience nor an array of strings one of which is equal to it. As in
    /// jose's jwtVerify, an array holding the audience is valid (other elements do not matter); an empty array, an array without
    /// it, or an array with a non-string element (refused before the signature, where jose would still look for the
    /// audience) is not. <see cref="Mint"/> always writes a single string.</description></item>
    /// <item><description><see cref="ZoneTokenFailureReason.NotYetValid"/>: <c>nbf</c> &gt; now + tolerance.</description></item>
    /// <item><description><see cref="ZoneTokenFailureReason.Expired"/>: <c>exp</c> &lt;= now − tolerance.</description></item>
    /// </list>
    /// <para>
    /// "now" is whole Unix seconds (floored), as in the platform's createZoneMiddleware (jose). <c>iat</c> is not compared
    /// with the clock (createZoneMiddleware does not either). The issuer is not validated (the platform sets none).
    /// <see cref="ZoneTokenValidationResult.Claims"/> is filled only once the signature has verified: for valid tokens and for
    /// AudienceMismatch, NotYetValid and Expired ones; never for a bad signature. Messages are fixed sentences: they never
    /// contain the token, any part of it, or the secret.
    /// </para>
    /// </remarks>
    public static class ZoneTokens
    {
        /// <summary>The shortest secret accepted (HS256 wants a 256-bit key).</summary>
        public const int MinimumSecretBytes = 32;
        /// <summary>Longer tokens are rejected as TooLarge before any decoding.</summary>
        public const int MaximumTokenLength = 16 * 1024;

        /// <summary>The clock tolerance of <see cref="ValidateHs256"/> (and createZoneMiddleware's default).</summary>
        internal static readonly TimeSpan DefaultClockTolerance = TimeSpan.FromSeconds(5);

        // NumericDate bounds: what DateTimeOffset can represent (0001-01-01 .. 9999-12-31T23:59:59Z).
        internal const double MinNumericDate = -62135596800d;
        internal const double MaxNumericDate = 253402300799d;

        private const int Hs256SignatureLength = 43; // 32 bytes, unpadded base64url
        private const string Hs256Header = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"; // {"alg":"HS256","typ":"JWT"}

        /// <summary>
        /// Verifies a zone token as createZoneMiddleware does, strictly (see the remarks on <see cref="ZoneTokens"/> for every
        /// rule and the order of the checks). Never throws for any token string; throws ArgumentException for a secret shorter
        /// than 32 bytes, an empty audience or a negative tolerance.
        /// </summary>
        /// <param name="token">The compact JWS, as received (no "Bearer " prefix).</param>
        /// <param name="secret">The agent's zone secret, at least <see cref="MinimumSecretBytes"/> bytes.</param>
        /// <param name="audience">The expected <c>aud</c>, compared ordinally with a string <c>aud</c> claim.</param>
        /// <param name="clockTolerance">Allowed clock skew for <c>exp</c> and <c>nbf</c> (createZoneMiddleware's default is 5 s).</param>
        /// <param name="now">The current time; defaults to the system clock.</param>
        public static ZoneTokenValidationResult Validate(string? token, byte[] secret, string audience, TimeSpan clockTolerance, DateTimeOffset? now = null)
            => Validate(token, secret, audience, clockTolerance, withClaims: true, now);

        /// <summary>
        /// <see cref="Validate(string?, byte[], string, TimeSpan, DateTimeOffset?)"/>, with <paramref name="withClaims"/> false
        /// when only the verdict and the reason are wanted: the claims are then not copied into the result (the checks are
        /// the same).
        /// </summary>
        public static ZoneTokenValidationResult Validate(string? token, byte[] secret, string audience, TimeSpan clockTolerance, bool withClaims, DateTimeOffset? now = null)
        {
            RequireSecret(secret);
            if (string.IsNullOrWhiteSpace(audience))
                throw new ArgumentException("The expected audience must not be empty.", nameof(audience));
            if (clockTolerance < TimeSpan.Zero)
                throw new ArgumentOutOfRangeException(nameof(clockTolerance), "The clock tolerance must not be negative.");

            var reason = Check(token, secret, audience, clockTolerance.TotalSeconds, now ?? DateTimeOffset.UtcNow,
                               zone: true, out var payload, out var verified, out var message);
            return new ZoneTokenValidationResult
            {
                IsValid = reason == ZoneTokenFailureReason.None,
                Reason = reason,
                Message = message,
                Claims = withClaims && verified && payload != null ? ToClaims(payload, audience) : null,
            };
        }

        /// <summary>
        /// Mints a zone token signed with HS256: header <c>{"alg":"HS256","typ":"JWT"}</c>, claims <c>aud</c>, <c>iat</c>,
        /// <c>exp</c> (iat + Lifetime, rounded up to whole seconds), <c>userId</c>, <c>agentId</c> (a number), <c>orgSlug</c>,
        /// <c>agentSlug</c> (null strings are left out), then the AdditionalClaims in their order (they may not repeat a claim
        /// set from the descriptor; an <c>nbf</c> may be added this way).
        /// </summary>
        /// <exception cref="ArgumentException">Short secret, empty audience, non-positive lifetime, or an unsupported or duplicate claim.</exception>
        public static string Mint(byte[] secret, ZoneTokenDescriptor descriptor)
        {
            RequireSecret(secret);
            if (descriptor == null) throw new ArgumentNullException(nameof(descriptor));
            if (string.IsNullOrWhiteSpace(descriptor.Audience))
                throw new ArgumentException("The token's audience must not be empty.", nameof(descriptor));
            if (descriptor.Lifetime <= TimeSpan.Zero)
                throw new ArgumentException("The token's lifetime must be positive.", nameof(descriptor));

            long iat = (descriptor.IssuedAt ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds();
            double lifetimeSeconds = Math.Ceiling(descriptor.Lifetime.TotalSeconds);
            if (iat + lifetimeSeconds > MaxNumericDate)
                throw new ArgumentException("The token's lifetime ends after the year 9999.", nameof(descriptor));
            long exp = iat + (long)lifetimeSeconds;

            var claims = new List<KeyValuePair<string, object?>>(8 + (descriptor.AdditionalClaims?.Count ?? 0))
            {
                new KeyValuePair<string, object?>("aud", descriptor.Audience),
                new KeyValuePair<string, object?>("iat", iat),
                new KeyValuePair<string, object?>("exp", exp),
            };
            if (descriptor.UserId != null) claims.Add(new KeyValuePair<string, object?>("userId", descriptor.UserId));
            claims.Add(new KeyValuePair<string, object?>("agentId", descriptor.AgentId));
            if (descriptor.OrgSlug != null) claims.Add(new KeyValuePair<string, object?>("orgSlug", descriptor.OrgSlug));
            if (descriptor.AgentSlug != null) claims.Add(new KeyValuePair<string, object?>("agentSlug", descriptor.AgentSlug));
            if (descriptor.AdditionalClaims != null) claims.AddRange(descriptor.AdditionalClaims);

            return Sign(secret, ZoneJson.WriteObject(claims));
        }

        /// <summary>
        /// Decodes the claims without verifying anything (to read agentId from a token the server will check). Null when not
        /// decodable: not three segments, or a header or payload that is not strict base64url of a JSON object. Claims of an
        /// unexpected type are left null in the typed properties (and kept in Raw). Never throws.
        /// </summary>
        public static ZoneTokenClaims? ReadUnverified(string? token)
        {
            try
            {
                if (string.IsNullOrWhiteSpace(token) || token!.Length > MaximumTokenLength) return null;
                int d1 = token.IndexOf('.');
                if (d1 <= 0) return null;
                int d2 = token.IndexOf('.', d1 + 1);
                if (d2 < 0 || d2 == d1 + 1 || token.IndexOf('.', d2 + 1) >= 0) return null;
                var headerBytes = Base64Url.Decode(token, 0, d1);
                if (headerBytes == null || ZoneJson.ParseObject(headerBytes) == null) return null;
                var payloadBytes = Base64Url.Decode(token, d1 + 1, d2 - d1 - 1);
                if (payloadBytes == null) return null;
                var payload = ZoneJson.ParseObject(payloadBytes);
                return payload == null ? null : ToClaims(payload, null);
            }
            catch (Exception)
            {
                return null;
            }
        }

        /// <summary>
        /// Creates a generic HS256 JWT (header <c>{"alg":"HS256","typ":"JWT"}</c>) with these claims, in their order, as plain
        /// BCL values (string, integer and floating types, bool, null, lists, dictionaries). Nothing is added: to be accepted by
        /// <see cref="ValidateHs256"/> the claims must include a numeric <c>exp</c>.
        /// </summary>
        /// <exception cref="ArgumentException">Short secret, or a claim value that is not a plain JSON value.</exception>
        public static string CreateHs256(byte[] secret, IDictionary<string, object?> claims)
        {
            RequireSecret(secret);
            if (claims == null) throw new ArgumentNullException(nameof(claims));
            return Sign(secret, ZoneJson.WriteObject(claims));
        }

        /// <summary>
        /// Verifies a generic HS256 JWT with the same strictness as <c>Validate</c> on structure, header, alg and
        /// signature; <c>exp</c> is required (numeric) and checked, as is a numeric <c>nbf</c>, with a 5 s tolerance. The
        /// audience and the custom claims are not looked at. Returns every claim as plain BCL values, or null when anything
        /// fails. Never throws for any token string; throws ArgumentException for a short secret.
        /// </summary>
        public static IReadOnlyDictionary<string, object?>? ValidateHs256(string? token, byte[] secret, DateTimeOffset? now = null)
        {
            RequireSecret(secret);
            var reason = Check(token, secret, null, DefaultClockTolerance.TotalSeconds, now ?? DateTimeOffset.UtcNow,
                               zone: false, out var payload, out _, out _);
            return reason == ZoneTokenFailureReason.None ? payload : null;
        }

        // ---------------------------------------------------------------------------------------------------------------

        private static void RequireSecret(byte[] secret)
        {
            if (secret == null) throw new ArgumentNullException(nameof(secret), "The HS256 secret is required.");
            if (secret.Length < MinimumSecretBytes)
                throw new ArgumentException(
                    $"The HS256 secret is too short: it must be at least {MinimumSecretBytes} bytes (256 bits).", nameof(secret));
        }

        private static string Sign(byte[] secret, byte[] payloadJson)
        {
            string signingInput = Hs256Header + "." + Base64Url.Encode(payloadJson);
            byte[] data = Encoding.ASCII.GetBytes(signingInput);
#if NET8_0_OR_GREATER
            byte[] mac = HMACSHA256.HashData(secret, data);
#else
            byte[] mac;
            using (var hmac = new HMACSHA256(secret)) mac = hmac.ComputeHash(data);
#endif
            return signingInput + "." + Base64Url.Encode(mac);
        }

        private static ZoneTokenFailureReason Fail(ZoneTokenFailureReason reason, string text, out string message)
        {
            message = text;
            return reason;
        }

        /// <summary>The whole check. payload is set once decoded; verified once the signature has been checked.</summary>
        private static ZoneTokenFailureReason Check(
            string? token, byte[] secret, string? audience, double toleranceSeconds, DateTimeOffset now, bool zone,
            out Dictionary<string, object?>? payload, out bool verified, out string message)
        {
            payload = null;
            verified = false;
            string what = zone ? "The zone token" : "The token";

            if (token == null || token.Length == 0)
                return Fail(ZoneTokenFailureReason.Empty, what + " is empty.", out message);
            if (token.Length > MaximumTokenLength)
                return Fail(ZoneTokenFailureReason.TooLarge, $"{what} is longer than {MaximumTokenLength} characters.", out message);
            if (string.IsNullOrWhiteSpace(token))
                return Fail(ZoneTokenFailureReason.Empty, what + " is empty.", out message);

            // --- structure: header.payload.signature --------------------------------------------------------------
            int d1 = token.IndexOf('.');
            int d2 = d1 < 0 ? -1 : token.IndexOf('.', d1 + 1);
            if (d2 < 0 || token.IndexOf('.', d2 + 1) >= 0)
            {
                int dots = 0;
                foreach (char c in token) if (c == '.') dots++;
                return Fail(ZoneTokenFailureReason.Malformed, dots == 4
                    ? what + " is an encrypted JWE (five segments); only a signed HS256 JWS is accepted."
                    : what + " is not a JWS of three dot-separated segments.", out message);
            }

            if (!IsKnownHeader(token, d1))
            {
                var headerBytes = d1 == 0 ? null : Base64Url.Decode(token, 0, d1);
                if (headerBytes == null)
                    return Fail(ZoneTokenFailureReason.Malformed, what + "'s header is not base64url.", out message);
                var header = ZoneJson.ParseObject(headerBytes);
                if (header == null)
                    return Fail(ZoneTokenFailureReason.Malformed, what + "'s header is not a JSON object.", out message);

                if (!string.Equals(ValueOf(header, "alg") as string, "HS256", StringComparison.Ordinal))
                    return Fail(ZoneTokenFailureReason.AlgorithmNotAllowed, what + "'s algorithm is not HS256.", out message);
                if (header.Count > 1)
                {
                    var headerReason = CheckHeader(header, what, out message);
                    if (headerReason != ZoneTokenFailureReason.None) return headerReason;
                }
            }

            int payloadLength = d2 - d1 - 1;
            var payloadBytes = payloadLength == 0 ? null : Base64Url.Decode(token, d1 + 1, payloadLength);
            if (payloadBytes == null)
                return Fail(ZoneTokenFailureReason.Malformed, what + "'s payload is not base64url.", out message);
            var claims = ZoneJson.ParseObject(payloadBytes);
            if (claims == null)
                return Fail(ZoneTokenFailureReason.Malformed, what + "'s payload is not a JSON object.", out message);

            int signatureStart = d2 + 1, signatureLength = token.Length - signatureStart;
            if (!Base64Url.IsAlphabet(token, signatureStart, signatureLength))
                return Fail(ZoneTokenFailureReason.Malformed, what + "'s signature is not base64url.", out message);
            if (signatureLength != Hs256SignatureLength || (Base64Url.ValueOf(token[token.Length - 1]) & 3) != 0)
                return Fail(ZoneTokenFailureReason.BadSignature, what + "'s signature is not a canonical HS256 signature.", out message);

            // --- claim types (before the signature: IdentityModel cannot read some of these) --------------------------
            var typeReason = CheckClaimTypes(claims, zone, what, out message);
            if (typeReason != ZoneTokenFailureReason.None) return typeReason;

            // --- signature: HMAC-SHA256 of the signing input, verified by IdentityModel's SymmetricSignatureProvider ---------
            if (!SignatureVerifies(token, d2, ZoneValidationCache.Get(secret).Verifier))
                return Fail(ZoneTokenFailureReason.BadSignature, what + "'s signature does not verify with the secret.", out message);

            verified = true;
            payload = claims;

            // --- audience and lifetime ----------------------------------------------------------------------------------
            if (audience != null)
            {
                if (!claims.TryGetValue("aud", out var aud) || !AudienceHolds(aud, audience))
                    return Fail(ZoneTokenFailureReason.AudienceMismatch, what + "'s audience is not the expected one.", out message);
            }

            double nowSeconds = now.ToUnixTimeSeconds();
            if (claims.TryGetValue("nbf", out var nbf) && nbf != null && ToDouble(nbf) > nowSeconds + toleranceSeconds)
                return Fail(ZoneTokenFailureReason.NotYetValid, what + " is not valid yet (nbf).", out message);
            if (ToDouble(claims["exp"]) <= nowSeconds - toleranceSeconds)
                return Fail(ZoneTokenFailureReason.Expired, what + " has expired.", out message);

            return Fail(ZoneTokenFailureReason.None, zone ? "The zone token is valid." : "The token is valid.", out message);
        }

        // The exact header segments that HS256 signers emit ({"alg":"HS256","typ":"JWT"}, {"alg":"HS256"} and the reverse
        // order): the text fixes the content, so these need no decoding.
        private static readonly string[] KnownHeaders =
        {
            Hs256Header,
            "eyJhbGciOiJIUzI1NiJ9",
            "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9",
        };

        private static bool IsKnownHeader(string token, int length)
        {
            foreach (var known in KnownHeaders)
                if (known.Length == length && string.CompareOrdinal(token, 0, known, 0, length) == 0) return true;
            return false;
        }

        private static ZoneTokenFailureReason CheckHeader(Dictionary<string, object?> header, string what, out string message)
        {
            if (header.ContainsKey("crit"))
                return Fail(ZoneTokenFailureReason.CriticalHeader, what + "'s header has a crit parameter; no extension is supported.", out message);
            if (header.ContainsKey("jku") || header.ContainsKey("x5u") || header.ContainsKey("jwk") || header.ContainsKey("x5c"))
                return Fail(ZoneTokenFailureReason.AlgorithmNotAllowed,
                    what + "'s header names or embeds its own key (jku, x5u, jwk or x5c); only the shared secret is used.", out message);
            if (header.ContainsKey("enc") || header.ContainsKey("zip"))
                return Fail(ZoneTokenFailureReason.Malformed, what + "'s header is a JWE header; only a signed HS256 JWS is accepted.", out message);
            if (header.ContainsKey("b64"))
                return Fail(ZoneTokenFailureReason.Malformed, what + "'s header has a b64 parameter; unencoded payloads are not supported.", out message);
            foreach (var name in StringHeaderParameters)
            {
                if (header.TryGetValue(name, out var value) && !(value is string))
                    return Fail(ZoneTokenFailureReason.Malformed, what + "'s header has a kid, typ or cty that is not a string.", out message);
            }
            message = "";
            return ZoneTokenFailureReason.None;
        }

        private static readonly string[] StringHeaderParameters = { "kid", "typ", "cty" };
        private static readonly string[] StringClaims = { "iss", "jti", "azp" };
        private static readonly string[] ZoneStringClaims = { "userId", "orgSlug", "agentSlug" };

        private static ZoneTokenFailureReason CheckClaimTypes(Dictionary<string, object?> claims, bool zone, string what, out string message)
        {
            if (!claims.TryGetValue("exp", out var exp))
                return Fail(ZoneTokenFailureReason.MissingClaim, what + " has no exp claim.", out message);
            if (!IsNumericDate(exp))
                return Fail(ZoneTokenFailureReason.InvalidClaim, what + "'s exp claim is not a number (NumericDate).", out message);
            if (claims.TryGetValue("nbf", out var nbf) && !IsNumericDate(nbf))
                return Fail(ZoneTokenFailureReason.InvalidClaim, what + "'s nbf claim is not a number (NumericDate).", out message);
            if (claims.TryGetValue("iat", out var iat) && !IsNumericDate(iat))
                return Fail(ZoneTokenFailureReason.InvalidClaim, what + "'s iat claim is not a number (NumericDate).", out message);
            foreach (var name in StringClaims)
            {
                if (claims.TryGetValue(name, out var value) && !(value is string))
                    return Fail(ZoneTokenFailureReason.InvalidClaim, what + "'s iss, jti or azp claim is not a string.", out message);
            }
            if (claims.TryGetValue("sub", out var sub) && !(sub is string) && !(sub is long) && !(sub is double))
                return Fail(ZoneTokenFailureReason.InvalidClaim, what + "'s sub claim is not a string.", out message);
            if (claims.TryGetValue("aud", out var aud) && aud != null && !(aud is string) && !IsStringList(aud))
            {
                return zone
                    ? Fail(ZoneTokenFailureReason.AudienceMismatch, what + "'s audience is not a string.", out message)
                    : Fail(ZoneTokenFailureReason.InvalidClaim, what + "'s aud claim is neither a string nor a list of strings.", out message);
            }
            if (zone)
            {
                if (claims.TryGetValue("agentId", out var agentId) && agentId != null && ToAgentId(agentId) == null)
                    return Fail(ZoneTokenFailureReason.InvalidClaim, what + "'s agentId claim is not an integral number.", out message);
                foreach (var name in ZoneStringClaims)
                {
                    if (claims.TryGetValue(name, out var value) && value != null && !(value is string))
                        return Fail(ZoneTokenFailureReason.InvalidClaim, what + "'s userId, orgSlug or agentSlug claim is not a string.", out message);
                }
            }
            message = "";
            return ZoneTokenFailureReason.None;
        }

        /// <summary>Whether an <c>aud</c> claim names the audience: a string equal to it, or an array of strings holding it (jose's rule).</summary>
        private static bool AudienceHolds(object? aud, string audience)
        {
            // Casts with "as" rather than pattern variables here and below: every Stryker mutant of these conditions
            // then still compiles (a pattern variable left unassigned by a mutated condition does not).
            var text = aud as string;
            if (text != null) return string.Equals(text, audience, StringComparison.Ordinal);
            var list = aud as List<object?>;
            if (list != null && IsStringList(list))
                foreach (var item in list) if (string.Equals((string)item!, audience, StringComparison.Ordinal)) return true;
            return false;
        }

        private static bool IsStringList(object value)
        {
            var list = value as List<object?>;
            if (list == null) return false;
            foreach (var item in list) if (!(item is string)) return false;
            return true;
        }

        /// <summary>A member's value, or null when it is absent.</summary>
        private static object? ValueOf(Dictionary<string, object?> members, string name)
        {
            object? value = null;
            members.TryGetValue(name, out value);
            return value;
        }

        private static bool IsNumericDate(object? value)
        {
            if (!(value is long) && !(value is double)) return false;
            double d = ToDouble(value);
            return d >= MinNumericDate && d <= MaxNumericDate;
        }

        private static double ToDouble(object? value)
        {
            if (value is long) return (long)value;
            if (value is double) return (double)value;
            return double.NaN;
        }

        private static long? ToAgentId(object? value)
        {
            if (value is long) return (long)value;
            if (!(value is double)) return null;
            // A JSON number such as 42.0 is still the number 42 (as in JavaScript).
            double d = (double)value;
            if (Math.Floor(d) == d && d >= -9.2233720368547748E+18 && d < 9.2233720368547758E+18) return (long)d;
            return null;
        }

        private static DateTimeOffset? ToTime(object? value)
        {
            if (!IsNumericDate(value)) return null;
            if (value is long) return DateTimeOffset.FromUnixTimeSeconds((long)value);
            double ms = Math.Round(ToDouble(value) * 1000d);
            ms = Math.Max(MinNumericDate * 1000d, Math.Min(MaxNumericDate * 1000d + 999d, ms));
            return DateTimeOffset.FromUnixTimeMilliseconds((long)ms);
        }

        /// <summary>The typed claims; <see cref="ZoneTokenClaims.Audience"/> is a string aud, or the expected audience when an array aud holds it.</summary>
        private static ZoneTokenClaims ToClaims(Dictionary<string, object?> payload, string? expectedAudience)
        {
            payload.TryGetValue("userId", out var userId);
            payload.TryGetValue("agentId", out var agentId);
            payload.TryGetValue("orgSlug", out var orgSlug);
            payload.TryGetValue("agentSlug", out var agentSlug);
            payload.TryGetValue("aud", out var aud);
            payload.TryGetValue("iat", out var iat);
            payload.TryGetValue("exp", out var exp);
            payload.TryGetValue("nbf", out var nbf);
            return new ZoneTokenClaims
            {
                UserId = userId as string,
                AgentId = ToAgentId(agentId),
                OrgSlug = orgSlug as string,
                AgentSlug = agentSlug as string,
                Audience = aud as string ?? (expectedAudience != null && AudienceHolds(aud, expectedAudience) ? expectedAudience : null),
                IssuedAt = ToTime(iat),
                ExpiresAt = ToTime(exp),
                NotBefore = ToTime(nbf),
                Raw = payload,
            };
        }

        /// <summary>
        /// The HMAC-SHA256 over the token's signing input (its first <paramref name="signingInputLength"/> characters,
        /// already checked to be base64url and dots) against the canonical 32-byte signature that follows, compared in fixed
        /// time by IdentityModel. Any exception from the provider fails closed.
        /// </summary>
        private static bool SignatureVerifies(string token, int signingInputLength, SymmetricSignatureProvider verifier)
        {
            var signature = new byte[32];
            if (!Base64Url.TryDecode(token, signingInputLength + 1, token.Length - signingInputLength - 1, signature)) return false;
            byte[] input = ArrayPool<byte>.Shared.Rent(signingInputLength);
            try
            {
                int length = Encoding.ASCII.GetBytes(token, 0, signingInputLength, input, 0);
                return verifier.Verify(input, 0, length, signature, 0, signature.Length);
            }
            catch (Exception)
            {
                return false;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(input);
            }
        }
    }
}
