using System.Globalization;
using System.Numerics;
using System.Text.RegularExpressions;

namespace ExpertRouter.Core.Validation;

/// <summary>
/// Canonical forms for mathematical answers: numbers become exact reduced fractions ("0.5", "1/2",
/// "\frac{1}{2}" and "\dfrac12" all become "1/2"), everything else a LaTeX string with delimiters,
/// spacing, units and sizing commands removed.
/// </summary>
internal static partial class MathAnswer
{
    // Exponents beyond this are not expanded (a huge power of ten would be a cheap way to burn memory).
    private const int MaxExponent = 400;
    private const int MaxDigits = 400;

    private static readonly string[] TextCommands = ["\\text", "\\textbf", "\\textit", "\\textrm", "\\mathrm", "\\mathbf", "\\mbox", "\\operatorname"];

    private static readonly string[] MathFunctionWords = ["pi", "sqrt", "sin", "cos", "tan", "cot", "sec", "csc", "log", "ln", "exp", "inf", "infty", "mod"];

    public static string Normalize(string answer)
    {
        string s = answer.Trim();
        var boxes = LatexText.FindCommandArguments(s, "\\boxed");
        if (boxes.Count > 0)
        {
            s = boxes[^1].Content;
        }

        s = s.Replace("\\dfrac", "\\frac", StringComparison.Ordinal).Replace("\\tfrac", "\\frac", StringComparison.Ordinal);
        s = SpacingCommands().Replace(s, "");
        s = s.Replace("\\$", "", StringComparison.Ordinal).Replace("$", "", StringComparison.Ordinal)
            .Replace("\\(", "", StringComparison.Ordinal).Replace("\\)", "", StringComparison.Ordinal)
            .Replace("\\[", "", StringComparison.Ordinal).Replace("\\]", "", StringComparison.Ordinal)
            .Replace("\\%", "", StringComparison.Ordinal).Replace("%", "", StringComparison.Ordinal)
            .Replace("\u2212", "-", StringComparison.Ordinal)
            .Replace("\u03c0", "\\pi", StringComparison.Ordinal)
            .Replace("\u221a", "\\sqrt", StringComparison.Ordinal)
            .Replace("\u00d7", "\\times", StringComparison.Ordinal)
            .Replace("\u00b7", "\\cdot", StringComparison.Ordinal)
            .Replace("\u00b0", "", StringComparison.Ordinal);
        s = Degrees().Replace(s, "");

        // Units written as \text{cm}, \mathrm{m}^2 ... are dropped when something else remains, unwrapped otherwise.
        string withoutUnits = UnitGroups().Replace(s, "");
        s = withoutUnits.Any(c => !char.IsWhiteSpace(c)) ? withoutUnits : s;
        s = LatexText.ReplaceCommandGroups(s, TextCommands, keepContent: true);

        s = Whitespace().Replace(s, "");
        s = s.TrimEnd('.');
        if (s.StartsWith('+'))
        {
            s = s[1..];
        }

        Match assignment = Assignment().Match(s);
        if (assignment.Success)
        {
            s = assignment.Groups["value"].Value;
        }

        s = s.Replace("{,}", ",", StringComparison.Ordinal);
        if (Thousands().IsMatch(s))
        {
            s = s.Replace(",", "", StringComparison.Ordinal);
        }

        s = BraceShorthandArguments(s);
        return TryParseNumber(s, out BigInteger numerator, out BigInteger denominator)
            ? Format(numerator, denominator)
            : s;
    }

    /// <summary>True when the answer reads as a number or a short formula rather than words.</summary>
    public static bool LooksLikeMath(string answer)
    {
        string t = answer.Trim();
        if (t.Length == 0)
        {
            return false;
        }

        if (TryParseNumber(Normalize(t), out _, out _) || LatexCommand().IsMatch(t) || t.Contains('^', StringComparison.Ordinal))
        {
            return true;
        }

        if (!Expression().IsMatch(t) || !t.Any(char.IsAsciiDigit))
        {
            return false;
        }

        return Words().Matches(t).All(m => m.Length == 1 || MathFunctionWords.Contains(m.Value, StringComparer.Ordinal));
    }

    /// <summary>Parses integers, decimals, scientific notation, a/b and \frac{a}{b} (with signs) exactly.</summary>
    public static bool TryParseNumber(string s, out BigInteger numerator, out BigInteger denominator)
    {
        numerator = BigInteger.Zero;
        denominator = BigInteger.One;
        if (s.Length == 0 || s.Length > MaxDigits * 2)
        {
            return false;
        }

        bool negative = false;
        if (s[0] is '-' or '+')
        {
            negative = s[0] == '-';
            s = s[1..];
        }

        if (s.Length > 2 && s[0] == '(' && s[^1] == ')')
        {
            s = s[1..^1];
        }

        BigInteger n1, d1, n2, d2;
        if (s.StartsWith("\\frac{", StringComparison.Ordinal))
        {
            int close1 = LatexText.FindClosingBrace(s, 5);
            if (close1 < 0 || close1 + 1 >= s.Length || s[close1 + 1] != '{')
            {
                return false;
            }

            int close2 = LatexText.FindClosingBrace(s, close1 + 1);
            if (close2 != s.Length - 1
                || !TryParseDecimal(s[6..close1], out n1, out d1)
                || !TryParseDecimal(s[(close1 + 2)..close2], out n2, out d2))
            {
                return false;
            }
        }
        else if (s.Count(c => c == '/') == 1)
        {
            int slash = s.IndexOf('/', StringComparison.Ordinal);
            if (!TryParseDecimal(s[..slash], out n1, out d1) || !TryParseDecimal(s[(slash + 1)..], out n2, out d2))
            {
                return false;
            }
        }
        else
        {
            if (!TryParseDecimal(s, out n1, out d1))
            {
                return false;
            }

            n2 = BigInteger.One;
            d2 = BigInteger.One;
        }

        if (n2.IsZero)
        {
            return false;
        }

        numerator = n1 * d2;
        denominator = d1 * n2;
        if (negative)
        {
            numerator = -numerator;
        }

        Reduce(ref numerator, ref denominator);
        return true;
    }

    public static string Format(BigInteger numerator, BigInteger denominator) =>
        denominator.IsOne
            ? numerator.ToString(CultureInfo.InvariantCulture)
            : string.Create(CultureInfo.InvariantCulture, $"{numerator}/{denominator}");

    private static bool TryParseDecimal(string s, out BigInteger numerator, out BigInteger denominator)
    {
        numerator = BigInteger.Zero;
        denominator = BigInteger.One;
        Match m = DecimalNumber().Match(s);
        if (!m.Success)
        {
            return false;
        }

        string integer = m.Groups["int"].Value;
        string fraction = m.Groups["frac"].Value;
        if (integer.Length + fraction.Length == 0 || integer.Length + fraction.Length > MaxDigits)
        {
            return false;
        }

        int exponent = m.Groups["exp"].Success ? int.Parse(m.Groups["exp"].Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture) : 0;
        exponent -= fraction.Length;
        if (Math.Abs(exponent) > MaxExponent)
        {
            return false;
        }

        numerator = BigInteger.Parse(integer + fraction, NumberStyles.None, CultureInfo.InvariantCulture);
        if (exponent >= 0)
        {
            numerator *= BigInteger.Pow(10, exponent);
        }
        else
        {
            denominator = BigInteger.Pow(10, -exponent);
        }

        if (m.Groups["sign"].Value == "-")
        {
            numerator = -numerator;
        }

        return true;
    }

    private static void Reduce(ref BigInteger numerator, ref BigInteger denominator)
    {
        if (denominator.Sign < 0)
        {
            numerator = -numerator;
            denominator = -denominator;
        }

        BigInteger gcd = BigInteger.GreatestCommonDivisor(numerator, denominator);
        if (!gcd.IsZero && !gcd.IsOne)
        {
            numerator /= gcd;
            denominator /= gcd;
        }

        if (numerator.IsZero)
        {
            denominator = BigInteger.One;
        }
    }

    /// <summary>Writes the brace-less shorthands <c>\frac12</c> and <c>\sqrt2</c> with braces.</summary>
    private static string BraceShorthandArguments(string s)
    {
        s = FracShorthand().Replace(s, m => $"\\frac{Brace(m.Groups["a"].Value)}{Brace(m.Groups["b"].Value)}");
        return SqrtShorthand().Replace(s, m => $"\\sqrt{{{m.Groups["a"].Value}}}");

        static string Brace(string arg) => arg.StartsWith('{') ? arg : "{" + arg + "}";
    }

    [GeneratedRegex(@"\\(?:left|right|displaystyle|big|Big|bigg|Bigg)(?![A-Za-z])|\\[,!;: ]|~", RegexOptions.CultureInvariant)]
    private static partial Regex SpacingCommands();

    [GeneratedRegex(@"\^\s*\{?\s*\\circ\s*\}?|\\circ|\\degree", RegexOptions.CultureInvariant)]
    private static partial Regex Degrees();

    [GeneratedRegex(@"\\(?:text|textrm|textit|mathrm|mbox)\s*\{[^{}]*\}(?:\s*\^\s*\{?\s*[0-9]\s*\}?)?", RegexOptions.CultureInvariant)]
    private static partial Regex UnitGroups();

    [GeneratedRegex(@"\s+", RegexOptions.CultureInvariant)]
    private static partial Regex Whitespace();

    [GeneratedRegex(@"^[A-Za-z]=(?<value>.+)$", RegexOptions.CultureInvariant)]
    private static partial Regex Assignment();

    [GeneratedRegex(@"^-?\d{1,3}(?:,\d{3})+(?:\.\d+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex Thousands();

    [GeneratedRegex(@"^(?<sign>[+-]?)(?<int>\d*)(?:\.(?<frac>\d*))?(?:(?:[eE]|(?:\*|\\times|\\cdot)10\^)\{?(?<exp>[+-]?\d{1,4})\}?)?$", RegexOptions.CultureInvariant)]
    private static partial Regex DecimalNumber();

    [GeneratedRegex(@"\\frac(?<a>\{[^{}]*\}|[0-9A-Za-z])(?<b>\{[^{}]*\}|[0-9A-Za-z])", RegexOptions.CultureInvariant)]
    private static partial Regex FracShorthand();

    [GeneratedRegex(@"\\sqrt(?<a>[0-9A-Za-z])", RegexOptions.CultureInvariant)]
    private static partial Regex SqrtShorthand();

    [GeneratedRegex(@"\\[A-Za-z]+", RegexOptions.CultureInvariant)]
    private static partial Regex LatexCommand();

    [GeneratedRegex(@"^[0-9a-z\s+\-*/^().,=<>\[\]{}|!:'\u221a\u03c0\u221e]+$", RegexOptions.CultureInvariant)]
    private static partial Regex Expression();

    [GeneratedRegex("[a-z]+", RegexOptions.CultureInvariant)]
    private static partial Regex Words();
}
