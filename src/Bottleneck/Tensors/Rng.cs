using System.Numerics;
using System.Runtime.CompilerServices;

namespace Bottleneck.Tensors;

/// <summary>
/// The one seeded pseudo-random generator of the library: xoshiro256** (Blackman &amp; Vigna, 2018)
/// seeded through SplitMix64, so a run is reproducible from a single 64-bit seed on every machine.
/// Draws uniform floats in [0, 1), standard normals (Box–Muller) and Bernoulli(p) samples.
/// </summary>
/// <remarks>Not thread-safe: give each thread its own instance (see <see cref="Fork"/>).</remarks>
public sealed class Rng
{
    private ulong _s0, _s1, _s2, _s3;
    private double _spareNormal;
    private bool _hasSpare;

    /// <summary>Creates a generator from <paramref name="seed"/>; equal seeds give equal streams.</summary>
    /// <param name="seed">Any 64-bit value (default 0).</param>
    public Rng(ulong seed = 0)
    {
        Seed = seed;
        ulong x = seed;
        _s0 = SplitMix(ref x); _s1 = SplitMix(ref x); _s2 = SplitMix(ref x); _s3 = SplitMix(ref x);
    }

    /// <summary>The seed this generator was created with.</summary>
    public ulong Seed { get; }

    private static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Next raw 64-bit output of xoshiro256**.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong NextUInt64()
    {
        ulong result = BitOperations.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0; _s3 ^= _s1; _s1 ^= _s2; _s0 ^= _s3; _s2 ^= t;
        _s3 = BitOperations.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform float in [0, 1) with 24 random bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float NextFloat() => (NextUInt64() >> 40) * (1.0f / (1 << 24));

    /// <summary>Uniform double in [0, 1) with 53 random bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform float in [<paramref name="low"/>, <paramref name="high"/>).</summary>
    public float Uniform(float low, float high) => low + (high - low) * NextFloat();

    /// <summary>Uniform integer in [0, <paramref name="n"/>) without modulo bias (Lemire's method).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="n"/> ≤ 0.</exception>
    public int NextInt(int n)
    {
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n), n, $"n must be ≥ 1, got {n}");
        ulong range = (ulong)n;
        UInt128 m = (UInt128)NextUInt64() * range;
        ulong low = (ulong)m;
        if (low < range)
        {
            ulong threshold = (0 - range) % range;
            while (low < threshold) { m = (UInt128)NextUInt64() * range; low = (ulong)m; }
        }
        return (int)(m >> 64);
    }

    /// <summary>Standard normal N(0, 1) sample (Box–Muller, the spare value is cached).</summary>
    public float NextNormal()
    {
        if (_hasSpare) { _hasSpare = false; return (float)_spareNormal; }
        double u1;
        do { u1 = NextDouble(); } while (u1 <= double.Epsilon);
        double u2 = NextDouble();
        double r = Math.Sqrt(-2.0 * Math.Log(u1));
        double theta = 2.0 * Math.PI * u2;
        _spareNormal = r * Math.Sin(theta);
        _hasSpare = true;
        return (float)(r * Math.Cos(theta));
    }

    /// <summary>Normal N(<paramref name="mean"/>, <paramref name="std"/>²) sample.</summary>
    public float Normal(float mean, float std) => mean + std * NextNormal();

    /// <summary>Bernoulli(<paramref name="p"/>) sample: true with probability p.</summary>
    public bool Bernoulli(double p) => NextDouble() < p;

    /// <summary>Fills <paramref name="dst"/> with U[low, high) samples.</summary>
    public void FillUniform(Span<float> dst, float low = 0f, float high = 1f)
    {
        float scale = high - low;
        for (int i = 0; i < dst.Length; i++) dst[i] = low + scale * NextFloat();
    }

    /// <summary>Fills <paramref name="dst"/> with N(mean, std²) samples.</summary>
    public void FillNormal(Span<float> dst, float mean = 0f, float std = 1f)
    {
        for (int i = 0; i < dst.Length; i++) dst[i] = mean + std * NextNormal();
    }

    /// <summary>Fills <paramref name="dst"/> with Bernoulli(p) samples as 0 or 1.</summary>
    public void FillBernoulli(Span<float> dst, double p)
    {
        for (int i = 0; i < dst.Length; i++) dst[i] = NextDouble() < p ? 1f : 0f;
    }

    /// <summary>In-place Fisher–Yates shuffle.</summary>
    public void Shuffle<T>(Span<T> items)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    /// <summary>A permutation of 0..n-1.</summary>
    public int[] Permutation(int n)
    {
        var p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        Shuffle<int>(p);
        return p;
    }

    /// <summary>An independent generator derived from this one's stream (for worker threads or sub-tasks).</summary>
    public Rng Fork() => new(NextUInt64());

    /// <summary>The full internal state, for checkpoints (see <see cref="Restore"/>).</summary>
    public ulong[] SaveState() => [_s0, _s1, _s2, _s3, BitConverter.DoubleToUInt64Bits(_spareNormal), _hasSpare ? 1UL : 0UL];

    /// <summary>Restores a state produced by <see cref="SaveState"/>, so a resumed run draws the same numbers.</summary>
    /// <exception cref="ArgumentException">The state does not have 6 entries.</exception>
    public void Restore(ReadOnlySpan<ulong> state)
    {
        if (state.Length != 6) throw new ArgumentException($"Rng state must have 6 entries, got {state.Length}", nameof(state));
        _s0 = state[0]; _s1 = state[1]; _s2 = state[2]; _s3 = state[3];
        _spareNormal = BitConverter.UInt64BitsToDouble(state[4]); _hasSpare = state[5] != 0;
    }
}
