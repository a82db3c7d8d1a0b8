using System.Text;
using ExpertRouter.LlamaCpp.Native;

namespace ExpertRouter.LlamaCpp.Generation;

/// <summary>
/// Turns a token stream into text incrementally: a multi-byte character split across byte tokens is
/// emitted once complete; invalid UTF-8 becomes U+FFFD. One per sequence.
/// </summary>
internal sealed class TokenTextDecoder(TokenPieceCache pieces)
{
    private readonly Decoder _decoder = new UTF8Encoding(false, false).GetDecoder();
    private char[] _chars = new char[64];

    public string Append(LlamaToken token)
    {
        var bytes = pieces.Get(token);
        return Decode(bytes, flush: false);
    }

    public string Flush() => Decode([], flush: true);

    private string Decode(byte[] bytes, bool flush)
    {
        var needed = _decoder.GetCharCount(bytes, flush) + 4;
        if (needed > _chars.Length)
        {
            _chars = new char[Math.Max(needed, _chars.Length * 2)];
        }

        var n = _decoder.GetChars(bytes, 0, bytes.Length, _chars, 0, flush);
        return n == 0 ? string.Empty : new string(_chars, 0, n);
    }
}
