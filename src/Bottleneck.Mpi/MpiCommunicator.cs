using System.Runtime.InteropServices;
using System.Text;
using Bottleneck.Training;

namespace Bottleneck.Mpi;

/// <summary>
/// <see cref="ICommunicator"/> over MPI's world communicator: MPI_Allreduce (MPI_SUM, in place) and MPI_Bcast, through a thin
/// P/Invoke layer over the system's <c>libmpi</c>, loaded at run time. Open MPI and MPICH (and the MPICH-ABI family: Intel MPI,
/// MVAPICH) differ in their handle types (Open MPI: pointers to exported globals such as <c>ompi_mpi_comm_world</c>; MPICH: 32-bit
/// integer constants such as MPI_COMM_WORLD = 0x44000000), so the layer probes the library for <c>ompi_mpi_comm_world</c> and
/// calls each function with the matching signature.
/// </summary>
/// <remarks>
/// <para>Library choice: <c>BOTTLENECK_MPI_LIBRARY</c> (a file name or path) when set; otherwise the library of the launcher that
/// started the process (Open MPI's <c>mpirun</c> sets <c>OMPI_COMM_WORLD_SIZE</c>: <c>libmpi.so.40</c>; MPICH's Hydra sets
/// <c>PMI_SIZE</c>: <c>libmpich.so.12</c>), then the others. After MPI_Init_thread the world size must equal the launcher's
/// (a process started by one MPI's launcher but linked to the other's library would see a world of 1).</para>
/// <para>Thread level: MPI_THREAD_SERIALIZED is requested and at least MPI_THREAD_FUNNELED required; every call comes from the
/// training thread. Buffers longer than 2³¹ − 1 elements are reduced in chunks.</para>
/// <para>Failure: every MPI error aborts the job (MPI's default error handler, MPI_ERRORS_ARE_FATAL); <see cref="Abort"/> calls
/// MPI_Abort on the world communicator, which ends every rank with the code (docs/scale.md, "Distributed training").</para>
/// </remarks>
public sealed unsafe class MpiCommunicator : ICommunicator, IDisposable
{
    /// <summary>Environment variable naming the MPI library to load (file name or path).</summary>
    public const string LibraryVariable = "BOTTLENECK_MPI_LIBRARY";

    private const int ThreadFunneled = 1, ThreadSerialized = 2;   // the same values in Open MPI and MPICH

    private readonly nint _library;
    private readonly bool _openMpi;
    // Open MPI: addresses of its predefined objects; MPICH: the integer handle values.
    private readonly nint _world, _float, _double, _byte, _sum, _inPlace;
    private readonly delegate* unmanaged<int> _finalize;
    private readonly nint _allreduce, _bcast, _abort;
    private bool _finalized;

    private MpiCommunicator(nint library, string path, bool openMpi)
    {
        _library = library;
        LibraryPath = path;
        _openMpi = openMpi;
        if (openMpi)
        {
            _world = Export("ompi_mpi_comm_world");
            _float = Export("ompi_mpi_float");
            _double = Export("ompi_mpi_double");
            _byte = Export("ompi_mpi_byte");
            _sum = Export("ompi_mpi_op_sum");
            _inPlace = 1;
        }
        else
        {
            _world = 0x44000000;
            _float = 0x4c00040a;
            _double = 0x4c00080b;
            _byte = 0x4c00010d;
            _sum = 0x58000003;
            _inPlace = -1;
        }
        _allreduce = Export("MPI_Allreduce");
        _bcast = Export("MPI_Bcast");
        _abort = Export("MPI_Abort");
        _finalize = (delegate* unmanaged<int>)Export("MPI_Finalize");
        Version = LibraryVersion();

        int already = 0;
        Check(((delegate* unmanaged<int*, int>)Export("MPI_Initialized"))(&already), "MPI_Initialized");
        if (already != 0) throw new MpiUnavailableException("MPI is already initialized in this process");
        int provided = 0;
        Check(((delegate* unmanaged<int*, nint, int, int*, int>)Export("MPI_Init_thread"))(null, 0, ThreadSerialized, &provided), "MPI_Init_thread");
        if (provided < ThreadFunneled)
            throw new MpiUnavailableException($"{Version} gives thread level {provided}; MPI_THREAD_FUNNELED ({ThreadFunneled}) or above is needed");
        int size = 0, rank = 0;
        if (openMpi)
        {
            Check(((delegate* unmanaged<nint, int*, int>)Export("MPI_Comm_size"))(_world, &size), "MPI_Comm_size");
            Check(((delegate* unmanaged<nint, int*, int>)Export("MPI_Comm_rank"))(_world, &rank), "MPI_Comm_rank");
        }
        else
        {
            Check(((delegate* unmanaged<int, int*, int>)Export("MPI_Comm_size"))((int)_world, &size), "MPI_Comm_size");
            Check(((delegate* unmanaged<int, int*, int>)Export("MPI_Comm_rank"))((int)_world, &rank), "MPI_Comm_rank");
        }
        Size = size;
        Rank = rank;
    }

    /// <summary>Loads libmpi and initializes MPI (MPI_Init_thread); call once per process, and <see cref="Dispose"/> (MPI_Finalize) at the end.</summary>
    /// <returns>The world communicator of this process.</returns>
    /// <exception cref="MpiUnavailableException">No MPI library could be loaded, it is neither Open MPI nor MPICH-compatible, its
    /// thread support is too low, or the world it reports does not match the launcher's (the message says which and what to do).</exception>
    public static MpiCommunicator Initialize()
    {
        var tried = new List<string>();
        foreach (var name in Candidates())
        {
            if (!NativeLibrary.TryLoad(name, out var handle)) { tried.Add(name); continue; }
            bool openMpi = NativeLibrary.TryGetExport(handle, "ompi_mpi_comm_world", out _);
            if (!openMpi && !IsMpichAbi(handle))
                throw new MpiUnavailableException($"{name} is neither Open MPI nor an MPICH-compatible MPI; set {LibraryVariable} to one of those");
            var comm = new MpiCommunicator(handle, name, openMpi);
            if (LauncherSize() is { } expected && expected != comm.Size)
                throw new MpiUnavailableException($"the launcher started {expected} processes but {name} ({comm.Version}) reports a world of {comm.Size}: " +
                    $"the process was started by another MPI's mpirun; use that MPI's library ({LibraryVariable}) or its mpirun (e.g. mpirun.openmpi, mpirun.mpich)");
            return comm;
        }
        throw new MpiUnavailableException($"no MPI library found (tried {string.Join(", ", tried)}): install Open MPI (apt-get install openmpi-bin) " +
                                          $"or MPICH (apt-get install mpich), or set {LibraryVariable} to the path of libmpi");
    }

    /// <summary>The library file that was loaded, e.g. "libmpi.so.40".</summary>
    public string LibraryPath { get; }

    /// <summary>MPI_Get_library_version's first line, e.g. "Open MPI v4.1.4, package: Debian OpenMPI, …" or "MPICH Version: 4.0.2".</summary>
    public string Version { get; }

    /// <inheritdoc/>
    public int Rank { get; }

    /// <inheritdoc/>
    public int Size { get; }

    /// <inheritdoc/>
    public string Describe() => $"MPI ({Version}; {LibraryPath}), {Size} rank{(Size == 1 ? "" : "s")}";

    /// <inheritdoc/>
    public void AllReduceSum(Span<float> buffer)
    {
        fixed (float* p = buffer) Reduce(p, buffer.Length, sizeof(float), _float);
    }

    /// <inheritdoc/>
    public void AllReduceSum(Span<double> buffer)
    {
        fixed (double* p = buffer) Reduce(p, buffer.Length, sizeof(double), _double);
    }

    /// <inheritdoc/>
    public void Broadcast(Span<byte> buffer, int root = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(root);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(root, Size);
        CheckOpen();
        fixed (byte* p = buffer)
        {
            for (long at = 0; at < buffer.Length; at += int.MaxValue)
            {
                int count = (int)Math.Min(int.MaxValue, buffer.Length - at);
                int rc = _openMpi
                    ? ((delegate* unmanaged<void*, int, nint, int, nint, int>)_bcast)(p + at, count, _byte, root, _world)
                    : ((delegate* unmanaged<void*, int, int, int, int, int>)_bcast)(p + at, count, (int)_byte, root, (int)_world);
                Check(rc, "MPI_Bcast");
            }
        }
    }

    /// <summary>MPI_Abort(MPI_COMM_WORLD, <paramref name="errorCode"/>): ends every rank of the job. Does not return.</summary>
    public void Abort(int errorCode)
    {
        if (!_finalized)
        {
            if (_openMpi) ((delegate* unmanaged<nint, int, int>)_abort)(_world, errorCode);
            else ((delegate* unmanaged<int, int, int>)_abort)((int)_world, errorCode);
        }
        Environment.Exit(errorCode);
    }

    /// <summary>MPI_Finalize (once); the library stays loaded.</summary>
    public void Dispose()
    {
        if (_finalized) return;
        _finalized = true;
        _finalize();
    }

    private void Reduce(void* p, int length, int elementSize, nint type)
    {
        CheckOpen();
        for (long at = 0; at < length; at += int.MaxValue)
        {
            int count = (int)Math.Min(int.MaxValue, length - at);
            byte* chunk = (byte*)p + at * elementSize;
            int rc = _openMpi
                ? ((delegate* unmanaged<void*, void*, int, nint, nint, nint, int>)_allreduce)((void*)_inPlace, chunk, count, type, _sum, _world)
                : ((delegate* unmanaged<void*, void*, int, int, int, int, int>)_allreduce)((void*)_inPlace, chunk, count, (int)type, (int)_sum, (int)_world);
            Check(rc, "MPI_Allreduce");
        }
    }

    private void CheckOpen()
    {
        if (_finalized) throw new ObjectDisposedException(nameof(MpiCommunicator), "MPI was finalized");
    }

    private nint Export(string name) => NativeLibrary.TryGetExport(_library, name, out var address) ? address
        : throw new MpiUnavailableException($"{LibraryPath} has no {name}: it is not a complete MPI library");

    private string LibraryVersion() => ReadVersion(_library) is { Length: > 0 } v ? v : _openMpi ? "Open MPI" : "MPICH";

    private static string ReadVersion(nint library)
    {
        if (!NativeLibrary.TryGetExport(library, "MPI_Get_library_version", out var f)) return "";
        var buffer = new byte[8192];   // MPI_MAX_LIBRARY_VERSION_STRING: 256 in Open MPI, 8192 in MPICH
        int length = 0;
        fixed (byte* b = buffer)
            if (((delegate* unmanaged<byte*, int*, int>)f)(b, &length) != 0) return "";
        var text = Encoding.UTF8.GetString(buffer, 0, Math.Clamp(length, 0, buffer.Length)).TrimEnd('\0');
        var first = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "";
        return string.Join(' ', first.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));   // MPICH: "MPICH Version:\t4.0.2"
    }

    /// <summary>MPICH and its ABI family (Intel MPI, MVAPICH) name themselves in MPI_Get_library_version, which may be called before MPI_Init.</summary>
    private static bool IsMpichAbi(nint library)
    {
        var v = ReadVersion(library);
        return v.Contains("MPICH", StringComparison.OrdinalIgnoreCase) || v.Contains("MVAPICH", StringComparison.OrdinalIgnoreCase)
            || v.Contains("Intel", StringComparison.OrdinalIgnoreCase);
    }

    private static void Check(int rc, string function)
    {
        if (rc != 0) throw new InvalidOperationException($"{function} failed with MPI error code {rc}");
    }

    /// <summary>Library names to try, most likely first.</summary>
    private static IEnumerable<string> Candidates()
    {
        if (Environment.GetEnvironmentVariable(LibraryVariable) is { Length: > 0 } chosen) return [chosen];
        string[] openMpi = ["libmpi.so.40"], mpich = ["libmpich.so.12", "libmpi.so.12"];
        bool hydra = Environment.GetEnvironmentVariable("PMI_SIZE") != null || Environment.GetEnvironmentVariable("HYDRA_CONTROL_FD") != null
                     || Environment.GetEnvironmentVariable("PMI_FD") != null;
        return hydra && Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_SIZE") == null
            ? [.. mpich, .. openMpi, "libmpi.so"]
            : [.. openMpi, .. mpich, "libmpi.so"];
    }

    /// <summary>The number of processes the launcher started, from its environment (Open MPI, MPICH's Hydra, Slurm), or null.</summary>
    private static int? LauncherSize()
    {
        foreach (var name in new[] { "OMPI_COMM_WORLD_SIZE", "PMI_SIZE" })
            if (int.TryParse(Environment.GetEnvironmentVariable(name), out int n) && n > 0) return n;
        return null;
    }
}

/// <summary>MPI cannot be used in this process; the message says why and what to install or set.</summary>
/// <param name="message">The reason, one line.</param>
public sealed class MpiUnavailableException(string message) : Exception(message);
