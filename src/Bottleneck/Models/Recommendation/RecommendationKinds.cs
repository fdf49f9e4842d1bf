using Bottleneck.Models.Registry;

[assembly: ModelKinds(typeof(Bottleneck.Models.Recommendation.RecommendationKinds))]

namespace Bottleneck.Models.Recommendation;

/// <summary>The registry entries of the collaborative-filtering kinds: autorec, mult-dae and mult-vae.</summary>
public static class RecommendationKinds
{
    /// <summary>"autorec": I-AutoRec / U-AutoRec on explicit ratings (Sedhain et al. 2015).</summary>
    public static readonly ModelKind AutoRec = new("autorec",
        "AutoRec (Sedhain et al. 2015): item- or user-based autoencoder of a rating matrix, squared error on observed ratings only, L2 lambda; Rprop full batch or Adam",
        typeof(AutoRecConfig), (c, rng) => RecommendationModels.AutoRec((AutoRecConfig)c, rng),
        [12], shape => new AutoRecConfig(shape[0], hidden: 6, lambda: 1f, rows: 8));

    /// <summary>"mult-dae": denoising autoencoder with a multinomial likelihood for implicit feedback (Liang et al. 2018).</summary>
    public static readonly ModelKind MultDae = new("mult-dae",
        "Mult-DAE (Liang et al. 2018): denoising autoencoder of click vectors, input dropout, tanh layers, multinomial likelihood",
        typeof(MultConfig), (c, rng) => RecommendationModels.Mult((MultConfig)c, rng),
        [12], shape => new MultConfig(shape[0], [8], 4, variational: false, l2: 1e-3f));

    /// <summary>"mult-vae": variational autoencoder with a multinomial likelihood and KL annealing to β_max (Liang et al. 2018).</summary>
    public static readonly ModelKind MultVae = new("mult-vae",
        "Mult-VAE (Liang et al. 2018): VAE of click vectors, input dropout, multinomial likelihood, KL weight annealed to beta max",
        typeof(MultConfig), (c, rng) => RecommendationModels.Mult((MultConfig)c, rng),
        [12], shape => new MultConfig(shape[0], [8], 4, klSchedule: new KlSchedule(KlScheduleKind.Linear, Epochs: 2)));
}
