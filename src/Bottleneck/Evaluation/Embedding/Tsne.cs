using System.Numerics.Tensors;
using Bottleneck.Tensors;

namespace Bottleneck.Evaluation;

/// <summary>How <see cref="Tsne"/> computes the gradient.</summary>
public enum TsneMethod
{
    /// <summary>Exact for N ≤ <see cref="Tsne.ExactLimit"/>, Barnes-Hut above.</summary>
    Auto,
    /// <summary>All N² pairs every iteration: O(N²) time and memory (van der Maaten &amp; Hinton 2008).</summary>
    Exact,
    /// <summary>Sparse P over the ⌊3·perplexity + 1⌋ nearest neighbours and a quadtree for the repulsive forces: O(N log N) per iteration (van der Maaten 2014).</summary>
    BarnesHut,
}

/// <summary>How <see cref="Tsne"/> places the points before optimizing.</summary>
public enum TsneInit
{
    /// <summary>The first two principal components, scaled so the first has standard deviation 1e-4 (scikit-learn's default since 1.2).</summary>
    Pca,
    /// <summary>Draws from N(0, (1e-4)²), seeded by <see cref="TsneOptions.Seed"/>.</summary>
    Random,
}

/// <summary>Options of <see cref="Tsne"/>, named and defaulted as scikit-learn 1.2's <c>TSNE</c>.</summary>
/// <param name="Perplexity">Perplexity 2^H(Pᵢ) each point's conditional distribution is fitted to (default 30, &gt; 0 and &lt; N).</param>
/// <param name="EarlyExaggeration">Factor P is multiplied by during the first <see cref="ExplorationIterations"/> iterations (default 12).</param>
/// <param name="LearningRate">Step size; null (default) = "auto", max(N / EarlyExaggeration / 4, 50) (Belkina et al. 2019 in scikit-learn's scaling).</param>
/// <param name="MaxIterations">Total iterations, early exaggeration included (default 1000, ≥ 250).</param>
/// <param name="ExplorationIterations">Iterations with exaggerated P and momentum 0.5 (default 250); then momentum 0.8.</param>
/// <param name="IterationsWithoutProgress">Stop when the KL divergence (checked every 50 iterations) has not improved for this many iterations (default 300).</param>
/// <param name="MinGradientNorm">Stop when ‖gradient‖₂ falls below this (default 1e-7).</param>
/// <param name="Angle">Barnes-Hut θ: a cell of width w at distance d is summarized when w / d &lt; θ (default 0.5; 0 = exact forces).</param>
/// <param name="Method">Exact, Barnes-Hut, or by N (default <see cref="TsneMethod.Auto"/>).</param>
/// <param name="Init">PCA (default) or random.</param>
/// <param name="Seed">Seed of the random initialization (default 0); the result is deterministic for given codes and options.</param>
public sealed record TsneOptions(double Perplexity = 30, double EarlyExaggeration = 12, double? LearningRate = null, int MaxIterations = 1000,
    int ExplorationIterations = 250, int IterationsWithoutProgress = 300, double MinGradientNorm = 1e-7, double Angle = 0.5,
    TsneMethod Method = TsneMethod.Auto, TsneInit Init = TsneInit.Pca, int Seed = 0)
{
    /// <summary>Checks the options against N.</summary>
    /// <exception cref="ArgumentException">A value is out of range (the message names it and its value).</exception>
    public void Validate(int n)
    {
        if (!(Perplexity > 0) || Perplexity >= n) throw new ArgumentException($"perplexity must be > 0 and < the number of points ({n}), got {Perplexity}");
        if (!(EarlyExaggeration >= 1)) throw new ArgumentException($"earlyExaggeration must be ≥ 1, got {EarlyExaggeration}");
        if (LearningRate is { } lr && !(lr > 0 && double.IsFinite(lr))) throw new ArgumentException($"learningRate must be > 0, got {lr}");
        if (ExplorationIterations < 0) throw new ArgumentException($"explorationIterations must be ≥ 0, got {ExplorationIterations}");
        if (MaxIterations < ExplorationIterations) throw new ArgumentException($"maxIterations must be ≥ explorationIterations ({ExplorationIterations}), got {MaxIterations}");
        if (IterationsWithoutProgress < 1) throw new ArgumentException($"iterationsWithoutProgress must be ≥ 1, got {IterationsWithoutProgress}");
        if (!(MinGradientNorm >= 0)) throw new ArgumentException($"minGradientNorm must be ≥ 0, got {MinGradientNorm}");
        if (!(Angle >= 0 && Angle <= 1)) throw new ArgumentException($"angle must be in [0, 1], got {Angle}");
    }
}

/// <summary>A t-SNE map.</summary>
/// <param name="Embedding">Map coordinates, row-major (N, 2).</param>
/// <param name="KlDivergence">KL(P ‖ Q) at the end, in nats (over the neighbour pairs for Barnes-Hut).</param>
/// <param name="Iterations">Index of the last iteration run (scikit-learn's <c>n_iter_</c>).</param>
/// <param name="Method">The method used (never Auto).</param>
/// <param name="LearningRate">The learning rate used.</param>
public sealed record TsneResult(float[] Embedding, double KlDivergence, int Iterations, TsneMethod Method, double LearningRate);

/// <summary>
/// t-distributed stochastic neighbour embedding to 2-D: minimizes KL(P ‖ Q) where pᵢⱼ = (p_{j|i} + p_{i|j}) / ΣP, p_{j|i} ∝
/// exp(−βᵢ‖xᵢ − xⱼ‖²) with βᵢ found by binary search so that the perplexity of P_i is <see cref="TsneOptions.Perplexity"/>, and
/// qᵢⱼ ∝ (1 + ‖yᵢ − yⱼ‖²)⁻¹; gradient ∂KL/∂yᵢ = 4 Σⱼ (pᵢⱼ − qᵢⱼ)(1 + ‖yᵢ − yⱼ‖²)⁻¹ (yᵢ − yⱼ). Optimizer as scikit-learn's:
/// gradient descent with momentum (0.5 for the early-exaggeration phase, then 0.8) and per-coordinate gains (+0.2 when the
/// gradient changes sign against the update, ×0.8 otherwise, at least 0.01); progress checked every 50 iterations.
/// Deterministic: the same codes and options give the same map (parallel loops write per point; sums run in a fixed order).
/// </summary>
/// <remarks>van der Maaten &amp; Hinton, "Visualizing data using t-SNE", JMLR 2008; van der Maaten, "Accelerating t-SNE using
/// tree-based algorithms", JMLR 2014; scikit-learn's <c>sklearn/manifold/_t_sne.py</c> for the defaults and schedule.</remarks>
public static class Tsne
{
    /// <summary>Largest N <see cref="TsneMethod.Auto"/> computes exactly (1000).</summary>
    public const int ExactLimit = 1000;

    /// <summary>Largest N <see cref="TsneMethod.Exact"/> accepts (10,000: three N × N double matrices, 2.4 GB).</summary>
    public const int MaxExact = 10000;

    private const double MachineEpsilon = 2.220446049250313e-16;

    /// <summary>Parallel loops over the points only when there is enough work per iteration to pay for the hand-offs.</summary>
    internal static ParallelOptions Loop(long work) => new() { MaxDegreeOfParallelism = work >= 1 << 20 ? -1 : 1 };
    private const int CheckEvery = 50;

    /// <summary>Maps codes (N, K) to 2-D.</summary>
    /// <param name="codes">Codes, row-major (N, K).</param>
    /// <param name="dim">K.</param>
    /// <param name="options">Perplexity, exaggeration, learning rate, schedule, method, seed; null = defaults.</param>
    /// <returns>The map and its final KL divergence.</returns>
    /// <exception cref="ArgumentException">Bad shapes, non-finite codes, fewer than 4 points, bad options, or the exact method with N &gt; <see cref="MaxExact"/>.</exception>
    public static TsneResult Fit(ReadOnlySpan<float> codes, int dim, TsneOptions? options = null)
    {
        options ??= new TsneOptions();
        int n = Points.Rows(codes, dim, 4);
        options.Validate(n);
        var method = options.Method == TsneMethod.Auto ? (n <= ExactLimit ? TsneMethod.Exact : TsneMethod.BarnesHut) : options.Method;
        if (method == TsneMethod.Exact && n > MaxExact)
            throw new ArgumentException($"exact t-SNE keeps all N² pairs in memory: N must be ≤ {MaxExact}, got {n}; use the Barnes-Hut method");
        double learningRate = options.LearningRate ?? Math.Max(n / options.EarlyExaggeration / 4, 50);
        var x = ClusteringMetrics.ToDouble(codes);
        var y = Initialize(codes, dim, n, options);
        IObjective objective = method == TsneMethod.Exact
            ? new ExactObjective(ExactP(x, n, dim, options.Perplexity), n)
            : new BarnesHutObjective(SparseP(x, n, dim, options.Perplexity), n, options.Angle);
        objective.Exaggeration = options.EarlyExaggeration;
        var (kl, it) = Descend(objective, y, 0, options.ExplorationIterations, 0.5, learningRate, options.ExplorationIterations, options.MinGradientNorm);
        objective.Exaggeration = 1;
        if (options.MaxIterations > options.ExplorationIterations)
            (kl, it) = Descend(objective, y, it + 1, options.MaxIterations, 0.8, learningRate, options.IterationsWithoutProgress, options.MinGradientNorm);
        var result = new float[2 * n];
        for (int i = 0; i < result.Length; i++) result[i] = (float)y[i];
        return new TsneResult(result, kl, it, method, learningRate);
    }

    /// <summary>Maps codes (N, K) to 2-D and returns the coordinates.</summary>
    /// <param name="codes">Codes, row-major (N, K).</param>
    /// <param name="dim">K.</param>
    /// <param name="options">See <see cref="TsneOptions"/>; null = defaults.</param>
    /// <returns>Map coordinates, row-major (N, 2).</returns>
    /// <exception cref="ArgumentException">As <see cref="Fit(ReadOnlySpan{float}, int, TsneOptions?)"/>.</exception>
    public static float[] Embed(ReadOnlySpan<float> codes, int dim, TsneOptions? options = null) => Fit(codes, dim, options).Embedding;

    /// <summary>Maps a code tensor to 2-D.</summary>
    /// <param name="codes">Codes (N, K).</param>
    /// <param name="options">See <see cref="TsneOptions"/>; null = defaults.</param>
    /// <returns>Map coordinates (N, 2).</returns>
    /// <exception cref="ShapeException">The tensor is not of rank 2.</exception>
    /// <exception cref="ArgumentException">As <see cref="Fit(ReadOnlySpan{float}, int, TsneOptions?)"/>.</exception>
    public static Tensor Embed(Tensor codes, TsneOptions? options = null)
    {
        var (values, dim) = Points.Of(codes);
        return Tensor.Wrap(Embed(values, dim, options), values.Length / dim, 2);
    }

    private static double[] Initialize(ReadOnlySpan<float> codes, int dim, int n, TsneOptions options)
    {
        var y = new double[2 * n];
        if (options.Init == TsneInit.Random)
        {
            var random = new Random(options.Seed);
            for (int i = 0; i < y.Length; i++)
            {
                // Box-Muller: N(0, 1) scaled to standard deviation 1e-4.
                double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
                y[i] = 1e-4 * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
            }
            return y;
        }
        var pca = Projection.Pca(codes, dim, 2);
        double mean = 0, var = 0;
        for (int i = 0; i < n; i++) mean += pca[2 * i];
        mean /= n;
        for (int i = 0; i < n; i++) var += (pca[2 * i] - mean) * (pca[2 * i] - mean);
        double sd = Math.Sqrt(var / n);
        double scale = sd > 0 ? 1e-4 / sd : 1.0;
        for (int i = 0; i < y.Length; i++) y[i] = pca[i] * scale;
        return y;
    }

    /// <summary>
    /// scikit-learn's <c>_gradient_descent</c>: momentum, gains, and a check every 50 iterations (stop when the error has not
    /// improved for <paramref name="withoutProgress"/> iterations or the gradient norm is below <paramref name="minGradNorm"/>).
    /// </summary>
    private static (double Error, int Iteration) Descend(IObjective objective, double[] p, int start, int end, double momentum,
        double learningRate, int withoutProgress, double minGradNorm)
    {
        var update = new double[p.Length];
        var gains = new double[p.Length];
        var grad = new double[p.Length];
        Array.Fill(gains, 1.0);
        double error = double.MaxValue, bestError = double.MaxValue;
        int bestIter = start, i = start;
        for (; i < end; i++)
        {
            bool check = (i + 1) % CheckEvery == 0;
            double e = objective.Gradient(p, grad, check || i == end - 1);
            if (check || i == end - 1) error = e;
            for (int j = 0; j < p.Length; j++)
            {
                bool inc = update[j] * grad[j] < 0.0;
                gains[j] = Math.Max(inc ? gains[j] + 0.2 : gains[j] * 0.8, 0.01);
                grad[j] *= gains[j];
                update[j] = momentum * update[j] - learningRate * grad[j];
                p[j] += update[j];
            }
            if (check)
            {
                double norm = Math.Sqrt(TensorPrimitives.Dot<double>(grad, grad));
                if (error < bestError) { bestError = error; bestIter = i; }
                else if (i - bestIter > withoutProgress) break;
                if (norm <= minGradNorm) break;
            }
        }
        return (error, Math.Min(i, end - 1));
    }

    /// <summary>Conditional probabilities p_{j|i} of one row by binary search on βᵢ (scikit-learn's <c>_binary_search_perplexity</c>: 100 steps, |H − log perplexity| ≤ 1e-5, entropy in nats).</summary>
    private static void Conditional(ReadOnlySpan<double> sqDistances, int self, double perplexity, Span<double> p)
    {
        double desired = Math.Log(perplexity);
        double beta = 1.0, betaMin = double.NegativeInfinity, betaMax = double.PositiveInfinity;
        for (int step = 0; step < 100; step++)
        {
            double sum = 0;
            for (int j = 0; j < p.Length; j++)
            {
                p[j] = j == self ? 0 : Math.Exp(-sqDistances[j] * beta);
                sum += p[j];
            }
            if (sum == 0) sum = 1e-8;
            double sumDistP = 0;
            for (int j = 0; j < p.Length; j++) { p[j] /= sum; sumDistP += sqDistances[j] * p[j]; }
            double entropy = Math.Log(sum) + beta * sumDistP;
            double diff = entropy - desired;
            if (Math.Abs(diff) <= 1e-5) break;
            if (diff > 0)
            {
                betaMin = beta;
                beta = double.IsPositiveInfinity(betaMax) ? beta * 2 : (beta + betaMax) / 2;
            }
            else
            {
                betaMax = beta;
                beta = double.IsNegativeInfinity(betaMin) ? beta / 2 : (beta + betaMin) / 2;
            }
        }
    }

    /// <summary>Dense symmetric P (N×N, zero diagonal, off-diagonal at least machine ε), Σ P = 1.</summary>
    private static double[] ExactP(double[] x, int n, int dim, double perplexity)
    {
        var cond = new double[n * n];
        Parallel.For(0, n, Loop((long)n * n * dim), () => new double[n], (i, _, d) =>
        {
            var xi = x.AsSpan(i * dim, dim);
            for (int j = 0; j < n; j++) d[j] = SquaredDistance(xi, x.AsSpan(j * dim, dim));
            Conditional(d, i, perplexity, cond.AsSpan(i * n, n));
            return d;
        }, _ => { });
        var p = new double[n * n];
        double sum = 0;
        for (int i = 0; i < n; i++)
            for (int j = i + 1; j < n; j++) sum += 2 * (cond[i * n + j] + cond[j * n + i]);
        sum = Math.Max(sum, MachineEpsilon);
        for (int i = 0; i < n; i++)
            for (int j = i + 1; j < n; j++)
                p[i * n + j] = p[j * n + i] = Math.Max((cond[i * n + j] + cond[j * n + i]) / sum, MachineEpsilon);
        return p;
    }

    /// <summary>Sparse symmetric P over the k = min(N − 1, ⌊3·perplexity + 1⌋) nearest neighbours, in CSR form; Σ P = 1.</summary>
    private static SparseMatrix SparseP(double[] x, int n, int dim, double perplexity)
    {
        int k = Math.Min(n - 1, (int)(3 * perplexity + 1));
        var nbr = new int[n * k];
        var cond = new double[n * k];
        Parallel.For(0, n, Loop((long)n * n * dim), () => (new double[k], new double[n]), (i, _, buf) =>
        {
            var (best, d) = buf;
            var xi = x.AsSpan(i * dim, dim);
            for (int j = 0; j < n; j++) d[j] = SquaredDistance(xi, x.AsSpan(j * dim, dim));
            var idx = nbr.AsSpan(i * k, k);
            int filled = 0;
            for (int j = 0; j < n; j++)
            {
                if (j == i) continue;
                double v = d[j];
                if (filled == k && v >= best[k - 1]) continue;
                int q = filled < k ? filled++ : k - 1;
                while (q > 0 && best[q - 1] > v) { best[q] = best[q - 1]; idx[q] = idx[q - 1]; q--; }
                best[q] = v;
                idx[q] = j;
            }
            Conditional(best, -1, perplexity, cond.AsSpan(i * k, k));
            return buf;
        }, _ => { });
        // P + Pᵀ: collect both directions per row, merge duplicates.
        var rows = new List<(int Col, double Value)>[n];
        for (int i = 0; i < n; i++) rows[i] = new List<(int, double)>(2 * k);
        for (int i = 0; i < n; i++)
            for (int q = 0; q < k; q++)
            {
                int j = nbr[i * k + q];
                double v = cond[i * k + q];
                rows[i].Add((j, v));
                rows[j].Add((i, v));
            }
        var rowStart = new int[n + 1];
        var cols = new List<int>(2 * n * k);
        var vals = new List<double>(2 * n * k);
        double total = 0;
        for (int i = 0; i < n; i++)
        {
            rows[i].Sort((a, b) => a.Col.CompareTo(b.Col));
            int at = 0;
            while (at < rows[i].Count)
            {
                int col = rows[i][at].Col;
                double v = 0;
                while (at < rows[i].Count && rows[i][at].Col == col) v += rows[i][at++].Value;
                cols.Add(col);
                vals.Add(v);
                total += v;
            }
            rowStart[i + 1] = cols.Count;
        }
        total = Math.Max(total, MachineEpsilon);
        var values = vals.ToArray();
        for (int i = 0; i < values.Length; i++) values[i] /= total;
        return new SparseMatrix(rowStart, cols.ToArray(), values);
    }

    private static double SquaredDistance(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double s = 0;
        for (int d = 0; d < a.Length; d++) { double t = a[d] - b[d]; s += t * t; }
        return s;
    }

    internal sealed record SparseMatrix(int[] RowStart, int[] Columns, double[] Values);

    /// <summary>The KL objective and its gradient for one way of computing them.</summary>
    internal interface IObjective
    {
        /// <summary>Factor P is multiplied by (early exaggeration, then 1).</summary>
        double Exaggeration { get; set; }

        /// <summary>Writes ∂KL/∂y into <paramref name="grad"/>; returns KL(P ‖ Q) when <paramref name="computeError"/>, else NaN.</summary>
        double Gradient(double[] y, double[] grad, bool computeError);
    }

    /// <summary>All pairs (scikit-learn's <c>_kl_divergence</c>).</summary>
    internal sealed class ExactObjective(double[] p, int n) : IObjective
    {
        private readonly double[] w = new double[n * n];
        private readonly double[] rowSums = new double[n];

        public double Exaggeration { get; set; } = 1;

        private readonly ParallelOptions loop = Loop((long)n * n * 8);

        public double Gradient(double[] y, double[] grad, bool computeError)
        {
            Parallel.For(0, n, loop, i =>
            {
                double yi0 = y[2 * i], yi1 = y[2 * i + 1], s = 0;
                for (int j = 0; j < n; j++)
                {
                    if (j == i) { w[i * n + j] = 0; continue; }
                    double d0 = yi0 - y[2 * j], d1 = yi1 - y[2 * j + 1];
                    double v = 1.0 / (1.0 + d0 * d0 + d1 * d1);
                    w[i * n + j] = v;
                    s += v;
                }
                rowSums[i] = s;
            });
            double z = 0;
            foreach (var s in rowSums) z += s;
            double e = Exaggeration;
            Parallel.For(0, n, loop, i =>
            {
                double g0 = 0, g1 = 0, yi0 = y[2 * i], yi1 = y[2 * i + 1];
                for (int j = 0; j < n; j++)
                {
                    if (j == i) continue;
                    double wij = w[i * n + j];
                    double q = Math.Max(wij / z, MachineEpsilon);
                    double f = (e * p[i * n + j] - q) * wij;
                    g0 += f * (yi0 - y[2 * j]);
                    g1 += f * (yi1 - y[2 * j + 1]);
                }
                grad[2 * i] = 4 * g0;
                grad[2 * i + 1] = 4 * g1;
            });
            if (!computeError) return double.NaN;
            double kl = 0;
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++)
                {
                    if (j == i) continue;
                    double pij = e * p[i * n + j];
                    kl += pij * Math.Log(Math.Max(pij, MachineEpsilon) / Math.Max(w[i * n + j] / z, MachineEpsilon));
                }
            return kl;
        }
    }

    /// <summary>Sparse P for the attractive forces, a quadtree for the repulsive ones (scikit-learn's <c>_barnes_hut_tsne.gradient</c>).</summary>
    internal sealed class BarnesHutObjective(SparseMatrix p, int n, double angle) : IObjective
    {
        private readonly QuadTree tree = new(n);
        private readonly double[] sumQ = new double[n];
        private readonly double[] negative = new double[2 * n];
        private readonly ParallelOptions loop = Loop((long)n * 1000);

        public double Exaggeration { get; set; } = 1;

        public double Gradient(double[] y, double[] grad, bool computeError)
        {
            tree.Build(y);
            double theta2 = angle * angle;
            Parallel.For(0, n, loop, () => new int[QuadTree.MaxStack], (i, _, stack) =>
            {
                var (f0, f1, s) = tree.Repulsion(y[2 * i], y[2 * i + 1], theta2, stack);
                negative[2 * i] = f0;
                negative[2 * i + 1] = f1;
                sumQ[i] = s;
                return stack;
            }, _ => { });
            double z = 0;
            foreach (var s in sumQ) z += s;
            double e = Exaggeration;
            Parallel.For(0, n, loop, i =>
            {
                double a0 = 0, a1 = 0, yi0 = y[2 * i], yi1 = y[2 * i + 1];
                for (int at = p.RowStart[i]; at < p.RowStart[i + 1]; at++)
                {
                    int j = p.Columns[at];
                    double d0 = yi0 - y[2 * j], d1 = yi1 - y[2 * j + 1];
                    double f = e * p.Values[at] / (1.0 + d0 * d0 + d1 * d1);
                    a0 += f * d0;
                    a1 += f * d1;
                }
                grad[2 * i] = 4 * (a0 - negative[2 * i] / z);
                grad[2 * i + 1] = 4 * (a1 - negative[2 * i + 1] / z);
            });
            if (!computeError) return double.NaN;
            double kl = 0;
            for (int i = 0; i < n; i++)
                for (int at = p.RowStart[i]; at < p.RowStart[i + 1]; at++)
                {
                    int j = p.Columns[at];
                    double d0 = y[2 * i] - y[2 * j], d1 = y[2 * i + 1] - y[2 * j + 1];
                    double q = 1.0 / (1.0 + d0 * d0 + d1 * d1) / z;
                    double pij = e * p.Values[at];
                    kl += pij * Math.Log(Math.Max(pij, MachineEpsilon) / Math.Max(q, MachineEpsilon));
                }
            return kl;
        }
    }
}
