using System.Text;
using Cxpa.Engine.Zone;
using Xunit;
using static Cxpa.Engine.Tests.Zone.ZoneTestTokens;

namespace Cxpa.Engine.Tests.Zone;

public class ZoneTokenFuzzTests
{
    private const string Base64UrlAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    private const string Noise = Base64UrlAlphabet + ".=+/ \t\r\n\0\"{}[]:,\\é🙂";

    /// <summary>
    /// 20,000 strings with a fixed seed: random text and mutations of one valid token. No call may throw, and only the
    /// original text may verify (strict canonical base64url means every textual change changes the signed input or the
    /// signature bytes).
    /// </summary>
    [Fact]
    public void Random_and_mutated_tokens_never_throw_and_never_verify()
    {
        string original = Valid();
        var random = new Random(20261122);
        int accepted = 0, mutationsEqualToOriginal = 0;
        var reasons = new Dictionary<ZoneTokenFailureReason, int>();

        for (int i = 0; i < 20_000; i++)
        {
            string candidate = (i % 5) switch
            {
                0 => RandomText(random, Base64UrlAlphabet + "..", random.Next(0, 400)),
                1 => RandomText(random, Noise, random.Next(0, 120)),
                _ => Mutate(original, random),
            };

            ZoneTokenValidationResult result;
            try
            {
                result = Check(candidate);
                _ = ZoneTokens.ReadUnverified(candidate);
                var generic = ZoneTokens.ValidateHs256(candidate, ZoneSecret, Now);
                Assert.Equal(candidate == original, generic != null);
            }
            catch (Exception ex)
            {
                throw new Xunit.Sdk.XunitException($"iteration {i} threw {ex.GetType().Name}: {ex.Message}");
            }

            if (candidate == original) mutationsEqualToOriginal++;
            Assert.True(result.IsValid == (candidate == original), $"iteration {i}: IsValid={result.IsValid} ({result.Reason}) for a {(candidate == original ? "original" : "mutated")} token");
            if (result.IsValid) accepted++;
            else Assert.NotEqual(ZoneTokenFailureReason.None, result.Reason);
            if (!result.IsValid && result.Reason != ZoneTokenFailureReason.AudienceMismatch
                && result.Reason != ZoneTokenFailureReason.Expired && result.Reason != ZoneTokenFailureReason.NotYetValid)
                Assert.Null(result.Claims);
            reasons[result.Reason] = reasons.GetValueOrDefault(result.Reason) + 1;
        }

        Assert.Equal(mutationsEqualToOriginal, accepted);
        // The mutations reach the signature check, not only the parser.
        Assert.True(reasons.GetValueOrDefault(ZoneTokenFailureReason.BadSignature) > 1000);
        Assert.True(reasons.GetValueOrDefault(ZoneTokenFailureReason.Malformed) > 1000);
    }

    private static string RandomText(Random random, string alphabet, int length)
    {
        var sb = new StringBuilder(length);
        for (int i = 0; i < length; i++) sb.Append(alphabet[random.Next(alphabet.Length)]);
        return sb.ToString();
    }

    private static string Mutate(string token, Random random)
    {
        string s = token;
        int rounds = random.Next(1, 4);
        for (int r = 0; r < rounds; r++)
        {
            if (s.Length == 0) s = token;
            int at = random.Next(s.Length);
            switch (random.Next(9))
            {
                case 0: // flip a character inside the alphabet
                    s = s.Substring(0, at) + Base64UrlAlphabet[random.Next(64)] + s.Substring(at + 1);
                    break;
                case 1: // flip one bit of a character
                    s = s.Substring(0, at) + (char)(s[at] ^ (1 << random.Next(7))) + s.Substring(at + 1);
                    break;
                case 2: // insert
                    s = s.Insert(at, Noise[random.Next(Noise.Length)].ToString());
                    break;
                case 3: // delete
                    s = s.Remove(at, 1);
                    break;
                case 4: // swap two segments
                {
                    var parts = s.Split('.');
                    if (parts.Length >= 2)
                    {
                        int a = random.Next(parts.Length), b = random.Next(parts.Length);
                        (parts[a], parts[b]) = (parts[b], parts[a]);
                        s = string.Join(".", parts);
                    }
                    break;
                }
                case 5: // duplicate or drop a segment
                {
                    var parts = s.Split('.').ToList();
                    int k = random.Next(parts.Count);
                    if (random.Next(2) == 0) parts.Insert(k, parts[k]); else parts.RemoveAt(k);
                    s = string.Join(".", parts);
                    break;
                }
                case 6: // truncate
                    s = s.Substring(0, at);
                    break;
                case 7: // change the last character of a segment (canonical-encoding bits)
                {
                    var parts = s.Split('.');
                    int k = random.Next(parts.Length);
                    if (parts[k].Length > 0)
                    {
                        var p = parts[k];
                        int v = Base64UrlAlphabet.IndexOf(p[^1]);
                        char c = v < 0 ? 'A' : Base64UrlAlphabet[(v & ~3) | random.Next(4)];
                        parts[k] = p.Substring(0, p.Length - 1) + c;
                        s = string.Join(".", parts);
                    }
                    break;
                }
                default: // replace a segment with one of another (wrong-secret or altered-claims) token
                {
                    var parts = s.Split('.');
                    var other = Segments(Sign(Hs256Header, Payload(("agentId", random.Next(100).ToString())), random.Next(2) == 0 ? ZoneSecret : OtherSecret));
                    int k = random.Next(Math.Min(parts.Length, 3));
                    parts[k] = other[k];
                    s = string.Join(".", parts);
                    break;
                }
            }
        }
        return s;
    }
}
