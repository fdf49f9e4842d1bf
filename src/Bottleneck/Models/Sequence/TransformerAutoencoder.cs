using Bottleneck.NN;
using Bottleneck.Tensors;

namespace Bottleneck.Models.Sequence;

/// <summary>
/// Transformer sequence autoencoder (kind <c>transformer</c>; see <see cref="TransformerConfig"/>). Entries: <c>input.*</c>,
/// <c>encoder.layers.{i}.*</c>, <c>encoder.norm.*</c>, <c>to_latent.*</c>, <c>latent.*</c>, <c>from_latent.*</c>, <c>decoder.*</c>,
/// <c>output.*</c>, <c>likelihood.*</c>. Padded steps (all of a step's values masked out by <see cref="RowBatch.Mask"/>) are hidden from
/// attention and pooling; in masked-autoencoder training the masked steps are hidden the same way and are the only ones scored.
/// </summary>
public sealed partial class TransformerAutoencoder : AutoencoderModel
{
    private readonly LikelihoodHead _head;
    private readonly Linear _input, _toLatent, _fromLatent, _output;
    private readonly SinusoidalPositionalEncoding _positions;
    private readonly TransformerEncoder _encoder, _decoder;
    private readonly TransformerConfig _config;

    /// <summary>Builds the model.</summary>
    /// <param name="config">The configuration.</param>
    /// <param name="rng">Initial weights.</param>
    public TransformerAutoencoder(TransformerConfig config, Rng rng) : base(config)
    {
        _config = config;
        _head = config.Likelihood.CreateHead(config.InputShape);
        _input = RegisterModule("input", new Linear(config.Channels, config.DModel, rng));
        _positions = new SinusoidalPositionalEncoding(config.DModel, config.Steps);
        _encoder = RegisterModule("encoder", new TransformerEncoder(config.Layers, config.DModel, config.Heads, config.Feedforward, rng, config.Dropout));
        _toLatent = RegisterModule("to_latent", new Linear(config.DModel, config.LatentDim, rng));
        Latent = RegisterModule<LatentLayer>("latent", new DeterministicLatent());
        _fromLatent = RegisterModule("from_latent", new Linear(config.LatentDim, config.DModel, rng));
        _decoder = RegisterModule("decoder", new TransformerEncoder(config.Layers, config.DModel, config.Heads, config.Feedforward, rng, config.Dropout));
        _output = RegisterModule("output", new Linear(config.DModel, config.Channels, rng));
        RegisterModule("likelihood", _head);
    }

    /// <summary>The latent layer (deterministic).</summary>
    public LatentLayer Latent { get; }

    /// <inheritdoc/>
    public override LikelihoodHead LikelihoodHead => _head;

    /// <inheritdoc/>
    public override Tensor Encode(Tensor x)
    {
        CheckSequence(x);
        return Latent.Code(EncodeHidden(x, null));
    }

    /// <summary>The code of a batch whose mask marks padded steps (0 on the padding): padded steps are hidden from attention and pooling.
    /// Without a mask as <see cref="Encode(Tensor)"/>.</summary>
    /// <param name="batch">Sequences (N, T, F) and their mask (N, T, F) or none.</param>
    public override Tensor Encode(RowBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Mask is not { } mask) return Encode(batch.Input);
        CheckSequence(batch.Input);
        int n = batch.Input.Dim(0), t = _config.Steps;
        return Latent.Code(EncodeHidden(batch.Input, Tensor.Ones(n, t) - SequenceEncoder.StepMask(mask).Reshape(n, t)));
    }

    /// <summary>The reconstruction (N, T, F) of a batch, its code taken as <see cref="Encode(RowBatch)"/> (padding ignored).</summary>
    /// <param name="batch">Sequences and their mask or none.</param>
    public override Tensor Reconstruct(RowBatch batch) => Decode(Encode(batch));

    /// <summary>True: padded steps are hidden from attention and pooling, and the decoder never sees the input.</summary>
    public override bool IgnoresPadding => true;

    /// <inheritdoc/>
    public override Tensor DecodeLogits(Tensor z)
    {
        int n = z.Dim(0);
        var h = _positions.Forward(_fromLatent.Forward(z).Reshape(n, 1, _config.DModel).BroadcastTo(n, _config.Steps, _config.DModel));
        return _output.Forward(_decoder.Forward(h));
    }

    /// <summary>h = to_latent(mean over the visible steps of the encoder output); <paramref name="hidden"/> (N, T) is 1 at hidden steps.</summary>
    private Tensor EncodeHidden(Tensor x, Tensor? hidden)
    {
        var e = _encoder.Forward(_positions.Forward(_input.Forward(x)), false, hidden);
        Tensor pooled;
        if (hidden is null) pooled = e.Mean(1);
        else
        {
            int n = x.Dim(0), t = x.Dim(1);
            var visible = Tensor.Ones(n, t, 1) - hidden.Reshape(n, t, 1);
            pooled = (e * visible).Sum(1) / visible.Sum(1).Clamp(1f);
        }
        return _toLatent.Forward(pooled);
    }

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">The batch is not a <see cref="RowBatch"/>.</exception>
    public override AutoencoderOutput Step(Batch batch, StepContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (batch is not RowBatch rows)
            throw new ArgumentException($"a {Config.Kind} model takes batches of sequences (RowBatch), got {batch?.GetType().Name ?? "null"}", nameof(batch));
        CheckSequence(rows.Input);
        int n = rows.Input.Dim(0), t = _config.Steps, f = _config.Channels;
        using var noise = NoiseScope.Use(context.Training ? context.Noise : null);
        // Steps hidden from attention and pooling: padding (no kept value) and, in masked-autoencoder training, the masked steps.
        Tensor? hidden = rows.Mask is null ? null : Tensor.Ones(n, t) - SequenceEncoder.StepMask(rows.Mask).Reshape(n, t);
        Tensor? lossMask = rows.Mask;
        if (context.Training && _config.MaskRatio > 0f && context.Noise is { } rng)
        {
            var masked = MaskedSteps(n, t, _config.MaskRatio, rng, hidden);
            hidden = hidden is null ? masked : Tensor.Where(masked, masked, hidden);
            var perValue = masked.Reshape(n, t, 1).BroadcastTo(n, t, f).Detach();
            lossMask = lossMask is null ? perValue : lossMask * perValue;
        }
        var latent = Latent.Sample(EncodeHidden(rows.Input, hidden), context);
        var logits = DecodeLogits(latent.Z);
        var reconstruction = _head.Loss(logits, rows.ReconstructionTarget, lossMask);
        return AutoencoderOutput.Create(reconstruction, latent.Terms, latent.Z, logits, _head);
    }

    /// <summary>1 at ⌊ratio·T⌋ (at least 1) steps per sample drawn without replacement among the steps not already hidden, else 0: (N, T).</summary>
    private static Tensor MaskedSteps(int n, int t, float ratio, Rng rng, Tensor? alreadyHidden)
    {
        var m = Tensor.Zeros(n, t);
        var s = m.Span;
        int k = Math.Max(1, (int)(ratio * t));
        for (int i = 0; i < n; i++)
        {
            var candidates = Enumerable.Range(0, t).Where(j => alreadyHidden is null || alreadyHidden.Span[i * t + j] == 0f).ToArray();
            if (candidates.Length <= 1) continue;   // keep at least one visible step
            var perm = rng.Permutation(candidates.Length);
            for (int j = 0; j < Math.Min(k, candidates.Length - 1); j++) s[i * t + candidates[perm[j]]] = 1f;
        }
        return m;
    }

    private void CheckSequence(Tensor x)
    {
        var shape = InputShape;
        if (x.Rank == 3 && x.Dim(1) == shape[0] && x.Dim(2) == shape[1]) return;
        int perSample = x.Rank == 0 ? 1 : x.Length / Math.Max(1, x.Dim(0));
        throw new ShapeException($"input {x.ShapeString} has {perSample} values per sample, the model expects sequences of {shape[0]} steps × {shape[1]} channels = {InputDim} (shape (N, {shape[0]}, {shape[1]}))");
    }
}
