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

    public static void Check(string name, Func<Tensor[], Tensor> f, params Tensor[] inputs)
    {
        var rng = new Rng(12345);
        foreach (var x in inputs) { x.RequiresGrad = true; x.ClearGrad(); }
        var output = f(inputs);
        var w = Tensor.Zeros(output.ShapeToArray());
        var ws = w.Span;
        for (int i = 0; i < ws.Length; i++) ws[i] = (rng.NextFloat() < 0.5f ? -1f : 1f) * rng.Uniform(0.5f, 1.5f);
        double scale = Objective(output, w, abs: true);
        output.Backward(w);

        for (int t = 0; t < inputs.Length; t++)
        {
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
                double tol = 2e-5 * scale + 2e-3 * Math.Abs(numeric) + 1e-4;
                double err = Math.Abs(analytic[j] - numeric);
                Assert.True(err <= tol,
                    $"{name}: input {t} {x.ShapeString} element {j}: analytic {analytic[j]:G7} vs numeric {numeric:G7} (|diff| {err:G3} > tol {tol:G3})");
            }
        }
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
