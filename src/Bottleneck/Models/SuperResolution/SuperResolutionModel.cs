using Bottleneck.Autograd;
using Bottleneck.NN;
using Bottleneck.Tensors;

namespace Bottleneck.Models.SuperResolution;

/// <summary>
/// The super-resolution autoencoder: the composed <see cref="Autoencoder"/> whose encoder is the fixed <see cref="Downscale"/>
/// (its code is the low-resolution image) and whose decoder is the learned <see cref="SubPixelUpsampler"/>; training minimises
/// the likelihood's loss between x̂ = upsampler(↓r(x)) and the high-resolution x. <c>encode</c> gives the low-resolution image,
/// <c>reconstruct</c> the super-resolved one, and <see cref="Upscale"/> enlarges low-resolution images of any size.
/// State-dict entries <c>decoder.1.body.0.weight</c>, … (the encoder has no parameters).
/// </summary>
public sealed partial class SuperResolutionModel : Autoencoder, IImageUpscaler
{
    /// <summary>Builds the model with PyTorch's default initialisation.</summary>
    /// <param name="config">The configuration.</param>
    /// <param name="rng">Generator for the initial weights.</param>
    public SuperResolutionModel(SuperResolutionConfig config, Rng rng) : this(config, Build(config, rng)) { }

    private SuperResolutionModel(SuperResolutionConfig config, (Sequential Encoder, Sequential Decoder, SubPixelUpsampler Upsampler) parts)
        : base(config, new AutoencoderParts(parts.Encoder, new DeterministicLatent(), parts.Decoder, Augment: config.Augment))
    {
        SuperResolution = config;
        Upsampler = parts.Upsampler;
    }

    private static (Sequential, Sequential, SubPixelUpsampler) Build(SuperResolutionConfig config, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(config);
        var encoder = new Sequential();
        encoder.Add(new Downscale(config.Scale, config.Downsampling));
        encoder.Add(new Flatten());
        var upsampler = new SubPixelUpsampler(config, rng);
        var decoder = new Sequential();
        decoder.Add(new Unflatten(1, config.InChannels, config.Height / config.Scale, config.Width / config.Scale));
        decoder.Add(upsampler);
        return (encoder, decoder, upsampler);
    }

    /// <summary>The configuration.</summary>
    public SuperResolutionConfig SuperResolution { get; }

    /// <summary>The learned decoder.</summary>
    public SubPixelUpsampler Upsampler { get; }

    /// <inheritdoc/>
    public int Scale => SuperResolution.Scale;

    /// <inheritdoc/>
    public int Channels => SuperResolution.InChannels;

    /// <summary>
    /// Enlarges low-resolution images by r (eval mode, no autograd): x̂ = mean of the likelihood at bicubic↑r(y) + PixelShuffle_r(f(y)).
    /// Shape: (N, C, h, w) → (N, C, h·r, w·r) for any h, w ≥ 1.
    /// </summary>
    /// <param name="lowResolution">Images (N, C, h, w) in the training data's value range (e.g. [0, 1]).</param>
    /// <exception cref="ShapeException">Not 4-D, or another channel count than the model's.</exception>
    public Tensor Upscale(Tensor lowResolution)
    {
        ArgumentNullException.ThrowIfNull(lowResolution);
        if (lowResolution.Rank != 4 || lowResolution.Dim(1) != SuperResolution.InChannels)
            throw new ShapeException($"upscale: input {lowResolution.ShapeString} must be images (N, {SuperResolution.InChannels}, h, w)");
        bool wasTraining = Training;
        Eval();
        try
        {
            using var _ = GradMode.NoGrad();
            return LikelihoodHead.Mean(Upsampler.Forward(lowResolution));
        }
        finally { Train(wasTraining); }
    }

    /// <summary>
    /// The low-resolution images the model is trained to enlarge: ↓r(x) with the configured filter (no autograd).
    /// Shape: (N, C, H, W) → (N, C, ⌊H/r⌋, ⌊W/r⌋) for any H, W ≥ r.
    /// </summary>
    /// <param name="highResolution">Images (N, C, H, W).</param>
    /// <exception cref="ShapeException">Not 4-D, smaller than r, or another channel count than the model's.</exception>
    public Tensor Degrade(Tensor highResolution)
    {
        ArgumentNullException.ThrowIfNull(highResolution);
        if (highResolution.Rank != 4 || highResolution.Dim(1) != SuperResolution.InChannels)
            throw new ShapeException($"degrade: input {highResolution.ShapeString} must be images (N, {SuperResolution.InChannels}, H, W)");
        using var _ = GradMode.NoGrad();
        return new Downscale(SuperResolution.Scale, SuperResolution.Downsampling).Forward(highResolution);
    }
}
