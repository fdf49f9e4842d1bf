namespace Bottleneck.Kernels;

/// <summary>
/// A single-precision general matrix multiply backend computing
/// <c>C = alpha·op(A)·op(B) + beta·C</c> on row-major matrices.
/// </summary>
/// <remarks>
/// Implementations: <see cref="OpenBlasGemm"/> (native OpenBLAS, loaded at run time) and
/// <see cref="ManagedGemm"/> (pure C# SIMD, always available). Use <see cref="Gemm.Provider"/> to get the
/// process-wide choice.
/// </remarks>
public interface IGemmProvider
{
    /// <summary>Short backend name: <c>"openblas"</c> or <c>"managed"</c> (the value accepted by <c>BOTTLENECK_BACKEND</c>).</summary>
    string Name { get; }

    /// <summary>Whether this backend can run on this machine (for OpenBLAS: whether the native library loaded).</summary>
    bool IsAvailable { get; }

    /// <summary>Human-readable description, e.g. <c>"openblas (libopenblas.so.0, 2 threads)"</c>.</summary>
    /// <returns>The backend name with its library/kernel and thread count.</returns>
    string Describe();

    /// <summary>
    /// Computes <c>C = alpha·op(A)·op(B) + beta·C</c> on row-major matrices, where op(X) is X or Xᵀ.
    /// op(A) is m×k (A is stored m×k, or k×m when <paramref name="transA"/>), op(B) is k×n (B is stored k×n,
    /// or n×k when <paramref name="transB"/>) and C is m×n.
    /// When <paramref name="beta"/> is 0 the old contents of C (even NaN) are ignored and C is overwritten, as in BLAS.
    /// </summary>
    /// <param name="transA">Use Aᵀ: A is stored k×m.</param>
    /// <param name="transB">Use Bᵀ: B is stored n×k.</param>
    /// <param name="m">Rows of op(A) and of C (≥ 0).</param>
    /// <param name="n">Columns of op(B) and of C (≥ 0).</param>
    /// <param name="k">Columns of op(A) = rows of op(B) (≥ 0). With k = 0 the result is <c>beta·C</c>.</param>
    /// <param name="alpha">Scale of the product.</param>
    /// <param name="a">First element of A.</param>
    /// <param name="lda">Row stride of A in elements (≥ its stored column count).</param>
    /// <param name="b">First element of B.</param>
    /// <param name="ldb">Row stride of B in elements (≥ its stored column count).</param>
    /// <param name="beta">Scale of the old C; 0 means overwrite.</param>
    /// <param name="c">First element of C; must not overlap A or B.</param>
    /// <param name="ldc">Row stride of C in elements (≥ n).</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is negative.</exception>
    unsafe void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc);
}
