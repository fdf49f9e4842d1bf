using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Bottleneck.Kernels;

/// <summary>
/// Packing of op(A) and op(B) blocks into the contiguous sliver layouts read by <see cref="GemmMicroKernels"/>.
/// Transposition is resolved here, so the micro-kernel only ever sees one layout:
/// A block (mc×kc) → slivers of MR rows, element (i, p) at <c>sliver·MR·kc + p·MR + i</c>;
/// B block (kc×nc) → slivers of NR columns, element (p, j) at <c>sliver·NR·kc + p·NR + j</c>.
/// Partial slivers at the edges are zero-padded so the micro-kernel can always run a full tile.
/// </summary>
internal static unsafe class GemmPacking
{
    /// <summary>
    /// Packs the mc×kc block of op(A) starting at <paramref name="a"/> into slivers of <paramref name="mr"/> rows at
    /// <paramref name="dst"/>. Without <paramref name="transA"/> op(A)[i, p] = a[i·lda + p], with it a[p·lda + i].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackA(bool transA, float* a, int lda, int mc, int kc, int mr, float* dst)
    {
        for (int s = 0; s < mc; s += mr)
        {
            int rows = Math.Min(mr, mc - s);
            float* d = dst + (nint)s * kc;
            if (transA)
                CopyStrided(a + s, lda, kc, rows, d, mr);
            else
                TransposeInto(a + (nint)s * lda, lda, rows, kc, d, mr);
            if (rows < mr)
                ZeroTail(d, kc, rows, mr);
        }
    }

    /// <summary>
    /// Packs the kc×nc block of op(B) starting at <paramref name="b"/> into slivers of <paramref name="nr"/> columns at
    /// <paramref name="dst"/>. Without <paramref name="transB"/> op(B)[p, j] = b[p·ldb + j], with it b[j·ldb + p].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackB(bool transB, float* b, int ldb, int nc, int kc, int nr, float* dst)
    {
        for (int s = 0; s < nc; s += nr)
        {
            int cols = Math.Min(nr, nc - s);
            float* d = dst + (nint)s * kc;
            if (transB)
                TransposeInto(b + (nint)s * ldb, ldb, cols, kc, d, nr);
            else
                CopyStrided(b + s, ldb, kc, cols, d, nr);
            if (cols < nr)
                ZeroTail(d, kc, cols, nr);
        }
    }

    /// <summary>dst[p·ds + j] = src[p·ld + j] for p &lt; count, j &lt; width (row copies).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void CopyStrided(float* src, int ld, int count, int width, float* dst, int ds)
    {
        for (int p = 0; p < count; p++)
        {
            float* s = src + (nint)p * ld;
            float* d = dst + (nint)p * ds;
            int j = 0;
            if (Vector512.IsHardwareAccelerated)
            {
                for (; j + 16 <= width; j += 16)
                    Vector512.Store(Vector512.Load(s + j), d + j);
            }
            for (; j + 8 <= width; j += 8)
                Vector256.Store(Vector256.Load(s + j), d + j);
            for (; j + 4 <= width; j += 4)
                Vector128.Store(Vector128.Load(s + j), d + j);
            for (; j < width; j++)
                d[j] = s[j];
        }
    }

    /// <summary>Zeroes dst[p·ds + j] for valid ≤ j &lt; ds (padding of a partial sliver).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ZeroTail(float* dst, int count, int valid, int ds)
    {
        for (int p = 0; p < count; p++)
            new Span<float>(dst + (nint)p * ds + valid, ds - valid).Clear();
    }

    /// <summary>dst[p·ds + r] = src[r·ld + p] for r &lt; rows, p &lt; cols, using 8×8 (AVX) and 4×4 (SSE) register transposes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TransposeInto(float* src, int ld, int rows, int cols, float* dst, int ds)
    {
        int r = 0;
        if (Avx.IsSupported)
        {
            for (; r + 8 <= rows; r += 8)
            {
                int p = 0;
                for (; p + 8 <= cols; p += 8)
                    Transpose8x8(src + (nint)r * ld + p, ld, dst + (nint)p * ds + r, ds);
                TransposeScalar(src + (nint)r * ld, ld, 8, p, cols, dst + r, ds);
            }
        }
        if (Sse.IsSupported)
        {
            for (; r + 4 <= rows; r += 4)
            {
                int p = 0;
                for (; p + 4 <= cols; p += 4)
                    Transpose4x4(src + (nint)r * ld + p, ld, dst + (nint)p * ds + r, ds);
                TransposeScalar(src + (nint)r * ld, ld, 4, p, cols, dst + r, ds);
            }
        }
        if (r < rows)
            TransposeScalar(src + (nint)r * ld, ld, rows - r, 0, cols, dst + r, ds);
    }

    /// <summary>Scalar transpose of columns [p0, cols) of a rows-tall strip.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TransposeScalar(float* src, int ld, int rows, int p0, int cols, float* dst, int ds)
    {
        for (int i = 0; i < rows; i++)
        {
            float* s = src + (nint)i * ld;
            for (int p = p0; p < cols; p++)
                dst[(nint)p * ds + i] = s[p];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(float* s, int ld, float* d, int ds)
    {
        Vector256<float> r0 = Avx.LoadVector256(s);
        Vector256<float> r1 = Avx.LoadVector256(s + ld);
        Vector256<float> r2 = Avx.LoadVector256(s + 2 * (nint)ld);
        Vector256<float> r3 = Avx.LoadVector256(s + 3 * (nint)ld);
        Vector256<float> r4 = Avx.LoadVector256(s + 4 * (nint)ld);
        Vector256<float> r5 = Avx.LoadVector256(s + 5 * (nint)ld);
        Vector256<float> r6 = Avx.LoadVector256(s + 6 * (nint)ld);
        Vector256<float> r7 = Avx.LoadVector256(s + 7 * (nint)ld);
        // Interleave pairs of rows within 128-bit lanes.
        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
        Vector256<float> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5);
        Vector256<float> t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
        // Gather 4-row column fragments: u0 = col 0|4 of rows 0-3, u1 = col 1|5, u2 = col 2|6, u3 = col 3|7.
        Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44), u1 = Avx.Shuffle(t0, t2, 0xEE);
        Vector256<float> u2 = Avx.Shuffle(t1, t3, 0x44), u3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> u4 = Avx.Shuffle(t4, t6, 0x44), u5 = Avx.Shuffle(t4, t6, 0xEE);
        Vector256<float> u6 = Avx.Shuffle(t5, t7, 0x44), u7 = Avx.Shuffle(t5, t7, 0xEE);
        // Join rows 0-3 and 4-7 halves across lanes.
        Avx.Store(d, Avx.Permute2x128(u0, u4, 0x20));
        Avx.Store(d + ds, Avx.Permute2x128(u1, u5, 0x20));
        Avx.Store(d + 2 * (nint)ds, Avx.Permute2x128(u2, u6, 0x20));
        Avx.Store(d + 3 * (nint)ds, Avx.Permute2x128(u3, u7, 0x20));
        Avx.Store(d + 4 * (nint)ds, Avx.Permute2x128(u0, u4, 0x31));
        Avx.Store(d + 5 * (nint)ds, Avx.Permute2x128(u1, u5, 0x31));
        Avx.Store(d + 6 * (nint)ds, Avx.Permute2x128(u2, u6, 0x31));
        Avx.Store(d + 7 * (nint)ds, Avx.Permute2x128(u3, u7, 0x31));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose4x4(float* s, int ld, float* d, int ds)
    {
        Vector128<float> r0 = Sse.LoadVector128(s);
        Vector128<float> r1 = Sse.LoadVector128(s + ld);
        Vector128<float> r2 = Sse.LoadVector128(s + 2 * (nint)ld);
        Vector128<float> r3 = Sse.LoadVector128(s + 3 * (nint)ld);
        Vector128<float> t0 = Sse.UnpackLow(r0, r1), t1 = Sse.UnpackHigh(r0, r1);
        Vector128<float> t2 = Sse.UnpackLow(r2, r3), t3 = Sse.UnpackHigh(r2, r3);
        Sse.Store(d, Sse.MoveLowToHigh(t0, t2));
        Sse.Store(d + ds, Sse.MoveHighToLow(t2, t0));
        Sse.Store(d + 2 * (nint)ds, Sse.MoveLowToHigh(t1, t3));
        Sse.Store(d + 3 * (nint)ds, Sse.MoveHighToLow(t3, t1));
    }
}
