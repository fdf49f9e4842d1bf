using Bottleneck.Autograd;
using Bottleneck.Ops;

namespace Bottleneck.Tensors
{
    public sealed partial class Tensor
    {
        /// <summary>
        /// Sparse × dense product Y = A·X with a fixed sparse A (no gradient flows to A's values); ∂L/∂X = Aᵀ·∂L/∂Y.
        /// Shape: A (R, C), X (C, K) → Y (R, K).
        /// </summary>
        /// <param name="a">The sparse matrix (e.g. a graph's normalized adjacency).</param>
        /// <param name="x">The dense 2-D operand.</param>
        /// <exception cref="ShapeException">X is not 2-D or its rows differ from A's columns.</exception>
        public static Tensor SparseMatMul(CsrMatrix a, Tensor x)
        {
            ArgumentNullException.ThrowIfNull(a);
            ArgumentNullException.ThrowIfNull(x);
            if (x.Rank != 2 || x.ShapeArray[0] != a.Columns)
                throw new ShapeException($"sparse matmul: ({a.Rows}, {a.Columns}) sparse @ {x.ShapeString}: the dense operand must be ({a.Columns}, K)");
            int k = x.ShapeArray[1];
            var y = Empty([a.Rows, k]);
            a.Multiply(x.Span, k, y.Span);
            return Function.Needs(x) ? Function.Record(new SparseMatMulFn(a, k), y, x) : y;
        }
    }
}

namespace Bottleneck.Ops
{
    using Bottleneck.Tensors;

    /// <summary>Backward of Y = A·X: ∂L/∂X = Aᵀ·∂L/∂Y (the transpose is built once per matrix).</summary>
    internal sealed class SparseMatMulFn(CsrMatrix a, int k) : Function
    {
        public override string Name => "sparse_matmul";

        protected internal override void Backward(Tensor grad)
        {
            var x = Inputs[0];
            var gx = Tensor.Empty(x.ShapeToArray());
            a.Transpose().Multiply(grad.Span, k, gx.Span);
            Accumulate(x, gx, true);
        }
    }
}
