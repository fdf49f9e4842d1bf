using Bottleneck.NN;
using Bottleneck.Tensors;

namespace Bottleneck.Models.Recommendation;

/// <summary>
/// Row-wise L2 normalisation x / max(‖x‖₂, 10⁻¹²) (PyTorch's <c>F.normalize(x, dim=1)</c>), the first step of Liang et al.'s
/// encoder: a user's click vector is scaled to unit length before dropout. No parameters. Shape (N, D) → (N, D).
/// </summary>
public sealed class RowNormalize : Module
{
    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input / input.Pow(2f).Sum(1, keepDim: true).Sqrt().Clamp(min: 1e-12f);
    }
}

/// <summary>Builds the composed <see cref="Autoencoder"/> of the recommendation kinds from their configs.</summary>
public static class RecommendationModels
{
    /// <summary>
    /// AutoRec: encoder Linear(D, k) + g, deterministic code, decoder Linear(k, D), Gaussian (squared-error) likelihood, and the L2
    /// penalty λ/(2·Rows) on both weight matrices. The mask of each <see cref="RowBatch"/> selects the observed ratings.
    /// </summary>
    /// <param name="config">The config.</param>
    /// <param name="rng">Generator for the initial weights (PyTorch's default Linear initialisation).</param>
    public static Autoencoder AutoRec(AutoRecConfig config, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(config);
        var v = new Linear(config.InputDim, config.Hidden, rng);
        var w = new Linear(config.Hidden, config.InputDim, rng);
        var encoder = new Sequential(v, new ActivationLayer(config.HiddenActivation));
        var decoder = new Sequential(w);
        Regularizer[] regularizers = config.Lambda > 0 ? [new WeightPenalty(l2: config.L2PerRow)] : [];
        return new Autoencoder(config, new AutoencoderParts(encoder, new DeterministicLatent(), decoder, regularizers,
            PlainEncoder: [new EncoderLayer(v, config.HiddenActivation)], Weights: [v.Weight, w.Weight]));
    }

    /// <summary>
    /// Mult-VAE / Mult-DAE: encoder RowNormalize, Dropout(p), then Linear + tanh per hidden width (and, for Mult-DAE, Linear(·, latentDim)
    /// + tanh as the code); a <see cref="GaussianLatent"/> (β_max and its schedule) or a deterministic code; decoder latentDim →
    /// mirrored hidden (tanh) → D logits; multinomial likelihood; optional L2 penalty on every weight matrix.
    /// </summary>
    /// <param name="config">The config.</param>
    /// <param name="rng">Generator for the initial weights and the dropout layer.</param>
    public static Autoencoder Mult(MultConfig config, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(config);
        var weights = new List<Tensor>();
        var encoder = new Sequential(new RowNormalize());
        if (config.Dropout > 0) encoder.Add(new NN.Dropout(rng.Fork(), config.Dropout));
        int width = config.InputDim;
        var encoderWidths = config.Variational ? config.Hidden : [.. config.Hidden, config.LatentDim];
        foreach (int h in encoderWidths)
        {
            var lin = new Linear(width, h, rng);
            weights.Add(lin.Weight);
            encoder.Add(lin);
            encoder.Add(new ActivationLayer(Activation.Tanh));
            width = h;
        }
        LatentLayer latent = config.Variational
            ? new GaussianLatent(width, config.LatentDim, new KlWeighting(config.Beta, config.KlSchedule), rng)
            : new DeterministicLatent();
        if (latent is GaussianLatent g) { weights.Add(g.Mu.Weight); weights.Add(g.LogVar.Weight); }
        var decoder = new Sequential();
        int from = config.LatentDim;
        foreach (int h in config.Hidden.Reverse())
        {
            var lin = new Linear(from, h, rng);
            weights.Add(lin.Weight);
            decoder.Add(lin);
            decoder.Add(new ActivationLayer(Activation.Tanh));
            from = h;
        }
        var output = new Linear(from, config.InputDim, rng);
        weights.Add(output.Weight);
        decoder.Add(output);
        Regularizer[] regularizers = config.L2 > 0 ? [new WeightPenalty(l2: config.L2)] : [];
        return new Autoencoder(config, new AutoencoderParts(encoder, latent, decoder, regularizers, Weights: weights));
    }
}
