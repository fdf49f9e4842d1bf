using System.Numerics.Tensors;
using Bottleneck.Autograd;
using Bottleneck.Kernels;
using Bottleneck.Ops;

namespace Bottleneck.Tensors
{
    public sealed partial class Tensor
    {
        private static Tensor BinaryOut(Tensor a, Tensor b, string op) =>
            Empty(ShapeUtil.SameShape(a.ShapeArray, b.ShapeArray) ? a.ShapeToArray() : ShapeUtil.Broadcast(a.ShapeArray, b.ShapeArray, op));

        /// <summary>Elementwise a + b with NumPy broadcasting.</summary>
        /// <exception cref="ShapeException">The shapes cannot be broadcast.</exception>
        public static Tensor Add(Tensor a, Tensor b)
        {
            var o = BinaryOut(a, b, "add");
            Broadcasting.Binary<AddKernel>(a, b, o);
            return Function.Needs(a, b) ? Function.Record(new AddFn(), o, a, b) : o;
        }

        /// <summary>Elementwise a − b with NumPy broadcasting.</summary>
        /// <exception cref="ShapeException">The shapes cannot be broadcast.</exception>
        public static Tensor Sub(Tensor a, Tensor b)
        {
            var o = BinaryOut(a, b, "sub");
            Broadcasting.Binary<SubKernel>(a, b, o);
            return Function.Needs(a, b) ? Function.Record(new SubFn(), o, a, b) : o;
        }

        /// <summary>Elementwise a · b with NumPy broadcasting.</summary>
        /// <exception cref="ShapeException">The shapes cannot be broadcast.</exception>
        public static Tensor Mul(Tensor a, Tensor b)
        {
            var o = BinaryOut(a, b, "mul");
            Broadcasting.Binary<MulKernel>(a, b, o);
            return Function.Needs(a, b) ? Function.Record(new MulFn(), o, a, b) : o;
        }

        /// <summary>Elementwise a / b with NumPy broadcasting.</summary>
        /// <exception cref="ShapeException">The shapes cannot be broadcast.</exception>
        public static Tensor Div(Tensor a, Tensor b)
        {
            var o = BinaryOut(a, b, "div");
            Broadcasting.Binary<DivKernel>(a, b, o);
            return Function.Needs(a, b) ? Function.Record(new DivFn(), o, a, b) : o;
        }

        /// <summary>Elementwise a^b with NumPy broadcasting (a &gt; 0 where b is not an integer).</summary>
        /// <exception cref="ShapeException">The shapes cannot be broadcast.</exception>
        public static Tensor Pow(Tensor a, Tensor b)
        {
            var o = BinaryOut(a, b, "pow");
            Broadcasting.Binary<PowKernel>(a, b, o);
            return Function.Needs(a, b) ? Function.Record(new PowFn(o), o, a, b) : o;
        }

        /// <summary>Elementwise x^<paramref name="exponent"/>; gradient p·x^(p−1).</summary>
        public Tensor Pow(float exponent)
        {
            var o = EmptyLike(this);
            if (exponent == 2f) TensorPrimitives.Multiply(Span, Span, o.Span);
            else TensorPrimitives.Pow(Span, exponent, o.Span);
            return Function.Needs(this) ? Function.Record(new PowScalarFn(exponent), o, this) : o;
        }

        /// <summary>Elementwise −x.</summary>
        public Tensor Neg() => MulScalar(-1f);

        /// <summary>Elementwise x + c.</summary>
        public Tensor AddScalar(float c)
        {
            var o = EmptyLike(this);
            TensorPrimitives.Add(Span, c, o.Span);
            return Function.Needs(this) ? Function.Record(new AddScalarFn(), o, this) : o;
        }

        /// <summary>Elementwise c·x.</summary>
        public Tensor MulScalar(float c)
        {
            var o = EmptyLike(this);
            TensorPrimitives.Multiply(Span, c, o.Span);
            return Function.Needs(this) ? Function.Record(new MulScalarFn(c), o, this) : o;
        }

        /// <summary>Elementwise c − x.</summary>
        public Tensor RSubScalar(float c)
        {
            var o = EmptyLike(this);
            TensorPrimitives.Subtract(c, Span, o.Span);
            return Function.Needs(this) ? Function.Record(new MulScalarFn(-1f), o, this) : o;
        }

        /// <summary><inheritdoc cref="Add(Tensor, Tensor)"/></summary>
        public static Tensor operator +(Tensor a, Tensor b) => Add(a, b);
        /// <summary><inheritdoc cref="Sub(Tensor, Tensor)"/></summary>
        public static Tensor operator -(Tensor a, Tensor b) => Sub(a, b);
        /// <summary><inheritdoc cref="Mul(Tensor, Tensor)"/></summary>
        public static Tensor operator *(Tensor a, Tensor b) => Mul(a, b);
        /// <summary><inheritdoc cref="Div(Tensor, Tensor)"/></summary>
        public static Tensor operator /(Tensor a, Tensor b) => Div(a, b);
        /// <summary><inheritdoc cref="Neg"/></summary>
        public static Tensor operator -(Tensor a) => a.Neg();
        /// <summary>Elementwise x + c.</summary>
        public static Tensor operator +(Tensor a, float c) => a.AddScalar(c);
        /// <summary>Elementwise c + x.</summary>
        public static Tensor operator +(float c, Tensor a) => a.AddScalar(c);
        /// <summary>Elementwise x − c.</summary>
        public static Tensor operator -(Tensor a, float c) => a.AddScalar(-c);
        /// <summary>Elementwise c − x.</summary>
        public static Tensor operator -(float c, Tensor a) => a.RSubScalar(c);
        /// <summary>Elementwise c·x.</summary>
        public static Tensor operator *(Tensor a, float c) => a.MulScalar(c);
        /// <summary>Elementwise c·x.</summary>
        public static Tensor operator *(float c, Tensor a) => a.MulScalar(c);
        /// <summary>Elementwise x / c.</summary>
        public static Tensor operator /(Tensor a, float c) => a.MulScalar(1f / c);
    }
}

namespace Bottleneck.Ops
{
    using Bottleneck.Tensors;

    internal sealed class AddFn : Function
    {
        public override string Name => "add";
        protected internal override void Backward(Tensor g)
        {
            Accumulate(Inputs[0], g, fresh: false);
            Accumulate(Inputs[1], g, fresh: false);
        }
    }

    internal sealed class SubFn : Function
    {
        public override string Name => "sub";
        protected internal override void Backward(Tensor g)
        {
            Accumulate(Inputs[0], g, fresh: false);
            if (!Inputs[1].RequiresGrad) return;
            var n = Tensor.EmptyLike(g);
            TensorPrimitives.Negate(g.Span, n.Span);
            Accumulate(Inputs[1], n, fresh: true);
        }
    }

    internal sealed class MulFn : Function
    {
        public override string Name => "mul";
        protected internal override void Backward(Tensor g)
        {
            Tensor a = Inputs[0], b = Inputs[1];
            if (a.RequiresGrad)
            {
                var ga = Tensor.EmptyLike(g);
                Broadcasting.Binary<MulKernel>(g, b, ga);
                Accumulate(a, ga, fresh: true);
            }
            if (b.RequiresGrad)
            {
                var gb = Tensor.EmptyLike(g);
                Broadcasting.Binary<MulKernel>(g, a, gb);
                Accumulate(b, gb, fresh: true);
            }
        }
    }

    internal sealed class DivFn : Function
    {
        public override string Name => "div";
        protected internal override void Backward(Tensor g)
        {
            Tensor a = Inputs[0], b = Inputs[1];
            if (a.RequiresGrad)
            {
                var ga = Tensor.EmptyLike(g);
                Broadcasting.Binary<DivKernel>(g, b, ga);
                Accumulate(a, ga, fresh: true);
            }
            if (b.RequiresGrad)
            {
                // ∂(a/b)/∂b = −a/b²
                var gb = Tensor.EmptyLike(g);
                Broadcasting.Binary<MulKernel>(g, a, gb);
                Broadcasting.Binary<DivKernel>(gb, b, gb);
                Broadcasting.Binary<DivKernel>(gb, b, gb);
                TensorPrimitives.Negate(gb.Span, gb.Span);
                Accumulate(b, gb, fresh: true);
            }
        }
    }

    internal sealed class PowFn(Tensor output) : Function
    {
        public override string Name => "pow";
        protected internal override void Backward(Tensor g)
        {
            Tensor a = Inputs[0], b = Inputs[1];
            if (a.RequiresGrad)
            {
                // ∂a^b/∂a = b·a^(b−1) = b·out/a  (computed as b·a^(b−1) to stay finite at a = 0)
                var bm1 = Tensor.EmptyLike(b);
                TensorPrimitives.Add(b.Span, -1f, bm1.Span);
                var ga = Tensor.EmptyLike(g);
                Broadcasting.Binary<PowKernel>(a, bm1, ga);
                Broadcasting.Binary<MulKernel>(ga, b, ga);
                TensorPrimitives.Multiply(ga.Span, g.Span, ga.Span);
                Accumulate(a, ga, fresh: true);
            }
            if (b.RequiresGrad)
            {
                // ∂a^b/∂b = a^b·ln a
                var lnA = Tensor.EmptyLike(a);
                TensorPrimitives.Log(a.Span, lnA.Span);
                var gb = Tensor.EmptyLike(g);
                Broadcasting.Binary<MulKernel>(output, lnA, gb);
                TensorPrimitives.Multiply(gb.Span, g.Span, gb.Span);
                Accumulate(b, gb, fresh: true);
            }
        }
    }

    internal sealed class PowScalarFn(float p) : Function
    {
        public override string Name => "pow";
        protected internal override void Backward(Tensor g)
        {
            var x = Inputs[0];
            var gx = Tensor.EmptyLike(x);
            if (p == 2f) TensorPrimitives.Multiply(x.Span, 2f, gx.Span);
            else
            {
                TensorPrimitives.Pow(x.Span, p - 1f, gx.Span);
                TensorPrimitives.Multiply(gx.Span, p, gx.Span);
            }
            TensorPrimitives.Multiply(gx.Span, g.Span, gx.Span);
            Accumulate(x, gx, fresh: true);
        }
    }

    internal sealed class AddScalarFn : Function
    {
        public override string Name => "add";
        protected internal override void Backward(Tensor g) => Accumulate(Inputs[0], g, fresh: false);
    }

    internal sealed class MulScalarFn(float c) : Function
    {
        public override string Name => "mul";
        protected internal override void Backward(Tensor g)
        {
            var gx = Tensor.EmptyLike(g);
            TensorPrimitives.Multiply(g.Span, c, gx.Span);
            Accumulate(Inputs[0], gx, fresh: true);
        }
    }
}
