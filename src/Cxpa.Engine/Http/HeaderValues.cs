namespace Cxpa.Engine.Http
{
    /// <summary>
    /// The rule for every value that goes into a request header (keys, tokens, ids, user-given values): printable ASCII only.
    /// A CR or LF would split the request (header injection, request smuggling on a pooled connection); other control and
    /// non-ASCII characters cannot be sent as they are. A refused value is never quoted in the error.
    /// </summary>
    public static class HeaderValues
    {
        /// <summary>True when <paramref name="value"/> holds printable ASCII (0x20-0x7E) only.</summary>
        public static bool IsValid(string? value)
        {
            if (value == null) return true;
            foreach (var c in value)
                if (c < 0x20 || c > 0x7E) return false;
            return true;
        }

        /// <summary>True when the secret holds printable ASCII only.</summary>
        public static bool IsValid(Secret? secret) => secret == null || IsValid(secret.Reveal());

        /// <summary>Throws the InvalidHeaderValue error naming <paramref name="what"/> (never the value) when <paramref name="value"/> is not valid.</summary>
        public static void Check(string what, string? value)
        {
            if (!IsValid(value)) throw Invalid(what);
        }

        /// <summary>The InvalidHeaderValue error of <paramref name="what"/>: nothing was sent.</summary>
        public static CxpaConfigurationException Invalid(string what)
            => new CxpaConfigurationException(
                $"The {what} holds a control character (such as a line break) or a non-ASCII character, which cannot go into an HTTP header; nothing was sent.",
                "InvalidHeaderValue");
    }
}
