using Bottleneck.Autograd;
using Bottleneck.Tensors;

namespace Bottleneck.Tests.Losses;

/// <summary>
/// Central-difference gradient check for losses. The checked objective is L = Σᵢ wᵢ·f(x)ᵢ with a random, non-uniform
/// upstream weight w (one random scalar for a reduced loss; a random tensor for <c>Reduction.None</c>), so a backward that
/// ignores or misplaces the upstream gradient fails as well as one with a wrong formula.
/// </summary>
/// <remarks>
/// <para>Numeric derivative: the 5-point stencil (−L(x+2h) + 8L(x+h) − 8L(x−h) + L(x−2h)) / 12h with h = 10⁻², on the float32
/// forward pass (L accumulated in double from the float32 outputs).</para>
/// <para>Tolerance |analytic − numeric| ≤ 5·10⁻⁵·S + 2·10⁻³·|numeric| + 5·10⁻⁵, with S = Σ|wᵢ·f(x)ᵢ|. Why: the truncation error
/// of the stencil is h⁴·L⁽⁵⁾/30 ≈ 3·10⁻¹⁰ for inputs of scale ~1 (negligible); the float32 forward pass carries a relative
/// round-off of a few units of 6·10⁻⁸ on each output, i.e. ≈ 3·10⁻⁷·S absolute on L, which the stencil amplifies by
/// (1 + 8 + 8 + 1)/12h = 150, giving ≈ 5·10⁻⁵·S. The relative term absorbs the remaining O(h⁴) curvature effects, and the small
/// absolute term covers outputs near zero. The gradients checked here are ≳ 10⁻², so a wrong factor (2× or ½×) or a dropped
/// term misses the bound by orders of magnitude; <c>LossGradientTests.CheckCatchesFactorOfTwo</c> proves it.</para>
/// <para>Inputs must keep the stencil (±2h) away from kinks (|x − y| = 0 for L1, |x − y| = δ for Huber) and from the domain edge
/// (p ∈ {0, 1} for BCE); the table in <c>LossGradientTests</c> draws them accordingly.</para>
/// </remarks>
internal static class LossGradCheck
{
    public const float H = 1e-2f;

    /// <summary>One element whose analytic and numeric derivatives disagree.</summary>
    public sealed record Failure(int Input, int Element, double Analytic, double Numeric, double Tolerance)
    {
        public override string ToString() =>
            $"input {Input} element {Element}: analytic {Analytic:G7} vs numeric {Numeric:G7} (|diff| {Math.Abs(Analytic - Numeric):G3} > tol {Tolerance:G3})";
    }

    /// <summary>
    /// Compares the backward pass of <paramref name="f"/> with central differences for every element of the inputs flagged in
    /// <paramref name="check"/> (all when null). Returns the disagreeing elements (empty = pass).
    /// </summary>
    public static List<Failure> Run(Func<Tensor[], Tensor> f, Tensor[] inputs, bool[]? check = null, ulong seed = 2024)
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
                double tol = 5e-5 * scale + 2e-3 * Math.Abs(numeric) + 5e-5;
                if (!(Math.Abs(analytic[j] - numeric) <= tol)) failures.Add(new Failure(t, j, analytic[j], numeric, tol));
            }
        }
        return failures;
    }

    /// <summary>Asserts that <see cref="Run"/> finds no disagreement.</summary>
    public static void Check(string name, Func<Tensor[], Tensor> f, Tensor[] inputs, bool[]? check = null)
    {
        var failures = Run(f, inputs, check);
        Assert.True(failures.Count == 0, $"{name}: {failures.Count} gradient mismatches, first: {failures.FirstOrDefault()}");
    }

    private static double Objective(Tensor y, Tensor w, bool abs)
    {
        var ys = y.Span; var ws = w.Span;
        double s = 0;
        for (int i = 0; i < ys.Length; i++) s += abs ? Math.Abs((double)ys[i] * ws[i]) : (double)ys[i] * ws[i];
        return s;
    }
}
