using Bottleneck.NN;
using Bottleneck.Tensors;

namespace Bottleneck.Models.Sequence;

/// <summary>
/// Recurrent sequence autoencoder (kinds <c>lstm</c>, <c>gru</c>): x (N, T, F) → <see cref="SequenceEncoder"/> → latent layer → z
/// (N, latentDim) → <see cref="RepeatDecoder"/> or <see cref="AutoregressiveDecoder"/> → logits (N, T, F) → likelihood.
/// State-dict entries: <c>encoder.rnn.weight_ih_l0</c> …, <c>encoder.to_latent.*</c>, <c>decoder.rnn.*</c>, <c>decoder.output.*</c>,
/// <c>likelihood.*</c>. The reconstruction loss is the likelihood's (per sample, summed over the kept values, averaged over the
/// batch), so padded steps masked out by <see cref="RowBatch.Mask"/> add nothing.
/// </summary>
public sealed partial class SequenceAutoencoder : AutoencoderModel
{
    private readonly LikelihoodHead _head;
    private readonly SequenceEncoder _encoder;
    private readonly Module _decoder;

    /// <summary>Builds the model.</summary>
    /// <param name="config">The configuration.</param>
    /// <param name="cell">LSTM or GRU (from the kind).</param>
    /// <param name="rng">Initial weights.</param>
    public SequenceAutoencoder(SequenceConfig config, RecurrentCell cell, Rng rng) : base(config)
    {
        Cell = cell;
        _head = config.Likelihood.CreateHead(config.InputShape);
        _encoder = RegisterModule("encoder", new SequenceEncoder(config, cell, rng));
        Latent = RegisterModule<LatentLayer>("latent", config.Variational
            ? new GaussianLatent(config.LatentDim, config.LatentDim, new KlWeighting(config.Beta), rng)
            : new DeterministicLatent());
        _decoder = RegisterModule<Module>("decoder", config.Decoder == SequenceDecoder.Repeat
            ? new RepeatDecoder(config, cell, rng) as Module
            : new AutoregressiveDecoder(config, cell, rng, _head.Mean));
        RegisterModule("likelihood", _head);
    }

    /// <summary>The recurrent cell.</summary>
    public RecurrentCell Cell { get; }

    /// <summary>The latent layer: deterministic, or Gaussian for a variational model (heads μ and log σ² on the encoder's code projection).</summary>
    public LatentLayer Latent { get; }

    /// <summary>The encoder.</summary>
    public SequenceEncoder Encoder => _encoder;

    /// <summary>The decoder (<see cref="RepeatDecoder"/> or <see cref="AutoregressiveDecoder"/>).</summary>
    public Module Decoder => _decoder;

    /// <inheritdoc/>
    public override LikelihoodHead LikelihoodHead => _head;

    /// <summary>Samples per chunk when encoding or decoding without autograd (scoring): the recurrent buffers grow with N·T·H, so a
    /// scorer's batch of thousands of long sequences runs in chunks of this many.</summary>
    public const int InferenceChunk = 256;

    /// <inheritdoc/>
    public override Tensor Encode(Tensor x)
    {
        CheckSequence(x);
        return Chunked(x, c => Latent.Code(_encoder.Encode(c, null)));
    }

    /// <inheritdoc/>
    public override Tensor DecodeLogits(Tensor z) => Chunked(z, _decoder.Forward);

    /// <summary>The code of a batch whose mask marks padded steps (<see cref="RowBatch.Mask"/>, 0 on the padding): last pooling reads the
    /// last real step, mean pooling averages the real steps. Without a mask as <see cref="Encode(Tensor)"/>.</summary>
    /// <param name="batch">Sequences (N, T, F) and their mask (N, T, F) or none.</param>
    public override Tensor Encode(RowBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Mask is not { } mask) return Encode(batch.Input);
        CheckSequence(batch.Input);
        int n = batch.Input.Dim(0);
        if (Autograd.GradMode.IsEnabled || n <= InferenceChunk) return Latent.Code(_encoder.Encode(batch.Input, mask));
        var parts = new List<Tensor>((n + InferenceChunk - 1) / InferenceChunk);
        for (int start = 0; start < n; start += InferenceChunk)
        {
            int m = Math.Min(InferenceChunk, n - start);
            parts.Add(Latent.Code(_encoder.Encode(batch.Input.Slice(0, start, m), mask.Slice(0, start, m))));
        }
        return Tensor.Concat(parts, 0);
    }

    /// <summary>The reconstruction (N, T, F) of a batch, its code taken as <see cref="Encode(RowBatch)"/> (padding ignored); the values at
    /// padded steps are the decoder's output there and mean nothing.</summary>
    /// <param name="batch">Sequences and their mask or none.</param>
    public override Tensor Reconstruct(RowBatch batch) => Decode(Encode(batch));

    /// <summary>A unidirectional encoder ignores padded steps (they come after the real ones and last pooling reads the last real step); a
    /// bidirectional one reads the padding backwards before the real steps, so it does not.</summary>
    public override bool IgnoresPadding => !((SequenceConfig)Config).Bidirectional;

    /// <summary><paramref name="f"/> over <paramref name="x"/>, in chunks of <see cref="InferenceChunk"/> samples when autograd is off.</summary>
    private static Tensor Chunked(Tensor x, Func<Tensor, Tensor> f)
    {
        int n = x.Dim(0);
        if (Autograd.GradMode.IsEnabled || n <= InferenceChunk) return f(x);
        var parts = new List<Tensor>((n + InferenceChunk - 1) / InferenceChunk);
        for (int start = 0; start < n; start += InferenceChunk) parts.Add(f(x.Slice(0, start, Math.Min(InferenceChunk, n - start))));
        return Tensor.Concat(parts, 0);
    }

    /// <summary>Checks that <paramref name="x"/> is (N, T, F); the message gives the values per sample of both.</summary>
    /// <exception cref="ShapeException">It is not.</exception>
    private void CheckSequence(Tensor x)
    {
        var shape = InputShape;
        if (x.Rank == 3 && x.Dim(1) == shape[0] && x.Dim(2) == shape[1]) return;
        int perSample = x.Rank == 0 ? 1 : x.Length / Math.Max(1, x.Dim(0));
        throw new ShapeException($"input {x.ShapeString} has {perSample} values per sample, the model expects sequences of {shape[0]} steps × {shape[1]} channels = {InputDim} (shape (N, {shape[0]}, {shape[1]}))");
    }

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">The batch is not a <see cref="RowBatch"/>.</exception>
    public override AutoencoderOutput Step(Batch batch, StepContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (batch is not RowBatch rows)
            throw new ArgumentException($"a {Config.Kind} model takes batches of sequences (RowBatch), got {batch?.GetType().Name ?? "null"}", nameof(batch));
        CheckSequence(rows.Input);
        using var noise = NoiseScope.Use(context.Training ? context.Noise : null);
        var h = _encoder.Encode(rows.Input, rows.Mask);
        var latent = Latent.Sample(h, context);
        var logits = context.Training && _decoder is AutoregressiveDecoder ar
            ? ar.TeacherForced(latent.Z, rows.Input)
            : _decoder.Forward(latent.Z);
        var reconstruction = _head.Loss(logits, rows.ReconstructionTarget, rows.Mask);
        return AutoencoderOutput.Create(reconstruction, latent.Terms, latent.Z, logits, _head) with { Metrics = latent.Metrics };
    }
}
