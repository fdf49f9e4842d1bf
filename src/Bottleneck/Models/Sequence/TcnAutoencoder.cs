using Bottleneck.NN;
using Bottleneck.Tensors;

namespace Bottleneck.Models.Sequence;

/// <summary>
/// The temporal convolutional autoencoder (kind "tcn"), composed from the core's parts: a <see cref="TcnEncoder"/>, a deterministic
/// or Gaussian latent, a <see cref="TcnDecoder"/> and the likelihood. Shapes: x (N, T, F) → code (N, latentDim) → logits (N, T, F).
/// State-dict names: <c>encoder.blocks.{i}.conv.weight</c>, <c>encoder.blocks.{i}.skip.weight</c> (1×1, when the width changes),
/// <c>encoder.to_latent.weight</c>, <c>latent.mu.weight</c> … (variational), <c>decoder.from_latent.weight</c>,
/// <c>decoder.blocks.{i}.conv.weight</c>, <c>decoder.out.weight</c>.
/// </summary>
public sealed partial class TcnAutoencoder : Autoencoder
{
    /// <summary>Builds the model with PyTorch's default initialisation.</summary>
    /// <param name="config">The configuration.</param>
    /// <param name="rng">Generator of the initial weights.</param>
    public TcnAutoencoder(TcnConfig config, Rng rng) : base(config, Parts(config, rng)) => TcnConfig = config;

    /// <summary>The configuration.</summary>
    public TcnConfig TcnConfig { get; }

    private static AutoencoderParts Parts(TcnConfig c, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(c);
        var encoder = new TcnEncoder(c, rng);
        LatentLayer latent = c.Variational ? new GaussianLatent(c.LatentDim, c.LatentDim, new KlWeighting(c.Beta), rng) : new DeterministicLatent();
        return new AutoencoderParts(encoder, latent, new TcnDecoder(c, rng));
    }
}

/// <summary>A residual block: y = ReLU(conv(x)) + skip(x), skip the identity or a 1×1 convolution when the width changes.</summary>
internal sealed partial class TcnBlock : Module
{
    private readonly Conv1d _conv;
    private readonly Conv1d? _skip;

    public TcnBlock(int inChannels, int outChannels, int kernel, int dilation, ConvPadding padding, Rng rng)
    {
        _conv = RegisterModule("conv", new Conv1d(inChannels, outChannels, kernel, rng, dilation: dilation, paddingMode: padding));
        if (inChannels != outChannels) _skip = RegisterModule("skip", new Conv1d(inChannels, outChannels, 1, rng));
    }

    public override Tensor Forward(Tensor x) => _conv.Forward(x).Relu() + (_skip?.Forward(x) ?? x);
}

/// <summary>Causal dilated residual blocks over (N, F, T), mean over time (over the kept steps when masked: a causal feature at a real step
/// never sees the padding after it), a Linear to the code: (N, T, F) → (N, latentDim).</summary>
internal sealed partial class TcnEncoder : Module, IMaskedEncoder
{
    private readonly Sequential _blocks = new();
    private readonly Linear _toLatent;

    public TcnEncoder(TcnConfig c, Rng rng)
    {
        int width = c.Channels;
        for (int i = 0; i < c.Dilations.Length; i++)
        {
            _blocks.Add(new TcnBlock(width, c.Width(i), c.Kernel, c.Dilations[i], ConvPadding.Causal, rng));
            width = c.Width(i);
        }
        RegisterModule("blocks", _blocks);
        _toLatent = RegisterModule("to_latent", new Linear(width, c.LatentDim, rng));
    }

    public override Tensor Forward(Tensor x) => _toLatent.Forward(_blocks.Forward(x.Permute(0, 2, 1)).Mean(2));

    public Tensor Forward(Tensor x, Tensor? mask)
    {
        if (mask is null) return Forward(x);
        var features = _blocks.Forward(x.Permute(0, 2, 1));                   // (N, C, T)
        int n = x.Dim(0), t = x.Dim(1);
        var steps = SequenceEncoder.StepMask(mask).Reshape(n, 1, t);           // (N, 1, T), no gradient
        return _toLatent.Forward((features * steps).Sum(2) / steps.Sum(2).Clamp(1f));
    }
}

/// <summary>A Linear from the code to (C, T), dilated residual blocks with 'same' padding (dilations reversed), a 1×1 convolution to F
/// channels: (N, latentDim) → (N, T, F).</summary>
internal sealed partial class TcnDecoder : Module
{
    private readonly Linear _fromLatent;
    private readonly Sequential _blocks = new();
    private readonly Conv1d _out;
    private readonly int _width, _steps;

    public TcnDecoder(TcnConfig c, Rng rng)
    {
        int last = c.Dilations.Length - 1;
        _width = c.Width(last);
        _steps = c.Steps;
        _fromLatent = RegisterModule("from_latent", new Linear(c.LatentDim, _width * c.Steps, rng));
        int width = _width;
        for (int i = last; i >= 0; i--)
        {
            int next = i > 0 ? c.Width(i - 1) : c.Width(0);
            _blocks.Add(new TcnBlock(width, next, c.Kernel, c.Dilations[i], ConvPadding.Same, rng));
            width = next;
        }
        RegisterModule("blocks", _blocks);
        _out = RegisterModule("out", new Conv1d(width, c.Channels, 1, rng));
    }

    public override Tensor Forward(Tensor z)
    {
        var h = _fromLatent.Forward(z).Reshape(z.Dim(0), _width, _steps);
        return _out.Forward(_blocks.Forward(h)).Permute(0, 2, 1);
    }
}
