using Bottleneck.Models.Registry;

[assembly: ModelKinds(typeof(Bottleneck.Models.Dagmm.DagmmKinds))]

namespace Bottleneck.Models.Dagmm;

/// <summary>The registry entry of the kind "dagmm".</summary>
public static class DagmmKinds
{
    /// <summary>"dagmm": compression network plus a Gaussian-mixture estimation network, sample energy as the score (Zong et al. 2018).</summary>
    public static readonly ModelKind Dagmm = new("dagmm",
        "Deep autoencoding Gaussian mixture model: compression network plus an estimation network (softmax over K components) on the code, relative error and cosine similarity; sample energy as the score",
        typeof(DagmmConfig), (c, rng) => new DagmmModel((DagmmConfig)c, rng),
        [12], shape => new DagmmConfig(shape[0], [Math.Max(2, shape[0] / 2)], 1, components: 2),
        (_, o) => new DagmmFit(o));
}
