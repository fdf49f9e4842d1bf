using Bottleneck.Kernels;
using Bottleneck.Tensors;

namespace Bottleneck.Tests.Kernels;

/// <summary>
/// The cooperative managed GEMM (<see cref="ManagedGemm.RunSharedPart"/>: rows split over the threads, B packed once into shared
/// panels, one barrier per k block): bit for bit the single-threaded product on every transposition case, with and without the
/// bias/activation epilogue, and chosen by the schedule for the training shapes where a grid packs an operand twice.
/// </summary>
[Collection(Bottleneck.Tests.Autograd.GemmProviderCollection.Name)]
public sealed class SharedPanelGemmTests
{
    private static readonly (bool TransA, bool TransB)[] TransCombos = [(false, false), (false, true), (true, false), (true, true)];

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public unsafe void CooperativeProduct_EqualsTheSingleThreadedProduct_BitForBit(int parts)
    {
        // Given every kernel kind this machine runs (the Vector512 12×32 default and the Vector256 fallback)
        foreach (var gemm in new[] { new ManagedGemm(), new ManagedGemm(ManagedGemm.KernelKind.Vector256) })
        {
            var rng = new Rng(5);
            foreach (var (ta, tb) in TransCombos)
                foreach (var (m, n, k) in new[] { (256, 512, 784), (37, 70, 300), (401, 2100, 67), (25, 33, 513), (12, 32, 5) })
                    foreach (bool epilogue in new[] { false, true })
                    {
                        var a = Random(rng, m * k);
                        var b = Random(rng, k * n);
                        var bias = Random(rng, n);
                        var c0 = Random(rng, m * n);
                        var c1 = (float[])c0.Clone();
                        float beta = epilogue ? 0f : 0.5f;
                        fixed (float* pa = a)
                        fixed (float* pb = b)
                        fixed (float* pbias = bias)
                        fixed (float* p0 = c0)
                        fixed (float* p1 = c1)
                        {
                            float* bi = epilogue ? pbias : null;
                            delegate*<float*, nint, int, int, void> act = epilogue ? &GemmEpilogue.Relu : null;
                            // When the product runs on one thread and cooperatively on several
                            var single = new GemmArgs(ta, tb, m, n, k, 1f, pa, ta ? m : k, pb, tb ? k : n, beta, p0, n, bi, act);
                            gemm.RunBlock(PackBuffers.ForCurrentThread, single);
                            var shared = new GemmArgs(ta, tb, m, n, k, 1f, pa, ta ? m : k, pb, tb ? k : n, beta, p1, n, bi, act);
                            Assert.True(GemmWorkerPool.Shared.TryRunShared(gemm, shared, parts));
                        }
                        // Then C is the same bit for bit
                        Assert.True(c0.AsSpan().SequenceEqual(c1), $"{gemm.KernelName} {(ta ? "T" : "N")}{(tb ? "T" : "N")} {m}×{k}×{n} epilogue={epilogue}");
                    }
        }
    }

    [Fact]
    public void Schedule_PicksTheCooperativeProduct_ForTheTrainingShapes_AndOneThreadForTinyOnes()
    {
        // The dense autoencoder's 784 ↔ 512 layer on a batch of 256 at 2 threads: a grid would pack A (or B) on both threads
        var gemm = new ManagedGemm(ManagedGemm.KernelKind.Vector512x12);
        foreach (var (ta, tb, m, n, k) in new[] { (false, true, 256, 512, 784), (false, false, 256, 784, 512), (true, false, 512, 784, 256) })
            Assert.Equal(new GemmSchedule(GemmScheduleKind.Shared, 1, 1, 2), gemm.Schedule(ta, tb, m, n, k, 2));
        // A product of a few microseconds stays on one thread
        Assert.Equal(GemmScheduleKind.Single, gemm.Schedule(false, true, 32, 32, 256, 2).Kind);
    }

    private static float[] Random(Rng rng, int n)
    {
        var v = new float[n];
        rng.FillUniform(v, -1f, 1f);
        return v;
    }
}
