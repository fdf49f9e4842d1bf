using System.Text.Json.Serialization;
using Bottleneck.NN;
using Bottleneck.Tensors;

namespace Bottleneck.Models;

/// <summary>
/// The strided-convolution stacks shared by the kinds that have them (the conv kind's encoder and decoder, the variational kinds'
/// <see cref="ConvBackbone"/>): Conv2d(c_{i−1} → c_i, k, s, (k − 1)/2) + activation per entry, and the mirrored ConvTranspose2d
/// with the output padding that restores each encoder layer's input size exactly.
/// </summary>
public static class ConvStack
{
    /// <summary>Validates a stack's layers: at least one channel entry, each ≥ 1; an odd kernel ≥ 1; a stride ≥ 1.</summary>
    /// <param name="channels">c_1 … c_L.</param>
    /// <param name="kernelSize">k.</param>
    /// <param name="stride">s.</param>
    /// <returns>A copy of <paramref name="channels"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The value named in the message is out of range.</exception>
    public static int[] CheckLayers(int[]? channels, int kernelSize, int stride)
    {
        var c = (channels ?? []).ToArray();
        if (c.Length == 0) throw new ArgumentOutOfRangeException(nameof(channels), "channels must list at least one convolution, got none");
        for (int i = 0; i < c.Length; i++)
            if (c[i] < 1) throw new ArgumentOutOfRangeException($"channels[{i}]", c[i], $"channels[{i}] must be ≥ 1, got {c[i]}");
        if (kernelSize < 1) throw new ArgumentOutOfRangeException(nameof(kernelSize), kernelSize, $"kernelSize must be ≥ 1, got {kernelSize}");
        if (kernelSize % 2 == 0) throw new ArgumentOutOfRangeException(nameof(kernelSize), kernelSize, $"kernelSize must be odd (padding (k − 1)/2 keeps the grid aligned), got {kernelSize}");
        if (stride < 1) throw new ArgumentOutOfRangeException(nameof(stride), stride, $"stride must be ≥ 1, got {stride}");
        return c;
    }

    /// <summary>The feature-map sizes (H_i, W_i), i = 0 … L, of L stride-s convolutions with padding (k − 1)/2: H_i = ⌈H_{i−1}/s⌉.</summary>
    /// <param name="height">H_0 ≥ 1.</param>
    /// <param name="width">W_0 ≥ 1.</param>
    /// <param name="layers">L ≥ 0.</param>
    /// <param name="stride">s ≥ 1.</param>
    public static (int H, int W)[] FeatureSizes(int height, int width, int layers, int stride)
    {
        var sizes = new (int, int)[layers + 1];
        int h = height, w = width;
        sizes[0] = (h, w);
        for (int i = 1; i <= layers; i++) { h = (int)(((long)h + stride - 1) / stride); w = (int)(((long)w + stride - 1) / stride); sizes[i] = (h, w); }
        return sizes;
    }

    /// <summary>Appends Conv2d(C → c_1, k, s, (k − 1)/2), act, …, Conv2d(c_{L−1} → c_L), act to <paramref name="encoder"/>.</summary>
    /// <param name="encoder">The sequence appended to.</param>
    /// <param name="inChannels">C.</param>
    /// <param name="channels">c_1 … c_L.</param>
    /// <param name="kernelSize">k (odd).</param>
    /// <param name="stride">s.</param>
    /// <param name="activation">The activation after each convolution.</param>
    /// <param name="rng">Generator for PyTorch's default initialisation.</param>
    public static void AddEncoder(Sequential encoder, int inChannels, int[] channels, int kernelSize, int stride, Activation activation, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        int cin = inChannels;
        foreach (int c in channels)
        {
            encoder.Add(new Conv2d(cin, c, kernelSize, rng, stride, (kernelSize - 1) / 2));
            encoder.Add(new ActivationLayer(activation));
            cin = c;
        }
    }

    /// <summary>Appends ConvTranspose2d(c_L → c_{L−1}), act, …, ConvTranspose2d(c_1 → C) (no activation after the last) to
    /// <paramref name="decoder"/>, each with the output padding of <see cref="OutputPaddings"/>.</summary>
    /// <param name="decoder">The sequence appended to.</param>
    /// <param name="inChannels">C, the image channels the last layer outputs.</param>
    /// <param name="channels">c_1 … c_L (the encoder's).</param>
    /// <param name="kernelSize">k.</param>
    /// <param name="stride">s.</param>
    /// <param name="activation">The activation between transposed convolutions.</param>
    /// <param name="sizes">The encoder's feature-map sizes (<see cref="FeatureSizes"/>).</param>
    /// <param name="rng">Generator for PyTorch's default initialisation.</param>
    /// <exception cref="ArgumentException">Height and width need different output paddings.</exception>
    public static void AddDecoder(Sequential decoder, int inChannels, int[] channels, int kernelSize, int stride, Activation activation, (int H, int W)[] sizes, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(decoder);
        var op = OutputPaddings(channels.Length, kernelSize, stride, sizes);
        for (int i = channels.Length - 1; i >= 0; i--)
        {
            int cout = i == 0 ? inChannels : channels[i - 1];
            decoder.Add(new ConvTranspose2d(channels[i], cout, kernelSize, rng, stride, (kernelSize - 1) / 2, op[i]));
            if (i > 0) decoder.Add(new ActivationLayer(activation));
        }
    }

    /// <summary>The output padding of the transposed convolution that undoes encoder layer i: H_i − ((H_{i+1} − 1)·s − 2p + k).</summary>
    /// <param name="layers">L.</param>
    /// <param name="kernelSize">k.</param>
    /// <param name="stride">s.</param>
    /// <param name="sizes">(H_i, W_i), i = 0 … L.</param>
    /// <exception cref="ArgumentException">Height and width need different output paddings (the message says how to avoid it).</exception>
    public static int[] OutputPaddings(int layers, int kernelSize, int stride, (int H, int W)[] sizes)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        int k = kernelSize, s = stride, p = (kernelSize - 1) / 2;
        var op = new int[layers];
        for (int i = 0; i < layers; i++)
        {
            int opH = sizes[i].H - ((sizes[i + 1].H - 1) * s - 2 * p + k);
            int opW = sizes[i].W - ((sizes[i + 1].W - 1) * s - 2 * p + k);
            if (opH != opW)
                throw new ArgumentException($"conv: a {sizes[0].H} × {sizes[0].W} image needs different output paddings for height and width ({opH} and {opW}); " +
                    "use a spatial code (latentChannels), which pads the image to a multiple of the total stride, or an image size whose halvings agree", "channels");
            op[i] = opH;
        }
        return op;
    }
}

/// <summary>
/// A convolutional encoder and decoder on flattened image rows, for kinds whose samples are rows (N, C·H·W) but are images:
/// the variational kinds' <c>--channels</c> (a convolutional VAE is this backbone with the Gaussian latent, not a new class).
/// Encoder: <c>Unflatten(C, H, W), Conv2d(C → c_1, k, s, (k − 1)/2), act, …, Conv2d(c_{L−1} → c_L), act, Flatten</c>, giving
/// <see cref="FeatureWidth"/> = c_L·h·w values (optionally followed by <c>Linear(FeatureWidth → code)</c>); decoder:
/// <c>Linear(code → c_L·h·w), act, Unflatten(c_L, h, w), ConvTranspose2d(c_L → c_{L−1}), act, …, ConvTranspose2d(c_1 → C), Flatten</c>
/// (<see cref="ConvStack"/>; the conv kind's layers, Masci et al. 2011).
/// </summary>
/// <remarks>Shapes: N batch, C×H×W the image, k kernel, s stride, L = number of channel entries, h = ⌈H/s^L⌉, w = ⌈W/s^L⌉.</remarks>
public sealed record ConvBackbone
{
    /// <summary>Creates and validates the backbone.</summary>
    /// <param name="inChannels">C ≥ 1.</param>
    /// <param name="height">H ≥ 1.</param>
    /// <param name="width">W ≥ 1.</param>
    /// <param name="channels">Encoder channels per strided convolution, outermost first (non-empty, each ≥ 1), e.g. [32, 64].</param>
    /// <param name="kernelSize">k, odd, ≥ 1 (default 3).</param>
    /// <param name="stride">s ≥ 1 (default 2).</param>
    /// <exception cref="ArgumentOutOfRangeException">A size below 1, an even kernel, or no channels.</exception>
    /// <exception cref="ArgumentException">The image needs different output paddings for height and width.</exception>
    public ConvBackbone(int inChannels, int height, int width, int[] channels, int kernelSize = 3, int stride = 2)
    {
        InChannels = AtLeastOne(inChannels, nameof(inChannels));
        Height = AtLeastOne(height, nameof(height));
        Width = AtLeastOne(width, nameof(width));
        Channels = ConvStack.CheckLayers(channels, kernelSize, stride);
        KernelSize = kernelSize;
        Stride = stride;
        Sizes = ConvStack.FeatureSizes(Height, Width, Channels.Length, Stride);
        _ = ConvStack.OutputPaddings(Channels.Length, KernelSize, Stride, Sizes);
    }

    private static int AtLeastOne(int value, string name) =>
        value >= 1 ? value : throw new ArgumentOutOfRangeException(name, value, $"{name} must be ≥ 1, got {value}");

    /// <summary>C.</summary>
    public int InChannels { get; }
    /// <summary>H.</summary>
    public int Height { get; }
    /// <summary>W.</summary>
    public int Width { get; }
    /// <summary>Encoder channels, outermost first.</summary>
    public int[] Channels { get; }
    /// <summary>k.</summary>
    public int KernelSize { get; }
    /// <summary>s.</summary>
    public int Stride { get; }

    [JsonIgnore] private (int H, int W)[] Sizes { get; }

    /// <summary>C·H·W, the row width it takes.</summary>
    [JsonIgnore] public int InputDim => InChannels * Height * Width;
    /// <summary>c_L·h·w, the width of the flattened last feature map.</summary>
    [JsonIgnore] public int FeatureWidth => Channels[^1] * Sizes[^1].H * Sizes[^1].W;

    /// <summary>One line: "conv 32,64 on 1x28x28 (kernel 3, stride 2)".</summary>
    public string Describe() => $"conv {string.Join(",", Channels)} on {InChannels}x{Height}x{Width} (kernel {KernelSize}, stride {Stride})";

    /// <summary>Builds the encoder (N, C·H·W) → (N, FeatureWidth) or (N, code) and the decoder (N, code) → logits (N, C·H·W).</summary>
    /// <param name="codeWidth">The decoder's input width (and the encoder's output width when <paramref name="encoderToCode"/>).</param>
    /// <param name="activation">Activation after each hidden layer.</param>
    /// <param name="rng">Generator for PyTorch's default initialisation.</param>
    /// <param name="encoderToCode">End the encoder with Linear(FeatureWidth → codeWidth) (deterministic and quantized codes);
    /// false leaves the features to a latent layer with its own heads (Gaussian).</param>
    public (Sequential Encoder, Sequential Decoder) Build(int codeWidth, Activation activation, Rng rng, bool encoderToCode)
    {
        var encoder = new Sequential();
        encoder.Add(new Unflatten(1, InChannels, Height, Width));
        ConvStack.AddEncoder(encoder, InChannels, Channels, KernelSize, Stride, activation, rng);
        encoder.Add(new Flatten());
        if (encoderToCode) encoder.Add(new Linear(FeatureWidth, codeWidth, rng));
        var decoder = new Sequential();
        decoder.Add(new Linear(codeWidth, FeatureWidth, rng));
        decoder.Add(new ActivationLayer(activation));
        decoder.Add(new Unflatten(1, Channels[^1], Sizes[^1].H, Sizes[^1].W));
        ConvStack.AddDecoder(decoder, InChannels, Channels, KernelSize, Stride, activation, Sizes, rng);
        decoder.Add(new Flatten());
        return (encoder, decoder);
    }

    /// <inheritdoc/>
    public bool Equals(ConvBackbone? other) => other is not null && Describe() == other.Describe();
    /// <inheritdoc/>
    public override int GetHashCode() => Describe().GetHashCode(StringComparison.Ordinal);
}
