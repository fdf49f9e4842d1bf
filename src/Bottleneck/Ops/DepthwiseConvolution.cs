using System.Numerics.Tensors;
using Bottleneck.Autograd;
using Bottleneck.Tensors;

namespace Bottleneck.Ops;

/// <summary>
/// A direct kernel for depthwise convolutions (groups = C_in, m = C_out/C_in filters per channel). Through im2col each group
/// is a GEMM with m rows and k² columns, far too small for a GEMM to pay; here every output row is a sum of k² scaled input
/// rows (a vectorized multiply-add when the stride is 1). <c>bench conv</c> measures both paths on the same shape.
/// </summary>
internal static class DepthwiseKernels
{
    /// <summary>Use this kernel for depthwise convolutions (true); false sends them through im2col + GEMM (for the benchmark).</summary>
    internal static bool Enabled = true;

    public static bool Applies(in ConvGeometry g) => Enabled && g.Groups == g.C && g.Groups > 1;

    /// <summary>The valid output columns [j0, j1) for kernel column v: 0 ≤ j·SW − PL + v·DW &lt; W.</summary>
    private static (int J0, int J1) Columns(in ConvGeometry g, int v)
    {
        int xOff = v * g.DW - g.PL;
        int j0 = xOff >= 0 ? 0 : (-xOff + g.SW - 1) / g.SW;
        int j1 = g.W - xOff <= 0 ? 0 : Math.Min(g.WO, (g.W - xOff - 1) / g.SW + 1);
        return (j0, Math.Max(j0, j1));
    }

    public static Tensor Forward(Tensor x, Tensor w, Tensor? b, ConvGeometry g, int[] outShape)
    {
        int n = x.ShapeArray[0], m = g.OutChannels / g.C, plane = g.H * g.W, oplane = g.HO * g.WO, kk = g.KH * g.KW;
        var o = Tensor.Empty(outShape);
        var xs = x.Span; var ws = w.Span; var os = o.Span;
        for (int s = 0; s < n; s++)
            for (int co = 0; co < g.OutChannels; co++)
            {
                var dst = os.Slice((s * g.OutChannels + co) * oplane, oplane);
                dst.Fill(b is null ? 0f : b.Span[co]);
                var src = xs.Slice((s * g.C + co / m) * plane, plane);
                for (int u = 0; u < g.KH; u++)
                    for (int v = 0; v < g.KW; v++)
                    {
                        float wt = ws[co * kk + u * g.KW + v];
                        var (j0, j1) = Columns(g, v);
                        int xOff = v * g.DW - g.PL;
                        for (int i = 0; i < g.HO; i++)
                        {
                            int y = i * g.SH - g.PT + u * g.DH;
                            if ((uint)y >= (uint)g.H || j1 <= j0) continue;
                            var drow = dst.Slice(i * g.WO, g.WO);
                            if (g.SW == 1)
                            {
                                var srow = src.Slice(y * g.W + xOff + j0, j1 - j0);
                                TensorPrimitives.MultiplyAdd(srow, wt, drow.Slice(j0, j1 - j0), drow.Slice(j0, j1 - j0));
                            }
                            else
                            {
                                int baseIdx = y * g.W + xOff;
                                for (int j = j0; j < j1; j++) drow[j] += wt * src[baseIdx + j * g.SW];
                            }
                        }
                    }
            }
        bool needs = GradMode.IsEnabled && (x.RequiresGrad || w.RequiresGrad || (b?.RequiresGrad ?? false));
        if (!needs) return o;
        var fn = new DepthwiseConvFn(g, n);
        return b is null ? Function.Record(fn, o, x, w) : Function.Record(fn, o, x, w, b);
    }

    /// <summary>∂x[n, c] += Σ w·∂y (scatter); ∂w[co, u, v] += Σ x·∂y.</summary>
    public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> gy, in ConvGeometry g, int n,
        Span<float> dx, Span<float> dw)
    {
        int m = g.OutChannels / g.C, plane = g.H * g.W, oplane = g.HO * g.WO, kk = g.KH * g.KW;
        bool wantX = !dx.IsEmpty, wantW = !dw.IsEmpty;
        for (int s = 0; s < n; s++)
            for (int co = 0; co < g.OutChannels; co++)
            {
                var gsrc = gy.Slice((s * g.OutChannels + co) * oplane, oplane);
                int ci = (s * g.C + co / m) * plane;
                var xsrc = x.Slice(ci, plane);
                var dxp = wantX ? dx.Slice(ci, plane) : default;
                for (int u = 0; u < g.KH; u++)
                    for (int v = 0; v < g.KW; v++)
                    {
                        float wt = w[co * kk + u * g.KW + v];
                        double acc = 0;
                        var (j0, j1) = Columns(g, v);
                        int xOff = v * g.DW - g.PL;
                        for (int i = 0; i < g.HO; i++)
                        {
                            int y = i * g.SH - g.PT + u * g.DH;
                            if ((uint)y >= (uint)g.H || j1 <= j0) continue;
                            var grow = gsrc.Slice(i * g.WO, g.WO);
                            if (g.SW == 1)
                            {
                                var xrow = xsrc.Slice(y * g.W + xOff + j0, j1 - j0);
                                if (wantW) acc += TensorPrimitives.Dot(xrow, grow.Slice(j0, j1 - j0));
                                if (wantX)
                                {
                                    var d = dxp.Slice(y * g.W + xOff + j0, j1 - j0);
                                    TensorPrimitives.MultiplyAdd(grow.Slice(j0, j1 - j0), wt, d, d);
                                }
                            }
                            else
                            {
                                int baseIdx = y * g.W + xOff;
                                for (int j = j0; j < j1; j++)
                                {
                                    if (wantW) acc += xsrc[baseIdx + j * g.SW] * grow[j];
                                    if (wantX) dxp[baseIdx + j * g.SW] += wt * grow[j];
                                }
                            }
                        }
                        if (wantW) dw[co * kk + u * g.KW + v] += (float)acc;
                    }
            }
    }
}

/// <summary>Backward of the direct depthwise convolution.</summary>
internal sealed class DepthwiseConvFn(ConvGeometry g, int n) : Function
{
    public override string Name => "conv_depthwise";

    protected internal override void Backward(Tensor grad)
    {
        Tensor x = Inputs[0], w = Inputs[1];
        if (Inputs.Length > 2 && Inputs[2].RequiresGrad)
        {
            var bias = Inputs[2];
            var target = LeafGradTarget(bias);
            var db = target ?? Tensor.Zeros(g.OutChannels);
            ConvKernels.BiasGrad(grad.Span, n, g.OutChannels, g.GridSize, db.Span);
            if (target is null) Accumulate(bias, db, true);
        }
        if (!x.RequiresGrad && !w.RequiresGrad) return;
        var dx = x.RequiresGrad ? Tensor.Zeros(x.ShapeToArray()) : null;
        var wTarget = w.RequiresGrad ? LeafGradTarget(w) : null;
        var dw = w.RequiresGrad ? wTarget ?? Tensor.Zeros(w.ShapeToArray()) : null;
        DepthwiseKernels.Backward(x.Span, w.Span, grad.Span, g, n, dx is null ? default : dx.Span, dw is null ? default : dw.Span);
        if (dx != null) Accumulate(x, dx, true);
        if (dw != null && wTarget is null) Accumulate(w, dw, true);
    }
}
