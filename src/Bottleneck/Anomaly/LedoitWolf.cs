using MathNet.Numerics.LinearAlgebra;

namespace Bottleneck.Anomaly;

/// <summary>
/// The Ledoit–Wolf shrinkage intensity (Ledoit &amp; Wolf, "A well-conditioned estimator for large-dimensional covariance
/// matrices", J. Multivariate Analysis 2004), computed as scikit-learn's <c>ledoit_wolf_shrinkage</c>; shared by the error
/// Gaussian of <see cref="ErrorGaussian"/> and the row distance of <see cref="RobustMahalanobis"/>.
/// </summary>
internal static class LedoitWolf
{
    /// <summary>
    /// α in [0, 1] for Σ = (1 − α)·S + α·m·I: with centred data X (N × D), S = XᵀX/N and m = tr S / D,
    /// δ = ‖S − m·I‖²_F / D, β = min(δ, (Σᵢ ‖xᵢ‖⁴ / N − ‖S‖²_F) / (D·N)), α = β/δ (0 when β ≤ 0 or δ ≤ 0, and for D = 1).
    /// </summary>
    /// <param name="centred">X, N × D, each column of mean 0.</param>
    /// <param name="empirical">S = XᵀX/N, D × D.</param>
    public static double Shrinkage(Matrix<double> centred, Matrix<double> empirical)
    {
        int n = centred.RowCount, d = centred.ColumnCount;
        if (d == 1) return 0;
        double trace = empirical.Trace(), mu = trace / d;
        double frob2 = 0;   // ‖S‖²_F (delta_ / N² in scikit-learn's notation)
        foreach (var v in empirical.Enumerate()) frob2 += v * v;
        double fourth = 0;  // Σᵢ ‖xᵢ‖⁴ (beta_)
        for (int i = 0; i < n; i++)
        {
            double r = 0;
            for (int j = 0; j < d; j++) r += centred[i, j] * centred[i, j];
            fourth += r * r;
        }
        double beta = (fourth / n - frob2) / ((double)d * n);
        double delta = (frob2 - 2 * mu * trace + d * mu * mu) / d;
        beta = Math.Min(beta, delta);
        return delta <= 0 || beta <= 0 ? 0 : beta / delta;
    }
}
