using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Bottleneck.Kernels;

/// <summary>
/// Pure C# GEMM, <c>C = alpha·op(A)·op(B) + beta·C</c> (row-major), always available.
/// </summary>
/// <remarks>
/// GotoBLAS/BLIS structure: op(B) is packed in kc×nc panels and op(A) in mc×kc blocks (transposition is resolved
/// while packing) into per-thread aligned scratch buffers, and a register-blocked micro-kernel computes MR×NR tiles
/// with fused multiply-adds: 12×32 with <see cref="Vector512{T}"/> when AVX-512 is accelerated (24 zmm
/// accumulators), else 6×16 with <see cref="Vector256{T}"/> (or 8×12 with <see cref="Vector128{T}"/> where 256-bit
/// vectors are not accelerated). Large products are split into a grid of C blocks over
/// <see cref="Gemm.Threads"/> threads of a persistent worker pool (the calling thread computes one block). After
/// warm-up a call allocates no managed memory.
/// </remarks>
public sealed unsafe class ManagedGemm : IGemmProvider
{
    /// <summary>Largest kc (depth of a packed panel): a 256×32 B sliver (32 KiB) stays in L1 while A slivers stream from L2.</summary>
    internal const int KcMax = 256;

    /// <summary>Upper bound of mc (rows of a packed A block, ≤ 384·256·4 B = 384 KiB); the mc used is also limited to half of
    /// the L2 cache read at run time (<see cref="CacheInfo"/>).</summary>
    internal const int McLimit = 384;

    /// <summary>Upper bound of nc (columns of a packed B panel, 2048·256·4 B = 2 MiB).</summary>
    internal const int NcLimit = 2048;

    /// <summary>Largest MR·NR tile of any kernel (scratch tile for edge tiles).</summary>
    internal const int MaxTile = 16 * 32;

    /// <summary>Products with m·n·k below this run on the calling thread only.</summary>
    internal const long SingleThreadThreshold = 64L * 64 * 64;

    /// <summary>Micro-kernel variants (internal so tests can exercise the fallback on AVX-512 machines).</summary>
    internal enum KernelKind
    {
        /// <summary>Best for this machine.</summary>
        Auto,
        /// <summary>12×32 tile, Vector512.</summary>
        Vector512x12,
        /// <summary>6×16 tile, Vector256.</summary>
        Vector256,
        /// <summary>8×12 tile, Vector128 (for CPUs without 256-bit vectors, e.g. Arm64 NEON with 32 registers).</summary>
        Vector128,
    }

    private readonly delegate*<int, float*, float*, float*, nint, float, float, void> _kernel;

    /// <summary>Edge kernels by row count (index r computes the first r rows of a full-width tile), or null for kinds without them;
    /// the function pointers are kept as nint (arrays of function-pointer type trip the architecture test's IL reader).</summary>
    private readonly nint[]? _edgeKernels;

    /// <summary>Creates the provider with the best micro-kernel for this CPU.</summary>
    public ManagedGemm() : this(KernelKind.Auto) { }

    /// <summary>Creates the provider with a specific micro-kernel.</summary>
    internal ManagedGemm(KernelKind kind)
    {
        if (kind == KernelKind.Auto)
        {
            kind = Vector512.IsHardwareAccelerated ? KernelKind.Vector512x12
                : Vector256.IsHardwareAccelerated ? KernelKind.Vector256
                : KernelKind.Vector128;
        }
        Kind = kind;
        switch (kind)
        {
            case KernelKind.Vector512x12:
                (Mr, Nr, KernelName) = (12, 32, "Vector512 12×32");
                _kernel = &GemmMicroKernels.Kernel12x32Vector512;
                _edgeKernels =
                [
                    0, (nint)(delegate*<int, float*, float*, float*, nint, float, float, void>)&GemmMicroKernels.Kernel1of12x32Vector512,
                    (nint)(delegate*<int, float*, float*, float*, nint, float, float, void>)&GemmMicroKernels.Kernel2of12x32Vector512,
                    (nint)(delegate*<int, float*, float*, float*, nint, float, float, void>)&GemmMicroKernels.Kernel3of12x32Vector512,
                    (nint)(delegate*<int, float*, float*, float*, nint, float, float, void>)&GemmMicroKernels.Kernel4of12x32Vector512,
                    (nint)(delegate*<int, float*, float*, float*, nint, float, float, void>)&GemmMicroKernels.Kernel5of12x32Vector512,
                    (nint)(delegate*<int, float*, float*, float*, nint, float, float, void>)&GemmMicroKernels.Kernel6of12x32Vector512,
                    (nint)(delegate*<int, float*, float*, float*, nint, float, float, void>)&GemmMicroKernels.Kernel7of12x32Vector512,
                    (nint)(delegate*<int, float*, float*, float*, nint, float, float, void>)&GemmMicroKernels.Kernel8of12x32Vector512,
                    (nint)(delegate*<int, float*, float*, float*, nint, float, float, void>)&GemmMicroKernels.Kernel9of12x32Vector512,
                    (nint)(delegate*<int, float*, float*, float*, nint, float, float, void>)&GemmMicroKernels.Kernel10of12x32Vector512,
                    (nint)(delegate*<int, float*, float*, float*, nint, float, float, void>)&GemmMicroKernels.Kernel11of12x32Vector512,
                ];
                break;
            case KernelKind.Vector256:
                (Mr, Nr, KernelName) = (6, 16, "Vector256 6×16");
                _kernel = &GemmMicroKernels.Kernel6x16Vector256;
                break;
            case KernelKind.Vector128:
                (Mr, Nr, KernelName) = (8, 12, "Vector128 8×12");
                _kernel = &GemmMicroKernels.Kernel8x12Vector128;
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown micro-kernel.");
        }
        // A packed A block (mc × kc floats) takes at most half of L2 as read at run time (CacheInfo), and never more than McLimit
        // rows (the size of the pack buffers); mc does not change any value of C, only where the rows are blocked.
        long l2Rows = CacheInfo.L2Bytes / 2 / (KcMax * sizeof(float));
        McMax = (int)Math.Clamp(l2Rows, Mr, McLimit) / Mr * Mr;
        NcMax = NcLimit / Nr * Nr;
    }

    internal KernelKind Kind { get; }

    /// <summary>Rows of the micro-kernel tile.</summary>
    internal int Mr { get; }

    /// <summary>Columns of the micro-kernel tile.</summary>
    internal int Nr { get; }

    internal int McMax { get; }

    internal int NcMax { get; }

    internal string KernelName { get; }

    /// <inheritdoc/>
    public string Name => "managed";

    /// <inheritdoc/>
    public bool IsAvailable => true;

    /// <inheritdoc/>
    public string Describe()
    {
        int t = Gemm.Threads;
        return $"managed SIMD ({KernelName}, {t} thread{(t == 1 ? "" : "s")})";
    }

    /// <inheritdoc/>
    public void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc)
    {
        GemmCommon.CheckDims(m, n, k);
        if (m == 0 || n == 0)
            return;
        if (k == 0 || alpha == 0f)
        {
            GemmCommon.ScaleC(m, n, beta, c, ldc);
            return;
        }
        var args = new GemmArgs(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        int threads = Gemm.Threads;
        if (threads > 1 && (long)m * n * k >= SingleThreadThreshold)
        {
            ChoosePartition(m, n, k, threads, Mr, Nr, out int tm, out int tn);
            if (tm * tn > 1 && GemmWorkerPool.Shared.TryRun(this, args, tm, tn))
                return;
        }
        RunBlock(PackBuffers.ForCurrentThread, args);
    }

    /// <summary>
    /// Chooses a tm×tn grid of C blocks (tm·tn ≤ threads) minimizing the estimated per-thread time: the largest
    /// block's multiply-adds plus the packing its thread does (each thread packs its own A rows and B columns, so
    /// splitting m repeats the B packing and vice versa) plus a fixed hand-off cost when more than one thread runs.
    /// </summary>
    internal static void ChoosePartition(int m, int n, int k, int threads, int mr, int nr, out int tm, out int tn)
    {
        const double packWeight = 16;      // one packed element ≈ 16 multiply-adds of kernel time
        const double handOffCost = 400_000; // waking workers ≈ 5–10 µs ≈ this many multiply-adds
        int mSlivers = (m + mr - 1) / mr, nSlivers = (n + nr - 1) / nr;
        double best = double.MaxValue;
        tm = tn = 1;
        for (int t = 1; t <= threads; t++)
        {
            for (int x = 1; x <= t; x++)
            {
                if (t % x != 0)
                    continue;
                int y = t / x;
                if (x > mSlivers || y > nSlivers)
                    continue;
                double rows = Math.Min(m, (double)((mSlivers + x - 1) / x) * mr);
                double cols = Math.Min(n, (double)((nSlivers + y - 1) / y) * nr);
                double cost = rows * cols * k + packWeight * k * (rows + cols) + (t > 1 ? handOffCost : 0);
                if (cost < best * 0.999)
                {
                    best = cost;
                    tm = x;
                    tn = y;
                }
            }
        }
    }

    /// <summary>Computes block <paramref name="index"/> of a tm×tn grid over C (slivers split evenly).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void RunPart(PackBuffers buffers, in GemmArgs g, int tm, int tn, int index)
    {
        int pi = index / tn, pj = index % tn;
        int mSlivers = (g.M + Mr - 1) / Mr, nSlivers = (g.N + Nr - 1) / Nr;
        int i0 = Math.Min(g.M, (int)((long)mSlivers * pi / tm) * Mr);
        int i1 = Math.Min(g.M, (int)((long)mSlivers * (pi + 1) / tm) * Mr);
        int j0 = Math.Min(g.N, (int)((long)nSlivers * pj / tn) * Nr);
        int j1 = Math.Min(g.N, (int)((long)nSlivers * (pj + 1) / tn) * Nr);
        if (i1 <= i0 || j1 <= j0)
            return;
        float* a = g.TransA ? g.A + i0 : g.A + (nint)i0 * g.Lda;
        float* b = g.TransB ? g.B + (nint)j0 * g.Ldb : g.B + j0;
        float* c = g.C + (nint)i0 * g.Ldc + j0;
        RunBlock(buffers, new GemmArgs(g.TransA, g.TransB, i1 - i0, j1 - j0, g.K, g.Alpha, a, g.Lda, b, g.Ldb, g.Beta, c, g.Ldc));
    }

    /// <summary>Single-threaded blocked GEMM on one C block (m, n, k &gt; 0, alpha ≠ 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void RunBlock(PackBuffers buffers, in GemmArgs g)
    {
        int mr = Mr, nr = Nr;
        int kPasses = (g.K + KcMax - 1) / KcMax;
        int kcNom = (g.K + kPasses - 1) / kPasses;
        int mPasses = (g.M + McMax - 1) / McMax;
        int mcNom = RoundUp((g.M + mPasses - 1) / mPasses, mr);
        int nPasses = (g.N + NcMax - 1) / NcMax;
        int ncNom = RoundUp((g.N + nPasses - 1) / nPasses, nr);
        float* tile = stackalloc float[MaxTile];
        float* packA = buffers.A, packB = buffers.B;
        for (int jc = 0; jc < g.N; jc += ncNom)
        {
            int nc = Math.Min(ncNom, g.N - jc);
            for (int pc = 0; pc < g.K; pc += kcNom)
            {
                int kc = Math.Min(kcNom, g.K - pc);
                float beta = pc == 0 ? g.Beta : 1f;
                float* bSrc = g.TransB ? g.B + (nint)jc * g.Ldb + pc : g.B + (nint)pc * g.Ldb + jc;
                GemmPacking.PackB(g.TransB, bSrc, g.Ldb, nc, kc, nr, packB);
                for (int ic = 0; ic < g.M; ic += mcNom)
                {
                    int mc = Math.Min(mcNom, g.M - ic);
                    float* aSrc = g.TransA ? g.A + (nint)pc * g.Lda + ic : g.A + (nint)ic * g.Lda + pc;
                    GemmPacking.PackA(g.TransA, aSrc, g.Lda, mc, kc, mr, packA);
                    MacroKernel(kc, mc, nc, packA, packB, g.C + (nint)ic * g.Ldc + jc, g.Ldc, g.Alpha, beta, tile, null, null);
                }
            }
        }
    }

    /// <summary>
    /// C = act(A·B + bias) for an m-row A (row-major, stride <paramref name="lda"/>) and a B packed once in
    /// <paramref name="b"/>, on the calling thread: the blocking and the order of the k passes are those of
    /// <see cref="RunBlock"/> (so the product is bit-identical to <see cref="Sgemm"/> with alpha = 1, beta = 0), and after the
    /// last k pass each micro-tile gets the bias and the activation while it is still in L1.
    /// </summary>
    /// <param name="buffers">The calling thread's packing scratch.</param>
    /// <param name="m">Rows of A and C (≥ 1).</param>
    /// <param name="a">A, m × b.K.</param>
    /// <param name="lda">Row stride of A.</param>
    /// <param name="b">The packed B (b.K × b.N), packed for this provider's NR.</param>
    /// <param name="c">C, m × b.N.</param>
    /// <param name="ldc">Row stride of C.</param>
    /// <param name="bias">b.N values added to every row, or null.</param>
    /// <param name="activation">Applied in place to each finished tile (pointer, row stride, rows, columns), or null.</param>
    /// <param name="j0">First column of C to compute, a multiple of NR (default 0).</param>
    /// <param name="j1">End of the columns to compute (default −1: all); computing disjoint column ranges on several threads
    /// gives the same C as one call.</param>
    /// <exception cref="ArgumentException">B was packed for another kernel, or the column range is not NR-aligned or out of range.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void RunPrepacked(PackBuffers buffers, int m, float* a, int lda, PackedMatrix b, float* c, int ldc, float* bias,
        delegate*<float*, nint, int, int, void> activation, int j0 = 0, int j1 = -1)
    {
        if (b.Nr != Nr || b.NcNom > NcMax)
            throw new ArgumentException($"B was packed for NR = {b.Nr}, nc = {b.NcNom}; this kernel needs NR = {Nr}, nc ≤ {NcMax}", nameof(b));
        int mr = Mr, k = b.K, n = b.N;
        if (j1 < 0) j1 = n;
        if (j0 < 0 || j0 % Nr != 0 || j1 > n || j0 > j1)
            throw new ArgumentException($"columns [{j0}, {j1}) are not an NR-aligned range of 0 … {n}", nameof(j0));
        int mPasses = (m + McMax - 1) / McMax;
        int mcNom = RoundUp((m + mPasses - 1) / mPasses, mr);
        float* tile = stackalloc float[MaxTile];
        float* packA = buffers.A;
        for (int jc = 0; jc < n; jc += b.NcNom)
        {
            int nc = Math.Min(b.NcNom, n - jc);
            int lo = Math.Max(jc, j0), hi = Math.Min(jc + nc, j1);
            if (lo >= hi)
                continue;
            for (int pc = 0; pc < k; pc += b.KcNom)
            {
                int kc = Math.Min(b.KcNom, k - pc);
                bool last = pc + kc == k;
                float* packB = b.Block(jc, pc) + (nint)(lo - jc) * kc;
                for (int ic = 0; ic < m; ic += mcNom)
                {
                    int mc = Math.Min(mcNom, m - ic);
                    GemmPacking.PackA(false, a + (nint)ic * lda + pc, lda, mc, kc, mr, packA);
                    MacroKernel(kc, mc, hi - lo, packA, packB, c + (nint)ic * ldc + lo, ldc, 1f, pc == 0 ? 0f : 1f, tile,
                        last && bias != null ? bias + lo : null, last ? activation : null);
                }
            }
        }
    }

    /// <summary>
    /// Runs the micro-kernel over all tiles of an mc×nc block of C from packed A and B; with <paramref name="bias"/> (nc
    /// values) or <paramref name="activation"/>, each finished tile is then biased and activated in place.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void MacroKernel(int kc, int mc, int nc, float* packA, float* packB, float* c, int ldc, float alpha, float beta, float* tile,
        float* bias, delegate*<float*, nint, int, int, void> activation)
    {
        int mr = Mr, nr = Nr;
        var kernel = _kernel;
        var edges = _edgeKernels;
        for (int jr = 0; jr < nc; jr += nr)
        {
            int nn = Math.Min(nr, nc - jr);
            float* pb = packB + (nint)jr * kc;
            for (int ir = 0; ir < mc; ir += mr)
            {
                int mm = Math.Min(mr, mc - ir);
                float* pa = packA + (nint)ir * kc;
                float* cc = c + (nint)ir * ldc + jr;
                if (mm == mr && nn == nr)
                {
                    kernel(kc, pa, pb, cc, ldc, alpha, beta);
                }
                else if (nn == nr && edges != null)
                {
                    ((delegate*<int, float*, float*, float*, nint, float, float, void>)edges[mm])(kc, pa, pb, cc, ldc, alpha, beta);
                }
                else
                {
                    kernel(kc, pa, pb, tile, nr, 1f, 0f);
                    MergeEdge(tile, nr, mm, nn, cc, ldc, alpha, beta);
                }
                if (bias != null)
                    AddBias(cc, ldc, mm, nn, bias + jr);
                if (activation != null)
                    activation(cc, ldc, mm, nn);
            }
        }
    }

    /// <summary>C[i, j] += bias[j] on an mm×nn tile.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AddBias(float* c, int ldc, int mm, int nn, float* bias)
    {
        if (Vector512.IsHardwareAccelerated && nn == 32)
        {
            Vector512<float> b0 = Vector512.Load(bias), b1 = Vector512.Load(bias + 16);
            for (int i = 0; i < mm; i++)
            {
                float* r = c + (nint)i * ldc;
                Vector512.Store(Vector512.Load(r) + b0, r);
                Vector512.Store(Vector512.Load(r + 16) + b1, r + 16);
            }
            return;
        }
        for (int i = 0; i < mm; i++)
        {
            float* r = c + (nint)i * ldc;
            for (int j = 0; j < nn; j++)
                r[j] += bias[j];
        }
    }

    /// <summary>C[i, j] = alpha·tile[i, j] + beta·C[i, j] for the valid part of an edge tile (beta = 0 ignores C).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MergeEdge(float* tile, int nr, int mm, int nn, float* c, int ldc, float alpha, float beta)
    {
        for (int i = 0; i < mm; i++)
        {
            float* t = tile + (nint)i * nr;
            float* r = c + (nint)i * ldc;
            if (beta == 0f)
            {
                for (int j = 0; j < nn; j++)
                    r[j] = alpha * t[j];
            }
            else
            {
                for (int j = 0; j < nn; j++)
                    r[j] = MathF.FusedMultiplyAdd(alpha, t[j], beta * r[j]);
            }
        }
    }

    private static int RoundUp(int x, int multiple) => (x + multiple - 1) / multiple * multiple;
}

/// <summary>The arguments of one GEMM call (or of one block of it).</summary>
internal readonly unsafe struct GemmArgs(bool transA, bool transB, int m, int n, int k, float alpha, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc)
{
    public readonly bool TransA = transA, TransB = transB;
    public readonly int M = m, N = n, K = k;
    public readonly float Alpha = alpha, Beta = beta;
    public readonly float* A = a, B = b, C = c;
    public readonly int Lda = lda, Ldb = ldb, Ldc = ldc;
}
