using Bottleneck.Autograd;
using Bottleneck.Ops;

namespace Bottleneck.Tensors
{
    public sealed partial class Tensor
    {
        /// <summary>
        /// 2-D max pooling as PyTorch's <c>F.max_pool2d</c> (floor mode): y[n, c, i, j] = max over the window rows
        /// i·s_H − p_H + u·d_H, columns j·s_W − p_W + v·d_W (padding never wins). Gradients flow to the maximum (the first one on ties).
        /// </summary>
        /// <param name="x">Input (N, C, H, W).</param>
        /// <param name="kernelH">k_H ≥ 1.</param>
        /// <param name="kernelW">k_W ≥ 1.</param>
        /// <param name="strideH">s_H ≥ 1.</param>
        /// <param name="strideW">s_W ≥ 1.</param>
        /// <param name="paddingH">p_H, 0 ≤ p_H ≤ k_H/2 (default 0).</param>
        /// <param name="paddingW">p_W, 0 ≤ p_W ≤ k_W/2 (default 0).</param>
        /// <param name="dilationH">d_H ≥ 1 (default 1).</param>
        /// <param name="dilationW">d_W ≥ 1 (default 1).</param>
        /// <returns>The output (N, C, H_out, W_out), H_out = ⌊(H + 2p_H − d_H·(k_H − 1) − 1)/s_H⌋ + 1, and the indices of the
        /// maxima as PyTorch returns them: the flat position h·W + w within each (n, c) plane, stored as float values (exact below 2²⁴).</returns>
        /// <exception cref="ShapeException">x is not 4-D or the output would be empty.</exception>
        /// <exception cref="ArgumentOutOfRangeException">A kernel, stride or dilation below 1, or a padding out of range.</exception>
        public static (Tensor Output, Tensor Indices) MaxPool2dWithIndices(Tensor x, int kernelH, int kernelW, int strideH, int strideW,
            int paddingH = 0, int paddingW = 0, int dilationH = 1, int dilationW = 1)
        {
            var g = PoolGeometry.Create("max_pool2d", x, kernelH, kernelW, strideH, strideW, paddingH, paddingW, dilationH, dilationW);
            var o = Empty([g.N, g.C, g.HO, g.WO]);
            var idx = Empty([g.N, g.C, g.HO, g.WO]);
            var arg = new int[o.Length];
            PoolKernels.MaxForward(x.Span, g, o.Span, arg);
            var ids = idx.Span;
            for (int i = 0; i < arg.Length; i++) ids[i] = arg[i];
            if (Function.Needs(x)) Function.Record(new MaxPoolFn(arg, g), o, x);
            return (o, idx);
        }

        /// <summary>2-D max pooling: <see cref="MaxPool2dWithIndices"/> without the indices.</summary>
        /// <inheritdoc cref="MaxPool2dWithIndices" path="/param"/>
        /// <returns>Output (N, C, H_out, W_out).</returns>
        /// <exception cref="ShapeException">x is not 4-D or the output would be empty.</exception>
        /// <exception cref="ArgumentOutOfRangeException">A kernel, stride or dilation below 1, or a padding out of range.</exception>
        public static Tensor MaxPool2d(Tensor x, int kernelH, int kernelW, int strideH, int strideW, int paddingH = 0, int paddingW = 0,
            int dilationH = 1, int dilationW = 1)
        {
            var g = PoolGeometry.Create("max_pool2d", x, kernelH, kernelW, strideH, strideW, paddingH, paddingW, dilationH, dilationW);
            var o = Empty([g.N, g.C, g.HO, g.WO]);
            var arg = new int[o.Length];
            PoolKernels.MaxForward(x.Span, g, o.Span, arg);
            return Function.Needs(x) ? Function.Record(new MaxPoolFn(arg, g), o, x) : o;
        }

        /// <summary>
        /// Partial inverse of max pooling as PyTorch's <c>F.max_unpool2d</c>: y[n, c, idx[n, c, i, j]] = x[n, c, i, j], zeros elsewhere.
        /// </summary>
        /// <param name="x">Pooled values (N, C, H, W).</param>
        /// <param name="indices">Flat positions from <see cref="MaxPool2dWithIndices"/>, same shape as x.</param>
        /// <param name="outputH">Height of the unpooled output (the pooled input's H).</param>
        /// <param name="outputW">Width of the unpooled output.</param>
        /// <returns>Output (N, C, outputH, outputW).</returns>
        /// <exception cref="ShapeException">Shapes differ, or an index lies outside the output plane.</exception>
        public static Tensor MaxUnpool2d(Tensor x, Tensor indices, int outputH, int outputW)
        {
            if (x.Rank != 4) throw new ShapeException($"max_unpool2d: input must be (N, C, H, W), got {x.ShapeString}");
            if (!ShapeUtil.SameShape(x.ShapeArray, indices.ShapeArray))
                throw new ShapeException($"max_unpool2d: indices {indices.ShapeString} must have the input's shape {x.ShapeString}");
            if (outputH < 1 || outputW < 1) throw new ShapeException($"max_unpool2d: output size must be ≥ 1, got {outputH} × {outputW}");
            int n = x.ShapeArray[0], c = x.ShapeArray[1], p = x.ShapeArray[2] * x.ShapeArray[3], plane = outputH * outputW;
            var o = Zeros(n, c, outputH, outputW);
            var target = new int[x.Length];
            var xs = x.Span; var ids = indices.Span; var os = o.Span;
            for (int pl = 0; pl < n * c; pl++)
                for (int k = 0; k < p; k++)
                {
                    float fi = ids[pl * p + k];
                    int i = (int)fi;
                    if (i != fi || (uint)i >= (uint)plane)
                        throw new ShapeException($"max_unpool2d: index {fi} at position {pl * p + k} is outside the {outputH} × {outputW} output plane");
                    target[pl * p + k] = pl * plane + i;
                    os[pl * plane + i] = xs[pl * p + k];
                }
            return Function.Needs(x) ? Function.Record(new GatherFlatFn(target), o, x) : o;
        }

        /// <summary>
        /// 2-D average pooling as PyTorch's <c>F.avg_pool2d</c> (floor mode): the mean of each k_H × k_W window, the zero padding
        /// counted in the divisor when <paramref name="countIncludePad"/> (PyTorch's default), otherwise only the values inside.
        /// </summary>
        /// <param name="x">Input (N, C, H, W).</param>
        /// <param name="kernelH">k_H ≥ 1.</param>
        /// <param name="kernelW">k_W ≥ 1.</param>
        /// <param name="strideH">s_H ≥ 1.</param>
        /// <param name="strideW">s_W ≥ 1.</param>
        /// <param name="paddingH">p_H, 0 ≤ p_H ≤ k_H/2 (default 0).</param>
        /// <param name="paddingW">p_W, 0 ≤ p_W ≤ k_W/2 (default 0).</param>
        /// <param name="countIncludePad">Divide by k_H·k_W including padding (default true).</param>
        /// <returns>Output (N, C, H_out, W_out), H_out = ⌊(H + 2p_H − k_H)/s_H⌋ + 1.</returns>
        /// <exception cref="ShapeException">x is not 4-D or the output would be empty.</exception>
        /// <exception cref="ArgumentOutOfRangeException">A kernel or stride below 1, or a padding out of range.</exception>
        public static Tensor AvgPool2d(Tensor x, int kernelH, int kernelW, int strideH, int strideW, int paddingH = 0, int paddingW = 0,
            bool countIncludePad = true)
        {
            var g = PoolGeometry.Create("avg_pool2d", x, kernelH, kernelW, strideH, strideW, paddingH, paddingW, 1, 1);
            var windows = PoolKernels.AvgWindows(g, countIncludePad);
            var o = Empty([g.N, g.C, g.HO, g.WO]);
            PoolKernels.WindowMeanForward(x.Span, g, windows, o.Span);
            return Function.Needs(x) ? Function.Record(new WindowMeanFn(g, windows), o, x) : o;
        }

        /// <summary>
        /// Adaptive average pooling as PyTorch's <c>F.adaptive_avg_pool2d</c>: output cell (i, j) is the mean over rows
        /// ⌊i·H/H_out⌋ … ⌈(i + 1)·H/H_out⌉ − 1 and the columns alike.
        /// </summary>
        /// <param name="x">Input (N, C, H, W).</param>
        /// <param name="outputH">H_out ≥ 1.</param>
        /// <param name="outputW">W_out ≥ 1.</param>
        /// <returns>Output (N, C, H_out, W_out).</returns>
        /// <exception cref="ShapeException">x is not 4-D.</exception>
        /// <exception cref="ArgumentOutOfRangeException">An output size below 1.</exception>
        public static Tensor AdaptiveAvgPool2d(Tensor x, int outputH, int outputW)
        {
            if (x.Rank != 4) throw new ShapeException($"adaptive_avg_pool2d: input must be (N, C, H, W), got {x.ShapeString}");
            if (outputH < 1 || outputW < 1)
                throw new ArgumentOutOfRangeException("outputSize", $"adaptive_avg_pool2d: output size must be ≥ 1, got {outputH} × {outputW}");
            var g = new PoolGeometry(x.ShapeArray[0], x.ShapeArray[1], x.ShapeArray[2], x.ShapeArray[3], 0, 0, 0, 0, 0, 0, 1, 1, outputH, outputW);
            var windows = PoolKernels.AdaptiveWindows(g);
            var o = Empty([g.N, g.C, g.HO, g.WO]);
            PoolKernels.WindowMeanForward(x.Span, g, windows, o.Span);
            return Function.Needs(x) ? Function.Record(new WindowMeanFn(g, windows), o, x) : o;
        }
    }
}

namespace Bottleneck.Ops
{
    using Bottleneck.Tensors;

    internal readonly record struct PoolGeometry(int N, int C, int H, int W, int KH, int KW, int SH, int SW, int PH, int PW, int DH, int DW, int HO, int WO)
    {
        public static PoolGeometry Create(string op, Tensor x, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw)
        {
            if (x.Rank != 4) throw new ShapeException($"{op}: input must be (N, C, H, W), got {x.ShapeString}");
            if (kh < 1 || kw < 1) throw new ArgumentOutOfRangeException("kernelSize", $"{op}: kernel size must be ≥ 1, got {(kh < 1 ? kh : kw)}");
            if (sh < 1 || sw < 1) throw new ArgumentOutOfRangeException("stride", $"{op}: stride must be ≥ 1, got {(sh < 1 ? sh : sw)}");
            if (dh < 1 || dw < 1) throw new ArgumentOutOfRangeException("dilation", $"{op}: dilation must be ≥ 1, got {(dh < 1 ? dh : dw)}");
            if (ph < 0 || pw < 0 || ph > kh / 2 || pw > kw / 2)
                throw new ArgumentOutOfRangeException("padding", $"{op}: padding must be between 0 and half the kernel size, got {(ph < 0 || ph > kh / 2 ? ph : pw)} for kernel {kh} × {kw}");
            int h = x.ShapeArray[2], w = x.ShapeArray[3];
            int spanH = h + 2 * ph - dh * (kh - 1) - 1, spanW = w + 2 * pw - dw * (kw - 1) - 1;
            if (spanH < 0 || spanW < 0) throw new ShapeException($"{op}: input {x.ShapeString} is smaller than the {kh} × {kw} window (padding {ph}, {pw})");
            return new(x.ShapeArray[0], x.ShapeArray[1], h, w, kh, kw, sh, sw, ph, pw, dh, dw, spanH / sh + 1, spanW / sw + 1);
        }
    }

    /// <summary>A rectangle of input rows [Y0, Y1) and columns [X0, X1) averaged with weight 1/Divisor.</summary>
    internal readonly record struct PoolWindow(int Y0, int Y1, int X0, int X1, float Scale);

    internal static class PoolKernels
    {
        public static void MaxForward(ReadOnlySpan<float> x, in PoolGeometry g, Span<float> y, int[] arg)
        {
            int plane = g.H * g.W, oplane = g.HO * g.WO;
            for (int pl = 0; pl < g.N * g.C; pl++)
            {
                var src = x.Slice(pl * plane, plane);
                for (int i = 0; i < g.HO; i++)
                    for (int j = 0; j < g.WO; j++)
                    {
                        float best = float.NegativeInfinity; int bi = -1;
                        for (int u = 0; u < g.KH; u++)
                        {
                            int yy = i * g.SH - g.PH + u * g.DH;
                            if ((uint)yy >= (uint)g.H) continue;
                            for (int v = 0; v < g.KW; v++)
                            {
                                int xx = j * g.SW - g.PW + v * g.DW;
                                if ((uint)xx >= (uint)g.W) continue;
                                float val = src[yy * g.W + xx];
                                if (val > best || bi < 0 || float.IsNaN(val)) { best = val; bi = yy * g.W + xx; if (float.IsNaN(val)) goto done; }
                            }
                        }
                    done:
                        y[pl * oplane + i * g.WO + j] = best;
                        arg[pl * oplane + i * g.WO + j] = bi;
                    }
            }
        }

        public static PoolWindow[] AvgWindows(in PoolGeometry g, bool countIncludePad)
        {
            var w = new PoolWindow[g.HO * g.WO];
            for (int i = 0; i < g.HO; i++)
                for (int j = 0; j < g.WO; j++)
                {
                    int y0 = i * g.SH - g.PH, x0 = j * g.SW - g.PW;
                    int y1 = Math.Min(y0 + g.KH, g.H + g.PH), x1 = Math.Min(x0 + g.KW, g.W + g.PW);
                    int padded = (y1 - y0) * (x1 - x0);
                    y0 = Math.Max(y0, 0); x0 = Math.Max(x0, 0); y1 = Math.Min(y1, g.H); x1 = Math.Min(x1, g.W);
                    int divisor = countIncludePad ? padded : (y1 - y0) * (x1 - x0);
                    w[i * g.WO + j] = new PoolWindow(y0, y1, x0, x1, 1f / divisor);
                }
            return w;
        }

        public static PoolWindow[] AdaptiveWindows(in PoolGeometry g)
        {
            var w = new PoolWindow[g.HO * g.WO];
            for (int i = 0; i < g.HO; i++)
                for (int j = 0; j < g.WO; j++)
                {
                    int y0 = i * g.H / g.HO, y1 = ((i + 1) * g.H + g.HO - 1) / g.HO;
                    int x0 = j * g.W / g.WO, x1 = ((j + 1) * g.W + g.WO - 1) / g.WO;
                    w[i * g.WO + j] = new PoolWindow(y0, y1, x0, x1, 1f / ((y1 - y0) * (x1 - x0)));
                }
            return w;
        }

        public static void WindowMeanForward(ReadOnlySpan<float> x, in PoolGeometry g, PoolWindow[] windows, Span<float> y)
        {
            int plane = g.H * g.W, oplane = g.HO * g.WO;
            for (int pl = 0; pl < g.N * g.C; pl++)
            {
                var src = x.Slice(pl * plane, plane);
                for (int o = 0; o < oplane; o++)
                {
                    var w = windows[o];
                    float s = 0;
                    for (int yy = w.Y0; yy < w.Y1; yy++)
                        for (int xx = w.X0; xx < w.X1; xx++) s += src[yy * g.W + xx];
                    y[pl * oplane + o] = s * w.Scale;
                }
            }
        }
    }

    internal sealed class MaxPoolFn(int[] arg, PoolGeometry g) : Function
    {
        public override string Name => "max_pool2d";
        protected internal override void Backward(Tensor grad)
        {
            var dx = Tensor.Zeros(Inputs[0].ShapeToArray());
            var d = dx.Span; var gs = grad.Span;
            int plane = g.H * g.W, oplane = g.HO * g.WO;
            for (int pl = 0; pl < g.N * g.C; pl++)
                for (int o = 0; o < oplane; o++)
                {
                    int a = arg[pl * oplane + o];
                    if (a >= 0) d[pl * plane + a] += gs[pl * oplane + o];
                }
            Accumulate(Inputs[0], dx, true);
        }
    }

    /// <summary>Backward of a scatter y[target[k]] = x[k]: ∂x[k] = ∂y[target[k]].</summary>
    internal sealed class GatherFlatFn(int[] target) : Function
    {
        public override string Name => "max_unpool2d";
        protected internal override void Backward(Tensor grad)
        {
            var dx = Tensor.Empty(Inputs[0].ShapeToArray());
            var d = dx.Span; var gs = grad.Span;
            for (int k = 0; k < target.Length; k++) d[k] = gs[target[k]];
            Accumulate(Inputs[0], dx, true);
        }
    }

    internal sealed class WindowMeanFn(PoolGeometry g, PoolWindow[] windows) : Function
    {
        public override string Name => "avg_pool2d";
        protected internal override void Backward(Tensor grad)
        {
            var dx = Tensor.Zeros(Inputs[0].ShapeToArray());
            var d = dx.Span; var gs = grad.Span;
            int plane = g.H * g.W, oplane = g.HO * g.WO;
            for (int pl = 0; pl < g.N * g.C; pl++)
            {
                var dst = d.Slice(pl * plane, plane);
                for (int o = 0; o < oplane; o++)
                {
                    var w = windows[o];
                    float v = gs[pl * oplane + o] * w.Scale;
                    for (int yy = w.Y0; yy < w.Y1; yy++)
                        for (int xx = w.X0; xx < w.X1; xx++) dst[yy * g.W + xx] += v;
                }
            }
            Accumulate(Inputs[0], dx, true);
        }
    }
}
