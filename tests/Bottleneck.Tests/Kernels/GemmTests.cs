using Bottleneck.Kernels;
using Bottleneck.Tensors;

namespace Bottleneck.Tests.Kernels;

/// <summary>
/// Correctness of every GEMM provider against a naive double-precision reference, the selection logic, argument
/// validation and the managed provider's zero-allocation guarantee.
/// </summary>
// Changes process-wide GEMM state (Gemm.Threads, the shared worker pool) and measures allocations, so it runs alone:
// a test elsewhere using the pool at the same time sends calls down the single-threaded path or regrows the pool.
[Collection(Bottleneck.Tests.Autograd.GemmProviderCollection.Name)]
public sealed class GemmTests
{
    private const string ManagedVector256 = "managed/Vector256";
    private const string ManagedVector128 = "managed/Vector128";

    /// <summary>Every provider of <see cref="Gemm.Available"/> by name, plus the managed kernel variants that this
    /// machine can run but does not pick by default (so the Vector256/Vector128 fallbacks are tested on AVX-512 machines too).</summary>
    public static TheoryData<string> Providers()
    {
        var data = new TheoryData<string>();
        foreach (IGemmProvider p in Gemm.Available())
            data.Add(p.Name);
        data.Add(ManagedVector256);
        data.Add(ManagedVector128);
        return data;
    }

    private static IGemmProvider Resolve(string key) => key switch
    {
        ManagedVector256 => new ManagedGemm(ManagedGemm.KernelKind.Vector256),
        ManagedVector128 => new ManagedGemm(ManagedGemm.KernelKind.Vector128),
        _ => Gemm.Available().Single(p => p.Name == key),
    };

    /// <summary>
    /// Runs one GEMM with padded strides (lda/ldb/ldc larger than the row length, so sub-matrix views are exercised
    /// and writes outside the m×n view are detected) and checks every element against a double reference.
    /// </summary>
    private static void Check(IGemmProvider provider, bool transA, bool transB, int m, int n, int k, float alpha, float beta,
        bool nanC = false, int pad = 3, ulong seed = 1)
    {
        var rng = new Rng(seed ^ (ulong)(m * 1_000_003 + n * 1009 + k) ^ (transA ? 17UL : 0) ^ (transB ? 31UL : 0));
        int aRows = transA ? k : m, aCols = transA ? m : k;
        int bRows = transB ? n : k, bCols = transB ? k : n;
        int lda = aCols + pad, ldb = bCols + pad + 1, ldc = n + pad + 2;
        var a = new float[Math.Max(1, aRows * lda)];
        var b = new float[Math.Max(1, bRows * ldb)];
        var c = new float[Math.Max(1, m * ldc)];
        rng.FillUniform(a, -1f, 1f);
        rng.FillUniform(b, -1f, 1f);
        rng.FillUniform(c, -1f, 1f);
        if (nanC)
        {
            for (int i = 0; i < m; i++)
                c.AsSpan(i * ldc, n).Fill(float.NaN);
        }
        float[] c0 = (float[])c.Clone();

        unsafe
        {
            fixed (float* pa = a)
            fixed (float* pb = b)
            fixed (float* pc = c)
                provider.Sgemm(transA, transB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
        }

        // Tolerance: each output is a k-term float32 dot product (plus the alpha/beta update). Rounding errors of
        // float32 accumulation (unit roundoff u = 2^-24) are bounded by ~k·u·Σ|a·b| in the worst case and grow like
        // sqrt(k)·u·Σ|a·b| for random-sign data; blocked/FMA accumulation only lowers this. We allow
        // (4·sqrt(k) + 4)·u relative to the magnitude |alpha|·Σ|a·b| + |beta·c|, i.e. 4σ of the random-walk bound,
        // which is tight enough to catch any indexing bug (those give O(1) relative errors).
        double u = Math.Pow(2, -24);
        double rel = (4 * Math.Sqrt(k) + 4) * u;
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = 0, mag = 0;
                for (int p = 0; p < k; p++)
                {
                    double x = transA ? a[p * lda + i] : a[i * lda + p];
                    double y = transB ? b[j * ldb + p] : b[p * ldb + j];
                    sum += x * y;
                    mag += Math.Abs(x * y);
                }
                double old = beta == 0f ? 0 : c0[i * ldc + j];
                double expected = alpha * sum + beta * old;
                double scale = Math.Abs(alpha) * mag + Math.Abs(beta * old);
                double got = c[i * ldc + j];
                double err = Math.Abs(got - expected);
                if (!(err <= rel * scale + 1e-30))
                {
                    Assert.Fail($"{provider.Describe()}: C[{i},{j}] = {got} but expected {expected} (|err| {err:E3} > {rel * scale:E3}) " +
                        $"for transA={transA} transB={transB} m={m} n={n} k={k} alpha={alpha} beta={beta} nanC={nanC}");
                }
            }
            // Padding columns of C must be untouched.
            for (int j = n; j < ldc && i * ldc + j < c.Length; j++)
                Assert.Equal(c0[i * ldc + j], c[i * ldc + j]);
        }
    }

    private static readonly (bool TransA, bool TransB)[] TransCombos = [(false, false), (false, true), (true, false), (true, true)];

    [Theory]
    [MemberData(nameof(Providers))]
    public void OddSizes_AllTransposes_MatchReference(string key)
    {
        IGemmProvider provider = Resolve(key);
        (int M, int N, int K)[] sizes =
        [
            (1, 1, 1), (1, 17, 3), (17, 1, 33), (3, 3, 1), (13, 33, 17), (33, 65, 3), (65, 17, 129),
            (129, 33, 65), (37, 257, 33), (257, 13, 17), (12, 32, 300), (14, 16, 513),
        ];
        foreach (var (ta, tb) in TransCombos)
        {
            foreach (var (m, n, k) in sizes)
                Check(provider, ta, tb, m, n, k, alpha: 1f, beta: 0f);
        }
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public void AlphaBeta_Semantics(string key)
    {
        IGemmProvider provider = Resolve(key);
        (float Alpha, float Beta)[] coefficients = [(1f, 1f), (-0.5f, 0.75f), (2.5f, 0f), (1f, -1f), (0.25f, 2f)];
        foreach (var (ta, tb) in TransCombos)
        {
            foreach (var (alpha, beta) in coefficients)
            {
                Check(provider, ta, tb, 33, 47, 65, alpha, beta);
                Check(provider, ta, tb, 5, 3, 290, alpha, beta); // two k passes: beta applies once only
            }
        }
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public void BetaZero_IgnoresNaNInC(string key)
    {
        IGemmProvider provider = Resolve(key);
        foreach (var (ta, tb) in TransCombos)
        {
            Check(provider, ta, tb, 17, 33, 9, alpha: 1f, beta: 0f, nanC: true);
            Check(provider, ta, tb, 64, 64, 64, alpha: -2f, beta: 0f, nanC: true);
            Check(provider, ta, tb, 3, 5, 0, alpha: 1f, beta: 0f, nanC: true); // k = 0
        }
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public void AlphaZero_ScalesC(string key)
    {
        IGemmProvider provider = Resolve(key);
        Check(provider, false, false, 9, 11, 7, alpha: 0f, beta: 0.5f);
        Check(provider, true, true, 9, 11, 7, alpha: 0f, beta: 0f, nanC: true);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public void KZero_GivesBetaC(string key)
    {
        IGemmProvider provider = Resolve(key);
        foreach (var (ta, tb) in TransCombos)
        {
            Check(provider, ta, tb, 7, 5, 0, alpha: 1f, beta: 0.5f);
            Check(provider, ta, tb, 7, 5, 0, alpha: 1f, beta: 1f);
            Check(provider, ta, tb, 7, 5, 0, alpha: 1f, beta: 0f);
        }
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public void EmptyMOrN_IsANoOp(string key)
    {
        IGemmProvider provider = Resolve(key);
        foreach (var (ta, tb) in TransCombos)
        {
            Check(provider, ta, tb, 0, 5, 3, alpha: 1f, beta: 0f);
            Check(provider, ta, tb, 5, 0, 3, alpha: 1f, beta: 0f);
            Check(provider, ta, tb, 0, 0, 0, alpha: 1f, beta: 0f);
        }
        var c = new float[] { 42f };
        unsafe
        {
            fixed (float* pc = c)
                provider.Sgemm(false, false, 0, 1, 1, 1f, null, 1, null, 1, 0f, pc, 1);
        }
        Assert.Equal(42f, c[0]);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public void LargerThanOneBlock_AndMultiThreaded_MatchReference(string key)
    {
        IGemmProvider provider = Resolve(key);
        int saved = Gemm.Threads;
        try
        {
            foreach (int threads in new[] { 1, 2, 3 })
            {
                Gemm.Threads = threads;
                foreach (var (ta, tb) in TransCombos)
                {
                    Check(provider, ta, tb, 401, 67, 97, alpha: 1f, beta: 0.5f);  // m > mc limit, split over m
                    Check(provider, ta, tb, 45, 2070, 19, alpha: 1f, beta: 0f);   // n > nc limit, split over n
                    Check(provider, ta, tb, 130, 150, 270, alpha: -1f, beta: 1f); // 2-D grid with 3 threads
                }
            }
        }
        finally
        {
            Gemm.Threads = saved;
        }
    }

    [Fact]
    public void LinearLayerShapes_AllProvidersAgree()
    {
        // The three GEMMs of a Linear layer (batch 32, 128 → 64): Y = X·Wᵀ (NT), dX = dY·W (NN), dW = dYᵀ·X (TN).
        foreach (IGemmProvider provider in Gemm.Available())
        {
            Check(provider, false, true, 32, 64, 128, 1f, 0f, pad: 0);
            Check(provider, false, false, 32, 128, 64, 1f, 0f, pad: 0);
            Check(provider, true, false, 64, 128, 32, 1f, 1f, pad: 0);
        }
    }

    [Fact]
    public void Managed_SteadyState_AllocatesNothing()
    {
        var gemm = new ManagedGemm();
        int saved = Gemm.Threads;
        try
        {
            Gemm.Threads = 2;
            (int M, int N, int K, bool TA, bool TB)[] cases = [(256, 128, 512, false, false), (8, 8, 8, false, true), (100, 300, 70, true, false), (17, 33, 65, true, true)];
            var a = new float[512 * 300];
            var b = new float[512 * 300];
            var c = new float[512 * 300];
            new Rng(3).FillUniform(a, -1f, 1f);
            new Rng(4).FillUniform(b, -1f, 1f);
            unsafe
            {
                fixed (float* pa = a)
                fixed (float* pb = b)
                fixed (float* pc = c)
                {
                    for (int i = 0; i < 5; i++)
                        RunAll(gemm, cases, pa, pb, pc); // warm-up: thread-local pack buffers, worker threads, JIT
                    // Least of three measured rounds: a real per-call allocation shows in every round, the runtime's one-off
                    // re-compilation work on this thread (tiered compilation on a loaded machine) in one at most.
                    long allocated = long.MaxValue;
                    for (int round = 0; round < 3 && allocated > 0; round++)
                    {
                        long before = GC.GetAllocatedBytesForCurrentThread();
                        for (int i = 0; i < 20; i++)
                            RunAll(gemm, cases, pa, pb, pc);
                        allocated = Math.Min(allocated, GC.GetAllocatedBytesForCurrentThread() - before);
                    }
                    Assert.Equal(0, allocated);
                }
            }
        }
        finally
        {
            Gemm.Threads = saved;
        }
    }

    private static unsafe void RunAll(ManagedGemm gemm, (int M, int N, int K, bool TA, bool TB)[] cases, float* pa, float* pb, float* pc)
    {
        foreach (var (m, n, k, ta, tb) in cases)
            gemm.Sgemm(ta, tb, m, n, k, 1f, pa, ta ? m : k, pb, tb ? k : n, 0.5f, pc, n);
    }

    private sealed class FakeProvider(string name, bool available) : IGemmProvider
    {
        public string Name => name;
        public bool IsAvailable => available;
        public string Describe() => name + (available ? "" : " (unavailable: library not found)");
        public unsafe void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc)
            => throw new NotSupportedException();
    }

    [Fact]
    public void Selection_DefaultsToFirstAvailable_AndHonoursOverride()
    {
        var openblas = new FakeProvider("openblas", true);
        var managed = new FakeProvider("managed", true);
        Assert.Same(openblas, Gemm.Select(null, [openblas, managed]));
        Assert.Same(openblas, Gemm.Select("", [openblas, managed]));
        Assert.Same(managed, Gemm.Select("managed", [openblas, managed]));
        Assert.Same(managed, Gemm.Select(" MANAGED ", [openblas, managed]));
        var missing = new FakeProvider("openblas", false);
        Assert.Same(managed, Gemm.Select(null, [missing, managed]));
    }

    [Fact]
    public void Selection_UnknownValue_ThrowsClearError()
    {
        var ex = Assert.Throws<InvalidOperationException>(() =>
            Gemm.Select("cublas", [new FakeProvider("openblas", true), new FakeProvider("managed", true)]));
        Assert.Contains("BOTTLENECK_BACKEND", ex.Message);
        Assert.Contains("'cublas'", ex.Message);
        Assert.Contains("managed", ex.Message);
        Assert.Contains("openblas", ex.Message);
    }

    [Fact]
    public void Selection_UnavailableOpenBlas_ThrowsClearError()
    {
        var ex = Assert.Throws<InvalidOperationException>(() =>
            Gemm.Select("openblas", [new FakeProvider("openblas", false), new FakeProvider("managed", true)]));
        Assert.Contains("'openblas'", ex.Message);
        Assert.Contains("not available", ex.Message);
        Assert.Contains("available: managed", ex.Message);
    }

    [Fact]
    public void Threads_ParsingAndValidation()
    {
        Assert.Equal(4, Gemm.ParseThreads(null, 4));
        Assert.Equal(3, Gemm.ParseThreads(" 3 ", 4));
        Assert.Contains("BOTTLENECK_THREADS", Assert.Throws<InvalidOperationException>(() => Gemm.ParseThreads("zero", 4)).Message);
        Assert.Throws<InvalidOperationException>(() => Gemm.ParseThreads("0", 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Threads = 0);
    }

    [Fact]
    public void Available_AlwaysContainsManaged_AndDescribesItself()
    {
        IReadOnlyList<IGemmProvider> available = Gemm.Available();
        Assert.Contains(available, p => p is ManagedGemm);
        Assert.All(available, p => Assert.StartsWith(p.Name, p.Describe()));
        Assert.Contains(Gemm.Provider, available);
        Assert.Equal(Gemm.Provider.Describe(), Gemm.Describe());
    }

    [SkippableFact]
    public void OpenBlas_LoadsWhenInstalled()
    {
        Skip.IfNot(File.Exists("/usr/lib/x86_64-linux-gnu/libopenblas.so.0"), "libopenblas.so.0 is not installed here");
        var blas = new OpenBlasGemm();
        Assert.True(blas.IsAvailable, blas.Describe());
        Assert.Contains("threads", blas.Describe());
    }

    [Fact]
    public void SpanOverload_ComputesAndValidates()
    {
        // 2×3 · 3×2 with padded C (ldc = 3).
        float[] a = [1, 2, 3, 4, 5, 6];
        float[] b = [1, 0, 0, 1, 1, 1];
        float[] c = [float.NaN, float.NaN, 99, float.NaN, float.NaN, 99];
        Gemm.Sgemm(false, false, 2, 2, 3, 1f, a, 3, b, 2, 0f, c, 3);
        Assert.Equal(new float[] { 4, 5, 99, 10, 11, 99 }, c);

        var tooShort = Assert.Throws<ArgumentException>(() => Gemm.Sgemm(false, false, 2, 2, 3, 1f, a.AsSpan(0, 5), 3, b, 2, 0f, c, 3));
        Assert.Contains("A is 2×3", tooShort.Message);
        Assert.Equal("a", tooShort.ParamName);

        var transposedShort = Assert.Throws<ArgumentException>(() => Gemm.Sgemm(false, true, 2, 4, 3, 1f, a, 3, b, 3, 0f, new float[8], 4));
        Assert.Contains("B is 4×3 (transposed)", transposedShort.Message);

        var badLd = Assert.Throws<ArgumentException>(() => Gemm.Sgemm(false, false, 2, 2, 3, 1f, a, 2, b, 2, 0f, c, 3));
        Assert.Contains("lda=2", badLd.Message);

        var cShort = Assert.Throws<ArgumentException>(() => Gemm.Sgemm(false, false, 2, 2, 3, 1f, a, 3, b, 2, 0f, c.AsSpan(0, 4), 3));
        Assert.Equal("c", cShort.ParamName);

        Assert.Throws<ArgumentException>(() => Gemm.Sgemm(false, false, -1, 2, 3, 1f, a, 3, b, 2, 0f, c, 3));

        // Empty problems with empty spans are fine.
        Gemm.Sgemm(false, false, 0, 0, 0, 1f, ReadOnlySpan<float>.Empty, 0, ReadOnlySpan<float>.Empty, 0, 0f, Span<float>.Empty, 0);
        float[] c2 = [float.NaN, float.NaN];
        Gemm.Sgemm(true, false, 1, 2, 0, 1f, ReadOnlySpan<float>.Empty, 1, ReadOnlySpan<float>.Empty, 2, 0f, c2, 2);
        Assert.Equal(new float[] { 0, 0 }, c2);
    }
}
