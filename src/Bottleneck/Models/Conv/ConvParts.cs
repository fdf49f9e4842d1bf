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
        int k = config.KernelSize, s = config.Stride, p = config.Padding, L = config.Channels.Length;
        var sizes = config.FeatureSizes();
        int cl = config.Channels[^1], h = config.CodeHeight, w = config.CodeWidth;

        var encoder = new Sequential();
        if (config.Spatial) encoder.Add(new PadToMultiple(config.TotalStride));
        int cin = config.InChannels;
        foreach (int c in config.Channels)
        {
            encoder.Add(new Conv2d(cin, c, k, rng, s, p));
            encoder.Add(new ActivationLayer(config.Activation));
            cin = c;
        }
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
        for (int i = L - 1; i >= 0; i--)
        {
            int cout = i == 0 ? config.InChannels : config.Channels[i - 1];
            // restore encoder layer i's input size exactly: H_i = (H_{i+1} − 1)·s − 2p + k + op
            int opH = sizes[i].H - ((sizes[i + 1].H - 1) * s - 2 * p + k);
            int opW = sizes[i].W - ((sizes[i + 1].W - 1) * s - 2 * p + k);
            if (opH != opW)
                throw new ArgumentException($"conv: a {config.Height} × {config.Width} image needs different output paddings for height and width ({opH} and {opW}); " +
                    "use a spatial code (latentChannels), which pads the image to a multiple of the total stride", nameof(config));
            decoder.Add(new ConvTranspose2d(config.Channels[i], cout, k, rng, s, p, opH));
            if (i > 0) decoder.Add(new ActivationLayer(config.Activation));
        }
        if (config.Spatial) decoder.Add(new CropTo(config.Height, config.Width));
        return (encoder, decoder);
    }
}
