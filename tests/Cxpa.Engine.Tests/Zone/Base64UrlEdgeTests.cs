using Cxpa.Engine.Zone;
using Xunit;

namespace Cxpa.Engine.Tests.Zone;

/// <summary>
/// The strict base64url codec of the token checks at its edges: characters just outside the alphabet and the ASCII range,
/// a bad character in each position of a quad and of a tail, non-canonical tails, zero values, and empty text.
/// </summary>
public sealed class Base64UrlEdgeTests
{
    private static byte[]? Decode(string s) => Base64Url.Decode(s, 0, s.Length);

    [Theory]
    [InlineData('A', 0)]
    [InlineData('_', 63)]
    [InlineData('-', 62)]
    [InlineData('\u007f', -1)]
    [InlineData('\u0080', -1)]
    [InlineData('\u00e9', -1)]
    [InlineData('\uff21', -1)]
    [InlineData('=', -1)]
    public void A_character_has_its_6_bit_value_or_minus_one(char c, int value)
    {
        Assert.Equal(value, Base64Url.ValueOf(c));
        Assert.Equal(value >= 0, Base64Url.IsAlphabet("A" + c, 0, 2));
    }

    [Fact]
    public void Zero_values_decode_and_empty_text_is_no_bytes()
    {
        Assert.Equal(new byte[3], Decode("AAAA"));
        Assert.Equal(new byte[1], Decode("AA"));
        Assert.Equal(new byte[2], Decode("AAA"));
        Assert.Equal(Array.Empty<byte>(), Decode(""));
        Assert.Equal(new byte[] { 0xFF, 0xFF, 0xFF }, Decode("____"));
        Assert.Equal(new byte[] { 0xFB, 0xEF, 0xBE }, Decode("----"));
    }

    [Theory]
    [InlineData("!AAA")]
    [InlineData("A!AA")]
    [InlineData("AA!A")]
    [InlineData("AAA!")]
    [InlineData("AAAA!A")]
    [InlineData("AAAAA!")]
    [InlineData("!A")]
    [InlineData("A!")]
    [InlineData("!AA")]
    [InlineData("A!A")]
    [InlineData("AA!")]
    [InlineData("AAAA\u0080AA")]
    public void A_character_outside_the_alphabet_anywhere_is_refused(string text) => Assert.Null(Decode(text));

    [Theory]
    [InlineData("AB")]
    [InlineData("AP")]
    [InlineData("AAB")]
    [InlineData("AAD")]
    [InlineData("A")]
    [InlineData("AAAAA")]
    public void A_tail_with_bits_left_over_or_of_one_character_is_refused(string text) => Assert.Null(Decode(text));

    [Theory]
    [InlineData(new byte[] { 0xFF }, "_w")]
    [InlineData(new byte[] { 0xFF, 0xFF }, "__8")]
    [InlineData(new byte[] { 0xFB, 0xFF, 0xBF }, "-_-_")]
    [InlineData(new byte[] { 1, 2, 3, 4, 5 }, "AQIDBAU")]
    public void Encoding_and_decoding_agree_on_high_bytes(byte[] data, string text)
    {
        Assert.Equal(text, Base64Url.Encode(data));
        Assert.Equal(data, Decode(text));
        Assert.Equal(data.Length, Base64Url.DecodedLength(text.Length));
    }

    [Fact]
    public void A_segment_inside_a_longer_text_is_decoded_where_it_is()
        => Assert.Equal(new byte[] { 1, 2, 3 }, Base64Url.Decode("xx.AQID.yy", 3, 4));
}
