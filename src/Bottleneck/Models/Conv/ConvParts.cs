using Bottleneck.NN;
using Bottleneck.Tensors;

namespace Bottleneck.Models.Conv;

/// <summary>
/// Builds the encoder and decoder of a <see cref="ConvConfig"/> as <see cref="Sequential"/>s of the NN layers, laid out like
/// the PyTorch reference (<c>../shared/peers/conv_ae.py</c>), so its state dict loads by name: encoder
/// <c>Conv2d, act, …, Flatten, Linear</c> and decoder <c>Linear, act, Unflatten, ConvTranspose2d, act, …, ConvTranspose2d</c>
/// for a dense code; a spatial code replaces Flatten+Linear by <c>Conv2d(c_L → latentChannels, k, 1), Flatten</c> after a
/// <see cref="PadToMultiple"/>, and the decoder starts with <c>Unflatten, Conv2d(latentChannels → c_L), act</c> and ends with a
/// <see cref="CropTo"/> the input size.
/// </summary>
public static class ConvParts
{
    /// <summary>The encoder (N, C, H, W) → (N, latentDim) and decoder (N, latentDim) → logits (N, C, H, W).</summary>
    /// <param name="config">The configuration.</param>
    /// <param name="rng">Generator for the initial weights (PyTorch's default initialisation per layer).</param>
    public static (Sequential Encoder, Sequential Decoder) Build(ConvConfig config, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(config);
        int k = config.KernelSize, p = config.Padding;
        int cl = config.Channels[^1], h = config.CodeHeight, w = config.CodeWidth;

        var encoder = new Sequential();
        if (config.Spatial) encoder.Add(new PadToMultiple(config.TotalStride));
        ConvStack.AddEncoder(encoder, config.InChannels, config.Channels, config.KernelSize, config.Stride, config.Activation, rng);
        if (config.Spatial)
        {
            encoder.Add(new Conv2d(cl, config.LatentChannels!.Value, k, rng, 1, p));
            encoder.Add(new Flatten());
        }
        else
        {
            encoder.Add(new Flatten());
            encoder.Add(new Linear(cl * h * w, config.Latent!.Value, rng));
        }

        var decoder = new Sequential();
        if (config.Spatial)
        {
            decoder.Add(new Unflatten(1, config.LatentChannels!.Value, h, w));
            decoder.Add(new Conv2d(config.LatentChannels!.Value, cl, k, rng, 1, p));
        }
        else
        {
            decoder.Add(new Linear(config.Latent!.Value, cl * h * w, rng));
        }
        decoder.Add(new ActivationLayer(config.Activation));
        if (!config.Spatial) decoder.Add(new Unflatten(1, cl, h, w));
        try { ConvStack.AddDecoder(decoder, config.InChannels, config.Channels, config.KernelSize, config.Stride, config.Activation, config.FeatureSizes(), rng); }
        catch (ArgumentException e)
        {
            string message = e.Message.Replace($" (Parameter '{e.ParamName}')", "", StringComparison.Ordinal).Replace(", or an image size whose halvings agree", "", StringComparison.Ordinal);
            throw new ArgumentException(message, nameof(config), e);
        }
        if (config.Spatial) decoder.Add(new CropTo(config.Height, config.Width));
        return (encoder, decoder);
    }
}
