using Bottleneck.Autograd;
using Bottleneck.Ops;

namespace Bottleneck.Tensors
{
    public sealed partial class Tensor
    {
        /// <summary>
        /// Matrix inverse A⁻¹ of each square matrix in the last two dimensions (LU with partial pivoting, in double precision), as
        /// torch.linalg.inv. Gradient ∂L/∂A = −A⁻ᵀ·G·A⁻ᵀ.
        /// </summary>
        /// <remarks>Shape: input (…, d, d) → output (…, d, d); … any batch dimensions, d the matrix size.</remarks>
        /// <exception cref="ShapeException">The last two dimensions are missing or not equal.</exception>
        /// <exception cref="ArgumentException">A matrix is singular (a zero pivot); the message names its batch index.</exception>
        public Tensor Inverse()
        {
            int d = SquareSize("inverse");
            int batch = Length / Math.Max(1, d * d);
            var o = EmptyLike(this);
            var a = new double[d * d];
            var inv = new double[d * d];
            for (int b = 0; b < batch; b++)
            {
                for (int i = 0; i < d * d; i++) a[i] = Span[b * d * d + i];
                if (!LinearAlgebraKernels.Invert(a, inv, d, out _))
                    throw new ArgumentException($"inverse: matrix {b} of {ShapeString} is singular");
                for (int i = 0; i < d * d; i++) o.Span[b * d * d + i] = (float)inv[i];
            }
            return Function.Needs(this) ? Function.Record(new InverseFn(o, d), o, this) : o;
        }

        /// <summary>
        /// ln det A of each square matrix in the last two dimensions (LU with partial pivoting, in double precision), as
        /// torch.logdet: NaN when the determinant is negative, −∞ when it is zero. Gradient ∂L/∂A = g·A⁻ᵀ.
        /// </summary>
        /// <remarks>Shape: input (…, d, d) → output (…); … any batch dimensions (a single matrix gives a 0-d tensor).</remarks>
        /// <exception cref="ShapeException">The last two dimensions are missing or not equal.</exception>
        public Tensor LogDet()
        {
            int d = SquareSize("logdet");
            int batch = Length / Math.Max(1, d * d);
            var outShape = ShapeArray[..^2];
            var o = Empty(outShape);
            var a = new double[d * d];
            var invAll = new float[batch * d * d];
            var inv = new double[d * d];
            for (int b = 0; b < batch; b++)
            {
                for (int i = 0; i < d * d; i++) a[i] = Span[b * d * d + i];
                bool ok = LinearAlgebraKernels.Invert(a, inv, d, out double logAbsDet, out int sign);
                o.Span[b] = !ok ? float.NegativeInfinity : sign > 0 ? (float)logAbsDet : float.NaN;
                for (int i = 0; i < d * d; i++) invAll[b * d * d + i] = ok ? (float)inv[i] : float.NaN;
            }
            return Function.Needs(this) ? Function.Record(new LogDetFn(invAll, d), o, this) : o;
        }

        private int SquareSize(string op)
        {
            if (Rank < 2 || ShapeArray[^1] != ShapeArray[^2])
                throw new ShapeException($"{op}: needs square matrices in the last two dimensions (…, d, d), got {ShapeString}");
            return ShapeArray[^1];
        }
    }
}

namespace Bottleneck.Ops
{
    using Bottleneck.Tensors;

    /// <summary>Small dense linear algebra in double precision for the matrix ops (d is small: a covariance of a few dimensions).</summary>
    internal static class LinearAlgebraKernels
    {
        /// <summary>A⁻¹ of the row-major d×d matrix <paramref name="a"/> (overwritten by its LU factors) into <paramref name="inv"/>; false when singular.</summary>
        public static bool Invert(double[] a, double[] inv, int d, out double logAbsDet) => Invert(a, inv, d, out logAbsDet, out _);

        /// <summary>As <see cref="Invert(double[], double[], int, out double)"/>, also giving the sign of the determinant.</summary>
        public static bool Invert(double[] a, double[] inv, int d, out double logAbsDet, out int sign)
        {
            var perm = new int[d];
            for (int i = 0; i < d; i++) perm[i] = i;
            sign = 1;
            logAbsDet = 0;
            for (int k = 0; k < d; k++)
            {
                int p = k;
                double best = Math.Abs(a[k * d + k]);
                for (int i = k + 1; i < d; i++)
                    if (Math.Abs(a[i * d + k]) > best) { best = Math.Abs(a[i * d + k]); p = i; }
                if (best == 0 || double.IsNaN(best)) { logAbsDet = double.NegativeInfinity; sign = 0; return false; }
                if (p != k)
                {
                    for (int j = 0; j < d; j++) (a[k * d + j], a[p * d + j]) = (a[p * d + j], a[k * d + j]);
                    (perm[k], perm[p]) = (perm[p], perm[k]);
                    sign = -sign;
                }
                double pivot = a[k * d + k];
                if (pivot < 0) sign = -sign;
                logAbsDet += Math.Log(Math.Abs(pivot));
                for (int i = k + 1; i < d; i++)
                {
                    double f = a[i * d + k] /= pivot;
                    for (int j = k + 1; j < d; j++) a[i * d + j] -= f * a[k * d + j];
                }
            }
            // solve L·U·X = P·I column by column
            var col = new double[d];
            for (int c = 0; c < d; c++)
            {
                for (int i = 0; i < d; i++) col[i] = perm[i] == c ? 1 : 0;
                for (int i = 0; i < d; i++)
                    for (int j = 0; j < i; j++) col[i] -= a[i * d + j] * col[j];
                for (int i = d - 1; i >= 0; i--)
                {
                    for (int j = i + 1; j < d; j++) col[i] -= a[i * d + j] * col[j];
                    col[i] /= a[i * d + i];
                }
                for (int i = 0; i < d; i++) inv[i * d + c] = col[i];
            }
            return true;
        }
    }

    /// <summary>Backward of A⁻¹: ∂L/∂A = −A⁻ᵀ·G·A⁻ᵀ per matrix (saves the output A⁻¹).</summary>
    internal sealed class InverseFn(Tensor inverse, int d) : Function
    {
        public override string Name => "inverse";
        protected internal override void Backward(Tensor g)
        {
            var gx = Tensor.EmptyLike(g);
            int batch = g.Length / Math.Max(1, d * d);
            var t = new double[d * d];
            var inv = inverse.Span;
            var gs = g.Span;
            var o = gx.Span;
            for (int b = 0; b < batch; b++)
            {
                int off = b * d * d;
                // t = A⁻ᵀ·G : t[i,j] = Σ_k inv[k,i]·G[k,j]
                for (int i = 0; i < d; i++)
                    for (int j = 0; j < d; j++)
                    {
                        double s = 0;
                        for (int k = 0; k < d; k++) s += inv[off + k * d + i] * gs[off + k * d + j];
                        t[i * d + j] = s;
                    }
                // −t·A⁻ᵀ : [i,j] = −Σ_k t[i,k]·inv[j,k]
                for (int i = 0; i < d; i++)
                    for (int j = 0; j < d; j++)
                    {
                        double s = 0;
                        for (int k = 0; k < d; k++) s += t[i * d + k] * inv[off + j * d + k];
                        o[off + i * d + j] = (float)-s;
                    }
            }
            Accumulate(Inputs[0], gx, true);
        }
    }

    /// <summary>Backward of ln det A: ∂L/∂A = g·A⁻ᵀ per matrix (saves A⁻¹).</summary>
    internal sealed class LogDetFn(float[] inverse, int d) : Function
    {
        public override string Name => "logdet";
        protected internal override void Backward(Tensor g)
        {
            var x = Inputs[0];
            var gx = Tensor.EmptyLike(x);
            int batch = g.Length;
            var o = gx.Span;
            for (int b = 0; b < batch; b++)
            {
                float gb = g.Span[b];
                int off = b * d * d;
                for (int i = 0; i < d; i++)
                    for (int j = 0; j < d; j++) o[off + i * d + j] = gb * inverse[off + j * d + i];
            }
            Accumulate(x, gx, true);
        }
    }
}
