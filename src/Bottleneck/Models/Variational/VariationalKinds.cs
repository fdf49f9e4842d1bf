using Bottleneck.Models.Registry;

[assembly: ModelKinds(typeof(Bottleneck.Models.Variational.VariationalKinds))]

namespace Bottleneck.Models.Variational;

/// <summary>
/// The registry entries of the variational family: one config type (<see cref="VariationalConfig"/>) and one model class
/// (<see cref="VariationalAutoencoder"/>); the kinds differ in their latent layer, their KL weighting and their penalties.
/// </summary>
public static class VariationalKinds
{
    private static ModelKind Kind(string name, string description, Func<int, VariationalConfig> example,
        Func<ModelConfig, Training.TrainingOptions, Training.IFitProcedure>? fit = null) =>
        new(name, description, typeof(VariationalConfig), (c, rng) => new VariationalAutoencoder((VariationalConfig)c, rng), [12],
            shape => example(shape[0]) with { Kind = name }, fit);

    private static int[] Hidden(int d) => [Math.Max(2, d / 2)];

    /// <summary>"vae": Gaussian latent, reparameterization, KL to N(0, I) weighted by β and a schedule (Kingma &amp; Welling 2014; Higgins et al. 2017).</summary>
    public static readonly ModelKind Vae = Kind("vae",
        "Variational autoencoder: Gaussian posterior, reparameterization, negative ELBO; beta, KL schedules (linear, cyclical, capacity), free bits",
        d => new VariationalConfig(d, Hidden(d), 2));

    /// <summary>"cvae": a VAE whose encoder and decoder see the one-hot class label (Sohn et al. 2015).</summary>
    public static readonly ModelKind Cvae = Kind("cvae",
        "Conditional VAE: encoder and decoder conditioned on the one-hot class label; generates samples of a chosen class",
        d => new VariationalConfig(d, Hidden(d), 2, classes: 3));

    /// <summary>"beta-tcvae": the KL split into index-code MI, total correlation (weighted by β) and dimension-wise KL (Chen et al. 2018).</summary>
    public static readonly ModelKind BetaTcvae = Kind("beta-tcvae",
        "beta-TCVAE: the KL split into mutual information, total correlation (weighted by beta) and dimension-wise KL, minibatch-weighted sampling",
        d => new VariationalConfig(d, Hidden(d), 2, beta: 6f, totalCorrelation: true));

    /// <summary>"info-vae": a VAE plus λ·MMD² between the aggregate posterior and the prior (Zhao et al. 2017).</summary>
    public static readonly ModelKind InfoVae = Kind("info-vae",
        "InfoVAE (MMD-VAE): the VAE objective plus an MMD penalty between the aggregate posterior and the prior",
        d => new VariationalConfig(d, Hidden(d), 2, mmdWeight: 1f));

    /// <summary>"wae-mmd": a deterministic encoder whose aggregate code distribution is pushed to N(0, I) by λ·MMD² (Tolstikhin et al. 2018).</summary>
    public static readonly ModelKind WaeMmd = Kind("wae-mmd",
        "Wasserstein autoencoder (WAE-MMD): deterministic codes matched to the N(0, I) prior by an MMD penalty (RBF or inverse multiquadric kernel)",
        d => new VariationalConfig(d, Hidden(d), 2, latent: LatentKind.Deterministic, mmdWeight: 10f));

    /// <summary>"vq-vae": a codebook, nearest-neighbour quantization, straight-through gradients (van den Oord et al. 2017).</summary>
    public static readonly ModelKind VqVae = Kind("vq-vae",
        "VQ-VAE: codes quantized to the nearest codebook entry, straight-through gradient, codebook and commitment losses, EMA updates, dead-code restarts",
        d => new VariationalConfig(d, Hidden(d), 4, latent: LatentKind.VectorQuantized, codebookSize: 8, codeDim: 2));

    /// <summary>"aae": a deterministic autoencoder whose code distribution is matched to the prior by a discriminator (Makhzani et al. 2016).</summary>
    public static readonly ModelKind Aae = Kind("aae",
        "Adversarial autoencoder: a discriminator on the code, prior normal or a mixture of Gaussians, alternating reconstruction and regularization phases",
        d => new VariationalConfig(d, Hidden(d), 2, latent: LatentKind.Deterministic, adversarial: true, discriminatorHidden: 8));

    /// <summary>"hvae": two stochastic layers with ladder (top-down, precision-weighted) inference (Sønderby et al. 2016).</summary>
    public static readonly ModelKind Hvae = Kind("hvae",
        "Hierarchical VAE with two stochastic layers and ladder inference (top-down, precision-weighted posteriors); IWAE NLL over both layers",
        d => new VariationalConfig(d, Hidden(d), 4, latent: LatentKind.Ladder, topLatentDim: 2, ladderHidden: 4));

    /// <summary>"ssvae": the semi-supervised VAE M2 with a classifier q(y | x) (Kingma et al. 2014), fitted on paired labelled and
    /// unlabelled batches (<see cref="SemiSupervisedFit"/>).</summary>
    public static readonly ModelKind Ssvae = Kind("ssvae",
        "Semi-supervised VAE (M2): a classifier q(y|x) and a label-conditioned VAE; labelled and unlabelled rows in one run (--labelled N)",
        d => new VariationalConfig(d, Hidden(d), 2, classes: 3, semiSupervised: true, datasetSize: 40),
        (_, options) => new SemiSupervisedFit(options));
}
