using System.Collections.ObjectModel;
using System.Globalization;

namespace ExpertRouter.LlamaCpp.Gguf;

/// <summary>
/// A deterministic SentencePiece-style ("llama" tokenizer model) vocabulary for generated test models, built
/// without external files. Layout: <c>&lt;unk&gt;</c>, <c>&lt;s&gt;</c>, <c>&lt;/s&gt;</c>, <c>&lt;|im_start|&gt;</c>,
/// <c>&lt;|im_end|&gt;</c>, the 256 byte tokens <c>&lt;0x00&gt;</c>..<c>&lt;0xFF&gt;</c>, then normal pieces:
/// "▁", the printable ASCII characters, "▁" + each letter and digit, every prefix of "▁word" for a built-in list
/// of English, math, science, medicine and law words (lower case, then capitalised), every prefix of each
/// capitalised word without the marker (for words at the start of a line), and finally generated
/// lower-case pieces, each extending a piece already present. The normal pieces are prefix-closed, because
/// llama.cpp's SPM tokenizer only merges adjacent symbols whose concatenation is a token, and their score is
/// their length, so longer merges win.
/// </summary>
public sealed class TestVocabulary
{
    /// <summary>llama token types (tokenizer.ggml.token_type).</summary>
    public const int TypeNormal = 1;
    public const int TypeUnknown = 2;
    public const int TypeControl = 3;
    public const int TypeByte = 6;

    public const int UnknownId = 0;
    public const int BosId = 1;
    public const int EosId = 2;
    public const int ImStartId = 3;
    public const int ImEndId = 4;
    public const int FirstByteId = 5;

    /// <summary>The SentencePiece whitespace marker U+2581.</summary>
    public const string SpaceMarker = "\u2581";

    private const string Letters = "abcdefghijklmnopqrstuvwxyz";
    private const int MaxGeneratedPieceLength = 12;

    private const string WordList = """
        the of and to in is was for on that with as by at it from be this are or an have not which but had his
        they you were her she there been one all we their has would when if will so no what can who more said do
        out up about into them than its some could time these two may then first any my now such like other our
        how over also new just only very see people way where after back because most well even want here give
        day make many good know take year work world hello hi yes thank thanks please help question answer what
        why how which explain describe tell show find write list compare summarize example simple
        math number numbers equation solve sum plus minus times divide product total value zero one two three four five
        six seven eight nine ten hundred thousand million percent fraction integer prime square root function
        derivative integral limit matrix vector algebra geometry angle triangle circle area volume probability
        statistics mean median average variance proof theorem formula calculate result
        science physics chemistry biology energy force mass speed light atom molecule cell gene protein water
        carbon oxygen hydrogen temperature pressure gravity electron theory experiment data research
        medicine medical doctor patient health disease symptom symptoms treatment diagnosis drug dose heart blood
        pain fever infection virus bacteria cancer brain clinical therapy hospital nurse surgery vaccine
        law legal court judge contract right rights liability case state federal statute criminal civil trial
        evidence plaintiff defendant attorney lawyer agreement property claim law constitution jury appeal
        code program computer software language model token system user assistant message function class
        file test string list error input output language english word sentence text story poem
        helpful able before between both call come each end every few great group hand high however information
        keep large last leave life little long look man might must need never next old own part place point problem
        public same seem small still think through under until while without woman young really something nothing
        always often sometimes today name person thing friend family money home school student teacher book
        """;

    private readonly Dictionary<string, int> _ids;

    private TestVocabulary(List<string> tokens, List<float> scores, List<int> types)
    {
        Tokens = new ReadOnlyCollection<string>(tokens);
        Scores = new ReadOnlyCollection<float>(scores);
        TokenTypes = new ReadOnlyCollection<int>(types);
        _ids = new Dictionary<string, int>(tokens.Count, StringComparer.Ordinal);
        for (var i = 0; i < tokens.Count; i++)
        {
            _ids.Add(tokens[i], i);
        }
    }

    /// <summary>tokenizer.ggml.tokens.</summary>
    public IReadOnlyList<string> Tokens { get; }

    /// <summary>tokenizer.ggml.scores.</summary>
    public IReadOnlyList<float> Scores { get; }

    /// <summary>tokenizer.ggml.token_type.</summary>
    public IReadOnlyList<int> TokenTypes { get; }

    public int Count => Tokens.Count;

    /// <summary>The id of <paramref name="token"/>, or -1.</summary>
    public int IndexOf(string token) => _ids.TryGetValue(token, out var id) ? id : -1;

    /// <summary>Builds the vocabulary of exactly <paramref name="size"/> tokens; the result depends on nothing else.</summary>
    public static TestVocabulary Create(int size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, TestModelSpec.MinVocabSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(size, TestModelSpec.MaxVocabSize);

        var tokens = new List<string>(size);
        var scores = new List<float>(size);
        var types = new List<int>(size);
        var seen = new HashSet<string>(StringComparer.Ordinal);

        bool Add(string token, int type)
        {
            if (tokens.Count >= size || !seen.Add(token))
            {
                return false;
            }

            tokens.Add(token);
            scores.Add(type == TypeNormal ? token.Length : 0f);
            types.Add(type);
            return true;
        }

        Add("<unk>", TypeUnknown);
        Add("<s>", TypeControl);
        Add("</s>", TypeControl);
        Add("<|im_start|>", TypeControl);
        Add("<|im_end|>", TypeControl);
        for (var b = 0; b < 256; b++)
        {
            Add(string.Create(CultureInfo.InvariantCulture, $"<0x{b:X2}>"), TypeByte);
        }

        Add(SpaceMarker, TypeNormal);
        for (var c = 0x21; c < 0x7F; c++)
        {
            Add(((char)c).ToString(), TypeNormal);
        }

        foreach (var c in Letters + Letters.ToUpperInvariant() + "0123456789")
        {
            Add(SpaceMarker + c, TypeNormal);
        }

        // Word pieces with all their prefixes (prefix-closed), lower case first, then capitalised.
        var words = WordList.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        var ordered = words.Concat(words.Select(w => char.ToUpperInvariant(w[0]) + w[1..]));
        foreach (var word in ordered)
        {
            var piece = SpaceMarker + word;
            for (var k = 2; k <= piece.Length; k++)
            {
                Add(piece[..k], TypeNormal);
            }
        }

        // Capitalised words also without the marker, as they appear at the start of a line.
        foreach (var word in words)
        {
            var piece = char.ToUpperInvariant(word[0]) + word[1..];
            for (var k = 2; k <= piece.Length; k++)
            {
                Add(piece[..k], TypeNormal);
            }
        }

        // All two-letter pieces in a fixed shuffled order.
        var rng = new Xoshiro256StarStar(0x5EED_70C3_AB01UL);
        var pairs = new List<string>(26 * 26);
        foreach (var a in Letters)
        {
            foreach (var b in Letters)
            {
                pairs.Add(string.Concat(SpaceMarker, a.ToString(), b.ToString()));
            }
        }

        for (var i = pairs.Count - 1; i > 0; i--)
        {
            var j = rng.NextInt(i + 1);
            (pairs[i], pairs[j]) = (pairs[j], pairs[i]);
        }

        var extendable = new List<string>();
        foreach (var t in tokens)
        {
            if (t.Length >= 2 && t.StartsWith(SpaceMarker, StringComparison.Ordinal) && t.Length < MaxGeneratedPieceLength && IsLower(t.AsSpan(1)))
            {
                extendable.Add(t);
            }
        }

        foreach (var p in pairs)
        {
            if (Add(p, TypeNormal))
            {
                extendable.Add(p);
            }
        }

        // Then grow pieces one letter at a time from random existing ones: every new piece's prefix is present.
        while (tokens.Count < size)
        {
            var basePiece = extendable[rng.NextInt(extendable.Count)];
            var piece = basePiece + Letters[rng.NextInt(Letters.Length)];
            if (Add(piece, TypeNormal) && piece.Length < MaxGeneratedPieceLength)
            {
                extendable.Add(piece);
            }
        }

        return new TestVocabulary(tokens, scores, types);
    }

    private static bool IsLower(ReadOnlySpan<char> s)
    {
        foreach (var c in s)
        {
            if (c is < 'a' or > 'z')
            {
                return false;
            }
        }

        return true;
    }
}
