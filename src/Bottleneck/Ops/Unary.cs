using System.Numerics;
using System.Numerics.Tensors;
using Bottleneck.Autograd;
using Bottleneck.Kernels;
using Bottleneck.Ops;

namespace Bottleneck.Tensors
{
    public sealed partial class Tensor
    {

        /// <summary>Elementwise eˣ.</summary>
        public Tensor Exp()
        {
            var o = EmptyLike(this);
            VectorMath.Exp(Span, o.Span);
            return Function.Needs(this) ? Function.Record(new ExpFn(o), o, this) : o;
        }

        /// <summary>Elementwise natural logarithm ln x (−∞ at 0, NaN below).</summary>
        public Tensor Log()
        {
            var o = EmptyLike(this);
            TensorPrimitives.Log(Span, o.Span);
            return Function.Needs(this) ? Function.Record(new LogFn(), o, this) : o;
        }

        /// <summary>Elementwise √x.</summary>
        public Tensor Sqrt()
        {
            var o = EmptyLike(this);
            TensorPrimitives.Sqrt(Span, o.Span);
            return Function.Needs(this) ? Function.Record(new SqrtFn(o), o, this) : o;
        }

        /// <summary>Elementwise |x|; gradient sign(x) (0 at 0, as PyTorch).</summary>
        public Tensor Abs()
        {
            var o = EmptyLike(this);
            TensorPrimitives.Abs(Span, o.Span);
            return Function.Needs(this) ? Function.Record(new AbsFn(), o, this) : o;
        }

        /// <summary>Elementwise min(max(x, <paramref name="min"/>), <paramref name="max"/>); gradient 1 where min ≤ x ≤ max, else 0.</summary>
        /// <exception cref="ArgumentException">min &gt; max.</exception>
        public Tensor Clamp(float min = float.NegativeInfinity, float max = float.PositiveInfinity)
        {
            if (min > max) throw new ArgumentException($"clamp: min ({min}) must not exceed max ({max})");
            var o = EmptyLike(this);
            TensorPrimitives.Clamp(Span, min, max, o.Span);
            return Function.Needs(this) ? Function.Record(new ClampFn(min, max), o, this) : o;
        }

        /// <summary>ReLU: max(x, 0); gradient 1 where x &gt; 0.</summary>
        public Tensor Relu()
        {
            var o = EmptyLike(this);
            TensorPrimitives.Max(Span, 0f, o.Span);
            return Function.Needs(this) ? Function.Record(new ReluFn(o), o, this) : o;
        }

        /// <summary>Leaky ReLU: x if x &gt; 0 else slope·x (default slope 0.01, as PyTorch).</summary>
        public Tensor LeakyRelu(float negativeSlope = 0.01f)
        {
            var o = EmptyLike(this);
            ActivationKernels.LeakyRelu(Span, negativeSlope, o.Span);
            return Function.Needs(this) ? Function.Record(new LeakyReluFn(negativeSlope), o, this) : o;
        }

        /// <summary>ELU (Clevert et al., 2016): x if x &gt; 0 else α(eˣ − 1), default α = 1.</summary>
        public Tensor Elu(float alpha = 1f)
        {
            var o = EmptyLike(this);
            ActivationKernels.Elu(Span, alpha, o.Span);
            return Function.Needs(this) ? Function.Record(new EluFn(alpha, o), o, this) : o;
        }

        /// <summary>GELU (Hendrycks &amp; Gimpel, 2016), exact form x·Φ(x) with Φ the standard normal CDF (PyTorch's default).</summary>
        public Tensor Gelu()
        {
            var o = EmptyLike(this);
            var x = Span; var y = o.Span;
            for (int i = 0; i < x.Length; i++) y[i] = (float)(x[i] * SpecialFunctions.NormalCdf(x[i]));
            return Function.Needs(this) ? Function.Record(new GeluFn(), o, this) : o;
        }

        /// <summary>Logistic sigmoid σ(x) = 1/(1 + e⁻ˣ).</summary>
        public Tensor Sigmoid()
        {
            var o = EmptyLike(this);
            VectorMath.Sigmoid(Span, o.Span);
            return Function.Needs(this) ? Function.Record(new SigmoidFn(o), o, this) : o;
        }

        /// <summary>Hyperbolic tangent.</summary>
        public Tensor Tanh()
        {
            var o = EmptyLike(this);
            TensorPrimitives.Tanh(Span, o.Span);
            return Function.Needs(this) ? Function.Record(new TanhFn(o), o, this) : o;
        }

        /// <summary>
        /// Softplus: (1/β)·ln(1 + e^(βx)), and x itself where βx &gt; threshold (PyTorch's convention; defaults β = 1, threshold = 20).
        /// </summary>
        public Tensor Softplus(float beta = 1f, float threshold = 20f)
        {
            var o = EmptyLike(this);
            ActivationKernels.Softplus(Span, beta, threshold, o.Span);
            return Function.Needs(this) ? Function.Record(new SoftplusFn(beta, threshold), o, this) : o;
        }
    }
}

namespace Bottleneck.Ops
{
    using Bottleneck.Tensors;

    /// <summary>Elementwise kernels with a branch (vectorised with <see cref="Vector{T}"/>).</summary>
    internal static class ActivationKernels
    {
        public static void LeakyRelu(ReadOnlySpan<float> x, float slope, Span<float> y)
        {
            int i = 0, w = Vector<float>.Count;
            for (; i <= x.Length - w; i += w)
            {
                var v = new Vector<float>(x.Slice(i));
                Vector.ConditionalSelect(Vector.GreaterThan(v, Vector<float>.Zero), v, v * slope).CopyTo(y.Slice(i));
            }
            for (; i < x.Length; i++) y[i] = x[i] > 0 ? x[i] : slope * x[i];
        }

        /// <summary>d = g where x &gt; 0, else slope·g.</summary>
        public static void LeakyReluBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> g, float slope, Span<float> d)
        {
            int i = 0, w = Vector<float>.Count;
            for (; i <= x.Length - w; i += w)
            {
                var gv = new Vector<float>(g.Slice(i));
                Vector.ConditionalSelect(Vector.GreaterThan(new Vector<float>(x.Slice(i)), Vector<float>.Zero), gv, gv * slope).CopyTo(d.Slice(i));
            }
            for (; i < x.Length; i++) d[i] = x[i] > 0 ? g[i] : slope * g[i];
        }

        public static void Elu(ReadOnlySpan<float> x, float alpha, Span<float> y)
        {
            if (x.Overlaps(y))
            {
                for (int k = 0; k < x.Length; k++) y[k] = x[k] > 0 ? x[k] : alpha * (MathF.Exp(x[k]) - 1f);
                return;
            }
            VectorMath.Exp(x, y);
            int i = 0, w = Vector<float>.Count;
            for (; i <= x.Length - w; i += w)
            {
                var v = new Vector<float>(x.Slice(i));
                var e = new Vector<float>(y.Slice(i));
                Vector.ConditionalSelect(Vector.GreaterThan(v, Vector<float>.Zero), v, (e - Vector<float>.One) * alpha).CopyTo(y.Slice(i));
            }
            for (; i < x.Length; i++) y[i] = x[i] > 0 ? x[i] : alpha * (y[i] - 1f);
        }

        /// <summary>d = g where lo ≤ x ≤ hi, else 0 (clamp's backward).</summary>
        public static void InRangeMask(ReadOnlySpan<float> x, ReadOnlySpan<float> g, float lo, float hi, Span<float> d)
        {
            int i = 0, w = Vector<float>.Count;
            var vlo = new Vector<float>(lo); var vhi = new Vector<float>(hi);
            for (; i <= x.Length - w; i += w)
            {
                var v = new Vector<float>(x.Slice(i));
                var m = Vector.BitwiseAnd(Vector.GreaterThanOrEqual(v, vlo), Vector.LessThanOrEqual(v, vhi));
                Vector.ConditionalSelect(m, new Vector<float>(g.Slice(i)), Vector<float>.Zero).CopyTo(d.Slice(i));
            }
            for (; i < x.Length; i++) d[i] = x[i] >= lo && x[i] <= hi ? g[i] : 0f;
        }

        /// <summary>d = sign(x)·g with sign(0) = 0 (abs's backward, PyTorch's convention).</summary>
        public static void SignTimes(ReadOnlySpan<float> x, ReadOnlySpan<float> g, Span<float> d)
        {
            int i = 0, w = Vector<float>.Count;
            for (; i <= x.Length - w; i += w)
            {
                var v = new Vector<float>(x.Slice(i));
                var gv = new Vector<float>(g.Slice(i));
                var r = Vector.ConditionalSelect(Vector.GreaterThan(v, Vector<float>.Zero), gv,
                    Vector.ConditionalSelect(Vector.LessThan(v, Vector<float>.Zero), -gv, Vector<float>.Zero));
                r.CopyTo(d.Slice(i));
            }
            for (; i < x.Length; i++) d[i] = x[i] > 0 ? g[i] : x[i] < 0 ? -g[i] : 0f;
        }

        public static void Softplus(ReadOnlySpan<float> x, float beta, float threshold, Span<float> y)
        {
            if (beta == 1f && threshold >= 16f)
            {
                // above 16, ln(1 + e^(−x)) < 1.2e-7 is below float resolution of x, so the threshold changes nothing
                VectorMath.Softplus(x, y);
                return;
            }
            for (int i = 0; i < x.Length; i++)
            {
                float bx = beta * x[i];
                y[i] = bx > threshold ? x[i] : (MathF.Max(bx, 0f) + MathF.Log(1f + MathF.Exp(-MathF.Abs(bx)))) / beta;
            }
        }

        /// <summary>gx = g where mask &gt; 0, else 0.</summary>
        public static void MaskPositive(ReadOnlySpan<float> mask, ReadOnlySpan<float> g, Span<float> gx)
        {
            int i = 0;
            if (Vector.IsHardwareAccelerated)
            {
                int w = Vector<float>.Count;
                for (; i <= mask.Length - w; i += w)
                {
                    var m = Vector.GreaterThan(new Vector<float>(mask.Slice(i)), Vector<float>.Zero);
                    Vector.ConditionalSelect(m, new Vector<float>(g.Slice(i)), Vector<float>.Zero).CopyTo(gx.Slice(i));
                }
            }
            for (; i < mask.Length; i++) gx[i] = mask[i] > 0 ? g[i] : 0f;
        }
    }

    internal sealed class ExpFn(Tensor output) : Function
    {
        public override string Name => "exp";
        protected internal override void Backward(Tensor g)
        {
            var gx = Tensor.EmptyLike(g);
            TensorPrimitives.Multiply(g.Span, output.Span, gx.Span);
            Accumulate(Inputs[0], gx, true);
        }
    }

    internal sealed class LogFn : Function
    {
        public override string Name => "log";
        protected internal override void Backward(Tensor g)
        {
            var gx = Tensor.EmptyLike(g);
            TensorPrimitives.Divide(g.Span, Inputs[0].Span, gx.Span);
            Accumulate(Inputs[0], gx, true);
        }
    }

    internal sealed class SqrtFn(Tensor output) : Function
    {
        public override string Name => "sqrt";
        protected internal override void Backward(Tensor g)
        {
            var gx = Tensor.EmptyLike(g);
            TensorPrimitives.Divide(g.Span, output.Span, gx.Span);
            TensorPrimitives.Multiply(gx.Span, 0.5f, gx.Span);
            Accumulate(Inputs[0], gx, true);
        }
    }

    internal sealed class AbsFn : Function
    {
        public override string Name => "abs";
        protected internal override void Backward(Tensor g)
        {
            var gx = Tensor.EmptyLike(g);
            ActivationKernels.SignTimes(Inputs[0].Span, g.Span, gx.Span);
            Accumulate(Inputs[0], gx, true);
        }
    }

    internal sealed class ClampFn(float min, float max) : Function
    {
        public override string Name => "clamp";
        protected internal override void Backward(Tensor g)
        {
            var gx = Tensor.EmptyLike(g);
            ActivationKernels.InRangeMask(Inputs[0].Span, g.Span, min, max, gx.Span);
            Accumulate(Inputs[0], gx, true);
        }
    }

    internal sealed class ReluFn(Tensor output) : Function
    {
        public override string Name => "relu";
        protected internal override void Backward(Tensor g)
        {
            var gx = Tensor.EmptyLike(g);
            ActivationKernels.MaskPositive(output.Span, g.Span, gx.Span);
            Accumulate(Inputs[0], gx, true);
        }
    }

    internal sealed class LeakyReluFn(float slope) : Function
    {
        public override string Name => "leaky_relu";
        protected internal override void Backward(Tensor g)
        {
            var gx = Tensor.EmptyLike(g);
            ActivationKernels.LeakyReluBackward(Inputs[0].Span, g.Span, slope, gx.Span);
            Accumulate(Inputs[0], gx, true);
        }
    }

    internal sealed class EluFn(float alpha, Tensor output) : Function
    {
        public override string Name => "elu";
        protected internal override void Backward(Tensor g)
        {
            var x = Inputs[0].Span; var y = output.Span; var gs = g.Span;
            var gx = Tensor.EmptyLike(g); var d = gx.Span;
            int i = 0;
            var va = new Vector<float>(alpha);
            for (int w = Vector<float>.Count; i <= d.Length - w; i += w)
            {
                var gv = new Vector<float>(gs.Slice(i));
                Vector.ConditionalSelect(Vector.GreaterThan(new Vector<float>(x.Slice(i)), Vector<float>.Zero), gv,
                    gv * (new Vector<float>(y.Slice(i)) + va)).CopyTo(d.Slice(i));
            }
            for (; i < d.Length; i++) d[i] = x[i] > 0 ? gs[i] : gs[i] * (y[i] + alpha);
            Accumulate(Inputs[0], gx, true);
        }
    }

    internal sealed class GeluFn : Function
    {
        public override string Name => "gelu";
        protected internal override void Backward(Tensor g)
        {
            var x = Inputs[0].Span; var gs = g.Span;
            var gx = Tensor.EmptyLike(g); var d = gx.Span;
            for (int i = 0; i < d.Length; i++)
                d[i] = (float)(gs[i] * (SpecialFunctions.NormalCdf(x[i]) + x[i] * SpecialFunctions.NormalPdf(x[i])));
            Accumulate(Inputs[0], gx, true);
        }
    }

    internal sealed class SigmoidFn(Tensor output) : Function
    {
        public override string Name => "sigmoid";
        protected internal override void Backward(Tensor g)
        {
            // σ' = σ(1 − σ)
            var gx = Tensor.EmptyLike(g); var d = gx.Span; var y = output.Span;
            TensorPrimitives.Subtract(1f, y, d);                  // 1 − σ
            TensorPrimitives.Multiply(d, y, d);
            TensorPrimitives.Multiply(d, g.Span, d);
            Accumulate(Inputs[0], gx, true);
        }
    }

    internal sealed class TanhFn(Tensor output) : Function
    {
        public override string Name => "tanh";
        protected internal override void Backward(Tensor g)
        {
            // tanh' = 1 − tanh²
            var gx = Tensor.EmptyLike(g); var d = gx.Span; var y = output.Span;
            TensorPrimitives.Multiply(y, y, d);
            TensorPrimitives.Subtract(1f, d, d);
            TensorPrimitives.Multiply(d, g.Span, d);
            Accumulate(Inputs[0], gx, true);
        }
    }

    internal sealed class SoftplusFn(float beta, float threshold) : Function
    {
        public override string Name => "softplus";
        protected internal override void Backward(Tensor g)
        {
            // d/dx softplus = σ(βx), 1 above the threshold
            var x = Inputs[0].Span; var gs = g.Span;
            var gx = Tensor.EmptyLike(g); var d = gx.Span;
            int i = 0;
            if (beta > 0)
            {
                TensorPrimitives.Multiply(x, beta, d);
                VectorMath.Sigmoid(d, d);
                var cut = new Vector<float>(threshold / beta);   // βx > threshold ⇔ x > threshold/β for β > 0
                for (int w = Vector<float>.Count; i <= d.Length - w; i += w)
                {
                    var gv = new Vector<float>(gs.Slice(i));
                    Vector.ConditionalSelect(Vector.GreaterThan(new Vector<float>(x.Slice(i)), cut), gv, gv * new Vector<float>(d.Slice(i))).CopyTo(d.Slice(i));
                }
                for (; i < d.Length; i++) d[i] = x[i] > threshold / beta ? gs[i] : gs[i] * d[i];
            }
            else
            {
                for (; i < d.Length; i++)
                {
                    float bx = beta * x[i];
                    d[i] = bx > threshold ? gs[i] : gs[i] / (1f + MathF.Exp(-bx));
                }
            }
            Accumulate(Inputs[0], gx, true);
        }
    }
}
