using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Bottleneck.Kernels;

/// <summary>
/// SIMD float32 transcendental kernels (exp, sigmoid, softplus, BCE-with-logits) over spans, each with a
/// <see cref="Vector512{T}"/> path, a <see cref="Vector256{T}"/> path and a scalar path that performs the same
/// operations in the same order (same polynomial, same fused multiply-adds, same special-value fixups), so an element's
/// result does not depend on the span's length, alignment or which path processed it.
/// </summary>
/// <remarks>
/// <para>The polynomials are the single-precision Cephes ones (S. L. Moshier, <i>Cephes Math Library</i>, expf.c and
/// logf.c, public domain); the range reductions are the classic Cody–Waite ones with ln 2 split into
/// C1 = 0.693359375 (exact in 9 bits) and C2 = −2.12194440·10⁻⁴ (ln 2 − C1).</para>
/// <para>Every span kernel accepts an input and destination that are the same span (in-place) or disjoint; a
/// partial overlap throws. The destination must be at least as long as the input; only the first
/// <c>x.Length</c> elements are written.</para>
/// </remarks>
internal static class VectorMath
{
    /// <summary>Which code path a kernel uses; <see cref="Auto"/> picks the widest accelerated one.</summary>
    internal enum Isa { Auto, Vector512, Vector256, Scalar }

    // ---- constants -------------------------------------------------------------------------------------------------
    private const float Log2E = 1.44269504088896341f;
    private const float Ln2Hi = 0.693359375f;          // Cody–Waite: ln 2 = Ln2Hi + Ln2Lo, Ln2Hi has 9 significant bits
    private const float Ln2Lo = -2.12194440e-4f;
    private const float RoundShifter = 12582912f;      // 1.5·2²³: adding it rounds |v| < 2²² to an integer in the low bits
    private const int RoundShifterBits = 0x4B400000;
    private const float ExpLo = -87.33654f;            // just above ln 2^−126 = −87.336544…: smallest input with a normal result
    private const float ExpHi = 89f;                   // e^89 > FLT_MAX: rounds to +∞ after scaling
    private const float Log1pTiny = 1.4901161e-8f;     // 2^−26: below it log1p(t) rounds to t

    // Cephes expf: e^r ≈ 1 + r + r²·P(r) on |r| ≤ ln2/2, relative error ~1e-7 before the final rounding.
    private const float ExpP0 = 1.9875691500e-4f, ExpP1 = 1.3981999507e-3f, ExpP2 = 8.3334519073e-3f;
    private const float ExpP3 = 4.1665795894e-2f, ExpP4 = 1.6666665459e-1f, ExpP5 = 5.0000001201e-1f;

    // Cephes logf: ln(1 + f) ≈ f − f²/2 + f³·Q(f) on f ∈ [√½ − 1, √2 − 1).
    private const float LogQ0 = 7.0376836292e-2f, LogQ1 = -1.1514610310e-1f, LogQ2 = 1.1676998740e-1f;
    private const float LogQ3 = -1.2420140846e-1f, LogQ4 = 1.4249322787e-1f, LogQ5 = -1.6668057665e-1f;
    private const float LogQ6 = 2.0000714765e-1f, LogQ7 = -2.4999993993e-1f, LogQ8 = 3.3333331174e-1f;
    private const float Log1pSplit = 0.41421356f;      // √2 − 1: below it ln(1 + t) = poly(t) with t exact

    /// <summary>Number of elements summed in float lanes before the partial sum is added in double.</summary>
    internal const int SumChunk = 1024;

    // ---- public kernels ---------------------------------------------------------------------------------------------

    /// <summary>
    /// y[i] = eˣ⁽ⁱ⁾. Reduction x = n·ln 2 + r (n = round(x·log₂e), Cody–Waite two-constant ln 2), Cephes degree-5
    /// polynomial for e^r, scaling by 2ⁿ through exponent-bit construction (two exact factors, so e^x just below
    /// FLT_MAX is not lost to an unrepresentable 2¹²⁸).
    /// Accuracy: ≤ 1.01 ulp against the exact value for results in the normal range (measured over [−87.3, 88.7];
    /// see the tests).
    /// Special values: x &gt; 88.7228 → +∞ (including +∞); x &lt; −87.33654 (results below 2⁻¹²⁶, the denormal range)
    /// → +0, flushed on purpose because denormal arithmetic takes microcode assists on x86 (about 100 cycles each);
    /// −∞ → +0; NaN → NaN; ±0 → 1.
    /// </summary>
    /// <param name="x">Inputs.</param>
    /// <param name="y">Destination; may be <paramref name="x"/> itself.</param>
    public static void Exp(ReadOnlySpan<float> x, Span<float> y) => Unary<ExpOp>(x, y, Isa.Auto);

    /// <summary>Same as <see cref="Exp(ReadOnlySpan{float}, Span{float})"/> on a forced code path (tests, benchmarks).</summary>
    /// <param name="x">As in <see cref="Exp(ReadOnlySpan{float}, Span{float})"/>.</param>
    /// <param name="y">As in <see cref="Exp(ReadOnlySpan{float}, Span{float})"/>.</param>
    /// <param name="isa">The code path; <see cref="Isa.Auto"/> picks the widest accelerated one.</param>
    internal static void Exp(ReadOnlySpan<float> x, Span<float> y, Isa isa) => Unary<ExpOp>(x, y, isa);

    /// <summary>
    /// y[i] = σ(x) = 1/(1 + e⁻ˣ), computed stably as 1/(1 + t) for x ≥ 0 and t/(1 + t) for x &lt; 0 with t = e^(−|x|)
    /// (the exponential never overflows).
    /// Accuracy: ≤ 2.3 ulp relative for results in the normal range (measured; see the tests).
    /// Special values: x &lt; −87.33654 → +0 (σ would be denormal; flushed as in
    /// <see cref="Exp(ReadOnlySpan{float}, Span{float})"/>); +∞ → 1; −∞ → 0; ±0 → 0.5; NaN → NaN.
    /// </summary>
    /// <param name="x">Inputs.</param>
    /// <param name="y">Destination; may be <paramref name="x"/> itself.</param>
    public static void Sigmoid(ReadOnlySpan<float> x, Span<float> y) => Unary<SigmoidOp>(x, y, Isa.Auto);

    /// <summary>Same as <see cref="Sigmoid(ReadOnlySpan{float}, Span{float})"/> on a forced code path (tests, benchmarks).</summary>
    /// <param name="x">As in <see cref="Sigmoid(ReadOnlySpan{float}, Span{float})"/>.</param>
    /// <param name="y">As in <see cref="Sigmoid(ReadOnlySpan{float}, Span{float})"/>.</param>
    /// <param name="isa">The code path; <see cref="Isa.Auto"/> picks the widest accelerated one.</param>
    internal static void Sigmoid(ReadOnlySpan<float> x, Span<float> y, Isa isa) => Unary<SigmoidOp>(x, y, isa);

    /// <summary>
    /// y[i] = softplus(x) = ln(1 + eˣ) = max(x, 0) + log1p(e^(−|x|)), stable for every x. log1p(t) for t ∈ [0, 1] is
    /// the log polynomial applied to t itself when t &lt; √2 − 1 (no rounding of 1 + t, so tiny t keep full relative
    /// accuracy) and to (t − 1)/2 with k = 1 otherwise.
    /// Accuracy: absolute error ≤ 1·10⁻⁷·max(1, |y|), relative error ≤ 1.7 ulp (measured; see the tests).
    /// Special values: +∞ → +∞; −∞ → 0; NaN → NaN; 0 → ln 2.
    /// </summary>
    /// <param name="x">Inputs.</param>
    /// <param name="y">Destination; may be <paramref name="x"/> itself.</param>
    public static void Softplus(ReadOnlySpan<float> x, Span<float> y) => Unary<SoftplusOp>(x, y, Isa.Auto);

    /// <summary>Same as <see cref="Softplus(ReadOnlySpan{float}, Span{float})"/> on a forced code path (tests, benchmarks).</summary>
    /// <param name="x">As in <see cref="Softplus(ReadOnlySpan{float}, Span{float})"/>.</param>
    /// <param name="y">As in <see cref="Softplus(ReadOnlySpan{float}, Span{float})"/>.</param>
    /// <param name="isa">The code path; <see cref="Isa.Auto"/> picks the widest accelerated one.</param>
    internal static void Softplus(ReadOnlySpan<float> x, Span<float> y, Isa isa) => Unary<SoftplusOp>(x, y, isa);

    /// <summary>
    /// Elementwise binary cross-entropy on logits: e[i] = max(x, 0) − x·y + log1p(e^(−|x|)) (= −y·ln σ(x) −
    /// (1 − y)·ln(1 − σ(x)) without overflow), with max(x, 0) − x·y as one fused multiply-add and log1p as in
    /// <see cref="Softplus(ReadOnlySpan{float}, Span{float})"/>.
    /// Accuracy: absolute error ≤ 1.2·10⁻⁷·max(1, |e|) for targets in [0, 1] (measured; see the tests).
    /// Special values: NaN in x or y → NaN; x = −∞ → +∞ for y &gt; 0 and NaN for y = 0 (∞·0); x = +∞ → NaN (∞ − ∞ in
    /// max(x, 0) − x·y): the formula is meant for finite logits, and a non-finite loss flags infinite ones.
    /// </summary>
    /// <param name="x">Logits.</param>
    /// <param name="y">Targets (usually in [0, 1]); same length as <paramref name="x"/>.</param>
    /// <param name="e">Destination; may be <paramref name="x"/> or <paramref name="y"/> itself.</param>
    public static void BceWithLogits(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> e) => Bce(x, y, e, Isa.Auto);

    /// <summary>Same as <see cref="BceWithLogits(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float})"/> on a forced code path (tests, benchmarks).</summary>
    /// <param name="x">As in <see cref="BceWithLogits(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float})"/>.</param>
    /// <param name="y">As in <see cref="BceWithLogits(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float})"/>.</param>
    /// <param name="e">As in <see cref="BceWithLogits(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float})"/>.</param>
    /// <param name="isa">The code path; <see cref="Isa.Auto"/> picks the widest accelerated one.</param>
    internal static void BceWithLogits(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> e, Isa isa) => Bce(x, y, e, isa);

    /// <summary>
    /// Σᵢ [max(xᵢ, 0) − xᵢ·yᵢ + log1p(e^(−|xᵢ|))] without materialising the elementwise losses: each element is computed
    /// exactly as in <see cref="BceWithLogits(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float})"/>, summed in float
    /// vector lanes over chunks of 1024 elements, and the chunk sums are accumulated in double.
    /// </summary>
    /// <param name="x">Logits.</param>
    /// <param name="y">Targets; same length as <paramref name="x"/>.</param>
    /// <returns>The sum, rounded to float (0 for empty spans).</returns>
    public static float BceWithLogitsSum(ReadOnlySpan<float> x, ReadOnlySpan<float> y) => BceSum(x, y, Isa.Auto);

    /// <summary>Same as <see cref="BceWithLogitsSum(ReadOnlySpan{float}, ReadOnlySpan{float})"/> on a forced code path (tests, benchmarks).</summary>
    /// <param name="x">As in <see cref="BceWithLogitsSum(ReadOnlySpan{float}, ReadOnlySpan{float})"/>.</param>
    /// <param name="y">As in <see cref="BceWithLogitsSum(ReadOnlySpan{float}, ReadOnlySpan{float})"/>.</param>
    /// <param name="isa">The code path; <see cref="Isa.Auto"/> picks the widest accelerated one.</param>
    /// <returns>The sum.</returns>
    internal static float BceWithLogitsSum(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Isa isa) => BceSum(x, y, isa);

    // ---- drivers ----------------------------------------------------------------------------------------------------

    private static Isa Resolve(Isa isa) => isa != Isa.Auto ? isa
        : Vector512.IsHardwareAccelerated ? Isa.Vector512
        : Vector256.IsHardwareAccelerated ? Isa.Vector256
        : Isa.Scalar;

    private static void CheckDestination(ReadOnlySpan<float> x, Span<float> y, string name)
    {
        if (y.Length < x.Length)
            throw new ArgumentException($"Destination has {y.Length} elements, input has {x.Length}.", name);
        if (x.Overlaps(y, out int offset) && offset != 0)
            throw new ArgumentException("Input and destination overlap partially; they must be the same span or disjoint.", name);
    }

    private interface IUnaryOp
    {
        static abstract Vector512<float> Invoke(Vector512<float> x);
        static abstract Vector256<float> Invoke(Vector256<float> x);
        static abstract float Invoke(float x);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Unary<TOp>(ReadOnlySpan<float> x, Span<float> y, Isa isa) where TOp : struct, IUnaryOp
    {
        CheckDestination(x, y, nameof(y));
        ref float xs = ref MemoryMarshal.GetReference(x);
        ref float ys = ref MemoryMarshal.GetReference(y);
        nuint n = (nuint)x.Length, i = 0;
        isa = Resolve(isa);
        if (isa == Isa.Vector512)
        {
            for (; i + 16 <= n; i += 16)
                TOp.Invoke(Vector512.LoadUnsafe(ref xs, i)).StoreUnsafe(ref ys, i);
        }
        else if (isa == Isa.Vector256)
        {
            for (; i + 8 <= n; i += 8)
                TOp.Invoke(Vector256.LoadUnsafe(ref xs, i)).StoreUnsafe(ref ys, i);
        }
        for (; i < n; i++)
            Unsafe.Add(ref ys, i) = TOp.Invoke(Unsafe.Add(ref xs, i));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Bce(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> e, Isa isa)
    {
        if (y.Length != x.Length) throw new ArgumentException($"Targets have {y.Length} elements, logits have {x.Length}.", nameof(y));
        CheckDestination(x, e, nameof(e));
        CheckDestination(y, e, nameof(e));
        ref float xs = ref MemoryMarshal.GetReference(x);
        ref float ys = ref MemoryMarshal.GetReference(y);
        ref float es = ref MemoryMarshal.GetReference(e);
        nuint n = (nuint)x.Length, i = 0;
        isa = Resolve(isa);
        if (isa == Isa.Vector512)
        {
            for (; i + 16 <= n; i += 16)
                BceCore(Vector512.LoadUnsafe(ref xs, i), Vector512.LoadUnsafe(ref ys, i)).StoreUnsafe(ref es, i);
        }
        else if (isa == Isa.Vector256)
        {
            for (; i + 8 <= n; i += 8)
                BceCore(Vector256.LoadUnsafe(ref xs, i), Vector256.LoadUnsafe(ref ys, i)).StoreUnsafe(ref es, i);
        }
        for (; i < n; i++)
            Unsafe.Add(ref es, i) = BceCore(Unsafe.Add(ref xs, i), Unsafe.Add(ref ys, i));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float BceSum(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Isa isa)
    {
        if (y.Length != x.Length) throw new ArgumentException($"Targets have {y.Length} elements, logits have {x.Length}.", nameof(y));
        ref float xs = ref MemoryMarshal.GetReference(x);
        ref float ys = ref MemoryMarshal.GetReference(y);
        nuint n = (nuint)x.Length, i = 0;
        double total = 0;
        isa = Resolve(isa);
        if (isa == Isa.Vector512)
        {
            var acc = Vector512<double>.Zero;
            while (i + 16 <= n)
            {
                nuint end = Math.Min(n - 15, i + SumChunk);
                var part = Vector512<float>.Zero;
                for (; i < end; i += 16)
                    part += BceCore(Vector512.LoadUnsafe(ref xs, i), Vector512.LoadUnsafe(ref ys, i));
                var (lo, hi) = Vector512.Widen(part);
                acc += lo + hi;
            }
            total = Vector512.Sum(acc);
        }
        else if (isa == Isa.Vector256)
        {
            var acc = Vector256<double>.Zero;
            while (i + 8 <= n)
            {
                nuint end = Math.Min(n - 7, i + SumChunk);
                var part = Vector256<float>.Zero;
                for (; i < end; i += 8)
                    part += BceCore(Vector256.LoadUnsafe(ref xs, i), Vector256.LoadUnsafe(ref ys, i));
                var (lo, hi) = Vector256.Widen(part);
                acc += lo + hi;
            }
            total = Vector256.Sum(acc);
        }
        while (i < n)
        {
            nuint end = Math.Min(n, i + SumChunk);
            float part = 0f;
            for (; i < end; i++)
                part += BceCore(Unsafe.Add(ref xs, i), Unsafe.Add(ref ys, i));
            total += part;
        }
        return (float)total;
    }

    // ---- operators --------------------------------------------------------------------------------------------------

    private readonly struct ExpOp : IUnaryOp
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Invoke(Vector512<float> x) => ExpCore(x);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Invoke(Vector256<float> x) => ExpCore(x);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Invoke(float x) => ExpCore(x);
    }

    private readonly struct SigmoidOp : IUnaryOp
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Invoke(Vector512<float> x)
        {
            var t = ExpCore(-Vector512.Abs(x));
            var num = Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512<float>.Zero), t, Vector512<float>.One);
            return num / (Vector512<float>.One + t);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Invoke(Vector256<float> x)
        {
            var t = ExpCore(-Vector256.Abs(x));
            var num = Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256<float>.Zero), t, Vector256<float>.One);
            return num / (Vector256<float>.One + t);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Invoke(float x)
        {
            float t = ExpCore(-MathF.Abs(x));
            float num = x < 0f ? t : 1f;
            return num / (1f + t);
        }
    }

    private readonly struct SoftplusOp : IUnaryOp
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Invoke(Vector512<float> x) =>
            Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512<float>.Zero), x, Vector512<float>.Zero)
            + Log1pCore(ExpCore(-Vector512.Abs(x)));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Invoke(Vector256<float> x) =>
            Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<float>.Zero), x, Vector256<float>.Zero)
            + Log1pCore(ExpCore(-Vector256.Abs(x)));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Invoke(float x) => (x > 0f ? x : 0f) + Log1pCore(ExpCore(-MathF.Abs(x)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<float> BceCore(Vector512<float> x, Vector512<float> y)
    {
        var relu = Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512<float>.Zero), x, Vector512<float>.Zero);
        return Vector512.FusedMultiplyAdd(-x, y, relu) + Log1pCore(ExpCore(-Vector512.Abs(x)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> BceCore(Vector256<float> x, Vector256<float> y)
    {
        var relu = Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<float>.Zero), x, Vector256<float>.Zero);
        return Vector256.FusedMultiplyAdd(-x, y, relu) + Log1pCore(ExpCore(-Vector256.Abs(x)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float BceCore(float x, float y) =>
        MathF.FusedMultiplyAdd(-x, y, x > 0f ? x : 0f) + Log1pCore(ExpCore(-MathF.Abs(x)));

    // ---- cores: e^x -------------------------------------------------------------------------------------------------
    // x is clamped to [ExpLo, ExpHi] (NaN stays NaN and propagates to the result), so n ∈ [−126, 128] and every
    // intermediate is a normal number; 2ⁿ is applied as 2^(n>>1)·2^(n−(n>>1)) (both factors normal, the first multiply
    // exact) so that n = 128 overflows to +∞ in the final rounding. Inputs below ExpLo give +0: results below 2^−126
    // are flushed rather than computed, because on x86 every denormal result or operand costs a microcode assist
    // (measured: 20× slower kernels when a third of the inputs underflow).

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> ExpCore(Vector512<float> x)
    {
        var flush = Vector512.LessThan(x, Vector512.Create(ExpLo));
        x = Vector512.Min(Vector512.Max(x, Vector512.Create(ExpLo)), Vector512.Create(ExpHi));   // IEEE min/max: NaN propagates
        var z = Vector512.FusedMultiplyAdd(x, Vector512.Create(Log2E), Vector512.Create(RoundShifter));
        var nf = z - Vector512.Create(RoundShifter);
        var n = z.AsInt32() - Vector512.Create(RoundShifterBits);
        var r = Vector512.FusedMultiplyAdd(nf, Vector512.Create(-Ln2Hi), x);
        r = Vector512.FusedMultiplyAdd(nf, Vector512.Create(-Ln2Lo), r);
        var p = Vector512.FusedMultiplyAdd(Vector512.Create(ExpP0), r, Vector512.Create(ExpP1));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(ExpP2));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(ExpP3));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(ExpP4));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(ExpP5));
        p = Vector512.FusedMultiplyAdd(p, r * r, r) + Vector512<float>.One;
        var n1 = Vector512.ShiftRightArithmetic(n, 1);
        var s1 = Vector512.ShiftLeft(n1 + Vector512.Create(127), 23).AsSingle();
        var s2 = Vector512.ShiftLeft(n - n1 + Vector512.Create(127), 23).AsSingle();
        return Vector512.AndNot(p * s1 * s2, flush);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> ExpCore(Vector256<float> x)
    {
        var flush = Vector256.LessThan(x, Vector256.Create(ExpLo));
        x = Vector256.Min(Vector256.Max(x, Vector256.Create(ExpLo)), Vector256.Create(ExpHi));   // IEEE min/max: NaN propagates
        var z = Vector256.FusedMultiplyAdd(x, Vector256.Create(Log2E), Vector256.Create(RoundShifter));
        var nf = z - Vector256.Create(RoundShifter);
        var n = z.AsInt32() - Vector256.Create(RoundShifterBits);
        var r = Vector256.FusedMultiplyAdd(nf, Vector256.Create(-Ln2Hi), x);
        r = Vector256.FusedMultiplyAdd(nf, Vector256.Create(-Ln2Lo), r);
        var p = Vector256.FusedMultiplyAdd(Vector256.Create(ExpP0), r, Vector256.Create(ExpP1));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(ExpP2));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(ExpP3));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(ExpP4));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(ExpP5));
        p = Vector256.FusedMultiplyAdd(p, r * r, r) + Vector256<float>.One;
        var n1 = Vector256.ShiftRightArithmetic(n, 1);
        var s1 = Vector256.ShiftLeft(n1 + Vector256.Create(127), 23).AsSingle();
        var s2 = Vector256.ShiftLeft(n - n1 + Vector256.Create(127), 23).AsSingle();
        return Vector256.AndNot(p * s1 * s2, flush);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float ExpCore(float x)
    {
        bool flush = x < ExpLo;
        x = x < ExpLo ? ExpLo : x;   // NaN compares false and stays NaN, as in the vector Min/Max
        x = x > ExpHi ? ExpHi : x;
        float z = MathF.FusedMultiplyAdd(x, Log2E, RoundShifter);
        float nf = z - RoundShifter;
        int n = BitConverter.SingleToInt32Bits(z) - RoundShifterBits;
        float r = MathF.FusedMultiplyAdd(nf, -Ln2Hi, x);
        r = MathF.FusedMultiplyAdd(nf, -Ln2Lo, r);
        float p = MathF.FusedMultiplyAdd(ExpP0, r, ExpP1);
        p = MathF.FusedMultiplyAdd(p, r, ExpP2);
        p = MathF.FusedMultiplyAdd(p, r, ExpP3);
        p = MathF.FusedMultiplyAdd(p, r, ExpP4);
        p = MathF.FusedMultiplyAdd(p, r, ExpP5);
        p = MathF.FusedMultiplyAdd(p, r * r, r) + 1f;
        int n1 = n >> 1;
        float s1 = BitConverter.Int32BitsToSingle((n1 + 127) << 23);
        float s2 = BitConverter.Int32BitsToSingle((n - n1 + 127) << 23);
        return flush ? 0f : p * s1 * s2;
    }

    // log1p(t) for t ∈ [0, 1] (or NaN): t < √2 − 1 → poly(t), k = 0 (t is used exactly); else 1 + t = 2·(1 + f) with
    // f = (t − 1)/2 ∈ [√½ − 1, 0], one rounding in the fused multiply-add. t < 2^−26 returns t itself (the correctly
    // rounded value) and keeps t², t³ out of the denormal range.

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Log1pCore(Vector512<float> t)
    {
        var big = Vector512.GreaterThanOrEqual(t, Vector512.Create(Log1pSplit));
        var tiny = Vector512.LessThan(t, Vector512.Create(Log1pTiny));
        var f = Vector512.ConditionalSelect(big, Vector512.FusedMultiplyAdd(t, Vector512.Create(0.5f), Vector512.Create(-0.5f)), Vector512.AndNot(t, tiny));
        return Vector512.ConditionalSelect(tiny, t, LogPoly(f, big & Vector512<float>.One));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Log1pCore(Vector256<float> t)
    {
        var big = Vector256.GreaterThanOrEqual(t, Vector256.Create(Log1pSplit));
        var tiny = Vector256.LessThan(t, Vector256.Create(Log1pTiny));
        var f = Vector256.ConditionalSelect(big, Vector256.FusedMultiplyAdd(t, Vector256.Create(0.5f), Vector256.Create(-0.5f)), Vector256.AndNot(t, tiny));
        return Vector256.ConditionalSelect(tiny, t, LogPoly(f, big & Vector256<float>.One));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Log1pCore(float t)
    {
        bool big = t >= Log1pSplit, tiny = t < Log1pTiny;
        float r = LogPoly(big ? MathF.FusedMultiplyAdd(t, 0.5f, -0.5f) : tiny ? 0f : t, big ? 1f : 0f);
        return tiny ? t : r;
    }

    // ln(2^k·(1 + f)) = f − f²/2 + f³·Q(f) + k·Ln2Lo + k·Ln2Hi (Cephes logf order: small terms first).

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> LogPoly(Vector512<float> f, Vector512<float> k)
    {
        var z = f * f;
        var q = Vector512.FusedMultiplyAdd(Vector512.Create(LogQ0), f, Vector512.Create(LogQ1));
        q = Vector512.FusedMultiplyAdd(q, f, Vector512.Create(LogQ2));
        q = Vector512.FusedMultiplyAdd(q, f, Vector512.Create(LogQ3));
        q = Vector512.FusedMultiplyAdd(q, f, Vector512.Create(LogQ4));
        q = Vector512.FusedMultiplyAdd(q, f, Vector512.Create(LogQ5));
        q = Vector512.FusedMultiplyAdd(q, f, Vector512.Create(LogQ6));
        q = Vector512.FusedMultiplyAdd(q, f, Vector512.Create(LogQ7));
        q = Vector512.FusedMultiplyAdd(q, f, Vector512.Create(LogQ8));
        var y = q * f * z;
        y = Vector512.FusedMultiplyAdd(k, Vector512.Create(Ln2Lo), y);
        y = Vector512.FusedMultiplyAdd(z, Vector512.Create(-0.5f), y);
        return Vector512.FusedMultiplyAdd(k, Vector512.Create(Ln2Hi), f + y);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> LogPoly(Vector256<float> f, Vector256<float> k)
    {
        var z = f * f;
        var q = Vector256.FusedMultiplyAdd(Vector256.Create(LogQ0), f, Vector256.Create(LogQ1));
        q = Vector256.FusedMultiplyAdd(q, f, Vector256.Create(LogQ2));
        q = Vector256.FusedMultiplyAdd(q, f, Vector256.Create(LogQ3));
        q = Vector256.FusedMultiplyAdd(q, f, Vector256.Create(LogQ4));
        q = Vector256.FusedMultiplyAdd(q, f, Vector256.Create(LogQ5));
        q = Vector256.FusedMultiplyAdd(q, f, Vector256.Create(LogQ6));
        q = Vector256.FusedMultiplyAdd(q, f, Vector256.Create(LogQ7));
        q = Vector256.FusedMultiplyAdd(q, f, Vector256.Create(LogQ8));
        var y = q * f * z;
        y = Vector256.FusedMultiplyAdd(k, Vector256.Create(Ln2Lo), y);
        y = Vector256.FusedMultiplyAdd(z, Vector256.Create(-0.5f), y);
        return Vector256.FusedMultiplyAdd(k, Vector256.Create(Ln2Hi), f + y);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float LogPoly(float f, float k)
    {
        float z = f * f;
        float q = MathF.FusedMultiplyAdd(LogQ0, f, LogQ1);
        q = MathF.FusedMultiplyAdd(q, f, LogQ2);
        q = MathF.FusedMultiplyAdd(q, f, LogQ3);
        q = MathF.FusedMultiplyAdd(q, f, LogQ4);
        q = MathF.FusedMultiplyAdd(q, f, LogQ5);
        q = MathF.FusedMultiplyAdd(q, f, LogQ6);
        q = MathF.FusedMultiplyAdd(q, f, LogQ7);
        q = MathF.FusedMultiplyAdd(q, f, LogQ8);
        float y = q * f * z;
        y = MathF.FusedMultiplyAdd(k, Ln2Lo, y);
        y = MathF.FusedMultiplyAdd(z, -0.5f, y);
        return MathF.FusedMultiplyAdd(k, Ln2Hi, f + y);
    }
}
