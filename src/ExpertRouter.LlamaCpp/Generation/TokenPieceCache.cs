using ExpertRouter.LlamaCpp.Native;

namespace ExpertRouter.LlamaCpp.Generation;

/// <summary>
/// The UTF-8 bytes of every token, fetched from llama.cpp once on first use. Control tokens render
/// as nothing. Thread-safe (benign races fill the same value).
/// </summary>
internal sealed class TokenPieceCache(LlamaVocabulary vocabulary)
{
    private readonly byte[]?[] _pieces = new byte[]?[vocabulary.Count];

    public LlamaVocabulary Vocabulary => vocabulary;

    public byte[] Get(LlamaToken token) =>
        _pieces[token.Value] ??= vocabulary.TokenToBytes(token);

    public string GetText(LlamaToken token) => System.Text.Encoding.UTF8.GetString(Get(token));
}
