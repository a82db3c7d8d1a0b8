using System.Numerics;
using System.Runtime.CompilerServices;

namespace ExpertRouter.LlamaCpp.Gguf;

/// <summary>
/// xoshiro256** (Blackman and Vigna), seeded through SplitMix64: a small, fast, fully deterministic generator
/// whose output depends on nothing but the seed (unlike <see cref="Random"/>, whose algorithm may change).
/// </summary>
internal struct Xoshiro256StarStar
{
    // sqrt(3) / 65536: scales a centred sum of four 16-bit uniforms to unit variance.
    private const float IrwinHallScale = 1.7320508075688772f / 65536f;

    private ulong _s0;
    private ulong _s1;
    private ulong _s2;
    private ulong _s3;

    public Xoshiro256StarStar(ulong seed)
    {
        _s0 = SplitMix64(ref seed);
        _s1 = SplitMix64(ref seed);
        _s2 = SplitMix64(ref seed);
        _s3 = SplitMix64(ref seed);
    }

    /// <summary>Mixes several values into one well-distributed seed.</summary>
    public static ulong Mix(ulong a, ulong b)
    {
        var x = a ^ (b * 0x9E3779B97F4A7C15UL);
        return SplitMix64(ref x);
    }

    /// <summary>FNV-1a of a string's UTF-16 code units: a stable hash (string.GetHashCode is randomised per process).</summary>
    public static ulong StableHash(string text)
    {
        var h = 14695981039346656037UL;
        foreach (var ch in text)
        {
            h = (h ^ ch) * 1099511628211UL;
        }

        return h;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong NextUInt64()
    {
        var result = BitOperations.RotateLeft(_s1 * 5, 7) * 9;
        var t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = BitOperations.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>A uniform integer in [0, <paramref name="bound"/>).</summary>
    public int NextInt(int bound) => (int)((NextUInt64() >> 33) % (ulong)bound);

    /// <summary>
    /// An approximately standard normal value: the centred sum of four 16-bit uniforms taken from one 64-bit
    /// output (Irwin-Hall, n = 4), scaled to unit variance. Bounded to +-3.46; plenty for random test weights.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float NextApproxNormal()
    {
        var r = NextUInt64();
        var sum = (int)(r & 0xFFFF) + (int)((r >> 16) & 0xFFFF) + (int)((r >> 32) & 0xFFFF) + (int)(r >> 48);
        return (sum - (2 * 65535)) * IrwinHallScale;
    }

    private static ulong SplitMix64(ref ulong state)
    {
        state += 0x9E3779B97F4A7C15UL;
        var z = state;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
