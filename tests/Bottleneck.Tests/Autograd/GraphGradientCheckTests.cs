using Bottleneck.Losses;
using Bottleneck.NN;
using Bottleneck.Tensors;

namespace Bottleneck.Tests.Autograd;

/// <summary>Central-difference checks of the graph ops: the sparse × dense product, the GCN layer, and both link losses.</summary>
public class GraphGradientCheckTests
{
    private static readonly int[] U = [0, 0, 1, 2, 3, 1];
    private static readonly int[] V = [1, 2, 2, 3, 4, 4];
    private const int N = 6;   // node 5 is isolated

    private static Tensor Uniform(Rng rng, float lo, float hi, params int[] shape)
    {
        var t = Tensor.Zeros(shape);
        foreach (ref float v in t.Span) v = rng.Uniform(lo, hi);
        return t;
    }

    [Fact]
    public void SparseMatMulBackwardIsTheTransposedProduct()
    {
        // a non-symmetric sparse matrix, so a backward that forgot the transpose fails
        var a = CsrMatrix.FromCoordinates(4, 5, [0, 0, 1, 2, 3, 3], [1, 4, 0, 2, 3, 1], [0.5f, -1.5f, 2f, 0.7f, -0.3f, 1.1f]);
        var x = Uniform(new Rng(1), -1, 1, 5, 3);
        GradCheck.Check("sparse_matmul", t => Tensor.SparseMatMul(a, t[0]), x);
    }

    [Fact]
    public void GcnLayerWeightAndInputGradients()
    {
        var layer = new GraphConvolution(4, 3, new Rng(2), bias: true);
        var adj = CsrMatrix.GcnNormalized(N, U, V);
        var x = Uniform(new Rng(3), -1, 1, N, 4);
        GradCheck.Check("gcn", t => Tensor.SparseMatMul(adj, Tensor.Linear(t[0], t[1], null)) + t[2], x, layer.Weight, layer.Bias!);
        GradCheck.Check("gcn identity", t => Tensor.SparseMatMul(adj, t[0].Transpose()), Uniform(new Rng(4), -1, 1, 3, N));
    }

    [Fact]
    public void DenseAdjacencyBceGradientMatchesCentralDifferences()
    {
        var labels = CsrMatrix.AdjacencyWithSelfLoops(N, U, V);
        var z = Uniform(new Rng(5), -1, 1, N, 3);
        GradCheck.Check("adjacency_bce", t => LinkLoss.DenseAdjacencyBce(t[0], labels, 3.5f, 0.8f, out _), z);
    }

    [Fact]
    public void DenseAdjacencyBceGradientWithNonSymmetricLabels()
    {
        // the general backward (G + Gᵀ)·Z; A + I of an undirected graph takes the symmetric shortcut 2·G·Z checked above
        var labels = CsrMatrix.FromCoordinates(N, N, [0, 1, 2, 4, 5], [3, 0, 2, 1, 5]);
        Assert.False(labels.IsSymmetric);
        Assert.True(CsrMatrix.AdjacencyWithSelfLoops(N, U, V).IsSymmetric);
        var z = Uniform(new Rng(8), -1, 1, N, 3);
        GradCheck.Check("adjacency_bce_general", t => LinkLoss.DenseAdjacencyBce(t[0], labels, 2f, 1.3f, out _), z);
    }

    [Fact]
    public void GcnLayerOnSparseFeaturesEqualsTheDenseProductAndChecksItsGradient()
    {
        var rng = new Rng(10);
        var dense = new float[N * 7];
        for (int i = 0; i < dense.Length; i++) if (rng.NextDouble() < 0.25) dense[i] = rng.Uniform(0.5f, 2f);
        var sparse = CsrMatrix.FromDense(dense, N, 7);
        Assert.Equal(dense, sparse.ToDense());
        var adj = CsrMatrix.GcnNormalized(N, U, V);
        var layer = new GraphConvolution(7, 4, new Rng(11), bias: true);
        var a = layer.Forward(adj, sparse).ToArray();
        var b = layer.Forward(adj, Tensor.FromArray(dense, N, 7)).ToArray();
        for (int i = 0; i < a.Length; i++) Assert.Equal(b[i], a[i], 5);
        GradCheck.Check("gcn sparse features", t => Tensor.SparseMatMul(adj, Tensor.SparseMatMul(sparse, t[0].Transpose())) + t[1], layer.Weight, layer.Bias!);
    }

    [Fact]
    public void DenseAdjacencyBceEqualsTheComposedWeightedBce()
    {
        // Given Z and labels A + I, when the fused loss is compared with pw·y·softplus(−x) + (1−y)·softplus(x) from primitives
        var labels = CsrMatrix.AdjacencyWithSelfLoops(N, U, V);
        var z = Uniform(new Rng(6), -2, 2, N, 3);
        float pw = 2.5f, norm = 0.6f;
        var fused = LinkLoss.DenseAdjacencyBce(z, labels, pw, norm, out var logits).Item();
        var x = z.MatMul(z.Transpose());
        var y = Tensor.FromArray(labels.ToDense(), N, N);
        var composed = ((y * x.Neg().Softplus() * pw + (y.RSubScalar(1f)) * x.Softplus()).Mean() * norm).Item();
        Assert.Equal(composed, fused, 5);
        Assert.Equal(x.ToArray(), logits.ToArray());
    }

    [Fact]
    public void SampledBceGradientMatchesCentralDifferences()
    {
        var z = Uniform(new Rng(7), -1, 1, N, 3);
        GradCheck.Check("sampled_bce", t => LinkLoss.SampledBce(t[0], (U, V), ([0, 5, 2], [3, 4, 5]), out _), z);
    }

    [Fact]
    public void NormalizedAdjacencyMatchesTheDenseFormula()
    {
        var a = CsrMatrix.GcnNormalized(N, U, V).ToDense();
        var deg = new double[N];
        for (int i = 0; i < N; i++) deg[i] = 1;
        for (int k = 0; k < U.Length; k++) { deg[U[k]]++; deg[V[k]]++; }
        for (int i = 0; i < N; i++)
            for (int j = 0; j < N; j++)
            {
                bool edge = i == j || Enumerable.Range(0, U.Length).Any(k => (U[k] == i && V[k] == j) || (U[k] == j && V[k] == i));
                double expected = edge ? 1 / Math.Sqrt(deg[i] * deg[j]) : 0;
                Assert.Equal(expected, a[i * N + j], 6);
            }
        Assert.Equal(1f, a[5 * N + 5]);   // an isolated node keeps its own features
    }

    [Fact]
    public void CsrRejectsSelfLoopsDuplicatesAndOutOfRangeIndices()
    {
        Assert.Contains("self-loop", Assert.Throws<ArgumentException>(() => CsrMatrix.GcnNormalized(3, [1], [1])).Message);
        Assert.Contains("twice", Assert.Throws<ArgumentException>(() => CsrMatrix.GcnNormalized(3, [0, 1], [1, 0])).Message);
        Assert.Contains("row 5", Assert.Throws<ArgumentException>(() => CsrMatrix.FromCoordinates(3, 3, [5], [0])).Message);
        var shape = Assert.Throws<ShapeException>(() => Tensor.SparseMatMul(CsrMatrix.Identity(3), Tensor.Zeros(4, 2)));
        Assert.Contains("(3, K)", shape.Message);
    }

    [Fact]
    public void CsrSumsDuplicateCoordinatesAndTransposes()
    {
        var m = CsrMatrix.FromCoordinates(2, 3, [0, 1, 0, 0], [2, 0, 2, 1], [1f, 2f, 3f, 4f]);
        Assert.Equal([0f, 4f, 4f, 2f, 0f, 0f], m.ToDense());
        Assert.Equal([0f, 2f, 4f, 0f, 4f, 0f], m.Transpose().ToDense());
        Assert.True(m.Contains(0, 2));
        Assert.False(m.Contains(1, 2));
    }

    [Fact]
    public void LargeSparseProductsSplitAcrossThreadsGiveTheSameResult()
    {
        // Given a product large enough for the parallel path, when compared with the dense product
        int n = 600, k = 512;
        var rng = new Rng(9);
        var u = new List<int>(); var v = new List<int>();
        var seen = new HashSet<long>();
        while (u.Count < 3000)
        {
            int i = rng.NextInt(n), j = rng.NextInt(n);
            if (i == j || !seen.Add((long)Math.Min(i, j) * n + Math.Max(i, j))) continue;
            u.Add(Math.Min(i, j)); v.Add(Math.Max(i, j));
        }
        var a = CsrMatrix.GcnNormalized(n, u.ToArray(), v.ToArray());
        var x = Uniform(rng, -1, 1, n, k);
        var sparse = Tensor.SparseMatMul(a, x).ToArray();
        var dense = Tensor.FromArray(a.ToDense(), n, n).MatMul(x).ToArray();
        for (int i = 0; i < dense.Length; i++) Assert.True(Math.Abs(sparse[i] - dense[i]) < 1e-4, $"element {i}: {sparse[i]} vs {dense[i]}");
    }
}
