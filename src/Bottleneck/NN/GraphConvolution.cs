using Bottleneck.Tensors;

namespace Bottleneck.NN;

/// <summary>
/// A graph convolution (GCN layer, Kipf &amp; Welling 2017, eq. 2): H′ = Ã·H·Wᵀ (+ b), with Ã the normalized adjacency
/// D^−½(A + I)D^−½ of the graph (<see cref="CsrMatrix.GcnNormalized"/>). Without an activation; the model applies one.
/// Shape: Ã (N, N), H (N, inFeatures) → H′ (N, outFeatures); weight (outFeatures, inFeatures), bias (outFeatures).
/// </summary>
/// <remarks>The product is taken as Ã·(H·Wᵀ) (the narrower side first). With <see cref="ForwardIdentity"/> the input is the
/// identity matrix (a featureless graph: one learned row per node), computed as Ã·Wᵀ without building I.</remarks>
public sealed class GraphConvolution : Module
{
    /// <summary>Creates the layer with Glorot-uniform weights (as the reference GCN and GAE code) and a zero bias.</summary>
    /// <param name="inFeatures">Input width, ≥ 1.</param>
    /// <param name="outFeatures">Output width, ≥ 1.</param>
    /// <param name="rng">Generator for the initial weights.</param>
    /// <param name="bias">Whether to learn an additive bias (default false, as in tkipf/gae).</param>
    /// <exception cref="ArgumentOutOfRangeException">A width is below 1.</exception>
    public GraphConvolution(int inFeatures, int outFeatures, Rng rng, bool bias = false)
    {
        if (inFeatures < 1) throw new ArgumentOutOfRangeException(nameof(inFeatures), $"inFeatures must be ≥ 1, got {inFeatures}");
        if (outFeatures < 1) throw new ArgumentOutOfRangeException(nameof(outFeatures), $"outFeatures must be ≥ 1, got {outFeatures}");
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        using (TensorScope.Untracked())
        {
            Weight = RegisterParameter("weight", Tensor.Zeros(outFeatures, inFeatures));
            Bias = bias ? RegisterParameter("bias", Tensor.Zeros(outFeatures)) : null;
        }
        ResetParameters(rng);
    }

    /// <summary>Input width.</summary>
    public int InFeatures { get; }

    /// <summary>Output width.</summary>
    public int OutFeatures { get; }

    /// <summary>Weight W, shape (outFeatures, inFeatures).</summary>
    public Tensor Weight { get; }

    /// <summary>Bias b, shape (outFeatures), or null.</summary>
    public Tensor? Bias { get; }

    /// <summary>W from U(−a, a) with a = √(6 / (inFeatures + outFeatures)) (Glorot &amp; Bengio 2010); b = 0.</summary>
    /// <param name="rng">Generator.</param>
    public void ResetParameters(Rng rng)
    {
        Init.XavierUniform(Weight, rng);
        if (Bias != null) Init.Zeros(Bias);
    }

    /// <summary>H′ = Ã·(H·Wᵀ) + b.</summary>
    /// <param name="adjacency">Ã (N, N).</param>
    /// <param name="h">H (N, inFeatures).</param>
    /// <exception cref="ShapeException">H is not (N, inFeatures).</exception>
    public Tensor Forward(CsrMatrix adjacency, Tensor h)
    {
        ArgumentNullException.ThrowIfNull(adjacency);
        var y = Tensor.SparseMatMul(adjacency, Tensor.Linear(h, Weight, null));
        return Bias is null ? y : y + Bias;
    }

    /// <summary>H′ = Ã·(X·Wᵀ) + b for sparse node features X (N, inFeatures): X·Wᵀ costs O(nnz(X)·outFeatures), and ∂L/∂W = (Xᵀ·∂L/∂(XWᵀ))ᵀ.</summary>
    /// <param name="adjacency">Ã (N, N).</param>
    /// <param name="x">X (N, inFeatures), sparse.</param>
    /// <exception cref="ShapeException">X does not have inFeatures columns.</exception>
    public Tensor Forward(CsrMatrix adjacency, CsrMatrix x)
    {
        ArgumentNullException.ThrowIfNull(adjacency);
        ArgumentNullException.ThrowIfNull(x);
        if (x.Columns != InFeatures) throw new ShapeException($"graph convolution: sparse features have {x.Columns} columns, the layer expects {InFeatures}");
        var y = Tensor.SparseMatMul(adjacency, Tensor.SparseMatMul(x, Weight.Transpose()));
        return Bias is null ? y : y + Bias;
    }

    /// <summary>H′ = Ã·I·Wᵀ + b = Ã·Wᵀ + b, for a graph without node features (inFeatures = N).</summary>
    /// <param name="adjacency">Ã (N, N) with N = inFeatures.</param>
    /// <exception cref="ShapeException">Ã has another size than inFeatures.</exception>
    public Tensor ForwardIdentity(CsrMatrix adjacency)
    {
        ArgumentNullException.ThrowIfNull(adjacency);
        if (adjacency.Columns != InFeatures)
            throw new ShapeException($"graph convolution on identity features: the graph has {adjacency.Columns} nodes, the layer expects {InFeatures}");
        var y = Tensor.SparseMatMul(adjacency, Weight.Transpose());
        return Bias is null ? y : y + Bias;
    }
}
