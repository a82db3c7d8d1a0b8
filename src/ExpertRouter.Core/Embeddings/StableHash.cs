using System.Text;

namespace ExpertRouter.Core.Embeddings;

/// <summary>FNV-1a (64-bit) over UTF-8, with a final avalanche mix: stable across processes and platforms.</summary>
internal static class StableHash
{
    private const ulong OffsetBasis = 14695981039346656037UL;
    private const ulong Prime = 1099511628211UL;

    /// <summary>Hashes a feature: a kind byte, then the UTF-8 bytes of the runes.</summary>
    public static ulong Hash(byte kind, ReadOnlySpan<Rune> runes)
    {
        var hash = (OffsetBasis ^ kind) * Prime;
        Span<byte> utf8 = stackalloc byte[4];
        foreach (var rune in runes)
        {
            var count = rune.EncodeToUtf8(utf8);
            for (var i = 0; i < count; i++)
            {
                hash = (hash ^ utf8[i]) * Prime;
            }
        }

        return hash;
    }

    /// <summary>MurmurHash3's 64-bit finaliser, so every output bit depends on every input bit.</summary>
    public static ulong Mix(ulong h)
    {
        h ^= h >> 33;
        h *= 0xff51afd7ed558ccdUL;
        h ^= h >> 33;
        h *= 0xc4ceb9fe1a85ec53UL;
        h ^= h >> 33;
        return h;
    }
}
