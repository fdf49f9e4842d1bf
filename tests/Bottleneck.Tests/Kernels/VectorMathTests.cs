using System.Runtime.Intrinsics;
using Bottleneck.Kernels;
using Xunit.Abstractions;
using Isa = Bottleneck.Kernels.VectorMath.Isa;

namespace Bottleneck.Tests.Kernels;

/// <summary>
/// Accuracy of <see cref="VectorMath"/> against double-precision references over dense sweeps and special values, on
/// every code path this machine can run (Vector512, Vector256, scalar); bit-identical results across paths, span
/// lengths 0..67 and offsets (vector tails); in-place operation; argument validation.
/// </summary>
public sealed class VectorMathTests(ITestOutputHelper output)
{
    private delegate void UnaryKernel(ReadOnlySpan<float> x, Span<float> y, Isa isa);

    private const int Sweep = 2_000_000;

    /// <summary>The explicit code paths accelerated on this machine (scalar always).</summary>
    public static TheoryData<string> Paths()
    {
        var data = new TheoryData<string> { nameof(Isa.Scalar) };
        if (Vector256.IsHardwareAccelerated) data.Add(nameof(Isa.Vector256));
        if (Vector512.IsHardwareAccelerated) data.Add(nameof(Isa.Vector512));
        return data;
    }

    private static Isa[] AvailablePaths()
    {
        var paths = new List<Isa> { Isa.Scalar };
        if (Vector256.IsHardwareAccelerated) paths.Add(Isa.Vector256);
        if (Vector512.IsHardwareAccelerated) paths.Add(Isa.Vector512);
        return [.. paths];
    }

    private static readonly float[] Specials =
    [
        0f, -0f, float.PositiveInfinity, float.NegativeInfinity, float.NaN, -88.8f, 88.8f, 88.72f, 88.7229f, -87.33f,
        -103.9f, -104f, -110f, 110f, 1e-30f, -1e-30f, 1e-45f, -1e-45f, 1e-40f, 1.1754942e-38f, 1.1754944e-38f,
        float.MaxValue, float.MinValue, float.Epsilon, 1f, -1f, 0.5f, 2f, 0.41421354f, 0.41421357f, 16f, -16f, 20f, -20f,
        1e-7f, -1e-7f, 3e-4f, 0.7071067f, 0.70710677f, 1.4142135f, 1.4142137f, 1e20f, -1e20f, 1e38f,
    ];

    private static float[] Linspace(float lo, float hi, int n)
    {
        var v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float)(lo + (hi - (double)lo) * i / (n - 1));
        return v;
    }

    private static float[] With(float[] a, params float[][] more) => [.. a, .. more.SelectMany(m => m)];

    /// <summary>Size of one float ulp at the float nearest <paramref name="r"/> (2⁻¹⁴⁹ in the denormal range).</summary>
    private static double Ulp(double r)
    {
        float f = (float)Math.Abs(r);
        if (float.IsInfinity(f)) f = float.MaxValue;
        int e = (BitConverter.SingleToInt32Bits(f) >> 23) & 0xFF;
        return e == 0 ? Math.ScaleB(1.0, -149) : Math.ScaleB(1.0, e - 150);
    }

    /// <summary>|got − want| in float ulps of want; 0 when both are NaN or both round to the same infinity.</summary>
    private static double UlpError(float got, double want)
    {
        if (double.IsNaN(want) || float.IsNaN(got)) return double.IsNaN(want) && float.IsNaN(got) ? 0 : double.PositiveInfinity;
        float wantF = (float)want;
        if (float.IsInfinity(wantF) || float.IsInfinity(got)) return wantF == got ? 0 : double.PositiveInfinity;
        return Math.Abs(got - want) / Ulp(want);
    }

    private static double Log1p(double t) => Math.Abs(t) < 1e-4 ? t * (1 - t * (0.5 - t * (1.0 / 3 - t * 0.25))) : Math.Log(1 + t);

    private static double SoftplusRef(double x) => Math.Max(x, 0) + Log1p(Math.Exp(-Math.Abs(x)));

    /// <summary>Inputs below this give +0 from exp and sigmoid (results in the denormal range are flushed).</summary>
    private const float FlushBelow = -87.33654f;

    private static double ExpRef(double x) => x < FlushBelow ? 0 : Math.Exp(x);

    private static double SigmoidRef(double x) => x >= 0 ? 1 / (1 + Math.Exp(-x)) : x < FlushBelow ? 0 : Math.Exp(x) / (1 + Math.Exp(x));

    private static double BceRef(double x, double y) => Math.Max(x, 0) - x * y + Log1p(Math.Exp(-Math.Abs(x)));

    /// <summary>Runs <paramref name="kernel"/> on <paramref name="x"/> and returns the worst ulp error and its input.</summary>
    private static (double MaxUlp, float At, float Got, double Want) MaxUlpError(UnaryKernel kernel, Isa isa, float[] x, Func<double, double> reference, Func<float, bool>? include = null)
    {
        var y = new float[x.Length];
        kernel(x, y, isa);
        (double, float, float, double) worst = (0, float.NaN, float.NaN, double.NaN);
        for (int i = 0; i < x.Length; i++)
        {
            if (include is not null && !include(x[i])) continue;
            double want = reference(x[i]);
            double err = UlpError(y[i], want);
            if (!(err <= worst.Item1)) worst = (err, x[i], y[i], want);
        }
        return worst;
    }

    private void AssertUlp(string name, UnaryKernel kernel, Isa isa, float[] x, Func<double, double> reference, double tolerance, Func<float, bool>? include = null)
    {
        var (maxUlp, at, got, want) = MaxUlpError(kernel, isa, x, reference, include);
        output.WriteLine($"{name} [{isa}]: max error {maxUlp:F3} ulp over {x.Length} inputs (at x = {at:R}: got {got:R}, want {want:R})");
        Assert.True(maxUlp <= tolerance, $"{name} [{isa}]: max error {maxUlp:F3} ulp > {tolerance} at x = {at:R} (got {got:R}, want {want:R})");
    }

    // ---- exp ----------------------------------------------------------------------------------------------------------

    [Theory]
    [MemberData(nameof(Paths))]
    public void ExpIsWithinTwoUlp(string path)
    {
        Isa isa = Enum.Parse<Isa>(path);
        float[] x = With(Linspace(-87f, 88f, Sweep), Linspace(-0.5f, 0.5f, 200_001), Specials);
        AssertUlp("exp [-87, 88]", VectorMath.Exp, isa, x, Math.Exp, 2.0, v => v is >= -87f and <= 88f);
        // the whole range: overflow to +∞ above ln(FLT_MAX), results below 2^-126 flushed to +0
        float[] wide = With(Linspace(-110f, 90f, Sweep / 2), Linspace(-88f, -87f, 500_000), Linspace(88.6f, 88.8f, 100_000), Specials);
        AssertUlp("exp [-110, 90]", VectorMath.Exp, isa, wide, ExpRef, 2.0);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void ExpSpecialValues(string path)
    {
        Isa isa = Enum.Parse<Isa>(path);
        float[] x = [0f, -0f, float.PositiveInfinity, float.NegativeInfinity, float.NaN, 88.73f, 89f, 1000f, -104f, -1000f, 1f, float.MaxValue, float.MinValue];
        var y = new float[x.Length];
        VectorMath.Exp(x, y, isa);
        Assert.Equal(1f, y[0]);
        Assert.Equal(1f, y[1]);
        Assert.Equal(float.PositiveInfinity, y[2]);
        Assert.Equal(0f, y[3]);
        Assert.True(float.IsNaN(y[4]));
        Assert.Equal(float.PositiveInfinity, y[5]);
        Assert.Equal(float.PositiveInfinity, y[6]);
        Assert.Equal(float.PositiveInfinity, y[7]);
        Assert.Equal(0f, y[8]);
        Assert.Equal(0f, y[9]);
        Assert.Equal((float)Math.E, y[10]);
        Assert.Equal(float.PositiveInfinity, y[11]);
        Assert.Equal(0f, y[12]);
        // the largest finite result, the smallest normal one, and the flush to +0 below it
        Assert.Equal((float)Math.Exp(88.72283f), ExpOf(88.72283f, isa));
        Assert.Equal((float)Math.Exp(FlushBelow), ExpOf(FlushBelow, isa));
        Assert.True(ExpOf(FlushBelow, isa) >= 1.17549435e-38f);
        Assert.Equal(0f, ExpOf(BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(FlushBelow) + 1), isa));
        Assert.Equal(0f, ExpOf(-100f, isa));
    }

    private static float ExpOf(float v, Isa isa)
    {
        Span<float> y = stackalloc float[1];
        VectorMath.Exp([v], y, isa);
        return y[0];
    }

    // ---- sigmoid ------------------------------------------------------------------------------------------------------

    [Theory]
    [MemberData(nameof(Paths))]
    public void SigmoidIsWithinThreeUlp(string path)
    {
        Isa isa = Enum.Parse<Isa>(path);
        float[] x = With(Linspace(-110f, 30f, Sweep), Linspace(-4f, 4f, 500_001), Specials);
        AssertUlp("sigmoid", VectorMath.Sigmoid, isa, x, SigmoidRef, 3.0);
        float[] s = [float.PositiveInfinity, float.NegativeInfinity, 0f, -0f, float.NaN, 1e4f, -1e4f];
        var y = new float[s.Length];
        VectorMath.Sigmoid(s, y, isa);
        Assert.Equal([1f, 0f, 0.5f, 0.5f], y[..4]);
        Assert.True(float.IsNaN(y[4]));
        Assert.Equal(1f, y[5]);
        Assert.Equal(0f, y[6]);
    }

    // ---- softplus -----------------------------------------------------------------------------------------------------

    [Theory]
    [MemberData(nameof(Paths))]
    public void SoftplusAbsoluteErrorIsWithinBound(string path)
    {
        Isa isa = Enum.Parse<Isa>(path);
        float[] x = With(Linspace(-110f, 110f, Sweep), Linspace(-2f, 2f, 500_001), Specials.Where(float.IsFinite).ToArray());
        var y = new float[x.Length];
        VectorMath.Softplus(x, y, isa);
        double worst = 0, worstUlp = 0;
        float at = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double want = SoftplusRef(x[i]);
            double err = Math.Abs(y[i] - want) / Math.Max(1, Math.Abs(want));
            if (!(err <= worst)) (worst, at) = (err, x[i]);
            if (x[i] >= FlushBelow) worstUlp = Math.Max(worstUlp, UlpError(y[i], want));   // below, e^x is flushed: 0 for ~1e-38
        }
        output.WriteLine($"softplus [{isa}]: max abs error / max(1,|y|) = {worst:E3} at x = {at:R}; max relative error {worstUlp:F3} ulp for x ≥ {FlushBelow}");
        Assert.True(worst <= 2e-7, $"softplus [{isa}]: error {worst:E3} > 2e-7 at x = {at:R} (max {worstUlp:F3} ulp)");

        float[] s = [float.PositiveInfinity, float.NegativeInfinity, float.NaN, 0f, -0f];
        var r = new float[s.Length];
        VectorMath.Softplus(s, r, isa);
        Assert.Equal(float.PositiveInfinity, r[0]);
        Assert.Equal(0f, r[1]);
        Assert.True(float.IsNaN(r[2]));
        Assert.Equal((float)Math.Log(2), r[3]);
        Assert.Equal((float)Math.Log(2), r[4]);
    }

    // ---- BCE with logits ----------------------------------------------------------------------------------------------

    private static (float[] X, float[] Y) BceInputs(int n, int seed)
    {
        var rng = new Random(seed);
        float[] x = With(Linspace(-110f, 110f, n), Specials.Where(float.IsFinite).ToArray());
        var y = new float[x.Length];
        for (int i = 0; i < y.Length; i++)
            y[i] = (i % 5) switch { 0 => 0f, 1 => 1f, _ => (float)rng.NextDouble() };
        return (x, y);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void BceWithLogitsAbsoluteErrorIsWithinBound(string path)
    {
        Isa isa = Enum.Parse<Isa>(path);
        var (x, t) = BceInputs(Sweep, 7);
        var e = new float[x.Length];
        VectorMath.BceWithLogits(x, t, e, isa);
        double worst = 0;
        int at = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double want = BceRef(x[i], t[i]);
            double err = Math.Abs(e[i] - want) / Math.Max(1, Math.Abs(want));
            if (!(err <= worst)) (worst, at) = (err, i);
        }
        output.WriteLine($"bce [{isa}]: max abs error / max(1,|e|) = {worst:E3} at x = {x[at]:R}, y = {t[at]:R}");
        Assert.True(worst <= 2e-7, $"bce [{isa}]: error {worst:E3} > 2e-7 at x = {x[at]:R}, y = {t[at]:R} (got {e[at]:R}, want {BceRef(x[at], t[at]):R})");

        float[] sx = [float.PositiveInfinity, float.NegativeInfinity, float.NaN, 1f, 0f];
        float[] sy = [0.5f, 0.5f, 0.5f, float.NaN, 1f];
        var se = new float[sx.Length];
        VectorMath.BceWithLogits(sx, sy, se, isa);
        Assert.True(float.IsNaN(se[0]));                      // ∞ − ∞: documented, the kernel is for finite logits
        Assert.Equal(float.PositiveInfinity, se[1]);
        Assert.True(float.IsNaN(se[2]));
        Assert.True(float.IsNaN(se[3]));
        Assert.Equal((float)Math.Log(2), se[4]);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void BceWithLogitsSumMatchesElementwiseSum(string path)
    {
        Isa isa = Enum.Parse<Isa>(path);
        foreach (int n in new[] { 0, 1, 15, 17, 1023, 1024, 1041, 200_704 })
        {
            var rng = new Random(n);
            var x = new float[n];
            var t = new float[n];
            for (int i = 0; i < n; i++)
            {
                x[i] = (float)(rng.NextDouble() * 20 - 10);
                t[i] = rng.Next(2);
            }
            var e = new float[n];
            VectorMath.BceWithLogits(x, t, e, isa);
            double exact = 0, ours = 0;
            for (int i = 0; i < n; i++) { exact += BceRef(x[i], t[i]); ours += e[i]; }
            float sum = VectorMath.BceWithLogitsSum(x, t, isa);
            double rel = Math.Abs(sum - exact) / Math.Max(1, Math.Abs(exact));
            output.WriteLine($"bce sum [{isa}] n = {n}: {sum:R} vs exact {exact:R} (relative error {rel:E2})");
            Assert.True(rel <= 2e-6, $"bce sum [{isa}] n = {n}: {sum:R} vs {exact:R}");
            Assert.True(Math.Abs(sum - ours) <= 2e-6 * Math.Max(1, Math.Abs(ours)), $"bce sum [{isa}] n = {n}: {sum:R} vs Σe {ours:R}");
        }
        Assert.Equal(0f, VectorMath.BceWithLogitsSum([], [], isa));
    }

    // ---- paths, tails, aliasing, validation -------------------------------------------------------------------------

    public static TheoryData<string> Kernels() => new() { "exp", "sigmoid", "softplus", "bce" };

    private static void RunNamed(string name, float[] x, float[] t, Span<float> y, Isa isa)
    {
        switch (name)
        {
            case "exp": VectorMath.Exp(x, y, isa); break;
            case "sigmoid": VectorMath.Sigmoid(x, y, isa); break;
            case "softplus": VectorMath.Softplus(x, y, isa); break;
            default: VectorMath.BceWithLogits(x, t, y, isa); break;
        }
    }

    private static (float[] X, float[] T) MixedInputs(int n, int seed)
    {
        var rng = new Random(seed);
        var x = new float[n];
        var t = new float[n];
        for (int i = 0; i < n; i++)
        {
            x[i] = i % 7 == 3 ? Specials[rng.Next(Specials.Length)] : (float)(rng.NextDouble() * 200 - 100) * (rng.Next(4) == 0 ? 1e-3f : 1f);
            if (i % 11 == 5) x[i] = Math.Abs(x[i]) * 1e-39f;   // denormals, positive and negative
            t[i] = (float)rng.NextDouble();
        }
        return (x, t);
    }

    private static void AssertBitEqual(ReadOnlySpan<float> want, ReadOnlySpan<float> got, string what)
    {
        Assert.Equal(want.Length, got.Length);
        for (int i = 0; i < want.Length; i++)
        {
            int a = BitConverter.SingleToInt32Bits(want[i]), b = BitConverter.SingleToInt32Bits(got[i]);
            if (a != b && !(float.IsNaN(want[i]) && float.IsNaN(got[i])))
                Assert.Fail($"{what}: element {i} differs: {want[i]:R} (0x{a:X8}) vs {got[i]:R} (0x{b:X8})");
        }
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void AllPathsAreBitIdentical(string name)
    {
        var (x, t) = MixedInputs(100_003, 42);
        var reference = new float[x.Length];
        RunNamed(name, x, t, reference, Isa.Scalar);
        foreach (Isa isa in AvailablePaths().Append(Isa.Auto))
        {
            var y = new float[x.Length];
            RunNamed(name, x, t, y, isa);
            AssertBitEqual(reference, y, $"{name} {isa} vs scalar");
        }
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void TailsMatchTheLongArrayPath(string name)
    {
        var (x, t) = MixedInputs(70, 9);
        foreach (Isa isa in AvailablePaths())
        {
            var full = new float[x.Length];
            RunNamed(name, x, t, full, isa);
            for (int offset = 0; offset <= 2; offset++)
            {
                for (int len = 0; len <= 67 && offset + len <= x.Length; len++)
                {
                    float[] xs = x[offset..(offset + len)], ts = t[offset..(offset + len)];
                    var y = new float[len + 3];
                    y.AsSpan().Fill(-12345f);
                    RunNamed(name, xs, ts, y, isa);
                    AssertBitEqual(full.AsSpan(offset, len), y.AsSpan(0, len), $"{name} {isa} offset {offset} length {len}");
                    Assert.All(y[len..], v => Assert.Equal(-12345f, v));   // nothing written past x.Length
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void InPlaceMatchesOutOfPlace(string name)
    {
        var (x, t) = MixedInputs(1_003, 5);
        foreach (Isa isa in AvailablePaths())
        {
            var want = new float[x.Length];
            RunNamed(name, x, t, want, isa);
            float[] buf = (float[])x.Clone();
            switch (name)
            {
                case "exp": VectorMath.Exp(buf, buf, isa); break;
                case "sigmoid": VectorMath.Sigmoid(buf, buf, isa); break;
                case "softplus": VectorMath.Softplus(buf, buf, isa); break;
                default:
                    VectorMath.BceWithLogits(buf, t, buf, isa);
                    float[] tb = (float[])t.Clone();
                    VectorMath.BceWithLogits(x, tb, tb, isa);
                    AssertBitEqual(want, tb, $"{name} {isa} in place over the targets");
                    break;
            }
            AssertBitEqual(want, buf, $"{name} {isa} in place");
        }
    }

    [Fact]
    public void RejectsShortDestinationsAndPartialOverlap()
    {
        var a = new float[32];
        Assert.Throws<ArgumentException>(() => VectorMath.Exp(a, new float[31]));
        Assert.Throws<ArgumentException>(() => VectorMath.Sigmoid(a.AsSpan(0, 16), a.AsSpan(1, 16)));
        Assert.Throws<ArgumentException>(() => VectorMath.BceWithLogits(a.AsSpan(0, 8), a.AsSpan(0, 9), new float[8]));
        Assert.Throws<ArgumentException>(() => VectorMath.BceWithLogits(a.AsSpan(0, 8), a.AsSpan(8, 8), a.AsSpan(4, 8)));
        Assert.Throws<ArgumentException>(() => VectorMath.BceWithLogitsSum(a.AsSpan(0, 8), a.AsSpan(0, 9)));
        VectorMath.Exp(a.AsSpan(0, 8), a.AsSpan(16, 8));   // disjoint views of one array are fine
        VectorMath.Exp(ReadOnlySpan<float>.Empty, Span<float>.Empty);
    }
}
