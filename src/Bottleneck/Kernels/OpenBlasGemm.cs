using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace Bottleneck.Kernels;

/// <summary>
/// GEMM backend calling OpenBLAS <c>cblas_sgemm</c> (<c>C = alpha·op(A)·op(B) + beta·C</c>, row-major).
/// The native library is loaded at run time (<c>libopenblas.so.0</c>, <c>libopenblas.so</c>, <c>libopenblas</c>);
/// it is never needed at build time, and when it cannot be loaded <see cref="IsAvailable"/> is false.
/// </summary>
/// <remarks>
/// Entry points are bound once as unmanaged function pointers, so a call allocates nothing.
/// OpenBLAS's run-time CPU detection (DYNAMIC_ARCH builds such as Debian's 0.3.21) does not recognise some
/// AVX-512 CPUs, notably virtualised Sapphire Rapids, and falls back to its SSE3 "Prescott" kernels, which are ~8×
/// slower. Therefore, when <c>OPENBLAS_CORETYPE</c> is not set and the CPU supports AVX-512 F/BW/DQ/VL, the
/// variable is set to <c>SkylakeX</c> (the AVX-512 SGEMM kernels) in the native environment just before loading the
/// library (see <see cref="ForcedCoreType"/>). Set <c>OPENBLAS_CORETYPE</c> yourself to override this.
/// </remarks>
public sealed unsafe class OpenBlasGemm : IGemmProvider
{
    private const int CblasRowMajor = 101;
    private const int CblasNoTrans = 111;
    private const int CblasTrans = 112;

    /// <summary>Library names tried, in order, by <see cref="NativeLibrary.TryLoad(string, out IntPtr)"/>.</summary>
    internal static readonly string[] LibraryNames = ["libopenblas.so.0", "libopenblas.so", "libopenblas"];

    private static readonly Native? Lib = Native.TryLoad(out s_forcedCoreType);
    private static readonly string? s_forcedCoreType;

    /// <summary>Creates the provider; the native library is loaded once per process on first use of the type.</summary>
    public OpenBlasGemm() { }

    /// <inheritdoc/>
    public string Name => "openblas";

    /// <inheritdoc/>
    public bool IsAvailable => Lib is not null;

    /// <summary>
    /// The <c>OPENBLAS_CORETYPE</c> value this class put into the native environment before loading OpenBLAS
    /// (<c>"SkylakeX"</c> on AVX-512 CPUs when the variable was unset), or null when it left the variable alone.
    /// </summary>
    internal static string? ForcedCoreType => Lib is null ? null : s_forcedCoreType;

    /// <summary>The library name that loaded, or null when OpenBLAS is unavailable.</summary>
    public string? LibraryName => Lib?.LibraryName;

    /// <inheritdoc/>
    public string Describe()
    {
        if (Lib is null)
            return "openblas (unavailable: none of " + string.Join(", ", LibraryNames) + " could be loaded)";
        string core = Lib.CoreName();
        int threads = Lib.GetThreads();
        return $"openblas ({Lib.LibraryName}{(core.Length > 0 ? ", " + core : "")}, {threads} thread{(threads == 1 ? "" : "s")})";
    }

    /// <summary>Sets OpenBLAS's own thread count (no-op when the library is not loaded).</summary>
    /// <param name="threads">Number of threads (≥ 1).</param>
    internal static void SetThreads(int threads) => Lib?.SetThreads(threads);

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">OpenBLAS could not be loaded.</exception>
    public void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc)
    {
        GemmCommon.CheckDims(m, n, k);
        if (Lib is null)
            throw new InvalidOperationException("OpenBLAS is not available: none of " + string.Join(", ", LibraryNames) + " could be loaded.");
        if (m == 0 || n == 0)
            return;
        if (k == 0 || alpha == 0f)
        {
            // BLAS quick-return semantics, handled here so that degenerate strides (e.g. lda = 0 when k = 0) never reach cblas' argument checks.
            GemmCommon.ScaleC(m, n, beta, c, ldc);
            return;
        }
        Lib.Sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
            m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }

    /// <summary>The loaded library and its bound entry points.</summary>
    private sealed class Native
    {
        private readonly delegate* unmanaged[Cdecl]<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void> _sgemm;
        private readonly delegate* unmanaged[Cdecl]<int, void> _setThreads;
        private readonly delegate* unmanaged[Cdecl]<int> _getThreads;
        private readonly delegate* unmanaged[Cdecl]<byte*> _coreName;

        private Native(string name, IntPtr handle, IntPtr sgemm, IntPtr setThreads)
        {
            LibraryName = name;
            _sgemm = (delegate* unmanaged[Cdecl]<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void>)sgemm;
            _setThreads = (delegate* unmanaged[Cdecl]<int, void>)setThreads;
            _getThreads = NativeLibrary.TryGetExport(handle, "openblas_get_num_threads", out IntPtr g) ? (delegate* unmanaged[Cdecl]<int>)g : null;
            _coreName = NativeLibrary.TryGetExport(handle, "openblas_get_corename", out IntPtr cn) ? (delegate* unmanaged[Cdecl]<byte*>)cn : null;
        }

        public string LibraryName { get; }

        public static Native? TryLoad(out string? forcedCoreType)
        {
            forcedCoreType = ForceCoreTypeIfNeeded();
            foreach (string name in LibraryNames)
            {
                if (!NativeLibrary.TryLoad(name, out IntPtr handle))
                    continue;
                if (NativeLibrary.TryGetExport(handle, "cblas_sgemm", out IntPtr sgemm)
                    && NativeLibrary.TryGetExport(handle, "openblas_set_num_threads", out IntPtr setThreads))
                {
                    var lib = new Native(name, handle, sgemm, setThreads);
                    int threads = Gemm.ThreadsIfInitialized;
                    if (threads > 0)
                        lib.SetThreads(threads);
                    return lib;
                }
                NativeLibrary.Free(handle);
            }
            return null;
        }

        /// <summary>
        /// Sets OPENBLAS_CORETYPE=SkylakeX in the native environment (libc setenv, never overwriting) when it is unset
        /// and the CPU has AVX-512 F/BW/DQ/VL; returns the value set, or null.
        /// </summary>
        private static string? ForceCoreTypeIfNeeded()
        {
            const string variable = "OPENBLAS_CORETYPE", value = "SkylakeX";
            if (!OperatingSystem.IsLinux() || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(variable)))
                return null;
            if (!(Avx512F.IsSupported && Avx512F.VL.IsSupported && Avx512BW.IsSupported && Avx512DQ.IsSupported))
                return null;
            if (!NativeLibrary.TryLoad("libc.so.6", out IntPtr libc))
                return null;
            if (!NativeLibrary.TryGetExport(libc, "setenv", out IntPtr setenvPtr))
                return null;
            var setenv = (delegate* unmanaged[Cdecl]<byte*, byte*, int, int>)setenvPtr;
            byte* name = stackalloc byte[variable.Length + 1];
            byte* text = stackalloc byte[value.Length + 1];
            for (int i = 0; i < variable.Length; i++) name[i] = (byte)variable[i];
            for (int i = 0; i < value.Length; i++) text[i] = (byte)value[i];
            name[variable.Length] = 0;
            text[value.Length] = 0;
            return setenv(name, text, 0) == 0 ? value : null;
        }

        public void Sgemm(int order, int ta, int tb, int m, int n, int k, float alpha, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc)
            => _sgemm(order, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);

        public void SetThreads(int threads) => _setThreads(threads);

        public int GetThreads() => _getThreads != null ? _getThreads() : Math.Max(1, Gemm.ThreadsIfInitialized);

        public string CoreName()
        {
            if (_coreName == null)
                return "";
            byte* s = _coreName();
            return s == null ? "" : Marshal.PtrToStringUTF8((IntPtr)s) ?? "";
        }
    }
}
