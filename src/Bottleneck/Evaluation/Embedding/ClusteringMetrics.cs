using System.Numerics.Tensors;

namespace Bottleneck.Evaluation;

/// <summary>
/// Clustering quality of codes against labels, as scikit-learn defines it: the silhouette score (Rousseeuw 1987), normalized
/// mutual information with the arithmetic-mean normalizer (Strehl &amp; Ghosh 2002), and the adjusted Rand index (Hubert &amp;
/// Arabie 1985). Matched to <c>sklearn.metrics</c> 1.2 to 1e-6 (tests/…/Fixtures/sklearn/make_embedding_fixtures.py).
/// </summary>
public static class ClusteringMetrics
{
    /// <summary>
    /// Silhouette score: mean over points of s(i) = (b(i) − a(i)) / max(a(i), b(i)), where a(i) is the mean Euclidean distance
    /// from i to the other points of its cluster and b(i) the smallest mean distance from i to the points of another cluster;
    /// s(i) = 0 for a point alone in its cluster. In [−1, 1]; higher means tighter, better separated clusters
    /// (<c>sklearn.metrics.silhouette_score</c>, metric euclidean).
    /// </summary>
    /// <param name="codes">Points, row-major (N, K).</param>
    /// <param name="dim">K.</param>
    /// <param name="labels">Cluster or class of each point (length N), any integers.</param>
    /// <returns>The score, cost O(N²·K) (rows in parallel).</returns>
    /// <exception cref="ArgumentException">Bad shapes, non-finite codes, or a number of distinct labels outside [2, N − 1].</exception>
    /// <remarks>Rousseeuw, "Silhouettes: a graphical aid to the interpretation and validation of cluster analysis", J. Comput. Appl. Math. 1987.</remarks>
    public static double Silhouette(ReadOnlySpan<float> codes, int dim, ReadOnlySpan<int> labels)
    {
        int n = Points.Rows(codes, dim, 2);
        Points.CheckLabels(labels, n);
        int c = Points.Encode(labels, out var y, out _);
        if (c < 2 || c > n - 1)
            throw new ArgumentException($"the silhouette needs 2 ≤ number of labels ≤ N − 1, got {c} labels for {n} points");
        var x = ToDouble(codes);
        var sizes = new int[c];
        foreach (var v in y) sizes[v]++;
        var s = new double[n];
        Parallel.For(0, n, () => new double[c], (i, _, sums) =>
        {
            Array.Clear(sums);
            var xi = x.AsSpan(i * dim, dim);
            for (int j = 0; j < n; j++)
                if (j != i) sums[y[j]] += TensorPrimitives.Distance<double>(xi, x.AsSpan(j * dim, dim));
            int own = y[i];
            if (sizes[own] == 1) { s[i] = 0; return sums; }
            double a = sums[own] / (sizes[own] - 1), b = double.PositiveInfinity;
            for (int k = 0; k < c; k++)
                if (k != own) b = Math.Min(b, sums[k] / sizes[k]);
            double m = Math.Max(a, b);
            s[i] = m > 0 ? (b - a) / m : 0;
            return sums;
        }, _ => { });
        double total = 0;
        foreach (var v in s) total += v;
        return total / n;
    }

    /// <summary>
    /// Normalized mutual information NMI = I(U; V) / ((H(U) + H(V)) / 2), in nats over the contingency table of two labelings
    /// (<c>sklearn.metrics.normalized_mutual_info_score</c>, average_method "arithmetic"); 1 when both labelings have a single
    /// class. In [0, 1]; invariant to renaming labels.
    /// </summary>
    /// <param name="labelsTrue">Ground-truth classes (length N).</param>
    /// <param name="labelsPred">Cluster assignments (length N).</param>
    /// <exception cref="ArgumentException">The lengths differ or are zero.</exception>
    /// <remarks>Strehl &amp; Ghosh, "Cluster ensembles — a knowledge reuse framework for combining multiple partitions", JMLR 2002.</remarks>
    public static double NormalizedMutualInformation(ReadOnlySpan<int> labelsTrue, ReadOnlySpan<int> labelsPred)
    {
        var (table, a, b, n) = Contingency(labelsTrue, labelsPred);
        if (a.Length == 1 && b.Length == 1) return 1.0;
        double mi = 0;
        for (int i = 0; i < a.Length; i++)
            for (int j = 0; j < b.Length; j++)
            {
                long nij = table[i, j];
                if (nij == 0) continue;
                mi += (double)nij / n * (Math.Log(nij) - Math.Log(n) + Math.Log(n) - Math.Log((double)a[i] * b[j] / n));
            }
        mi = Math.Max(mi, 0);
        double normalizer = Math.Max((Entropy(a, n) + Entropy(b, n)) / 2, double.Epsilon);
        return mi / normalizer;
    }

    /// <summary>
    /// Adjusted Rand index ARI = 2(TP·TN − FN·FP) / ((TP + FN)(FN + TN) + (TP + FP)(FP + TN)) over the pair confusion
    /// matrix of two labelings (ordered pairs of distinct points), 1 when they agree on every pair
    /// (<c>sklearn.metrics.adjusted_rand_score</c>). 1 for identical partitions, about 0 for independent ones, can be negative.
    /// </summary>
    /// <param name="labelsTrue">Ground-truth classes (length N).</param>
    /// <param name="labelsPred">Cluster assignments (length N).</param>
    /// <exception cref="ArgumentException">The lengths differ or are zero.</exception>
    /// <remarks>Hubert &amp; Arabie, "Comparing partitions", Journal of Classification 1985.</remarks>
    public static double AdjustedRandIndex(ReadOnlySpan<int> labelsTrue, ReadOnlySpan<int> labelsPred)
    {
        var (table, a, b, n) = Contingency(labelsTrue, labelsPred);
        double ss = 0, sa = 0, sb = 0;
        foreach (var v in table) ss += (double)v * v;
        foreach (var v in a) sa += (double)v * v;
        foreach (var v in b) sb += (double)v * v;
        double tp = ss - n, fp = sb - ss, fn = sa - ss, tn = (double)n * n - fp - fn - ss;
        if (fn == 0 && fp == 0) return 1.0;
        return 2.0 * (tp * tn - fn * fp) / ((tp + fn) * (fn + tn) + (tp + fp) * (fp + tn));
    }

    private static (long[,] Table, long[] RowSums, long[] ColumnSums, long N) Contingency(ReadOnlySpan<int> u, ReadOnlySpan<int> v)
    {
        if (u.Length != v.Length) throw new ArgumentException($"the labelings have {u.Length} and {v.Length} entries; they must be equal");
        if (u.Length == 0) throw new ArgumentException("the labelings are empty");
        int cu = Points.Encode(u, out var eu, out _), cv = Points.Encode(v, out var ev, out _);
        var table = new long[cu, cv];
        var a = new long[cu];
        var b = new long[cv];
        for (int i = 0; i < eu.Length; i++) { table[eu[i], ev[i]]++; a[eu[i]]++; b[ev[i]]++; }
        return (table, a, b, u.Length);
    }

    private static double Entropy(long[] counts, long n)
    {
        double h = 0;
        foreach (var c in counts)
            if (c > 0) h -= (double)c / n * (Math.Log(c) - Math.Log(n));
        return h;
    }

    internal static double[] ToDouble(ReadOnlySpan<float> codes)
    {
        var x = new double[codes.Length];
        for (int i = 0; i < x.Length; i++) x[i] = codes[i];
        return x;
    }
}
