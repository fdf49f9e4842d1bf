using Bottleneck.Models.Registry;

[assembly: ModelKinds(typeof(Bottleneck.Models.RandNet.RandNetKinds))]

namespace Bottleneck.Models.RandNet;

/// <summary>The registry entry of the kind "randnet".</summary>
public static class RandNetKinds
{
    /// <summary>"randnet": an ensemble of autoencoders with randomly thinned connections, each on a subsample, median of standardised scores (Chen et al. 2017).</summary>
    public static readonly ModelKind RandNet = new("randnet",
        "RandNet: an ensemble of autoencoders with randomly thinned connections, each trained on a subsample; median of the standardised member errors",
        typeof(RandNetConfig), (c, rng) => new RandNetModel((RandNetConfig)c, rng),
        [12], shape => new RandNetConfig(shape[0], [Math.Max(2, shape[0] / 2)], Math.Max(1, shape[0] / 4), members: 2),
        (c, o) => new RandNetFit((RandNetConfig)c, o));
}
