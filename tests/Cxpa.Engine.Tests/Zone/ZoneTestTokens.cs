using System.Security.Cryptography;
using System.Text;
using Cxpa.Engine.Zone;

namespace Cxpa.Engine.Tests.Zone;

/// <summary>Hand-rolled JWS builder for tests: any header/payload text, any HMAC, any signature segment.</summary>
internal static class ZoneTestTokens
{
    /// <summary>The zone secret of the tests (38 ASCII bytes).</summary>
    public const string SecretText = "cxpa-test-zone-secret-0123456789abcdef";
    public static readonly byte[] ZoneSecret = Encoding.UTF8.GetBytes(SecretText);
    public static readonly byte[] OtherSecret = Encoding.UTF8.GetBytes("another-zone-secret-0123456789abcdefgh");
    public const string Audience = "aud_zone_42";

    /// <summary>The fixed clock of the tests: 2026-11-22T10:00:00Z.</summary>
    public static readonly DateTimeOffset Now = new(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);
    public static readonly long NowSeconds = Now.ToUnixTimeSeconds();
    public static readonly TimeSpan Tolerance = TimeSpan.FromSeconds(5);

    public const string Hs256Header = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";

    public static string B64(string text) => B64(Encoding.UTF8.GetBytes(text));

    public static string B64(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static byte[] FromB64(string segment)
    {
        string s = segment.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(s + new string('=', (4 - s.Length % 4) % 4));
    }

    /// <summary>The standard zone payload, valid at <see cref="Now"/>, with optional overrides (raw JSON values; null removes).</summary>
    public static string Payload(params (string Name, string? Json)[] overrides)
    {
        var members = new List<(string Name, string Json)>
        {
            ("aud", "\"" + Audience + "\""),
            ("iat", (NowSeconds - 10).ToString()),
            ("exp", (NowSeconds + 300).ToString()),
            ("userId", "\"6f1c2a9e-3b7d-4e8f-9a0b-1c2d3e4f5a6b\""),
            ("agentId", "42"),
            ("orgSlug", "\"acme\""),
            ("agentSlug", "\"report-bot\""),
        };
        foreach (var (name, json) in overrides)
        {
            int i = members.FindIndex(m => m.Name == name);
            if (json == null) { if (i >= 0) members.RemoveAt(i); continue; }
            if (i >= 0) members[i] = (name, json); else members.Add((name, json));
        }
        return "{" + string.Join(",", members.Select(m => "\"" + m.Name + "\":" + m.Json)) + "}";
    }

    /// <summary>header.payload signed with HMAC (HS256 unless another hash is named), as text segments.</summary>
    public static string Sign(string headerJson, string payloadJson, byte[]? secret = null, string hash = "SHA256")
        => SignSegments(B64(headerJson), B64(payloadJson), secret, hash);

    public static string SignSegments(string headerSegment, string payloadSegment, byte[]? secret = null, string hash = "SHA256")
    {
        string input = headerSegment + "." + payloadSegment;
        return input + "." + B64(Mac(input, secret ?? ZoneSecret, hash));
    }

    public static byte[] Mac(string signingInput, byte[] secret, string hash = "SHA256")
    {
        byte[] data = Encoding.ASCII.GetBytes(signingInput);
        return hash switch
        {
            "SHA256" => HMACSHA256.HashData(secret, data),
            "SHA384" => HMACSHA384.HashData(secret, data),
            "SHA512" => HMACSHA512.HashData(secret, data),
            _ => throw new ArgumentOutOfRangeException(nameof(hash)),
        };
    }

    /// <summary>A fresh, valid zone token (hand-rolled).</summary>
    public static string Valid(params (string Name, string? Json)[] overrides) => Sign(Hs256Header, Payload(overrides));

    public static string[] Segments(string token) => token.Split('.');

    /// <summary>Replaces one character so that the result differs (cycling within the base64url alphabet).</summary>
    public static string Flip(string s, int index)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        char c = s[index];
        int k = alphabet.IndexOf(c);
        char replacement = k < 0 ? 'A' : alphabet[(k + 1) % alphabet.Length];
        return s.Substring(0, index) + replacement + s.Substring(index + 1);
    }

    public static ZoneTokenValidationResult Check(string? token, DateTimeOffset? now = null)
        => ZoneTokens.Validate(token, ZoneSecret, Audience, Tolerance, now ?? Now);
}
