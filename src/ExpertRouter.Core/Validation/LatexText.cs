namespace ExpertRouter.Core.Validation;

/// <summary>Small helpers for the LaTeX that models put around answers.</summary>
internal static class LatexText
{
    /// <summary>
    /// Index of the brace closing the group that opens at <paramref name="open"/> (which must be '{'),
    /// honouring nesting and escaped braces; -1 when the group is not closed.
    /// </summary>
    public static int FindClosingBrace(string text, int open)
    {
        int depth = 0;
        for (int i = open; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '\\')
            {
                i++;
                continue;
            }

            if (c == '{')
            {
                depth++;
            }
            else if (c == '}' && --depth == 0)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>
    /// The arguments of every <paramref name="command"/> in <paramref name="text"/> (for example every
    /// <c>\boxed{...}</c>), in order, each with the index where the command starts. Unclosed groups are skipped;
    /// a command followed by a bare token (<c>\boxed 5</c>) yields that token.
    /// </summary>
    public static List<(int Index, string Content)> FindCommandArguments(string text, string command)
    {
        var result = new List<(int, string)>();
        int index = 0;
        while ((index = text.IndexOf(command, index, StringComparison.Ordinal)) >= 0)
        {
            int start = index;
            int i = index + command.Length;
            index = i;
            if (i < text.Length && char.IsAsciiLetter(text[i]))
            {
                // A longer command that merely starts with this one (\boxedsomething).
                continue;
            }

            while (i < text.Length && text[i] == ' ')
            {
                i++;
            }

            if (i < text.Length && text[i] == '{')
            {
                int close = FindClosingBrace(text, i);
                if (close > i)
                {
                    result.Add((start, text[(i + 1)..close]));
                    index = close + 1;
                }
            }
            else if (i < text.Length)
            {
                int end = i;
                while (end < text.Length && !char.IsWhiteSpace(text[end]) && text[end] != '$')
                {
                    end++;
                }

                if (end > i)
                {
                    result.Add((start, text[i..end]));
                    index = end;
                }
            }
        }

        return result;
    }

    /// <summary>
    /// Removes every <c>\name{...}</c> group whose command is in <paramref name="commands"/>, keeping
    /// (<paramref name="keepContent"/>) or dropping the content.
    /// </summary>
    public static string ReplaceCommandGroups(string text, IReadOnlyList<string> commands, bool keepContent)
    {
        foreach (string command in commands)
        {
            int index;
            int from = 0;
            while ((index = text.IndexOf(command, from, StringComparison.Ordinal)) >= 0)
            {
                int open = index + command.Length;
                if (open < text.Length && char.IsAsciiLetter(text[open]))
                {
                    from = open;
                    continue;
                }

                while (open < text.Length && text[open] == ' ')
                {
                    open++;
                }

                int close = open < text.Length && text[open] == '{' ? FindClosingBrace(text, open) : -1;
                if (close < 0)
                {
                    from = index + command.Length;
                    continue;
                }

                string content = keepContent ? text[(open + 1)..close] : "";
                text = string.Concat(text.AsSpan(0, index), content, text.AsSpan(close + 1));
                from = index;
            }
        }

        return text;
    }
}
