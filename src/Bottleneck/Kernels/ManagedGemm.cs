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
/// vectors are not accelerated). Large products run on <see cref="Gemm.Threads"/> threads of a persistent worker pool (the calling
/// thread computes one part), either as a grid of C blocks or cooperatively on shared packed buffers, whichever the cost estimate
/// of <see cref="Schedule"/> prefers (or, for a small m·n with several k passes, split over k with the partial sums added in pass order); products up to <see cref="SingleThreadThreshold"/> multiply-adds stay on one thread.
/// After warm-up a call allocates no managed memory.
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

    /// <summary>Products with m·n·k up to this run on the calling thread only (OpenBLAS's threshold: 4·65,536).</summary>
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

    /// <summary>Strided kernels by row count (index r &lt; MR: the first r rows; index MR: the full tile), reading A and B in place
    /// with a k step given per call (<see cref="RunBlockDirect"/>), or null for kinds without them.</summary>
    private readonly nint[]? _stridedKernels;

    /// <summary>Row kernels by row count (index r &lt; MR: the first r rows; index MR: the full tile), reading A in place from
    /// row-major rows (<see cref="RowKernelsFit"/>), or null for kinds without them.</summary>
    private readonly nint[]? _rowKernels;

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
                _stridedKernels =
                [
                    0, (nint)(delegate*<int, float*, nint, float*, nint, float*, nint, float, float, void>)&GemmMicroKernels.Kernel1of12x32Vector512Strided,
                    (nint)(delegate*<int, float*, nint, float*, nint, float*, nint, float, float, void>)&GemmMicroKernels.Kernel2of12x32Vector512Strided,
                    (nint)(delegate*<int, float*, nint, float*, nint, float*, nint, float, float, void>)&GemmMicroKernels.Kernel3of12x32Vector512Strided,
                    (nint)(delegate*<int, float*, nint, float*, nint, float*, nint, float, float, void>)&GemmMicroKernels.Kernel4of12x32Vector512Strided,
                    (nint)(delegate*<int, float*, nint, float*, nint, float*, nint, float, float, void>)&GemmMicroKernels.Kernel5of12x32Vector512Strided,
                    (nint)(delegate*<int, float*, nint, float*, nint, float*, nint, float, float, void>)&GemmMicroKernels.Kernel6of12x32Vector512Strided,
                    (nint)(delegate*<int, float*, nint, float*, nint, float*, nint, float, float, void>)&GemmMicroKernels.Kernel7of12x32Vector512Strided,
                    (nint)(delegate*<int, float*, nint, float*, nint, float*, nint, float, float, void>)&GemmMicroKernels.Kernel8of12x32Vector512Strided,
                    (nint)(delegate*<int, float*, nint, float*, nint, float*, nint, float, float, void>)&GemmMicroKernels.Kernel9of12x32Vector512Strided,
                    (nint)(delegate*<int, float*, nint, float*, nint, float*, nint, float, float, void>)&GemmMicroKernels.Kernel10of12x32Vector512Strided,
                    (nint)(delegate*<int, float*, nint, float*, nint, float*, nint, float, float, void>)&GemmMicroKernels.Kernel11of12x32Vector512Strided,
                    (nint)(delegate*<int, float*, nint, float*, nint, float*, nint, float, float, void>)&GemmMicroKernels.Kernel12x32Vector512Strided,
                ];
                _rowKernels =
                [
                    0,
                    (nint)(delegate*<int, float*, nint, float*, nint, float*, nint, float, float, void>)&GemmMicroKernels.Kernel1of12x32Vector512Rows,
                    (nint)(delegate*<int, float*, nint, float*, nint, float*, nint, float, float, void>)&GemmMicroKernels.Kernel2of12x32Vector512Rows,
                    (nint)(delegate*<int, float*, nint, float*, nint, float*, nint, float, float, void>)&GemmMicroKernels.Kernel3of12x32Vector512Rows,
                    (nint)(delegate*<int, float*, nint, float*, nint, float*, nint, float, float, void>)&GemmMicroKernels.Kernel4of12x32Vector512Rows,
                    (nint)(delegate*<int, float*, nint, float*, nint, float*, nint, float, float, void>)&GemmMicroKernels.Kernel5of12x32Vector512Rows,
                    (nint)(delegate*<int, float*, nint, float*, nint, float*, nint, float, float, void>)&GemmMicroKernels.Kernel6of12x32Vector512Rows,
                    (nint)(delegate*<int, float*, nint, float*, nint, float*, nint, float, float, void>)&GemmMicroKernels.Kernel7of12x32Vector512Rows,
                    (nint)(delegate*<int, float*, nint, float*, nint, float*, nint, float, float, void>)&GemmMicroKernels.Kernel8of12x32Vector512Rows,
                    (nint)(delegate*<int, float*, nint, float*, nint, float*, nint, float, float, void>)&GemmMicroKernels.Kernel9of12x32Vector512Rows,
                    (nint)(delegate*<int, float*, nint, float*, nint, float*, nint, float, float, void>)&GemmMicroKernels.Kernel10of12x32Vector512Rows,
                    (nint)(delegate*<int, float*, nint, float*, nint, float*, nint, float, float, void>)&GemmMicroKernels.Kernel11of12x32Vector512Rows,
                    (nint)(delegate*<int, float*, nint, float*, nint, float*, nint, float, float, void>)&GemmMicroKernels.Kernel12x32Vector512Rows,
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
        Dispatch(new GemmArgs(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc));
    }

    /// <summary>Runs a product (m, n, k &gt; 0) on the schedule <see cref="Schedule"/> picks: one thread, a tm×tn grid of C blocks,
    /// a cooperative product with shared panels, or a k-split with partial sums; falls back to the calling thread when the pool is
    /// busy.</summary>
    private void Dispatch(in GemmArgs args)
    {
        int threads = Gemm.Threads;
        if (threads > 1 && (long)args.M * args.N * args.K > SingleThreadThreshold)
        {
            var s = Schedule(args.TransA, args.TransB, args.M, args.N, args.K, threads);
            bool done = s.Kind switch
            {
                GemmScheduleKind.Shared => GemmWorkerPool.Shared.TryRunShared(this, args, s.Parts),
                GemmScheduleKind.Grid => GemmWorkerPool.Shared.TryRun(this, args, s.Tm, s.Tn),
                GemmScheduleKind.KSplit => GemmWorkerPool.Shared.TryRunKSplit(this, args, s.Parts),
                _ => false,
            };
            if (done)
                return;
        }
        RunBlock(PackBuffers.ForCurrentThread, args);
    }

    /// <summary>
    /// C = act(op(A)·op(B) + bias) (alpha = 1, beta = 0): the product of <see cref="Sgemm"/>, blocked and threaded the same way, and
    /// each finished tile then gets the bias and the activation while it is still in L1 (the epilogue), so no separate pass over C.
    /// The product is bit-identical to <see cref="Sgemm"/> with alpha = 1, beta = 0, and the bias is added after the whole k sum
    /// (the result does not depend on the thread count).
    /// </summary>
    /// <param name="transA">Use Aᵀ: A is stored k×m.</param>
    /// <param name="transB">Use Bᵀ: B is stored n×k.</param>
    /// <param name="m">Rows of C (≥ 0).</param>
    /// <param name="n">Columns of C (≥ 0).</param>
    /// <param name="k">Inner dimension (≥ 0).</param>
    /// <param name="a">A, row-major with row stride <paramref name="lda"/>.</param>
    /// <param name="lda">Row stride of A.</param>
    /// <param name="b">B, row-major with row stride <paramref name="ldb"/>.</param>
    /// <param name="ldb">Row stride of B.</param>
    /// <param name="c">C, row-major with row stride <paramref name="ldc"/> (overwritten).</param>
    /// <param name="ldc">Row stride of C (≥ n).</param>
    /// <param name="bias">n values added to every row of C, or null.</param>
    /// <param name="activation">Applied in place to each finished tile (pointer, row stride, rows, columns), or null.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is negative.</exception>
    internal void SgemmEpilogue(bool transA, bool transB, int m, int n, int k, float* a, int lda, float* b, int ldb, float* c, int ldc,
        float* bias, delegate*<float*, nint, int, int, void> activation)
    {
        GemmCommon.CheckDims(m, n, k);
        if (m == 0 || n == 0)
            return;
        if (k == 0)
        {
            GemmCommon.ScaleC(m, n, 0f, c, ldc);
            GemmEpilogue.ApplyRows(c, ldc, m, n, bias, activation);
            return;
        }
        Dispatch(new GemmArgs(transA, transB, m, n, k, 1f, a, lda, b, ldb, 0f, c, ldc, bias, activation));
    }

    /// <summary>
    /// The schedule of a product on up to <paramref name="threads"/> threads: the one with the lowest estimated per-thread time
    /// (multiply-adds of the largest part, plus <see cref="PackWeight"/> per element it packs, plus a hand-off when the workers
    /// wake), among one thread; a tm×tn grid of C blocks (each thread packs its own A rows and B columns, so splitting m repeats
    /// the B packing and vice versa; an operand the block reads in place, <see cref="ChooseDirect"/>, costs nothing to pack); a
    /// cooperative product (<see cref="RunSharedPart"/>: A and B packed once in shared buffers, one barrier per block), only for
    /// blocks of at least <see cref="SharedMinBlockMacs"/> multiply-adds and more than 4·MR rows, and then against the grid as
    /// costed before this estimate knew about operands read in place (the choice measured on the training shapes); below that
    /// the barriers and the packed panels crossing between cores cost more than the packing they save (measured: 32×1024×32 at
    /// 56 GFLOP/s against 150 on one thread), and with few rows each thread packs its own B columns either way; and a k-split (<see cref="RunKSplitPart"/>: the k passes divided over the threads, each packing its share of
    /// both operands, the partial sums added in pass order), for a small m·n with several k passes, where a grid leaves one
    /// thread idle or packs a whole operand twice. Every schedule gives the same C bit for bit.
    /// </summary>
    internal GemmSchedule Schedule(bool transA, bool transB, int m, int n, int k, int threads)
    {
        if (threads < 2 || (long)m * n * k <= SingleThreadThreshold)
            return new GemmSchedule(GemmScheduleKind.Single, 1, 1, 1);
        int mr = Mr, nr = Nr;
        int mSlivers = (m + mr - 1) / mr, nSlivers = (n + nr - 1) / nr;
        var best = new GemmSchedule(GemmScheduleKind.Single, 1, 1, 1);
        double bestCost = double.MaxValue;
        void Consider(GemmSchedule s, double cost)
        {
            if (cost < bestCost * 0.999)
                (best, bestCost) = (s, cost);
        }
        for (int t = 1; t <= threads; t++)
        {
            for (int x = 1; x <= t; x++)
            {
                if (t % x != 0)
                    continue;
                int y = t / x;
                if (x > mSlivers || y > nSlivers)
                    continue;
                int rows = Math.Min(m, (mSlivers + x - 1) / x * mr);
                int cols = Math.Min(n, (nSlivers + y - 1) / y * nr);
                Consider(t == 1 ? new GemmSchedule(GemmScheduleKind.Single, 1, 1, 1) : new GemmSchedule(GemmScheduleKind.Grid, x, y, t),
                    BlockCost(transA, transB, rows, cols, k, k) + (t > 1 ? HandOffCost : 0));
            }
        }
        long macs = (long)m * n * k;
        int blocks = ((k + KcMax - 1) / KcMax) * ((n + NcMax - 1) / NcMax) * ((m + McLimit - 1) / McLimit);
        if (macs / blocks >= SharedMinBlockMacs && m > 4 * mr)
        {
            // Large products keep the choice measured on the training shapes: the cooperative product against the grid costed
            // as before (every operand packed), and when the grid wins there, the grid of the estimate above.
            double grid = double.MaxValue;
            for (int x = 1; x <= threads; x++)
            {
                if (threads % x != 0 || x > mSlivers || threads / x > nSlivers)
                    continue;
                double rows = Math.Min(m, (double)((mSlivers + x - 1) / x) * mr), cols = Math.Min(n, (double)((nSlivers + threads / x - 1) / (threads / x)) * nr);
                grid = Math.Min(grid, rows * cols * k + PackWeight * k * (rows + cols) + HandOffCost);
            }
            grid = Math.Min(grid, (double)m * n * k + PackWeight * k * ((double)m + n));
            for (int t = 2; t <= threads; t++)
            {
                double rows = Math.Min(m, (double)((mSlivers + t - 1) / t) * mr), cols = Math.Min(n, (double)((nSlivers + t - 1) / t) * nr);
                double cost = Math.Min(rows * n, m * cols) * k + PackWeight * k * ((double)m + n) / t + HandOffCost + BarrierCost * blocks;
                if (cost < grid * 0.999)
                    return new GemmSchedule(GemmScheduleKind.Shared, 1, 1, t);
            }
        }
        int kPasses = (k + KcMax - 1) / KcMax, kcNom = (k + kPasses - 1) / kPasses;
        for (int t = 2; t <= Math.Min(threads, kPasses); t++)
        {
            long partialFloats = (long)m * n * (kPasses - kPasses / t);
            if (partialFloats > KSplitMaxPartialFloats)
                continue;
            int passes = (kPasses + t - 1) / t;
            Consider(new GemmSchedule(GemmScheduleKind.KSplit, 1, 1, t),
                BlockCost(transA, transB, m, n, k, Math.Min(k, passes * kcNom)) + HandOffCost + MergeWeight * partialFloats);
        }
        return best;
    }

    /// <summary>Estimated multiply-adds of one thread's rows × cols block over <paramref name="depth"/> of the k dimension (of
    /// <paramref name="k"/>), with its packing: none for an operand read in place, <see cref="SliverPackWeight"/> per element of B
    /// packed sliver by sliver (one row block, <see cref="RunPasses"/>).</summary>
    private double BlockCost(bool transA, bool transB, int rows, int cols, int k, int depth)
    {
        bool direct = ChooseDirect(transA, transB, rows, cols, k, out bool directA, out bool directB);
        directA &= direct;
        directB &= direct;
        bool sliverB = !directB && rows <= McMax;
        return (double)rows * cols * depth + (directA ? 0 : PackWeight * rows * (double)depth)
            + (directB ? 0 : (sliverB ? SliverPackWeight : PackWeight) * cols * (double)depth);
    }

    private const double PackWeight = 16;        // one packed element ≈ 16 multiply-adds of kernel time
    private const double SliverPackWeight = 12;  // packed into an L1-sized sliver and read at once: no round trip through L2
    private const double HandOffCost = 400_000;  // waking workers ≈ 5–10 µs ≈ this many multiply-adds
    private const double BarrierCost = 50_000;   // one barrier of the cooperative product ≈ 0.5–1 µs
    private const double MergeWeight = 4;        // adding one partial sum written by another core

    /// <summary>The cooperative product is considered only for blocks (kc pass × nc panel × mc block) of at least this many
    /// multiply-adds.</summary>
    internal const long SharedMinBlockMacs = 4L << 20;

    /// <summary>A k-split is considered only when the partial sums of the passes not run by the calling thread take at most this
    /// many floats (64 KiB): small m·n, where the merge is a few microseconds at most.</summary>
    internal const long KSplitMaxPartialFloats = 1L << 14;

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
        RunBlock(buffers, new GemmArgs(g.TransA, g.TransB, i1 - i0, j1 - j0, g.K, g.Alpha, a, g.Lda, b, g.Ldb, g.Beta, c, g.Ldc,
            g.Bias == null ? null : g.Bias + j0, g.Activation));
    }

    /// <summary>
    /// Whether a product reads an operand in place instead of packing it (<see cref="RunBlockDirect"/>): B when it is not transposed
    /// (its k steps are rows, NR floats wide, like a packed sliver's) and A when it is transposed (its k steps are rows of MR
    /// consecutive values), and only for small products, where packing is a large share of the time and the operand read in
    /// place stays in cache: B when at most four row tiles re-read it, or it holds at most 64 Ki floats and is at most 8 slivers
    /// wide; A when at most two column slivers re-read it, or it holds at most 64 Ki floats and B is at most 8 slivers wide. (Wider
    /// products re-read the operand's rows, 4 KiB apart at n = 1,024, from conflicting L1 sets: measured slower than packing.)
    /// A not transposed is read in place by the row kernels (its rows lda apart; a tile's 12 rows at each k step), with the same
    /// rule.
    /// Needs the strided kernels (the Vector512 kind).
    /// </summary>
    internal bool ChooseDirect(bool transA, bool transB, int m, int n, int k, out bool directA, out bool directB)
    {
        directA = directB = false;
        if (_stridedKernels == null || n > NcMax)
            return false;
        directB = !transB && (m <= 4 * Mr || ((long)k * n <= 65_536 && n <= 8 * Nr));
        // A transposed: the strided kernels (k steps are rows of A); A not transposed: the row kernels (each row read in place)
        directA = (transA || _rowKernels != null) && (n <= 2 * Nr || ((long)k * m <= 65_536 && n <= 8 * Nr));
        return directA || directB;
    }

    /// <summary>Single-threaded blocked GEMM on one C block (m, n, k &gt; 0, alpha ≠ 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void RunBlock(PackBuffers buffers, in GemmArgs g)
    {
        bool direct = ChooseDirect(g.TransA, g.TransB, g.M, g.N, g.K, out bool directA, out bool directB);
        RunPasses(buffers, g, direct && directA, direct && directB, 0, int.MaxValue, null);
    }

    /// <summary>
    /// <see cref="RunBlockPacked"/> with A and/or B read in place by the strided kernels instead of packed (a last partial column
    /// sliver of B is still packed, zero-padded). The blocking, the k order and every FMA are the packed product's, so C is
    /// bit-identical to it.
    /// </summary>
    internal void RunBlockDirect(PackBuffers buffers, in GemmArgs g, bool directA, bool directB) =>
        RunPasses(buffers, g, directA && _stridedKernels != null, directB && _stridedKernels != null, 0, int.MaxValue, null);

    /// <summary>Single-threaded blocked GEMM on one C block with both operands packed (m, n, k &gt; 0, alpha ≠ 0).</summary>
    internal void RunBlockPacked(PackBuffers buffers, in GemmArgs g) => RunPasses(buffers, g, false, false, 0, int.MaxValue, null);

    /// <summary>
    /// The k passes [<paramref name="pass0"/>, <paramref name="pass1"/>) of the blocked product on one thread (GotoBLAS loops: nc
    /// panels of B, kc passes, mc blocks of A, NR slivers, MR tiles), A and/or B read in place by the strided kernels when
    /// <paramref name="directA"/>/<paramref name="directB"/>, else packed. With one row block (m ≤ mc) each packed B sliver is read
    /// by that block's tiles only, so it is packed right before them into an L1-sized buffer instead of a whole kc × nc panel that
    /// would be written to L2 (or L3) and read back once. With <paramref name="partials"/> null, C gets the passes in order (the
    /// first with beta, then beta = 1) and, after the last pass, the epilogue; otherwise pass j's plain sum (alpha = 1, beta = 0,
    /// no epilogue) goes to the m × n block <c>partials + (j − pass0)·m·n</c> (row stride n), for <see cref="MergePartials"/>.
    /// Every tile is the same FMA sequence whichever operand is read in place or packed and however the passes are split.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void RunPasses(PackBuffers buffers, in GemmArgs g, bool directA, bool directB, int pass0, int pass1, float* partials)
    {
        int mr = Mr, nr = Nr;
        int kPasses = (g.K + KcMax - 1) / KcMax;
        int kcNom = (g.K + kPasses - 1) / kPasses;
        int mPasses = (g.M + McMax - 1) / McMax;
        int mcNom = RoundUp((g.M + mPasses - 1) / mPasses, mr);
        int nPasses = (g.N + NcMax - 1) / NcMax;
        int ncNom = RoundUp((g.N + nPasses - 1) / nPasses, nr);
        pass1 = Math.Min(pass1, kPasses);
        bool rowsA = directA && !g.TransA;   // A read in place row by row (the row kernels), else strided (A transposed)
        if (rowsA && !RowKernelsFit(g.Lda))
            rowsA = directA = false;
        bool strided = directA || directB;
        bool sliverB = !directB && mPasses == 1;
        float* tile = stackalloc float[MaxTile];
        float* packA = buffers.A, packB = buffers.B;
        for (int jc = 0; jc < g.N; jc += ncNom)
        {
            int nc = Math.Min(ncNom, g.N - jc);
            for (int pass = pass0; pass < pass1; pass++)
            {
                int pc = pass * kcNom;
                int kc = Math.Min(kcNom, g.K - pc);
                // C, or this pass's partial sum (alpha = 1, beta = 0, no epilogue)
                float* cPanel = partials == null ? g.C + jc : partials + (long)(pass - pass0) * g.M * g.N + jc;
                int ldc = partials == null ? g.Ldc : g.N;
                float alpha = partials == null ? g.Alpha : 1f, beta = partials == null && pc == 0 ? g.Beta : partials == null ? 1f : 0f;
                bool last = partials == null && pc + kc == g.K;
                float* bias = last && g.Bias != null ? g.Bias + jc : null;
                var activation = last ? g.Activation : null;
                float* bSrc = g.TransB ? g.B + (nint)jc * g.Ldb + pc : g.B + (nint)pc * g.Ldb + jc;
                if (!directB && !sliverB)
                    GemmPacking.PackB(g.TransB, bSrc, g.Ldb, nc, kc, nr, packB);
                for (int ic = 0; ic < g.M; ic += mcNom)
                {
                    int mc = Math.Min(mcNom, g.M - ic);
                    float* aSrc = g.TransA ? g.A + (nint)pc * g.Lda + ic : g.A + (nint)ic * g.Lda + pc;
                    if (!directA)
                        GemmPacking.PackA(g.TransA, aSrc, g.Lda, mc, kc, mr, packA);
                    float* cBlock = cPanel + (nint)ic * ldc;
                    for (int jr = 0; jr < nc; jr += nr)
                    {
                        int nn = Math.Min(nr, nc - jr);
                        float* pb;
                        nint bStep = nr;
                        if (directB && nn == nr)
                        {
                            pb = bSrc + jr;
                            bStep = g.Ldb;
                        }
                        else if (directB || sliverB)
                        {
                            // packed right before its tiles (directB: only the last, partial sliver, zero-padded so the kernel
                            // never reads past B's rows)
                            GemmPacking.PackB(g.TransB, g.TransB ? bSrc + (nint)jr * g.Ldb : bSrc + jr, g.Ldb, nn, kc, nr, packB);
                            pb = packB;
                        }
                        else
                        {
                            pb = packB + (nint)jr * kc;
                        }
                        float* biasJ = bias == null ? null : bias + jr;
                        if (!strided)
                        {
                            MacroKernel(kc, mc, nn, packA, pb, cBlock + jr, ldc, alpha, beta, tile, biasJ, activation);
                            continue;
                        }
                        var kernels = rowsA ? _rowKernels! : _stridedKernels!;
                        for (int ir = 0; ir < mc; ir += mr)
                        {
                            int mm = Math.Min(mr, mc - ir);
                            // the row kernels take A's row stride, the strided ones its k step
                            float* pa = rowsA ? aSrc + (nint)ir * g.Lda : directA ? aSrc + ir : packA + (nint)ir * kc;
                            nint aStep = directA ? g.Lda : mr;
                            float* cc = cBlock + (nint)ir * ldc + jr;
                            var kernel = (delegate*<int, float*, nint, float*, nint, float*, nint, float, float, void>)kernels[mm];
                            if (nn == nr)
                            {
                                kernel(kc, pa, aStep, pb, bStep, cc, ldc, alpha, beta);
                            }
                            else
                            {
                                kernel(kc, pa, aStep, pb, bStep, tile, nr, 1f, 0f);
                                MergeEdge(tile, nr, mm, nn, cc, ldc, alpha, beta);
                            }
                            if (biasJ != null)
                                AddBias(cc, ldc, mm, nn, biasJ);
                            if (activation != null)
                                activation(cc, ldc, mm, nn);
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// Part <paramref name="index"/> of a k-split product on <paramref name="parts"/> threads (<see cref="KSplitPasses"/>): part 0
    /// runs the first passes into C (with beta), every other part writes each of its passes' plain sums to
    /// <paramref name="partials"/> (pass j at <c>partials + (j − first)·m·n</c>, first = the first pass not in part 0), for
    /// <see cref="MergePartials"/> to add in pass order.
    /// </summary>
    internal void RunKSplitPart(in GemmArgs g, int parts, int index, float* partials)
    {
        var (p0, p1, first) = KSplitPasses(g.K, parts, index);
        if (p1 <= p0)
            return;
        bool direct = ChooseDirect(g.TransA, g.TransB, g.M, g.N, g.K, out bool directA, out bool directB);
        RunPasses(PackBuffers.ForCurrentThread, g, direct && directA, direct && directB, p0, p1,
            index == 0 ? null : partials + (long)(p0 - first) * g.M * g.N);
    }

    /// <summary>Passes [p0, p1) of part <paramref name="index"/> of a k-split over <paramref name="parts"/>, and the first pass not
    /// run by part 0 (the first partial).</summary>
    internal static (int P0, int P1, int First) KSplitPasses(int k, int parts, int index)
    {
        int kPasses = (k + KcMax - 1) / KcMax;
        return (kPasses * index / parts, kPasses * (index + 1) / parts, kPasses / parts);
    }

    /// <summary>
    /// Completes a k-split product: C = FMA(partial_j, alpha, C) for each pass j after part 0's, in pass order (the micro-kernel's
    /// beta = 1 store, so C is bit-identical to the single-threaded product), then the bias and the activation.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void MergePartials(in GemmArgs g, int parts, float* partials)
    {
        int kPasses = (g.K + KcMax - 1) / KcMax;
        int first = KSplitPasses(g.K, parts, 0).P1;
        long plane = (long)g.M * g.N;
        Vector512<float> va = Vector512.Create(g.Alpha);
        for (int i = 0; i < g.M; i++)
        {
            float* c = g.C + (nint)i * g.Ldc;
            for (int pass = first; pass < kPasses; pass++)
            {
                float* p = partials + (pass - first) * plane + (nint)i * g.N;
                int j = 0;
                if (Vector512.IsHardwareAccelerated)
                {
                    for (; j + 16 <= g.N; j += 16)
                        Vector512.Store(Vector512.FusedMultiplyAdd(Vector512.Load(p + j), va, Vector512.Load(c + j)), c + j);
                }
                for (; j < g.N; j++)
                    c[j] = MathF.FusedMultiplyAdd(p[j], g.Alpha, c[j]);
            }
        }
        if (g.Bias != null || g.Activation != null)
            GemmEpilogue.ApplyRows(g.C, g.Ldc, g.M, g.N, g.Bias, g.Activation);
    }

    /// <summary>
    /// Part <paramref name="index"/> of a cooperative product on <paramref name="parts"/> threads (BLIS's scheme): for each block
    /// (a kc × nc panel of B and an mc × kc block of A) every thread packs its share of the B and A slivers into buffers all of them
    /// read, waits at the barrier, then computes its share of the block's tiles (split along the n or the m slivers, whichever is
    /// more even). A and B are each packed once in all (a tm×tn grid packs B tm times and A tn times), at the price of one barrier
    /// per block; the buffers alternate, so a thread may pack the next block while another still computes on this one. Blocking and
    /// k order are <see cref="RunBlock"/>'s, so C is bit-identical to the single-threaded product.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void RunSharedPart(in GemmArgs g, int parts, int index, SharedPanels shared)
    {
        int mr = Mr, nr = Nr;
        int kPasses = (g.K + KcMax - 1) / KcMax;
        int kcNom = (g.K + kPasses - 1) / kPasses;
        int mPasses = (g.M + McMax - 1) / McMax;
        int mcNom = RoundUp((g.M + mPasses - 1) / mPasses, mr);
        int nPasses = (g.N + NcMax - 1) / NcMax;
        int ncNom = RoundUp((g.N + nPasses - 1) / nPasses, nr);
        float* tile = stackalloc float[MaxTile];
        int sense = 0, turnA = 0, turnB = 0;
        for (int jc = 0; jc < g.N; jc += ncNom)
        {
            int nc = Math.Min(ncNom, g.N - jc);
            int nSlivers = (nc + nr - 1) / nr;
            for (int pc = 0; pc < g.K; pc += kcNom)
            {
                int kc = Math.Min(kcNom, g.K - pc);
                float beta = pc == 0 ? g.Beta : 1f;
                bool last = pc + kc == g.K;
                float* bias = last && g.Bias != null ? g.Bias + jc : null;
                var activation = last ? g.Activation : null;
                float* packB = shared.PanelB(turnB++);
                for (int ic = 0; ic < g.M; ic += mcNom)
                {
                    int mc = Math.Min(mcNom, g.M - ic);
                    int mSlivers = (mc + mr - 1) / mr;
                    float* packA = shared.PanelA(turnA++);
                    if (ic == 0)
                    {
                        int s0 = nSlivers * index / parts * nr, s1 = Math.Min(nc, nSlivers * (index + 1) / parts * nr);
                        if (s1 > s0)
                        {
                            float* bSrc = g.TransB ? g.B + (nint)(jc + s0) * g.Ldb + pc : g.B + (nint)pc * g.Ldb + jc + s0;
                            GemmPacking.PackB(g.TransB, bSrc, g.Ldb, s1 - s0, kc, nr, packB + (nint)s0 * kc);
                        }
                    }
                    int r0 = mSlivers * index / parts * mr, r1 = Math.Min(mc, mSlivers * (index + 1) / parts * mr);
                    if (r1 > r0)
                    {
                        float* aSrc = g.TransA ? g.A + (nint)pc * g.Lda + ic + r0 : g.A + (nint)(ic + r0) * g.Lda + pc;
                        GemmPacking.PackA(g.TransA, aSrc, g.Lda, r1 - r0, kc, mr, packA + (nint)r0 * kc);
                    }
                    if (!shared.Wait(ref sense))
                        return;
                    // This thread's tiles: a range of column slivers, or of row slivers when that splits the block more evenly.
                    long byColumns = (long)mc * Math.Min(nc, (nSlivers + parts - 1) / parts * nr);
                    long byRows = (long)nc * Math.Min(mc, (mSlivers + parts - 1) / parts * mr);
                    float* cBlock = g.C + (nint)ic * g.Ldc + jc;
                    if (byColumns <= byRows)
                    {
                        int j0 = nSlivers * index / parts * nr, j1 = Math.Min(nc, nSlivers * (index + 1) / parts * nr);
                        if (j1 > j0)
                            MacroKernel(kc, mc, j1 - j0, packA, packB + (nint)j0 * kc, cBlock + j0, g.Ldc, g.Alpha, beta, tile,
                                bias == null ? null : bias + j0, activation);
                    }
                    else if (r1 > r0)
                    {
                        MacroKernel(kc, r1 - r0, nc, packA + (nint)r0 * kc, packB, cBlock + (nint)r0 * g.Ldc, g.Ldc, g.Alpha, beta, tile,
                            bias, activation);
                    }
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
        if (m == 1 && _stridedKernels != null)
        {
            RunPrepackedRow(a, b, c, bias, activation, j0, j1);
            return;
        }
        int mPasses = (m + McMax - 1) / McMax;
        int mcNom = RoundUp((m + mPasses - 1) / mPasses, mr);
        float* tile = stackalloc float[MaxTile];
        float* packA = buffers.A;
        bool rowsInPlace = RowKernelsFit(lda) && PrepackedRowsInPlace;
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
                    if (rowsInPlace)
                    {
                        MacroKernelRows(kc, mc, hi - lo, a + (nint)ic * lda + pc, lda, packB, c + (nint)ic * ldc + lo, ldc, 1f, pc == 0 ? 0f : 1f,
                            tile, last && bias != null ? bias + lo : null, last ? activation : null);
                        continue;
                    }
                    GemmPacking.PackA(false, a + (nint)ic * lda + pc, lda, mc, kc, mr, packA);
                    MacroKernel(kc, mc, hi - lo, packA, packB, c + (nint)ic * ldc + lo, ldc, 1f, pc == 0 ? 0f : 1f, tile,
                        last && bias != null ? bias + lo : null, last ? activation : null);
                }
            }
        }
    }

    /// <summary>
    /// <see cref="RunPrepacked"/> for one row (a single sample): A read in place, four B slivers at a time
    /// (<see cref="GemvKernels.Row128Vector512"/>, eight independent FMA chains instead of the 1-row edge kernel's two), the rest
    /// one sliver at a time by the strided 1-row kernel; bias and activation per 32-column tile after the last k pass, as
    /// <see cref="MacroKernel"/> does. Each column is the edge kernel's FMA chain, so C is bit-identical to the tiled product.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void RunPrepackedRow(float* a, PackedMatrix b, float* c, float* bias, delegate*<float*, nint, int, int, void> activation, int j0, int j1)
    {
        int nr = Nr, k = b.K, n = b.N;
        float* tile = stackalloc float[MaxTile];
        var row = (delegate*<int, float*, nint, float*, nint, float*, nint, float, float, void>)_stridedKernels![1];
        for (int jc = 0; jc < n; jc += b.NcNom)
        {
            int nc = Math.Min(b.NcNom, n - jc);
            int lo = Math.Max(jc, j0), hi = Math.Min(jc + nc, j1);
            if (lo >= hi)
                continue;
            for (int pc = 0; pc < k; pc += b.KcNom)
            {
                int kc = Math.Min(b.KcNom, k - pc);
                float beta = pc == 0 ? 0f : 1f;
                float* block = b.Block(jc, pc);
                int jr = lo;
                for (; jr + 4 * nr <= hi; jr += 4 * nr)
                    GemvKernels.Row128Vector512(kc, a + pc, block + (nint)(jr - jc) * kc, (nint)nr * kc, c + jr, 1f, beta);
                for (; jr < hi; jr += nr)
                {
                    int nn = Math.Min(nr, hi - jr);
                    float* pb = block + (nint)(jr - jc) * kc;
                    if (nn == nr)
                    {
                        row(kc, a + pc, 1, pb, nr, c + jr, nr, 1f, beta);
                    }
                    else
                    {
                        row(kc, a + pc, 1, pb, nr, tile, nr, 1f, 0f);
                        MergeEdge(tile, nr, 1, nn, c + jr, nr, 1f, beta);
                    }
                }
                if (pc + kc == k && (bias != null || activation != null))
                {
                    for (jr = lo; jr < hi; jr += nr)
                    {
                        int nn = Math.Min(nr, hi - jr);
                        if (bias != null)
                            AddBias(c + jr, nr, 1, nn, bias + jr);
                        if (activation != null)
                            activation(c + jr, nr, 1, nn);
                    }
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

    /// <summary>Whether <see cref="RunPrepacked"/> reads A in place with the row kernels (settable so the benchmark and tests can
    /// compare it with packing A; the values are the same).</summary>
    internal static bool PrepackedRowsInPlace { get; set; } = true;

    /// <summary>
    /// Whether the row kernels can read a row-major A with row stride <paramref name="lda"/> in place: whenever the kind has them. (A
    /// stride of 1,024 floats puts a tile's 12 rows in the same L1 set; measured at one thread it is still 40 % faster than packing
    /// A: 32×1024×32 NT 142 → 206 GFLOP/s, NN 1024×1024×32 168 → 229.)
    /// </summary>
    internal bool RowKernelsFit(int lda) => _rowKernels != null && lda > 0;

    /// <summary><see cref="MacroKernel"/> with A read in place from rows <paramref name="lda"/> apart (the row kernels) instead of a
    /// packed block: the same FMAs in the same order, so the same C.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void MacroKernelRows(int kc, int mc, int nc, float* a, nint lda, float* packB, float* c, int ldc, float alpha, float beta, float* tile,
        float* bias, delegate*<float*, nint, int, int, void> activation)
    {
        int mr = Mr, nr = Nr;
        var kernels = _rowKernels!;
        for (int jr = 0; jr < nc; jr += nr)
        {
            int nn = Math.Min(nr, nc - jr);
            float* pb = packB + (nint)jr * kc;
            for (int ir = 0; ir < mc; ir += mr)
            {
                int mm = Math.Min(mr, mc - ir);
                float* cc = c + (nint)ir * ldc + jr;
                var kernel = (delegate*<int, float*, nint, float*, nint, float*, nint, float, float, void>)kernels[mm];
                if (nn == nr)
                {
                    kernel(kc, a + (nint)ir * lda, lda, pb, nr, cc, ldc, alpha, beta);
                }
                else
                {
                    kernel(kc, a + (nint)ir * lda, lda, pb, nr, tile, nr, 1f, 0f);
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
/// <remarks>With <c>bias</c> (N values) or <c>activation</c>, each tile of C gets them after its last k pass (the epilogue).</remarks>
/// <summary>How <see cref="ManagedGemm"/> runs a product on the worker pool (<see cref="ManagedGemm.Schedule"/>).</summary>
internal enum GemmScheduleKind
{
    /// <summary>On the calling thread.</summary>
    Single,
    /// <summary>A tm×tn grid of C blocks, one per thread, each packing its own operands.</summary>
    Grid,
    /// <summary>Cooperative: A and B packed once into shared panels, one barrier per block.</summary>
    Shared,
    /// <summary>The k passes divided over the threads, the partial sums added in pass order.</summary>
    KSplit,
}

/// <summary>A schedule: its kind, the grid (tm × tn, for <see cref="GemmScheduleKind.Grid"/>) and the number of threads.</summary>
internal readonly record struct GemmSchedule(GemmScheduleKind Kind, int Tm, int Tn, int Parts)
{
    /// <summary>Short description for benchmark tables: "1 thread", "grid 1×2", "shared ×2", "k-split ×2".</summary>
    public override string ToString() => Kind switch
    {
        GemmScheduleKind.Grid => $"grid {Tm}×{Tn}",
        GemmScheduleKind.Shared => $"shared ×{Parts}",
        GemmScheduleKind.KSplit => $"k-split ×{Parts}",
        _ => "1 thread",
    };
}

internal readonly unsafe struct GemmArgs(bool transA, bool transB, int m, int n, int k, float alpha, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc,
    float* bias = null, delegate*<float*, nint, int, int, void> activation = null)
{
    public readonly bool TransA = transA, TransB = transB;
    public readonly int M = m, N = n, K = k;
    public readonly float Alpha = alpha, Beta = beta;
    public readonly float* A = a, B = b, C = c;
    public readonly int Lda = lda, Ldb = ldb, Ldc = ldc;
    public readonly float* Bias = bias;
    public readonly delegate*<float*, nint, int, int, void> Activation = activation;
}
