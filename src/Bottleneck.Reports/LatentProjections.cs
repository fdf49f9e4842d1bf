using MathNet.Numerics.LinearAlgebra;

namespace Bottleneck.Reports;

/// <summary>
/// Projects codes to a 2-D map: codes (N, K) row-major → points (N, 2) row-major. The seam through which the report gets its
/// latent map; <see cref="LatentProjections.Pca"/> is the default, and a t-SNE projection plugs in with the same signature.
/// </summary>
/// <param name="codes">Codes, (N, K) row-major.</param>
/// <param name="rows">N ≥ 1.</param>
/// <param name="dim">K ≥ 1.</param>
/// <returns>The 2-D points, (N, 2) row-major.</returns>
public delegate double[] LatentProjection(float[] codes, int rows, int dim);

/// <summary>A named projection for the report: its function and the name of its axes ("PC" gives "PC 1", "PC 2").</summary>
/// <param name="Name">Shown in captions, e.g. "PCA".</param>
/// <param name="AxisName">Axis prefix.</param>
/// <param name="Project">The projection.</param>
public sealed record NamedProjection(string Name, string AxisName, LatentProjection Project)
{
    /// <summary>PCA to the first two principal components (<see cref="LatentProjections.Pca"/>).</summary>
    public static NamedProjection Pca { get; } = new("PCA", "PC", LatentProjections.Pca);
}

/// <summary>Projections of codes to 2-D for latent maps.</summary>
public static class LatentProjections
{
    /// <summary>
    /// PCA: y = (z − μ)·[v₁ v₂], v₁, v₂ the eigenvectors of the covariance Σ = (Z − μ)ᵀ(Z − μ)/(N − 1) with the two largest
    /// eigenvalues (Math.NET's symmetric eigendecomposition, O(N·K² + K³)); each vector's sign is fixed so that its entry of
    /// largest magnitude is positive, so the map is deterministic. A code of one dimension gives a second coordinate of 0.
    /// </summary>
    /// <param name="codes">Codes, (N, K) row-major.</param>
    /// <param name="rows">N ≥ 1.</param>
    /// <param name="dim">K ≥ 1.</param>
    /// <returns>(N, 2) row-major, in code units.</returns>
    /// <exception cref="ArgumentException">codes.Length ≠ N·K, N or K below 1, or a non-finite code.</exception>
    public static double[] Pca(float[] codes, int rows, int dim)
    {
        ArgumentNullException.ThrowIfNull(codes);
        if (rows < 1 || dim < 1 || codes.Length != (long)rows * dim)
            throw new ArgumentException($"codes must be (N, K) with N, K ≥ 1: {codes.Length} values for ({rows}, {dim})");
        var mean = new double[dim];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < dim; j++)
            {
                float v = codes[i * dim + j];
                if (!float.IsFinite(v)) throw new ArgumentException($"code of row {i}, unit {j} is {v}; a projection needs finite codes");
                mean[j] += v;
            }
        for (int j = 0; j < dim; j++) mean[j] /= rows;
        var cov = new double[dim, dim];
        var centred = new double[dim];
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < dim; j++) centred[j] = codes[i * dim + j] - mean[j];
            for (int a = 0; a < dim; a++)
            {
                double ca = centred[a];
                for (int b = a; b < dim; b++) cov[a, b] += ca * centred[b];
            }
        }
        double denom = Math.Max(1, rows - 1);
        for (int a = 0; a < dim; a++)
            for (int b = a; b < dim; b++) { cov[a, b] /= denom; cov[b, a] = cov[a, b]; }
        var evd = Matrix<double>.Build.DenseOfArray(cov).Evd(MathNet.Numerics.LinearAlgebra.Symmetricity.Symmetric);
        // Math.NET returns the eigenvalues of a symmetric matrix in ascending order.
        var order = Enumerable.Range(0, dim).OrderByDescending(i => evd.EigenValues[i].Real).ToArray();
        var axes = new double[2][];
        for (int c = 0; c < 2; c++)
        {
            axes[c] = new double[dim];
            if (c >= dim) continue;
            var v = evd.EigenVectors.Column(order[c]).ToArray();
            int big = 0;
            for (int j = 1; j < dim; j++) if (Math.Abs(v[j]) > Math.Abs(v[big])) big = j;
            double sign = v[big] < 0 ? -1 : 1;
            for (int j = 0; j < dim; j++) axes[c][j] = sign * v[j];
        }
        var points = new double[rows * 2];
        for (int i = 0; i < rows; i++)
            for (int c = 0; c < 2; c++)
            {
                double s = 0;
                for (int j = 0; j < dim; j++) s += (codes[i * dim + j] - mean[j]) * axes[c][j];
                points[2 * i + c] = s;
            }
        return points;
    }
}
