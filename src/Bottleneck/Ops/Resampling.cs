using Bottleneck.Autograd;
using Bottleneck.Ops;

namespace Bottleneck.Tensors
{
    /// <summary>Interpolation of <see cref="Tensor.Upsample2d"/> (PyTorch's <c>mode</c>).</summary>
    public enum UpsampleMode
    {
        /// <summary>Nearest neighbour: source index ⌊dst·in/out⌋ (PyTorch's <c>nearest</c>).</summary>
        Nearest,
        /// <summary>Bilinear interpolation of the four nearest input values (PyTorch's <c>bilinear</c>).</summary>
        Bilinear,
    }

    public sealed partial class Tensor
    {
        /// <summary>
        /// Resizes the spatial axes as PyTorch's <c>F.interpolate</c> with mode nearest or bilinear. Bilinear with
        /// <paramref name="alignCorners"/> false (PyTorch's default) samples at src = (dst + ½)·in/out − ½ clamped at 0; with true at
        /// src = dst·(in − 1)/(out − 1).
        /// </summary>
        /// <param name="x">Input (N, C, H, W).</param>
        /// <param name="outputH">H_out ≥ 1 (for a scale factor s, H_out = ⌊H·s⌋).</param>
        /// <param name="outputW">W_out ≥ 1.</param>
        /// <param name="mode">Nearest or bilinear.</param>
        /// <param name="alignCorners">Bilinear only: map the corner pixels' centres onto each other (default false).</param>
        /// <returns>Output (N, C, H_out, W_out).</returns>
        /// <exception cref="ShapeException">x is not 4-D.</exception>
        /// <exception cref="ArgumentOutOfRangeException">An output size below 1.</exception>
        public static Tensor Upsample2d(Tensor x, int outputH, int outputW, UpsampleMode mode, bool alignCorners = false)
        {
            if (x.Rank != 4) throw new ShapeException($"upsample: input must be (N, C, H, W), got {x.ShapeString}");
            if (outputH < 1 || outputW < 1) throw new ArgumentOutOfRangeException("size", $"upsample: output size must be ≥ 1, got {outputH} × {outputW}");
            int n = x.ShapeArray[0], c = x.ShapeArray[1], h = x.ShapeArray[2], w = x.ShapeArray[3];
            var ay = ResampleKernels.Axis(h, outputH, mode, alignCorners);
            var ax = ResampleKernels.Axis(w, outputW, mode, alignCorners);
            var o = Empty([n, c, outputH, outputW]);
            ResampleKernels.Forward(x.Span, n * c, h, w, ay, ax, o.Span);
            return Function.Needs(x) ? Function.Record(new ResampleFn(n * c, h, w, ay, ax), o, x) : o;
        }
    }
}

namespace Bottleneck.Ops
{
    using Bottleneck.Tensors;

    /// <summary>One output index along an axis: λ0·in[I0] + λ1·in[I1].</summary>
    internal readonly record struct AxisTap(int I0, int I1, float L0, float L1);

    internal static class ResampleKernels
    {
        public static AxisTap[] Axis(int inSize, int outSize, UpsampleMode mode, bool alignCorners)
        {
            var taps = new AxisTap[outSize];
            if (mode == UpsampleMode.Nearest)
            {
                float scale = (float)inSize / outSize;
                for (int d = 0; d < outSize; d++)
                {
                    int s = Math.Min((int)MathF.Floor(d * scale), inSize - 1);
                    taps[d] = new AxisTap(s, s, 1f, 0f);
                }
                return taps;
            }
            float sc = alignCorners ? (outSize > 1 ? (float)(inSize - 1) / (outSize - 1) : 0f) : (float)inSize / outSize;
            for (int d = 0; d < outSize; d++)
            {
                float src = alignCorners ? sc * d : Math.Max(sc * (d + 0.5f) - 0.5f, 0f);
                int i0 = (int)src;
                int i1 = i0 + (i0 < inSize - 1 ? 1 : 0);
                float l1 = src - i0;
                taps[d] = new AxisTap(i0, i1, 1f - l1, l1);
            }
            return taps;
        }

        public static void Forward(ReadOnlySpan<float> x, int planes, int h, int w, AxisTap[] ay, AxisTap[] ax, Span<float> y)
        {
            int ho = ay.Length, wo = ax.Length;
            for (int p = 0; p < planes; p++)
            {
                var src = x.Slice(p * h * w, h * w);
                var dst = y.Slice(p * ho * wo, ho * wo);
                for (int i = 0; i < ho; i++)
                {
                    var ty = ay[i];
                    int r0 = ty.I0 * w, r1 = ty.I1 * w;
                    for (int j = 0; j < wo; j++)
                    {
                        var tx = ax[j];
                        dst[i * wo + j] = ty.L0 * (tx.L0 * src[r0 + tx.I0] + tx.L1 * src[r0 + tx.I1])
                                        + ty.L1 * (tx.L0 * src[r1 + tx.I0] + tx.L1 * src[r1 + tx.I1]);
                    }
                }
            }
        }
    }

    internal sealed class ResampleFn(int planes, int h, int w, AxisTap[] ay, AxisTap[] ax) : Function
    {
        public override string Name => "upsample";
        protected internal override void Backward(Tensor grad)
        {
            var dx = Tensor.Zeros(Inputs[0].ShapeToArray());
            var d = dx.Span; var gs = grad.Span;
            int ho = ay.Length, wo = ax.Length;
            for (int p = 0; p < planes; p++)
            {
                var dst = d.Slice(p * h * w, h * w);
                var g = gs.Slice(p * ho * wo, ho * wo);
                for (int i = 0; i < ho; i++)
                {
                    var ty = ay[i];
                    int r0 = ty.I0 * w, r1 = ty.I1 * w;
                    for (int j = 0; j < wo; j++)
                    {
                        var tx = ax[j];
                        float v = g[i * wo + j];
                        dst[r0 + tx.I0] += ty.L0 * tx.L0 * v;
                        dst[r0 + tx.I1] += ty.L0 * tx.L1 * v;
                        dst[r1 + tx.I0] += ty.L1 * tx.L0 * v;
                        dst[r1 + tx.I1] += ty.L1 * tx.L1 * v;
                    }
                }
            }
            Accumulate(Inputs[0], dx, true);
        }
    }
}
