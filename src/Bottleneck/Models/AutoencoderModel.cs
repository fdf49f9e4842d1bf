using Bottleneck.NN;
using Bottleneck.Tensors;

namespace Bottleneck.Models;

/// <summary>
/// How the decoder output is squashed and which reconstruction loss scores it. The pairs are the matched ones:
/// a sigmoid output with binary cross-entropy (data in [0, 1]), a linear output with squared error (unbounded data),
/// a tanh output with squared error (data in [−1, 1]).
/// </summary>
public enum Reconstruction
{
    /// <summary>Sigmoid output, BCE computed from the logits (numerically stable). For data in [0, 1].</summary>
    SigmoidBce,
    /// <summary>Identity output, squared error. For standardized or unbounded data.</summary>
    LinearMse,
    /// <summary>Tanh output, squared error. For data in [−1, 1].</summary>
    TanhMse,
}

/// <summary>
/// Everything one forward pass of an autoencoder yields. Losses are per sample summed over features and averaged over
/// the batch (<c>Reduction.BatchMean</c>); BCE in nats, squared error in squared data units.
/// </summary>
/// <param name="Loss">Total loss = reconstruction + regularization, 0-d.</param>
/// <param name="ReconstructionLoss">Reconstruction term, 0-d.</param>
/// <param name="RegularizationLoss">Regularization term (weight penalties, latent regularizers), 0-d; 0 when there is none.</param>
/// <param name="Latent">The code z, shape (N, latentDim).</param>
/// <param name="Logits">Decoder output before the output activation, shape (N, D).</param>
/// <param name="OutputKind">The output activation that maps logits to reconstructions.</param>
public sealed record AutoencoderOutput(Tensor Loss, Tensor ReconstructionLoss, Tensor RegularizationLoss, Tensor Latent, Tensor Logits, Reconstruction OutputKind)
{
    /// <summary>The reconstruction x̂ in data space, shape (N, D) (computed on first access).</summary>
    public Tensor Reconstruction => _reconstruction ??= AutoencoderModel.ApplyOutput(OutputKind, Logits);
    private Tensor? _reconstruction;
}

/// <summary>
/// The one model base: Encode → Decode → Loss. Every model kind derives from it and plugs in its encoder, decoder and
/// regularizer; the trainer, the model files, evaluation and the CLI only see this type.
/// </summary>
/// <remarks>Shape legend: N batch size, D input width (<see cref="ModelConfig.InputDim"/>), latentDim the code width.</remarks>
public abstract class AutoencoderModel : Module
{
    /// <summary>Creates the base for <paramref name="config"/>.</summary>
    protected AutoencoderModel(ModelConfig config) => Config = config ?? throw new ArgumentNullException(nameof(config));

    /// <summary>The validated configuration this model was built from.</summary>
    public ModelConfig Config { get; }

    /// <summary>D, the input width.</summary>
    public int InputDim => Config.InputDim;

    /// <summary>The code width.</summary>
    public int LatentDim => Config.LatentDim;

    /// <summary>The output activation and loss pairing.</summary>
    public Reconstruction OutputKind => Config.Output;

    /// <summary>Maps inputs (N, D) to codes (N, latentDim).</summary>
    public abstract Tensor Encode(Tensor x);

    /// <summary>Maps codes (N, latentDim) to decoder logits (N, D), before the output activation.</summary>
    public abstract Tensor DecodeLogits(Tensor z);

    /// <summary>Maps codes (N, latentDim) to reconstructions (N, D) in data space.</summary>
    public Tensor Decode(Tensor z) => ApplyOutput(OutputKind, DecodeLogits(z));

    /// <summary>x̂ = Decode(Encode(x)), shape (N, D).</summary>
    public Tensor Reconstruct(Tensor x) => Decode(Encode(x));

    /// <summary>
    /// One forward pass with losses. <paramref name="input"/> is what the encoder sees, <paramref name="target"/> what the
    /// reconstruction is scored against (the clean data; defaults to the input).
    /// </summary>
    /// <exception cref="ShapeException">The input is not (N, D) with D = <see cref="InputDim"/>.</exception>
    public virtual AutoencoderOutput Compute(Tensor input, Tensor? target = null)
    {
        CheckInput(input);
        var z = Encode(input);
        var logits = DecodeLogits(z);
        var rec = ReconstructionLoss(logits, target ?? input);
        var reg = Regularization(input, z);
        var loss = reg is null ? rec : rec + reg;
        return new AutoencoderOutput(loss, rec, reg ?? Tensor.Scalar(0f), z, logits, OutputKind);
    }

    /// <summary>
    /// The input corruption the <see cref="Training.Trainer"/> applies to training batches when it has no
    /// <see cref="Training.Trainer.Corruption"/> hook of its own (denoising variants); null (default) for none.
    /// </summary>
    public virtual Corruption? TrainingCorruption => null;

    /// <summary>
    /// Reseeds the model's own noise sources (e.g. random projections of a stochastic penalty); the trainer calls it at the
    /// start of every epoch so a resumed run draws the same noise. The default has none and draws nothing from <paramref name="rng"/>.
    /// </summary>
    public virtual void ReseedNoise(Rng rng) { }

    /// <summary>The regularization term of this kind (weight penalties, latent penalties), or null for none.</summary>
    protected virtual Tensor? Regularization(Tensor input, Tensor latent) => null;

    /// <summary>Reconstruction loss per sample summed over features, averaged over the batch.</summary>
    public Tensor ReconstructionLoss(Tensor logits, Tensor target) => OutputKind switch
    {
        Reconstruction.SigmoidBce => Losses.Loss.BceWithLogits(logits, target, Losses.Reduction.BatchMean),
        Reconstruction.LinearMse => Losses.Loss.Mse(logits, target, Losses.Reduction.BatchMean),
        Reconstruction.TanhMse => Losses.Loss.Mse(logits.Tanh(), target, Losses.Reduction.BatchMean),
        _ => throw new InvalidOperationException($"unknown reconstruction kind {OutputKind}"),
    };

    /// <summary>Applies the output activation of <paramref name="kind"/> to logits.</summary>
    public static Tensor ApplyOutput(Reconstruction kind, Tensor logits) => kind switch
    {
        Reconstruction.SigmoidBce => logits.Sigmoid(),
        Reconstruction.TanhMse => logits.Tanh(),
        _ => logits,
    };

    /// <summary>Checks that <paramref name="x"/> is (N, D).</summary>
    /// <exception cref="ShapeException">It is not.</exception>
    public void CheckInput(Tensor x)
    {
        if (x.Rank != 2 || x.Shape[1] != InputDim)
            throw new ShapeException($"input {x.ShapeString} has {(x.Rank == 2 ? x.Shape[1] : x.Length)} features, the model expects {InputDim} (shape (N, {InputDim}))");
    }
}
