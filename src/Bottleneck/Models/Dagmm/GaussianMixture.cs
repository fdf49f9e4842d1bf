using Bottleneck.Tensors;

namespace Bottleneck.Models.Dagmm;

/// <summary>
/// The differentiable Gaussian-mixture estimates of DAGMM (Zong et al., ICLR 2018, section 3.3), composed from engine ops (so
/// their gradients are the ops' and are gradient-checked): the mixture parameters from soft memberships, the sample energy and
/// the covariance penalty.
/// </summary>
/// <remarks>Shape legend: N samples, K components, d the mixture input width (latentDim + 2 in DAGMM).</remarks>
public static class GaussianMixture
{
    /// <summary>
    /// The mixture parameters from soft memberships γ: φₖ = (1/N) Σᵢ γᵢₖ, μₖ = Σᵢ γᵢₖ zᵢ / Σᵢ γᵢₖ,
    /// Σₖ = Σᵢ γᵢₖ (zᵢ − μₖ)(zᵢ − μₖ)ᵀ / Σᵢ γᵢₖ.
    /// </summary>
    /// <param name="z">Samples (N, d).</param>
    /// <param name="gamma">Memberships (N, K), each row a probability vector (the estimation network's softmax).</param>
    /// <returns>φ (K), μ (K, d), Σ (K, d, d).</returns>
    /// <exception cref="ShapeException">z or γ is not 2-D or their N differ.</exception>
    public static (Tensor Phi, Tensor Mu, Tensor Covariance) Parameters(Tensor z, Tensor gamma)
    {
        ArgumentNullException.ThrowIfNull(z);
        ArgumentNullException.ThrowIfNull(gamma);
        if (z.Rank != 2 || gamma.Rank != 2 || z.Dim(0) != gamma.Dim(0))
            throw new ShapeException($"mixture parameters need z (N, d) and memberships (N, K) of the same N, got {z.ShapeString} and {gamma.ShapeString}");
        int n = z.Dim(0), d = z.Dim(1), k = gamma.Dim(1);
        var weight = gamma.Sum(0);                                             // (K) Σᵢ γᵢₖ
        var phi = weight.MulScalar(1f / n);
        var mu = gamma.Transpose().MatMul(z) / weight.Reshape(k, 1);           // (K, d)
        var diff = z.Reshape(n, 1, d) - mu.Reshape(1, k, d);                  // (N, K, d)
        var weighted = gamma.Reshape(n, k, 1) * diff;                          // (N, K, d)
        var cov = weighted.Permute(1, 2, 0).MatMul(diff.Permute(1, 0, 2))     // (K, d, N)·(K, N, d) = (K, d, d)
            / weight.Reshape(k, 1, 1);
        return (phi, mu, cov);
    }

    /// <summary>
    /// The sample energy E(z) = −ln Σₖ φₖ · exp(−½ (z − μₖ)ᵀ Σ̃ₖ⁻¹ (z − μₖ)) / √|2π Σ̃ₖ| with Σ̃ₖ = Σₖ + ε·I, in nats, computed as
    /// −logsumexp over k of [ln φₖ − ½ Mahalanobis² − ½ (d ln 2π + ln det Σ̃ₖ)].
    /// </summary>
    /// <param name="z">Samples (N, d).</param>
    /// <param name="phi">Mixture weights (K), positive.</param>
    /// <param name="mu">Means (K, d).</param>
    /// <param name="covariance">Covariances (K, d, d).</param>
    /// <param name="eps">ε &gt; 0 added to each covariance's diagonal.</param>
    /// <returns>E per sample (N).</returns>
    /// <exception cref="ShapeException">The shapes do not agree.</exception>
    public static Tensor Energy(Tensor z, Tensor phi, Tensor mu, Tensor covariance, float eps)
    {
        ArgumentNullException.ThrowIfNull(z);
        int n = z.Dim(0), d = z.Dim(1), k = phi.Dim(0);
        if (mu.Rank != 2 || mu.Dim(0) != k || mu.Dim(1) != d || covariance.Rank != 3 || covariance.Dim(0) != k || covariance.Dim(1) != d || covariance.Dim(2) != d)
            throw new ShapeException($"energy: z {z.ShapeString}, phi {phi.ShapeString}, mu {mu.ShapeString}, covariance {covariance.ShapeString} do not agree on (N, d), (K), (K, d), (K, d, d)");
        var reg = Regularised(covariance, eps);
        var inverse = reg.Inverse();                                           // (K, d, d)
        var logDet = reg.LogDet();                                             // (K)
        var diff = z.Reshape(n, 1, d) - mu.Reshape(1, k, d);                  // (N, K, d)
        var projected = (diff.Reshape(n, k, d, 1) * inverse.Reshape(1, k, d, d)).Sum(2);   // (N, K, d): Σᵢ diffᵢ·Σ⁻¹ᵢⱼ
        var mahalanobis = (projected * diff).Sum(2);                           // (N, K)
        var logNorm = logDet.AddScalar(d * MathF.Log(2 * MathF.PI)).MulScalar(-0.5f);   // (K)
        var logp = phi.Log() + logNorm - mahalanobis.MulScalar(0.5f);          // (N, K)
        var max = logp.Max(1, keepDim: true);
        var lse = (logp - max).Exp().Sum(1).Log() + max.Reshape(n);
        return -lse;
    }

    /// <summary>The penalty P(Σ) = Σₖ Σⱼ 1/Σ̃ₖ,ⱼⱼ on the regularised covariances Σ̃ₖ = Σₖ + ε·I (it keeps a variance from collapsing
    /// to 0, the singularity of a mixture's likelihood), 0-d.</summary>
    /// <param name="covariance">Covariances (K, d, d).</param>
    /// <param name="eps">ε added to the diagonal.</param>
    public static Tensor CovariancePenalty(Tensor covariance, float eps)
    {
        ArgumentNullException.ThrowIfNull(covariance);
        int d = covariance.Dim(1);
        var eye = Eye(d);
        var diagonal = (Regularised(covariance, eps) * eye).Sum(2);            // (K, d)
        return diagonal.Pow(-1f).Sum();
    }

    private static Tensor Regularised(Tensor covariance, float eps) => covariance + Eye(covariance.Dim(1)).MulScalar(eps);

    private static Tensor Eye(int d)
    {
        var eye = Tensor.Zeros(d, d);
        for (int i = 0; i < d; i++) eye.Span[i * d + i] = 1f;
        return eye;
    }
}
