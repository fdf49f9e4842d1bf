using Bottleneck.Models.Registry;
using Bottleneck.NN;

[assembly: ModelKinds(typeof(Bottleneck.Models.Dense.DenseKinds))]

namespace Bottleneck.Models.Dense;

/// <summary>
/// The registry entries of the dense family: one config type (<see cref="DenseConfig"/>) and one model class
/// (<see cref="DenseAutoencoder"/>); the kinds differ in the parts their configs add and, for "stacked", in the fit procedure.
/// </summary>
public static class DenseKinds
{
    private static ModelKind Kind(string name, string description, Func<int, ModelConfig> example,
        Func<ModelConfig, Training.TrainingOptions, Training.IFitProcedure>? fit = null) =>
        new(name, description, typeof(DenseConfig), (c, rng) => new DenseAutoencoder((DenseConfig)c, rng), [12],
            shape => (DenseConfig)example(shape[0]) with { Kind = name }, fit);

    /// <summary>"dense": fully connected autoencoder.</summary>
    public static readonly ModelKind Dense = Kind("dense",
        "Fully connected autoencoder: hidden widths, latent size, activations, tied weights, dropout, batch norm, L1/L2 weight penalties",
        d => new DenseConfig(d, [Math.Max(2, d / 2)], Math.Max(1, d / 4)));

    /// <summary>"sparse": a dense autoencoder with a <see cref="SparsityKl"/> or <see cref="SparsityL1"/> code penalty (Ng 2011).</summary>
    public static readonly ModelKind Sparse = Kind("sparse",
        "Sparse autoencoder: dense model with a KL (target rho, sigmoid code) or L1 activity penalty on the code; over-complete codes allowed",
        d => new DenseConfig(d, [], Math.Max(2, d + 2), latentActivation: Activation.Sigmoid, regularizer: new SparsityKl(0.05f, 0.5f)));

    /// <summary>"denoising": a dense autoencoder trained on corrupted inputs against clean targets (Vincent et al. 2008).</summary>
    public static readonly ModelKind Denoising = Kind("denoising",
        "Denoising autoencoder: dense model trained on Gaussian, masking or salt-and-pepper corrupted inputs, scored against the clean input",
        d => new DenseConfig(d, [Math.Max(2, d / 2)], Math.Max(1, d / 4), corruption: new GaussianNoise(0.3f, 0f, 1f)));

    /// <summary>"contractive": a dense autoencoder with the penalty λ‖∂h/∂x‖²_F (Rifai et al. 2011).</summary>
    public static readonly ModelKind Contractive = Kind("contractive",
        "Contractive autoencoder: dense model with the squared Frobenius norm of the encoder Jacobian as penalty (exact or random-projection)",
        d => new DenseConfig(d, [], Math.Max(1, d / 2), latentActivation: Activation.Sigmoid, regularizer: new Models.Contractive(0.1f)));

    /// <summary>"stacked": a deep dense autoencoder fitted by greedy layer-wise pretraining, then fine-tuning (Bengio et al. 2007).</summary>
    public static readonly ModelKind Stacked = Kind("stacked",
        "Stacked autoencoder: greedy layer-wise pretraining of each layer as a shallow (optionally denoising) autoencoder, then end-to-end fine-tuning",
        d => new DenseConfig(d, [Math.Max(2, d / 2)], Math.Max(1, d / 4), hiddenActivation: Activation.Sigmoid, latentActivation: Activation.Sigmoid,
            pretraining: new GreedyPretraining(1, new MaskingNoise(0.2f))),
        (c, o) => new GreedyLayerwiseFit((DenseConfig)c, o));

    /// <summary>"linear": no hidden layers, identity code, linear output with squared error (spans the PCA subspace at its optimum).</summary>
    public static readonly ModelKind Linear = Kind("linear",
        "Linear autoencoder: one linear encoder and decoder layer with squared error; at its optimum it spans the top principal subspace",
        d => DenseConfig.Linear(d, Math.Max(1, d / 4)));
}
