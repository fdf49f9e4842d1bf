using Bottleneck.NN;
using Bottleneck.Tensors;

namespace Bottleneck.Models.Dense;

/// <summary>
/// Dense autoencoder (Hinton &amp; Salakhutdinov, Science 2006, trained end to end): the composed <see cref="Autoencoder"/> with an
/// MLP encoder to a latentDim code, a deterministic latent and a mirrored MLP decoder (or, with tied weights, a decoder that reuses
/// the transposed encoder weights). Shape: input (N, D) → code (N, latentDim) → logits (N, D).
/// </summary>
/// <remarks>
/// State-dict names (PyTorch nn.Sequential numbering, unchanged since format version 1): <c>encoder.{i}.weight</c>,
/// <c>encoder.{i}.bias</c>, <c>encoder.{i}.running_mean</c> …, <c>decoder.{i}.weight</c>; with tied weights the decoder biases
/// <c>decoder_bias_{i}</c> (code side first); <c>likelihood.log_var</c> for the learned-variance Gaussian.
/// </remarks>
public sealed partial class DenseAutoencoder : Autoencoder
{
    private readonly List<Linear> _encoderLinears;
    private readonly List<Linear> _decoderLinears;
    private readonly List<Tensor> _tiedDecoderBiases;

    /// <summary>Builds the model with PyTorch's default initialisation drawn from <paramref name="rng"/>.</summary>
    /// <param name="config">The validated configuration.</param>
    /// <param name="rng">Generator for the initial weights and the dropout layers' own generators.</param>
    public DenseAutoencoder(DenseConfig config, Rng rng) : this(config, MlpParts.Build(config, rng)) { }

    private DenseAutoencoder(DenseConfig config, MlpParts parts) : base(config, parts.Parts, register: false)
    {
        DenseConfig = config;
        _encoderLinears = parts.EncoderLinears;
        _decoderLinears = parts.DecoderLinears;
        _tiedDecoderBiases = parts.TiedBiases;
        for (int i = 0; i < _tiedDecoderBiases.Count; i++) RegisterParameter($"decoder_bias_{i}", _tiedDecoderBiases[i]);
        RegisterModule("encoder", parts.Parts.Encoder);
        RegisterModule("latent", parts.Parts.Latent);
        RegisterModule("decoder", parts.Parts.Decoder);
        RegisterLikelihood();
    }

    /// <summary>The validated configuration.</summary>
    public DenseConfig DenseConfig { get; }

    /// <summary>Encoder layers (Linear [BatchNorm] activation [Dropout] …, Linear, latent activation).</summary>
    public new Sequential Encoder => (Sequential)base.Encoder;

    /// <summary>Decoder layers (Linear [BatchNorm] activation [Dropout] …, Linear), or null with tied weights (the decoder then reuses the encoder's weights).</summary>
    public new Sequential? Decoder => base.Decoder as Sequential;

    /// <summary>The encoder's Linear layers, input side first.</summary>
    public IReadOnlyList<Linear> EncoderLinears => _encoderLinears;

    /// <summary>The decoder's Linear layers, code side first (empty with tied weights).</summary>
    public IReadOnlyList<Linear> DecoderLinears => _decoderLinears;

    /// <summary>With tied weights, the decoder biases (code side first), else empty.</summary>
    public IReadOnlyList<Tensor> TiedDecoderBiases => _tiedDecoderBiases;

    /// <summary>The encoder as (Linear, activation) pairs, input side first, for Jacobian computations.</summary>
    /// <exception cref="InvalidOperationException">The encoder has batch norm or dropout layers (not a plain Linear+activation stack).</exception>
    public IReadOnlyList<EncoderLayer> EncoderLayers => PlainEncoder
        ?? throw new InvalidOperationException("the encoder has batch norm or dropout layers, so it is not a plain Linear+activation stack");

    /// <inheritdoc/>
    public override IFastInference? CreateFastInference() => Decoder is { } decoder ? DenseInference.TryCreate(Encoder, decoder) : null;

    private LiveInference<DenseInference>? _live;

    /// <summary>The fused path kept for no-grad calls in eval mode (created on first use; one per model, also under a race).</summary>
    private LiveInference<DenseInference> Live =>
        LazyInitializer.EnsureInitialized(ref _live, () => new(() => Decoder is { } decoder ? DenseInference.TryCreate(Encoder, decoder) : null));

    /// <summary>
    /// Maps inputs (N, D) to codes (N, latentDim). In eval mode under <see cref="Autograd.GradMode.NoGrad"/> (inference from C#,
    /// evaluators) it runs the fused inference path on the live weights (repacked on each call: the same packing the autograd
    /// path's GEMMs do), else the layers with autograd.
    /// </summary>
    /// <exception cref="ShapeException">The input is not (N, D).</exception>
    public override Tensor Encode(Tensor x) => Live.Encode(this, x, base.Encode);

    /// <summary>
    /// Maps codes (N, latentDim) to decoder logits (N, D); in eval mode under <see cref="Autograd.GradMode.NoGrad"/> through the fused
    /// inference path on the live weights, else the layers with autograd.
    /// </summary>
    /// <exception cref="ShapeException">The codes are not (N, latentDim).</exception>
    public override Tensor DecodeLogits(Tensor z) => Live.DecodeLogits(this, z, base.DecodeLogits);
}

/// <summary>The MLP parts of a <see cref="DenseAutoencoder"/> built from its config.</summary>
internal sealed record MlpParts(AutoencoderParts Parts, List<Linear> EncoderLinears, List<Linear> DecoderLinears, List<Tensor> TiedBiases)
{
    public static MlpParts Build(DenseConfig c, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(c);
        ArgumentNullException.ThrowIfNull(rng);
        var widths = c.EncoderWidths();
        var encoderLinears = new List<Linear>();
        var decoderLinears = new List<Linear>();
        var tiedBiases = new List<Tensor>();
        var encoder = Stack(c, widths, c.LatentActivation, rng, encoderLinears);
        var rev = widths.Reverse().ToArray();
        Module decoder;
        if (c.TiedWeights)
        {
            using (TensorScope.Untracked())
                for (int i = 0; i < rev.Length - 1; i++)
                {
                    var b = Tensor.Zeros(rev[i + 1]);
                    Init.Uniform(b, rng, -1f / MathF.Sqrt(rev[i]), 1f / MathF.Sqrt(rev[i]));
                    tiedBiases.Add(b);
                }
            decoder = new TiedMlpDecoder(encoderLinears, tiedBiases, c.HiddenActivation);
        }
        else decoder = Stack(c, rev, Activation.Identity, rng, decoderLinears);
        var plain = c.Traits.PlainLayers
            ? encoderLinears.Select((l, i) => new EncoderLayer(l, i == encoderLinears.Count - 1 ? c.LatentActivation : c.HiddenActivation)).ToList()
            : null;
        var weights = encoderLinears.Concat(decoderLinears).Select(l => l.Weight).ToList();
        var parts = new AutoencoderParts(encoder, new DeterministicLatent(), decoder, c.Regularizers(), c.Corruption, plain, weights);
        return new MlpParts(parts, encoderLinears, decoderLinears, tiedBiases);
    }

    /// <summary>Linear [BatchNorm] activation [Dropout] … Linear [last activation], PyTorch's default initialisation.</summary>
    private static Sequential Stack(DenseConfig c, int[] widths, Activation last, Rng rng, List<Linear> linears) =>
        Mlp.Stack(widths, c.HiddenActivation, last, rng, c.BatchNorm, c.Dropout, linears);
}

/// <summary>
/// The decoder of a tied-weight MLP: layer i computes h·W_(L−1−i) + b_i with the mirrored encoder layer's weight (so the
/// decoder weight is that weight transposed), the hidden activation between layers and none after the last. Registers no
/// tensors of its own: the weights belong to the encoder, the biases to the model (<c>decoder_bias_{i}</c>).
/// </summary>
internal sealed class TiedMlpDecoder(IReadOnlyList<Linear> encoderLinears, IReadOnlyList<Tensor> biases, Activation hidden) : Module
{
    public override Tensor Forward(Tensor z)
    {
        var h = z;
        int n = encoderLinears.Count;
        for (int i = 0; i < n; i++)
        {
            var w = encoderLinears[n - 1 - i].Weight;          // (out_enc, in_enc) = (in_dec, out_dec)
            h = h.MatMul(w) + biases[i];
            if (i < n - 1) h = ActivationLayer.Apply(hidden, h);
        }
        return h;
    }
}
