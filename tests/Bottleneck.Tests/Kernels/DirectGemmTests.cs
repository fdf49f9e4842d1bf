using Bottleneck.Kernels;
using Bottleneck.Tensors;

namespace Bottleneck.Tests.Kernels;

/// <summary>
/// The managed GEMM's small-product path that reads B (not transposed) and/or A (transposed: the strided micro-kernels; not: the row
/// kernels) in place instead of packing them (<see cref="ManagedGemm.RunBlockDirect"/>): bit for bit the packed product over odd
/// shapes, every row count of the edge kernels, partial column slivers, padded strides, alpha/beta and the bias/activation
/// epilogue.
/// </summary>
[Collection(Bottleneck.Tests.Autograd.GemmProviderCollection.Name)]
public sealed class DirectGemmTests
{
    [Fact]
    public unsafe void DirectProduct_EqualsThePackedProduct_BitForBit()
    {
        var gemm = new ManagedGemm();
        if (!gemm.ChooseDirect(true, false, 32, 32, 32, out _, out _))
            return;   // no strided kernels for this CPU's kernel kind (not AVX-512): the packed path is the only one
        var rng = new Rng(23);
        int checkedCases = 0;
        foreach (bool ta in new[] { false, true })
            foreach (bool tb in new[] { false, true })
                foreach (var (m, n, k) in new[] { (1, 32, 5), (7, 33, 17), (13, 64, 256), (32, 32, 256), (32, 1024, 32), (37, 95, 100), (256, 32, 32), (25, 70, 3), (20, 40, 700), (256, 32, 1024) })
                    foreach (var (alpha, beta, epilogue) in new[] { (1f, 0f, false), (0.5f, 1f, false), (-1f, 0.25f, false), (1f, 0f, true) })
                    {
                        // A in place either way (transposed: the strided kernels; not: the row kernels), B when not transposed
                        bool directA = true, directB = !tb;
                        int pad = 3;
                        int lda = (ta ? m : k) + pad, ldb = (tb ? k : n) + pad, ldc = n + pad;
                        var a = Random(rng, (ta ? k : m) * lda);
                        var b = Random(rng, (tb ? n : k) * ldb);
                        var bias = Random(rng, n);
                        var c0 = Random(rng, m * ldc);
                        var c1 = (float[])c0.Clone();
                        fixed (float* pa = a)
                        fixed (float* pb = b)
                        fixed (float* pbias = bias)
                        fixed (float* p0 = c0)
                        fixed (float* p1 = c1)
                        {
                            float* bi = epilogue ? pbias : null;
                            delegate*<float*, nint, int, int, void> act = epilogue ? &GemmEpilogue.Relu : null;
                            // When the product runs packed and with the operands read in place
                            gemm.RunBlockPacked(PackBuffers.ForCurrentThread, new GemmArgs(ta, tb, m, n, k, alpha, pa, lda, pb, ldb, beta, p0, ldc, bi, act));
                            gemm.RunBlockDirect(PackBuffers.ForCurrentThread, new GemmArgs(ta, tb, m, n, k, alpha, pa, lda, pb, ldb, beta, p1, ldc, bi, act), directA, directB);
                        }
                        // Then C (and the padding beyond each row, untouched) agrees bit for bit
                        Assert.True(c0.AsSpan().SequenceEqual(c1), $"{(ta ? "T" : "N")}{(tb ? "T" : "N")} {m}×{k}×{n} alpha={alpha} beta={beta} epilogue={epilogue}");
                        checkedCases++;
                    }
        Assert.True(checkedCases > 50);
    }

    [Fact]
    public void ChooseDirect_ReadsInPlaceOnlyWhatIsLaidOutForTheKernel_AndOnlyForSmallProducts()
    {
        var gemm = new ManagedGemm();
        if (!gemm.ChooseDirect(true, false, 32, 32, 32, out _, out _))
            return;
        // NN with 32 rows: B in place, A in place too (its rows, by the row kernels)
        Assert.True(gemm.ChooseDirect(false, false, 32, 256, 256, out bool a1, out bool b1));
        Assert.Equal((true, true), (a1, b1));
        // NT: B transposed must be packed; a small row-major A is read in place, one re-read by many column slivers is packed
        Assert.True(gemm.ChooseDirect(false, true, 32, 256, 256, out bool a3, out bool b3));
        Assert.Equal((true, false), (a3, b3));
        Assert.False(gemm.ChooseDirect(false, true, 256, 1024, 512, out _, out _));
        // TN with a narrow B: both in place
        Assert.True(gemm.ChooseDirect(true, false, 256, 32, 32, out bool a2, out bool b2));
        Assert.Equal((true, true), (a2, b2));
        // The training shapes (a batch of 256 through 784 → 512) stay packed
        Assert.False(gemm.ChooseDirect(false, false, 256, 784, 512, out _, out _));
        Assert.False(gemm.ChooseDirect(true, false, 512, 784, 256, out _, out _));
    }

    private static float[] Random(Rng rng, int n)
    {
        var v = new float[n];
        rng.FillUniform(v, -1f, 1f);
        return v;
    }
}
