using Bottleneck.Kernels;
using Bottleneck.Tensors;

namespace Bottleneck.Tests.Kernels;

/// <summary>
/// The k-split managed GEMM (<see cref="ManagedGemm.RunKSplitPart"/>: the k passes divided over the threads, the other threads'
/// partial sums added to C in pass order by <see cref="ManagedGemm.MergePartials"/>) and the B sliver packed right before its
/// tiles when there is one row block: bit for bit the single-threaded product, and chosen for the small products with a long k
/// that the cooperative product ran at a third of one thread's speed.
/// </summary>
[Collection(Bottleneck.Tests.Autograd.GemmProviderCollection.Name)]
public sealed class KSplitGemmTests
{
    private static readonly (bool TransA, bool TransB)[] TransCombos = [(false, false), (false, true), (true, false), (true, true)];

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public unsafe void KSplitProduct_EqualsTheSingleThreadedProduct_BitForBit(int parts)
    {
        // Given every kernel kind this machine runs, every transposition, alpha ≠ 1, beta 0 / 0.5 and the epilogue
        foreach (var gemm in new[] { new ManagedGemm(), new ManagedGemm(ManagedGemm.KernelKind.Vector256) })
        {
            var rng = new Rng(11);
            foreach (var (ta, tb) in TransCombos)
                foreach (var (m, n, k) in new[] { (32, 32, 1024), (7, 45, 700), (32, 33, 513), (12, 32, 257), (1, 64, 2000) })
                    foreach (int variant in new[] { 0, 1, 2 })
                    {
                        var a = Random(rng, m * k);
                        var b = Random(rng, k * n);
                        var bias = Random(rng, n);
                        var c0 = Random(rng, m * n);
                        var c1 = (float[])c0.Clone();
                        bool epilogue = variant == 2;
                        float alpha = variant == 1 ? 0.75f : 1f, beta = variant == 1 ? 0.5f : 0f;
                        fixed (float* pa = a)
                        fixed (float* pb = b)
                        fixed (float* pbias = bias)
                        fixed (float* p0 = c0)
                        fixed (float* p1 = c1)
                        {
                            float* bi = epilogue ? pbias : null;
                            delegate*<float*, nint, int, int, void> act = epilogue ? &GemmEpilogue.Relu : null;
                            // When the product runs on one thread and split over k
                            gemm.RunBlock(PackBuffers.ForCurrentThread, new GemmArgs(ta, tb, m, n, k, alpha, pa, ta ? m : k, pb, tb ? k : n, beta, p0, n, bi, act));
                            Assert.True(GemmWorkerPool.Shared.TryRunKSplit(gemm,
                                new GemmArgs(ta, tb, m, n, k, alpha, pa, ta ? m : k, pb, tb ? k : n, beta, p1, n, bi, act), parts));
                        }
                        // Then C is the same bit for bit
                        Assert.True(c0.AsSpan().SequenceEqual(c1),
                            $"{gemm.KernelName} {(ta ? "T" : "N")}{(tb ? "T" : "N")} {m}×{k}×{n} variant {variant}, {parts} parts");
                    }
        }
    }

    [Fact]
    public unsafe void OneRowBlock_PackingBSliverBySliver_EqualsThePanelProduct_BitForBit()
    {
        // Given a product of more rows than one row block (B packed as whole kc × nc panels) and its first rows alone (one row
        // block: each B sliver packed right before its tiles)
        var gemm = new ManagedGemm();
        var rng = new Rng(3);
        foreach (var (ta, tb) in TransCombos)
        {
            int mBig = gemm.McMax + 50, m = 30, n = 100, k = 600;
            var a = Random(rng, mBig * k);
            var b = Random(rng, k * n);
            var big = new float[mBig * n];
            var small = new float[m * n];
            fixed (float* pa = a)
            fixed (float* pb = b)
            fixed (float* pBig = big)
            fixed (float* pSmall = small)
            {
                // When both run on one thread (A transposed: the first m rows of op(A) are its first m columns, row stride mBig)
                gemm.RunBlockPacked(PackBuffers.ForCurrentThread, new GemmArgs(ta, tb, mBig, n, k, 1f, pa, ta ? mBig : k, pb, tb ? k : n, 0f, pBig, n));
                gemm.RunBlockPacked(PackBuffers.ForCurrentThread, new GemmArgs(ta, tb, m, n, k, 1f, pa, ta ? mBig : k, pb, tb ? k : n, 0f, pSmall, n));
            }
            // Then the rows agree bit for bit
            Assert.True(big.AsSpan(0, m * n).SequenceEqual(small), $"{(ta ? "T" : "N")}{(tb ? "T" : "N")}");
        }
    }

    [Fact]
    public void Schedule_SplitsK_ForSmallProductsWithALongK_AndNeverSharesPanelsForSmallBlocks()
    {
        var gemm = new ManagedGemm(ManagedGemm.KernelKind.Vector512x12);
        // The 32×1024×32 products of a 1024 → 32 layer on a batch of 32 (forward, ∂L/∂x, ∂L/∂W): split over k on 2 threads
        foreach (var (ta, tb) in new[] { (false, true), (false, false), (true, false) })
            Assert.Equal(new GemmSchedule(GemmScheduleKind.KSplit, 1, 1, 2), gemm.Schedule(ta, tb, 32, 32, 1024, 2));
        // Products of a few million multiply-adds in one block never take the cooperative product
        foreach (var (m, n, k) in new[] { (32, 256, 256), (256, 256, 32), (32, 1024, 1024), (256, 32, 256) })
            foreach (var (ta, tb) in TransCombos)
                Assert.NotEqual(GemmScheduleKind.Shared, gemm.Schedule(ta, tb, m, n, k, 2).Kind);
        // One thread: always on the calling thread
        Assert.Equal(GemmScheduleKind.Single, gemm.Schedule(false, true, 1024, 1024, 1024, 1).Kind);
    }

    private static float[] Random(Rng rng, int n)
    {
        var v = new float[n];
        rng.FillUniform(v, -1f, 1f);
        return v;
    }
}
