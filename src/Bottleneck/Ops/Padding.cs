using Bottleneck.Autograd;
using Bottleneck.Ops;

namespace Bottleneck.Tensors
{
    public sealed partial class Tensor
    {
        /// <summary>
        /// Zero padding of the last two axes as PyTorch's <c>F.pad(x, (left, right, top, bottom))</c>:
        /// y[…, i + top, j + left] = x[…, i, j], zeros elsewhere. Shape: (…, H, W) → (…, H + top + bottom, W + left + right).
        /// </summary>
        /// <param name="x">Input of rank ≥ 2.</param>
        /// <param name="padding">Zeros per side, each ≥ 0.</param>
        /// <exception cref="ShapeException">x has rank below 2.</exception>
        /// <exception cref="ArgumentOutOfRangeException">A negative padding.</exception>
        public static Tensor ZeroPad2d(Tensor x, Padding2d padding)
        {
            if (x.Rank < 2) throw new ShapeException($"zero_pad2d: input needs rank ≥ 2, got {x.ShapeString}");
            if (padding.Top < 0 || padding.Bottom < 0 || padding.Left < 0 || padding.Right < 0)
                throw new ArgumentOutOfRangeException(nameof(padding), $"zero_pad2d: padding must be ≥ 0, got {padding}");
            if (padding == default) return x;
            int h = x.ShapeArray[^2], w = x.ShapeArray[^1];
            int ho = h + padding.Top + padding.Bottom, wo = w + padding.Left + padding.Right;
            var s = x.ShapeToArray(); s[^2] = ho; s[^1] = wo;
            var o = Zeros(s);
            int planes = x.Length / Math.Max(h * w, 1);
            var xs = x.Span; var os = o.Span;
            for (int p = 0; p < planes; p++)
                for (int i = 0; i < h; i++)
                    xs.Slice((p * h + i) * w, w).CopyTo(os.Slice((p * ho + i + padding.Top) * wo + padding.Left, w));
            return Function.Needs(x) ? Function.Record(new ZeroPadFn(planes, h, w, padding), o, x) : o;
        }
    }
}

namespace Bottleneck.Ops
{
    using Bottleneck.Tensors;

    internal sealed class ZeroPadFn(int planes, int h, int w, Padding2d p) : Function
    {
        public override string Name => "zero_pad2d";
        protected internal override void Backward(Tensor grad)
        {
            var dx = Tensor.Empty(Inputs[0].ShapeToArray());
            int ho = h + p.Top + p.Bottom, wo = w + p.Left + p.Right;
            var gs = grad.Span; var d = dx.Span;
            for (int k = 0; k < planes; k++)
                for (int i = 0; i < h; i++)
                    gs.Slice((k * ho + i + p.Top) * wo + p.Left, w).CopyTo(d.Slice((k * h + i) * w, w));
            Accumulate(Inputs[0], dx, true);
        }
    }
}
