using Bottleneck.Data;
using Bottleneck.Tensors;

namespace Bottleneck.Models.Graph;

/// <summary>
/// One graph as a batch: node features, the normalized adjacency the GCN propagates over, and the edges the reconstruction
/// is scored on (the training edges). <see cref="Count"/> is 1: a step sees the whole graph.
/// </summary>
/// <param name="Nodes">N.</param>
/// <param name="Features">X (N, D), or null for identity features.</param>
/// <param name="Adjacency">Ã = D^−½(A + I)D^−½ of the training edges (N, N).</param>
/// <param name="Targets">A + I of the training edges (N, N): the dense loss's labels.</param>
/// <param name="Edges">The training edges (u, v), u &lt; v: the sampled loss's positives.</param>
/// <param name="EdgeKeys">The training edges' keys (<see cref="GraphData.Key"/>): sampled negatives avoid them.</param>
public sealed record GraphBatch(int Nodes, Tensor? Features, CsrMatrix Adjacency, CsrMatrix Targets, (int[] U, int[] V) Edges, HashSet<long> EdgeKeys) : Batch
{
    /// <inheritdoc/>
    public override int Count => 1;

    /// <summary>The features as a sparse matrix when at most <see cref="SparseFeatureDensity"/> of them are non-zero (then the first
    /// GCN layer multiplies in O(nnz)), else null.</summary>
    public CsrMatrix? SparseFeatures { get; init; }

    /// <summary>The largest share of non-zero features for which <see cref="Create"/> keeps them sparse (10 %).</summary>
    public const double SparseFeatureDensity = 0.10;

    /// <summary>ΣA, the number of ones of A (each undirected edge twice).</summary>
    public long AdjacencyOnes => 2L * Edges.U.Length;

    /// <summary>
    /// pw = (N² − ΣA) / ΣA, the weight of a positive entry in the dense loss (tkipf/gae); for a graph without edges, where it is
    /// undefined, the positives of the targets (the N self-loops) are counted instead: (N² − N) / N.
    /// </summary>
    public float PosWeight
    {
        get
        {
            double n2 = (double)Nodes * Nodes, ones = AdjacencyOnes > 0 ? AdjacencyOnes : Nodes;
            return n2 > ones ? (float)((n2 - ones) / ones) : 1f;
        }
    }

    /// <summary>norm = N² / (2(N² − ΣA)) (tkipf/gae), with ΣA counted as in <see cref="PosWeight"/>.</summary>
    public float Norm
    {
        get
        {
            double n2 = (double)Nodes * Nodes, ones = AdjacencyOnes > 0 ? AdjacencyOnes : Nodes;
            return n2 > ones ? (float)(n2 / (2 * (n2 - ones))) : 1f;
        }
    }

    /// <summary>The batch of a graph over the edges (u, v).</summary>
    /// <param name="nodes">N.</param>
    /// <param name="features">Row-major (N, D) features, or null for identity features.</param>
    /// <param name="featureCount">D (ignored without features).</param>
    /// <param name="edges">Undirected edges, u &lt; v, no repeats.</param>
    public static GraphBatch Create(int nodes, float[]? features, int featureCount, (int[] U, int[] V) edges)
    {
        Tensor? x = null;
        if (features != null)
            using (TensorScope.Untracked()) x = Tensor.Wrap(features, nodes, featureCount);
        var keys = new HashSet<long>(edges.U.Length);
        for (int k = 0; k < edges.U.Length; k++) keys.Add(GraphData.Key(Math.Min(edges.U[k], edges.V[k]), Math.Max(edges.U[k], edges.V[k]), nodes));
        CsrMatrix? sparse = null;
        if (features != null)
        {
            long nonZero = 0;
            foreach (float f in features) if (f != 0) nonZero++;
            if (nonZero <= SparseFeatureDensity * features.Length) sparse = CsrMatrix.FromDense(features, nodes, featureCount);
        }
        return new GraphBatch(nodes, x, CsrMatrix.GcnNormalized(nodes, edges.U, edges.V), CsrMatrix.AdjacencyWithSelfLoops(nodes, edges.U, edges.V), edges, keys)
        {
            SparseFeatures = sparse,
        };
    }

    /// <summary>A graph of the rows of <paramref name="x"/> without edges (Ã = I): how a graph model reads a plain row batch.</summary>
    /// <param name="x">Node features (N, D).</param>
    public static GraphBatch Edgeless(Tensor x)
    {
        int n = x.Dim(0);
        return new GraphBatch(n, x, CsrMatrix.Identity(n), CsrMatrix.Identity(n), ([], []), []);
    }
}
