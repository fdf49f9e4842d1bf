using System.Numerics.Tensors;
using Bottleneck.Autograd;
using Bottleneck.Ops;

namespace Bottleneck.Tensors
{
    public sealed partial class Tensor
    {
        /// <summary>
        /// Batch normalization (Ioffe &amp; Szegedy, 2015), fused: y = γ·(x − μ_c)/√(σ²_c + ε) + β per channel c.
        /// In training μ, σ² are the biased batch statistics over N (and L) and the running statistics are updated as
        /// r ← (1 − momentum)·r + momentum·stat (unbiased variance, as PyTorch); otherwise the running statistics are used.
        /// Shape: x (N, C) or (N, C, L); γ, β, running stats (C).
        /// </summary>
        /// <exception cref="ShapeException">x is not 2-D or 3-D, or a statistic does not have C entries.</exception>
        public static Tensor BatchNorm(Tensor x, Tensor? gamma, Tensor? beta, Tensor? runningMean, Tensor? runningVar,
            bool training, float momentum = 0.1f, float eps = 1e-5f)
        {
            if (x.Rank is not (2 or 3)) throw new ShapeException($"batch_norm: input must be (N, C) or (N, C, L), got {x.ShapeString}");
            int n = x.ShapeArray[0], c = x.ShapeArray[1], l = x.Rank == 3 ? x.ShapeArray[2] : 1;
            foreach (var t in new[] { gamma, beta, runningMean, runningVar })
                if (t != null && (t.Rank != 1 || t.ShapeArray[0] != c))
                    throw new ShapeException($"batch_norm: statistic/affine {t.ShapeString} must have shape ({c},) for input {x.ShapeString}");
            bool useBatch = training || runningMean is null || runningVar is null;
            int count = n * l;
            if (useBatch && count <= 1)
                throw new ShapeException($"batch_norm: training needs more than one value per channel, got input {x.ShapeString}");
            var xs = x.Span;
            var mean = new float[c];
            var invStd = new float[c];
            for (int ch = 0; ch < c; ch++)
            {
                double m, v;
                if (useBatch)
                {
                    double s = 0;
                    for (int i = 0; i < n; i++) s += TensorPrimitives.Sum(xs.Slice((i * c + ch) * l, l));
                    m = s / count;
                    double ss = 0;
                    for (int i = 0; i < n; i++)
                        foreach (float val in xs.Slice((i * c + ch) * l, l)) { double d = val - m; ss += d * d; }
                    v = ss / count;
                    if (training && runningMean != null && runningVar != null)
                    {
                        runningMean.Span[ch] = (float)((1 - momentum) * runningMean.Span[ch] + momentum * m);
                        runningVar.Span[ch] = (float)((1 - momentum) * runningVar.Span[ch] + momentum * v * count / (count - 1));
                    }
                }
                else { m = runningMean!.Span[ch]; v = runningVar!.Span[ch]; }
                mean[ch] = (float)m;
                invStd[ch] = (float)(1.0 / Math.Sqrt(v + eps));
            }
            var o = EmptyLike(x);
            var xhat = Empty(x.ShapeToArray());
            var ys = o.Span; var hs = xhat.Span;
            for (int i = 0; i < n; i++)
                for (int ch = 0; ch < c; ch++)
                {
                    int off = (i * c + ch) * l;
                    var h = hs.Slice(off, l);
                    TensorPrimitives.Subtract(xs.Slice(off, l), mean[ch], h);
                    TensorPrimitives.Multiply(h, invStd[ch], h);
                    float g = gamma?.Span[ch] ?? 1f, b = beta?.Span[ch] ?? 0f;
                    var yv = ys.Slice(off, l); TensorPrimitives.Multiply(h, g, yv); TensorPrimitives.Add(yv, b, yv);
                }
            bool needs = GradMode.IsEnabled && (x.RequiresGrad || (gamma?.RequiresGrad ?? false) || (beta?.RequiresGrad ?? false));
            if (!needs) return o;
            var fn = new BatchNormFn(xhat, invStd, useBatch, n, c, l, gamma != null, beta != null);
            var inputs = new List<Tensor> { x };
            if (gamma != null) inputs.Add(gamma);
            if (beta != null) inputs.Add(beta);
            return Function.Record(fn, o, inputs.ToArray());
        }

        /// <summary>
        /// Layer normalization (Ba et al., 2016), fused: over the last <paramref name="normalizedSize"/> elements of each row,
        /// y = (x − μ)/√(σ² + ε)·w + b with the biased variance. Shape: x (…, D) with D = normalizedSize; w, b (D).
        /// </summary>
        /// <exception cref="ShapeException">The trailing size does not divide x, or w/b have the wrong size.</exception>
        public static Tensor LayerNorm(Tensor x, int normalizedSize, Tensor? weight, Tensor? bias, float eps = 1e-5f)
        {
            int d = normalizedSize;
            if (d < 1 || x.Length % d != 0) throw new ShapeException($"layer_norm: normalized size {d} does not divide input {x.ShapeString}");
            if (weight != null && weight.Length != d) throw new ShapeException($"layer_norm: weight {weight.ShapeString} must have {d} elements");
            if (bias != null && bias.Length != d) throw new ShapeException($"layer_norm: bias {bias.ShapeString} must have {d} elements");
            int rows = x.Length / d;
            var xs = x.Span;
            var o = EmptyLike(x);
            var xhat = Empty(x.ShapeToArray());
            var invStd = new float[rows];
            var ys = o.Span; var hs = xhat.Span;
            for (int r = 0; r < rows; r++)
            {
                var row = xs.Slice(r * d, d);
                float m = TensorPrimitives.Sum(row) / d;
                var h = hs.Slice(r * d, d);
                TensorPrimitives.Subtract(row, m, h);
                float v = TensorPrimitives.Dot(h, h) / d;
                invStd[r] = 1f / MathF.Sqrt(v + eps);
                TensorPrimitives.Multiply(h, invStd[r], h);
                var y = ys.Slice(r * d, d);
                if (weight != null) TensorPrimitives.Multiply(h, weight.Span, y); else h.CopyTo(y);
                if (bias != null) TensorPrimitives.Add(y, bias.Span, y);
            }
            bool needs = GradMode.IsEnabled && (x.RequiresGrad || (weight?.RequiresGrad ?? false) || (bias?.RequiresGrad ?? false));
            if (!needs) return o;
            var inputs = new List<Tensor> { x };
            if (weight != null) inputs.Add(weight);
            if (bias != null) inputs.Add(bias);
            return Function.Record(new LayerNormFn(xhat, invStd, d, weight != null, bias != null), o, inputs.ToArray());
        }
    }
}

namespace Bottleneck.Ops
{
    using Bottleneck.Tensors;

    internal sealed class BatchNormFn(Tensor xhat, float[] invStd, bool batchStats, int n, int c, int l, bool hasGamma, bool hasBeta) : Function
    {
        public override string Name => "batch_norm";
        protected internal override void Backward(Tensor g)
        {
            var x = Inputs[0];
            Tensor? gamma = hasGamma ? Inputs[1] : null;
            Tensor? beta = hasBeta ? Inputs[hasGamma ? 2 : 1] : null;
            var gs = g.Span; var hs = xhat.Span;
            var sumG = new double[c]; var sumGH = new double[c];
            for (int i = 0; i < n; i++)
                for (int ch = 0; ch < c; ch++)
                {
                    int off = (i * c + ch) * l;
                    sumG[ch] += TensorPrimitives.Sum(gs.Slice(off, l));
                    sumGH[ch] += TensorPrimitives.Dot(gs.Slice(off, l), hs.Slice(off, l));
                }
            if (x.RequiresGrad)
            {
                // training: dx = γ·invStd/M·(M·g − Σg − x̂·Σ(g·x̂));  eval: dx = γ·invStd·g
                var gx = Tensor.EmptyLike(x); var d = gx.Span;
                int m = n * l;
                for (int i = 0; i < n; i++)
                    for (int ch = 0; ch < c; ch++)
                    {
                        int off = (i * c + ch) * l;
                        float gam = gamma?.Span[ch] ?? 1f;
                        float k = gam * invStd[ch];
                        var dst = d.Slice(off, l);
                        if (batchStats)
                        {
                            float a = (float)(sumG[ch] / m), b = (float)(sumGH[ch] / m);
                            // dst = k·(g − a − x̂·b)
                            TensorPrimitives.Multiply(hs.Slice(off, l), -b, dst); TensorPrimitives.Add(dst, -a, dst);
                            TensorPrimitives.Add(dst, gs.Slice(off, l), dst);
                            TensorPrimitives.Multiply(dst, k, dst);
                        }
                        else TensorPrimitives.Multiply(gs.Slice(off, l), k, dst);
                    }
                Accumulate(x, gx, true);
            }
            if (gamma is { RequiresGrad: true })
            {
                var gg = new float[c];
                for (int ch = 0; ch < c; ch++) gg[ch] = (float)sumGH[ch];
                Accumulate(gamma, Tensor.FromArray(gg, c), true);
            }
            if (beta is { RequiresGrad: true })
            {
                var gb = new float[c];
                for (int ch = 0; ch < c; ch++) gb[ch] = (float)sumG[ch];
                Accumulate(beta, Tensor.FromArray(gb, c), true);
            }
        }
    }

    internal sealed class LayerNormFn(Tensor xhat, float[] invStd, int d, bool hasWeight, bool hasBias) : Function
    {
        public override string Name => "layer_norm";
        protected internal override void Backward(Tensor g)
        {
            var x = Inputs[0];
            Tensor? w = hasWeight ? Inputs[1] : null;
            Tensor? b = hasBias ? Inputs[hasWeight ? 2 : 1] : null;
            var gs = g.Span; var hs = xhat.Span;
            int rows = invStd.Length;
            if (x.RequiresGrad)
            {
                // dx̂ = g·w;  dx = invStd·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂))
                var gx = Tensor.EmptyLike(x); var dxs = gx.Span;
                var dh = new float[d];
                for (int r = 0; r < rows; r++)
                {
                    var gr = gs.Slice(r * d, d); var hr = hs.Slice(r * d, d);
                    if (w != null) TensorPrimitives.Multiply(gr, w.Span, dh); else gr.CopyTo(dh);
                    float a = TensorPrimitives.Sum(dh) / d, bb = TensorPrimitives.Dot(dh, hr) / d;
                    var dst = dxs.Slice(r * d, d);
                    TensorPrimitives.Multiply(hr, -bb, dst); TensorPrimitives.Add(dst, -a, dst);
                    TensorPrimitives.Add(dst, dh, dst);
                    TensorPrimitives.Multiply(dst, invStd[r], dst);
                }
                Accumulate(x, gx, true);
            }
            if (w is { RequiresGrad: true })
            {
                var gw = Tensor.Zeros(w.ShapeToArray()); var dw = gw.Span;
                var tmp = new float[d];
                for (int r = 0; r < rows; r++)
                {
                    TensorPrimitives.Multiply(gs.Slice(r * d, d), hs.Slice(r * d, d), tmp);
                    TensorPrimitives.Add(dw, tmp, dw);
                }
                Accumulate(w, gw, true);
            }
            if (b is { RequiresGrad: true })
            {
                var gb = Tensor.Zeros(b.ShapeToArray());
                Kernels.Reduce.SumAxis(gs, gb.Span, 1, rows, d);
                Accumulate(b, gb, true);
            }
        }
    }
}
