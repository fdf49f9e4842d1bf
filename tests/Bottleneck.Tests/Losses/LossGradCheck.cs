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
    public const float H = Autograd.GradCheck.H;

    /// <summary>
    /// <see cref="Autograd.GradCheck.Run"/> with the loss tolerance of the remarks (5·10⁻⁵·S + 2·10⁻³·|numeric| + 5·10⁻⁵).
    /// </summary>
    public static List<Autograd.GradCheck.Failure> Run(Func<Tensor[], Tensor> f, Tensor[] inputs, bool[]? check = null, ulong seed = 2024) =>
        Autograd.GradCheck.Run(f, inputs, check, seed, scaleTolerance: 5e-5, absoluteTolerance: 5e-5);

    /// <summary>Asserts that <see cref="Run"/> finds no disagreement.</summary>
    public static void Check(string name, Func<Tensor[], Tensor> f, Tensor[] inputs, bool[]? check = null)
    {
        var failures = Run(f, inputs, check);
        Assert.True(failures.Count == 0, $"{name}: {failures.Count} gradient mismatches, first: {failures.FirstOrDefault()}");
    }
}
