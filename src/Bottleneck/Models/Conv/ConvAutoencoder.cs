using Bottleneck.Autograd;
using Bottleneck.NN;
using Bottleneck.Tensors;

namespace Bottleneck.Models.Conv;

/// <summary>
/// The convolutional autoencoder: the composed <see cref="Autoencoder"/> with <see cref="ConvParts"/> (deterministic code, the
/// config's likelihood and corruption). State-dict entries <c>encoder.0.weight</c>, <c>encoder.0.bias</c>, … as PyTorch's
/// <c>nn.Sequential</c>. A spatial-code model also reconstructs images of any size (<see cref="ReconstructImages"/>).
/// </summary>
public sealed class ConvAutoencoder : Autoencoder
{
    /// <summary>Builds the model with PyTorch's default initialisation.</summary>
    /// <param name="config">The configuration.</param>
    /// <param name="rng">Generator for the initial weights.</param>
    public ConvAutoencoder(ConvConfig config, Rng rng) : this(config, ConvParts.Build(config, rng)) { }

    private ConvAutoencoder(ConvConfig config, (Sequential Encoder, Sequential Decoder) parts)
        : base(config, new AutoencoderParts(parts.Encoder, new DeterministicLatent(), parts.Decoder, Corruption: config.Corruption))
    {
        Conv = config;
        EncoderLayers = parts.Encoder;
        DecoderLayers = parts.Decoder;
    }

    /// <summary>The configuration.</summary>
    public ConvConfig Conv { get; }

    private Sequential EncoderLayers { get; }
    private Sequential DecoderLayers { get; }

    /// <summary>
    /// Reconstructions x̂ (the likelihood's mean, eval mode, no autograd) of images of any size with the model's channel count:
    /// each is padded at the bottom and right to a multiple of the total stride S, passed through the fully convolutional encoder
    /// and decoder, and cropped back, so a model trained on patches denoises whole photographs. Only for a spatial code.
    /// Shape: (N, C, H, W) → (N, C, H, W) for any H, W ≥ 1.
    /// </summary>
    /// <param name="x">Images (N, C, H, W).</param>
    /// <exception cref="InvalidOperationException">The model has a dense code (its Linear layer fixes the image size).</exception>
    /// <exception cref="ShapeException">x is not 4-D or has another channel count.</exception>
    public Tensor ReconstructImages(Tensor x)
    {
        if (!Conv.Spatial)
            throw new InvalidOperationException($"a conv model with a dense code reconstructs {Conv.Height} × {Conv.Width} images only; train with a spatial code (latentChannels) for any size");
        if (x.Rank != 4 || x.Dim(1) != Conv.InChannels)
            throw new ShapeException($"input {x.ShapeString} must be images (N, {Conv.InChannels}, H, W)");
        bool wasTraining = Training;
        Eval();
        try
        {
            using var _ = GradMode.NoGrad();
            var h = x;
            // skip the encoder's final Flatten and the decoder's Unflatten and CropTo: they fix the training size
            for (int i = 0; i < EncoderLayers.Layers.Count - 1; i++) h = EncoderLayers.Layers[i].Forward(h);
            for (int i = 1; i < DecoderLayers.Layers.Count - 1; i++) h = DecoderLayers.Layers[i].Forward(h);
            return LikelihoodHead.Mean(CropTo.Crop(h, x.Dim(2), x.Dim(3)));
        }
        finally { Train(wasTraining); }
    }
}
