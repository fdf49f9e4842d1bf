using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Bottleneck.Kernels;

/// <summary>
/// One row of C against packed B (<see cref="ManagedGemm.RunPrepacked"/> with m = 1, a single sample at inference):
/// c[j] = alpha·Σ_p a[p]·B[p, j] + beta·c[j] over four 32-column slivers at once. The 1-row edge micro-kernel computes one sliver
/// with two accumulators, so each k step waits for the previous FMA (4 cycles of latency for 2 FMAs); four slivers give eight
/// independent chains, enough to keep both FMA pipes busy. Each column's chain is the edge kernel's (the same FMAs in the same
/// k order, from zero, stored the same way), so C is bit-identical to it.
/// </summary>
internal static unsafe class GemvKernels
{
    /// <summary>
    /// c[0..128) = alpha·Σ_p a[p]·pb_s[p·32 + j] + beta·c (beta = 0 ignores c), with sliver s = j / 32 at
    /// <c>pb + s·sliverStride</c> (k steps of 32 floats) and A read in place (a[p], stride 1).
    /// </summary>
    /// <param name="kc">k steps (≥ 0).</param>
    /// <param name="a">The row of A, kc values.</param>
    /// <param name="pb">The first of four packed B slivers.</param>
    /// <param name="sliverStride">Floats from one sliver to the next (kc·32 within a packed block).</param>
    /// <param name="c">128 values of C.</param>
    /// <param name="alpha">Scale of the product.</param>
    /// <param name="beta">Scale of C's previous value (0: not read).</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Row128Vector512(int kc, float* a, float* pb, nint sliverStride, float* c, float alpha, float beta)
    {
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default;
        Vector512<float> c4 = default, c5 = default, c6 = default, c7 = default;
        float* b0 = pb, b1 = pb + sliverStride, b2 = pb + 2 * sliverStride, b3 = pb + 3 * sliverStride;
        for (int p = 0; p < kc; p++)
        {
            Vector512<float> av = Vector512.Create(a[p]);
            c0 = Vector512.FusedMultiplyAdd(av, Vector512.Load(b0), c0);
            c1 = Vector512.FusedMultiplyAdd(av, Vector512.Load(b0 + 16), c1);
            c2 = Vector512.FusedMultiplyAdd(av, Vector512.Load(b1), c2);
            c3 = Vector512.FusedMultiplyAdd(av, Vector512.Load(b1 + 16), c3);
            c4 = Vector512.FusedMultiplyAdd(av, Vector512.Load(b2), c4);
            c5 = Vector512.FusedMultiplyAdd(av, Vector512.Load(b2 + 16), c5);
            c6 = Vector512.FusedMultiplyAdd(av, Vector512.Load(b3), c6);
            c7 = Vector512.FusedMultiplyAdd(av, Vector512.Load(b3 + 16), c7);
            b0 += 32;
            b1 += 32;
            b2 += 32;
            b3 += 32;
        }
        Store(c0, c, alpha, beta);
        Store(c1, c + 16, alpha, beta);
        Store(c2, c + 32, alpha, beta);
        Store(c3, c + 48, alpha, beta);
        Store(c4, c + 64, alpha, beta);
        Store(c5, c + 80, alpha, beta);
        Store(c6, c + 96, alpha, beta);
        Store(c7, c + 112, alpha, beta);
    }

    /// <summary>The micro-kernels' store: C = acc·alpha (beta = 0), FMA(acc, alpha, C) (beta = 1), FMA(acc, alpha, C·beta).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector512<float> acc, float* c, float alpha, float beta)
    {
        Vector512<float> va = Vector512.Create(alpha);
        if (beta == 0f)
            Vector512.Store(acc * va, c);
        else if (beta == 1f)
            Vector512.Store(Vector512.FusedMultiplyAdd(acc, va, Vector512.Load(c)), c);
        else
            Vector512.Store(Vector512.FusedMultiplyAdd(acc, va, Vector512.Load(c) * Vector512.Create(beta)), c);
    }
}
