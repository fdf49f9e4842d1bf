using System.Numerics;
using System.Runtime.InteropServices;
using Bottleneck.Tensors;

namespace Bottleneck.Anomaly;

/// <summary>
/// The k-nearest-neighbour distance score: s(x) = (1/k)·Σ_{r ∈ kNN(x)} ‖x − r‖², the mean squared Euclidean distance from a row to
/// its k nearest reference rows, a random subsample of at most <see cref="DefaultMaxReference"/> training rows. Unitless (squared
/// preprocessed units).
/// </summary>
/// <remarks>
/// <para>The distance to the k-th nearest neighbour is the classical distance-based outlier score (Ramaswamy, Rastogi &amp; Shim,
/// "Efficient algorithms for mining outliers from large data sets", SIGMOD 2000; the mean over the k nearest: Angiulli &amp; Pizzuti,
/// PKDD 2002); with PyOD's defaults (k = 5) it is among the strongest unsupervised detectors of ADBench (Han et al., NeurIPS 2022).
/// The reference set is a uniform random subsample of the training rows without replacement: subsampling keeps scoring cost bounded
/// and is itself a sound outlier-ensemble technique (Zimek, Gaudet, Campello &amp; Sander, "Subsampling for efficient and effective
/// unsupervised outlier detection ensembles", KDD 2013).</para>
/// <para>Training rows: <see cref="ScoreTraining"/> leaves a reference row out of its own neighbours (as PyOD's KNN scores its training
/// data), so the calibration on training scores does not see zero self-distances. A new row equal to a reference row has that
/// neighbour at distance 0.</para>
/// <para>Contributions: s(x) = Σⱼ cⱼ with cⱼ = (1/k)·Σ_{r ∈ kNN(x)} (xⱼ − rⱼ)².</para>
/// <para>Shape: rows (N, D) row-major → N scores. Cost O(N·M·D) for M reference rows.</para>
/// </remarks>
public sealed class KnnDistance
{
    /// <summary>k, the number of neighbours: 5 (PyOD's KNN default, as ADBench runs it).</summary>
    public const int DefaultNeighbours = 5;

    /// <summary>The largest reference set: 2,000 rows (a uniform subsample of the training rows when there are more).</summary>
    public const int DefaultMaxReference = 2000;

    private readonly float[] _reference;
    private readonly int[] _trainingIndex;

    /// <summary>Creates the score from saved reference rows.</summary>
    /// <param name="reference">M·D reference rows, row-major, preprocessed.</param>
    /// <param name="features">D ≥ 1.</param>
    /// <param name="neighbours">k, 1 ≤ k ≤ M − 1 (so a reference row still has k neighbours without itself).</param>
    /// <exception cref="ArgumentException">A length that is not M·D, M &lt; 2, k out of range, or a value that is not finite.</exception>
    public KnnDistance(float[] reference, int features, int neighbours = DefaultNeighbours) : this(reference, features, neighbours, null) { }

    private KnnDistance(float[] reference, int features, int neighbours, int[]? trainingIndex)
    {
        ArgumentNullException.ThrowIfNull(reference);
        if (features < 1) throw new ArgumentOutOfRangeException(nameof(features), features, "features must be ≥ 1");
        if (reference.Length % features != 0) throw new ArgumentException($"{reference.Length} reference values are not a whole number of rows of {features} features");
        int m = reference.Length / features;
        if (m < 2) throw new ArgumentException($"the kNN distance needs at least 2 reference rows, got {m}");
        if (neighbours < 1 || neighbours > m - 1) throw new ArgumentOutOfRangeException(nameof(neighbours), neighbours, $"neighbours must be in [1, {m - 1}] for {m} reference rows");
        foreach (var v in reference) if (!float.IsFinite(v)) throw new ArgumentException($"a reference value is {v}; the kNN distance needs finite values");
        _reference = reference;
        Features = features;
        Neighbours = neighbours;
        _trainingIndex = trainingIndex ?? [];
    }

    /// <summary>D.</summary>
    public int Features { get; }

    /// <summary>k.</summary>
    public int Neighbours { get; }

    /// <summary>M, the number of reference rows.</summary>
    public int ReferenceRows => _reference.Length / Features;

    /// <summary>The reference rows (M·D, row-major; the array itself, for saving).</summary>
    public float[] Reference => _reference;

    /// <summary>
    /// Takes the reference rows from the training rows: all of them when N ≤ <paramref name="maxReference"/>, else a uniform random
    /// subsample of <paramref name="maxReference"/> rows without replacement (kept in training order).
    /// </summary>
    /// <param name="rows">Training rows (N·D, row-major), preprocessed as at scoring time; N ≥ 2.</param>
    /// <param name="features">D ≥ 1.</param>
    /// <param name="neighbours">k (default <see cref="DefaultNeighbours"/>), reduced to M − 1 when there are fewer reference rows.</param>
    /// <param name="maxReference">The largest reference set (default <see cref="DefaultMaxReference"/>), ≥ 2.</param>
    /// <param name="seed">Seed of the subsample (default 0).</param>
    /// <exception cref="ArgumentException">N &lt; 2, a length that is not N·D, k &lt; 1, or a value that is not finite.</exception>
    public static KnnDistance Fit(ReadOnlySpan<float> rows, int features, int neighbours = DefaultNeighbours, int maxReference = DefaultMaxReference, ulong seed = 0)
    {
        if (features < 1) throw new ArgumentOutOfRangeException(nameof(features), features, "features must be ≥ 1");
        if (rows.Length % features != 0) throw new ArgumentException($"{rows.Length} values are not a whole number of rows of {features} features");
        if (neighbours < 1) throw new ArgumentOutOfRangeException(nameof(neighbours), neighbours, "neighbours must be ≥ 1");
        if (maxReference < 2) throw new ArgumentOutOfRangeException(nameof(maxReference), maxReference, "maxReference must be ≥ 2");
        int n = rows.Length / features;
        if (n < 2) throw new ArgumentException($"the kNN distance needs at least 2 training rows, got {n}");
        int[] index = n <= maxReference ? Enumerable.Range(0, n).ToArray() : new Rng(seed).Permutation(n).Take(maxReference).Order().ToArray();
        var reference = new float[index.Length * features];
        for (int i = 0; i < index.Length; i++) rows.Slice(index[i] * features, features).CopyTo(reference.AsSpan(i * features, features));
        return new KnnDistance(reference, features, Math.Min(neighbours, index.Length - 1), index);
    }

    /// <summary>Scores rows: scores[i] = mean squared distance of row i to its k nearest reference rows.</summary>
    /// <param name="rows">N·D values, preprocessed.</param>
    /// <param name="scores">N scores on return.</param>
    /// <param name="contributions">Empty, or N·D per-feature shares cⱼ on return (they sum to the score).</param>
    /// <exception cref="ArgumentException">The lengths do not fit D.</exception>
    public void Score(ReadOnlySpan<float> rows, Span<float> scores, Span<float> contributions = default) =>
        ScoreCore(rows, scores, contributions, null);

    /// <summary>
    /// Scores the training rows <see cref="Fit"/> was given, each without itself among its neighbours (leave one out), for calibration
    /// and thresholds. Only for a score made by <see cref="Fit"/> on these rows.
    /// </summary>
    /// <param name="trainingRows">The N·D rows given to <see cref="Fit"/>.</param>
    /// <param name="scores">N scores on return.</param>
    /// <exception cref="ArgumentException">The lengths do not fit D, or the score was not made by <see cref="Fit"/>.</exception>
    public void ScoreTraining(ReadOnlySpan<float> trainingRows, Span<float> scores)
    {
        if (_trainingIndex.Length == 0) throw new ArgumentException("ScoreTraining needs the score made by KnnDistance.Fit on these rows");
        var self = new int[scores.Length];
        Array.Fill(self, -1);
        for (int i = 0; i < _trainingIndex.Length; i++)
            if (_trainingIndex[i] < self.Length) self[_trainingIndex[i]] = i;
        ScoreCore(trainingRows, scores, default, self);
    }

    private void ScoreCore(ReadOnlySpan<float> rows, Span<float> scores, Span<float> contributions, int[]? self)
    {
        int d = Features, n = scores.Length, m = ReferenceRows, k = Neighbours;
        if (rows.Length != n * d) throw new ArgumentException($"{rows.Length} values are not {n} rows of {d} features");
        if (!contributions.IsEmpty && contributions.Length != n * d) throw new ArgumentException($"contributions has {contributions.Length} values, expected {n * d}");
        var best = new float[k];
        var bestIndex = new int[k];
        var reference = _reference.AsSpan();
        for (int i = 0; i < n; i++)
        {
            var x = rows.Slice(i * d, d);
            int skip = self is null ? -1 : self[i];
            int filled = 0;
            for (int r = 0; r < m; r++)
            {
                if (r == skip) continue;
                float dist = SquaredDistance(x, reference.Slice(r * d, d));
                if (filled == k && dist >= best[k - 1]) continue;
                int p = filled < k ? filled++ : k - 1;
                while (p > 0 && best[p - 1] > dist) { best[p] = best[p - 1]; bestIndex[p] = bestIndex[p - 1]; p--; }
                best[p] = dist; bestIndex[p] = r;
            }
            double sum = 0;
            for (int j = 0; j < filled; j++) sum += best[j];
            scores[i] = (float)(sum / filled);
            if (contributions.IsEmpty) continue;
            var c = contributions.Slice(i * d, d);
            c.Clear();
            for (int j = 0; j < filled; j++)
            {
                var nb = reference.Slice(bestIndex[j] * d, d);
                for (int f = 0; f < d; f++) { float diff = x[f] - nb[f]; c[f] += diff * diff / filled; }
            }
        }
    }

    private static float SquaredDistance(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        int i = 0;
        float sum = 0;
        if (Vector.IsHardwareAccelerated && a.Length >= Vector<float>.Count)
        {
            var va = MemoryMarshal.Cast<float, Vector<float>>(a);
            var vb = MemoryMarshal.Cast<float, Vector<float>>(b);
            var acc = Vector<float>.Zero;
            for (int v = 0; v < va.Length; v++) { var diff = va[v] - vb[v]; acc += diff * diff; }
            sum = Vector.Sum(acc);
            i = va.Length * Vector<float>.Count;
        }
        for (; i < a.Length; i++) { float diff = a[i] - b[i]; sum += diff * diff; }
        return sum;
    }
}
