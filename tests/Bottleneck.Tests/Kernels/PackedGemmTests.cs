using Bottleneck.Kernels;
using Bottleneck.Tensors;

namespace Bottleneck.Tests.Kernels;

/// <summary>
/// The edge micro-kernels (the first r &lt; 12 rows of a Vector512 tile) and the prepacked-B product with the fused bias and
/// activation epilogue (<see cref="ManagedGemm.RunPrepacked"/>), against a double-precision reference and bit for bit against the
/// general managed GEMM over odd shapes; plus the run-time cache sizes.
/// </summary>
[Collection(Bottleneck.Tests.Autograd.GemmProviderCollection.Name)]
public sealed class PackedGemmTests
{
    private static readonly (bool TransA, bool TransB)[] TransCombos = [(false, false), (false, true), (true, false), (true, true)];

    [Fact]
    public void EdgeKernels_EveryRowCount_AllTransposes_MatchReferenceAndTheFullTileBitForBit()
    {
        // Given the managed GEMM (edge kernels exist for the Vector512 kind; other kinds take the tile path and must agree too)
        var gemm = new ManagedGemm();
        var rng = new Rng(11);
        foreach (var (ta, tb) in TransCombos)
            foreach (int m in new[] { 1, 2, 5, 7, 11, 13, 23, 33 })
                foreach (var (n, k) in new[] { (32, 7), (64, 257), (33, 300), (96, 1) })
                {
                    // When the m rows are computed alone and as the top rows of a 36-row product of the same operands
                    int big = 36;
                    var a = Random(rng, big * k);   // big×k (or k×big transposed): the first m rows of op(A) are shared
                    var b = Random(rng, k * n);
                    var small = new float[m * n];
                    var full = new float[big * n];
                    unsafe
                    {
                        fixed (float* pa = a)
                        fixed (float* pb = b)
                        fixed (float* ps = small)
                        fixed (float* pf = full)
                        {
                            gemm.Sgemm(ta, tb, m, n, k, 1f, pa, ta ? big : k, pb, tb ? k : n, 0f, ps, n);
                            gemm.Sgemm(ta, tb, big, n, k, 1f, pa, ta ? big : k, pb, tb ? k : n, 0f, pf, n);
                        }
                    }
                    // Then every element matches the reference, and the edge rows equal the full tile's rows exactly
                    for (int i = 0; i < m; i++)
                        for (int j = 0; j < n; j++)
                        {
                            double sum = 0, mag = 0;
                            for (int p = 0; p < k; p++)
                            {
                                double x = ta ? a[p * big + i] : a[i * k + p], y = tb ? b[j * k + p] : b[p * n + j];
                                sum += x * y;
                                mag += Math.Abs(x * y);
                            }
                            Assert.True(Math.Abs(small[i * n + j] - sum) <= (4 * Math.Sqrt(k) + 4) * Math.Pow(2, -24) * mag + 1e-30,
                                $"m={m} n={n} k={k} ta={ta} tb={tb}: C[{i},{j}] = {small[i * n + j]}, expected {sum}");
                            Assert.Equal(full[i * n + j], small[i * n + j]);
                        }
                }
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(1, 7, 784)]
    [InlineData(7, 33, 257)]
    [InlineData(33, 65, 300)]
    [InlineData(257, 32, 7)]
    [InlineData(13, 2100, 33)]   // more than one nc panel
    [InlineData(1, 512, 784)]    // one row: four slivers at a time (GemvKernels)
    [InlineData(1, 200, 300)]    // one row: a group of four slivers, then two, the last partial
    [InlineData(1, 2100, 33)]    // one row, more than one nc panel
    public void Prepacked_WithBiasAndRelu_EqualsSgemmThenBiasThenReluBitForBit(int m, int n, int k)
    {
        // Given A (m×k), W (n×k) and a bias
        var gemm = new ManagedGemm();
        var rng = new Rng((ulong)(m * 7919 + n * 31 + k));
        var a = Random(rng, m * k);
        var w = Random(rng, n * k);
        var bias = Random(rng, n);
        var fused = new float[m * n];
        var plain = new float[m * n];
        using var packed = new PackedMatrix(gemm, k, n);
        unsafe
        {
            fixed (float* pa = a)
            fixed (float* pw = w)
            fixed (float* pbias = bias)
            fixed (float* pf = fused)
            fixed (float* pp = plain)
            {
                // When W is packed once and the fused product runs, and separately Sgemm (NT) then bias then ReLU
                packed.PackTransposed(pw, k);
                gemm.RunPrepacked(PackBuffers.ForCurrentThread, m, pa, k, packed, pf, n, pbias, &Relu);
                int saved = Gemm.Threads;
                try
                {
                    Gemm.Threads = 1;
                    gemm.Sgemm(false, true, m, n, k, 1f, pa, k, pw, k, 0f, pp, n);
                }
                finally { Gemm.Threads = saved; }
            }
        }
        for (int i = 0; i < m * n; i++) plain[i] = MathF.Max(plain[i] + bias[i % n], 0f);
        // Then they agree bit for bit (same blocking, same order of the k passes, the same float operations after)
        Assert.Equal(plain, fused);
        // And the reference agrees within float rounding
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double sum = bias[j], mag = Math.Abs(bias[j]);
                for (int p = 0; p < k; p++) { sum += (double)a[i * k + p] * w[j * k + p]; mag += Math.Abs((double)a[i * k + p] * w[j * k + p]); }
                Assert.True(Math.Abs(fused[i * n + j] - Math.Max(sum, 0)) <= (4 * Math.Sqrt(k) + 8) * Math.Pow(2, -24) * mag + 1e-30);
            }
    }

    [Theory]
    [InlineData(1, 100, 300)]
    [InlineData(5, 2100, 17)]   // column ranges across two nc panels
    [InlineData(1, 2100, 17)]   // one row (GemvKernels), across two nc panels
    public void Prepacked_ColumnRanges_TogetherEqualTheWholeProduct(int m, int n, int k)
    {
        var gemm = new ManagedGemm();
        var rng = new Rng(3);
        var a = Random(rng, m * k);
        var w = Random(rng, n * k);
        var bias = Random(rng, n);
        var whole = new float[m * n];
        var split = new float[m * n];
        using var packed = new PackedMatrix(gemm, k, n);
        unsafe
        {
            fixed (float* pa = a)
            fixed (float* pw = w)
            fixed (float* pbias = bias)
            fixed (float* pwhole = whole)
            fixed (float* psplit = split)
            {
                packed.PackTransposed(pw, k);
                gemm.RunPrepacked(PackBuffers.ForCurrentThread, m, pa, k, packed, pwhole, n, pbias, &Relu);
                int cut = (n / 2 + gemm.Nr - 1) / gemm.Nr * gemm.Nr;
                gemm.RunPrepacked(PackBuffers.ForCurrentThread, m, pa, k, packed, psplit, n, pbias, &Relu, cut, n);
                gemm.RunPrepacked(PackBuffers.ForCurrentThread, m, pa, k, packed, psplit, n, pbias, &Relu, 0, cut);
                bool threw = false;
                try { gemm.RunPrepacked(PackBuffers.ForCurrentThread, m, pa, k, packed, psplit, n, pbias, null, 1, n); }
                catch (ArgumentException) { threw = true; }
                Assert.True(threw, "a column range that does not start on a sliver must be refused");
            }
        }
        Assert.Equal(whole, split);
    }

    [Fact]
    public void Prepacked_RejectsAPackingForAnotherKernel()
    {
        var wide = new ManagedGemm();
        var narrow = new ManagedGemm(ManagedGemm.KernelKind.Vector128);
        using var packed = new PackedMatrix(narrow, 4, 4);
        unsafe
        {
            float* x = stackalloc float[16];
            if (wide.Nr != narrow.Nr)
                Assert.Throws<ArgumentException>(() => wide.RunPrepacked(PackBuffers.ForCurrentThread, 1, x, 4, packed, x, 4, null, null));
        }
    }

    [Fact]
    public void CacheSizes_AreReadOrDefaulted_AndParsed()
    {
        Assert.True(CacheInfo.L1DataBytes >= 4096);
        Assert.True(CacheInfo.L2Bytes >= CacheInfo.L1DataBytes);
        Assert.True(CacheInfo.L3Bytes >= 1 << 16);
        Assert.Contains("L2", CacheInfo.Describe());
        Assert.Equal(48 * 1024, CacheInfo.ParseSize("48K"));
        Assert.Equal(32L << 20, CacheInfo.ParseSize("32M"));
        Assert.Equal(0, CacheInfo.ParseSize("lots"));
        if (File.Exists("/sys/devices/system/cpu/cpu0/cache/index2/size"))
            Assert.True(CacheInfo.FromSystem);
    }

    private static unsafe void Relu(float* c, nint ldc, int rows, int cols)
    {
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
                c[i * ldc + j] = MathF.Max(c[i * ldc + j], 0f);
    }

    private static float[] Random(Rng rng, int length)
    {
        var v = new float[length];
        rng.FillUniform(v, -1f, 1f);
        return v;
    }
}
