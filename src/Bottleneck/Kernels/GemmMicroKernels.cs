// The unrolled accumulator kernels below were written with the help of a small generator script
// (one FMA per accumulator per k step); edit the pattern consistently if you change them.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Bottleneck.Kernels;

/// <summary>
/// Register-blocked GEMM micro-kernels: each computes one MR×NR tile of C from a packed A sliver
/// (kc steps of MR values, k-major) and a packed B sliver (kc steps of NR values), keeping the whole
/// tile in vector registers for the k loop and touching C once at the end.
/// </summary>
internal static unsafe class GemmMicroKernels
{
    /// <summary>12×32 tile with Vector512 FMA: C[0..12, 0..32] = alpha·Σ_p pa[p·12+i]·pb[p·32+j] + beta·C (beta = 0 ignores C).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Kernel12x32Vector512(int kc, float* pa, float* pb, float* c, nint ldc, float alpha, float beta)
    {
        Vector512<float> c0_0 = default; Vector512<float> c0_1 = default;
        Vector512<float> c1_0 = default; Vector512<float> c1_1 = default;
        Vector512<float> c2_0 = default; Vector512<float> c2_1 = default;
        Vector512<float> c3_0 = default; Vector512<float> c3_1 = default;
        Vector512<float> c4_0 = default; Vector512<float> c4_1 = default;
        Vector512<float> c5_0 = default; Vector512<float> c5_1 = default;
        Vector512<float> c6_0 = default; Vector512<float> c6_1 = default;
        Vector512<float> c7_0 = default; Vector512<float> c7_1 = default;
        Vector512<float> c8_0 = default; Vector512<float> c8_1 = default;
        Vector512<float> c9_0 = default; Vector512<float> c9_1 = default;
        Vector512<float> c10_0 = default; Vector512<float> c10_1 = default;
        Vector512<float> c11_0 = default; Vector512<float> c11_1 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector512<float> b0 = Vector512.Load(pb + 0);
            Vector512<float> b1 = Vector512.Load(pb + 16);
            Vector512<float> a0 = Vector512.Create(pa[0]);
            c0_0 = Vector512.FusedMultiplyAdd(a0, b0, c0_0);
            c0_1 = Vector512.FusedMultiplyAdd(a0, b1, c0_1);
            Vector512<float> a1 = Vector512.Create(pa[1]);
            c1_0 = Vector512.FusedMultiplyAdd(a1, b0, c1_0);
            c1_1 = Vector512.FusedMultiplyAdd(a1, b1, c1_1);
            Vector512<float> a2 = Vector512.Create(pa[2]);
            c2_0 = Vector512.FusedMultiplyAdd(a2, b0, c2_0);
            c2_1 = Vector512.FusedMultiplyAdd(a2, b1, c2_1);
            Vector512<float> a3 = Vector512.Create(pa[3]);
            c3_0 = Vector512.FusedMultiplyAdd(a3, b0, c3_0);
            c3_1 = Vector512.FusedMultiplyAdd(a3, b1, c3_1);
            Vector512<float> a4 = Vector512.Create(pa[4]);
            c4_0 = Vector512.FusedMultiplyAdd(a4, b0, c4_0);
            c4_1 = Vector512.FusedMultiplyAdd(a4, b1, c4_1);
            Vector512<float> a5 = Vector512.Create(pa[5]);
            c5_0 = Vector512.FusedMultiplyAdd(a5, b0, c5_0);
            c5_1 = Vector512.FusedMultiplyAdd(a5, b1, c5_1);
            Vector512<float> a6 = Vector512.Create(pa[6]);
            c6_0 = Vector512.FusedMultiplyAdd(a6, b0, c6_0);
            c6_1 = Vector512.FusedMultiplyAdd(a6, b1, c6_1);
            Vector512<float> a7 = Vector512.Create(pa[7]);
            c7_0 = Vector512.FusedMultiplyAdd(a7, b0, c7_0);
            c7_1 = Vector512.FusedMultiplyAdd(a7, b1, c7_1);
            Vector512<float> a8 = Vector512.Create(pa[8]);
            c8_0 = Vector512.FusedMultiplyAdd(a8, b0, c8_0);
            c8_1 = Vector512.FusedMultiplyAdd(a8, b1, c8_1);
            Vector512<float> a9 = Vector512.Create(pa[9]);
            c9_0 = Vector512.FusedMultiplyAdd(a9, b0, c9_0);
            c9_1 = Vector512.FusedMultiplyAdd(a9, b1, c9_1);
            Vector512<float> a10 = Vector512.Create(pa[10]);
            c10_0 = Vector512.FusedMultiplyAdd(a10, b0, c10_0);
            c10_1 = Vector512.FusedMultiplyAdd(a10, b1, c10_1);
            Vector512<float> a11 = Vector512.Create(pa[11]);
            c11_0 = Vector512.FusedMultiplyAdd(a11, b0, c11_0);
            c11_1 = Vector512.FusedMultiplyAdd(a11, b1, c11_1);
            pa += 12;
            pb += 32;
        }
        Vector512<float> va = Vector512.Create(alpha);
        if (beta == 0f)
        {
            float* r0 = c;
            Vector512.Store(c0_0 * va, r0 + 0);
            Vector512.Store(c0_1 * va, r0 + 16);
            float* r1 = c + 1 * ldc;
            Vector512.Store(c1_0 * va, r1 + 0);
            Vector512.Store(c1_1 * va, r1 + 16);
            float* r2 = c + 2 * ldc;
            Vector512.Store(c2_0 * va, r2 + 0);
            Vector512.Store(c2_1 * va, r2 + 16);
            float* r3 = c + 3 * ldc;
            Vector512.Store(c3_0 * va, r3 + 0);
            Vector512.Store(c3_1 * va, r3 + 16);
            float* r4 = c + 4 * ldc;
            Vector512.Store(c4_0 * va, r4 + 0);
            Vector512.Store(c4_1 * va, r4 + 16);
            float* r5 = c + 5 * ldc;
            Vector512.Store(c5_0 * va, r5 + 0);
            Vector512.Store(c5_1 * va, r5 + 16);
            float* r6 = c + 6 * ldc;
            Vector512.Store(c6_0 * va, r6 + 0);
            Vector512.Store(c6_1 * va, r6 + 16);
            float* r7 = c + 7 * ldc;
            Vector512.Store(c7_0 * va, r7 + 0);
            Vector512.Store(c7_1 * va, r7 + 16);
            float* r8 = c + 8 * ldc;
            Vector512.Store(c8_0 * va, r8 + 0);
            Vector512.Store(c8_1 * va, r8 + 16);
            float* r9 = c + 9 * ldc;
            Vector512.Store(c9_0 * va, r9 + 0);
            Vector512.Store(c9_1 * va, r9 + 16);
            float* r10 = c + 10 * ldc;
            Vector512.Store(c10_0 * va, r10 + 0);
            Vector512.Store(c10_1 * va, r10 + 16);
            float* r11 = c + 11 * ldc;
            Vector512.Store(c11_0 * va, r11 + 0);
            Vector512.Store(c11_1 * va, r11 + 16);
        }
        else if (beta == 1f)
        {
            float* r0 = c;
            Vector512.Store(Vector512.FusedMultiplyAdd(c0_0, va, Vector512.Load(r0 + 0)), r0 + 0);
            Vector512.Store(Vector512.FusedMultiplyAdd(c0_1, va, Vector512.Load(r0 + 16)), r0 + 16);
            float* r1 = c + 1 * ldc;
            Vector512.Store(Vector512.FusedMultiplyAdd(c1_0, va, Vector512.Load(r1 + 0)), r1 + 0);
            Vector512.Store(Vector512.FusedMultiplyAdd(c1_1, va, Vector512.Load(r1 + 16)), r1 + 16);
            float* r2 = c + 2 * ldc;
            Vector512.Store(Vector512.FusedMultiplyAdd(c2_0, va, Vector512.Load(r2 + 0)), r2 + 0);
            Vector512.Store(Vector512.FusedMultiplyAdd(c2_1, va, Vector512.Load(r2 + 16)), r2 + 16);
            float* r3 = c + 3 * ldc;
            Vector512.Store(Vector512.FusedMultiplyAdd(c3_0, va, Vector512.Load(r3 + 0)), r3 + 0);
            Vector512.Store(Vector512.FusedMultiplyAdd(c3_1, va, Vector512.Load(r3 + 16)), r3 + 16);
            float* r4 = c + 4 * ldc;
            Vector512.Store(Vector512.FusedMultiplyAdd(c4_0, va, Vector512.Load(r4 + 0)), r4 + 0);
            Vector512.Store(Vector512.FusedMultiplyAdd(c4_1, va, Vector512.Load(r4 + 16)), r4 + 16);
            float* r5 = c + 5 * ldc;
            Vector512.Store(Vector512.FusedMultiplyAdd(c5_0, va, Vector512.Load(r5 + 0)), r5 + 0);
            Vector512.Store(Vector512.FusedMultiplyAdd(c5_1, va, Vector512.Load(r5 + 16)), r5 + 16);
            float* r6 = c + 6 * ldc;
            Vector512.Store(Vector512.FusedMultiplyAdd(c6_0, va, Vector512.Load(r6 + 0)), r6 + 0);
            Vector512.Store(Vector512.FusedMultiplyAdd(c6_1, va, Vector512.Load(r6 + 16)), r6 + 16);
            float* r7 = c + 7 * ldc;
            Vector512.Store(Vector512.FusedMultiplyAdd(c7_0, va, Vector512.Load(r7 + 0)), r7 + 0);
            Vector512.Store(Vector512.FusedMultiplyAdd(c7_1, va, Vector512.Load(r7 + 16)), r7 + 16);
            float* r8 = c + 8 * ldc;
            Vector512.Store(Vector512.FusedMultiplyAdd(c8_0, va, Vector512.Load(r8 + 0)), r8 + 0);
            Vector512.Store(Vector512.FusedMultiplyAdd(c8_1, va, Vector512.Load(r8 + 16)), r8 + 16);
            float* r9 = c + 9 * ldc;
            Vector512.Store(Vector512.FusedMultiplyAdd(c9_0, va, Vector512.Load(r9 + 0)), r9 + 0);
            Vector512.Store(Vector512.FusedMultiplyAdd(c9_1, va, Vector512.Load(r9 + 16)), r9 + 16);
            float* r10 = c + 10 * ldc;
            Vector512.Store(Vector512.FusedMultiplyAdd(c10_0, va, Vector512.Load(r10 + 0)), r10 + 0);
            Vector512.Store(Vector512.FusedMultiplyAdd(c10_1, va, Vector512.Load(r10 + 16)), r10 + 16);
            float* r11 = c + 11 * ldc;
            Vector512.Store(Vector512.FusedMultiplyAdd(c11_0, va, Vector512.Load(r11 + 0)), r11 + 0);
            Vector512.Store(Vector512.FusedMultiplyAdd(c11_1, va, Vector512.Load(r11 + 16)), r11 + 16);
        }
        else
        {
            Vector512<float> vb = Vector512.Create(beta);
            float* r0 = c;
            Vector512.Store(Vector512.FusedMultiplyAdd(c0_0, va, Vector512.Load(r0 + 0) * vb), r0 + 0);
            Vector512.Store(Vector512.FusedMultiplyAdd(c0_1, va, Vector512.Load(r0 + 16) * vb), r0 + 16);
            float* r1 = c + 1 * ldc;
            Vector512.Store(Vector512.FusedMultiplyAdd(c1_0, va, Vector512.Load(r1 + 0) * vb), r1 + 0);
            Vector512.Store(Vector512.FusedMultiplyAdd(c1_1, va, Vector512.Load(r1 + 16) * vb), r1 + 16);
            float* r2 = c + 2 * ldc;
            Vector512.Store(Vector512.FusedMultiplyAdd(c2_0, va, Vector512.Load(r2 + 0) * vb), r2 + 0);
            Vector512.Store(Vector512.FusedMultiplyAdd(c2_1, va, Vector512.Load(r2 + 16) * vb), r2 + 16);
            float* r3 = c + 3 * ldc;
            Vector512.Store(Vector512.FusedMultiplyAdd(c3_0, va, Vector512.Load(r3 + 0) * vb), r3 + 0);
            Vector512.Store(Vector512.FusedMultiplyAdd(c3_1, va, Vector512.Load(r3 + 16) * vb), r3 + 16);
            float* r4 = c + 4 * ldc;
            Vector512.Store(Vector512.FusedMultiplyAdd(c4_0, va, Vector512.Load(r4 + 0) * vb), r4 + 0);
            Vector512.Store(Vector512.FusedMultiplyAdd(c4_1, va, Vector512.Load(r4 + 16) * vb), r4 + 16);
            float* r5 = c + 5 * ldc;
            Vector512.Store(Vector512.FusedMultiplyAdd(c5_0, va, Vector512.Load(r5 + 0) * vb), r5 + 0);
            Vector512.Store(Vector512.FusedMultiplyAdd(c5_1, va, Vector512.Load(r5 + 16) * vb), r5 + 16);
            float* r6 = c + 6 * ldc;
            Vector512.Store(Vector512.FusedMultiplyAdd(c6_0, va, Vector512.Load(r6 + 0) * vb), r6 + 0);
            Vector512.Store(Vector512.FusedMultiplyAdd(c6_1, va, Vector512.Load(r6 + 16) * vb), r6 + 16);
            float* r7 = c + 7 * ldc;
            Vector512.Store(Vector512.FusedMultiplyAdd(c7_0, va, Vector512.Load(r7 + 0) * vb), r7 + 0);
            Vector512.Store(Vector512.FusedMultiplyAdd(c7_1, va, Vector512.Load(r7 + 16) * vb), r7 + 16);
            float* r8 = c + 8 * ldc;
            Vector512.Store(Vector512.FusedMultiplyAdd(c8_0, va, Vector512.Load(r8 + 0) * vb), r8 + 0);
            Vector512.Store(Vector512.FusedMultiplyAdd(c8_1, va, Vector512.Load(r8 + 16) * vb), r8 + 16);
            float* r9 = c + 9 * ldc;
            Vector512.Store(Vector512.FusedMultiplyAdd(c9_0, va, Vector512.Load(r9 + 0) * vb), r9 + 0);
            Vector512.Store(Vector512.FusedMultiplyAdd(c9_1, va, Vector512.Load(r9 + 16) * vb), r9 + 16);
            float* r10 = c + 10 * ldc;
            Vector512.Store(Vector512.FusedMultiplyAdd(c10_0, va, Vector512.Load(r10 + 0) * vb), r10 + 0);
            Vector512.Store(Vector512.FusedMultiplyAdd(c10_1, va, Vector512.Load(r10 + 16) * vb), r10 + 16);
            float* r11 = c + 11 * ldc;
            Vector512.Store(Vector512.FusedMultiplyAdd(c11_0, va, Vector512.Load(r11 + 0) * vb), r11 + 0);
            Vector512.Store(Vector512.FusedMultiplyAdd(c11_1, va, Vector512.Load(r11 + 16) * vb), r11 + 16);
        }
    }

    /// <summary>14×32 tile with Vector512 FMA: C[0..14, 0..32] = alpha·Σ_p pa[p·14+i]·pb[p·32+j] + beta·C (beta = 0 ignores C).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Kernel14x32Vector512(int kc, float* pa, float* pb, float* c, nint ldc, float alpha, float beta)
    {
        Vector512<float> c0_0 = default; Vector512<float> c0_1 = default;
        Vector512<float> c1_0 = default; Vector512<float> c1_1 = default;
        Vector512<float> c2_0 = default; Vector512<float> c2_1 = default;
        Vector512<float> c3_0 = default; Vector512<float> c3_1 = default;
        Vector512<float> c4_0 = default; Vector512<float> c4_1 = default;
        Vector512<float> c5_0 = default; Vector512<float> c5_1 = default;
        Vector512<float> c6_0 = default; Vector512<float> c6_1 = default;
        Vector512<float> c7_0 = default; Vector512<float> c7_1 = default;
        Vector512<float> c8_0 = default; Vector512<float> c8_1 = default;
        Vector512<float> c9_0 = default; Vector512<float> c9_1 = default;
        Vector512<float> c10_0 = default; Vector512<float> c10_1 = default;
        Vector512<float> c11_0 = default; Vector512<float> c11_1 = default;
        Vector512<float> c12_0 = default; Vector512<float> c12_1 = default;
        Vector512<float> c13_0 = default; Vector512<float> c13_1 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector512<float> b0 = Vector512.Load(pb + 0);
            Vector512<float> b1 = Vector512.Load(pb + 16);
            Vector512<float> a0 = Vector512.Create(pa[0]);
            c0_0 = Vector512.FusedMultiplyAdd(a0, b0, c0_0);
            c0_1 = Vector512.FusedMultiplyAdd(a0, b1, c0_1);
            Vector512<float> a1 = Vector512.Create(pa[1]);
            c1_0 = Vector512.FusedMultiplyAdd(a1, b0, c1_0);
            c1_1 = Vector512.FusedMultiplyAdd(a1, b1, c1_1);
            Vector512<float> a2 = Vector512.Create(pa[2]);
            c2_0 = Vector512.FusedMultiplyAdd(a2, b0, c2_0);
            c2_1 = Vector512.FusedMultiplyAdd(a2, b1, c2_1);
            Vector512<float> a3 = Vector512.Create(pa[3]);
            c3_0 = Vector512.FusedMultiplyAdd(a3, b0, c3_0);
            c3_1 = Vector512.FusedMultiplyAdd(a3, b1, c3_1);
            Vector512<float> a4 = Vector512.Create(pa[4]);
            c4_0 = Vector512.FusedMultiplyAdd(a4, b0, c4_0);
            c4_1 = Vector512.FusedMultiplyAdd(a4, b1, c4_1);
            Vector512<float> a5 = Vector512.Create(pa[5]);
            c5_0 = Vector512.FusedMultiplyAdd(a5, b0, c5_0);
            c5_1 = Vector512.FusedMultiplyAdd(a5, b1, c5_1);
            Vector512<float> a6 = Vector512.Create(pa[6]);
            c6_0 = Vector512.FusedMultiplyAdd(a6, b0, c6_0);
            c6_1 = Vector512.FusedMultiplyAdd(a6, b1, c6_1);
            Vector512<float> a7 = Vector512.Create(pa[7]);
            c7_0 = Vector512.FusedMultiplyAdd(a7, b0, c7_0);
            c7_1 = Vector512.FusedMultiplyAdd(a7, b1, c7_1);
            Vector512<float> a8 = Vector512.Create(pa[8]);
            c8_0 = Vector512.FusedMultiplyAdd(a8, b0, c8_0);
            c8_1 = Vector512.FusedMultiplyAdd(a8, b1, c8_1);
            Vector512<float> a9 = Vector512.Create(pa[9]);
            c9_0 = Vector512.FusedMultiplyAdd(a9, b0, c9_0);
            c9_1 = Vector512.FusedMultiplyAdd(a9, b1, c9_1);
            Vector512<float> a10 = Vector512.Create(pa[10]);
            c10_0 = Vector512.FusedMultiplyAdd(a10, b0, c10_0);
            c10_1 = Vector512.FusedMultiplyAdd(a10, b1, c10_1);
            Vector512<float> a11 = Vector512.Create(pa[11]);
            c11_0 = Vector512.FusedMultiplyAdd(a11, b0, c11_0);
            c11_1 = Vector512.FusedMultiplyAdd(a11, b1, c11_1);
            Vector512<float> a12 = Vector512.Create(pa[12]);
            c12_0 = Vector512.FusedMultiplyAdd(a12, b0, c12_0);
            c12_1 = Vector512.FusedMultiplyAdd(a12, b1, c12_1);
            Vector512<float> a13 = Vector512.Create(pa[13]);
            c13_0 = Vector512.FusedMultiplyAdd(a13, b0, c13_0);
            c13_1 = Vector512.FusedMultiplyAdd(a13, b1, c13_1);
            pa += 14;
            pb += 32;
        }
        Vector512<float> va = Vector512.Create(alpha);
        if (beta == 0f)
        {
            float* r0 = c;
            Vector512.Store(c0_0 * va, r0 + 0);
            Vector512.Store(c0_1 * va, r0 + 16);
            float* r1 = c + 1 * ldc;
            Vector512.Store(c1_0 * va, r1 + 0);
            Vector512.Store(c1_1 * va, r1 + 16);
            float* r2 = c + 2 * ldc;
            Vector512.Store(c2_0 * va, r2 + 0);
            Vector512.Store(c2_1 * va, r2 + 16);
            float* r3 = c + 3 * ldc;
            Vector512.Store(c3_0 * va, r3 + 0);
            Vector512.Store(c3_1 * va, r3 + 16);
            float* r4 = c + 4 * ldc;
            Vector512.Store(c4_0 * va, r4 + 0);
            Vector512.Store(c4_1 * va, r4 + 16);
            float* r5 = c + 5 * ldc;
            Vector512.Store(c5_0 * va, r5 + 0);
            Vector512.Store(c5_1 * va, r5 + 16);
            float* r6 = c + 6 * ldc;
            Vector512.Store(c6_0 * va, r6 + 0);
            Vector512.Store(c6_1 * va, r6 + 16);
            float* r7 = c + 7 * ldc;
            Vector512.Store(c7_0 * va, r7 + 0);
            Vector512.Store(c7_1 * va, r7 + 16);
            float* r8 = c + 8 * ldc;
            Vector512.Store(c8_0 * va, r8 + 0);
            Vector512.Store(c8_1 * va, r8 + 16);
            float* r9 = c + 9 * ldc;
            Vector512.Store(c9_0 * va, r9 + 0);
            Vector512.Store(c9_1 * va, r9 + 16);
            float* r10 = c + 10 * ldc;
            Vector512.Store(c10_0 * va, r10 + 0);
            Vector512.Store(c10_1 * va, r10 + 16);
            float* r11 = c + 11 * ldc;
            Vector512.Store(c11_0 * va, r11 + 0);
            Vector512.Store(c11_1 * va, r11 + 16);
            float* r12 = c + 12 * ldc;
            Vector512.Store(c12_0 * va, r12 + 0);
            Vector512.Store(c12_1 * va, r12 + 16);
            float* r13 = c + 13 * ldc;
            Vector512.Store(c13_0 * va, r13 + 0);
            Vector512.Store(c13_1 * va, r13 + 16);
        }
        else if (beta == 1f)
        {
            float* r0 = c;
            Vector512.Store(Vector512.FusedMultiplyAdd(c0_0, va, Vector512.Load(r0 + 0)), r0 + 0);
            Vector512.Store(Vector512.FusedMultiplyAdd(c0_1, va, Vector512.Load(r0 + 16)), r0 + 16);
            float* r1 = c + 1 * ldc;
            Vector512.Store(Vector512.FusedMultiplyAdd(c1_0, va, Vector512.Load(r1 + 0)), r1 + 0);
            Vector512.Store(Vector512.FusedMultiplyAdd(c1_1, va, Vector512.Load(r1 + 16)), r1 + 16);
            float* r2 = c + 2 * ldc;
            Vector512.Store(Vector512.FusedMultiplyAdd(c2_0, va, Vector512.Load(r2 + 0)), r2 + 0);
            Vector512.Store(Vector512.FusedMultiplyAdd(c2_1, va, Vector512.Load(r2 + 16)), r2 + 16);
            float* r3 = c + 3 * ldc;
            Vector512.Store(Vector512.FusedMultiplyAdd(c3_0, va, Vector512.Load(r3 + 0)), r3 + 0);
            Vector512.Store(Vector512.FusedMultiplyAdd(c3_1, va, Vector512.Load(r3 + 16)), r3 + 16);
            float* r4 = c + 4 * ldc;
            Vector512.Store(Vector512.FusedMultiplyAdd(c4_0, va, Vector512.Load(r4 + 0)), r4 + 0);
            Vector512.Store(Vector512.FusedMultiplyAdd(c4_1, va, Vector512.Load(r4 + 16)), r4 + 16);
            float* r5 = c + 5 * ldc;
            Vector512.Store(Vector512.FusedMultiplyAdd(c5_0, va, Vector512.Load(r5 + 0)), r5 + 0);
            Vector512.Store(Vector512.FusedMultiplyAdd(c5_1, va, Vector512.Load(r5 + 16)), r5 + 16);
            float* r6 = c + 6 * ldc;
            Vector512.Store(Vector512.FusedMultiplyAdd(c6_0, va, Vector512.Load(r6 + 0)), r6 + 0);
            Vector512.Store(Vector512.FusedMultiplyAdd(c6_1, va, Vector512.Load(r6 + 16)), r6 + 16);
            float* r7 = c + 7 * ldc;
            Vector512.Store(Vector512.FusedMultiplyAdd(c7_0, va, Vector512.Load(r7 + 0)), r7 + 0);
            Vector512.Store(Vector512.FusedMultiplyAdd(c7_1, va, Vector512.Load(r7 + 16)), r7 + 16);
            float* r8 = c + 8 * ldc;
            Vector512.Store(Vector512.FusedMultiplyAdd(c8_0, va, Vector512.Load(r8 + 0)), r8 + 0);
            Vector512.Store(Vector512.FusedMultiplyAdd(c8_1, va, Vector512.Load(r8 + 16)), r8 + 16);
            float* r9 = c + 9 * ldc;
            Vector512.Store(Vector512.FusedMultiplyAdd(c9_0, va, Vector512.Load(r9 + 0)), r9 + 0);
            Vector512.Store(Vector512.FusedMultiplyAdd(c9_1, va, Vector512.Load(r9 + 16)), r9 + 16);
            float* r10 = c + 10 * ldc;
            Vector512.Store(Vector512.FusedMultiplyAdd(c10_0, va, Vector512.Load(r10 + 0)), r10 + 0);
            Vector512.Store(Vector512.FusedMultiplyAdd(c10_1, va, Vector512.Load(r10 + 16)), r10 + 16);
            float* r11 = c + 11 * ldc;
            Vector512.Store(Vector512.FusedMultiplyAdd(c11_0, va, Vector512.Load(r11 + 0)), r11 + 0);
            Vector512.Store(Vector512.FusedMultiplyAdd(c11_1, va, Vector512.Load(r11 + 16)), r11 + 16);
            float* r12 = c + 12 * ldc;
            Vector512.Store(Vector512.FusedMultiplyAdd(c12_0, va, Vector512.Load(r12 + 0)), r12 + 0);
            Vector512.Store(Vector512.FusedMultiplyAdd(c12_1, va, Vector512.Load(r12 + 16)), r12 + 16);
            float* r13 = c + 13 * ldc;
            Vector512.Store(Vector512.FusedMultiplyAdd(c13_0, va, Vector512.Load(r13 + 0)), r13 + 0);
            Vector512.Store(Vector512.FusedMultiplyAdd(c13_1, va, Vector512.Load(r13 + 16)), r13 + 16);
        }
        else
        {
            Vector512<float> vb = Vector512.Create(beta);
            float* r0 = c;
            Vector512.Store(Vector512.FusedMultiplyAdd(c0_0, va, Vector512.Load(r0 + 0) * vb), r0 + 0);
            Vector512.Store(Vector512.FusedMultiplyAdd(c0_1, va, Vector512.Load(r0 + 16) * vb), r0 + 16);
            float* r1 = c + 1 * ldc;
            Vector512.Store(Vector512.FusedMultiplyAdd(c1_0, va, Vector512.Load(r1 + 0) * vb), r1 + 0);
            Vector512.Store(Vector512.FusedMultiplyAdd(c1_1, va, Vector512.Load(r1 + 16) * vb), r1 + 16);
            float* r2 = c + 2 * ldc;
            Vector512.Store(Vector512.FusedMultiplyAdd(c2_0, va, Vector512.Load(r2 + 0) * vb), r2 + 0);
            Vector512.Store(Vector512.FusedMultiplyAdd(c2_1, va, Vector512.Load(r2 + 16) * vb), r2 + 16);
            float* r3 = c + 3 * ldc;
            Vector512.Store(Vector512.FusedMultiplyAdd(c3_0, va, Vector512.Load(r3 + 0) * vb), r3 + 0);
            Vector512.Store(Vector512.FusedMultiplyAdd(c3_1, va, Vector512.Load(r3 + 16) * vb), r3 + 16);
            float* r4 = c + 4 * ldc;
            Vector512.Store(Vector512.FusedMultiplyAdd(c4_0, va, Vector512.Load(r4 + 0) * vb), r4 + 0);
            Vector512.Store(Vector512.FusedMultiplyAdd(c4_1, va, Vector512.Load(r4 + 16) * vb), r4 + 16);
            float* r5 = c + 5 * ldc;
            Vector512.Store(Vector512.FusedMultiplyAdd(c5_0, va, Vector512.Load(r5 + 0) * vb), r5 + 0);
            Vector512.Store(Vector512.FusedMultiplyAdd(c5_1, va, Vector512.Load(r5 + 16) * vb), r5 + 16);
            float* r6 = c + 6 * ldc;
            Vector512.Store(Vector512.FusedMultiplyAdd(c6_0, va, Vector512.Load(r6 + 0) * vb), r6 + 0);
            Vector512.Store(Vector512.FusedMultiplyAdd(c6_1, va, Vector512.Load(r6 + 16) * vb), r6 + 16);
            float* r7 = c + 7 * ldc;
            Vector512.Store(Vector512.FusedMultiplyAdd(c7_0, va, Vector512.Load(r7 + 0) * vb), r7 + 0);
            Vector512.Store(Vector512.FusedMultiplyAdd(c7_1, va, Vector512.Load(r7 + 16) * vb), r7 + 16);
            float* r8 = c + 8 * ldc;
            Vector512.Store(Vector512.FusedMultiplyAdd(c8_0, va, Vector512.Load(r8 + 0) * vb), r8 + 0);
            Vector512.Store(Vector512.FusedMultiplyAdd(c8_1, va, Vector512.Load(r8 + 16) * vb), r8 + 16);
            float* r9 = c + 9 * ldc;
            Vector512.Store(Vector512.FusedMultiplyAdd(c9_0, va, Vector512.Load(r9 + 0) * vb), r9 + 0);
            Vector512.Store(Vector512.FusedMultiplyAdd(c9_1, va, Vector512.Load(r9 + 16) * vb), r9 + 16);
            float* r10 = c + 10 * ldc;
            Vector512.Store(Vector512.FusedMultiplyAdd(c10_0, va, Vector512.Load(r10 + 0) * vb), r10 + 0);
            Vector512.Store(Vector512.FusedMultiplyAdd(c10_1, va, Vector512.Load(r10 + 16) * vb), r10 + 16);
            float* r11 = c + 11 * ldc;
            Vector512.Store(Vector512.FusedMultiplyAdd(c11_0, va, Vector512.Load(r11 + 0) * vb), r11 + 0);
            Vector512.Store(Vector512.FusedMultiplyAdd(c11_1, va, Vector512.Load(r11 + 16) * vb), r11 + 16);
            float* r12 = c + 12 * ldc;
            Vector512.Store(Vector512.FusedMultiplyAdd(c12_0, va, Vector512.Load(r12 + 0) * vb), r12 + 0);
            Vector512.Store(Vector512.FusedMultiplyAdd(c12_1, va, Vector512.Load(r12 + 16) * vb), r12 + 16);
            float* r13 = c + 13 * ldc;
            Vector512.Store(Vector512.FusedMultiplyAdd(c13_0, va, Vector512.Load(r13 + 0) * vb), r13 + 0);
            Vector512.Store(Vector512.FusedMultiplyAdd(c13_1, va, Vector512.Load(r13 + 16) * vb), r13 + 16);
        }
    }

    /// <summary>6×16 tile with Vector256 FMA: C[0..6, 0..16] = alpha·Σ_p pa[p·6+i]·pb[p·16+j] + beta·C (beta = 0 ignores C).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Kernel6x16Vector256(int kc, float* pa, float* pb, float* c, nint ldc, float alpha, float beta)
    {
        Vector256<float> c0_0 = default; Vector256<float> c0_1 = default;
        Vector256<float> c1_0 = default; Vector256<float> c1_1 = default;
        Vector256<float> c2_0 = default; Vector256<float> c2_1 = default;
        Vector256<float> c3_0 = default; Vector256<float> c3_1 = default;
        Vector256<float> c4_0 = default; Vector256<float> c4_1 = default;
        Vector256<float> c5_0 = default; Vector256<float> c5_1 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector256<float> b0 = Vector256.Load(pb + 0);
            Vector256<float> b1 = Vector256.Load(pb + 8);
            Vector256<float> a0 = Vector256.Create(pa[0]);
            c0_0 = Vector256.FusedMultiplyAdd(a0, b0, c0_0);
            c0_1 = Vector256.FusedMultiplyAdd(a0, b1, c0_1);
            Vector256<float> a1 = Vector256.Create(pa[1]);
            c1_0 = Vector256.FusedMultiplyAdd(a1, b0, c1_0);
            c1_1 = Vector256.FusedMultiplyAdd(a1, b1, c1_1);
            Vector256<float> a2 = Vector256.Create(pa[2]);
            c2_0 = Vector256.FusedMultiplyAdd(a2, b0, c2_0);
            c2_1 = Vector256.FusedMultiplyAdd(a2, b1, c2_1);
            Vector256<float> a3 = Vector256.Create(pa[3]);
            c3_0 = Vector256.FusedMultiplyAdd(a3, b0, c3_0);
            c3_1 = Vector256.FusedMultiplyAdd(a3, b1, c3_1);
            Vector256<float> a4 = Vector256.Create(pa[4]);
            c4_0 = Vector256.FusedMultiplyAdd(a4, b0, c4_0);
            c4_1 = Vector256.FusedMultiplyAdd(a4, b1, c4_1);
            Vector256<float> a5 = Vector256.Create(pa[5]);
            c5_0 = Vector256.FusedMultiplyAdd(a5, b0, c5_0);
            c5_1 = Vector256.FusedMultiplyAdd(a5, b1, c5_1);
            pa += 6;
            pb += 16;
        }
        Vector256<float> va = Vector256.Create(alpha);
        if (beta == 0f)
        {
            float* r0 = c;
            Vector256.Store(c0_0 * va, r0 + 0);
            Vector256.Store(c0_1 * va, r0 + 8);
            float* r1 = c + 1 * ldc;
            Vector256.Store(c1_0 * va, r1 + 0);
            Vector256.Store(c1_1 * va, r1 + 8);
            float* r2 = c + 2 * ldc;
            Vector256.Store(c2_0 * va, r2 + 0);
            Vector256.Store(c2_1 * va, r2 + 8);
            float* r3 = c + 3 * ldc;
            Vector256.Store(c3_0 * va, r3 + 0);
            Vector256.Store(c3_1 * va, r3 + 8);
            float* r4 = c + 4 * ldc;
            Vector256.Store(c4_0 * va, r4 + 0);
            Vector256.Store(c4_1 * va, r4 + 8);
            float* r5 = c + 5 * ldc;
            Vector256.Store(c5_0 * va, r5 + 0);
            Vector256.Store(c5_1 * va, r5 + 8);
        }
        else if (beta == 1f)
        {
            float* r0 = c;
            Vector256.Store(Vector256.FusedMultiplyAdd(c0_0, va, Vector256.Load(r0 + 0)), r0 + 0);
            Vector256.Store(Vector256.FusedMultiplyAdd(c0_1, va, Vector256.Load(r0 + 8)), r0 + 8);
            float* r1 = c + 1 * ldc;
            Vector256.Store(Vector256.FusedMultiplyAdd(c1_0, va, Vector256.Load(r1 + 0)), r1 + 0);
            Vector256.Store(Vector256.FusedMultiplyAdd(c1_1, va, Vector256.Load(r1 + 8)), r1 + 8);
            float* r2 = c + 2 * ldc;
            Vector256.Store(Vector256.FusedMultiplyAdd(c2_0, va, Vector256.Load(r2 + 0)), r2 + 0);
            Vector256.Store(Vector256.FusedMultiplyAdd(c2_1, va, Vector256.Load(r2 + 8)), r2 + 8);
            float* r3 = c + 3 * ldc;
            Vector256.Store(Vector256.FusedMultiplyAdd(c3_0, va, Vector256.Load(r3 + 0)), r3 + 0);
            Vector256.Store(Vector256.FusedMultiplyAdd(c3_1, va, Vector256.Load(r3 + 8)), r3 + 8);
            float* r4 = c + 4 * ldc;
            Vector256.Store(Vector256.FusedMultiplyAdd(c4_0, va, Vector256.Load(r4 + 0)), r4 + 0);
            Vector256.Store(Vector256.FusedMultiplyAdd(c4_1, va, Vector256.Load(r4 + 8)), r4 + 8);
            float* r5 = c + 5 * ldc;
            Vector256.Store(Vector256.FusedMultiplyAdd(c5_0, va, Vector256.Load(r5 + 0)), r5 + 0);
            Vector256.Store(Vector256.FusedMultiplyAdd(c5_1, va, Vector256.Load(r5 + 8)), r5 + 8);
        }
        else
        {
            Vector256<float> vb = Vector256.Create(beta);
            float* r0 = c;
            Vector256.Store(Vector256.FusedMultiplyAdd(c0_0, va, Vector256.Load(r0 + 0) * vb), r0 + 0);
            Vector256.Store(Vector256.FusedMultiplyAdd(c0_1, va, Vector256.Load(r0 + 8) * vb), r0 + 8);
            float* r1 = c + 1 * ldc;
            Vector256.Store(Vector256.FusedMultiplyAdd(c1_0, va, Vector256.Load(r1 + 0) * vb), r1 + 0);
            Vector256.Store(Vector256.FusedMultiplyAdd(c1_1, va, Vector256.Load(r1 + 8) * vb), r1 + 8);
            float* r2 = c + 2 * ldc;
            Vector256.Store(Vector256.FusedMultiplyAdd(c2_0, va, Vector256.Load(r2 + 0) * vb), r2 + 0);
            Vector256.Store(Vector256.FusedMultiplyAdd(c2_1, va, Vector256.Load(r2 + 8) * vb), r2 + 8);
            float* r3 = c + 3 * ldc;
            Vector256.Store(Vector256.FusedMultiplyAdd(c3_0, va, Vector256.Load(r3 + 0) * vb), r3 + 0);
            Vector256.Store(Vector256.FusedMultiplyAdd(c3_1, va, Vector256.Load(r3 + 8) * vb), r3 + 8);
            float* r4 = c + 4 * ldc;
            Vector256.Store(Vector256.FusedMultiplyAdd(c4_0, va, Vector256.Load(r4 + 0) * vb), r4 + 0);
            Vector256.Store(Vector256.FusedMultiplyAdd(c4_1, va, Vector256.Load(r4 + 8) * vb), r4 + 8);
            float* r5 = c + 5 * ldc;
            Vector256.Store(Vector256.FusedMultiplyAdd(c5_0, va, Vector256.Load(r5 + 0) * vb), r5 + 0);
            Vector256.Store(Vector256.FusedMultiplyAdd(c5_1, va, Vector256.Load(r5 + 8) * vb), r5 + 8);
        }
    }

    /// <summary>8×12 tile with Vector128 FMA: C[0..8, 0..12] = alpha·Σ_p pa[p·8+i]·pb[p·12+j] + beta·C (beta = 0 ignores C).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Kernel8x12Vector128(int kc, float* pa, float* pb, float* c, nint ldc, float alpha, float beta)
    {
        Vector128<float> c0_0 = default; Vector128<float> c0_1 = default; Vector128<float> c0_2 = default;
        Vector128<float> c1_0 = default; Vector128<float> c1_1 = default; Vector128<float> c1_2 = default;
        Vector128<float> c2_0 = default; Vector128<float> c2_1 = default; Vector128<float> c2_2 = default;
        Vector128<float> c3_0 = default; Vector128<float> c3_1 = default; Vector128<float> c3_2 = default;
        Vector128<float> c4_0 = default; Vector128<float> c4_1 = default; Vector128<float> c4_2 = default;
        Vector128<float> c5_0 = default; Vector128<float> c5_1 = default; Vector128<float> c5_2 = default;
        Vector128<float> c6_0 = default; Vector128<float> c6_1 = default; Vector128<float> c6_2 = default;
        Vector128<float> c7_0 = default; Vector128<float> c7_1 = default; Vector128<float> c7_2 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector128<float> b0 = Vector128.Load(pb + 0);
            Vector128<float> b1 = Vector128.Load(pb + 4);
            Vector128<float> b2 = Vector128.Load(pb + 8);
            Vector128<float> a0 = Vector128.Create(pa[0]);
            c0_0 = Vector128.FusedMultiplyAdd(a0, b0, c0_0);
            c0_1 = Vector128.FusedMultiplyAdd(a0, b1, c0_1);
            c0_2 = Vector128.FusedMultiplyAdd(a0, b2, c0_2);
            Vector128<float> a1 = Vector128.Create(pa[1]);
            c1_0 = Vector128.FusedMultiplyAdd(a1, b0, c1_0);
            c1_1 = Vector128.FusedMultiplyAdd(a1, b1, c1_1);
            c1_2 = Vector128.FusedMultiplyAdd(a1, b2, c1_2);
            Vector128<float> a2 = Vector128.Create(pa[2]);
            c2_0 = Vector128.FusedMultiplyAdd(a2, b0, c2_0);
            c2_1 = Vector128.FusedMultiplyAdd(a2, b1, c2_1);
            c2_2 = Vector128.FusedMultiplyAdd(a2, b2, c2_2);
            Vector128<float> a3 = Vector128.Create(pa[3]);
            c3_0 = Vector128.FusedMultiplyAdd(a3, b0, c3_0);
            c3_1 = Vector128.FusedMultiplyAdd(a3, b1, c3_1);
            c3_2 = Vector128.FusedMultiplyAdd(a3, b2, c3_2);
            Vector128<float> a4 = Vector128.Create(pa[4]);
            c4_0 = Vector128.FusedMultiplyAdd(a4, b0, c4_0);
            c4_1 = Vector128.FusedMultiplyAdd(a4, b1, c4_1);
            c4_2 = Vector128.FusedMultiplyAdd(a4, b2, c4_2);
            Vector128<float> a5 = Vector128.Create(pa[5]);
            c5_0 = Vector128.FusedMultiplyAdd(a5, b0, c5_0);
            c5_1 = Vector128.FusedMultiplyAdd(a5, b1, c5_1);
            c5_2 = Vector128.FusedMultiplyAdd(a5, b2, c5_2);
            Vector128<float> a6 = Vector128.Create(pa[6]);
            c6_0 = Vector128.FusedMultiplyAdd(a6, b0, c6_0);
            c6_1 = Vector128.FusedMultiplyAdd(a6, b1, c6_1);
            c6_2 = Vector128.FusedMultiplyAdd(a6, b2, c6_2);
            Vector128<float> a7 = Vector128.Create(pa[7]);
            c7_0 = Vector128.FusedMultiplyAdd(a7, b0, c7_0);
            c7_1 = Vector128.FusedMultiplyAdd(a7, b1, c7_1);
            c7_2 = Vector128.FusedMultiplyAdd(a7, b2, c7_2);
            pa += 8;
            pb += 12;
        }
        Vector128<float> va = Vector128.Create(alpha);
        if (beta == 0f)
        {
            float* r0 = c;
            Vector128.Store(c0_0 * va, r0 + 0);
            Vector128.Store(c0_1 * va, r0 + 4);
            Vector128.Store(c0_2 * va, r0 + 8);
            float* r1 = c + 1 * ldc;
            Vector128.Store(c1_0 * va, r1 + 0);
            Vector128.Store(c1_1 * va, r1 + 4);
            Vector128.Store(c1_2 * va, r1 + 8);
            float* r2 = c + 2 * ldc;
            Vector128.Store(c2_0 * va, r2 + 0);
            Vector128.Store(c2_1 * va, r2 + 4);
            Vector128.Store(c2_2 * va, r2 + 8);
            float* r3 = c + 3 * ldc;
            Vector128.Store(c3_0 * va, r3 + 0);
            Vector128.Store(c3_1 * va, r3 + 4);
            Vector128.Store(c3_2 * va, r3 + 8);
            float* r4 = c + 4 * ldc;
            Vector128.Store(c4_0 * va, r4 + 0);
            Vector128.Store(c4_1 * va, r4 + 4);
            Vector128.Store(c4_2 * va, r4 + 8);
            float* r5 = c + 5 * ldc;
            Vector128.Store(c5_0 * va, r5 + 0);
            Vector128.Store(c5_1 * va, r5 + 4);
            Vector128.Store(c5_2 * va, r5 + 8);
            float* r6 = c + 6 * ldc;
            Vector128.Store(c6_0 * va, r6 + 0);
            Vector128.Store(c6_1 * va, r6 + 4);
            Vector128.Store(c6_2 * va, r6 + 8);
            float* r7 = c + 7 * ldc;
            Vector128.Store(c7_0 * va, r7 + 0);
            Vector128.Store(c7_1 * va, r7 + 4);
            Vector128.Store(c7_2 * va, r7 + 8);
        }
        else if (beta == 1f)
        {
            float* r0 = c;
            Vector128.Store(Vector128.FusedMultiplyAdd(c0_0, va, Vector128.Load(r0 + 0)), r0 + 0);
            Vector128.Store(Vector128.FusedMultiplyAdd(c0_1, va, Vector128.Load(r0 + 4)), r0 + 4);
            Vector128.Store(Vector128.FusedMultiplyAdd(c0_2, va, Vector128.Load(r0 + 8)), r0 + 8);
            float* r1 = c + 1 * ldc;
            Vector128.Store(Vector128.FusedMultiplyAdd(c1_0, va, Vector128.Load(r1 + 0)), r1 + 0);
            Vector128.Store(Vector128.FusedMultiplyAdd(c1_1, va, Vector128.Load(r1 + 4)), r1 + 4);
            Vector128.Store(Vector128.FusedMultiplyAdd(c1_2, va, Vector128.Load(r1 + 8)), r1 + 8);
            float* r2 = c + 2 * ldc;
            Vector128.Store(Vector128.FusedMultiplyAdd(c2_0, va, Vector128.Load(r2 + 0)), r2 + 0);
            Vector128.Store(Vector128.FusedMultiplyAdd(c2_1, va, Vector128.Load(r2 + 4)), r2 + 4);
            Vector128.Store(Vector128.FusedMultiplyAdd(c2_2, va, Vector128.Load(r2 + 8)), r2 + 8);
            float* r3 = c + 3 * ldc;
            Vector128.Store(Vector128.FusedMultiplyAdd(c3_0, va, Vector128.Load(r3 + 0)), r3 + 0);
            Vector128.Store(Vector128.FusedMultiplyAdd(c3_1, va, Vector128.Load(r3 + 4)), r3 + 4);
            Vector128.Store(Vector128.FusedMultiplyAdd(c3_2, va, Vector128.Load(r3 + 8)), r3 + 8);
            float* r4 = c + 4 * ldc;
            Vector128.Store(Vector128.FusedMultiplyAdd(c4_0, va, Vector128.Load(r4 + 0)), r4 + 0);
            Vector128.Store(Vector128.FusedMultiplyAdd(c4_1, va, Vector128.Load(r4 + 4)), r4 + 4);
            Vector128.Store(Vector128.FusedMultiplyAdd(c4_2, va, Vector128.Load(r4 + 8)), r4 + 8);
            float* r5 = c + 5 * ldc;
            Vector128.Store(Vector128.FusedMultiplyAdd(c5_0, va, Vector128.Load(r5 + 0)), r5 + 0);
            Vector128.Store(Vector128.FusedMultiplyAdd(c5_1, va, Vector128.Load(r5 + 4)), r5 + 4);
            Vector128.Store(Vector128.FusedMultiplyAdd(c5_2, va, Vector128.Load(r5 + 8)), r5 + 8);
            float* r6 = c + 6 * ldc;
            Vector128.Store(Vector128.FusedMultiplyAdd(c6_0, va, Vector128.Load(r6 + 0)), r6 + 0);
            Vector128.Store(Vector128.FusedMultiplyAdd(c6_1, va, Vector128.Load(r6 + 4)), r6 + 4);
            Vector128.Store(Vector128.FusedMultiplyAdd(c6_2, va, Vector128.Load(r6 + 8)), r6 + 8);
            float* r7 = c + 7 * ldc;
            Vector128.Store(Vector128.FusedMultiplyAdd(c7_0, va, Vector128.Load(r7 + 0)), r7 + 0);
            Vector128.Store(Vector128.FusedMultiplyAdd(c7_1, va, Vector128.Load(r7 + 4)), r7 + 4);
            Vector128.Store(Vector128.FusedMultiplyAdd(c7_2, va, Vector128.Load(r7 + 8)), r7 + 8);
        }
        else
        {
            Vector128<float> vb = Vector128.Create(beta);
            float* r0 = c;
            Vector128.Store(Vector128.FusedMultiplyAdd(c0_0, va, Vector128.Load(r0 + 0) * vb), r0 + 0);
            Vector128.Store(Vector128.FusedMultiplyAdd(c0_1, va, Vector128.Load(r0 + 4) * vb), r0 + 4);
            Vector128.Store(Vector128.FusedMultiplyAdd(c0_2, va, Vector128.Load(r0 + 8) * vb), r0 + 8);
            float* r1 = c + 1 * ldc;
            Vector128.Store(Vector128.FusedMultiplyAdd(c1_0, va, Vector128.Load(r1 + 0) * vb), r1 + 0);
            Vector128.Store(Vector128.FusedMultiplyAdd(c1_1, va, Vector128.Load(r1 + 4) * vb), r1 + 4);
            Vector128.Store(Vector128.FusedMultiplyAdd(c1_2, va, Vector128.Load(r1 + 8) * vb), r1 + 8);
            float* r2 = c + 2 * ldc;
            Vector128.Store(Vector128.FusedMultiplyAdd(c2_0, va, Vector128.Load(r2 + 0) * vb), r2 + 0);
            Vector128.Store(Vector128.FusedMultiplyAdd(c2_1, va, Vector128.Load(r2 + 4) * vb), r2 + 4);
            Vector128.Store(Vector128.FusedMultiplyAdd(c2_2, va, Vector128.Load(r2 + 8) * vb), r2 + 8);
            float* r3 = c + 3 * ldc;
            Vector128.Store(Vector128.FusedMultiplyAdd(c3_0, va, Vector128.Load(r3 + 0) * vb), r3 + 0);
            Vector128.Store(Vector128.FusedMultiplyAdd(c3_1, va, Vector128.Load(r3 + 4) * vb), r3 + 4);
            Vector128.Store(Vector128.FusedMultiplyAdd(c3_2, va, Vector128.Load(r3 + 8) * vb), r3 + 8);
            float* r4 = c + 4 * ldc;
            Vector128.Store(Vector128.FusedMultiplyAdd(c4_0, va, Vector128.Load(r4 + 0) * vb), r4 + 0);
            Vector128.Store(Vector128.FusedMultiplyAdd(c4_1, va, Vector128.Load(r4 + 4) * vb), r4 + 4);
            Vector128.Store(Vector128.FusedMultiplyAdd(c4_2, va, Vector128.Load(r4 + 8) * vb), r4 + 8);
            float* r5 = c + 5 * ldc;
            Vector128.Store(Vector128.FusedMultiplyAdd(c5_0, va, Vector128.Load(r5 + 0) * vb), r5 + 0);
            Vector128.Store(Vector128.FusedMultiplyAdd(c5_1, va, Vector128.Load(r5 + 4) * vb), r5 + 4);
            Vector128.Store(Vector128.FusedMultiplyAdd(c5_2, va, Vector128.Load(r5 + 8) * vb), r5 + 8);
            float* r6 = c + 6 * ldc;
            Vector128.Store(Vector128.FusedMultiplyAdd(c6_0, va, Vector128.Load(r6 + 0) * vb), r6 + 0);
            Vector128.Store(Vector128.FusedMultiplyAdd(c6_1, va, Vector128.Load(r6 + 4) * vb), r6 + 4);
            Vector128.Store(Vector128.FusedMultiplyAdd(c6_2, va, Vector128.Load(r6 + 8) * vb), r6 + 8);
            float* r7 = c + 7 * ldc;
            Vector128.Store(Vector128.FusedMultiplyAdd(c7_0, va, Vector128.Load(r7 + 0) * vb), r7 + 0);
            Vector128.Store(Vector128.FusedMultiplyAdd(c7_1, va, Vector128.Load(r7 + 4) * vb), r7 + 4);
            Vector128.Store(Vector128.FusedMultiplyAdd(c7_2, va, Vector128.Load(r7 + 8) * vb), r7 + 8);
        }
    }
}
