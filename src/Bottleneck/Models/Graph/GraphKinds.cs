using Bottleneck.Models.Registry;

[assembly: ModelKinds(typeof(Bottleneck.Models.Graph.GraphKinds))]

namespace Bottleneck.Models.Graph;

/// <summary>The registry entries of the graph autoencoders (Kipf &amp; Welling 2016); one config and one model class.</summary>
public static class GraphKinds
{
    private static ModelKind Kind(string name, string description, bool variational) =>
        new(name, description, typeof(GraphConfig), (c, rng) => new GraphAutoencoder((GraphConfig)c, rng), [10],
            shape => new GraphConfig(shape[0], 10, [8], 4, variational) with { Kind = name });

    /// <summary>"gae": GCN encoder, inner-product decoder, weighted BCE over the adjacency (link prediction, node embeddings).</summary>
    public static readonly ModelKind Gae = Kind("gae",
        "Graph autoencoder (GAE): GCN encoder, inner-product decoder sigma(z_i.z_j), weighted adjacency BCE or negative sampling; link prediction", false);

    /// <summary>"vgae": GAE with a Gaussian code per node and KL to N(0, I) weighted by 1/N.</summary>
    public static readonly ModelKind Vgae = Kind("vgae",
        "Variational graph autoencoder (VGAE): GAE with a Gaussian code per node, reparameterization and KL to N(0, I)", true);
}
