using System.Text;

namespace Bus.IntegrationService.Outbound;

/// <summary>
/// The start of a partner's answer as a task's result or error shows it. A partner's error page may quote what it was
/// sent ("invalid token: Bearer …"), and anyone with a viewer token reads the excerpt: no value the request sent passes
/// through, whole or in part.
/// </summary>
internal static class ResponseExcerpt
{
    private const string Redacted = "[redacted]";

    /// <summary>How many bytes of the answer to keep for an excerpt of <paramref name="length"/> characters.</summary>
    public static int BytesToKeep(int length) => length * 4;

    /// <param name="kept">The first bytes of the answer.</param>
    /// <param name="cut">Whether the answer went on past <paramref name="kept"/>.</param>
    /// <param name="sentValues">What the request sent that must not show, longest first (so a value is not half-replaced by its own suffix).</param>
    /// <param name="length">The excerpt's length in characters.</param>
    public static string From(ReadOnlySpan<byte> kept, bool cut, IReadOnlyList<string> sentValues, int length)
    {
        var text = Encoding.UTF8.GetString(kept);
        foreach (var value in sentValues)
            text = text.Replace(value, Redacted, StringComparison.Ordinal);
        if (cut)
            text = WithoutPartialValueAtEnd(text.TrimEnd('\uFFFD'), sentValues);
        return text.Length <= length ? text : text[..length];
    }

    /// <summary>
    /// Where the kept bytes stop, a value may be cut in two: its first characters don't match it whole, and once other
    /// values are replaced by the shorter marker they can come into the excerpt. Whatever could start one goes.
    /// </summary>
    private static string WithoutPartialValueAtEnd(string text, IReadOnlyList<string> sentValues)
    {
        var end = text.Length;
        foreach (var value in sentValues)
            end = Math.Min(end, text.Length - LongestEndThatStarts(value, text));
        return end == text.Length ? text : text[..end] + Redacted;
    }

    /// <summary>
    /// How many of <paramref name="text"/>'s last characters are the first ones of <paramref name="value"/> (fewer than
    /// all of it). Knuth–Morris–Pratt, linear: both the values (8 KB headers) and the answer are untrusted, and comparing
    /// every candidate end would be quadratic in them.
    /// </summary>
    private static int LongestEndThatStarts(string value, string text)
    {
        var fallback = new int[value.Length];
        for (int i = 1, k = 0; i < value.Length; i++)
        {
            while (k > 0 && value[i] != value[k])
                k = fallback[k - 1];
            if (value[i] == value[k])
                k++;
            fallback[i] = k;
        }

        var matched = 0;
        foreach (var c in text.AsSpan(text.Length - Math.Min(text.Length, value.Length - 1)))
        {
            while (matched > 0 && c != value[matched])
                matched = fallback[matched - 1];
            if (c == value[matched])
                matched++;
        }
        return matched;
    }
}
