using System.Globalization;

namespace Bottleneck.Kernels;

/// <summary>
/// Process-wide entry point for single-precision GEMM, <c>C = alpha·op(A)·op(B) + beta·C</c> (row-major):
/// backend selection, thread count, and a span overload with argument validation.
/// </summary>
/// <remarks>
/// The backend is chosen once, on first use of <see cref="Provider"/>: the environment variable
/// <c>BOTTLENECK_BACKEND</c> (<c>managed</c> or <c>openblas</c>) forces one; otherwise the managed SIMD kernel on CPUs
/// with AVX-512 (measured faster end to end, see <c>All</c>), else OpenBLAS when its native library loads, else the
/// managed kernel. <see cref="Use"/> switches it in-process.
/// </remarks>
public static class Gemm
{
    /// <summary>Environment variable that forces the backend (<c>managed</c> or <c>openblas</c>).</summary>
    public const string BackendVariable = "BOTTLENECK_BACKEND";

    /// <summary>Environment variable that sets the default of <see cref="Threads"/>.</summary>
    public const string ThreadsVariable = "BOTTLENECK_THREADS";

    private static readonly object Sync = new();
    private static IGemmProvider? _provider;
    private static IReadOnlyList<IGemmProvider>? _all;
    private static volatile int _threads;

    /// <summary>The backend used by <see cref="Sgemm"/>; chosen once on first access (see the class remarks).</summary>
    /// <exception cref="InvalidOperationException"><c>BOTTLENECK_BACKEND</c> names an unknown backend, or one that is not available here.</exception>
    public static IGemmProvider Provider
    {
        get
        {
            IGemmProvider? p = Volatile.Read(ref _provider);
            if (p is not null)
                return p;
            lock (Sync)
            {
                _provider ??= Select(Environment.GetEnvironmentVariable(BackendVariable), All);
                return _provider;
            }
        }
    }

    /// <summary>
    /// Every known provider in order of preference, available or not; instances are shared. With AVX-512 the managed
    /// provider comes first: on the dense-autoencoder benchmark it trains faster end to end than OpenBLAS (29.5k vs 23.5k
    /// samples/s, docs/benchmarks.md) at equal GEMM speed, because OpenBLAS's spinning threads compete with the
    /// single-threaded elementwise work between products. Without AVX-512, OpenBLAS comes first.
    /// </summary>
    internal static IReadOnlyList<IGemmProvider> All
    {
        get
        {
            if (_all is null)
            {
                _ = Threads; // fix the thread count before OpenBLAS loads so it starts with the same setting
                IGemmProvider[] order = System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated
                    ? [new ManagedGemm(), new OpenBlasGemm()]
                    : [new OpenBlasGemm(), new ManagedGemm()];
                Interlocked.CompareExchange(ref _all, order, null);
            }
            return _all!;
        }
    }

    /// <summary>Describes the current backend.</summary>
    /// <returns><c>Provider.Describe()</c>, e.g. <c>"managed SIMD (Vector512 12×32, 2 threads)"</c>.</returns>
    /// <exception cref="InvalidOperationException">See <see cref="Provider"/>.</exception>
    public static string Describe() => Provider.Describe();

    /// <summary>Every provider whose <see cref="IGemmProvider.IsAvailable"/> is true, in order of preference.</summary>
    /// <returns>A new list of the shared provider instances (the managed one is always included).</returns>
    public static IReadOnlyList<IGemmProvider> Available() => All.Where(p => p.IsAvailable).ToArray();

    /// <summary>Switches the process-wide backend (for tests and benchmarks).</summary>
    /// <param name="provider">The backend to use from now on.</param>
    /// <exception cref="ArgumentNullException"><paramref name="provider"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="provider"/> is not available on this machine.</exception>
    public static void Use(IGemmProvider provider)
    {
        ArgumentNullException.ThrowIfNull(provider);
        if (!provider.IsAvailable)
            throw new ArgumentException($"GEMM provider '{provider.Name}' is not available: {provider.Describe()}", nameof(provider));
        lock (Sync)
            _provider = provider;
    }

    /// <summary>
    /// Number of threads a GEMM may use. Defaults to <c>BOTTLENECK_THREADS</c> when set, else
    /// <see cref="Environment.ProcessorCount"/>. Setting it also calls <c>openblas_set_num_threads</c> and resizes the
    /// managed worker pool.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Set to a value below 1.</exception>
    /// <exception cref="InvalidOperationException"><c>BOTTLENECK_THREADS</c> is not a positive integer.</exception>
    public static int Threads
    {
        get
        {
            int t = _threads;
            if (t > 0)
                return t;
            lock (Sync)
            {
                if (_threads == 0)
                {
                    _threads = ParseThreads(Environment.GetEnvironmentVariable(ThreadsVariable), Environment.ProcessorCount);
                    OpenBlasGemm.SetThreads(_threads);
                }
                return _threads;
            }
        }
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            lock (Sync)
            {
                _threads = value;
                OpenBlasGemm.SetThreads(value);
            }
        }
    }

    /// <summary>The thread count if it has been determined already, else 0 (never reads the environment).</summary>
    internal static int ThreadsIfInitialized => _threads;

    /// <summary>Largest thread count accepted from <c>BOTTLENECK_THREADS</c>.</summary>
    public const int MaxThreads = 1024;

    /// <summary>Parses a <c>BOTTLENECK_THREADS</c> value; null/empty gives <paramref name="fallback"/>.</summary>
    /// <exception cref="InvalidOperationException">The value is not an integer in 1 … <see cref="MaxThreads"/>.</exception>
    internal static int ParseThreads(string? value, int fallback)
    {
        if (string.IsNullOrWhiteSpace(value))
            return Math.Max(1, fallback);
        if (int.TryParse(value.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int t) && t >= 1 && t <= MaxThreads)
            return t;
        throw new InvalidOperationException($"{ThreadsVariable}='{value}' is not a thread count: give an integer from 1 to {MaxThreads} (this machine has {Environment.ProcessorCount} processors), or unset it.");
    }

    /// <summary>
    /// What is wrong with <c>BOTTLENECK_THREADS</c> or <c>BOTTLENECK_BACKEND</c> in this process's environment, or null when both are
    /// unset or valid; lets a command refuse them up front with a one-line message instead of failing at the first product.
    /// </summary>
    /// <returns>The message (naming the variable, its value and the accepted values), or null.</returns>
    public static string? EnvironmentProblem()
    {
        try { _ = ParseThreads(Environment.GetEnvironmentVariable(ThreadsVariable), 1); }
        catch (InvalidOperationException e) { return e.Message; }
        string? backend = Environment.GetEnvironmentVariable(BackendVariable);
        if (string.IsNullOrWhiteSpace(backend)) return null;
        try { _ = Select(backend, All); }
        catch (InvalidOperationException e) { return e.Message; }
        return null;
    }

    /// <summary>
    /// Picks the backend for a <c>BOTTLENECK_BACKEND</c> value: null/empty selects the first available provider of
    /// <paramref name="candidates"/>; otherwise the provider of that name (case-insensitive), which must be available.
    /// </summary>
    /// <param name="backend">The environment value (may be null).</param>
    /// <param name="candidates">Known providers in order of preference.</param>
    /// <returns>The chosen provider.</returns>
    /// <exception cref="InvalidOperationException">Unknown name, the named provider is unavailable, or nothing is available.</exception>
    internal static IGemmProvider Select(string? backend, IReadOnlyList<IGemmProvider> candidates)
    {
        string available = string.Join(", ", candidates.Where(p => p.IsAvailable).Select(p => p.Name));
        if (available.Length == 0)
            available = "none";
        if (string.IsNullOrWhiteSpace(backend))
        {
            return candidates.FirstOrDefault(p => p.IsAvailable)
                ?? throw new InvalidOperationException("No GEMM provider is available.");
        }
        string wanted = backend.Trim();
        IGemmProvider? named = candidates.FirstOrDefault(p => string.Equals(p.Name, wanted, StringComparison.OrdinalIgnoreCase));
        if (named is null)
        {
            throw new InvalidOperationException(
                $"{BackendVariable}='{backend}' is not a known GEMM backend; known: {string.Join(", ", candidates.Select(p => p.Name))}; available here: {available}.");
        }
        if (!named.IsAvailable)
        {
            throw new InvalidOperationException(
                $"{BackendVariable}='{backend}' but that backend is not available here ({named.Describe()}); available: {available}.");
        }
        return named;
    }

    /// <summary>
    /// Computes <c>C = alpha·op(A)·op(B) + beta·C</c> (row-major) with <see cref="Provider"/>, after validating the
    /// arguments. op(A) is m×k (A is stored m×k, or k×m when <paramref name="transA"/>), op(B) is k×n (B is stored
    /// k×n, or n×k when <paramref name="transB"/>), C is m×n. beta = 0 overwrites C (old NaNs are ignored).
    /// </summary>
    /// <param name="transA">Use Aᵀ: A is stored k×m.</param>
    /// <param name="transB">Use Bᵀ: B is stored n×k.</param>
    /// <param name="m">Rows of C (≥ 0).</param>
    /// <param name="n">Columns of C (≥ 0).</param>
    /// <param name="k">Inner dimension (≥ 0).</param>
    /// <param name="alpha">Scale of the product.</param>
    /// <param name="a">A, row-major with row stride <paramref name="lda"/>.</param>
    /// <param name="lda">Row stride of A (≥ stored columns of A).</param>
    /// <param name="b">B, row-major with row stride <paramref name="ldb"/>.</param>
    /// <param name="ldb">Row stride of B (≥ stored columns of B).</param>
    /// <param name="beta">Scale of the old C; 0 means overwrite.</param>
    /// <param name="c">C, row-major with row stride <paramref name="ldc"/>; must not overlap A or B.</param>
    /// <param name="ldc">Row stride of C (≥ n).</param>
    /// <exception cref="ArgumentException">A dimension is negative, a stride is smaller than its row length, or a span is too short for its shape and stride (the message names the shapes).</exception>
    /// <exception cref="InvalidOperationException">See <see cref="Provider"/>.</exception>
    public static unsafe void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        if (m < 0 || n < 0 || k < 0)
            throw new ArgumentException($"GEMM dimensions must be ≥ 0, got m={m}, n={n}, k={k}.");
        int aRows = transA ? k : m, aCols = transA ? m : k;
        int bRows = transB ? n : k, bCols = transB ? k : n;
        CheckOperand("A", a.Length, aRows, aCols, lda, transA, m, n, k, nameof(a));
        CheckOperand("B", b.Length, bRows, bCols, ldb, transB, m, n, k, nameof(b));
        CheckOperand("C", c.Length, m, n, ldc, false, m, n, k, nameof(c));
        if (m == 0 || n == 0)
            return;
        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = c)
            Provider.Sgemm(transA, transB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
    }

    private static void CheckOperand(string name, int length, int rows, int cols, int ld, bool trans, int m, int n, int k, string paramName)
    {
        string shape = $"{name} is {rows}×{cols}{(trans ? " (transposed)" : "")} for m={m}, n={n}, k={k}";
        if (ld < cols || ld < 0)
            throw new ArgumentException($"GEMM: ld{name.ToLowerInvariant()}={ld} is smaller than the row length: {shape}.", paramName);
        if (rows == 0 || cols == 0)
            return;
        long needed = (long)(rows - 1) * ld + cols;
        if (length < needed)
            throw new ArgumentException($"GEMM: span {name} has {length} elements but {needed} are needed: {shape} with row stride {ld}.", paramName);
    }
}
