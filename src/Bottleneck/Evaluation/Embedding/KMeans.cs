using System.Numerics.Tensors;

namespace Bottleneck.Evaluation;

/// <summary>Options of <see cref="KMeans"/> (scikit-learn's <c>KMeans</c> names and defaults).</summary>
/// <param name="Clusters">k, the number of clusters (≥ 1, ≤ N).</param>
/// <param name="Seed">Seed of the k-means++ draws (default 0); the same seed gives the same clustering.</param>
/// <param name="Inits">Runs from different k-means++ starts; the one with the lowest inertia is kept (default 10, scikit-learn 1.2's n_init).</param>
/// <param name="MaxIterations">Lloyd iterations per run (default 300).</param>
/// <param name="Tolerance">Stop when Σ‖centre shift‖² ≤ Tolerance · mean per-feature variance (default 1e-4).</param>
public sealed record KMeansOptions(int Clusters, int Seed = 0, int Inits = 10, int MaxIterations = 300, double Tolerance = 1e-4)
{
    /// <summary>Validates the options.</summary>
    /// <exception cref="ArgumentException">A value is out of range (the message names it).</exception>
    public KMeansOptions Validate()
    {
        if (Clusters < 1) throw new ArgumentException($"clusters must be ≥ 1, got {Clusters}");
        if (Inits < 1) throw new ArgumentException($"inits must be ≥ 1, got {Inits}");
        if (MaxIterations < 1) throw new ArgumentException($"maxIterations must be ≥ 1, got {MaxIterations}");
        if (!(Tolerance >= 0)) throw new ArgumentException($"tolerance must be ≥ 0, got {Tolerance}");
        return this;
    }
}

/// <summary>A k-means clustering.</summary>
/// <param name="Assignments">Cluster of each point, 0..k−1 (length N).</param>
/// <param name="Centers">Cluster centres, row-major (k, K).</param>
/// <param name="Inertia">Σᵢ ‖xᵢ − c_{assignment(i)}‖², the within-cluster sum of squares.</param>
/// <param name="Iterations">Lloyd iterations of the kept run.</param>
public sealed record KMeansResult(int[] Assignments, double[] Centers, double Inertia, int Iterations);

/// <summary>
/// k-means: k-means++ seeding (greedy, 2 + ⌊ln k⌋ candidates per centre, as scikit-learn) then Lloyd's iterations
/// (assign each point to its nearest centre, move each centre to its points' mean; an emptied cluster takes the point
/// farthest from its centre). Seeded and deterministic; its random numbers are not NumPy's, so its clusters are not
/// scikit-learn's draw for draw.
/// </summary>
/// <remarks>Lloyd, "Least squares quantization in PCM", IEEE Trans. Inf. Theory 1982; Arthur &amp; Vassilvitskii, "k-means++:
/// the advantages of careful seeding", SODA 2007.</remarks>
public static class KMeans
{
    /// <summary>Clusters <paramref name="codes"/> into <see cref="KMeansOptions.Clusters"/> groups, minimizing the inertia.</summary>
    /// <param name="codes">Points, row-major (N, K).</param>
    /// <param name="dim">K.</param>
    /// <param name="options">k, seed, runs, iterations and tolerance.</param>
    /// <exception cref="ArgumentException">Bad shapes, non-finite codes, bad options, or k &gt; N.</exception>
    public static KMeansResult Fit(ReadOnlySpan<float> codes, int dim, KMeansOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        int n = Points.Rows(codes, dim, 1);
        if (options.Clusters > n) throw new ArgumentException($"clusters ({options.Clusters}) must be ≤ the number of points ({n})");
        var x = ClusteringMetrics.ToDouble(codes);
        double meanVariance = 0;
        for (int d = 0; d < dim; d++)
        {
            double m = 0, s = 0;
            for (int i = 0; i < n; i++) m += x[i * dim + d];
            m /= n;
            for (int i = 0; i < n; i++) { double t = x[i * dim + d] - m; s += t * t; }
            meanVariance += s / n;
        }
        double tol = options.Tolerance * meanVariance / dim;
        var random = new Random(options.Seed);
        KMeansResult? best = null;
        for (int run = 0; run < options.Inits; run++)
        {
            var centers = PlusPlus(x, n, dim, options.Clusters, random);
            var result = Lloyd(x, n, dim, centers, options.Clusters, options.MaxIterations, tol);
            if (best == null || result.Inertia < best.Inertia) best = result;
        }
        return best!;
    }

    private static double[] PlusPlus(double[] x, int n, int dim, int k, Random random)
    {
        var centers = new double[k * dim];
        int trials = 2 + (int)Math.Log(k);
        int first = random.Next(n);
        x.AsSpan(first * dim, dim).CopyTo(centers);
        var closest = new double[n];
        for (int i = 0; i < n; i++) closest[i] = Sq(x.AsSpan(i * dim, dim), x.AsSpan(first * dim, dim));
        double pot = closest.Sum();
        var cumulative = new double[n];
        var candidate = new double[trials][];
        for (int c = 1; c < k; c++)
        {
            double run = 0;
            for (int i = 0; i < n; i++) { run += closest[i]; cumulative[i] = run; }
            var ids = new int[trials];
            double bestPot = double.PositiveInfinity;
            int bestTrial = 0;
            for (int t = 0; t < trials; t++)
            {
                double r = random.NextDouble() * pot;
                int id = Array.BinarySearch(cumulative, r);
                if (id < 0) id = ~id;
                ids[t] = Math.Min(id, n - 1);
                var d = candidate[t] ??= new double[n];
                var xc = x.AsSpan(ids[t] * dim, dim);
                double p = 0;
                for (int i = 0; i < n; i++) { d[i] = Math.Min(closest[i], Sq(x.AsSpan(i * dim, dim), xc)); p += d[i]; }
                if (p < bestPot) { bestPot = p; bestTrial = t; }
            }
            pot = bestPot;
            candidate[bestTrial].CopyTo(closest, 0);
            x.AsSpan(ids[bestTrial] * dim, dim).CopyTo(centers.AsSpan(c * dim, dim));
        }
        return centers;
    }

    private static KMeansResult Lloyd(double[] x, int n, int dim, double[] centers, int k, int maxIterations, double tol)
    {
        var labels = new int[n];
        var dist = new double[n];
        var sums = new double[k * dim];
        var counts = new int[k];
        bool first = true;
        int iteration = 0;
        for (; iteration < maxIterations; iteration++)
        {
            bool changed = Assign(x, n, dim, centers, k, labels, dist) || first;
            first = false;
            Array.Clear(sums);
            Array.Clear(counts);
            for (int i = 0; i < n; i++)
            {
                counts[labels[i]]++;
                TensorPrimitives.Add(sums.AsSpan(labels[i] * dim, dim), x.AsSpan(i * dim, dim), sums.AsSpan(labels[i] * dim, dim));
            }
            for (int c = 0; c < k; c++)
            {
                if (counts[c] > 0) continue;
                int far = 0;
                for (int i = 1; i < n; i++) if (dist[i] > dist[far]) far = i;
                dist[far] = -1;
                counts[labels[far]]--;
                TensorPrimitives.Subtract(sums.AsSpan(labels[far] * dim, dim), x.AsSpan(far * dim, dim), sums.AsSpan(labels[far] * dim, dim));
                labels[far] = c;
                counts[c] = 1;
                x.AsSpan(far * dim, dim).CopyTo(sums.AsSpan(c * dim, dim));
            }
            double shift = 0;
            for (int c = 0; c < k; c++)
                for (int d = 0; d < dim; d++)
                {
                    double v = sums[c * dim + d] / counts[c];
                    double t = v - centers[c * dim + d];
                    shift += t * t;
                    centers[c * dim + d] = v;
                }
            if (!changed) { iteration++; break; }
            if (shift <= tol) { iteration++; break; }
        }
        Assign(x, n, dim, centers, k, labels, dist);
        double inertia = 0;
        foreach (var v in dist) inertia += v;
        return new KMeansResult(labels, centers, inertia, iteration);
    }

    /// <summary>Nearest centre of every point; returns whether any assignment changed.</summary>
    private static bool Assign(double[] x, int n, int dim, double[] centers, int k, int[] labels, double[] dist)
    {
        int changed = 0;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = (long)n * k * dim >= 1 << 20 ? -1 : 1 };   // small problems: no thread hand-offs
        Parallel.For(0, n, parallel, i =>
        {
            var xi = x.AsSpan(i * dim, dim);
            int bestC = 0;
            double bestD = double.PositiveInfinity;
            for (int c = 0; c < k; c++)
            {
                double d = Sq(xi, centers.AsSpan(c * dim, dim));
                if (d < bestD) { bestD = d; bestC = c; }
            }
            if (labels[i] != bestC) { labels[i] = bestC; Interlocked.Exchange(ref changed, 1); }
            dist[i] = bestD;
        });
        return changed != 0;
    }

    private static double Sq(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double s = 0;
        for (int d = 0; d < a.Length; d++) { double t = a[d] - b[d]; s += t * t; }
        return s;
    }
}
