using MathNet.Numerics.LinearAlgebra;

namespace Bottleneck.Anomaly;

/// <summary>How the covariance Σ of an <see cref="ErrorGaussian"/> is estimated from the normal samples' error vectors.</summary>
public enum ErrorCovariance
{
    /// <summary>The full D×D covariance, shrunk towards a scaled identity by the Ledoit–Wolf (2004) formula:
    /// Σ = (1 − α)·S + α·(tr S / D)·I, with S the maximum-likelihood covariance and α chosen in closed form (scikit-learn's
    /// <c>LedoitWolf</c>). Captures errors that move together (neighbouring time steps, correlated channels).</summary>
    Full,
    /// <summary>The diagonal of S only: each element's error is normalised by its own training mean and standard deviation,
    /// d² = Σⱼ ((eⱼ − μⱼ)/σⱼ)².</summary>
    Diagonal,
}

/// <summary>
/// A Gaussian model of the reconstruction-error vectors of normal samples, e ~ N(μ, Σ), scored by the squared Mahalanobis distance
/// d²(e) = (e − μ)ᵀ Σ⁻¹ (e − μ): how unusual a sample's pattern of errors is, measured against the errors the model makes on normal
/// data, rather than how large its errors are. An element that is always hard to reconstruct (the ends of a window) weighs less, one
/// that is always easy weighs more, and errors that usually come together count once.
/// </summary>
/// <remarks>
/// Source: Malhotra, Ramakrishnan, Anand, Vig, Agarwal &amp; Shroff, "LSTM-based Encoder-Decoder for Multi-sensor Anomaly
/// Detection", ICML 2016 Anomaly Detection Workshop (arXiv:1607.00148), §2.2: μ and Σ are fitted on the absolute errors
/// |x − x̂| of held-out normal sequences and the anomaly score is the Mahalanobis distance. Their Σ is over the m sensors of one
/// time step; here e is any error vector of D elements (a whole window of T·F errors for sequence models, the D features of a
/// row for the others), and Σ is regularised by Ledoit &amp; Wolf, "A well-conditioned estimator for large-dimensional covariance
/// matrices", J. Multivariate Analysis 88 (2004), as scikit-learn 1.2's <c>sklearn.covariance.ledoit_wolf</c> computes it, so a
/// window of 64 errors can be modelled from a few dozen normal windows. A floor of <see cref="VarianceFloor"/>·(tr S / D) (and at
/// least 1e-12) is added to the diagonal so that Σ is invertible when every training error of an element is equal.
/// The linear algebra (Cholesky factorisation, inverse) is Math.NET Numerics'. Immutable after <see cref="Fit"/>; thread-safe.
/// </remarks>
public sealed class ErrorGaussian
{
    /// <summary>The relative floor added to Σ's diagonal: Σ ← Σ + max(1e-12, VarianceFloor·tr S / D)·I.</summary>
    public const double VarianceFloor = 1e-6;

    private readonly double[] _mean;
    private readonly double[] _precision;   // Σ⁻¹, D×D row-major (for Diagonal: only the D diagonal values)

    private ErrorGaussian(double[] mean, double[] covariance, double[] precision, ErrorCovariance kind, double shrinkage, int samples)
    {
        _mean = mean;
        Covariance = covariance;
        _precision = precision;
        Kind = kind;
        Shrinkage = shrinkage;
        Samples = samples;
    }

    /// <summary>D, the length of an error vector.</summary>
    public int Dimension => _mean.Length;

    /// <summary>μ, the mean error vector of the fitted samples (D).</summary>
    public ReadOnlySpan<double> Mean => _mean;

    /// <summary>Σ as used (shrunk and floored): D×D row-major for <see cref="ErrorCovariance.Full"/>, the D variances for
    /// <see cref="ErrorCovariance.Diagonal"/>.</summary>
    public IReadOnlyList<double> Covariance { get; }

    /// <summary>How Σ was estimated.</summary>
    public ErrorCovariance Kind { get; }

    /// <summary>α, the Ledoit–Wolf shrinkage in [0, 1] (0 for <see cref="ErrorCovariance.Diagonal"/> and for D = 1).</summary>
    public double Shrinkage { get; }

    /// <summary>N, the number of error vectors fitted.</summary>
    public int Samples { get; }

    /// <summary>
    /// Fits μ = (1/N)·Σᵢ eᵢ and Σ (the maximum-likelihood covariance S = (1/N)·Σᵢ (eᵢ − μ)(eᵢ − μ)ᵀ, shrunk for
    /// <see cref="ErrorCovariance.Full"/>, its diagonal for <see cref="ErrorCovariance.Diagonal"/>) to N error vectors.
    /// </summary>
    /// <param name="errors">N·D errors, sample-major (the error vectors of normal samples; Malhotra et al. use held-out ones).</param>
    /// <param name="dimension">D ≥ 1.</param>
    /// <param name="kind">Full (default) or diagonal covariance.</param>
    /// <returns>The fitted Gaussian.</returns>
    /// <exception cref="ArgumentException">D &lt; 1, the errors are not whole vectors, fewer than 2 vectors, or a value is NaN or infinite.</exception>
    public static ErrorGaussian Fit(ReadOnlySpan<float> errors, int dimension, ErrorCovariance kind = ErrorCovariance.Full)
    {
        if (dimension < 1) throw new ArgumentException($"the error dimension must be ≥ 1, got {dimension}", nameof(dimension));
        if (errors.Length % dimension != 0) throw new ArgumentException($"{errors.Length} errors are not whole vectors of {dimension}", nameof(errors));
        int n = errors.Length / dimension, d = dimension;
        if (n < 2) throw new ArgumentException($"fitting a Gaussian to reconstruction errors needs at least 2 samples, got {n}", nameof(errors));
        var mean = new double[d];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < d; j++)
            {
                float v = errors[i * d + j];
                if (!float.IsFinite(v)) throw new ArgumentException($"error {j} of sample {i} is {v}; a Gaussian needs finite errors", nameof(errors));
                mean[j] += v;
            }
        for (int j = 0; j < d; j++) mean[j] /= n;

        // X = centred errors (N × D); S = XᵀX / N
        var x = Matrix<double>.Build.Dense(n, d);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < d; j++) x[i, j] = errors[i * d + j] - mean[j];
        if (kind == ErrorCovariance.Diagonal)
        {
            var variance = new double[d];
            for (int j = 0; j < d; j++)
            {
                double s = 0;
                for (int i = 0; i < n; i++) s += x[i, j] * x[i, j];
                variance[j] = s / n;
            }
            double floor = Floor(variance.Sum() / d);
            var precision = new double[d];
            for (int j = 0; j < d; j++) { variance[j] += floor; precision[j] = 1 / variance[j]; }
            return new ErrorGaussian(mean, variance, precision, kind, 0, n);
        }
        var s2 = x.TransposeThisAndMultiply(x) / n;
        double mu = s2.Trace() / d;
        double alpha = LedoitWolf.Shrinkage(x, s2);
        var sigma = s2 * (1 - alpha);
        double add = alpha * mu + Floor(mu);
        for (int j = 0; j < d; j++) sigma[j, j] += add;
        var inverse = sigma.Cholesky().Solve(Matrix<double>.Build.DenseIdentity(d));
        var p = new double[d * d];
        for (int r = 0; r < d; r++)
            for (int c = 0; c < d; c++) p[r * d + c] = 0.5 * (inverse[r, c] + inverse[c, r]);   // exactly symmetric
        var cov = new double[d * d];
        for (int r = 0; r < d; r++)
            for (int c = 0; c < d; c++) cov[r * d + c] = sigma[r, c];
        return new ErrorGaussian(mean, cov, p, kind, alpha, n);
    }

    private static double Floor(double meanVariance) => Math.Max(1e-12, VarianceFloor * meanVariance);

    /// <summary>
    /// The squared Mahalanobis distance d² = (e − μ)ᵀ Σ⁻¹ (e − μ) of one error vector, and optionally each element's share
    /// cⱼ = (eⱼ − μⱼ)·[Σ⁻¹(e − μ)]ⱼ, which sum to d² (for the diagonal covariance cⱼ = ((eⱼ − μⱼ)/σⱼ)² ≥ 0; for the full one a share
    /// can be negative when an element's error is explained by its neighbours').
    /// </summary>
    /// <param name="error">D errors.</param>
    /// <param name="contributions">Empty (default), or D values receiving cⱼ.</param>
    /// <returns>d², dimensionless (≥ 0).</returns>
    /// <exception cref="ArgumentException">A length differs from D.</exception>
    public double Score(ReadOnlySpan<float> error, Span<float> contributions = default)
    {
        int d = Dimension;
        if (error.Length != d) throw new ArgumentException($"an error vector of {error.Length} values, the Gaussian was fitted on {d}", nameof(error));
        if (!contributions.IsEmpty && contributions.Length != d) throw new ArgumentException($"{contributions.Length} contributions for {d} errors", nameof(contributions));
        Span<double> delta = d <= 512 ? stackalloc double[d] : new double[d];
        for (int j = 0; j < d; j++) delta[j] = error[j] - _mean[j];
        double total = 0;
        for (int r = 0; r < d; r++)
        {
            double v;
            if (Kind == ErrorCovariance.Diagonal) v = _precision[r] * delta[r];
            else
            {
                v = 0;
                var row = _precision.AsSpan(r * d, d);
                for (int c = 0; c < d; c++) v += row[c] * delta[c];
            }
            double share = delta[r] * v;
            total += share;
            if (!contributions.IsEmpty) contributions[r] = (float)share;
        }
        return Math.Max(0, total);
    }

    /// <summary>Scores N error vectors: scores[i] = d²(eᵢ), and optionally the N·D shares cᵢⱼ (see <see cref="Score(ReadOnlySpan{float}, Span{float})"/>).</summary>
    /// <param name="errors">N·D errors, sample-major.</param>
    /// <param name="scores">Receives N distances.</param>
    /// <param name="contributions">Empty (default), or N·D values.</param>
    /// <exception cref="ArgumentException">The lengths do not fit.</exception>
    public void Score(ReadOnlySpan<float> errors, Span<float> scores, Span<float> contributions = default)
    {
        int d = Dimension;
        if (errors.Length % d != 0) throw new ArgumentException($"{errors.Length} errors are not whole vectors of {d}", nameof(errors));
        int n = errors.Length / d;
        if (scores.Length < n) throw new ArgumentException($"scores has room for {scores.Length} samples, {n} are needed", nameof(scores));
        if (!contributions.IsEmpty && contributions.Length < errors.Length) throw new ArgumentException($"contributions has {contributions.Length} values, {errors.Length} are needed", nameof(contributions));
        for (int i = 0; i < n; i++)
            scores[i] = (float)Score(errors.Slice(i * d, d), contributions.IsEmpty ? default : contributions.Slice(i * d, d));
    }
}
