namespace Cxpa.Emulator;

/// <summary>Path patterns with '*' (one segment) and '**' (any number of segments, also none).</summary>
public static class PathPattern
{
    /// <summary>Whether path matches pattern (case-insensitive; a trailing slash is ignored).</summary>
    public static bool IsMatch(string pattern, string path)
    {
        if (pattern == "*" || pattern == "**") return true;
        var p = pattern.Trim('/').Split('/');
        var s = path.Trim('/').Split('/');
        return Match(p, 0, s, 0);
    }

    private static bool Match(string[] p, int i, string[] s, int j)
    {
        while (i < p.Length)
        {
            if (p[i] == "**")
            {
                for (int k = j; k <= s.Length; k++)
                    if (Match(p, i + 1, s, k)) return true;
                return false;
            }
            if (j >= s.Length) return false;
            if (p[i] != "*" && !string.Equals(p[i], s[j], StringComparison.OrdinalIgnoreCase)) return false;
            i++; j++;
        }
        return j == s.Length;
    }
}
