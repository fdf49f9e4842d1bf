using System.Numerics.Tensors;
using Bottleneck.Autograd;
using Bottleneck.Kernels;
using Bottleneck.Ops;

namespace Bottleneck.Tensors
{
    public sealed partial class Tensor
    {
        /// <summary>
        /// Matrix product. 2-D: (M, K) @ (K, N) → (M, N). Batched: (B…, M, K) @ (B…, K, N) → (B…, M, N) with equal
        /// batch dims, or one side 2-D (shared by every batch element).
        /// </summary>
        /// <exception cref="ShapeException">Inner dimensions differ, a side has rank &lt; 2, or batch dims differ.</exception>
        public Tensor MatMul(Tensor other) => MatMul(this, other);

        /// <inheritdoc cref="MatMul(Tensor)"/>
        public static unsafe Tensor MatMul(Tensor a, Tensor b)
        {
            if (a.Rank < 2 || b.Rank < 2)
                throw new ShapeException($"matmul: both operands need rank ≥ 2, got {a.ShapeString} and {b.ShapeString}");
            int m = a.ShapeArray[^2], k = a.ShapeArray[^1], k2 = b.ShapeArray[^2], n = b.ShapeArray[^1];
            if (k != k2) throw new ShapeException($"matmul: inner dimensions differ: {a.ShapeString} @ {b.ShapeString} ({k} vs {k2})");
            int batchA = a.Length / Math.Max(m * k, 1), batchB = b.Length / Math.Max(k * n, 1);
            int[] outShape;
            if (a.Rank == 2 && b.Rank == 2) outShape = [m, n];
            else if (b.Rank == 2) { outShape = a.ShapeToArray(); outShape[^1] = n; }
            else if (a.Rank == 2) { outShape = b.ShapeToArray(); outShape[^2] = m; }
            else
            {
                if (!a.ShapeArray.AsSpan(0, a.Rank - 2).SequenceEqual(b.ShapeArray.AsSpan(0, b.Rank - 2)))
                    throw new ShapeException($"matmul: batch dimensions differ: {a.ShapeString} @ {b.ShapeString}");
                outShape = a.ShapeToArray(); outShape[^1] = n;
            }
            var o = Empty(outShape);
            MatMulKernels.Forward(a, b, o, m, k, n, batchA, batchB);
            return Function.Needs(a, b) ? Function.Record(new MatMulFn(m, k, n, batchA, batchB), o, a, b) : o;
        }

        /// <summary>
        /// Affine map y = x·Wᵀ + b, fused (PyTorch's <c>F.linear</c>). Shape: x (…, in) with W (out, in) and optional b (out) → (…, out).
        /// The backward writes ∂L/∂W straight into W's gradient (GEMM with β = 1).
        /// </summary>
        /// <exception cref="ShapeException">x's last dimension differs from W's second, or b does not have W's first dimension.</exception>
        public static Tensor Linear(Tensor x, Tensor weight, Tensor? bias) => LinearCore(x, weight, bias, relu: false);

        /// <summary>
        /// y = max(x·Wᵀ + b, 0), fused: one GEMM whose epilogue adds the bias and applies the ReLU to each tile while it is in cache,
        /// and a backward whose first pass masks the gradient and reduces the bias gradient together. Equal, value for value, to
        /// <c>Linear(x, weight, bias).Relu()</c>. Shape: x (…, in) with W (out, in) and optional b (out) → (…, out).
        /// </summary>
        /// <exception cref="ShapeException">x's last dimension differs from W's second, or b does not have W's first dimension.</exception>
        internal static Tensor LinearRelu(Tensor x, Tensor weight, Tensor? bias) => LinearCore(x, weight, bias, relu: true);

        private static unsafe Tensor LinearCore(Tensor x, Tensor weight, Tensor? bias, bool relu)
        {
            if (weight.Rank != 2) throw new ShapeException($"linear: weight must be 2-D (out, in), got {weight.ShapeString}");
            int outF = weight.ShapeArray[0], inF = weight.ShapeArray[1];
            if (x.Rank < 1 || x.ShapeArray[^1] != inF)
                throw new ShapeException($"linear: input {x.ShapeString} has {(x.Rank < 1 ? 0 : x.ShapeArray[^1])} features, weight {weight.ShapeString} expects {inF}");
            if (bias != null && (bias.Rank != 1 || bias.ShapeArray[0] != outF))
                throw new ShapeException($"linear: bias {bias.ShapeString} must have shape ({outF},)");
            int rows = x.Length / Math.Max(inF, 1);
            var s = x.ShapeToArray(); s[^1] = outF;
            var o = Empty(s);
            // The bias (and the ReLU) in the GEMM's epilogue, added to each tile after its whole k sum: no separate pass over y.
            fixed (float* px = x.Span, pw = weight.Span, py = o.Span, pb = bias is null ? default : bias.Span)
                GemmEpilogue.Linear(rows, inF, outF, px, pw, bias is null ? null : pb, relu, py);
            bool needs = GradMode.IsEnabled && (x.RequiresGrad || weight.RequiresGrad || (bias?.RequiresGrad ?? false));
            if (!needs) return o;
            var fn = new LinearFn(rows, inF, outF, relu ? o : null);
            return bias is null ? Function.Record(fn, o, x, weight) : Function.Record(fn, o, x, weight, bias);
        }
    }
}

namespace Bottleneck.Ops
{
    using Bottleneck.Tensors;

    internal static class MatMulKernels
    {
        public static unsafe void Forward(Tensor a, Tensor b, Tensor o, int m, int k, int n, int batchA, int batchB)
        {
            fixed (float* pa = a.Span, pb = b.Span, po = o.Span)
            {
                if (batchB == 1)
                {
                    // (B·M, K) @ (K, N) in one GEMM
                    Gemm.Provider.Sgemm(false, false, batchA * m, n, k, 1f, pa, k, pb, n, 0f, po, n);
                    return;
                }
                int batch = Math.Max(batchA, batchB);
                for (int i = 0; i < batch; i++)
                    Gemm.Provider.Sgemm(false, false, m, n, k, 1f, pa + (batchA == 1 ? 0 : (long)i * m * k), k,
                        pb + (long)i * k * n, n, 0f, po + (long)i * m * n, n);
            }
        }
    }

    internal sealed class MatMulFn(int m, int k, int n, int batchA, int batchB) : Function
    {
        public override string Name => "matmul";
        protected internal override unsafe void Backward(Tensor g)
        {
            Tensor a = Inputs[0], b = Inputs[1];
            int batch = Math.Max(batchA, batchB);
            fixed (float* pa = a.Span, pb = b.Span, pg = g.Span)
            {
                if (a.RequiresGrad)
                {
                    // dA = dY · Bᵀ
                    var ga = Tensor.Empty(a.ShapeToArray());
                    fixed (float* pga = ga.Span)
                    {
                        if (batchB == 1) Gemm.Provider.Sgemm(false, true, batchA * m, k, n, 1f, pg, n, pb, n, 0f, pga, k);
                        else if (batchA == 1)
                        {
                            // shared A: sum over the batch of dY_i · B_iᵀ
                            for (int i = 0; i < batch; i++)
                                Gemm.Provider.Sgemm(false, true, m, k, n, 1f, pg + (long)i * m * n, n, pb + (long)i * k * n, n, i == 0 ? 0f : 1f, pga, k);
                        }
                        else
                            for (int i = 0; i < batch; i++)
                                Gemm.Provider.Sgemm(false, true, m, k, n, 1f, pg + (long)i * m * n, n, pb + (long)i * k * n, n, 0f, pga + (long)i * m * k, k);
                    }
                    Accumulate(a, ga, true);
                }
                if (b.RequiresGrad)
                {
                    // dB = Aᵀ · dY
                    var gb = Tensor.Empty(b.ShapeToArray());
                    fixed (float* pgb = gb.Span)
                    {
                        if (batchB == 1) Gemm.Provider.Sgemm(true, false, k, n, batchA * m, 1f, pa, k, pg, n, 0f, pgb, n);
                        else if (batchA == 1)
                            for (int i = 0; i < batch; i++)
                                Gemm.Provider.Sgemm(true, false, k, n, m, 1f, pa, k, pg + (long)i * m * n, n, 0f, pgb + (long)i * k * n, n);
                        else
                            for (int i = 0; i < batch; i++)
                                Gemm.Provider.Sgemm(true, false, k, n, m, 1f, pa + (long)i * m * k, k, pg + (long)i * m * n, n, 0f, pgb + (long)i * k * n, n);
                    }
                    Accumulate(b, gb, true);
                }
            }
        }
    }

    /// <summary>y = x·Wᵀ + b, or y = max(x·Wᵀ + b, 0) when <paramref name="reluOutput"/> (the saved y) is given.</summary>
    internal sealed class LinearFn(int rows, int inF, int outF, Tensor? reluOutput) : Function
    {
        public override string Name => reluOutput is null ? "linear" : "linear_relu";
        protected internal override unsafe void Backward(Tensor g)
        {
            Tensor x = Inputs[0], w = Inputs[1];
            Tensor? b = Inputs.Length > 2 && Inputs[2].RequiresGrad ? Inputs[2] : null;
            Tensor? biasTarget = b is null ? null : LeafGradTarget(b);
            bool biasDone = false;
            if (reluOutput is not null)
            {
                // G' = G ⊙ [y > 0], and ∂L/∂b += Σ_rows G' in the same sweep when b is a leaf
                var masked = Tensor.EmptyLike(g);
                fixed (float* py = reluOutput.Span, pg = g.Span, pm = masked.Span, pdb = biasTarget is null ? default : biasTarget.Span)
                    GemmEpilogue.ReluBackward(rows, outF, py, pg, pm, biasTarget is null ? null : pdb);
                biasDone = biasTarget is not null;
                g = masked;
            }
            fixed (float* px = x.Span, pw = w.Span, pg = g.Span)
            {
                if (x.RequiresGrad)
                {
                    // dX = dY · W   (rows × out) · (out × in)
                    var gx = Tensor.Empty(x.ShapeToArray());
                    fixed (float* pgx = gx.Span) Gemm.Provider.Sgemm(false, false, rows, inF, outF, 1f, pg, outF, pw, inF, 0f, pgx, inF);
                    Accumulate(x, gx, true);
                }
                if (w.RequiresGrad)
                {
                    // dW = dYᵀ · X   (out × rows) · (rows × in), accumulated in place into a leaf's gradient
                    var target = LeafGradTarget(w);
                    if (target != null)
                    {
                        fixed (float* pgw = target.Span) Gemm.Provider.Sgemm(true, false, outF, inF, rows, 1f, pg, outF, px, inF, 1f, pgw, inF);
                    }
                    else
                    {
                        var gw = Tensor.Empty(w.ShapeToArray());
                        fixed (float* pgw = gw.Span) Gemm.Provider.Sgemm(true, false, outF, inF, rows, 1f, pg, outF, px, inF, 0f, pgw, inF);
                        Accumulate(w, gw, true);
                    }
                }
            }
            if (b is not null && !biasDone)
            {
                // db = Σ_rows dY
                var gs = g.Span;
                if (biasTarget != null)
                {
                    var d = biasTarget.Span;
                    for (int r = 0; r < rows; r++) TensorPrimitives.Add(d, gs.Slice(r * outF, outF), d);
                }
                else
                {
                    var gb = Tensor.Zeros(outF);
                    Reduce.SumAxis(gs, gb.Span, 1, rows, outF);
                    Accumulate(b, gb, true);
                }
            }
        }
    }
}
