using System.Text.Json.Serialization;

namespace Bottleneck.Models.Graph;

/// <summary>How a graph autoencoder scores the reconstruction of the adjacency.</summary>
public enum GraphReconstruction
{
    /// <summary>Every one of the N² entries of A + I, weighted BCE with pos_weight and norm as in tkipf/gae (<see cref="Losses.LinkLoss.DenseAdjacencyBce"/>); O(N²) memory and time.</summary>
    Dense,
    /// <summary>The training edges against as many sampled non-edges per step (PyTorch Geometric's recon_loss, <see cref="Losses.LinkLoss.SampledBce"/>); O(E) memory.</summary>
    Sampled,
}

/// <summary>
/// Configuration of the graph autoencoders <c>gae</c> and <c>vgae</c> (Kipf &amp; Welling 2016): a GCN encoder with hidden
/// widths, a code of <see cref="Latent"/> values per node (deterministic, or Gaussian for the variational kind), and the
/// inner-product decoder p(A_ij = 1 | z) = σ(z_iᵀz_j).
/// </summary>
public sealed record GraphConfig : ModelConfig
{
    /// <summary>The largest graph the default <see cref="GraphReconstruction.Dense"/> loss is chosen for (N² logits and gradients: 2 × 400 MB at 10,000 nodes).</summary>
    public const int DenseLimit = 10_000;

    /// <summary>Creates and validates a configuration.</summary>
    /// <param name="featureCount">D, features per node (for identity features: N), ≥ 1.</param>
    /// <param name="nodes">N, nodes of the graph the model is trained on, ≥ 2 (sets the default KL weight 1/N).</param>
    /// <param name="hidden">GCN hidden widths (default [32], the paper's); each ≥ 1; may be empty (one GCN layer to the code).</param>
    /// <param name="latent">The code width per node (default 16), ≥ 1.</param>
    /// <param name="variational">A Gaussian code with KL to N(0, I) (vgae) instead of a deterministic one (gae); default false.</param>
    /// <param name="identityFeatures">The graph has no node features: X = I (N × N), so <paramref name="featureCount"/> must equal N; default false.</param>
    /// <param name="reconstruction">The loss over the adjacency; default null = dense up to <see cref="DenseLimit"/> nodes, sampled above.</param>
    /// <param name="klWeight">Weight of the KL term (vgae), ≥ 0; default null = 1/N, as the reference code (KL per node averaged over nodes, divided by N).</param>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range (the message names it).</exception>
    public GraphConfig(int featureCount, int nodes, int[]? hidden = null, int latent = 16, bool variational = false, bool identityFeatures = false,
        GraphReconstruction? reconstruction = null, float? klWeight = null) : base(variational ? "vgae" : "gae")
    {
        FeatureCount = AtLeastOne(featureCount, nameof(featureCount));
        if (nodes < 2) throw new ArgumentOutOfRangeException(nameof(nodes), nodes, $"nodes must be ≥ 2, got {nodes}");
        Nodes = nodes;
        Hidden = hidden ?? [32];
        for (int i = 0; i < Hidden.Length; i++) AtLeastOne(Hidden[i], $"hidden[{i}]");
        Latent = AtLeastOne(latent, nameof(latent));
        Variational = variational;
        IdentityFeatures = identityFeatures;
        if (identityFeatures && featureCount != nodes)
            throw new ArgumentOutOfRangeException(nameof(featureCount), featureCount, $"featureCount must equal nodes ({nodes}) with identity features, got {featureCount}");
        Reconstruction = reconstruction ?? (nodes <= DenseLimit ? GraphReconstruction.Dense : GraphReconstruction.Sampled);
        KlWeight = klWeight is { } w ? NonNegative(w, nameof(klWeight)) : 1f / nodes;
    }

    /// <summary>The constructor config.json is read through (every value explicit, validated as above).</summary>
    [JsonConstructor]
    private GraphConfig(int featureCount, int nodes, int[] hidden, int latent, bool variational, bool identityFeatures, GraphReconstruction reconstruction, float klWeight)
        : this(featureCount, nodes, hidden, latent, variational, identityFeatures, (GraphReconstruction?)reconstruction, (float?)klWeight) { }

    /// <summary>D, features per node.</summary>
    public int FeatureCount { get; }

    /// <summary>N, nodes of the training graph.</summary>
    public int Nodes { get; }

    /// <summary>GCN hidden widths.</summary>
    public int[] Hidden { get; }

    /// <summary>Code width per node.</summary>
    public int Latent { get; }

    /// <summary>Gaussian code (vgae).</summary>
    public bool Variational { get; }

    /// <summary>X = I (a featureless graph).</summary>
    public bool IdentityFeatures { get; }

    /// <summary>The reconstruction loss.</summary>
    public GraphReconstruction Reconstruction { get; }

    /// <summary>The KL weight (vgae).</summary>
    public float KlWeight { get; }

    /// <inheritdoc/>
    public override int InputDim => FeatureCount;

    /// <inheritdoc/>
    public override int LatentDim => Latent;

    /// <inheritdoc/>
    [JsonIgnore] public override Likelihood Likelihood => Likelihood.Bernoulli;

    /// <inheritdoc/>
    [JsonIgnore] public override string? NotRowsNote =>
        "this command does not apply to graph models; it scores graphs (graph:cora:DIR or graph:EDGES.csv[:features=FILE.csv]): use evaluate, encode or links with such data";

    /// <inheritdoc/>
    public override string Describe() =>
        $"{Kind} GCN {(IdentityFeatures ? $"I({FeatureCount})" : FeatureCount.ToString(System.Globalization.CultureInfo.InvariantCulture))}-{string.Concat(Hidden.Select(h => h + "-"))}{Latent}" +
        $"{(Variational ? " (Gaussian)" : "")}, inner-product decoder, {Reconstruction.ToString().ToLowerInvariant()} weighted BCE" +
        (Variational ? $", KL weight {Num(KlWeight)}" : "");

    /// <inheritdoc/>
    public override IEnumerable<(string Name, string Value)> Summary() =>
    [
        ("nodes", Nodes.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ("features", IdentityFeatures ? "identity" : FeatureCount.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ("reconstruction", Reconstruction.ToString().ToLowerInvariant()),
    ];

    /// <inheritdoc/>
    public bool Equals(GraphConfig? other) => other is not null && base.Equals(other) && FeatureCount == other.FeatureCount && Nodes == other.Nodes &&
        Hidden.AsSpan().SequenceEqual(other.Hidden) && Latent == other.Latent && Variational == other.Variational && IdentityFeatures == other.IdentityFeatures &&
        Reconstruction == other.Reconstruction && KlWeight == other.KlWeight;

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(FeatureCount, Nodes, Hidden.Length, Latent, Variational, IdentityFeatures, Reconstruction, KlWeight);
}
