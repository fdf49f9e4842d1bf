namespace Bottleneck.Evaluation;

/// <summary>A fitted multinomial logistic regression on standardized inputs.</summary>
/// <param name="Classes">The class values, ascending (C).</param>
/// <param name="Weights">W, row-major (C, K).</param>
/// <param name="Intercepts">b (C).</param>
/// <param name="Mean">Per-feature mean the inputs are centred with (K).</param>
/// <param name="Scale">Per-feature population standard deviation they are divided by (K; 1 for a constant feature).</param>
/// <param name="Iterations">L-BFGS iterations taken.</param>
public sealed record LogisticModel(int[] Classes, double[] Weights, double[] Intercepts, double[] Mean, double[] Scale, int Iterations)
{
    /// <summary>Predicted class of each row: argmax_c (W·z + b)_c with z = (x − mean) / scale.</summary>
    /// <param name="codes">Points, row-major (M, K).</param>
    /// <exception cref="ArgumentException">The row width is not K.</exception>
    public int[] Predict(ReadOnlySpan<float> codes)
    {
        int k = Mean.Length, c = Classes.Length;
        if (codes.Length % k != 0) throw new ArgumentException($"codes: length {codes.Length} is not a multiple of the model's {k} features");
        var result = new int[codes.Length / k];
        var z = new double[k];
        for (int i = 0; i < result.Length; i++)
        {
            for (int d = 0; d < k; d++) z[d] = (codes[i * k + d] - Mean[d]) / Scale[d];
            int best = 0;
            double bestScore = double.NegativeInfinity;
            for (int q = 0; q < c; q++)
            {
                double s = Intercepts[q];
                for (int d = 0; d < k; d++) s += Weights[q * k + d] * z[d];
                if (s > bestScore) { bestScore = s; best = q; }
            }
            result[i] = Classes[best];
        }
        return result;
    }
}

/// <summary>
/// Linear probe: multinomial logistic regression on standardized codes, minimizing C·Σᵢ −log softmax(W·zᵢ + b)_{yᵢ} + ½‖W‖²
/// (the intercept is not penalized) with L-BFGS to a gradient norm of 1e-8 per sample, as scikit-learn's
/// <c>make_pipeline(StandardScaler(), LogisticRegression(multi_class="multinomial", C=C))</c>; the objective is strictly
/// convex, so the fit is the same optimum whatever the solver. Accuracy by stratified k-fold cross-validation.
/// </summary>
/// <remarks>Alain &amp; Bengio, "Understanding intermediate layers using linear classifier probes", 2016; L-BFGS: Liu &amp; Nocedal, Math. Programming 1989.</remarks>
public static class LinearProbe
{
    /// <summary>Cross-validated accuracy of the probe: scaler and regression fitted on each fold's training rows, scored on its test rows, averaged over folds.</summary>
    /// <param name="codes">Points, row-major (N, K).</param>
    /// <param name="dim">K.</param>
    /// <param name="labels">Class of each point (length N).</param>
    /// <param name="c">Inverse L2 strength C (default 1, &gt; 0).</param>
    /// <param name="folds">Folds of <see cref="StratifiedKFold"/> (default 5).</param>
    /// <exception cref="ArgumentException">Bad shapes, non-finite codes, c ≤ 0, or bad folds.</exception>
    public static double CrossValidatedAccuracy(ReadOnlySpan<float> codes, int dim, ReadOnlySpan<int> labels, double c = 1.0, int folds = 5)
    {
        int n = Points.Rows(codes, dim, 2);
        Points.CheckLabels(labels, n);
        var assignment = StratifiedKFold.TestFolds(labels, folds);
        var x = codes.ToArray();
        var y = labels.ToArray();
        return StratifiedKFold.MeanAccuracy(labels, assignment, (train, test) =>
        {
            var model = Fit(Rows(x, dim, train), dim, train.Select(i => y[i]).ToArray(), c);
            return model.Predict(Rows(x, dim, test));
        });
    }

    private static float[] Rows(float[] x, int dim, int[] rows)
    {
        var r = new float[rows.Length * dim];
        for (int i = 0; i < rows.Length; i++) x.AsSpan(rows[i] * dim, dim).CopyTo(r.AsSpan(i * dim, dim));
        return r;
    }

    /// <summary>Fits the standardizer and the multinomial logistic regression.</summary>
    /// <param name="codes">Training points, row-major (N, K).</param>
    /// <param name="dim">K.</param>
    /// <param name="labels">Their classes (length N, at least 2 distinct values).</param>
    /// <param name="c">Inverse L2 strength C (default 1).</param>
    /// <param name="maxIterations">L-BFGS iteration cap (default 1000).</param>
    /// <exception cref="ArgumentException">Bad shapes, non-finite codes, c ≤ 0, or a single class.</exception>
    public static LogisticModel Fit(ReadOnlySpan<float> codes, int dim, ReadOnlySpan<int> labels, double c = 1.0, int maxIterations = 1000)
    {
        int n = Points.Rows(codes, dim, 1);
        Points.CheckLabels(labels, n);
        if (!(c > 0) || double.IsInfinity(c)) throw new ArgumentException($"C must be a finite value > 0, got {c}");
        int classes = Points.Encode(labels, out var y, out var classValues);
        if (classes < 2) throw new ArgumentException($"the linear probe needs at least 2 classes, got {classes}");
        var mean = new double[dim];
        var scale = new double[dim];
        for (int d = 0; d < dim; d++)
        {
            double m = 0, s = 0;
            for (int i = 0; i < n; i++) m += codes[i * dim + d];
            m /= n;
            for (int i = 0; i < n; i++) { double t = codes[i * dim + d] - m; s += t * t; }
            double sd = Math.Sqrt(s / n);
            mean[d] = m;
            scale[d] = sd < 10 * double.Epsilon * Math.Max(1, Math.Abs(m)) ? 1 : sd;
        }
        var z = new double[n * dim];
        for (int i = 0; i < n; i++)
            for (int d = 0; d < dim; d++) z[i * dim + d] = (codes[i * dim + d] - mean[d]) / scale[d];
        int p = classes * (dim + 1);
        // θ = [W (C×K) | b (C)]; objective scaled by 1/(C·N) so the tolerance is per sample: mean CE + ‖W‖² / (2·C·N).
        double penalty = 1.0 / (c * n);
        double Objective(double[] theta, double[] grad)
        {
            Array.Clear(grad);
            double loss = 0;
            var logits = new double[classes];
            for (int i = 0; i < n; i++)
            {
                var zi = z.AsSpan(i * dim, dim);
                double max = double.NegativeInfinity;
                for (int q = 0; q < classes; q++)
                {
                    double s = theta[classes * dim + q];
                    for (int d = 0; d < dim; d++) s += theta[q * dim + d] * zi[d];
                    logits[q] = s;
                    max = Math.Max(max, s);
                }
                double sum = 0;
                for (int q = 0; q < classes; q++) sum += Math.Exp(logits[q] - max);
                double logSum = max + Math.Log(sum);
                loss += logSum - logits[y[i]];
                for (int q = 0; q < classes; q++)
                {
                    double r = Math.Exp(logits[q] - logSum) - (q == y[i] ? 1 : 0);
                    for (int d = 0; d < dim; d++) grad[q * dim + d] += r * zi[d];
                    grad[classes * dim + q] += r;
                }
            }
            double reg = 0;
            for (int j = 0; j < classes * dim; j++) reg += theta[j] * theta[j];
            for (int j = 0; j < p; j++) grad[j] /= n;
            for (int j = 0; j < classes * dim; j++) grad[j] += penalty * theta[j];
            return loss / n + 0.5 * penalty * reg;
        }
        var theta = new double[p];
        int iterations = Lbfgs.Minimize(Objective, theta, gradientTolerance: 1e-8, maxIterations);
        return new LogisticModel(classValues, theta[..(classes * dim)], theta[(classes * dim)..], mean, scale, iterations);
    }
}

/// <summary>Limited-memory BFGS (two-loop recursion, memory 10) with a backtracking Armijo line search, for smooth convex objectives.</summary>
internal static class Lbfgs
{
    /// <summary>Minimizes f from <paramref name="x"/> (updated in place) until ‖∇f‖_∞ ≤ tolerance; returns the iterations taken.</summary>
    public static int Minimize(Func<double[], double[], double> f, double[] x, double gradientTolerance, int maxIterations, int memory = 10)
    {
        int p = x.Length;
        var g = new double[p];
        double fx = f(x, g);
        var s = new List<double[]>();
        var yv = new List<double[]>();
        var rho = new List<double>();
        var dir = new double[p];
        var xNew = new double[p];
        var gNew = new double[p];
        var alpha = new double[memory];
        int it = 0;
        for (; it < maxIterations; it++)
        {
            if (MaxAbs(g) <= gradientTolerance) break;
            // Two-loop recursion: dir = −H·g.
            for (int j = 0; j < p; j++) dir[j] = -g[j];
            for (int m = s.Count - 1; m >= 0; m--)
            {
                alpha[m] = rho[m] * Dot(s[m], dir);
                Axpy(-alpha[m], yv[m], dir);
            }
            double gamma = s.Count > 0 ? Dot(s[^1], yv[^1]) / Dot(yv[^1], yv[^1]) : 1.0 / Math.Max(1, Math.Sqrt(Dot(g, g)));
            for (int j = 0; j < p; j++) dir[j] *= gamma;
            for (int m = 0; m < s.Count; m++)
            {
                double beta = rho[m] * Dot(yv[m], dir);
                Axpy(alpha[m] - beta, s[m], dir);
            }
            double slope = Dot(g, dir);
            if (slope >= 0)
            {
                // Not a descent direction (numerical trouble): restart from steepest descent.
                s.Clear(); yv.Clear(); rho.Clear();
                for (int j = 0; j < p; j++) dir[j] = -g[j];
                slope = Dot(g, dir);
            }
            double step = 1, fNew = 0;
            bool accepted = false;
            for (int ls = 0; ls < 60; ls++)
            {
                for (int j = 0; j < p; j++) xNew[j] = x[j] + step * dir[j];
                fNew = f(xNew, gNew);
                if (fNew <= fx + 1e-4 * step * slope) { accepted = true; break; }
                step *= 0.5;
            }
            if (!accepted) break; // no decrease possible at double precision: at the optimum
            var sk = new double[p];
            var yk = new double[p];
            for (int j = 0; j < p; j++) { sk[j] = xNew[j] - x[j]; yk[j] = gNew[j] - g[j]; }
            double sy = Dot(sk, yk);
            Array.Copy(xNew, x, p);
            Array.Copy(gNew, g, p);
            double fOld = fx;
            fx = fNew;
            if (sy > 1e-12 * Math.Sqrt(Dot(sk, sk) * Dot(yk, yk)))
            {
                if (s.Count == memory) { s.RemoveAt(0); yv.RemoveAt(0); rho.RemoveAt(0); }
                s.Add(sk); yv.Add(yk); rho.Add(1 / sy);
            }
            if (fOld - fx <= 1e-16 * Math.Max(1, Math.Abs(fx)) && MaxAbs(g) <= 100 * gradientTolerance) { it++; break; }
        }
        return it;
    }

    private static double Dot(double[] a, double[] b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += a[i] * b[i];
        return s;
    }

    private static void Axpy(double a, double[] x, double[] y)
    {
        for (int i = 0; i < x.Length; i++) y[i] += a * x[i];
    }

    private static double MaxAbs(double[] a)
    {
        double m = 0;
        foreach (var v in a) m = Math.Max(m, Math.Abs(v));
        return m;
    }
}
