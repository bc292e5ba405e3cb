namespace Bus.ExportService;

/// <summary>
/// A conservative first check of an untrusted query, for a clear refusal before anything runs: exactly one statement
/// (a <c>;</c> outside quotes, identifiers, dollar-quoted strings and comments may only end it) that starts with
/// SELECT, WITH, VALUES or TABLE. It is not the security boundary — the reader role, the READ ONLY transaction and
/// PostgreSQL's one-statement extended protocol are — so anything it cannot read with certainty is refused.
/// </summary>
public static class QueryGuard
{
    private static readonly string[] AllowedFirstWords = ["SELECT", "WITH", "VALUES", "TABLE"];

    /// <summary>Null when the query may run; otherwise why it may not.</summary>
    public static string? Check(string query)
    {
        var code = new System.Text.StringBuilder(query.Length);
        var i = 0;
        var endedAt = -1;
        while (i < query.Length)
        {
            var c = query[i];
            var next = i + 1 < query.Length ? query[i + 1] : '\0';
            if (c == '-' && next == '-')
            {
                i = query.IndexOf('\n', i) is var end && end < 0 ? query.Length : end + 1;
                code.Append(' ');
            }
            else if (c == '/' && next == '*')
            {
                if (SkipBlockComment(query, ref i) is { } error)
                    return error;
                code.Append(' ');
            }
            else if (c == '\'' || c == '"')
            {
                var escapes = c == '\'' && i > 0 && (query[i - 1] is 'e' or 'E') && (i < 2 || !IsIdentifierChar(query[i - 2]));
                if (!SkipQuoted(query, ref i, c, escapes))
                    return "has an unterminated quoted string or identifier";
                code.Append(' ');
            }
            else if (c == '$' && DollarTag(query, i) is { } tag)
            {
                var close = query.IndexOf(tag, i + tag.Length, StringComparison.Ordinal);
                if (close < 0)
                    return "has an unterminated dollar-quoted string";
                i = close + tag.Length;
                code.Append(' ');
            }
            else if (c == ';')
            {
                endedAt = code.Length;
                code.Append(';');
                i++;
            }
            else
            {
                if (endedAt >= 0 && !char.IsWhiteSpace(c))
                    return "must be a single statement: nothing may follow ';'";
                code.Append(c);
                i++;
            }
        }

        var text = code.ToString().Trim().TrimEnd(';').Trim();
        if (text.Length == 0)
            return "is empty";
        var firstWord = new string(text.TakeWhile(char.IsLetter).ToArray()).ToUpperInvariant();
        if (!AllowedFirstWords.Contains(firstWord))
            return $"must be a SELECT (or WITH … SELECT, VALUES, TABLE); '{(firstWord.Length > 0 ? firstWord : text[..Math.Min(text.Length, 20)])}' is not allowed in an export";
        return null;
    }

    private static string? SkipBlockComment(string query, ref int i)
    {
        var depth = 0;
        while (i < query.Length)
        {
            if (query[i] == '/' && i + 1 < query.Length && query[i + 1] == '*')
            {
                depth++;
                i += 2;
            }
            else if (query[i] == '*' && i + 1 < query.Length && query[i + 1] == '/')
            {
                depth--;
                i += 2;
                if (depth == 0)
                    return null;
            }
            else
                i++;
        }
        return "has an unterminated /* comment";
    }

    private static bool SkipQuoted(string query, ref int i, char quote, bool backslashEscapes)
    {
        i++;
        while (i < query.Length)
        {
            if (backslashEscapes && query[i] == '\\')
            {
                i += 2;
                continue;
            }
            if (query[i] == quote)
            {
                if (i + 1 < query.Length && query[i + 1] == quote)
                {
                    i += 2;
                    continue;
                }
                i++;
                return true;
            }
            i++;
        }
        return false;
    }

    /// <summary><c>$tag$</c> or <c>$$</c> starting at <paramref name="i"/>, unless the <c>$</c> is a parameter (<c>$1</c>) or inside a name.</summary>
    private static string? DollarTag(string query, int i)
    {
        if (i > 0 && IsIdentifierChar(query[i - 1]))
            return null;
        var end = i + 1;
        while (end < query.Length && (char.IsLetter(query[end]) || query[end] == '_' || (end > i + 1 && char.IsDigit(query[end]))))
            end++;
        return end < query.Length && query[end] == '$' ? query[i..(end + 1)] : null;
    }

    private static bool IsIdentifierChar(char c) => char.IsLetterOrDigit(c) || c == '_' || c == '$';
}
