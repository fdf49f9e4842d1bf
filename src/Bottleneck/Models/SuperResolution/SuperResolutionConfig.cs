using System.Globalization;
using System.Text.Json.Serialization;
using Bottleneck.NN;
using Bottleneck.Tensors;

namespace Bottleneck.Models.SuperResolution;

/// <summary>
/// Configuration of the super-resolution autoencoder: the "encoder" is the fixed degradation that makes a low-resolution image
/// from a high-resolution one (shrinking by <see cref="Scale"/> with <see cref="Downsampling"/>), the code is that
/// low-resolution image, and the learned decoder is a sub-pixel convolutional network (ESPCN, Shi et al. 2016) that predicts
/// the residual over bicubic upsampling (residual learning, Kim et al. 2016 "VDSR"): x̂ = bicubic↑r(y) + PixelShuffle_r(f(y)),
/// with y = ↓r(x) and f a stack of convolutions ending in C·r² channels.
/// </summary>
/// <remarks>
/// Shapes (N batch, C channels, H×W the high-resolution training size, r the scale): encoder (N, C, H, W) → y (N, C, H/r, W/r),
/// flattened to the code (N, C·(H/r)·(W/r)); decoder code → (N, C, H, W). The decoder is fully convolutional, so
/// <see cref="SuperResolutionModel.Upscale"/> takes a low-resolution image of any size. The default likelihood is Gaussian
/// (squared error), as PSNR measures.
/// </remarks>
public sealed record SuperResolutionConfig : ModelConfig
{
    /// <summary>Default hidden convolution widths: 64, 64, 32 (ESPCN's 64, 32 with one more layer of 64, better on both held-out
    /// photographs: docs/benchmarks.md "Super-resolution (issue 12)").</summary>
    public static readonly int[] DefaultChannels = [64, 64, 32];

    /// <summary>Whether the CLI trains with random flips and rotations of the patches when <c>--augment</c> is not given (true).</summary>
    public const bool DefaultAugment = true;

    /// <summary>Creates and validates the configuration (kind "super-resolution").</summary>
    /// <param name="inChannels">C, the image channels (1 grey, 3 colour), ≥ 1.</param>
    /// <param name="height">H, the high-resolution training height, a multiple of the scale.</param>
    /// <param name="width">W, the high-resolution training width, a multiple of the scale.</param>
    /// <param name="scale">r ∈ {2, 3, 4} (default 2).</param>
    /// <param name="channels">Hidden convolution widths of f, each ≥ 1 (default <see cref="DefaultChannels"/>, [64, 64, 32]); a last convolution to C·r² follows.</param>
    /// <param name="kernelSize">k, odd, ≥ 1, of every convolution (default 3; padding (k − 1)/2 keeps the size).</param>
    /// <param name="downsampling">How the low-resolution input is made: <see cref="ResizeFilter.Bicubic"/> with antialiasing (default,
    /// Pillow's and MATLAB's <c>resize</c>) or <see cref="ResizeFilter.Area"/> (r×r block means).</param>
    /// <param name="activation">Activation after every hidden convolution (default ReLU).</param>
    /// <param name="output">The decoder's output distribution (default <see cref="Likelihood.Gaussian"/>: identity mean, squared error).</param>
    /// <param name="augment">Train on a random flip or rotation of each patch (<see cref="DihedralAugmentation"/>; default false).</param>
    /// <exception cref="ArgumentOutOfRangeException">A size below 1, a scale outside 2–4, an even kernel, or H or W not a multiple of the scale.</exception>
    public SuperResolutionConfig(int inChannels, int height, int width, int scale = 2, int[]? channels = null, int kernelSize = 3,
        ResizeFilter downsampling = ResizeFilter.Bicubic, Activation activation = Activation.Relu, Likelihood? output = null, bool augment = false) : base("super-resolution")
    {
        InChannels = AtLeastOne(inChannels, nameof(inChannels));
        Scale = scale is >= 2 and <= 4 ? scale : throw new ArgumentOutOfRangeException(nameof(scale), scale, $"scale must be 2, 3 or 4, got {scale}");
        Height = AtLeastOne(height, nameof(height));
        Width = AtLeastOne(width, nameof(width));
        if (Height % Scale != 0 || Width % Scale != 0)
            throw new ArgumentOutOfRangeException(nameof(height), $"a {Height} × {Width} training image is not a multiple of the scale {Scale}; use patches whose side is a multiple of {Scale}");
        Channels = (channels ?? DefaultChannels).ToArray();
        for (int i = 0; i < Channels.Length; i++) AtLeastOne(Channels[i], $"channels[{i}]");
        KernelSize = AtLeastOne(kernelSize, nameof(kernelSize));
        if (kernelSize % 2 == 0) throw new ArgumentOutOfRangeException(nameof(kernelSize), kernelSize, $"kernelSize must be odd (padding (k − 1)/2 keeps the size), got {kernelSize}");
        Downsampling = downsampling;
        Activation = activation;
        Output = output ?? Likelihood.Gaussian;
        Augment = augment;
    }

    /// <summary>C.</summary>
    public int InChannels { get; }
    /// <summary>H (high resolution).</summary>
    public int Height { get; }
    /// <summary>W (high resolution).</summary>
    public int Width { get; }
    /// <summary>r.</summary>
    public int Scale { get; }
    /// <summary>Hidden convolution widths.</summary>
    public int[] Channels { get; }
    /// <summary>k.</summary>
    public int KernelSize { get; }
    /// <summary>The filter that makes the low-resolution input.</summary>
    public ResizeFilter Downsampling { get; }
    /// <summary>Activation after hidden convolutions.</summary>
    public Activation Activation { get; }
    /// <summary>The decoder's output distribution (saved as <c>output</c>).</summary>
    public Likelihood Output { get; }
    /// <summary>Whether training steps see a random flip or rotation of each patch (<see cref="DihedralAugmentation"/>).</summary>
    public bool Augment { get; }

    /// <inheritdoc/>
    [JsonIgnore] public override int InputDim => InChannels * Height * Width;
    /// <inheritdoc/>
    [JsonIgnore] public override int[] InputShape => [InChannels, Height, Width];
    /// <inheritdoc/>
    [JsonIgnore] public override int LatentDim => InChannels * (Height / Scale) * (Width / Scale);
    /// <inheritdoc/>
    [JsonIgnore] public override Likelihood Likelihood => Output;
    /// <summary>(k − 1)/2.</summary>
    [JsonIgnore] public int Padding => (KernelSize - 1) / 2;

    /// <summary>Whether the low-resolution input is made with antialiasing (bicubic) rather than block means (area).</summary>
    [JsonIgnore] public bool Antialias => Downsampling == ResizeFilter.Bicubic;

    /// <inheritdoc/>
    public bool Equals(SuperResolutionConfig? other) => other is not null && ToString() == other.ToString();
    /// <inheritdoc/>
    public override int GetHashCode() => ToString().GetHashCode(StringComparison.Ordinal);
    /// <inheritdoc/>
    protected override bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append($"Kind = {Kind}, InChannels = {InChannels}, Height = {Height}, Width = {Width}, Scale = {Scale}, Channels = [{string.Join(", ", Channels)}], " +
                       $"KernelSize = {KernelSize}, Downsampling = {Downsampling}, Activation = {Activation}, Output = {Output.Name}, Augment = {Augment}");
        return true;
    }

    private static string Inv(int v) => v.ToString(CultureInfo.InvariantCulture);

    /// <summary>The downsampling's name as the CLI and config.json spell it.</summary>
    [JsonIgnore] public string DownsamplingName => Downsampling == ResizeFilter.Area ? "area" : "bicubic";

    /// <inheritdoc/>
    public override string Describe() =>
        $"{Kind} x{Scale} {InChannels}x{Height / Scale}x{Width / Scale} -> {InChannels}x{Height}x{Width}, {DownsamplingName} downsampling, " +
        $"conv {string.Join(",", Channels)},{InChannels * Scale * Scale} kernel {KernelSize} + pixel shuffle, residual over bicubic, {Activation.Name()}, {Output.Name}" +
        (Augment ? ", flips and rotations" : "");

    /// <inheritdoc/>
    public override IEnumerable<(string Name, string Value)> Summary() =>
    [
        ("input", $"{InChannels} x {Height} x {Width} (C x H x W, high resolution)"),
        ("scale", $"x{Scale} (low resolution {InChannels} x {Height / Scale} x {Width / Scale}, the code)"),
        ("downsampling", DownsamplingName + (Antialias ? " (antialiased)" : " (block means)")),
        ("channels", string.Join(",", Channels) + $", then {InChannels * Scale * Scale} (C·r²) + pixel shuffle"),
        ("kernel", Inv(KernelSize)),
        ("residual", "bicubic upsampling of the input"),
        ("activation", Activation.Name()),
        ("output", Output.Name),
        ("augmentation", Augment ? "random flip or rotation of each training patch (8 dihedral transforms)" : "(none)"),
    ];
}
