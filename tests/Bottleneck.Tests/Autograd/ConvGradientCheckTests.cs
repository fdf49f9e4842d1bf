using Bottleneck.NN;
using Bottleneck.Tensors;

namespace Bottleneck.Tests.Autograd;

/// <summary>The convolution, pooling and resampling ops and image layers against central differences (the table of
/// <see cref="GradientCheckTests"/>, kept in its own file).</summary>
public class ConvGradientCheckTests
{
    private static Tensor R(Rng r, params int[] s) => GradCheck.Rand(r, s);
    private static Tensor Pos(Rng r, params int[] s) => GradCheck.Rand(r, s, 0.5f, 2f);

    /// <summary>Distinct values at least 0.25 apart (max pooling never has a tie within the stencil's ±2h).</summary>
    private static Tensor Distinct(Rng r, params int[] s)
    {
        var t = Tensor.Zeros(s);
        var p = r.Permutation(t.Length);
        for (int i = 0; i < p.Length; i++) t.Span[i] = (p[i] - p.Length / 2f) * 0.25f;
        return t;
    }

    public static readonly GradientCheckTests.Case[] Cases =
    [
        new("conv2d", x => Tensor.Conv2d(x[0], x[1], x[2]), r => [R(r, 2, 2, 5, 4), R(r, 3, 2, 3, 3), R(r, 3)]),
        new("conv2d stride 2 pad 1", x => Tensor.Conv2d(x[0], x[1], x[2], 2, 2, Padding2d.Symmetric(1)), r => [R(r, 2, 2, 5, 6), R(r, 3, 2, 3, 3), R(r, 3)]),
        new("conv2d same (even kernel)", x => Tensor.Conv2d(x[0], x[1], null, padding: Padding2d.Same(2, 2)), r => [R(r, 1, 2, 4, 4), R(r, 2, 2, 2, 2)]),
        new("conv2d dilation 2, stride (2, 1)", x => Tensor.Conv2d(x[0], x[1], x[2], 2, 1, Padding2d.Symmetric(1, 2), 2, 2), r => [R(r, 1, 2, 6, 5), R(r, 2, 2, 2, 3), R(r, 2)]),
        new("conv2d groups 2", x => Tensor.Conv2d(x[0], x[1], x[2], groups: 2), r => [R(r, 2, 4, 4, 4), R(r, 4, 2, 2, 2), R(r, 4)]),
        new("conv2d depthwise", x => Tensor.Conv2d(x[0], x[1], x[2], padding: Padding2d.Symmetric(1), groups: 3), r => [R(r, 2, 3, 4, 4), R(r, 6, 1, 3, 3), R(r, 6)]),
        new("conv2d depthwise x2, stride 2, dilation 2", x => Tensor.Conv2d(x[0], x[1], x[2], 2, 2, Padding2d.Symmetric(2), 2, 2, groups: 2), r => [R(r, 2, 2, 6, 5), R(r, 4, 1, 3, 3), R(r, 4)]),
        new("conv1d causal depthwise", x => Tensor.Conv1d(x[0], x[1], null, padding: Padding2d.Causal(2, 3), dilation: 3, groups: 3), r => [R(r, 2, 3, 8), R(r, 3, 1, 2)]),
        new("conv1d stride 2", x => Tensor.Conv1d(x[0], x[1], x[2], 2, new Padding2d(0, 0, 1, 1)), r => [R(r, 2, 3, 9), R(r, 2, 3, 3), R(r, 2)]),
        new("conv1d causal dilated", x => Tensor.Conv1d(x[0], x[1], x[2], padding: Padding2d.Causal(3, 2), dilation: 2), r => [R(r, 2, 2, 8), R(r, 3, 2, 3), R(r, 3)]),
        new("conv transpose2d stride 2 op 1", x => Tensor.ConvTranspose2d(x[0], x[1], x[2], 2, 2, Padding2d.Symmetric(1), 1, 1), r => [R(r, 2, 3, 3, 4), R(r, 3, 2, 3, 3), R(r, 2)]),
        new("conv transpose2d groups dilation", x => Tensor.ConvTranspose2d(x[0], x[1], null, groups: 2, dilationH: 2, dilationW: 2), r => [R(r, 1, 4, 3, 3), R(r, 4, 1, 2, 2)]),
        new("conv transpose1d", x => Tensor.ConvTranspose1d(x[0], x[1], x[2], 2, new Padding2d(0, 0, 1, 1), 1), r => [R(r, 2, 3, 5), R(r, 3, 2, 3), R(r, 2)]),
        new("max pool2d 3x3 s2 p1", x => Tensor.MaxPool2d(x[0], 3, 3, 2, 2, 1, 1), r => [Distinct(r, 2, 2, 5, 6)]),
        new("max unpool2d", x => { var (y, i) = Tensor.MaxPool2dWithIndices(x[0], 2, 2, 2, 2); return Tensor.MaxUnpool2d(y * x[1], i, 4, 5); },
            r => [Distinct(r, 1, 2, 4, 5), R(r, 1, 2, 2, 2)]),
        new("avg pool2d 3x3 s2 p1", x => Tensor.AvgPool2d(x[0], 3, 3, 2, 2, 1, 1), r => [R(r, 2, 2, 5, 6)]),
        new("avg pool2d exclude pad", x => Tensor.AvgPool2d(x[0], 3, 3, 2, 2, 1, 1, countIncludePad: false), r => [R(r, 1, 2, 5, 6)]),
        new("adaptive avg pool2d", x => Tensor.AdaptiveAvgPool2d(x[0], 3, 2), r => [R(r, 2, 2, 5, 5)]),
        new("upsample nearest", x => Tensor.Upsample2d(x[0], 5, 7, UpsampleMode.Nearest), r => [R(r, 1, 2, 3, 3)]),
        new("upsample bilinear", x => Tensor.Upsample2d(x[0], 6, 5, UpsampleMode.Bilinear), r => [R(r, 2, 2, 3, 4)]),
        new("upsample bilinear aligned", x => Tensor.Upsample2d(x[0], 5, 7, UpsampleMode.Bilinear, alignCorners: true), r => [R(r, 1, 2, 3, 4)]),
        new("resize bicubic up", x => Tensor.Resize2d(x[0], 7, 8, ResizeFilter.Bicubic), r => [R(r, 1, 2, 3, 4)]),
        new("resize bicubic down antialias", x => Tensor.Resize2d(x[0], 3, 2, ResizeFilter.Bicubic, antialias: true), r => [R(r, 2, 1, 7, 6)]),
        new("resize area fractional", x => Tensor.Resize2d(x[0], 3, 4, ResizeFilter.Area), r => [R(r, 1, 2, 7, 9)]),
        new("pixel shuffle", x => new PixelShuffle(2).Forward(x[0]) * x[1], r => [R(r, 2, 8, 2, 3), R(r, 2, 2, 4, 6)]),
        new("batch norm 2d train", x => { var bn = new BatchNorm2d(3); return bn.Forward(x[0]) * x[1]; }, r => [R(r, 2, 3, 3, 2), Pos(r, 2, 3, 3, 2)]),
    ];

    public static IEnumerable<object[]> CaseData() => Cases.Select(c => new object[] { c });

    [Theory]
    [MemberData(nameof(CaseData))]
    public void AnalyticGradientMatchesCentralDifferences(GradientCheckTests.Case c)
    {
        var inputs = c.Inputs(new Rng((ulong)c.Name.GetHashCode(StringComparison.Ordinal) & 0xFFFF));
        GradCheck.Check(c.Name, c.F, inputs);
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(2, 2, 1)]
    [InlineData(1, 1, 3)]
    public void TheDirectDepthwiseKernelAgreesWithIm2ColAndGemm(int stride, int dilation, int multiplier)
    {
        // Given a depthwise convolution computed by the direct kernel and by im2col + GEMM
        var rng = new Rng(9);
        var x = GradCheck.Rand(rng, [3, 4, 9, 8]);
        var w = GradCheck.Rand(rng, [4 * multiplier, 1, 3, 3]);
        var b = GradCheck.Rand(rng, [4 * multiplier]);
        (float[] Y, float[] Dx, float[] Dw, float[] Db) Run(bool direct)
        {
            bool before = Bottleneck.Ops.DepthwiseKernels.Enabled;
            Bottleneck.Ops.DepthwiseKernels.Enabled = direct;
            try
            {
                foreach (var t in new[] { x, w, b }) { t.ClearGrad(); t.RequiresGrad = true; }
                var y = Tensor.Conv2d(x, w, b, stride, stride, Padding2d.Symmetric(1), dilation, dilation, groups: 4);
                y.Backward(GradCheck.Rand(new Rng(10), y.ShapeToArray()));
                return (y.ToArray(), x.Grad!.ToArray(), w.Grad!.ToArray(), b.Grad!.ToArray());
            }
            finally { Bottleneck.Ops.DepthwiseKernels.Enabled = before; }
        }

        // When both run, then output and every gradient agree to float rounding
        var d = Run(true); var g = Run(false);
        foreach (var (a, e, what) in new[] { (d.Y, g.Y, "y"), (d.Dx, g.Dx, "dx"), (d.Dw, g.Dw, "dw"), (d.Db, g.Db, "db") })
            for (int i = 0; i < e.Length; i++) Assert.True(Math.Abs(a[i] - e[i]) <= 1e-4f * (1 + Math.Abs(e[i])), $"{what}[{i}]: {a[i]} vs {e[i]}");
    }

    [Fact]
    public void CausalConvolutionIgnoresTheFuture()
    {
        // Given a causal dilated convolution and an input whose last step is changed
        var conv = Conv1d.Causal(2, 3, kernelSize: 3, new Rng(5), dilation: 2);
        var x = GradCheck.Rand(new Rng(6), [1, 2, 10]);
        var x2 = x.Clone();
        x2.Span[9] += 1f; x2.Span[19] -= 1f;   // t = 9 in both channels

        // When both run
        var y = conv.Forward(x); var y2 = conv.Forward(x2);

        // Then the output keeps the length and only t = 9 changes
        Assert.Equal([1, 3, 10], y.ShapeToArray());
        for (int c = 0; c < 3; c++)
            for (int t = 0; t < 10; t++)
            {
                float d = Math.Abs(y[0, c, t] - y2[0, c, t]);
                if (t < 9) Assert.Equal(0f, d);
                else Assert.True(d > 1e-4f, $"channel {c}: the last output did not see the last input");
            }
    }
}
