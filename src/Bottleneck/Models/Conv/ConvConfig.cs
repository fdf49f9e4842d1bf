using System.Globalization;
using System.Text.Json.Serialization;
using Bottleneck.NN;

namespace Bottleneck.Models.Conv;

/// <summary>
/// Configuration of a convolutional autoencoder (Masci et al. 2011, "Stacked convolutional auto-encoders"): an encoder of
/// strided convolutions, one per entry of <see cref="Channels"/>, each followed by the activation; a dense code (Flatten +
/// Linear to <see cref="Latent"/>) or a spatial one (a convolution to <see cref="LatentChannels"/> feature maps, fully
/// convolutional); and the mirrored decoder of transposed convolutions whose last layer outputs the logits of the C input
/// channels. With Gaussian, masking or salt-and-pepper <see cref="Corruption"/> it is the convolutional denoising autoencoder.
/// </summary>
/// <remarks>
/// Shapes (N batch, C channels, H×W image, s stride, L = number of channel entries, S = s^L the total stride):
/// encoder layer i maps (N, c_{i−1}, H_{i−1}, W_{i−1}) → (N, c_i, ⌈H_{i−1}/s⌉, ⌈W_{i−1}/s⌉) with padding (k − 1)/2, so the
/// last feature map is (N, c_L, h, w) with h = ⌈H/S⌉ for a dense code. Each transposed convolution gets the output padding that
/// restores its encoder layer's input size exactly. A spatial code pads the image at the bottom and right to a multiple of S
/// and crops the reconstruction back, so h = ⌈H/S⌉ too and the code has latentChannels·h·w values.
/// </remarks>
public sealed record ConvConfig : ModelConfig
{
    /// <summary>Creates and validates the configuration (kind "conv").</summary>
    /// <param name="inChannels">C, the image channels (1 grey, 3 colour), ≥ 1.</param>
    /// <param name="height">H ≥ 1.</param>
    /// <param name="width">W ≥ 1.</param>
    /// <param name="channels">Encoder channels per convolution, outermost first (non-empty, each ≥ 1), e.g. [32, 64].</param>
    /// <param name="kernelSize">k, odd, ≥ 1 (default 3).</param>
    /// <param name="stride">s ≥ 1 of every encoder convolution (default 2).</param>
    /// <param name="latent">Dense code width (Flatten + Linear), or null for a spatial code; exactly one of latent and latentChannels.</param>
    /// <param name="latentChannels">Spatial code channels (fully convolutional), or null for a dense code.</param>
    /// <param name="activation">Activation after every hidden convolution (default ReLU).</param>
    /// <param name="output">The decoder's output distribution (default <see cref="Likelihood.Bernoulli"/>: sigmoid, binary cross-entropy).</param>
    /// <param name="corruption">Training-time input corruption (denoising), or null (default).</param>
    /// <param name="augment">Train on a random flip or rotation of each image (<see cref="DihedralAugmentation"/>; default false).</param>
    /// <param name="residual">Residual learning (DnCNN, Zhang et al. 2017): the reconstruction is x̃ + decoder(encoder(x̃)), so the
    /// network predicts minus the noise; needs an identity-mean output (linear-mse or gaussian-nll). Default false.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size below 1, an even kernel, or an image smaller than the total stride with a dense code.</exception>
    /// <exception cref="ArgumentException">Both or neither of latent and latentChannels; residual with an output whose mean is not the identity.</exception>
    public ConvConfig(int inChannels, int height, int width, int[] channels, int kernelSize = 3, int stride = 2, int? latent = 32,
        int? latentChannels = null, Activation activation = Activation.Relu, Likelihood? output = null, Corruption? corruption = null, bool augment = false, bool residual = false) : base("conv")
    {
        InChannels = AtLeastOne(inChannels, nameof(inChannels));
        Height = AtLeastOne(height, nameof(height));
        Width = AtLeastOne(width, nameof(width));
        Channels = ConvStack.CheckLayers(channels, kernelSize, stride);
        KernelSize = kernelSize;
        Stride = stride;
        if ((latent is null) == (latentChannels is null))
            throw new ArgumentException(latent is null
                ? "give a code: latent (dense) or latentChannels (spatial)"
                : $"give one code: latent {latent} (dense) or latentChannels {latentChannels} (spatial), not both", nameof(latentChannels));
        Latent = latent is { } l ? AtLeastOne(l, "latentDim") : null;
        LatentChannels = latentChannels is { } c ? AtLeastOne(c, nameof(latentChannels)) : null;
        Activation = activation;
        Output = output ?? Likelihood.Bernoulli;
        Corruption = corruption;
        Augment = augment;
        Residual = residual && Output is not GaussianLikelihood
            ? throw new ArgumentException($"residual learning adds the input to the decoder's logits, so the output's mean must be the identity (linear-mse or gaussian-nll), got {Output.Name}", nameof(residual))
            : residual;
        long total = 1;
        foreach (var _ in Channels) total = Math.Min(total * Stride, int.MaxValue);
        TotalStride = (int)total;
        (CodeHeight, CodeWidth) = Spatial ? (Ceil(Height, TotalStride), Ceil(Width, TotalStride)) : GridAfterEncoder();
        if (Spatial && (long)LatentChannels!.Value * CodeHeight * CodeWidth > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(latentChannels), latentChannels, $"latentChannels {latentChannels} gives a code too large for a {Height} × {Width} image");
    }

    private static int Ceil(int n, int s) => (int)(((long)n + s - 1) / s);

    private (int, int) GridAfterEncoder()
    {
        int h = Height, w = Width;
        foreach (var _ in Channels) { h = Ceil(h, Stride); w = Ceil(w, Stride); }
        return (h, w);
    }

    /// <summary>C, the image channels.</summary>
    public int InChannels { get; }
    /// <summary>H.</summary>
    public int Height { get; }
    /// <summary>W.</summary>
    public int Width { get; }
    /// <summary>Encoder channels per convolution, outermost first.</summary>
    public int[] Channels { get; }
    /// <summary>k.</summary>
    public int KernelSize { get; }
    /// <summary>s.</summary>
    public int Stride { get; }
    /// <summary>The dense code width, or null for a spatial code.</summary>
    public int? Latent { get; }
    /// <summary>The spatial code channels, or null for a dense code.</summary>
    public int? LatentChannels { get; }
    /// <summary>Activation after hidden convolutions.</summary>
    public Activation Activation { get; }
    /// <summary>The decoder's output distribution (saved as <c>output</c>).</summary>
    public Likelihood Output { get; }
    /// <summary>Training-time input corruption (denoising), or null.</summary>
    public Corruption? Corruption { get; }
    /// <summary>Whether training steps see a random flip or rotation of each image (<see cref="DihedralAugmentation"/>).</summary>
    public bool Augment { get; }
    /// <summary>Whether the reconstruction is the input plus the decoder's output (residual learning, DnCNN).</summary>
    public bool Residual { get; }

    /// <summary>True for a spatial (fully convolutional) code.</summary>
    [JsonIgnore] public bool Spatial => LatentChannels != null;
    /// <summary>S = s^L, the total stride of the encoder.</summary>
    [JsonIgnore] public int TotalStride { get; }
    /// <summary>h, the height of the last encoder feature map (and of a spatial code).</summary>
    [JsonIgnore] public int CodeHeight { get; }
    /// <summary>w, the width of the last encoder feature map (and of a spatial code).</summary>
    [JsonIgnore] public int CodeWidth { get; }
    /// <summary>(k − 1)/2, the padding of every convolution.</summary>
    [JsonIgnore] public int Padding => (KernelSize - 1) / 2;

    /// <inheritdoc/>
    [JsonIgnore] public override int InputDim => InChannels * Height * Width;
    /// <inheritdoc/>
    [JsonIgnore] public override int[] InputShape => [InChannels, Height, Width];
    /// <inheritdoc/>
    [JsonIgnore] public override int LatentDim => Latent ?? LatentChannels!.Value * CodeHeight * CodeWidth;
    /// <inheritdoc/>
    [JsonIgnore] public override Likelihood Likelihood => Output;

    /// <summary>The encoder's feature-map sizes (H_i, W_i) for i = 0 (the input, padded for a spatial code) … L.</summary>
    public (int H, int W)[] FeatureSizes()
    {
        var sizes = new (int, int)[Channels.Length + 1];
        int h = Spatial ? CodeHeight * TotalStride : Height, w = Spatial ? CodeWidth * TotalStride : Width;
        sizes[0] = (h, w);
        for (int i = 1; i <= Channels.Length; i++) { h = Ceil(h, Stride); w = Ceil(w, Stride); sizes[i] = (h, w); }
        return sizes;
    }

    /// <inheritdoc/>
    public bool Equals(ConvConfig? other) => other is not null && ToString() == other.ToString();
    /// <inheritdoc/>
    public override int GetHashCode() => ToString().GetHashCode(StringComparison.Ordinal);
    /// <inheritdoc/>
    protected override bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append($"Kind = {Kind}, InChannels = {InChannels}, Height = {Height}, Width = {Width}, Channels = [{string.Join(", ", Channels)}], " +
                       $"KernelSize = {KernelSize}, Stride = {Stride}, Latent = {Latent?.ToString(CultureInfo.InvariantCulture) ?? "none"}, " +
                       $"LatentChannels = {LatentChannels?.ToString(CultureInfo.InvariantCulture) ?? "none"}, Activation = {Activation}, Output = {Output.Name}, " +
                       $"Corruption = {Corruption?.ToString() ?? "none"}, Augment = {Augment}, Residual = {Residual}");
        return true;
    }

    private static string Inv(int v) => v.ToString(CultureInfo.InvariantCulture);

    /// <inheritdoc/>
    public override string Describe()
    {
        string code = Spatial ? $"{LatentChannels}x{CodeHeight}x{CodeWidth} spatial code" : $"{Latent} dense code";
        var extras = new List<string> { $"kernel {KernelSize}", $"stride {Stride}", Activation.Name(), Output.Name };
        if (Corruption is { } c) extras.Add($"noise {c.Describe()}");
        if (Augment) extras.Add("flips and rotations");
        if (Residual) extras.Add("residual (input + decoder output)");
        return $"{Kind} {InChannels}x{Height}x{Width} -> conv {string.Join(",", Channels)} -> {code}, {string.Join(", ", extras)}";
    }

    /// <inheritdoc/>
    public override IEnumerable<(string Name, string Value)> Summary() =>
    [
        ("input", $"{InChannels} x {Height} x {Width} (C x H x W)"),
        ("channels", string.Join(",", Channels)),
        ("kernel", Inv(KernelSize)),
        ("stride", $"{Stride} (total {TotalStride})"),
        ("latent", Spatial ? $"{LatentChannels} x {CodeHeight} x {CodeWidth} spatial ({LatentDim} values, fully convolutional)" : $"{Latent} dense"),
        ("activation", Activation.Name()),
        ("output", Output.Name),
        ("training noise", Corruption?.Describe() ?? "(none)"),
        ("residual", Residual ? "x̂ = x̃ + decoder(encoder(x̃)) (predicts minus the noise, DnCNN)" : "(none)"),
        ("augmentation", Augment ? "random flip or rotation of each training image (dihedral)" : "(none)"),
    ];
}
