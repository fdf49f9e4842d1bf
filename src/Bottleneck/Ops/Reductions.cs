using System.Numerics.Tensors;
using Bottleneck.Autograd;
using Bottleneck.Kernels;
using Bottleneck.Ops;

namespace Bottleneck.Tensors
{
    public sealed partial class Tensor
    {
        /// <summary>Sum of all elements, a 0-d tensor.</summary>
        public Tensor Sum()
        {
            var o = Empty([]);
            o.Span[0] = TensorPrimitives.Sum(Span);
            return Function.Needs(this) ? Function.Record(new SumFn(ShapeToArray(), OnesShape(Rank)), o, this) : o;
        }

        private static int[] OnesShape(int rank) { var s = new int[rank]; Array.Fill(s, 1); return s; }

        /// <summary>Sum over <paramref name="axes"/> (negative counts from the end); kept as size-1 dims when <paramref name="keepDim"/>.</summary>
        /// <exception cref="ArgumentOutOfRangeException">An axis is out of range.</exception>
        public Tensor Sum(int[] axes, bool keepDim = false)
        {
            var (reduced, keptShape, outShape) = ReducePlan(axes, "sum");
            Tensor cur = this;
            // one axis at a time, highest first, with keepDim so later axis numbers stay valid
            for (int a = Rank - 1; a >= 0; a--)
            {
                if (!reduced[a]) continue;
                var (outer, n, inner) = Reduce.Split(cur.ShapeArray, a);
                var shape = cur.ShapeToArray(); shape[a] = 1;
                var next = Empty(shape);
                Reduce.SumAxis(cur.Span, next.Span, outer, n, inner);
                cur = next;
            }
            if (ReferenceEquals(cur, this)) cur = Clone();
            var o = new Tensor(cur.Buffer, cur.Offset, keepDim ? keptShape : outShape);
            return Function.Needs(this) ? Function.Record(new SumFn(ShapeToArray(), keptShape), o, this) : o;
        }

        /// <summary>Sum over one axis.</summary>
        public Tensor Sum(int axis, bool keepDim = false) => Sum([axis], keepDim);

        /// <summary>Mean of all elements.</summary>
        public Tensor Mean() => Sum().MulScalar(Length == 0 ? float.NaN : 1f / Length);

        /// <summary>Mean over <paramref name="axes"/>.</summary>
        public Tensor Mean(int[] axes, bool keepDim = false)
        {
            var s = Sum(axes, keepDim);
            int count = Length / Math.Max(s.Length, 1);
            return s.MulScalar(1f / count);
        }

        /// <summary>Mean over one axis.</summary>
        public Tensor Mean(int axis, bool keepDim = false) => Mean([axis], keepDim);

        /// <summary>Maximum over one axis; the gradient flows to the first maximal element (as PyTorch's max(dim)).</summary>
        public Tensor Max(int axis, bool keepDim = false)
        {
            int ax = ShapeUtil.NormalizeAxis(axis, Rank, "max");
            var (outer, n, inner) = Reduce.Split(ShapeArray, ax);
            if (n == 0) throw new ArgumentException($"max: axis {axis} of shape {ShapeString} is empty");
            var kept = ShapeToArray(); kept[ax] = 1;
            var o = Empty(keepDim ? kept : RemoveAxis(ShapeArray, ax));
            var arg = new int[outer * inner];
            var x = Span; var y = o.Span;
            for (int p = 0; p < outer; p++)
                for (int i = 0; i < inner; i++)
                {
                    int baseIdx = p * n * inner + i, best = 0;
                    float m = x[baseIdx];
                    for (int k = 1; k < n; k++)
                    {
                        float v = x[baseIdx + k * inner];
                        if (v > m || float.IsNaN(v) && !float.IsNaN(m)) { m = v; best = k; }
                    }
                    y[p * inner + i] = m;
                    arg[p * inner + i] = best;
                }
            return Function.Needs(this) ? Function.Record(new MaxFn(arg, outer, n, inner), o, this) : o;
        }

        /// <summary>Maximum of all elements.</summary>
        public Tensor Max() => Reshape(Length).Max(0);

        /// <summary>Softmax along <paramref name="axis"/> (default last): exp(xᵢ − max) / Σ exp(xⱼ − max).</summary>
        public Tensor Softmax(int axis = -1) => SoftmaxCore(axis, log: false);

        /// <summary>Log-softmax along <paramref name="axis"/> (default last): xᵢ − max − ln Σ exp(xⱼ − max).</summary>
        public Tensor LogSoftmax(int axis = -1) => SoftmaxCore(axis, log: true);

        private Tensor SoftmaxCore(int axis, bool log)
        {
            int ax = ShapeUtil.NormalizeAxis(axis, Rank, log ? "log_softmax" : "softmax");
            var (outer, n, inner) = Reduce.Split(ShapeArray, ax);
            var o = EmptyLike(this);
            SoftmaxKernels.Forward(Span, o.Span, outer, n, inner, log);
            return Function.Needs(this) ? Function.Record(new SoftmaxFn(o, outer, n, inner, log), o, this) : o;
        }

        private (bool[] Reduced, int[] Kept, int[] Out) ReducePlan(int[] axes, string op)
        {
            var reduced = new bool[Rank];
            foreach (int a in axes) reduced[ShapeUtil.NormalizeAxis(a, Rank, op)] = true;
            var kept = ShapeToArray();
            int outRank = 0;
            for (int i = 0; i < Rank; i++) { if (reduced[i]) kept[i] = 1; else outRank++; }
            var outShape = new int[outRank];
            for (int i = 0, j = 0; i < Rank; i++) if (!reduced[i]) outShape[j++] = ShapeArray[i];
            return (reduced, kept, outShape);
        }

        internal static int[] RemoveAxis(int[] shape, int axis)
        {
            var r = new int[shape.Length - 1];
            for (int i = 0, j = 0; i < shape.Length; i++) if (i != axis) r[j++] = shape[i];
            return r;
        }
    }
}

namespace Bottleneck.Ops
{
    using Bottleneck.Tensors;

    /// <summary>Backward of a sum: the gradient, viewed with the reduced dims kept as 1, broadcast back to the input shape.</summary>
    internal sealed class SumFn(int[] inputShape, int[] keptShape) : Function
    {
        public override string Name => "sum";
        protected internal override void Backward(Tensor g)
        {
            var gx = Tensor.Empty((int[])inputShape.Clone());
            Broadcasting.Expand(new Tensor(g.Buffer, g.Offset, keptShape), gx);
            Accumulate(Inputs[0], gx, true);
        }
    }

    internal sealed class MaxFn(int[] arg, int outer, int n, int inner) : Function
    {
        public override string Name => "max";
        protected internal override void Backward(Tensor g)
        {
            var gx = Tensor.Zeros(Inputs[0].ShapeToArray());
            var d = gx.Span; var gs = g.Span;
            for (int p = 0; p < outer; p++)
                for (int i = 0; i < inner; i++)
                    d[p * n * inner + arg[p * inner + i] * inner + i] = gs[p * inner + i];
            Accumulate(Inputs[0], gx, true);
        }
    }

    internal static class SoftmaxKernels
    {
        public static void Forward(ReadOnlySpan<float> x, Span<float> y, int outer, int n, int inner, bool log)
        {
            if (inner == 1)
            {
                for (int p = 0; p < outer; p++)
                {
                    var xr = x.Slice(p * n, n); var yr = y.Slice(p * n, n);
                    float m = TensorPrimitives.Max(xr);
                    TensorPrimitives.Subtract(xr, m, yr);
                    if (log)
                    {
                        float lse = MathF.Log(SumExp(yr));
                        TensorPrimitives.Subtract(yr, lse, yr);
                    }
                    else
                    {
                        TensorPrimitives.Exp(yr, yr);
                        TensorPrimitives.Divide(yr, TensorPrimitives.Sum(yr), yr);
                    }
                }
                return;
            }
            for (int p = 0; p < outer; p++)
                for (int i = 0; i < inner; i++)
                {
                    int b = p * n * inner + i;
                    float m = float.NegativeInfinity;
                    for (int k = 0; k < n; k++) m = MathF.Max(m, x[b + k * inner]);
                    double s = 0;
                    for (int k = 0; k < n; k++) s += MathF.Exp(x[b + k * inner] - m);
                    float ls = (float)Math.Log(s);
                    for (int k = 0; k < n; k++)
                    {
                        float z = x[b + k * inner] - m;
                        y[b + k * inner] = log ? z - ls : (float)(MathF.Exp(z) / s);
                    }
                }
        }

        private static float SumExp(ReadOnlySpan<float> z)
        {
            double s = 0;
            foreach (float v in z) s += MathF.Exp(v);
            return (float)s;
        }
    }

    internal sealed class SoftmaxFn(Tensor output, int outer, int n, int inner, bool log) : Function
    {
        public override string Name => log ? "log_softmax" : "softmax";
        protected internal override void Backward(Tensor g)
        {
            // softmax: gx = y ⊙ (g − Σ g·y);  log-softmax: gx = g − softmax(x)·Σ g
            var gx = Tensor.EmptyLike(g);
            var y = output.Span; var gs = g.Span; var d = gx.Span;
            for (int p = 0; p < outer; p++)
                for (int i = 0; i < inner; i++)
                {
                    int b = p * n * inner + i;
                    double s = 0;
                    if (log) for (int k = 0; k < n; k++) s += gs[b + k * inner];
                    else for (int k = 0; k < n; k++) s += gs[b + k * inner] * y[b + k * inner];
                    for (int k = 0; k < n; k++)
                    {
                        int j = b + k * inner;
                        d[j] = log ? gs[j] - MathF.Exp(y[j]) * (float)s : y[j] * (gs[j] - (float)s);
                    }
                }
            Accumulate(Inputs[0], gx, true);
        }
    }
}
