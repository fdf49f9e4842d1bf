using Bottleneck.Models.Registry;
using Bottleneck.NN;
using Bottleneck.Tensors;

[assembly: ModelKinds(typeof(Bottleneck.Models.RobustAe.RobustAeKinds))]

namespace Bottleneck.Models.RobustAe;

/// <summary>The registry entry of the kind "robust-ae" and how its model is composed.</summary>
public static class RobustAeKinds
{
    /// <summary>
    /// The model of a <see cref="RobustAeConfig"/>: the composed <see cref="Autoencoder"/> with an MLP encoder (Linear, activation per
    /// hidden layer, linear code), a deterministic latent and the mirrored MLP decoder (linear last layer), PyTorch's default
    /// initialisation from <paramref name="rng"/>. State dict: <c>encoder.{i}.weight</c>, <c>decoder.{i}.bias</c>, … as the dense kind.
    /// </summary>
    /// <param name="config">The configuration.</param>
    /// <param name="rng">Generator for the initial weights.</param>
    public static Autoencoder Create(RobustAeConfig config, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(config);
        int[] widths = [config.InputDim, .. config.Hidden, config.LatentDim];
        var encoder = Mlp.Stack(widths, config.HiddenActivation, Activation.Identity, rng);
        var decoder = Mlp.Stack(widths.Reverse().ToArray(), config.HiddenActivation, Activation.Identity, rng);
        return new Autoencoder(config, new AutoencoderParts(encoder, new DeterministicLatent(), decoder));
    }

    /// <summary>"robust-ae": X = L_D + S, an autoencoder on L_D and a sparse outlier part S, alternating optimisation (Zhou &amp; Paffenroth 2017).</summary>
    public static readonly ModelKind RobustAe = new("robust-ae",
        "Robust deep autoencoder: the rows split into a part the autoencoder reconstructs and a sparse outlier part (l1 or l2,1 shrinkage), alternating optimisation",
        typeof(RobustAeConfig), (c, rng) => Create((RobustAeConfig)c, rng),
        [12], shape => new RobustAeConfig(shape[0], [Math.Max(2, shape[0] / 2)], Math.Max(1, shape[0] / 4), iterations: 2),
        (c, o) => new RobustAeFit((RobustAeConfig)c, o));
}
