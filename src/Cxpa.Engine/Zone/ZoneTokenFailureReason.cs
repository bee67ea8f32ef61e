namespace Cxpa.Engine.Zone
{
    /// <summary>Why a zone token was rejected.</summary>
    public enum ZoneTokenFailureReason
    {
        /// <summary>The token is valid.</summary>
        None = 0,
        /// <summary>Empty or whitespace-only token.</summary>
        Empty,
        /// <summary>Longer than the size cap.</summary>
        TooLarge,
        /// <summary>Not a three-segment JWS of base64url JSON.</summary>
        Malformed,
        /// <summary>The header's alg is missing or not exactly HS256 (incl. none, HS384, RS256), or the header names or embeds its own key (jku, x5u, jwk, x5c).</summary>
        AlgorithmNotAllowed,
        /// <summary>The signature does not verify with the secret.</summary>
        BadSignature,
        /// <summary>exp is in the past beyond the clock tolerance.</summary>
        Expired,
        /// <summary>nbf is in the future beyond the clock tolerance (iat is not compared with the clock, as in createZoneMiddleware).</summary>
        NotYetValid,
        /// <summary>aud is missing, or neither exactly (ordinal) the expected audience nor an array of strings holding it (as jose).</summary>
        AudienceMismatch,
        /// <summary>A required claim (exp) is missing.</summary>
        MissingClaim,
        /// <summary>A claim has the wrong type (a string exp/nbf/iat, a non-numeric or fractional agentId, a non-string userId...).</summary>
        InvalidClaim,
        /// <summary>The header carries a crit parameter.</summary>
        CriticalHeader,
        /// <summary>The request carries the token header more than once (several values): the middleware reads them joined with commas and refuses them.</summary>
        AmbiguousToken,
    }
}
