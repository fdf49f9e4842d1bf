using Bottleneck.Autograd;
using Bottleneck.Tensors;

namespace Bottleneck.Tests.Autograd;

/// <summary>
/// Central-difference gradient check. The objective is L = Σ f(x)·w with a random, non-uniform upstream weight w
/// (so a backward that ignores the upstream gradient, or mixes up elements, fails), evaluated in double precision
/// from float32 forward outputs.
/// </summary>
/// <remarks>
/// How the tolerance was chosen. The numeric derivative uses the 5-point stencil
/// (−L(x+2h) + 8L(x+h) − 8L(x−h) + L(x−2h)) / 12h whose truncation error is h⁴·f⁽⁵⁾/30 ≈ 3·10⁻¹⁰ at h = 10⁻²;
/// the float32 round-off in L is about 6·10⁻⁸·Σ|f·w| and is amplified by 18/12h, giving ≈ 10⁻⁵·Σ|f·w| absolute.
/// So we accept |analytic − numeric| ≤ 2·10⁻⁵·Σ|f·w| + 2·10⁻³·|numeric| + 10⁻⁴. A wrong factor (2×, ½×) or a missing
/// term moves the gradient by O(|gradient|), far above that bound; inputs are drawn away from kinks (|x| ≥ 0.1 where
/// an op has one), so the stencil never straddles a non-differentiable point.
/// </remarks>
public static class GradCheck
{
    public const float H = 1e-2f;

    /// <summary>One element whose analytic and numeric derivatives disagree.</summary>
    public sealed record Failure(int Input, int Element, double Analytic, double Numeric, double Tolerance)
    {
        public override string ToString() =>
            $"input {Input} element {Element}: analytic {Analytic:G7} vs numeric {Numeric:G7} (|diff| {Math.Abs(Analytic - Numeric):G3} > tol {Tolerance:G3})";
    }

    /// <summary>Asserts that every input's analytic gradient matches central differences (the tolerance of the remarks).</summary>
    public static void Check(string name, Func<Tensor[], Tensor> f, params Tensor[] inputs)
    {
        var failures = Run(f, inputs);
        Assert.True(failures.Count == 0, $"{name}: {failures.Count} gradient mismatches, first: {failures.FirstOrDefault()}");
    }

    /// <summary>
    /// Compares the backward pass of <paramref name="f"/> with the 5-point stencil for every element of the inputs flagged in
    /// <paramref name="check"/> (all when null); accepts |analytic − numeric| ≤ <paramref name="scaleTolerance"/>·Σ|f·w| +
    /// 2·10⁻³·|numeric| + <paramref name="absoluteTolerance"/>. Returns the disagreeing elements (empty = pass).
    /// </summary>
    public static List<Failure> Run(Func<Tensor[], Tensor> f, Tensor[] inputs, bool[]? check = null, ulong seed = 12345,
        double scaleTolerance = 2e-5, double absoluteTolerance = 1e-4)
    {
        check ??= Enumerable.Repeat(true, inputs.Length).ToArray();
        var rng = new Rng(seed);
        for (int t = 0; t < inputs.Length; t++) { inputs[t].RequiresGrad = check[t]; inputs[t].ClearGrad(); }
        var output = f(inputs);
        var w = Tensor.Zeros(output.ShapeToArray());
        var ws = w.Span;
        for (int i = 0; i < ws.Length; i++) ws[i] = (rng.NextFloat() < 0.5f ? -1f : 1f) * rng.Uniform(0.5f, 1.5f);
        double scale = Objective(output, w, abs: true);
        output.Backward(w);

        var failures = new List<Failure>();
        for (int t = 0; t < inputs.Length; t++)
        {
            if (!check[t]) continue;
            var x = inputs[t];
            var analytic = x.Grad?.ToArray() ?? new float[x.Length];
            for (int j = 0; j < x.Length; j++)
            {
                float orig = x.Span[j];
                double Eval(float delta)
                {
                    x.Span[j] = orig + delta;
                    using (GradMode.NoGrad()) return Objective(f(inputs), w, abs: false);
                }
                double lp2 = Eval(2 * H), lp1 = Eval(H), lm1 = Eval(-H), lm2 = Eval(-2 * H);
                x.Span[j] = orig;
                double numeric = (-lp2 + 8 * lp1 - 8 * lm1 + lm2) / (12.0 * H);
                double tol = scaleTolerance * scale + 2e-3 * Math.Abs(numeric) + absoluteTolerance;
                if (!(Math.Abs(analytic[j] - numeric) <= tol)) failures.Add(new Failure(t, j, analytic[j], numeric, tol));
            }
        }
        return failures;
    }

    private static double Objective(Tensor y, Tensor w, bool abs)
    {
        var ys = y.Span; var ws = w.Span;
        double s = 0;
        for (int i = 0; i < ys.Length; i++) s += abs ? Math.Abs((double)ys[i] * ws[i]) : (double)ys[i] * ws[i];
        return s;
    }

    /// <summary>Random tensor from U(lo, hi) with |x| ≥ <paramref name="awayFromZero"/> (keeps kinks out of the stencil).</summary>
    public static Tensor Rand(Rng rng, int[] shape, float lo = -2f, float hi = 2f, float awayFromZero = 0f)
    {
        var t = Tensor.Zeros(shape);
        var s = t.Span;
        for (int i = 0; i < s.Length; i++)
        {
            float v;
            do { v = rng.Uniform(lo, hi); } while (MathF.Abs(v) < awayFromZero);
            s[i] = v;
        }
        return t;
    }
}
