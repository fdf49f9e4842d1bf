using Bottleneck.Tensors;
using MathNet.Numerics.LinearAlgebra;

namespace Bottleneck.Evaluation;

/// <summary>
/// Linear projection of codes onto their first principal components: Y = (X − μ)·V_m, V_m the m leading eigenvectors of the
/// covariance (Pearson 1901), each signed as scikit-learn's <c>svd_flip</c> does (the score with the largest |value| in each
/// column is positive), so Y matches <c>PCA(m, svd_solver="full").fit_transform(X)</c>.
/// </summary>
public static class Projection
{
    /// <summary>Projects codes onto their first <paramref name="components"/> principal components.</summary>
    /// <param name="codes">Codes, row-major (N, K).</param>
    /// <param name="dim">K.</param>
    /// <param name="components">m (default 2); columns beyond K are 0.</param>
    /// <returns>Scores, row-major (N, m), in the units of the codes.</returns>
    /// <exception cref="ArgumentException">Bad shapes, non-finite codes, or components &lt; 1.</exception>
    public static float[] Pca(ReadOnlySpan<float> codes, int dim, int components = 2)
    {
        int n = Points.Rows(codes, dim, 1);
        if (components < 1) throw new ArgumentException($"components must be ≥ 1, got {components}");
        var mean = new double[dim];
        for (int i = 0; i < n; i++) for (int d = 0; d < dim; d++) mean[d] += codes[i * dim + d];
        for (int d = 0; d < dim; d++) mean[d] /= n;
        var xc = new double[n * dim];
        for (int i = 0; i < n; i++) for (int d = 0; d < dim; d++) xc[i * dim + d] = codes[i * dim + d] - mean[d];
        var cov = new double[dim * dim];
        for (int i = 0; i < n; i++)
            for (int a = 0; a < dim; a++)
            {
                double xa = xc[i * dim + a];
                for (int b = a; b < dim; b++) cov[a * dim + b] += xa * xc[i * dim + b];
            }
        for (int a = 0; a < dim; a++) for (int b = 0; b < a; b++) cov[a * dim + b] = cov[b * dim + a];
        var evd = Matrix<double>.Build.DenseOfRowMajor(dim, dim, cov).Evd(Symmetricity.Symmetric);
        // MathNet returns eigenvalues in ascending order; the leading components are the last columns.
        var vectors = evd.EigenVectors;
        var result = new float[n * components];
        var score = new double[n];
        for (int c = 0; c < Math.Min(components, dim); c++)
        {
            int col = dim - 1 - c;
            int argMax = 0;
            for (int i = 0; i < n; i++)
            {
                double s = 0;
                for (int d = 0; d < dim; d++) s += xc[i * dim + d] * vectors[d, col];
                score[i] = s;
                if (Math.Abs(s) > Math.Abs(score[argMax])) argMax = i;
            }
            double sign = score[argMax] < 0 ? -1 : 1;
            for (int i = 0; i < n; i++) result[i * components + c] = (float)(sign * score[i]);
        }
        return result;
    }

    /// <summary>Projects a code tensor onto its first two principal components.</summary>
    /// <param name="codes">Codes (N, K).</param>
    /// <returns>Scores (N, 2).</returns>
    /// <exception cref="ShapeException">The tensor is not of rank 2.</exception>
    public static Tensor Pca(Tensor codes)
    {
        var (values, dim) = Points.Of(codes);
        return Tensor.Wrap(Pca(values, dim), values.Length / dim, 2);
    }
}
