using Bottleneck.NN;
using Bottleneck.Tensors;

namespace Bottleneck.Models;

/// <summary>The parts an <see cref="Autoencoder"/> is composed of.</summary>
/// <param name="Encoder">Maps inputs (N, …) to the latent layer's input h.</param>
/// <param name="Latent">Maps h to the code z (and may add loss terms); <see cref="DeterministicLatent"/> for a plain autoencoder.</param>
/// <param name="Decoder">Maps codes (N, latentDim) to logits (N, …).</param>
/// <param name="Regularizers">Penalties added as loss terms, in order; default none.</param>
/// <param name="Corruption">Input corruption applied in training steps (denoising), or null (default).</param>
/// <param name="PlainEncoder">The encoder as Linear+activation layers (for the contractive penalty), or null when it is not such a stack.</param>
/// <param name="Weights">The weight matrices a <see cref="WeightPenalty"/> applies to (no biases, no normalization scales), in
/// state-dict order; default none.</param>
/// <param name="Augment">Replace each training sample by a random flip or rotation of itself (<see cref="DihedralAugmentation"/>;
/// images only), before the corruption; default false.</param>
/// <param name="Residual">Residual learning (Zhang et al., "Beyond a Gaussian denoiser: residual learning of deep CNN for image
/// denoising" (DnCNN), IEEE TIP 2017): the logits are x̃ + decoder(z), so the encoder and decoder learn the residual x − x̃, minus
/// the noise, instead of the clean image; the decoder's output must have the input's shape and the likelihood an identity mean
/// (linear-mse). Default false.</param>
public sealed record AutoencoderParts(Module Encoder, LatentLayer Latent, Module Decoder, IReadOnlyList<Regularizer>? Regularizers = null,
    Corruption? Corruption = null, IReadOnlyList<EncoderLayer>? PlainEncoder = null, IReadOnlyList<Tensor>? Weights = null, bool Augment = false,
    bool Residual = false);

/// <summary>
/// The composed autoencoder: encoder → latent layer → decoder → likelihood, with regularizers and an input corruption.
/// Kinds differ in their parts (an MLP or convolutional encoder, a deterministic or Gaussian latent…), not in copied classes.
/// </summary>
/// <remarks>
/// <para>Step: x ← a random flip or rotation of x when training with <see cref="AutoencoderParts.Augment"/>; x̃ = corruption(x) when training; h = encoder(x̃); (z, latent terms) = latent(h); l = decoder(z) (x̃ + decoder(z)
/// with <see cref="AutoencoderParts.Residual"/>);
/// loss = −log p(x | l) + Σ latent terms + Σ regularizers, each a named term. Noise for dropout layers comes from the step's
/// generator (<see cref="NoiseScope"/>), after the corruption's draws.</para>
/// <para>State-dict entries: the parts are registered as <c>encoder</c>, <c>latent</c>, <c>decoder</c> and <c>likelihood</c>
/// (parts without parameters add no entries). A kind that needs other names (to keep older files loadable) derives from this
/// class, passes <c>register: false</c> and registers its tensors itself.</para>
/// </remarks>
public class Autoencoder : AutoencoderModel
{
    private readonly LikelihoodHead _head;
    private readonly Regularizer[] _regularizers;
    private readonly Tensor[] _penalizedWeights;

    /// <summary>Composes an autoencoder from <paramref name="parts"/>, registering them as <c>encoder</c>, <c>latent</c>, <c>decoder</c>, <c>likelihood</c>.</summary>
    /// <param name="config">The kind's config (sample shape, latent width, likelihood).</param>
    /// <param name="parts">The parts.</param>
    public Autoencoder(ModelConfig config, AutoencoderParts parts) : this(config, parts, register: true) { }

    /// <summary>Composes an autoencoder; with <paramref name="register"/> false the derived class registers the parts' tensors itself.</summary>
    /// <param name="config">The kind's config.</param>
    /// <param name="parts">The parts.</param>
    /// <param name="register">Register the parts as child modules (else the derived class registers what it needs).</param>
    protected Autoencoder(ModelConfig config, AutoencoderParts parts, bool register) : base(config)
    {
        ArgumentNullException.ThrowIfNull(parts);
        Encoder = parts.Encoder;
        Latent = parts.Latent;
        Decoder = parts.Decoder;
        _head = config.Likelihood.CreateHead(config.InputShape);
        _regularizers = (parts.Regularizers ?? []).ToArray();
        Corruption = parts.Corruption;
        Augment = parts.Augment;
        Residual = parts.Residual;
        PlainEncoder = parts.PlainEncoder;
        if (register)
        {
            RegisterModule("encoder", Encoder);
            RegisterModule("latent", Latent);
            RegisterModule("decoder", Decoder);
            RegisterModule("likelihood", _head);
        }
        _penalizedWeights = (parts.Weights ?? []).ToArray();
    }

    /// <summary>Registers the likelihood head as <c>likelihood</c> (for derived classes that register their parts themselves).</summary>
    protected void RegisterLikelihood() => RegisterModule("likelihood", _head);

    /// <summary>The encoder.</summary>
    public Module Encoder { get; }

    /// <summary>The latent layer.</summary>
    public LatentLayer Latent { get; }

    /// <summary>The decoder.</summary>
    public Module Decoder { get; }

    /// <inheritdoc/>
    public override LikelihoodHead LikelihoodHead => _head;

    /// <summary>The regularizers, in the order their terms are added.</summary>
    public IReadOnlyList<Regularizer> Regularizers => _regularizers;

    /// <summary>The input corruption of training steps, or null.</summary>
    public Corruption? Corruption { get; }

    /// <inheritdoc/>
    public override Corruption? InputCorruption => Corruption;

    /// <summary>True when training steps replace each sample by a random flip or rotation of itself (<see cref="DihedralAugmentation"/>).</summary>
    public bool Augment { get; }

    /// <summary>True when the logits are the input plus the decoder's output (<see cref="AutoencoderParts.Residual"/>).</summary>
    public bool Residual { get; }

    /// <inheritdoc/>
    public override Tensor ReconstructLogits(Tensor x)
    {
        var logits = base.ReconstructLogits(x);
        return Residual ? x.Detach() + logits : logits;
    }

    /// <summary>The encoder as Linear+activation layers, or null when it is not such a stack.</summary>
    public IReadOnlyList<EncoderLayer>? PlainEncoder { get; }

    /// <inheritdoc/>
    public override Tensor Encode(Tensor x)
    {
        CheckInput(x);
        return Latent.Code(Encoder.Forward(x));
    }

    /// <inheritdoc/>
    public override Tensor DecodeLogits(Tensor z) => Decoder.Forward(z);

    /// <summary>The codes of a batch; an encoder that reads the mask (<see cref="IMaskedEncoder"/>) gets the batch's mask, so padded steps
    /// change no code. Otherwise as the base.</summary>
    /// <param name="batch">The batch.</param>
    public override Tensor Encode(RowBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (Encoder is not IMaskedEncoder masked || batch.Mask is null) return base.Encode(batch);
        CheckInput(batch.Input);
        return Latent.Code(masked.Forward(batch.Input, batch.Mask));
    }

    /// <summary>The reconstructions of a batch from <see cref="Encode(RowBatch)"/>'s codes when the encoder reads the mask; otherwise as the base.</summary>
    /// <param name="batch">The batch.</param>
    public override Tensor Reconstruct(RowBatch batch) =>
        Encoder is IMaskedEncoder && batch?.Mask != null ? Decode(Encode(batch)) : base.Reconstruct(batch!);

    /// <summary>True when the encoder reads the mask (<see cref="IMaskedEncoder"/>); the decoder of a composed model never sees the input.</summary>
    public override bool IgnoresPadding => Encoder is IMaskedEncoder;

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">The batch is not a <see cref="RowBatch"/>.</exception>
    public override AutoencoderOutput Step(Batch batch, StepContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (batch is not RowBatch rows)
            throw new ArgumentException($"a {Config.Kind} model takes batches of samples (RowBatch), got {batch?.GetType().Name ?? "null"}", nameof(batch));
        CheckInput(rows.Input);
        if (context.Training && Augment && context.Noise != null) rows = DihedralAugmentation.Apply(rows, context.Noise);
        var input = rows.Input;
        if (context.Training && Corruption != null && context.Noise != null) input = Corruption.Apply(input, context.Noise);
        using var noise = NoiseScope.Use(context.Training ? context.Noise : null);
        var h = Encoder is IMaskedEncoder masked && rows.Mask != null ? masked.Forward(input, rows.Mask) : Encoder.Forward(input);
        var latent = Latent.Sample(h, context);
        var logits = Decoder.Forward(latent.Z);
        if (Residual) logits = input.Detach() + logits;
        var reconstruction = _head.Loss(logits, rows.ReconstructionTarget, rows.Mask);
        if (latent.Terms.Count == 0 && _regularizers.Length == 0)
            return AutoencoderOutput.Create(reconstruction, [], latent.Z, logits, _head) with { Metrics = latent.Metrics };
        var terms = new List<LossTerm>(latent.Terms.Count + _regularizers.Length);
        terms.AddRange(latent.Terms);
        if (_regularizers.Length > 0)
        {
            var input2 = new RegularizerInput(input, latent.Z, PlainEncoder, _penalizedWeights, context.Training ? context.Noise : null);
            foreach (var r in _regularizers) terms.Add(new LossTerm(r.TermName, r.Penalty(input2)));
        }
        return AutoencoderOutput.Create(reconstruction, terms, latent.Z, logits, _head) with { Metrics = latent.Metrics };
    }
}
