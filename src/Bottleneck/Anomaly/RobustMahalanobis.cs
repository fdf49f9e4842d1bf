using MathNet.Numerics.Distributions;
using MathNet.Numerics.LinearAlgebra;

namespace Bottleneck.Anomaly;

/// <summary>
/// A robust Mahalanobis distance: d²(x) = (x − μ)ᵀ Σ⁻¹ (x − μ), with μ and Σ estimated from the bulk of the training rows so the
/// anomalies mixed into them do not mask themselves. Σ is the Ledoit–Wolf shrinkage estimate (well conditioned even with more
/// features than rows); the bulk is found by the concentration steps of FastMCD from the full sample, then the MCD reweighting step.
/// </summary>
/// <remarks>
/// <para>Fit: start with every row; <see cref="ConcentrationSteps"/> times, estimate (μ, Σ) on the current rows and keep the
/// h = ⌈<see cref="SupportFraction"/>·N⌉ rows of smallest d² (a C-step: it never increases the determinant, Rousseeuw &amp; Van
/// Driessen, "A fast algorithm for the minimum covariance determinant estimator", Technometrics 1999); then rescale d² by
/// χ²_D(0.5)/median d² (consistency) and re-estimate on the rows with rescaled d² ≤ χ²_D(0.975) (the MCD reweighting step).
/// Unlike FastMCD there is one start (the full sample), not many random subsets, so it is cheap and deterministic.</para>
/// <para>Shrinkage: Σ = (1 − s)·S + s·(tr S / D)·I with S the empirical covariance and s the Ledoit–Wolf estimate ("A well-conditioned
/// estimator for large-dimensional covariance matrices", J. Multivariate Analysis 2004), the formula of scikit-learn's
/// <c>ledoit_wolf</c>; a ridge of 10⁻⁶·max(tr S / D, 1) keeps constant features invertible.</para>
/// <para>Shape: rows (N, D), row-major, D ≥ 1. Cost O(N·D² + D³) per step.</para>
/// </remarks>
public sealed class RobustMahalanobis
{
    /// <summary>Share of the rows kept by each concentration step: 0.75 (a common MCD support fraction, between the breakdown-optimal
    /// (N + D + 1)/2 and all rows).</summary>
    public const double SupportFraction = 0.75;

    /// <summary>Number of concentration steps: 3.</summary>
    public const int ConcentrationSteps = 3;

    private readonly double[] _mean;
    private readonly double[] _precision;

    private RobustMahalanobis(double[] mean, double[] precision) { _mean = mean; _precision = precision; }

    /// <summary>Creates the distance from saved estimates.</summary>
    /// <param name="mean">μ (D).</param>
    /// <param name="precision">Σ⁻¹, row-major (D·D).</param>
    /// <exception cref="ArgumentException">The lengths disagree.</exception>
    public static RobustMahalanobis FromState(double[] mean, double[] precision)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(precision);
        if (mean.Length == 0 || precision.Length != mean.Length * mean.Length)
            throw new ArgumentException($"Mahalanobis state: mean has {mean.Length} values, precision {precision.Length}; expected D and D·D with D ≥ 1");
        return new RobustMahalanobis((double[])mean.Clone(), (double[])precision.Clone());
    }

    /// <summary>D, the number of features.</summary>
    public int Features => _mean.Length;

    /// <summary>μ (D), a copy.</summary>
    public double[] Mean => (double[])_mean.Clone();

    /// <summary>Σ⁻¹ row-major (D·D), a copy.</summary>
    public double[] Precision => (double[])_precision.Clone();

    /// <summary>Fits μ and Σ on <paramref name="rows"/> (see remarks).</summary>
    /// <param name="rows">Training rows, row-major (N·D), preprocessed as at scoring time.</param>
    /// <param name="features">D ≥ 1.</param>
    /// <exception cref="ArgumentException">N &lt; 2, a length that is not a multiple of D, or a value that is not finite.</exception>
    public static RobustMahalanobis Fit(ReadOnlySpan<float> rows, int features)
    {
        if (features < 1) throw new ArgumentOutOfRangeException(nameof(features), features, "features must be ≥ 1");
        if (rows.Length % features != 0) throw new ArgumentException($"{rows.Length} values are not a whole number of rows of {features} features");
        int n = rows.Length / features;
        if (n < 2) throw new ArgumentException($"the Mahalanobis distance needs at least 2 training rows, got {n}");
        foreach (var v in rows) if (!float.IsFinite(v)) throw new ArgumentException($"a training value is {v}; the Mahalanobis distance needs finite values");
        var x = Matrix<double>.Build.Dense(n, features);
        for (int i = 0; i < n; i++) for (int j = 0; j < features; j++) x[i, j] = rows[i * features + j];
        var subset = Enumerable.Range(0, n).ToArray();
        int h = Math.Max(2, (int)Math.Ceiling(SupportFraction * n));
        var est = Estimate(x, subset);
        var d2 = new double[n];
        for (int step = 0; step < ConcentrationSteps; step++)
        {
            est.Distances(x, d2);
            subset = Enumerable.Range(0, n).OrderBy(i => d2[i]).ThenBy(i => i).Take(h).Order().ToArray();
            est = Estimate(x, subset);
        }
        est.Distances(x, d2);
        var sorted = (double[])d2.Clone();
        Array.Sort(sorted);
        double median = n % 2 == 1 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
        double scale = median > 0 ? ChiSquared.InvCDF(features, 0.5) / median : 1;
        double cut = ChiSquared.InvCDF(features, 0.975);
        var kept = Enumerable.Range(0, n).Where(i => d2[i] * scale <= cut).ToArray();
        if (kept.Length >= 2) est = Estimate(x, kept);
        return est;
    }

    /// <summary>d²(x) of each row: (x − μ)ᵀ Σ⁻¹ (x − μ).</summary>
    /// <param name="rows">Rows, row-major (N·D).</param>
    /// <param name="output">Receives N squared distances.</param>
    /// <exception cref="ArgumentException">The lengths do not fit D.</exception>
    public void Score(ReadOnlySpan<float> rows, Span<float> output)
    {
        int d = _mean.Length;
        if (rows.Length != output.Length * d) throw new ArgumentException($"{rows.Length} values are not {output.Length} rows of {d} features");
        var c = new double[d];
        for (int i = 0; i < output.Length; i++)
        {
            for (int j = 0; j < d; j++) c[j] = rows[i * d + j] - _mean[j];
            output[i] = (float)Quadratic(c);
        }
    }

    private double Quadratic(double[] c)
    {
        int d = c.Length;
        double s = 0;
        for (int j = 0; j < d; j++)
        {
            double r = 0;
            int o = j * d;
            for (int k = 0; k < d; k++) r += _precision[o + k] * c[k];
            s += c[j] * r;
        }
        return s;
    }

    private void Distances(Matrix<double> x, double[] d2)
    {
        int d = _mean.Length;
        var c = new double[d];
        for (int i = 0; i < x.RowCount; i++)
        {
            for (int j = 0; j < d; j++) c[j] = x[i, j] - _mean[j];
            d2[i] = Quadratic(c);
        }
    }

    /// <summary>
    /// The Ledoit–Wolf shrunk covariance of the rows: Σ = (1 − s)·S + s·(tr S / D)·I with S = (1/N)·Σᵢ (xᵢ − x̄)(xᵢ − x̄)ᵀ and the
    /// shrinkage s of scikit-learn's <c>ledoit_wolf</c> (Ledoit &amp; Wolf, J. Multivariate Analysis 2004), without the ridge that
    /// <see cref="Fit"/> adds.
    /// </summary>
    /// <param name="rows">Rows, row-major (N·D), N ≥ 1.</param>
    /// <param name="features">D ≥ 1.</param>
    /// <returns>x̄ (D), Σ row-major (D·D) and s in [0, 1].</returns>
    /// <exception cref="ArgumentException">No rows, or a length that is not a multiple of D.</exception>
    public static (double[] Mean, double[] Covariance, double Shrinkage) LedoitWolf(ReadOnlySpan<float> rows, int features)
    {
        if (features < 1) throw new ArgumentOutOfRangeException(nameof(features), features, "features must be ≥ 1");
        if (rows.Length == 0 || rows.Length % features != 0) throw new ArgumentException($"{rows.Length} values are not one or more rows of {features} features");
        int n = rows.Length / features;
        var x = Matrix<double>.Build.Dense(n, features);
        for (int i = 0; i < n; i++) for (int j = 0; j < features; j++) x[i, j] = rows[i * features + j];
        var (mean, cov, s) = LedoitWolf(x, Enumerable.Range(0, n).ToArray());
        var flat = new double[features * features];
        for (int i = 0; i < features; i++) for (int j = 0; j < features; j++) flat[i * features + j] = cov[i, j];
        return (mean, flat, s);
    }

    private static (double[] Mean, Matrix<double> Covariance, double Shrinkage) LedoitWolf(Matrix<double> x, int[] subset)
    {
        int m = subset.Length, p = x.ColumnCount;
        var mean = new double[p];
        foreach (int i in subset) for (int j = 0; j < p; j++) mean[j] += x[i, j];
        for (int j = 0; j < p; j++) mean[j] /= m;
        var xc = Matrix<double>.Build.Dense(m, p, (r, j) => x[subset[r], j] - mean[j]);
        var emp = xc.TransposeThisAndMultiply(xc) / m;
        double mu = emp.Trace() / p;
        double s = Anomaly.LedoitWolf.Shrinkage(xc, emp);
        var cov = emp * (1 - s);
        for (int j = 0; j < p; j++) cov[j, j] += s * mu;
        return (mean, cov, s);
    }

    /// <summary>Mean and Ledoit–Wolf covariance of the rows <paramref name="subset"/> with a ridge of 10⁻⁶·max(tr/D, 1), inverted.</summary>
    private static RobustMahalanobis Estimate(Matrix<double> x, int[] subset)
    {
        int p = x.ColumnCount;
        var (mean, cov, _) = LedoitWolf(x, subset);
        double ridge = 1e-6 * Math.Max(cov.Trace() / p, 1);
        for (int j = 0; j < p; j++) cov[j, j] += ridge;
        var precision = cov.Cholesky().Solve(Matrix<double>.Build.DenseIdentity(p));
        var flat = new double[p * p];
        for (int i = 0; i < p; i++) for (int j = 0; j < p; j++) flat[i * p + j] = precision[i, j];
        return new RobustMahalanobis(mean, flat);
    }
}
