using Bottleneck.Tensors;

namespace Bottleneck.NN;

/// <summary>How a convolution layer pads its input with zeros.</summary>
public enum ConvPadding
{
    /// <summary>The layer's integer <c>padding</c> on every side (PyTorch's <c>padding=p</c>, zeros).</summary>
    Zeros,
    /// <summary>PyTorch's <c>padding='same'</c>: d·(k − 1) in total per axis, ⌊half⌋ first, so the output keeps the input size; stride 1 only.</summary>
    Same,
    /// <summary>Causal 1-D padding: d·(k − 1) on the left only, so output t depends on inputs ≤ t (temporal convolutional networks; Conv1d only).</summary>
    Causal,
}

/// <summary>The parts shared by the convolution layers: weight, optional bias, PyTorch's default initialisation.</summary>
public abstract class ConvBase : Module
{
    private protected ConvBase(string op, int inChannels, int outChannels, int kernelSize, int stride, int padding, int dilation, int groups,
        ConvPadding paddingMode, int[] weightShape, Rng rng, bool bias)
    {
        if (inChannels < 1) throw new ArgumentOutOfRangeException(nameof(inChannels), $"{op}: inChannels must be ≥ 1, got {inChannels}");
        if (outChannels < 1) throw new ArgumentOutOfRangeException(nameof(outChannels), $"{op}: outChannels must be ≥ 1, got {outChannels}");
        if (kernelSize < 1) throw new ArgumentOutOfRangeException(nameof(kernelSize), $"{op}: kernelSize must be ≥ 1, got {kernelSize}");
        if (stride < 1) throw new ArgumentOutOfRangeException(nameof(stride), $"{op}: stride must be ≥ 1, got {stride}");
        if (padding < 0) throw new ArgumentOutOfRangeException(nameof(padding), $"{op}: padding must be ≥ 0, got {padding}");
        if (dilation < 1) throw new ArgumentOutOfRangeException(nameof(dilation), $"{op}: dilation must be ≥ 1, got {dilation}");
        if (groups < 1 || inChannels % groups != 0 || outChannels % groups != 0)
            throw new ArgumentOutOfRangeException(nameof(groups), $"{op}: groups must be ≥ 1 and divide inChannels {inChannels} and outChannels {outChannels}, got {groups}");
        if (paddingMode == ConvPadding.Same && stride != 1)
            throw new ArgumentOutOfRangeException(nameof(stride), $"{op}: padding 'same' needs stride 1, got {stride}");
        InChannels = inChannels; OutChannels = outChannels; KernelSize = kernelSize; Stride = stride; Dilation = dilation; Groups = groups;
        PaddingMode = paddingMode;
        Padding = paddingMode == ConvPadding.Zeros ? padding : 0;
        using (TensorScope.Untracked())
        {
            Weight = RegisterParameter("weight", Tensor.Zeros(weightShape));
            Bias = bias ? RegisterParameter("bias", Tensor.Zeros(outChannels)) : null;
        }
        ResetParameters(rng);
    }

    /// <summary>C_in.</summary>
    public int InChannels { get; }
    /// <summary>C_out.</summary>
    public int OutChannels { get; }
    /// <summary>k (square kernels; 1-D layers: the kernel length).</summary>
    public int KernelSize { get; }
    /// <summary>s.</summary>
    public int Stride { get; }
    /// <summary>p, the zeros added on each side when <see cref="PaddingMode"/> is <see cref="ConvPadding.Zeros"/>.</summary>
    public int Padding { get; }
    /// <summary>d.</summary>
    public int Dilation { get; }
    /// <summary>G.</summary>
    public int Groups { get; }
    /// <summary>How the input is padded.</summary>
    public ConvPadding PaddingMode { get; }
    /// <summary>The kernel (PyTorch's layout; see the layer).</summary>
    public Tensor Weight { get; }
    /// <summary>The bias (C_out), or null.</summary>
    public Tensor? Bias { get; }

    /// <summary>PyTorch's default: W from kaiming_uniform(a = √5), i.e. U(−1/√fan_in, 1/√fan_in) with fan_in = weight.shape[1]·Πk; b likewise.</summary>
    public void ResetParameters(Rng rng) => Init.LinearDefault(Weight, Bias, rng);

    /// <summary>The padding per side for a 2-D layer.</summary>
    private protected Padding2d Padding2dFor(bool oneD) => PaddingMode switch
    {
        ConvPadding.Same => oneD ? Padding2d.Same(1, KernelSize, 1, Dilation) : Padding2d.Same(KernelSize, KernelSize, Dilation, Dilation),
        ConvPadding.Causal => Padding2d.Causal(KernelSize, Dilation),
        _ => oneD ? new Padding2d(0, 0, Padding, Padding) : Padding2d.Symmetric(Padding),
    };
}

/// <summary>
/// 2-D convolution layer as PyTorch's <c>nn.Conv2d</c>: y = conv2d(x, W) + b (cross-correlation; see <see cref="Tensor.Conv2d"/>).
/// Shape: input (N, C_in, H, W) → output (N, C_out, H_out, W_out), H_out = ⌊(H + 2p − d·(k − 1) − 1)/s⌋ + 1 (W_out alike);
/// weight (C_out, C_in/G, k, k), bias (C_out). N batch, C channels, H×W height × width, k kernel size, s stride, p padding,
/// d dilation, G groups. A depthwise convolution is G = C_in (LeCun et al. 1989 for convolutional networks; Chollet 2017 for
/// depthwise-separable ones, see <see cref="DepthwiseSeparableConv2d"/>).
/// </summary>
public sealed class Conv2d : ConvBase
{
    /// <summary>Creates the layer with PyTorch's default initialisation.</summary>
    /// <param name="inChannels">C_in ≥ 1.</param>
    /// <param name="outChannels">C_out ≥ 1.</param>
    /// <param name="kernelSize">k ≥ 1 (square kernel).</param>
    /// <param name="rng">Generator for the initial weights.</param>
    /// <param name="stride">s ≥ 1 (default 1).</param>
    /// <param name="padding">p ≥ 0 zeros on each side (default 0; ignored unless <paramref name="paddingMode"/> is Zeros).</param>
    /// <param name="dilation">d ≥ 1 (default 1).</param>
    /// <param name="groups">G ≥ 1 dividing both channel counts (default 1).</param>
    /// <param name="bias">Learn a bias (default true).</param>
    /// <param name="paddingMode">Zeros (default, uses <paramref name="padding"/>) or Same (stride 1).</param>
    /// <exception cref="ArgumentOutOfRangeException">A size out of range, groups not dividing the channels, Same with stride ≠ 1, or Causal.</exception>
    public Conv2d(int inChannels, int outChannels, int kernelSize, Rng rng, int stride = 1, int padding = 0, int dilation = 1, int groups = 1,
        bool bias = true, ConvPadding paddingMode = ConvPadding.Zeros)
        : base("Conv2d", inChannels, outChannels, kernelSize, stride, padding, dilation, groups, CheckMode(paddingMode),
            [outChannels, Math.Max(inChannels / Math.Max(groups, 1), 1), kernelSize, kernelSize], rng, bias) { }

    private static ConvPadding CheckMode(ConvPadding m) => m == ConvPadding.Causal
        ? throw new ArgumentOutOfRangeException("paddingMode", "Conv2d: causal padding is for Conv1d only") : m;

    /// <inheritdoc/>
    /// <exception cref="Bottleneck.Tensors.ShapeException">The input is not (N, C_in, H, W) or is smaller than the dilated kernel.</exception>
    public override Tensor Forward(Tensor input) =>
        Tensor.Conv2d(input, Weight, Bias, Stride, Stride, Padding2dFor(false), Dilation, Dilation, Groups);
}

/// <summary>
/// 1-D convolution layer as PyTorch's <c>nn.Conv1d</c>: y = conv1d(x, W) + b. Shape: input (N, C_in, L) → output
/// (N, C_out, L_out), L_out = ⌊(L + p_left + p_right − d·(k − 1) − 1)/s⌋ + 1; weight (C_out, C_in/G, k), bias (C_out).
/// With <see cref="ConvPadding.Causal"/> it is the causal dilated convolution of WaveNet (van den Oord et al. 2016) and temporal
/// convolutional networks (Bai et al. 2018): p_left = d·(k − 1), p_right = 0, so L_out = L (stride 1) and y[t] sees x[≤ t].
/// </summary>
public sealed class Conv1d : ConvBase
{
    /// <summary>Creates the layer with PyTorch's default initialisation.</summary>
    /// <param name="inChannels">C_in ≥ 1.</param>
    /// <param name="outChannels">C_out ≥ 1.</param>
    /// <param name="kernelSize">k ≥ 1.</param>
    /// <param name="rng">Generator for the initial weights.</param>
    /// <param name="stride">s ≥ 1 (default 1).</param>
    /// <param name="padding">p ≥ 0 zeros on each side (default 0; used only with <see cref="ConvPadding.Zeros"/>).</param>
    /// <param name="dilation">d ≥ 1 (default 1).</param>
    /// <param name="groups">G ≥ 1 dividing both channel counts (default 1).</param>
    /// <param name="bias">Learn a bias (default true).</param>
    /// <param name="paddingMode">Zeros (default), Same (stride 1) or Causal.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size out of range, groups not dividing the channels, or Same with stride ≠ 1.</exception>
    public Conv1d(int inChannels, int outChannels, int kernelSize, Rng rng, int stride = 1, int padding = 0, int dilation = 1, int groups = 1,
        bool bias = true, ConvPadding paddingMode = ConvPadding.Zeros)
        : base("Conv1d", inChannels, outChannels, kernelSize, stride, padding, dilation, groups, paddingMode,
            [outChannels, Math.Max(inChannels / Math.Max(groups, 1), 1), kernelSize], rng, bias) { }

    /// <summary>A causal dilated convolution (stride 1): left padding d·(k − 1), output length = input length.</summary>
    /// <param name="inChannels">C_in ≥ 1.</param>
    /// <param name="outChannels">C_out ≥ 1.</param>
    /// <param name="kernelSize">k ≥ 1.</param>
    /// <param name="rng">Generator for the initial weights.</param>
    /// <param name="dilation">d ≥ 1 (default 1).</param>
    /// <param name="bias">Learn a bias (default true).</param>
    /// <exception cref="ArgumentOutOfRangeException">A size out of range.</exception>
    public static Conv1d Causal(int inChannels, int outChannels, int kernelSize, Rng rng, int dilation = 1, bool bias = true) =>
        new(inChannels, outChannels, kernelSize, rng, dilation: dilation, bias: bias, paddingMode: ConvPadding.Causal);

    /// <inheritdoc/>
    /// <exception cref="Bottleneck.Tensors.ShapeException">The input is not (N, C_in, L) or is shorter than the dilated kernel.</exception>
    public override Tensor Forward(Tensor input) =>
        Tensor.Conv1d(input, Weight, Bias, Stride, Padding2dFor(true), Dilation, Groups);
}

/// <summary>
/// 2-D transposed convolution as PyTorch's <c>nn.ConvTranspose2d</c> (the adjoint of <see cref="Conv2d"/>; Zeiler et al. 2010,
/// Dumoulin &amp; Visin 2016). Shape: input (N, C_in, H, W) → output (N, C_out, H_out, W_out),
/// H_out = (H − 1)·s − 2p + d·(k − 1) + op + 1 (W_out alike); weight (C_in, C_out/G, k, k), bias (C_out); op the output padding.
/// </summary>
public sealed class ConvTranspose2d : ConvBase
{
    /// <summary>Creates the layer with PyTorch's default initialisation (fan_in = C_out/G·k²).</summary>
    /// <param name="inChannels">C_in ≥ 1.</param>
    /// <param name="outChannels">C_out ≥ 1.</param>
    /// <param name="kernelSize">k ≥ 1.</param>
    /// <param name="rng">Generator for the initial weights.</param>
    /// <param name="stride">s ≥ 1 (default 1).</param>
    /// <param name="padding">p ≥ 0 removed from each side of the full output (default 0).</param>
    /// <param name="outputPadding">op, 0 ≤ op &lt; max(s, d), added at the bottom/right (default 0).</param>
    /// <param name="dilation">d ≥ 1 (default 1).</param>
    /// <param name="groups">G ≥ 1 dividing both channel counts (default 1).</param>
    /// <param name="bias">Learn a bias (default true).</param>
    /// <exception cref="ArgumentOutOfRangeException">A size out of range or the output padding not below the stride or dilation.</exception>
    public ConvTranspose2d(int inChannels, int outChannels, int kernelSize, Rng rng, int stride = 1, int padding = 0, int outputPadding = 0,
        int dilation = 1, int groups = 1, bool bias = true)
        : base("ConvTranspose2d", inChannels, outChannels, kernelSize, stride, padding, dilation, groups, ConvPadding.Zeros,
            [inChannels, Math.Max(outChannels / Math.Max(groups, 1), 1), kernelSize, kernelSize], rng, bias)
    {
        OutputPadding = CheckOutputPadding(outputPadding, stride, dilation);
    }

    internal static int CheckOutputPadding(int op, int stride, int dilation) => op >= 0 && op < Math.Max(stride, dilation) ? op
        : throw new ArgumentOutOfRangeException("outputPadding", $"outputPadding must be ≥ 0 and smaller than the stride or the dilation, got {op} (stride {stride}, dilation {dilation})");

    /// <summary>op.</summary>
    public int OutputPadding { get; }

    /// <inheritdoc/>
    /// <exception cref="Bottleneck.Tensors.ShapeException">The input is not (N, C_in, H, W).</exception>
    public override Tensor Forward(Tensor input) =>
        Tensor.ConvTranspose2d(input, Weight, Bias, Stride, Stride, Padding2d.Symmetric(Padding), OutputPadding, OutputPadding, Dilation, Dilation, Groups);
}

/// <summary>
/// 1-D transposed convolution as PyTorch's <c>nn.ConvTranspose1d</c>. Shape: input (N, C_in, L) → output (N, C_out, L_out),
/// L_out = (L − 1)·s − 2p + d·(k − 1) + op + 1; weight (C_in, C_out/G, k), bias (C_out).
/// </summary>
public sealed class ConvTranspose1d : ConvBase
{
    /// <summary>Creates the layer with PyTorch's default initialisation (fan_in = C_out/G·k).</summary>
    /// <param name="inChannels">C_in ≥ 1.</param>
    /// <param name="outChannels">C_out ≥ 1.</param>
    /// <param name="kernelSize">k ≥ 1.</param>
    /// <param name="rng">Generator for the initial weights.</param>
    /// <param name="stride">s ≥ 1 (default 1).</param>
    /// <param name="padding">p ≥ 0 removed from each end of the full output (default 0).</param>
    /// <param name="outputPadding">op, 0 ≤ op &lt; max(s, d), added at the end (default 0).</param>
    /// <param name="dilation">d ≥ 1 (default 1).</param>
    /// <param name="groups">G ≥ 1 dividing both channel counts (default 1).</param>
    /// <param name="bias">Learn a bias (default true).</param>
    /// <exception cref="ArgumentOutOfRangeException">A size out of range or the output padding not below the stride or dilation.</exception>
    public ConvTranspose1d(int inChannels, int outChannels, int kernelSize, Rng rng, int stride = 1, int padding = 0, int outputPadding = 0,
        int dilation = 1, int groups = 1, bool bias = true)
        : base("ConvTranspose1d", inChannels, outChannels, kernelSize, stride, padding, dilation, groups, ConvPadding.Zeros,
            [inChannels, Math.Max(outChannels / Math.Max(groups, 1), 1), kernelSize], rng, bias)
    {
        OutputPadding = ConvTranspose2d.CheckOutputPadding(outputPadding, stride, dilation);
    }

    /// <summary>op.</summary>
    public int OutputPadding { get; }

    /// <inheritdoc/>
    /// <exception cref="Bottleneck.Tensors.ShapeException">The input is not (N, C_in, L).</exception>
    public override Tensor Forward(Tensor input) =>
        Tensor.ConvTranspose1d(input, Weight, Bias, Stride, new Padding2d(0, 0, Padding, Padding), OutputPadding, Dilation, Groups);
}

/// <summary>
/// Depthwise-separable convolution (Chollet 2017, Xception; Howard et al. 2017, MobileNets): a depthwise
/// <see cref="Conv2d"/> (G = C_in, C_in·m channels) followed by a pointwise 1×1 <see cref="Conv2d"/> to C_out.
/// Shape: (N, C_in, H, W) → (N, C_out, H_out, W_out) as the depthwise convolution. State-dict entries
/// <c>depthwise.weight</c> (C_in·m, 1, k, k), <c>depthwise.bias</c>, <c>pointwise.weight</c> (C_out, C_in·m, 1, 1), <c>pointwise.bias</c>.
/// </summary>
public sealed class DepthwiseSeparableConv2d : Module
{
    /// <summary>Creates both convolutions with PyTorch's default initialisation.</summary>
    /// <param name="inChannels">C_in ≥ 1.</param>
    /// <param name="outChannels">C_out ≥ 1.</param>
    /// <param name="kernelSize">k ≥ 1 of the depthwise convolution.</param>
    /// <param name="rng">Generator for the initial weights.</param>
    /// <param name="stride">s ≥ 1 of the depthwise convolution (default 1).</param>
    /// <param name="padding">p ≥ 0 of the depthwise convolution (default 0).</param>
    /// <param name="dilation">d ≥ 1 of the depthwise convolution (default 1).</param>
    /// <param name="depthMultiplier">m ≥ 1, depthwise channels per input channel (default 1).</param>
    /// <param name="bias">Biases on both convolutions (default true).</param>
    /// <exception cref="ArgumentOutOfRangeException">A size out of range.</exception>
    public DepthwiseSeparableConv2d(int inChannels, int outChannels, int kernelSize, Rng rng, int stride = 1, int padding = 0, int dilation = 1,
        int depthMultiplier = 1, bool bias = true)
    {
        if (depthMultiplier < 1) throw new ArgumentOutOfRangeException(nameof(depthMultiplier), $"depthMultiplier must be ≥ 1, got {depthMultiplier}");
        Depthwise = RegisterModule("depthwise", new Conv2d(inChannels, inChannels * depthMultiplier, kernelSize, rng, stride, padding, dilation, groups: inChannels, bias: bias));
        Pointwise = RegisterModule("pointwise", new Conv2d(inChannels * depthMultiplier, outChannels, 1, rng, bias: bias));
    }

    /// <summary>The depthwise convolution.</summary>
    public Conv2d Depthwise { get; }
    /// <summary>The pointwise 1×1 convolution.</summary>
    public Conv2d Pointwise { get; }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Pointwise.Forward(Depthwise.Forward(input));
}
