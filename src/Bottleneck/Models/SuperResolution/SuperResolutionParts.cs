using Bottleneck.NN;
using Bottleneck.Tensors;

namespace Bottleneck.Models.SuperResolution;

/// <summary>
/// The fixed degradation of a <see cref="SuperResolutionConfig"/>: high-resolution images (N, C, H, W) → low-resolution images
/// (N, C, ⌊H/r⌋, ⌊W/r⌋) by <see cref="Tensor.Resize2d"/> (antialiased bicubic, or area). No parameters.
/// </summary>
public sealed class Downscale : Module
{
    /// <summary>Creates the layer.</summary>
    /// <param name="scale">r ≥ 1.</param>
    /// <param name="filter">Bicubic (antialiased) or area.</param>
    /// <exception cref="ArgumentOutOfRangeException">r below 1.</exception>
    public Downscale(int scale, ResizeFilter filter)
    {
        Scale = scale >= 1 ? scale : throw new ArgumentOutOfRangeException(nameof(scale), scale, $"scale must be ≥ 1, got {scale}");
        Filter = filter;
    }

    /// <summary>r.</summary>
    public int Scale { get; }
    /// <summary>The filter.</summary>
    public ResizeFilter Filter { get; }

    /// <inheritdoc/>
    /// <exception cref="ShapeException">The input is not (N, C, H, W) or smaller than r.</exception>
    public override Tensor Forward(Tensor input)
    {
        if (input.Rank != 4 || input.Dim(2) < Scale || input.Dim(3) < Scale)
            throw new ShapeException($"Downscale: input must be images (N, C, H, W) of at least {Scale} × {Scale}, got {input.ShapeString}");
        return Tensor.Resize2d(input, input.Dim(2) / Scale, input.Dim(3) / Scale, Filter, antialias: Filter == ResizeFilter.Bicubic);
    }
}

/// <summary>
/// The sub-pixel upsampler with residual learning (Shi et al. 2016; Kim et al. 2016): x̂ = bicubic↑r(y) + PixelShuffle_r(f(y)) for
/// low-resolution images y (N, C, h, w) → (N, C, h·r, w·r), where f is <c>body</c>: Conv2d(C → c_1, k), act, …,
/// Conv2d(c_L → C·r², k), all with padding (k − 1)/2. State-dict entries <c>body.0.weight</c>, <c>body.0.bias</c>, … as
/// PyTorch's <c>nn.Sequential</c>. Fully convolutional: any h, w ≥ 1.
/// </summary>
public sealed class SubPixelUpsampler : Module
{
    /// <summary>Builds the layers with PyTorch's default initialisation.</summary>
    /// <param name="config">The configuration (C, r, widths, k, activation).</param>
    /// <param name="rng">Generator for the initial weights.</param>
    public SubPixelUpsampler(SuperResolutionConfig config, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(config);
        Scale = config.Scale;
        Body = new Sequential();
        int cin = config.InChannels;
        foreach (int c in config.Channels)
        {
            Body.Add(new Conv2d(cin, c, config.KernelSize, rng, 1, config.Padding));
            Body.Add(new ActivationLayer(config.Activation));
            cin = c;
        }
        Body.Add(new Conv2d(cin, config.InChannels * Scale * Scale, config.KernelSize, rng, 1, config.Padding));
        Body.Add(new PixelShuffle(Scale));
        RegisterModule("body", Body);
    }

    /// <summary>r.</summary>
    public int Scale { get; }

    /// <summary>f followed by the pixel shuffle.</summary>
    public Sequential Body { get; }

    /// <inheritdoc/>
    /// <exception cref="ShapeException">The input is not (N, C, h, w).</exception>
    public override Tensor Forward(Tensor input)
    {
        if (input.Rank != 4) throw new ShapeException($"SubPixelUpsampler: input must be images (N, C, h, w), got {input.ShapeString}");
        var bicubic = Tensor.Resize2d(input.Detach(), input.Dim(2) * Scale, input.Dim(3) * Scale, ResizeFilter.Bicubic);
        return bicubic + Body.Forward(input);
    }
}
