using Bottleneck.Tensors;

namespace Bottleneck.Models;

/// <summary>
/// Training-time data augmentation of images by the dihedral group D4: each sample of a batch is replaced by one of its 8 flips
/// and rotations by multiples of 90° (4 for a non-square image: the identity, the two flips and the 180° rotation), drawn
/// uniformly and independently per sample from the step's noise generator. The standard augmentation of image restoration
/// networks (Lim et al., "Enhanced deep residual networks for single image super-resolution" (EDSR), CVPRW 2017; Zhang et al.,
/// "Beyond a Gaussian denoiser: residual learning of deep CNN for image denoising" (DnCNN), IEEE TIP 2017): the training set
/// seen over the epochs is up to 8 times larger at no cost in memory, and natural-image statistics are (nearly) invariant to
/// these transforms.
/// </summary>
/// <remarks>
/// Transform t ∈ {0, …, 7}, output pixel (y, x) read from input pixel (s_y, s_x): (s_y, s_x) = (x, y) when bit 2 of t is set
/// (transposition; square images only), else (y, x); then s_x ← W − 1 − s_x when bit 0 is set (horizontal flip) and
/// s_y ← H − 1 − s_y when bit 1 is set (vertical flip). t = 0 is the identity, t = 3 the 180° rotation, t = 5 and t = 6 the
/// rotations by ±90°. Every channel of a sample gets the same transform; the input, a separate target and a mask of the same
/// shape get the same transform per sample (a pair stays a pair). Not differentiable: the result is a new tensor, not connected
/// to the graph.
/// </remarks>
public static class DihedralAugmentation
{
    /// <summary>The number of transforms for an H × W image: 8 when H = W, else 4 (no transposition).</summary>
    /// <param name="height">H ≥ 1.</param>
    /// <param name="width">W ≥ 1.</param>
    public static int Count(int height, int width) => height == width ? 8 : 4;

    /// <summary>
    /// Writes transform <paramref name="t"/> of one sample: dst(c, y, x) = src(c, s_y, s_x) (see the remarks of
    /// <see cref="DihedralAugmentation"/>). Shape: (C, H, W) → (C, H, W).
    /// </summary>
    /// <param name="source">The sample, C·H·W values, channel-major.</param>
    /// <param name="destination">The output, C·H·W values (not overlapping <paramref name="source"/>).</param>
    /// <param name="channels">C ≥ 1.</param>
    /// <param name="height">H ≥ 1.</param>
    /// <param name="width">W ≥ 1.</param>
    /// <param name="t">The transform, 0 ≤ t &lt; <see cref="Count"/>(H, W).</param>
    /// <exception cref="ArgumentOutOfRangeException">t out of range for the image, or the spans are not C·H·W long.</exception>
    public static void Transform(ReadOnlySpan<float> source, Span<float> destination, int channels, int height, int width, int t)
    {
        if (t < 0 || t >= Count(height, width))
            throw new ArgumentOutOfRangeException(nameof(t), t, $"transform must be in [0, {Count(height, width)}) for a {height} × {width} image, got {t}");
        int plane = height * width;
        if (source.Length != channels * plane || destination.Length != channels * plane)
            throw new ArgumentOutOfRangeException(nameof(source), $"a {channels} × {height} × {width} sample has {channels * plane} values, got {source.Length} and {destination.Length}");
        bool flipX = (t & 1) != 0, flipY = (t & 2) != 0, transpose = (t & 4) != 0;
        for (int c = 0; c < channels; c++)
        {
            var src = source.Slice(c * plane, plane);
            var dst = destination.Slice(c * plane, plane);
            for (int y = 0; y < height; y++)
                for (int x = 0; x < width; x++)
                {
                    int sy = transpose ? x : y, sx = transpose ? y : x;
                    if (flipX) sx = width - 1 - sx;
                    if (flipY) sy = height - 1 - sy;
                    dst[y * width + x] = src[sy * width + sx];
                }
        }
    }

    /// <summary>
    /// The batch with every sample replaced by a random dihedral transform of itself: one draw of <c>rng.NextInt(count)</c> per
    /// sample, in order; the input, the target (when separate) and the mask (when it has the input's shape) get the same transform.
    /// Labels and the condition are kept. Shape: input (N, C, H, W) → (N, C, H, W).
    /// </summary>
    /// <param name="batch">Images (N, C, H, W).</param>
    /// <param name="rng">The step's noise generator; advanced by N draws.</param>
    /// <exception cref="ShapeException">The input is not 4-D, or the target's shape differs from the input's.</exception>
    public static RowBatch Apply(RowBatch batch, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(rng);
        var input = batch.Input;
        if (input.Rank != 4) throw new ShapeException($"dihedral augmentation: input must be images (N, C, H, W), got {input.ShapeString}");
        int n = input.Dim(0), c = input.Dim(1), h = input.Dim(2), w = input.Dim(3), count = Count(h, w);
        var transforms = new int[n];
        for (int i = 0; i < n; i++) transforms[i] = rng.NextInt(count);
        var target = batch.Target;
        if (target != null && !target.ShapeToArray().AsSpan().SequenceEqual(input.ShapeToArray()))
            throw new ShapeException($"dihedral augmentation: target {target.ShapeString} must have the input's shape {input.ShapeString}");
        var mask = batch.Mask is { } m && m.ShapeToArray().AsSpan().SequenceEqual(input.ShapeToArray()) ? m : null;
        return batch with
        {
            Input = Transformed(input, transforms, c, h, w),
            Target = target is null ? null : Transformed(target, transforms, c, h, w),
            Mask = mask is null ? batch.Mask : Transformed(mask, transforms, c, h, w),
        };
    }

    private static Tensor Transformed(Tensor images, int[] transforms, int c, int h, int w)
    {
        var o = Tensor.Empty(images.ShapeToArray());
        int d = c * h * w;
        ReadOnlySpan<float> src = images.Span;
        var dst = o.Span;
        for (int i = 0; i < transforms.Length; i++)
            Transform(src.Slice(i * d, d), dst.Slice(i * d, d), c, h, w, transforms[i]);
        return o;
    }
}
