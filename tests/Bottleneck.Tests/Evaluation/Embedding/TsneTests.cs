using Bottleneck.Evaluation;
using Bottleneck.Tensors;
using static Bottleneck.Tests.Evaluation.Embedding.EmbeddingFixture;

namespace Bottleneck.Tests.Evaluation.Embedding;

/// <summary>t-SNE (exact and Barnes-Hut), its gradient, PCA projection and trustworthiness, against scikit-learn on 600 optdigits codes.</summary>
public class TsneTests
{
    [Theory]
    [InlineData("exact", TsneMethod.Exact)]
    [InlineData("barnes_hut", TsneMethod.BarnesHut)]
    public void Tsne_OnDigitCodes_IsAsTrustworthyAsScikitLearns(string sklearnMethod, TsneMethod method)
    {
        // Given the codes and scikit-learn's map with the same settings (perplexity 30, PCA init, auto learning rate)
        double expected = Number("tsne", sklearnMethod, "trustworthiness");
        // When we map them
        var result = Tsne.Fit(Codes, Dim, new TsneOptions(Method: method));
        // Then trustworthiness (k = 10) is within 0.02 of scikit-learn's, and the KL divergence is close to its
        double t = Trustworthiness.Compute(Codes, Dim, result.Embedding, 2, neighbors: 10);
        Assert.True(Math.Abs(t - expected) < 0.02, $"trustworthiness {t:F4}, scikit-learn {expected:F4}");
        Assert.Equal(method, result.Method);
        Assert.Equal(999, result.Iterations);
        Assert.Equal(50, result.LearningRate);   // auto: max(600 / 12 / 4, 50)
        double kl = Number("tsne", sklearnMethod, "kl_divergence");
        Assert.InRange(result.KlDivergence, 0.8 * kl, 1.2 * kl);
    }

    [Fact]
    public void Tsne_IsDeterministic_AndSeedsTheRandomInit()
    {
        var codes = Codes.AsSpan(0, 200 * Dim).ToArray();
        var options = new TsneOptions(Perplexity: 10, MaxIterations: 100, ExplorationIterations: 50, Method: TsneMethod.BarnesHut, Init: TsneInit.Random, Seed: 5);
        var a = Tsne.Embed(codes, Dim, options);
        var b = Tsne.Embed(codes, Dim, options);
        Assert.Equal(a, b);
        var c = Tsne.Embed(codes, Dim, options with { Seed = 6 });
        Assert.NotEqual(a, c);
        var tensor = Tsne.Embed(Tensor.FromArray(codes, 200, Dim), options);
        Assert.Equal([200, 2], tensor.ShapeToArray());
        Assert.Equal(a, tensor.ToArray());
    }

    [Fact]
    public void ExactGradient_MatchesCentralDifferencesOfTheKlDivergence()
    {
        // Given P from 12 codes and a random map
        int n = 12;
        var objective = ExactObjectiveOf(n, out var y);
        var grad = new double[2 * n];
        objective.Gradient(y, grad, computeError: false);
        // Then every coordinate of the analytic gradient matches (KL(y + h) − KL(y − h)) / 2h
        var scratch = new double[2 * n];
        for (int j = 0; j < 2 * n; j++)
        {
            double h = 1e-6, keep = y[j];
            y[j] = keep + h; double up = objective.Gradient(y, scratch, true);
            y[j] = keep - h; double down = objective.Gradient(y, scratch, true);
            y[j] = keep;
            Assert.Equal((up - down) / (2 * h), grad[j], 1e-6);
        }
    }

    [Fact]
    public void BarnesHutGradient_WithAngleZero_IsTheExactGradient_AndWithAngleHalfIsClose()
    {
        int n = 40;
        var exact = ExactObjectiveOf(n, out var y, out var p);
        var sparse = Dense(p, n);
        var g = new double[2 * n];
        var gbh = new double[2 * n];
        double kl = exact.Gradient(y, g, true);
        double klBh = new Tsne.BarnesHutObjective(sparse, n, 0.0).Gradient(y, gbh, true);
        Assert.Equal(kl, klBh, 1e-9);
        for (int j = 0; j < 2 * n; j++) Assert.Equal(g[j], gbh[j], 1e-9);
        new Tsne.BarnesHutObjective(sparse, n, 0.5).Gradient(y, gbh, false);
        double err = 0, norm = 0;
        for (int j = 0; j < 2 * n; j++) { err += (g[j] - gbh[j]) * (g[j] - gbh[j]); norm += g[j] * g[j]; }
        Assert.True(Math.Sqrt(err / norm) < 0.05, $"relative error {Math.Sqrt(err / norm)}");
    }

    [Fact]
    public void BarnesHut_HandlesDuplicatePoints()
    {
        // Twenty copies of each of 10 codes: the quadtree shares leaves and the map stays finite.
        var codes = Enumerable.Range(0, 200).SelectMany(i => Codes.AsSpan((i % 10) * Dim, Dim).ToArray()).ToArray();
        var map = Tsne.Embed(codes, Dim, new TsneOptions(Perplexity: 5, MaxIterations: 300, Method: TsneMethod.BarnesHut));
        Assert.All(map, v => Assert.True(float.IsFinite(v)));
    }

    [Theory]
    [InlineData(TsneMethod.Exact)]
    [InlineData(TsneMethod.BarnesHut)]
    public void Tsne_OfIdenticalCodes_GivesAFiniteMap(TsneMethod method)
    {
        // A collapsed latent (every code the same): no direction to spread along, but no NaN either.
        var codes = Enumerable.Repeat(0.5f, 50 * 4).ToArray();
        var map = Tsne.Embed(codes, 4, new TsneOptions(Perplexity: 5, MaxIterations: 300, Method: method));
        Assert.All(map, v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void Pca_MatchesScikitLearnsFullSvdPca()
    {
        var expected = Doubles(Get("pca2"));
        var actual = Projection.Pca(Codes, Dim, 2);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 1e-4);   // float32 output, values up to ±40
    }

    [Fact]
    public void Trustworthiness_MatchesScikitLearn()
    {
        var pca = Doubles(Get("pca2")).Select(v => (float)v).ToArray();
        Assert.Equal(Number("trustworthiness_pca2", "5"), Trustworthiness.Compute(Codes, Dim, pca, 2, 5), 1e-6);
        Assert.Equal(Number("trustworthiness_pca2", "10"), Trustworthiness.Compute(Codes, Dim, pca, 2, 10), 1e-6);
        foreach (var m in new[] { "exact", "barnes_hut" })
        {
            var map = Floats(Get("tsne", m, "embedding"));
            Assert.Equal(Number("tsne", m, "trustworthiness"), Trustworthiness.Compute(Codes, Dim, map, 2, 10), 1e-6);
        }
    }

    [Fact]
    public void Options_OutOfRange_ThrowNamingTheValue()
    {
        var codes = Codes.AsSpan(0, 20 * Dim).ToArray();
        Assert.Contains("perplexity must be > 0 and < the number of points (20), got 30",
            Assert.Throws<ArgumentException>(() => Tsne.Fit(codes, Dim)).Message);
        Assert.Contains("angle must be in [0, 1], got 2",
            Assert.Throws<ArgumentException>(() => Tsne.Fit(codes, Dim, new TsneOptions(Perplexity: 5, Angle: 2))).Message);
        Assert.Contains("neighbors must be in [1, N/2)",
            Assert.Throws<ArgumentException>(() => Trustworthiness.Compute(codes, Dim, new float[40], 2, 10)).Message);
    }

    private static Tsne.ExactObjective ExactObjectiveOf(int n, out double[] y) => ExactObjectiveOf(n, out y, out _);

    private static Tsne.ExactObjective ExactObjectiveOf(int n, out double[] y, out double[] p)
    {
        var random = new Random(1);
        p = new double[n * n];
        double sum = 0;
        for (int i = 0; i < n; i++)
            for (int j = i + 1; j < n; j++) { p[i * n + j] = p[j * n + i] = random.NextDouble() + 0.01; sum += 2 * p[i * n + j]; }
        for (int i = 0; i < p.Length; i++) p[i] /= sum;
        y = Enumerable.Range(0, 2 * n).Select(_ => random.NextDouble() * 4 - 2).ToArray();
        return new Tsne.ExactObjective(p, n);
    }

    private static Tsne.SparseMatrix Dense(double[] p, int n)
    {
        var start = new int[n + 1];
        var cols = new List<int>();
        var vals = new List<double>();
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++) if (j != i) { cols.Add(j); vals.Add(p[i * n + j]); }
            start[i + 1] = cols.Count;
        }
        return new Tsne.SparseMatrix(start, cols.ToArray(), vals.ToArray());
    }
}
