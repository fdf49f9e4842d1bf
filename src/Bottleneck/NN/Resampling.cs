using Bottleneck.Tensors;

namespace Bottleneck.NN;

/// <summary>
/// Upsampling as PyTorch's <c>nn.Upsample</c> (nearest, or bilinear with align_corners false by default) by an integer scale
/// factor or to a fixed size. Shape: (N, C, H, W) → (N, C, H·f, W·f) or (N, C, H_out, W_out).
/// </summary>
public sealed class Upsample : Module
{
    /// <summary>Creates the layer for an integer scale factor.</summary>
    /// <param name="scaleFactor">f ≥ 1.</param>
    /// <param name="mode">Nearest (default) or bilinear.</param>
    /// <param name="alignCorners">Bilinear only (default false, as PyTorch).</param>
    /// <exception cref="ArgumentOutOfRangeException">f below 1.</exception>
    public Upsample(int scaleFactor, UpsampleMode mode = UpsampleMode.Nearest, bool alignCorners = false)
    {
        if (scaleFactor < 1) throw new ArgumentOutOfRangeException(nameof(scaleFactor), $"scaleFactor must be ≥ 1, got {scaleFactor}");
        ScaleFactor = scaleFactor; Mode = mode; AlignCorners = alignCorners;
    }

    /// <summary>Creates the layer for a fixed output size.</summary>
    /// <param name="outputH">H_out ≥ 1.</param>
    /// <param name="outputW">W_out ≥ 1.</param>
    /// <param name="mode">Nearest or bilinear.</param>
    /// <param name="alignCorners">Bilinear only (default false).</param>
    /// <exception cref="ArgumentOutOfRangeException">A size below 1.</exception>
    public Upsample(int outputH, int outputW, UpsampleMode mode, bool alignCorners = false)
    {
        if (outputH < 1 || outputW < 1) throw new ArgumentOutOfRangeException(nameof(outputH), $"output size must be ≥ 1, got {outputH} × {outputW}");
        Size = (outputH, outputW); Mode = mode; AlignCorners = alignCorners;
    }

    /// <summary>f, or null for a fixed size.</summary>
    public int? ScaleFactor { get; }
    /// <summary>(H_out, W_out), or null for a scale factor.</summary>
    public (int H, int W)? Size { get; }
    /// <summary>Interpolation.</summary>
    public UpsampleMode Mode { get; }
    /// <summary>Bilinear corner alignment.</summary>
    public bool AlignCorners { get; }

    /// <inheritdoc/>
    /// <exception cref="ShapeException">The input is not (N, C, H, W).</exception>
    public override Tensor Forward(Tensor input)
    {
        if (input.Rank != 4) throw new ShapeException($"Upsample: input must be (N, C, H, W), got {input.ShapeString}");
        var (h, w) = Size ?? (input.Dim(2) * ScaleFactor!.Value, input.Dim(3) * ScaleFactor!.Value);
        return Tensor.Upsample2d(input, h, w, Mode, AlignCorners);
    }
}

/// <summary>
/// Sub-pixel rearrangement as PyTorch's <c>nn.PixelShuffle</c> (Shi et al. 2016): y[n, c, h·r + i, w·r + j] = x[n, c·r² + i·r + j, h, w].
/// Shape: (N, C·r², H, W) → (N, C, H·r, W·r); r the upscale factor.
/// </summary>
public sealed class PixelShuffle : Module
{
    /// <summary>Creates the layer.</summary>
    /// <param name="upscaleFactor">r ≥ 1.</param>
    /// <exception cref="ArgumentOutOfRangeException">r below 1.</exception>
    public PixelShuffle(int upscaleFactor)
    {
        if (upscaleFactor < 1) throw new ArgumentOutOfRangeException(nameof(upscaleFactor), $"upscaleFactor must be ≥ 1, got {upscaleFactor}");
        UpscaleFactor = upscaleFactor;
    }

    /// <summary>r.</summary>
    public int UpscaleFactor { get; }

    /// <inheritdoc/>
    /// <exception cref="ShapeException">The input is not 4-D or its channels are not a multiple of r².</exception>
    public override Tensor Forward(Tensor input)
    {
        int r = UpscaleFactor;
        if (input.Rank != 4 || input.Dim(1) % (r * r) != 0)
            throw new ShapeException($"PixelShuffle: input must be (N, C·{r * r}, H, W), got {input.ShapeString}");
        int n = input.Dim(0), c = input.Dim(1) / (r * r), h = input.Dim(2), w = input.Dim(3);
        return input.Reshape(n, c, r, r, h, w).Permute(0, 1, 4, 2, 5, 3).Reshape(n, c, h * r, w * r);
    }
}
