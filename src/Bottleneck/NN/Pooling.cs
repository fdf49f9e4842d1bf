using Bottleneck.Tensors;

namespace Bottleneck.NN;

/// <summary>
/// 2-D max pooling as PyTorch's <c>nn.MaxPool2d</c> (floor mode): the maximum of each k × k window.
/// Shape: (N, C, H, W) → (N, C, H_out, W_out), H_out = ⌊(H + 2p − d·(k − 1) − 1)/s⌋ + 1 (W_out alike).
/// </summary>
public sealed class MaxPool2d : Module
{
    /// <summary>Creates the layer.</summary>
    /// <param name="kernelSize">k ≥ 1.</param>
    /// <param name="stride">s ≥ 1 (default: k, as PyTorch).</param>
    /// <param name="padding">p, 0 ≤ p ≤ k/2 (default 0; padding never wins the maximum).</param>
    /// <param name="dilation">d ≥ 1 (default 1).</param>
    /// <exception cref="ArgumentOutOfRangeException">A size out of range.</exception>
    public MaxPool2d(int kernelSize, int? stride = null, int padding = 0, int dilation = 1)
    {
        KernelSize = kernelSize; Stride = stride ?? kernelSize; Padding = padding; Dilation = dilation;
        PoolChecks.Check(KernelSize, Stride, Padding, Dilation);
    }

    /// <summary>k.</summary>
    public int KernelSize { get; }
    /// <summary>s.</summary>
    public int Stride { get; }
    /// <summary>p.</summary>
    public int Padding { get; }
    /// <summary>d.</summary>
    public int Dilation { get; }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) =>
        Tensor.MaxPool2d(input, KernelSize, KernelSize, Stride, Stride, Padding, Padding, Dilation, Dilation);

    /// <summary>The pooled output and the flat positions h·W + w of the maxima in each input plane (for <see cref="MaxUnpool2d"/>).</summary>
    /// <param name="input">(N, C, H, W).</param>
    public (Tensor Output, Tensor Indices) ForwardWithIndices(Tensor input) =>
        Tensor.MaxPool2dWithIndices(input, KernelSize, KernelSize, Stride, Stride, Padding, Padding, Dilation, Dilation);
}

/// <summary>1-D max pooling as PyTorch's <c>nn.MaxPool1d</c>. Shape: (N, C, L) → (N, C, L_out), L_out = ⌊(L + 2p − d·(k − 1) − 1)/s⌋ + 1.</summary>
public sealed class MaxPool1d : Module
{
    /// <summary>Creates the layer.</summary>
    /// <param name="kernelSize">k ≥ 1.</param>
    /// <param name="stride">s ≥ 1 (default: k).</param>
    /// <param name="padding">p, 0 ≤ p ≤ k/2 (default 0).</param>
    /// <param name="dilation">d ≥ 1 (default 1).</param>
    /// <exception cref="ArgumentOutOfRangeException">A size out of range.</exception>
    public MaxPool1d(int kernelSize, int? stride = null, int padding = 0, int dilation = 1)
    {
        KernelSize = kernelSize; Stride = stride ?? kernelSize; Padding = padding; Dilation = dilation;
        PoolChecks.Check(KernelSize, Stride, Padding, Dilation);
    }

    /// <summary>k.</summary>
    public int KernelSize { get; }
    /// <summary>s.</summary>
    public int Stride { get; }
    /// <summary>p.</summary>
    public int Padding { get; }
    /// <summary>d.</summary>
    public int Dilation { get; }

    /// <inheritdoc/>
    /// <exception cref="ShapeException">The input is not (N, C, L).</exception>
    public override Tensor Forward(Tensor input)
    {
        PoolChecks.Rank3("MaxPool1d", input);
        var y = Tensor.MaxPool2d(input.Unsqueeze(2), 1, KernelSize, 1, Stride, 0, Padding, 1, Dilation);
        return y.Squeeze(2);
    }

    /// <summary>The pooled output (N, C, L_out) and the positions of the maxima in each input row (for <see cref="MaxUnpool1d"/>).</summary>
    /// <param name="input">(N, C, L).</param>
    /// <exception cref="ShapeException">The input is not (N, C, L).</exception>
    public (Tensor Output, Tensor Indices) ForwardWithIndices(Tensor input)
    {
        PoolChecks.Rank3("MaxPool1d", input);
        var (y, idx) = Tensor.MaxPool2dWithIndices(input.Unsqueeze(2), 1, KernelSize, 1, Stride, 0, Padding, 1, Dilation);
        return (y.Squeeze(2), idx.Squeeze(2));
    }
}

/// <summary>
/// 1-D max unpooling as PyTorch's <c>nn.MaxUnpool1d</c>. Shape: (N, C, L) with indices of the same shape → (N, C, L_out), by
/// default L_out = (L − 1)·s − 2p + k.
/// </summary>
public sealed class MaxUnpool1d : Module
{
    /// <summary>Creates the layer.</summary>
    /// <param name="kernelSize">k ≥ 1 of the pooling it inverts.</param>
    /// <param name="stride">s ≥ 1 (default: k).</param>
    /// <param name="padding">p ≥ 0 (default 0).</param>
    /// <exception cref="ArgumentOutOfRangeException">A size out of range.</exception>
    public MaxUnpool1d(int kernelSize, int? stride = null, int padding = 0)
    {
        KernelSize = kernelSize; Stride = stride ?? kernelSize; Padding = padding;
        PoolChecks.Check(KernelSize, Stride, Padding, 1);
    }

    /// <summary>k.</summary>
    public int KernelSize { get; }
    /// <summary>s.</summary>
    public int Stride { get; }
    /// <summary>p.</summary>
    public int Padding { get; }

    /// <summary>Unpools <paramref name="input"/> to (L − 1)·s − 2p + k values per row, or to <paramref name="outputLength"/>.</summary>
    /// <param name="input">(N, C, L).</param>
    /// <param name="indices">From <see cref="MaxPool1d.ForwardWithIndices"/>.</param>
    /// <param name="outputLength">L_out, e.g. the pooled input's length; default from the formula.</param>
    /// <exception cref="ShapeException">Shapes differ or an index lies outside the output.</exception>
    public Tensor Forward(Tensor input, Tensor indices, int? outputLength = null)
    {
        PoolChecks.Rank3("MaxUnpool1d", input);
        int l = outputLength ?? (input.Dim(2) - 1) * Stride - 2 * Padding + KernelSize;
        return Tensor.MaxUnpool2d(input.Unsqueeze(2), indices.Unsqueeze(2), 1, l).Squeeze(2);
    }
}

/// <summary>
/// 2-D average pooling as PyTorch's <c>nn.AvgPool2d</c> (floor mode). Shape: (N, C, H, W) → (N, C, H_out, W_out),
/// H_out = ⌊(H + 2p − k)/s⌋ + 1.
/// </summary>
public sealed class AvgPool2d : Module
{
    /// <summary>Creates the layer.</summary>
    /// <param name="kernelSize">k ≥ 1.</param>
    /// <param name="stride">s ≥ 1 (default: k).</param>
    /// <param name="padding">p, 0 ≤ p ≤ k/2 (default 0).</param>
    /// <param name="countIncludePad">Count padded zeros in the divisor (default true, as PyTorch).</param>
    /// <exception cref="ArgumentOutOfRangeException">A size out of range.</exception>
    public AvgPool2d(int kernelSize, int? stride = null, int padding = 0, bool countIncludePad = true)
    {
        KernelSize = kernelSize; Stride = stride ?? kernelSize; Padding = padding; CountIncludePad = countIncludePad;
        PoolChecks.Check(KernelSize, Stride, Padding, 1);
    }

    /// <summary>k.</summary>
    public int KernelSize { get; }
    /// <summary>s.</summary>
    public int Stride { get; }
    /// <summary>p.</summary>
    public int Padding { get; }
    /// <summary>Whether padded zeros count in the divisor.</summary>
    public bool CountIncludePad { get; }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) =>
        Tensor.AvgPool2d(input, KernelSize, KernelSize, Stride, Stride, Padding, Padding, CountIncludePad);
}

/// <summary>1-D average pooling as PyTorch's <c>nn.AvgPool1d</c>. Shape: (N, C, L) → (N, C, L_out), L_out = ⌊(L + 2p − k)/s⌋ + 1.</summary>
public sealed class AvgPool1d : Module
{
    /// <summary>Creates the layer.</summary>
    /// <param name="kernelSize">k ≥ 1.</param>
    /// <param name="stride">s ≥ 1 (default: k).</param>
    /// <param name="padding">p, 0 ≤ p ≤ k/2 (default 0).</param>
    /// <param name="countIncludePad">Count padded zeros in the divisor (default true).</param>
    /// <exception cref="ArgumentOutOfRangeException">A size out of range.</exception>
    public AvgPool1d(int kernelSize, int? stride = null, int padding = 0, bool countIncludePad = true)
    {
        KernelSize = kernelSize; Stride = stride ?? kernelSize; Padding = padding; CountIncludePad = countIncludePad;
        PoolChecks.Check(KernelSize, Stride, Padding, 1);
    }

    /// <summary>k.</summary>
    public int KernelSize { get; }
    /// <summary>s.</summary>
    public int Stride { get; }
    /// <summary>p.</summary>
    public int Padding { get; }
    /// <summary>Whether padded zeros count in the divisor.</summary>
    public bool CountIncludePad { get; }

    /// <inheritdoc/>
    /// <exception cref="ShapeException">The input is not (N, C, L).</exception>
    public override Tensor Forward(Tensor input)
    {
        PoolChecks.Rank3("AvgPool1d", input);
        return Tensor.AvgPool2d(input.Unsqueeze(2), 1, KernelSize, 1, Stride, 0, Padding, CountIncludePad).Squeeze(2);
    }
}

/// <summary>
/// Adaptive average pooling as PyTorch's <c>nn.AdaptiveAvgPool2d</c>: output cell (i, j) averages rows ⌊i·H/H_out⌋ … ⌈(i+1)·H/H_out⌉ − 1
/// and the columns alike. Shape: (N, C, H, W) → (N, C, H_out, W_out).
/// </summary>
public sealed class AdaptiveAvgPool2d : Module
{
    /// <summary>Creates the layer.</summary>
    /// <param name="outputH">H_out ≥ 1.</param>
    /// <param name="outputW">W_out ≥ 1 (default: H_out).</param>
    /// <exception cref="ArgumentOutOfRangeException">An output size below 1.</exception>
    public AdaptiveAvgPool2d(int outputH, int? outputW = null)
    {
        OutputH = outputH; OutputW = outputW ?? outputH;
        if (OutputH < 1 || OutputW < 1) throw new ArgumentOutOfRangeException(nameof(outputH), $"output size must be ≥ 1, got {OutputH} × {OutputW}");
    }

    /// <summary>H_out.</summary>
    public int OutputH { get; }
    /// <summary>W_out.</summary>
    public int OutputW { get; }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Tensor.AdaptiveAvgPool2d(input, OutputH, OutputW);
}

/// <summary>
/// Max unpooling as PyTorch's <c>nn.MaxUnpool2d</c>: puts each pooled value back at its recorded position, zeros elsewhere.
/// Shape: (N, C, H, W) with indices of the same shape → (N, C, H_out, W_out), by default H_out = (H − 1)·s − 2p + k.
/// </summary>
public sealed class MaxUnpool2d : Module
{
    /// <summary>Creates the layer.</summary>
    /// <param name="kernelSize">k ≥ 1 of the pooling it inverts.</param>
    /// <param name="stride">s ≥ 1 (default: k).</param>
    /// <param name="padding">p ≥ 0 (default 0).</param>
    /// <exception cref="ArgumentOutOfRangeException">A size out of range.</exception>
    public MaxUnpool2d(int kernelSize, int? stride = null, int padding = 0)
    {
        KernelSize = kernelSize; Stride = stride ?? kernelSize; Padding = padding;
        PoolChecks.Check(KernelSize, Stride, Padding, 1);
    }

    /// <summary>k.</summary>
    public int KernelSize { get; }
    /// <summary>s.</summary>
    public int Stride { get; }
    /// <summary>p.</summary>
    public int Padding { get; }

    /// <summary>Unpools <paramref name="input"/> to (H − 1)·s − 2p + k rows (columns alike), or to <paramref name="outputSize"/>.</summary>
    /// <param name="input">(N, C, H, W).</param>
    /// <param name="indices">From <see cref="MaxPool2d.ForwardWithIndices"/>.</param>
    /// <param name="outputSize">(H_out, W_out), e.g. the pooled input's size when the pooling floored; default from the formula.</param>
    /// <exception cref="ShapeException">Shapes differ or an index lies outside the output.</exception>
    public Tensor Forward(Tensor input, Tensor indices, (int H, int W)? outputSize = null)
    {
        if (input.Rank != 4) throw new ShapeException($"MaxUnpool2d: input must be (N, C, H, W), got {input.ShapeString}");
        var (h, w) = outputSize ?? ((input.Dim(2) - 1) * Stride - 2 * Padding + KernelSize, (input.Dim(3) - 1) * Stride - 2 * Padding + KernelSize);
        return Tensor.MaxUnpool2d(input, indices, h, w);
    }
}

internal static class PoolChecks
{
    public static void Check(int k, int s, int p, int d)
    {
        if (k < 1) throw new ArgumentOutOfRangeException("kernelSize", $"kernelSize must be ≥ 1, got {k}");
        if (s < 1) throw new ArgumentOutOfRangeException("stride", $"stride must be ≥ 1, got {s}");
        if (p < 0 || p > k / 2) throw new ArgumentOutOfRangeException("padding", $"padding must be between 0 and kernelSize/2 = {k / 2}, got {p}");
        if (d < 1) throw new ArgumentOutOfRangeException("dilation", $"dilation must be ≥ 1, got {d}");
    }

    public static void Rank3(string op, Tensor x)
    {
        if (x.Rank != 3) throw new ShapeException($"{op}: input must be (N, C, L), got {x.ShapeString}");
    }
}
