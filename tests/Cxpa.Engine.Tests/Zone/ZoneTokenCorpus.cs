using System.Text;
using Cxpa.Engine.Zone;
using static Cxpa.Engine.Tests.Zone.ZoneTestTokens;
using R = Cxpa.Engine.Zone.ZoneTokenFailureReason;

namespace Cxpa.Engine.Tests.Zone;

/// <summary>
/// Named tokens with the verdict ZoneTokens.Validate must give at <see cref="ZoneTestTokens.Now"/> with a 5 s
/// tolerance, the secret <see cref="ZoneTestTokens.ZoneSecret"/> and the audience <see cref="ZoneTestTokens.Audience"/>.
/// Shared by the corpus tests and the jose comparison.
/// </summary>
internal static class ZoneTokenCorpus
{
    public static readonly IReadOnlyDictionary<string, (string? Token, R Reason)> Rejected = BuildRejected();

    public static readonly IReadOnlyDictionary<string, string> Accepted = BuildAccepted();

    /// <summary>Rejected only after the signature verified: the result carries the claims.</summary>
    public static readonly ISet<string> RejectedWithClaims = new HashSet<string>
    {
        "aud_wrong", "aud_trailing_slash", "aud_case_differs", "aud_missing",
        "aud_null", "aud_empty_string", "aud_leading_space",
        "aud_array_empty", "aud_array_without_audience", "aud_array_case_differs", "aud_array_trailing_slash",
        "exp_6s_ago", "exp_1h_ago", "exp_exactly_at_tolerance", "exp_zero",
        "nbf_6s_ahead", "nbf_1h_ahead",
    };

    private static Dictionary<string, (string?, R)> BuildRejected()
    {
        var c = new Dictionary<string, (string?, R)>();
        void Add(string name, string? token, R reason) => c.Add(name, (token, reason));

        string valid = Valid();
        string[] seg = Segments(valid);
        string payloadJson = Payload();
        string payloadSeg = B64(payloadJson);

        // --- algorithms -------------------------------------------------------------------------------------------
        Add("alg_none_empty_signature", B64("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + payloadSeg + ".", R.AlgorithmNotAllowed);
        Add("alg_None_empty_signature", B64("{\"alg\":\"None\"}") + "." + payloadSeg + ".", R.AlgorithmNotAllowed);
        Add("alg_NONE_empty_signature", B64("{\"alg\":\"NONE\"}") + "." + payloadSeg + ".", R.AlgorithmNotAllowed);
        Add("alg_nOnE_empty_signature", B64("{\"alg\":\"nOnE\"}") + "." + payloadSeg + ".", R.AlgorithmNotAllowed);
        Add("alg_none_with_hmac_signature", Sign("{\"alg\":\"none\"}", payloadJson), R.AlgorithmNotAllowed);
        Add("alg_none_without_signature_segment", B64("{\"alg\":\"none\"}") + "." + payloadSeg, R.Malformed);
        Add("alg_hs256_lowercase", Sign("{\"alg\":\"hs256\"}", payloadJson), R.AlgorithmNotAllowed);
        Add("alg_HS256_trailing_space", Sign("{\"alg\":\"HS256 \"}", payloadJson), R.AlgorithmNotAllowed);
        Add("alg_HS384_signed", Sign("{\"alg\":\"HS384\",\"typ\":\"JWT\"}", payloadJson, hash: "SHA384"), R.AlgorithmNotAllowed);
        Add("alg_HS512_signed", Sign("{\"alg\":\"HS512\",\"typ\":\"JWT\"}", payloadJson, hash: "SHA512"), R.AlgorithmNotAllowed);
        Add("alg_RS256_hmac_key_confusion", Sign("{\"alg\":\"RS256\",\"typ\":\"JWT\"}", payloadJson), R.AlgorithmNotAllowed);
        Add("alg_ES256_hmac_signed", Sign("{\"alg\":\"ES256\",\"typ\":\"JWT\"}", payloadJson), R.AlgorithmNotAllowed);
        Add("alg_PS256_hmac_signed", Sign("{\"alg\":\"PS256\"}", payloadJson), R.AlgorithmNotAllowed);
        Add("alg_missing", Sign("{\"typ\":\"JWT\"}", payloadJson), R.AlgorithmNotAllowed);
        Add("alg_null", Sign("{\"alg\":null}", payloadJson), R.AlgorithmNotAllowed);
        Add("alg_number", Sign("{\"alg\":256}", payloadJson), R.AlgorithmNotAllowed);
        Add("alg_array", Sign("{\"alg\":[\"HS256\"]}", payloadJson), R.AlgorithmNotAllowed);
        Add("alg_duplicate_none_then_HS256", Sign("{\"alg\":\"none\",\"alg\":\"HS256\"}", payloadJson), R.Malformed);
        Add("alg_duplicate_HS256_then_none", Sign("{\"alg\":\"HS256\",\"alg\":\"none\"}", payloadJson), R.Malformed);

        // --- header parameters ------------------------------------------------------------------------------------
        Add("crit_header", Sign("{\"alg\":\"HS256\",\"crit\":[\"exp\"]}", payloadJson), R.CriticalHeader);
        Add("crit_empty_array", Sign("{\"alg\":\"HS256\",\"crit\":[]}", payloadJson), R.CriticalHeader);
        Add("crit_b64_false", Sign("{\"alg\":\"HS256\",\"b64\":false,\"crit\":[\"b64\"]}", payloadJson), R.CriticalHeader);
        Add("b64_without_crit", Sign("{\"alg\":\"HS256\",\"b64\":false}", payloadJson), R.Malformed);
        Add("jku_header", Sign("{\"alg\":\"HS256\",\"jku\":\"https://attacker.example/jwks.json\"}", payloadJson), R.AlgorithmNotAllowed);
        Add("x5u_header", Sign("{\"alg\":\"HS256\",\"x5u\":\"https://attacker.example/cert.pem\"}", payloadJson), R.AlgorithmNotAllowed);
        Add("jwk_embedded_attacker_key",
            Sign("{\"alg\":\"HS256\",\"jwk\":{\"kty\":\"oct\",\"k\":\"" + B64(OtherSecret) + "\"}}", payloadJson, OtherSecret), R.AlgorithmNotAllowed);
        Add("x5c_header", Sign("{\"alg\":\"HS256\",\"x5c\":[\"MIIBszCCAVmgAwIBAgIU\"]}", payloadJson), R.AlgorithmNotAllowed);
        Add("kid_path_traversal_other_secret",
            Sign("{\"alg\":\"HS256\",\"kid\":\"../../../../../../dev/null\"}", payloadJson, new byte[32]), R.BadSignature);
        Add("kid_sql_injection_other_secret",
            Sign("{\"alg\":\"HS256\",\"kid\":\"x' UNION SELECT 'AAAA' -- \"}", payloadJson, OtherSecret), R.BadSignature);
        Add("kid_number", Sign("{\"alg\":\"HS256\",\"kid\":7}", payloadJson), R.Malformed);
        Add("typ_object", Sign("{\"alg\":\"HS256\",\"typ\":{}}", payloadJson), R.Malformed);
        Add("enc_header_jwe", Sign("{\"alg\":\"HS256\",\"enc\":\"A256GCM\"}", payloadJson), R.Malformed);
        Add("zip_header", Sign("{\"alg\":\"HS256\",\"zip\":\"DEF\"}", payloadJson), R.Malformed);

        // --- signature --------------------------------------------------------------------------------------------
        Add("signature_truncated_1", valid.Substring(0, valid.Length - 1), R.BadSignature);
        Add("signature_truncated_half", valid.Substring(0, valid.Length - 21), R.BadSignature);
        Add("signature_empty", seg[0] + "." + seg[1] + ".", R.BadSignature);
        Add("signature_altered_first_char", seg[0] + "." + seg[1] + "." + Flip(seg[2], 0), R.BadSignature);
        Add("signature_altered_middle_char", seg[0] + "." + seg[1] + "." + Flip(seg[2], 20), R.BadSignature);
        Add("signature_noncanonical_last_char", seg[0] + "." + seg[1] + "." + NonCanonicalLastChar(seg[2]), R.BadSignature);
        Add("signature_extended", valid + "AAAA", R.BadSignature);
        Add("signature_of_another_secret", Sign(Hs256Header, payloadJson, OtherSecret), R.BadSignature);
        Add("signature_of_empty_key_32_zero_bytes", Sign(Hs256Header, payloadJson, new byte[32]), R.BadSignature);
        Add("signature_hs512_under_hs256_header", Sign(Hs256Header, payloadJson, hash: "SHA512"), R.BadSignature);
        Add("signature_standard_base64_plus", seg[0] + "." + seg[1] + ".+" + seg[2].Substring(1), R.Malformed);
        Add("signature_standard_base64_slash", seg[0] + "." + seg[1] + "./" + seg[2].Substring(1), R.Malformed);
        Add("signature_padded", valid + "=", R.Malformed);
        Add("payload_tampered_agentId", seg[0] + "." + B64(Payload(("agentId", "43"))) + "." + seg[2], R.BadSignature);
        Add("payload_tampered_exp_extended", seg[0] + "." + B64(Payload(("exp", (NowSeconds + 86400).ToString()))) + "." + seg[2], R.BadSignature);
        Add("header_tampered_typ", B64("{\"alg\":\"HS256\",\"typ\":\"JWS\"}") + "." + seg[1] + "." + seg[2], R.BadSignature);
        Add("wrong_audience_and_bad_signature", Sign(Hs256Header, Payload(("aud", "\"other\"")), OtherSecret), R.BadSignature);
        Add("expired_and_bad_signature", Sign(Hs256Header, Payload(("exp", (NowSeconds - 3600).ToString())), OtherSecret), R.BadSignature);

        // --- audience ---------------------------------------------------------------------------------------------
        Add("aud_wrong", Valid(("aud", "\"aud_zone_43\"")), R.AudienceMismatch);
        Add("aud_trailing_slash", Valid(("aud", "\"" + Audience + "/\"")), R.AudienceMismatch);
        Add("aud_case_differs", Valid(("aud", "\"AUD_ZONE_42\"")), R.AudienceMismatch);
        Add("aud_leading_space", Valid(("aud", "\" " + Audience + "\"")), R.AudienceMismatch);
        // An array aud is valid when it holds the audience (as jose): these arrays do not.
        Add("aud_array_empty", Valid(("aud", "[]")), R.AudienceMismatch);
        Add("aud_array_without_audience", Valid(("aud", "[\"other\",\"aud_zone_43\"]")), R.AudienceMismatch);
        Add("aud_array_case_differs", Valid(("aud", "[\"AUD_ZONE_42\"]")), R.AudienceMismatch);
        Add("aud_array_trailing_slash", Valid(("aud", "[\"" + Audience + "/\"]")), R.AudienceMismatch);
        // A non-string element makes the claim malformed, even beside the audience (refused before the signature).
        Add("aud_array_with_null", Valid(("aud", "[\"" + Audience + "\",null]")), R.AudienceMismatch);
        Add("aud_array_nested", Valid(("aud", "[[\"" + Audience + "\"]]")), R.AudienceMismatch);
        Add("aud_array_with_object", Valid(("aud", "[{\"aud\":\"" + Audience + "\"}]")), R.AudienceMismatch);
        Add("aud_missing", Valid(("aud", null)), R.AudienceMismatch);
        Add("aud_null", Valid(("aud", "null")), R.AudienceMismatch);
        Add("aud_empty_string", Valid(("aud", "\"\"")), R.AudienceMismatch);
        Add("aud_number", Valid(("aud", "42")), R.AudienceMismatch);
        Add("aud_object", Valid(("aud", "{\"value\":\"" + Audience + "\"}")), R.AudienceMismatch);
        Add("aud_array_with_number", Valid(("aud", "[\"" + Audience + "\",1]")), R.AudienceMismatch);

        // --- lifetime ---------------------------------------------------------------------------------------------
        Add("exp_6s_ago", Valid(("exp", (NowSeconds - 6).ToString())), R.Expired);
        Add("exp_1h_ago", Valid(("exp", (NowSeconds - 3600).ToString())), R.Expired);
        Add("exp_exactly_at_tolerance", Valid(("exp", (NowSeconds - 5).ToString())), R.Expired);
        Add("exp_zero", Valid(("exp", "0")), R.Expired);
        Add("nbf_6s_ahead", Valid(("nbf", (NowSeconds + 6).ToString())), R.NotYetValid);
        Add("nbf_1h_ahead", Valid(("nbf", (NowSeconds + 3600).ToString())), R.NotYetValid);

        // --- claim types ------------------------------------------------------------------------------------------
        Add("exp_missing", Valid(("exp", null)), R.MissingClaim);
        Add("exp_string", Valid(("exp", "\"" + (NowSeconds + 300) + "\"")), R.InvalidClaim);
        Add("exp_float_string", Valid(("exp", "\"" + (NowSeconds + 300) + ".0\"")), R.InvalidClaim);
        Add("exp_null", Valid(("exp", "null")), R.InvalidClaim);
        Add("exp_bool", Valid(("exp", "true")), R.InvalidClaim);
        Add("exp_array", Valid(("exp", "[" + (NowSeconds + 300) + "]")), R.InvalidClaim);
        Add("exp_beyond_year_9999", Valid(("exp", "1e300")), R.InvalidClaim);
        Add("nbf_string", Valid(("nbf", "\"" + NowSeconds + "\"")), R.InvalidClaim);
        Add("iat_string", Valid(("iat", "\"" + NowSeconds + "\"")), R.InvalidClaim);
        Add("agentId_numeric_string", Valid(("agentId", "\"42\"")), R.InvalidClaim);
        Add("agentId_fraction", Valid(("agentId", "42.5")), R.InvalidClaim);
        Add("agentId_object", Valid(("agentId", "{\"id\":42}")), R.InvalidClaim);
        Add("agentId_beyond_int64", Valid(("agentId", "1e30")), R.InvalidClaim);
        Add("userId_number", Valid(("userId", "12345")), R.InvalidClaim);
        Add("iss_number", Valid(("iss", "5")), R.InvalidClaim);

        // --- structure --------------------------------------------------------------------------------------------
        Add("jwe_five_segments",
            "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..48V1_ALb6US04U3b.5eym8TW_c8SuK0ltJ3rpYIzOeDQz7TALvtu6UG9oMo4vpzs9tX_EFShS8iB7j6ji.XFBoMYUZodetZdvTiFvSkQ",
            R.Malformed);
        Add("jwe_five_segments_with_valid_prefix", valid + ".AAAA.BBBB", R.Malformed);
        Add("two_segments", seg[0] + "." + seg[1], R.Malformed);
        Add("four_segments", valid + ".e30", R.Malformed);
        Add("six_segments", valid + ".a.b.c", R.Malformed);
        Add("one_segment", seg[1], R.Malformed);
        Add("payload_standard_base64_with_slash", StandardBase64Token(), R.Malformed);
        Add("payload_padded", SignSegments(seg[0], payloadSeg + "=="), R.Malformed);
        Add("header_padded", SignSegments(B64(Hs256Header) + "=", payloadSeg), R.Malformed);
        Add("payload_length_mod4_is_1", SignSegments(seg[0], payloadSeg + new string('A', (5 - payloadSeg.Length % 4) % 4)), R.Malformed);
        Add("header_not_json", SignSegments(B64("alg=HS256"), payloadSeg), R.Malformed);
        Add("header_json_array", SignSegments(B64("[\"HS256\"]"), payloadSeg), R.Malformed);
        Add("header_empty_text", SignSegments(B64(""), payloadSeg), R.Malformed);
        Add("payload_not_json", Sign(Hs256Header, "exp=1795341900"), R.Malformed);
        Add("payload_json_array", Sign(Hs256Header, "[" + payloadJson + "]"), R.Malformed);
        Add("payload_json_string", Sign(Hs256Header, "\"" + Audience + "\""), R.Malformed);
        Add("payload_json_number", Sign(Hs256Header, "1795341900"), R.Malformed);
        Add("payload_json_null", Sign(Hs256Header, "null"), R.Malformed);
        Add("payload_trailing_garbage", Sign(Hs256Header, payloadJson + " x"), R.Malformed);
        Add("payload_two_objects", Sign(Hs256Header, payloadJson + payloadJson), R.Malformed);
        Add("payload_with_comment", Sign(Hs256Header, payloadJson.Insert(1, "/* hi */")), R.Malformed);
        Add("payload_trailing_comma", Sign(Hs256Header, payloadJson.Insert(payloadJson.Length - 1, ",")), R.Malformed);
        Add("payload_duplicate_exp", Sign(Hs256Header, payloadJson.Insert(payloadJson.Length - 1, ",\"exp\":9999999999")), R.Malformed);
        Add("payload_duplicate_nested_key", Valid(("extra", "{\"a\":1,\"a\":2}")), R.Malformed);
        Add("payload_nested_too_deep", Valid(("deep", new string('[', 100) + new string(']', 100))), R.Malformed);
        Add("payload_invalid_utf8", SignSegments(seg[0], B64(InvalidUtf8Payload())), R.Malformed);
        Add("payload_lone_surrogate_escape", Valid(("name", "\"\\ud800\"")), R.Malformed);
        Add("header_segment_empty", "." + seg[1] + "." + seg[2], R.Malformed);
        Add("payload_segment_empty", seg[0] + ".." + seg[2], R.Malformed);
        Add("empty_string", "", R.Empty);
        Add("null_token", null, R.Empty);
        Add("whitespace", "   ", R.Empty);
        Add("tabs_and_newlines", "\t\r\n ", R.Empty);
        Add("only_dots_two", "..", R.Malformed);
        Add("only_dots_four", "....", R.Malformed);
        Add("only_dots_many", new string('.', 100), R.Malformed);
        Add("huge_token_over_cap", Valid(("pad", "\"" + new string('x', ZoneTokens.MaximumTokenLength) + "\"")), R.TooLarge);
        Add("huge_whitespace_over_cap", new string(' ', ZoneTokens.MaximumTokenLength + 1), R.TooLarge);
        Add("huge_garbage_over_cap", new string('A', ZoneTokens.MaximumTokenLength + 1), R.TooLarge);
        Add("unicode_garbage", "ёжик.🙂🙂🙂.π≈3,14", R.Malformed);
        Add("unicode_in_signature", seg[0] + "." + seg[1] + "." + seg[2].Substring(0, 42) + "é", R.Malformed);
        Add("fullwidth_letters_in_header", "ｅｙＪ" + valid.Substring(3), R.Malformed);
        Add("null_bytes", "\0\0\0.\0\0.\0", R.Malformed);
        Add("null_byte_inside_signature", seg[0] + "." + seg[1] + "." + seg[2].Substring(0, 20) + "\0" + seg[2].Substring(21), R.Malformed);
        Add("long_garbage_segment_under_cap", seg[0] + "." + new string('A', 15000) + "." + seg[2], R.Malformed);
        Add("long_random_base64url_under_cap", seg[0] + "." + RandomBase64Url(16000, 7) + "." + seg[2], R.Malformed);
        Add("leading_space", " " + valid, R.Malformed);
        Add("trailing_newline", valid + "\n", R.Malformed);
        Add("bearer_prefix", "Bearer " + valid, R.Malformed);
        Add("quoted_token", "\"" + valid + "\"", R.Malformed);
        Add("whitespace_inside_payload_segment", seg[0] + "." + seg[1].Insert(10, " ") + "." + seg[2], R.Malformed);

        return c;
    }

    private static Dictionary<string, string> BuildAccepted()
    {
        var c = new Dictionary<string, string>
        {
            ["fresh_hand_rolled"] = Valid(),
            ["fresh_minted"] = ZoneTokens.Mint(ZoneSecret, new ZoneTokenDescriptor
            {
                Audience = Audience, UserId = "6f1c2a9e-3b7d-4e8f-9a0b-1c2d3e4f5a6b", AgentId = 42, OrgSlug = "acme",
                AgentSlug = "report-bot", IssuedAt = Now.AddSeconds(-1), Lifetime = TimeSpan.FromMinutes(5),
            }),
            ["exp_3s_ago_within_tolerance"] = Valid(("exp", (NowSeconds - 3).ToString())),
            ["exp_4s_ago_within_tolerance"] = Valid(("exp", (NowSeconds - 4).ToString())),
            ["nbf_3s_ahead_within_tolerance"] = Valid(("nbf", (NowSeconds + 3).ToString())),
            ["nbf_5s_ahead_at_tolerance"] = Valid(("nbf", (NowSeconds + 5).ToString())),
            ["nbf_in_past"] = Valid(("nbf", (NowSeconds - 60).ToString())),
            ["iat_in_future_ignored"] = Valid(("iat", (NowSeconds + 60).ToString())),
            ["exp_fractional_number"] = Valid(("exp", (NowSeconds + 300) + ".25")),
            ["exp_exponent_notation"] = Valid(("exp", "1.8e9")),
            ["extra_unknown_claims"] = Valid(("scope", "\"runs:write\""), ("roles", "[\"admin\",\"viewer\"]"),
                ("meta", "{\"a\":{\"b\":[1,2.5,true,null,\"x\"]}}"), ("flag", "false"), ("nothing", "null"), ("iss", "\"cxpa\"")),
            ["unicode_claims"] = Valid(("orgSlug", "\"åcme-ü\""), ("display", "\"日本語 🙂 \\u00e9\"")),
            ["no_typ_header"] = Sign("{\"alg\":\"HS256\"}", Payload()),
            ["typ_lowercase_jwt"] = Sign("{\"typ\":\"jwt\",\"alg\":\"HS256\"}", Payload()),
            ["kid_ignored_when_signature_is_right"] = Sign("{\"alg\":\"HS256\",\"kid\":\"../../../etc/passwd\"}", Payload()),
            ["header_unknown_parameter"] = Sign("{\"alg\":\"HS256\",\"x-custom\":1}", Payload()),
            ["agentId_absent"] = Valid(("agentId", null)),
            ["agentId_integral_float"] = Valid(("agentId", "42.0")),
            ["custom_claims_null"] = Valid(("userId", "null"), ("orgSlug", "null")),
            // aud as an array holding the audience (jose's jwtVerify accepts it), alone, among others or twice.
            ["aud_array_single"] = Valid(("aud", "[\"" + Audience + "\"]")),
            ["aud_array_two"] = Valid(("aud", "[\"other\",\"" + Audience + "\"]")),
            ["aud_array_repeated"] = Valid(("aud", "[\"" + Audience + "\",\"" + Audience + "\"]")),
            ["whitespace_inside_json"] = Sign("{ \"alg\" : \"HS256\" }", " " + Payload().Replace(",", " ,\n ") + "\n"),
        };
        return c;
    }

    private static string NonCanonicalLastChar(string signature)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        int v = alphabet.IndexOf(signature[^1]);
        return signature.Substring(0, signature.Length - 1) + alphabet[v | 1];
    }

    private static string StandardBase64Token()
    {
        // '?' and '>' runs make '/' and '+' appear in standard base64.
        string payload = Payload(("note", "\"???>>>???>>>\""));
        string std = Convert.ToBase64String(Encoding.UTF8.GetBytes(payload));
        if (std.IndexOf('/') < 0 && std.IndexOf('+') < 0) throw new InvalidOperationException("test payload has no + or /");
        return SignSegments(B64(Hs256Header), std);
    }

    private static byte[] InvalidUtf8Payload()
    {
        var bytes = new List<byte>(Encoding.UTF8.GetBytes(Payload()));
        // {"\xC3(":1, ... : an invalid two-byte sequence inside a member name.
        bytes.InsertRange(1, new byte[] { (byte)'"', 0xC3, 0x28, (byte)'"', (byte)':', (byte)'1', (byte)',' });
        return bytes.ToArray();
    }

    private static string RandomBase64Url(int length, int seed)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        var random = new Random(seed);
        var chars = new char[length];
        for (int i = 0; i < length; i++) chars[i] = alphabet[random.Next(alphabet.Length)];
        return new string(chars);
    }
}
