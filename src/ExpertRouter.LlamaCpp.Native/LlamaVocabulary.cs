using System.Text;

namespace ExpertRouter.LlamaCpp.Native;

/// <summary>
/// The vocabulary of a loaded model: tokenization and detokenization. Thread-safe (llama.cpp's
/// vocabulary is read-only after load). Token ids are range-checked before any native call.
/// </summary>
public sealed unsafe class LlamaVocabulary
{
    private readonly SafeLlamaModelHandle _model;
    private readonly IntPtr _vocab;

    internal LlamaVocabulary(SafeLlamaModelHandle model, IntPtr vocab)
    {
        _model = model;
        _vocab = vocab;
        Count = LlamaNative.llama_vocab_n_tokens(vocab);
        Bos = new LlamaToken(LlamaNative.llama_vocab_bos(vocab));
        Eos = new LlamaToken(LlamaNative.llama_vocab_eos(vocab));
        AddsBos = LlamaNative.llama_vocab_get_add_bos(vocab) != 0;
        Type = LlamaNative.llama_vocab_type(vocab);
    }

    public int Count { get; }

    public LlamaToken Bos { get; }

    public LlamaToken Eos { get; }

    public bool AddsBos { get; }

    public LlamaVocabType Type { get; }

    public bool IsValid(LlamaToken token) => (uint)token.Value < (uint)Count;

    /// <summary>True for end-of-generation tokens (EOS, EOT, ...).</summary>
    public bool IsEndOfGeneration(LlamaToken token) =>
        IsValid(token) && Use(() => LlamaNative.llama_vocab_is_eog(_vocab, token.Value) != 0);

    /// <summary>Tokenizes UTF-8 text. <paramref name="parseSpecial"/> lets control-token text (e.g. <c>&lt;|im_start|&gt;</c>) become those tokens.</summary>
    public LlamaToken[] Tokenize(string text, bool addSpecial, bool parseSpecial)
    {
        ArgumentNullException.ThrowIfNull(text);
        var bytes = Encoding.UTF8.GetBytes(text);
        var capacity = bytes.Length + 8;
        while (true)
        {
            var tokens = new LlamaToken[capacity];
            var n = Use(() =>
            {
                fixed (byte* t = bytes)
                fixed (LlamaToken* o = tokens)
                {
                    return LlamaNative.llama_tokenize(_vocab, t, bytes.Length, (int*)o, capacity, (byte)(addSpecial ? 1 : 0), (byte)(parseSpecial ? 1 : 0));
                }
            });
            if (n >= 0)
            {
                return n == capacity ? tokens : tokens[..n];
            }

            if (n == int.MinValue)
            {
                throw new InvalidOperationException("Text is too long to tokenize (more than 2^31 tokens).");
            }

            capacity = -n;
        }
    }

    /// <summary>The UTF-8 bytes of one token (may be a partial character for byte tokens).</summary>
    public byte[] TokenToBytes(LlamaToken token, bool renderSpecial = false)
    {
        if (!IsValid(token))
        {
            throw new ArgumentOutOfRangeException(nameof(token), token.Value, $"Token id outside the vocabulary (0..{Count - 1}).");
        }

        Span<byte> buf = stackalloc byte[64];
        var n = Piece(token, buf, renderSpecial);
        if (n < 0)
        {
            var big = new byte[-n];
            n = Piece(token, big, renderSpecial);
            return big[..n];
        }

        return buf[..n].ToArray();
    }

    private int Piece(LlamaToken token, Span<byte> buf, bool special)
    {
        var added = false;
        _model.DangerousAddRef(ref added);
        try
        {
            fixed (byte* b = buf)
            {
                return LlamaNative.llama_token_to_piece(_vocab, token.Value, b, buf.Length, 0, (byte)(special ? 1 : 0));
            }
        }
        finally
        {
            _model.DangerousRelease();
        }
    }

    private T Use<T>(Func<T> call)
    {
        var added = false;
        _model.DangerousAddRef(ref added);
        try
        {
            return call();
        }
        finally
        {
            _model.DangerousRelease();
        }
    }
}
