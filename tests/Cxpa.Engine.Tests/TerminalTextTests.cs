using Xunit;

namespace Cxpa.Engine.Tests;

public sealed class TerminalTextTests
{
    [Theory]
    [InlineData("\u001b]2;pwned\u0007", "\u241b]2;pwned\u2407")]                 // OSC 2 (window title), BEL-terminated
    [InlineData("\u001b[2J\u001b[31mPS C:\\> ", "\u241b[2J\u241b[31mPS C:\\> ")]  // clear screen, red fake prompt
    [InlineData("a\rb", "a\u240db")]                                              // a bare CR overwrites the line
    [InlineData("\u009b2J \u009d0;t\u009c", "\ufffd2J \ufffd0;t\ufffd")]          // C1 CSI, OSC, ST
    [InlineData("nul\u0000del\u007f", "nul\u2400del\u2421")]
    public void Control_characters_become_visible(string raw, string shown)
    {
        Assert.Equal(shown, TerminalText.Clean(raw));
        Assert.Equal(shown, TerminalText.CleanLine(raw));
    }

    [Fact]
    public void Lone_surrogates_become_the_replacement_character()
    {
        // Built at run time: an attribute argument cannot carry a lone surrogate.
        var raw = "lone " + (char)0xD800 + " and " + (char)0xDC00 + " end " + (char)0xD800;
        Assert.Equal("lone \ufffd and \ufffd end \ufffd", TerminalText.Clean(raw));
    }

    [Fact]
    public void Tab_and_newlines_are_kept_in_messages_and_shown_on_one_line()
    {
        Assert.Equal("a\tb\nc\r\nd", TerminalText.Clean("a\tb\nc\r\nd"));
        Assert.Equal("a\tb\u240ac\u240d\u240ad", TerminalText.CleanLine("a\tb\nc\r\nd"));
    }

    [Fact]
    public void Clean_text_is_returned_as_it_is_and_pairs_survive()
    {
        const string text = "Run 12 failed: résumé 🚀 done";
        Assert.Same(text, TerminalText.Clean(text));
        Assert.Same(text, TerminalText.CleanLine(text));
        Assert.Equal("🚀\u241b", TerminalText.Clean("🚀\u001b"));
        Assert.Null(TerminalText.Clean(null));
        Assert.Null(TerminalText.CleanValue(null));
    }

    [Fact]
    public void Values_show_as_a_list_view_would_and_cleaned()
    {
        Assert.Equal("{a\u241b, 2}", TerminalText.CleanValue(new object[] { "a\u001b", 2 }));
        Assert.Equal("x\ny\u241b", TerminalText.CleanValue("x\ny\u001b"));
        Assert.Equal("42", TerminalText.CleanValue(42));
        Assert.Equal("{[org_slug, a\u241b[2J], [n, 1]}", TerminalText.CleanValue(new System.Collections.Specialized.OrderedDictionary { ["org_slug"] = "a\u001b[2J", ["n"] = 1 }));
    }

    [Fact]
    public void Exception_messages_are_cleaned_and_server_text_kept_as_received()
    {
        var ex = new CxpaApiException("GET x failed: 400 \u001b[2J", 400, "c\u001b", "\u001b[2J", null, null, "GET", "x");
        Assert.Equal("GET x failed: 400 \u241b[2J", ex.Message);
        Assert.Equal("\u001b[2J", ex.ServerMessage);
        Assert.Equal("c\u001b", ex.Code);
    }

    [Fact]
    public void Objects_print_cleaned()
    {
        Assert.Equal("Run 1 (\u241b[2J)", new Run { RunId = 1, Status = "\u001b[2J" }.ToString());
        Assert.Equal("Run 1 (\u241b[2J)", new IngestResult { RunId = 1, Status = "\u001b[2J" }.ToString());
    }
}
