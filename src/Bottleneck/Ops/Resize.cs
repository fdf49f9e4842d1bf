using Bottleneck.Autograd;
using Bottleneck.Ops;

namespace Bottleneck.Tensors
{
    /// <summary>The filter of <see cref="Tensor.Resize2d"/> (PyTorch's <c>F.interpolate</c> modes it matches).</summary>
    public enum ResizeFilter
    {
        /// <summary>
        /// Cubic convolution (Keys 1981). Without antialiasing: PyTorch's <c>bicubic</c> (A = −0.75, four taps, source index
        /// (d + ½)·in/out − ½, indices clamped at the border). With antialiasing: PyTorch's <c>bicubic, antialias=True</c>, which is
        /// Pillow's resampling (A = −0.5, the kernel stretched by the scale when shrinking, weights normalised to sum 1).
        /// </summary>
        Bicubic,
        /// <summary>Area averaging: PyTorch's <c>area</c> (adaptive average pooling): output d averages input [⌊d·in/out⌋, ⌈(d+1)·in/out⌉).</summary>
        Area,
    }

    public sealed partial class Tensor
    {
        /// <summary>
        /// Resizes the spatial axes of images, separably, as PyTorch's <c>F.interpolate(x, size, mode, antialias)</c> with
        /// align_corners false: y[n, c, i, j] = Σ_a Σ_b w^H_{i,a}·w^W_{j,b}·x[n, c, a, b] with the per-axis weights of
        /// <paramref name="filter"/> (see <see cref="ResizeFilter"/>). Differentiable in x (the transposed weights).
        /// </summary>
        /// <param name="x">Images (N, C, H, W).</param>
        /// <param name="outputH">H_out ≥ 1.</param>
        /// <param name="outputW">W_out ≥ 1.</param>
        /// <param name="filter">Bicubic or area.</param>
        /// <param name="antialias">Bicubic only: Pillow-style antialiasing, which makes shrinking average every input pixel under the
        /// stretched kernel (default false; PyTorch's default too). Use it to make low-resolution images (as MATLAB's and Pillow's
        /// <c>imresize</c>/<c>resize</c> do).</param>
        /// <returns>(N, C, H_out, W_out).</returns>
        /// <exception cref="ShapeException">x is not 4-D.</exception>
        /// <exception cref="ArgumentOutOfRangeException">An output size below 1.</exception>
        public static Tensor Resize2d(Tensor x, int outputH, int outputW, ResizeFilter filter, bool antialias = false)
        {
            ArgumentNullException.ThrowIfNull(x);
            if (x.Rank != 4) throw new ShapeException($"resize: input must be (N, C, H, W), got {x.ShapeString}");
            if (outputH < 1 || outputW < 1) throw new ArgumentOutOfRangeException("size", $"resize: output size must be ≥ 1, got {outputH} × {outputW}");
            int n = x.ShapeArray[0], c = x.ShapeArray[1], h = x.ShapeArray[2], w = x.ShapeArray[3];
            var ay = ResizeTaps.For(h, outputH, filter, antialias);
            var ax = ResizeTaps.For(w, outputW, filter, antialias);
            var o = Empty([n, c, outputH, outputW]);
            ResizeTaps.Forward(x.Span, n * c, h, w, ay, ax, o.Span);
            return Function.Needs(x) ? Function.Record(new ResizeFn(n * c, h, w, ay, ax), o, x) : o;
        }
    }
}

namespace Bottleneck.Ops
{
    using Bottleneck.Tensors;

    /// <summary>
    /// The weights of a 1-D resize: output d is Σ_k Weight[d·K + k]·in[Index[d·K + k]] with K taps per output (unused taps have
    /// weight 0).
    /// </summary>
    internal sealed class ResizeTaps
    {
        private ResizeTaps(int inSize, int outSize, int taps)
        {
            InSize = inSize; OutSize = outSize; K = taps;
            Index = new int[outSize * taps];
            Weight = new float[outSize * taps];
        }

        public int InSize { get; }
        public int OutSize { get; }
        public int K { get; }
        public int[] Index { get; }
        public float[] Weight { get; }

        /// <summary>PyTorch's nearest (source ⌊d·in/out⌋) or bilinear (source (d + ½)·in/out − ½ clamped at 0, or d·(in − 1)/(out − 1)
        /// with aligned corners) taps.</summary>
        public static ResizeTaps For(int inSize, int outSize, UpsampleMode mode, bool alignCorners)
        {
            if (mode == UpsampleMode.Nearest)
            {
                var n = new ResizeTaps(inSize, outSize, 1);
                float scale = (float)inSize / outSize;
                for (int d = 0; d < outSize; d++) { n.Index[d] = Math.Min((int)MathF.Floor(d * scale), inSize - 1); n.Weight[d] = 1f; }
                return n;
            }
            var r = new ResizeTaps(inSize, outSize, 2);
            float sc = alignCorners ? (outSize > 1 ? (float)(inSize - 1) / (outSize - 1) : 0f) : (float)inSize / outSize;
            for (int d = 0; d < outSize; d++)
            {
                float src = alignCorners ? sc * d : Math.Max(sc * (d + 0.5f) - 0.5f, 0f);
                int i0 = (int)src;
                float l1 = src - i0;
                r.Index[2 * d] = i0;
                r.Index[2 * d + 1] = i0 + (i0 < inSize - 1 ? 1 : 0);
                r.Weight[2 * d] = 1f - l1;
                r.Weight[2 * d + 1] = l1;
            }
            return r;
        }

        public static ResizeTaps For(int inSize, int outSize, ResizeFilter filter, bool antialias) => filter switch
        {
            ResizeFilter.Area => Area(inSize, outSize),
            ResizeFilter.Bicubic when antialias => Antialiased(inSize, outSize),
            _ => Cubic(inSize, outSize),
        };

        // Keys' cubic convolution kernel with parameter a.
        private static double CubicKernel(double t, double a)
        {
            t = Math.Abs(t);
            if (t <= 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
            if (t < 2) return ((a * t - 5 * a) * t + 8 * a) * t - 4 * a;
            return 0;
        }

        private static ResizeTaps Cubic(int inSize, int outSize)
        {
            const double A = -0.75;
            var r = new ResizeTaps(inSize, outSize, 4);
            double scale = (double)inSize / outSize;
            for (int d = 0; d < outSize; d++)
            {
                double src = scale * (d + 0.5) - 0.5;
                int i0 = (int)Math.Floor(src);
                double t = src - i0;
                for (int k = 0; k < 4; k++)
                {
                    r.Index[d * 4 + k] = Math.Clamp(i0 - 1 + k, 0, inSize - 1);
                    r.Weight[d * 4 + k] = (float)CubicKernel(t + 1 - k, A);
                }
            }
            return r;
        }

        private static ResizeTaps Antialiased(int inSize, int outSize)
        {
            const double A = -0.5, Support = 2.0;
            double scale = (double)inSize / outSize;
            double stretch = Math.Max(scale, 1.0);
            double support = Support * stretch;
            int k = (int)Math.Ceiling(support) * 2 + 1;
            var r = new ResizeTaps(inSize, outSize, k);
            var w = new double[k];
            for (int d = 0; d < outSize; d++)
            {
                double center = scale * (d + 0.5);
                int lo = Math.Max((int)(center - support + 0.5), 0);
                int hi = Math.Min((int)(center + support + 0.5), inSize);
                int count = Math.Min(hi - lo, k);
                double sum = 0;
                for (int j = 0; j < count; j++) { w[j] = CubicKernel((j + lo - center + 0.5) / stretch, A); sum += w[j]; }
                for (int j = 0; j < count; j++)
                {
                    r.Index[d * k + j] = lo + j;
                    r.Weight[d * k + j] = (float)(sum != 0 ? w[j] / sum : 0);
                }
                for (int j = count; j < k; j++) r.Index[d * k + j] = lo;
            }
            return r;
        }

        private static ResizeTaps Area(int inSize, int outSize)
        {
            int k = 0;
            for (int d = 0; d < outSize; d++) k = Math.Max(k, End(d, inSize, outSize) - Start(d, inSize, outSize));
            var r = new ResizeTaps(inSize, outSize, k);
            for (int d = 0; d < outSize; d++)
            {
                int s = Start(d, inSize, outSize), e = End(d, inSize, outSize);
                float wgt = 1f / (e - s);
                for (int j = 0; j < k; j++)
                {
                    r.Index[d * k + j] = s + j < e ? s + j : s;
                    r.Weight[d * k + j] = s + j < e ? wgt : 0f;
                }
            }
            return r;
        }

        private static int Start(int d, int inSize, int outSize) => (int)((long)d * inSize / outSize);
        private static int End(int d, int inSize, int outSize) => (int)(((long)(d + 1) * inSize + outSize - 1) / outSize);

        /// <summary>y (planes, ho, wo) from x (planes, h, w): along W into a buffer (planes·h, wo), then along H.</summary>
        public static void Forward(ReadOnlySpan<float> x, int planes, int h, int w, ResizeTaps ay, ResizeTaps ax, Span<float> y)
        {
            int ho = ay.OutSize, wo = ax.OutSize;
            var tmp = new float[h * wo];
            for (int p = 0; p < planes; p++)
            {
                var src = x.Slice(p * h * w, h * w);
                for (int i = 0; i < h; i++) Apply(src.Slice(i * w, w), ax, tmp.AsSpan(i * wo, wo));
                var dst = y.Slice(p * ho * wo, ho * wo);
                dst.Clear();
                for (int i = 0; i < ho; i++)
                {
                    var row = dst.Slice(i * wo, wo);
                    for (int t = 0; t < ay.K; t++)
                    {
                        float wt = ay.Weight[i * ay.K + t];
                        if (wt == 0f) continue;
                        System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(tmp.AsSpan(ay.Index[i * ay.K + t] * wo, wo), wt, row, row);
                    }
                }
            }
        }

        /// <summary>dx (planes, h, w) += the transposed resize of dy (planes, ho, wo).</summary>
        public static void Backward(ReadOnlySpan<float> dy, int planes, int h, int w, ResizeTaps ay, ResizeTaps ax, Span<float> dx)
        {
            int ho = ay.OutSize, wo = ax.OutSize;
            var tmp = new float[h * wo];
            for (int p = 0; p < planes; p++)
            {
                Array.Clear(tmp);
                var g = dy.Slice(p * ho * wo, ho * wo);
                for (int i = 0; i < ho; i++)
                {
                    var row = g.Slice(i * wo, wo);
                    for (int t = 0; t < ay.K; t++)
                    {
                        float wt = ay.Weight[i * ay.K + t];
                        if (wt == 0f) continue;
                        var acc = tmp.AsSpan(ay.Index[i * ay.K + t] * wo, wo);
                        System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(row, wt, acc, acc);
                    }
                }
                var dst = dx.Slice(p * h * w, h * w);
                for (int i = 0; i < h; i++)
                {
                    var drow = dst.Slice(i * w, w);
                    var trow = tmp.AsSpan(i * wo, wo);
                    for (int j = 0; j < wo; j++)
                    {
                        float v = trow[j];
                        if (v == 0f) continue;
                        for (int t = 0; t < ax.K; t++) drow[ax.Index[j * ax.K + t]] += ax.Weight[j * ax.K + t] * v;
                    }
                }
            }
        }

        private static void Apply(ReadOnlySpan<float> src, ResizeTaps a, Span<float> dst)
        {
            for (int j = 0; j < a.OutSize; j++)
            {
                float s = 0f;
                int b = j * a.K;
                for (int t = 0; t < a.K; t++) s += a.Weight[b + t] * src[a.Index[b + t]];
                dst[j] = s;
            }
        }
    }

    internal sealed class ResizeFn(int planes, int h, int w, ResizeTaps ay, ResizeTaps ax) : Function
    {
        public override string Name => "resize";
        protected internal override void Backward(Tensor grad)
        {
            var dx = Tensor.Zeros(Inputs[0].ShapeToArray());
            ResizeTaps.Backward(grad.Span, planes, h, w, ay, ax, dx.Span);
            Accumulate(Inputs[0], dx, true);
        }
    }
}
