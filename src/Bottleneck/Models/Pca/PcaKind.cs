using Bottleneck.Models.Registry;
using Bottleneck.Training;

[assembly: ModelKinds(typeof(Bottleneck.Models.Pca.PcaKind))]

namespace Bottleneck.Models.Pca;

/// <summary>The registry entry of the kind "pca".</summary>
public static class PcaKind
{
    /// <summary>"pca": linear encoder/decoder from the top-k principal components, fitted in closed form.</summary>
    public static readonly ModelKind Kind = new("pca",
        "PCA baseline: linear encoder/decoder from the top-k principal components, fitted in closed form (no epochs)",
        typeof(PcaConfig), (c, rng) => new PcaModel((PcaConfig)c, rng),
        [12], shape => new PcaConfig(shape[0], Math.Max(1, shape[0] / 4)),
        (c, _) => new ClosedFormFit(((PcaConfig)c).DescribeFit()));
}
