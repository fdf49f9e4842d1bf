using Bottleneck.Tensors;

namespace Bottleneck.Models;

/// <summary>The kernel of an MMD penalty.</summary>
public enum MmdKernel
{
    /// <summary>Gaussian RBF k(x, y) = exp(−‖x − y‖² / C) with C = 2·latentDim (the prior's variance 1 times 2k).</summary>
    Rbf,
    /// <summary>Inverse multiquadric k(x, y) = Σ_s C_s / (C_s + ‖x − y‖²) over C_s = s·2·latentDim, s ∈ {0.1, 0.2, 0.5, 1, 2, 5, 10}
    /// (Tolstikhin et al. 2018, as in their code).</summary>
    Imq,
}

/// <summary>
/// The maximum mean discrepancy between the codes of a batch and as many samples of the prior N(0, I), unbiased estimator
/// (Gretton et al. 2012): MMD² = 1/(n(n−1)) Σ_{i≠j} [k(z_i, z_j) + k(p_i, p_j)] − 2/n² Σ_{i,j} k(z_i, p_j), times
/// <paramref name="Weight"/>. The penalty of InfoVAE (Zhao et al. 2017) and WAE-MMD (Tolstikhin et al. 2018). Shapes: z (n, k).
/// Prior samples come from the step's noise (training) or a fixed generator (evaluation), so the value is reproducible.
/// </summary>
/// <param name="Weight">λ ≥ 0.</param>
/// <param name="Kernel">The kernel.</param>
public sealed record MmdPenalty(float Weight, MmdKernel Kernel) : Regularizer
{
    private static readonly float[] ImqScales = [0.1f, 0.2f, 0.5f, 1f, 2f, 5f, 10f];

    /// <inheritdoc/>
    public override string TermName => VariationalTerms.Mmd;

    /// <inheritdoc/>
    public override Tensor Penalty(RegularizerInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var z = input.Latent;
        var rng = input.Noise ?? new Rng(0x4D4D44);
        var prior = Tensor.RandN(rng, z.ShapeArray);
        return Estimate(z, prior, Kernel) * Weight;
    }

    /// <summary>The unbiased MMD² estimate between samples <paramref name="x"/> and <paramref name="y"/>, each (n, k), n ≥ 2; differentiable.</summary>
    /// <param name="x">First sample.</param>
    /// <param name="y">Second sample, same shape.</param>
    /// <param name="kernel">The kernel.</param>
    /// <exception cref="ShapeException">The shapes differ, are not (n, k), or n &lt; 2.</exception>
    public static Tensor Estimate(Tensor x, Tensor y, MmdKernel kernel)
    {
        if (x.Rank != 2 || !ShapeUtil.SameShape(x.ShapeArray, y.ShapeArray) || x.Dim(0) < 2)
            throw new ShapeException($"MMD needs two samples of the same shape (n, k) with n ≥ 2, got {x.ShapeString} and {y.ShapeString}");
        int n = x.Dim(0), k = x.Dim(1);
        float c = 2f * k;
        float off = 1f / (n * (n - 1f));
        float scales = kernel == MmdKernel.Imq ? ImqScales.Length : 1f;
        // Σ_{i≠j} k(x_i, x_j) = Σ_{i,j} − n·k(x, x), and k(x, x) = 1 per scale.
        var kxx = (Gram(x, x, kernel, c).Sum() - n * scales) * off;
        var kyy = (Gram(y, y, kernel, c).Sum() - n * scales) * off;
        var kxy = Gram(x, y, kernel, c).Sum() * (2f / ((float)n * n));
        return kxx + kyy - kxy;
    }

    private static Tensor Gram(Tensor a, Tensor b, MmdKernel kernel, float c)
    {
        int n = a.Dim(0), m = b.Dim(0), k = a.Dim(1);
        var d = a.Reshape(n, 1, k) - b.Reshape(1, m, k);
        var sq = (d * d).Sum(2);                                        // ‖a_i − b_j‖², exact 0 on a diagonal
        if (kernel == MmdKernel.Rbf) return (sq * (-1f / c)).Exp();
        Tensor? sum = null;
        foreach (float s in ImqScales)
        {
            float cs = s * c;
            var term = (sq + cs).Pow(-1f) * cs;
            sum = sum is null ? term : sum + term;
        }
        return sum!;
    }

    /// <inheritdoc/>
    public override string Describe() => $"mmd {Kernel.ToString().ToLowerInvariant()} λ={Weight.ToString("G6", System.Globalization.CultureInfo.InvariantCulture)}";
}
