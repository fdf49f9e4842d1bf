namespace Bottleneck.Evaluation;

/// <summary>
/// Trustworthiness of a low-dimensional map (Venna &amp; Kaski 2001), as <c>sklearn.manifold.trustworthiness</c>:
/// T(k) = 1 − 2 / (N·k·(2N − 3k − 1)) · Σᵢ Σ_{j ∈ U_k(i)} max(0, r(i, j) − k), where U_k(i) are the k nearest neighbours of i in
/// the map and r(i, j) the rank of j among i's neighbours in the original space (1 = nearest). In [0, 1]; 1 when every map
/// neighbourhood is a true neighbourhood. Euclidean distances in both spaces; ties in the original distances count j's
/// rank as 1 + the number of points strictly closer (scikit-learn breaks them by sort order).
/// </summary>
/// <remarks>Venna &amp; Kaski, "Neighborhood preservation in nonlinear projection methods: an experimental study", ICANN 2001.</remarks>
public static class Trustworthiness
{
    /// <summary>Computes T(k) of <paramref name="embedding"/> as a map of <paramref name="codes"/>; cost O(N²·K), rows in parallel.</summary>
    /// <param name="codes">Original points, row-major (N, K).</param>
    /// <param name="dim">K.</param>
    /// <param name="embedding">Map, row-major (N, M).</param>
    /// <param name="embeddingDim">M (usually 2).</param>
    /// <param name="neighbors">k (default 5, scikit-learn's; the figures use 10); must be &lt; N / 2.</param>
    /// <exception cref="ArgumentException">Bad shapes, different N, non-finite values, or k outside [1, N/2).</exception>
    public static double Compute(ReadOnlySpan<float> codes, int dim, ReadOnlySpan<float> embedding, int embeddingDim, int neighbors = 5)
    {
        int n = Points.Rows(codes, dim, 3);
        int m = Points.Rows(embedding, embeddingDim, 1, "embedding");
        if (m != n) throw new ArgumentException($"the embedding has {m} rows, the codes {n}");
        if (neighbors < 1 || neighbors >= n / 2.0)
            throw new ArgumentException($"neighbors must be in [1, N/2) = [1, {n / 2.0}), got {neighbors}");
        var x = ClusteringMetrics.ToDouble(codes);
        var y = ClusteringMetrics.ToDouble(embedding);
        var penalty = new double[n];
        Parallel.For(0, n, () => (new double[n], new double[n], new int[neighbors], new double[neighbors]), (i, _, buf) =>
        {
            var (dx, dy, near, nearD) = buf;
            Distances(x, dim, i, dx);
            Distances(y, embeddingDim, i, dy);
            int filled = 0;
            for (int j = 0; j < n; j++)
            {
                if (j == i) continue;
                double d = dy[j];
                if (filled == neighbors && d >= nearD[neighbors - 1]) continue;
                int p = filled < neighbors ? filled++ : neighbors - 1;
                while (p > 0 && nearD[p - 1] > d) { nearD[p] = nearD[p - 1]; near[p] = near[p - 1]; p--; }
                nearD[p] = d;
                near[p] = j;
            }
            double sum = 0;
            for (int q = 0; q < neighbors; q++)
            {
                double dij = dx[near[q]];
                int rank = 1;
                for (int l = 0; l < n; l++) if (l != i && dx[l] < dij) rank++;
                if (rank > neighbors) sum += rank - neighbors;
            }
            penalty[i] = sum;
            return buf;
        }, _ => { });
        double total = 0;
        foreach (var v in penalty) total += v;
        return 1.0 - total * (2.0 / (n * (double)neighbors * (2.0 * n - 3.0 * neighbors - 1.0)));
    }

    private static void Distances(double[] x, int dim, int i, double[] row)
    {
        var xi = x.AsSpan(i * dim, dim);
        for (int j = 0; j < row.Length; j++)
        {
            var xj = x.AsSpan(j * dim, dim);
            double s = 0;
            for (int d = 0; d < dim; d++) { double t = xi[d] - xj[d]; s += t * t; }
            row[j] = s;
        }
    }
}
