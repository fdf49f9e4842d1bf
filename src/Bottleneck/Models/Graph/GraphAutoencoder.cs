using Bottleneck.Data;
using Bottleneck.Losses;
using Bottleneck.NN;
using Bottleneck.Tensors;

namespace Bottleneck.Models.Graph;

/// <summary>
/// The graph autoencoder GAE and its variational form VGAE (Kipf &amp; Welling 2016, "Variational Graph Auto-Encoders"):
/// a GCN encoder H = ReLU(Ã·X·W₀ᵀ) …, the code Z = Ã·H·W_zᵀ (GAE) or μ, log σ² = Ã·H·W_μᵀ + b_μ, Ã·H·W_vᵀ + b_v with
/// Z = μ + σ ⊙ ε (VGAE, the core's <see cref="GaussianLatent"/> over Ã·H, KL weighted by 1/N), and the inner-product decoder
/// p(A_ij = 1 | Z) = σ(z_iᵀz_j). Shapes: X (N, D) with Ã (N, N) → Z (N, latentDim) → logits (N, N).
/// </summary>
/// <remarks>
/// <para>Step on a <see cref="GraphBatch"/>: the reconstruction term is the weighted BCE over the whole adjacency (dense) or over
/// the training edges and as many non-edges sampled from the step's noise (sampled), then the latent layer's KL term (VGAE).
/// A <see cref="RowBatch"/> is read as a graph of its rows without edges (Ã = I), so the model also takes plain rows.</para>
/// <para>State-dict names: <c>encoder.0.weight</c> … (GCN layers, PyTorch Linear layout (out, in)), <c>latent.mu.weight</c>,
/// <c>latent.mu.bias</c>, <c>latent.log_var.weight</c>, <c>latent.log_var.bias</c> (VGAE) or <c>output.weight</c> (GAE).</para>
/// </remarks>
public sealed class GraphAutoencoder : AutoencoderModel
{
    private readonly GraphConvolution[] _layers;
    private readonly GraphConvolution? _output;
    private readonly GaussianLatent? _gaussian;
    private readonly LikelihoodHead _head;

    /// <summary>Builds the model with Glorot-uniform GCN weights (the latent heads' too; their biases zero).</summary>
    /// <param name="config">The configuration.</param>
    /// <param name="rng">Generator for the initial weights.</param>
    public GraphAutoencoder(GraphConfig config, Rng rng) : base(config)
    {
        ArgumentNullException.ThrowIfNull(rng);
        GraphConfig = config;
        var encoder = RegisterModule("encoder", new GraphLayers());
        int width = config.FeatureCount;
        _layers = new GraphConvolution[config.Hidden.Length];
        for (int i = 0; i < _layers.Length; i++)
        {
            _layers[i] = encoder.Add(new GraphConvolution(width, config.Hidden[i], rng));
            width = config.Hidden[i];
        }
        if (config.Variational)
        {
            if (_layers.Length == 0) throw new ArgumentException("a variational graph autoencoder needs at least one hidden GCN layer");
            _gaussian = RegisterModule("latent", new GaussianLatent(width, config.Latent, new KlWeighting(config.KlWeight), rng));
            foreach (var head in new[] { _gaussian.Mu, _gaussian.LogVar })
            {
                Init.XavierUniform(head.Weight, rng);
                if (head.Bias != null) Init.Zeros(head.Bias);
            }
        }
        else
        {
            _output = RegisterModule("output", new GraphConvolution(width, config.Latent, rng));
        }
        _head = RegisterModule("likelihood", config.Likelihood.CreateHead([config.FeatureCount]));
    }

    /// <summary>The configuration.</summary>
    public GraphConfig GraphConfig { get; }

    /// <inheritdoc/>
    public override LikelihoodHead LikelihoodHead => _head;

    /// <summary>The hidden representation before the code: H_L = ReLU(Ã·…ReLU(Ã·X·W₀ᵀ)…), (N, width) — X itself with no hidden layer.</summary>
    private Tensor Hidden(GraphBatch g)
    {
        Tensor? h = g.Features;
        for (int i = 0; i < _layers.Length; i++)
            h = (i == 0 && g.SparseFeatures is { } sparse ? _layers[i].Forward(g.Adjacency, sparse)
                : h is null ? _layers[i].ForwardIdentity(g.Adjacency) : _layers[i].Forward(g.Adjacency, h)).Relu();
        if (h is null) throw new InvalidOperationException("a model without hidden layers needs node features");
        return h;
    }

    /// <summary>The code of every node, Z (GAE) or μ (VGAE), shape (N, latentDim).</summary>
    /// <param name="graph">The graph.</param>
    /// <exception cref="ShapeException">The features do not have the model's width.</exception>
    public Tensor Encode(GraphBatch graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        CheckGraph(graph);
        return Code(graph, StepContext.Evaluation).Z;
    }

    private LatentSample Code(GraphBatch g, StepContext context)
    {
        if (_output != null)
        {
            if (_layers.Length == 0 && g.SparseFeatures is { } sparse) return new LatentSample(_output.Forward(g.Adjacency, sparse), []);
            if (_layers.Length == 0 && g.Features is null) return new LatentSample(_output.ForwardIdentity(g.Adjacency), []);
            return new LatentSample(_output.Forward(g.Adjacency, Hidden(g)), []);
        }
        // Ã·(H·Wᵀ) + b = (Ã·H)·Wᵀ + b: the Gaussian heads are linear maps of the propagated hidden layer.
        var propagated = Tensor.SparseMatMul(g.Adjacency, Hidden(g));
        return _gaussian!.Sample(propagated, context);
    }

    private void CheckGraph(GraphBatch g)
    {
        if (g.Features is { } x) CheckInput(x);
        else if (GraphConfig.FeatureCount != g.Nodes)
            throw new ShapeException($"the graph has {g.Nodes} nodes and no features; the model takes {GraphConfig.FeatureCount} features per node (identity features need {GraphConfig.FeatureCount} nodes)");
    }

    /// <inheritdoc/>
    /// <remarks>The rows are read as the nodes of a graph without edges (Ã = I).</remarks>
    public override Tensor Encode(Tensor x)
    {
        CheckInput(x);
        return Encode(GraphBatch.Edgeless(x));
    }

    /// <summary>The inner-product decoder's logits Z·Zᵀ, shape (N, N).</summary>
    /// <param name="z">Codes (N, latentDim).</param>
    public override Tensor DecodeLogits(Tensor z) => z.MatMul(z.Transpose());

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">The batch is neither a <see cref="GraphBatch"/> nor a <see cref="RowBatch"/>.</exception>
    public override AutoencoderOutput Step(Batch batch, StepContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var g = batch switch
        {
            GraphBatch gb => gb,
            RowBatch rb => RowGraph(rb),
            _ => throw new ArgumentException($"a graph autoencoder takes a GraphBatch or a RowBatch, got a {batch?.GetType().Name ?? "null"}", nameof(batch)),
        };
        CheckGraph(g);
        var sample = Code(g, context);
        var z = sample.Z;
        Tensor reconstruction, logits;
        if (GraphConfig.Reconstruction == GraphReconstruction.Dense || g.Edges.U.Length == 0)
        {
            reconstruction = LinkLoss.DenseAdjacencyBce(z, g.Targets, g.PosWeight, g.Norm, out logits);
        }
        else
        {
            var negatives = SampleNegatives(g, g.Edges.U.Length, context.Noise ?? new Rng(0x6E65_6761));
            reconstruction = LinkLoss.SampledBce(z, g.Edges, negatives, out logits);
        }
        return AutoencoderOutput.Create(reconstruction, sample.Terms, z, logits, _head) with { Metrics = sample.Metrics };
    }

    private GraphBatch RowGraph(RowBatch rb)
    {
        CheckInput(rb.Input);
        return GraphBatch.Edgeless(rb.Input);
    }

    /// <summary>
    /// <paramref name="count"/> node pairs (i, j), i &lt; j, drawn uniformly among pairs that are not edges of <paramref name="graph"/>
    /// (rejection sampling; repeats allowed, as PyTorch Geometric's <c>negative_sampling</c> may return).
    /// </summary>
    /// <param name="graph">The graph whose edges the pairs avoid.</param>
    /// <param name="count">Pairs to draw, ≥ 1.</param>
    /// <param name="rng">Generator.</param>
    /// <exception cref="ArgumentException">The graph has no non-edge.</exception>
    public static (int[] U, int[] V) SampleNegatives(GraphBatch graph, int count, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(graph);
        int n = graph.Nodes;
        if ((long)n * (n - 1) / 2 <= graph.EdgeKeys.Count) throw new ArgumentException("the graph is complete: there is no non-edge to sample");
        var u = new int[count];
        var v = new int[count];
        for (int k = 0; k < count;)
        {
            int i = rng.NextInt(n), j = rng.NextInt(n);
            if (i == j) continue;
            int a = Math.Min(i, j), b = Math.Max(i, j);
            if (graph.EdgeKeys.Contains(GraphData.Key(a, b, n))) continue;
            u[k] = a; v[k] = b; k++;
        }
        return (u, v);
    }

    /// <summary>p(A_ij = 1) = σ(z_iᵀz_j) for each pair (i, j) from the codes Z (N, latentDim).</summary>
    /// <param name="z">Codes, row-major (N × k).</param>
    /// <param name="k">latentDim.</param>
    /// <param name="u">i of each pair.</param>
    /// <param name="v">j of each pair.</param>
    public static double[] LinkProbabilities(ReadOnlySpan<float> z, int k, ReadOnlySpan<int> u, ReadOnlySpan<int> v)
    {
        var p = new double[u.Length];
        for (int t = 0; t < u.Length; t++)
        {
            double dot = 0;
            var a = z.Slice(u[t] * k, k);
            var b = z.Slice(v[t] * k, k);
            for (int d = 0; d < k; d++) dot += (double)a[d] * b[d];
            p[t] = 1.0 / (1.0 + Math.Exp(-dot));
        }
        return p;
    }

    /// <summary>The GCN hidden layers, registered as <c>encoder.0</c>, <c>encoder.1</c>, ….</summary>
    private sealed class GraphLayers : Module
    {
        private int _count;

        public GraphConvolution Add(GraphConvolution layer) => RegisterModule((_count++).ToString(System.Globalization.CultureInfo.InvariantCulture), layer);
    }
}
