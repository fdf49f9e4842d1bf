using System.Runtime.InteropServices;

namespace Bottleneck.IO;

/// <summary>What kind of file system object a path names (symbolic links followed).</summary>
public enum InputFileKind
{
    /// <summary>A regular file.</summary>
    Regular,
    /// <summary>A directory.</summary>
    Directory,
    /// <summary>Nothing exists at the path.</summary>
    Missing,
    /// <summary>A FIFO (named pipe): reading it blocks until a writer appears, and its size is unknown.</summary>
    Fifo,
    /// <summary>A character device such as <c>/dev/zero</c>: endless or unsized.</summary>
    CharacterDevice,
    /// <summary>A block device.</summary>
    BlockDevice,
    /// <summary>A Unix domain socket.</summary>
    Socket,
    /// <summary>The platform cannot tell (not Linux): treated as a regular file whose reads are bounded by its reported size.</summary>
    Unknown,
}

/// <summary>
/// Checks made before an input file is read, so that a size claimed by a header is compared with the file's real size and a
/// memory budget <b>before</b> memory is taken: only regular files are read (a FIFO or a device such as <c>/dev/zero</c> is refused
/// before it is opened, since opening a FIFO blocks and a device has no size), reads never go past the size the file had when
/// it was opened, and allocations for file contents are checked against <see cref="MemoryBudgetBytes"/>.
/// </summary>
/// <remarks>The file type comes from Linux's <c>statx(2)</c> (found at run time in libc.so.6); elsewhere it is
/// <see cref="InputFileKind.Unknown"/> and only the size bound applies.</remarks>
public static class InputFile
{
    /// <summary>Environment variable that sets <see cref="MemoryBudgetBytes"/> in bytes (optional; for machines where the
    /// runtime's view of available memory is wrong).</summary>
    public const string MemoryBudgetVariable = "BOTTLENECK_MEMORY_BUDGET";

    private static readonly AsyncLocal<long> Budget = new();

    /// <summary>
    /// The most memory one input may take: <c>BOTTLENECK_MEMORY_BUDGET</c> bytes when set to a positive integer, else 80% of the
    /// memory available to the process (<see cref="GCMemoryInfo.TotalAvailableMemoryBytes"/>, which respects container limits).
    /// Settable for tests and fuzzing, for the current execution context only (the calling thread and the tasks and threads it
    /// starts afterwards, so parallel work elsewhere keeps the default); a value ≤ 0 restores the default.
    /// </summary>
    public static long MemoryBudgetBytes
    {
        get
        {
            long b = Budget.Value;
            if (b > 0) return b;
            string? env = Environment.GetEnvironmentVariable(MemoryBudgetVariable);
            if (long.TryParse(env?.Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long v) && v > 0) return v;
            long available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
            return available > 0 ? available / 5 * 4 : 4L << 30;
        }
        set => Budget.Value = value;
    }

    /// <summary>What is wrong with <c>BOTTLENECK_MEMORY_BUDGET</c>, or null when it is unset or a positive integer (bytes).</summary>
    public static string? EnvironmentProblem()
    {
        string? env = Environment.GetEnvironmentVariable(MemoryBudgetVariable);
        if (string.IsNullOrWhiteSpace(env)) return null;
        return long.TryParse(env.Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long v) && v > 0 ? null
            : $"{MemoryBudgetVariable}='{env}' is not a memory budget: give a positive whole number of bytes (e.g. 8000000000), or unset it.";
    }

    /// <summary>The kind of object at <paramref name="path"/> (symbolic links followed).</summary>
    /// <param name="path">A path.</param>
    /// <returns>The kind; <see cref="InputFileKind.Unknown"/> when the platform cannot tell an existing non-directory apart.</returns>
    public static InputFileKind KindOf(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Directory.Exists(path)) return InputFileKind.Directory;
        if (!File.Exists(path)) return InputFileKind.Missing;
        return Statx.TryGetMode(path, out uint mode) ? (mode & 0xF000) switch
        {
            0x8000 => InputFileKind.Regular,
            0x4000 => InputFileKind.Directory,
            0x1000 => InputFileKind.Fifo,
            0x2000 => InputFileKind.CharacterDevice,
            0x6000 => InputFileKind.BlockDevice,
            0xC000 => InputFileKind.Socket,
            _ => InputFileKind.Unknown,
        } : InputFileKind.Unknown;
    }

    /// <summary>Why <paramref name="path"/> cannot be read as an input file, or null when it can (a regular file, or one the platform
    /// cannot classify).</summary>
    /// <param name="path">A path.</param>
    /// <returns>E.g. "file not found", "is a directory, not a file", "is a character device (like /dev/zero), not a regular file".</returns>
    public static string? Problem(string path) => KindOf(path) switch
    {
        InputFileKind.Regular or InputFileKind.Unknown => null,
        InputFileKind.Missing => "file not found",
        InputFileKind.Directory => "is a directory, not a file",
        InputFileKind.Fifo => "is a FIFO (named pipe), not a regular file; inputs must be regular files with a known size",
        InputFileKind.CharacterDevice => "is a character device (like /dev/zero), not a regular file; inputs must be regular files with a known size",
        InputFileKind.BlockDevice => "is a block device, not a regular file; inputs must be regular files",
        _ => "is a socket, not a regular file",
    };

    /// <summary>Opens a regular file for reading after <see cref="Problem"/> found nothing wrong.</summary>
    /// <param name="path">The file.</param>
    /// <param name="error">Makes the caller's exception from a complete message (which names the file).</param>
    /// <param name="bufferSize">FileStream buffer size; default 64 KiB.</param>
    /// <returns>The open stream (<see cref="FileStream.Length"/> is the size the reads are bounded by).</returns>
    public static FileStream OpenRead(string path, Func<string, Exception?, Exception> error, int bufferSize = 1 << 16)
    {
        ArgumentNullException.ThrowIfNull(error);
        if (Problem(path) is { } problem) throw error($"{path}: {problem}", null);
        try { return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        { throw error($"{path}: file not found", e); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        { throw error($"{path}: cannot open file ({e.Message})", e); }
    }

    /// <summary>Reads a whole regular file whose size is at most <paramref name="maxBytes"/> and within <see cref="MemoryBudgetBytes"/>.</summary>
    /// <param name="path">The file.</param>
    /// <param name="error">Makes the caller's exception from a complete message (which names the file).</param>
    /// <param name="maxBytes">Largest size accepted; default <see cref="long.MaxValue"/> (the memory budget and <see cref="Array.MaxLength"/> still apply).</param>
    /// <returns>The file's bytes (as many as its size when opened).</returns>
    public static byte[] ReadAllBytes(string path, Func<string, Exception?, Exception> error, long maxBytes = long.MaxValue)
    {
        using var fs = OpenRead(path, error, 1);
        long length = fs.Length;
        CheckAllocation(path, length, Math.Min(maxBytes, Array.MaxLength), "the file", error);
        var bytes = new byte[length];
        int total = 0;
        try
        {
            while (total < bytes.Length)
            {
                int n = fs.Read(bytes, total, bytes.Length - total);
                if (n == 0) break;
                total += n;
            }
        }
        catch (IOException e) { throw error($"{path}: cannot read file ({e.Message})", e); }
        if (total < bytes.Length) throw error($"{path}: the file shrank while it was read ({total} of {bytes.Length} bytes)", null);
        return bytes;
    }

    /// <summary>Refuses an allocation of <paramref name="bytes"/> for <paramref name="what"/> of <paramref name="path"/> when it is above
    /// <paramref name="limit"/> or the memory budget.</summary>
    /// <param name="path">The file (for the message).</param>
    /// <param name="bytes">Bytes the caller is about to allocate.</param>
    /// <param name="limit">A format's own limit (e.g. <see cref="Array.MaxLength"/> elements), in bytes.</param>
    /// <param name="what">What the memory is for, e.g. "shape (60000, 28, 28) of uint8".</param>
    /// <param name="error">Makes the caller's exception.</param>
    public static void CheckAllocation(string path, long bytes, long limit, string what, Func<string, Exception?, Exception> error)
    {
        ArgumentNullException.ThrowIfNull(error);
        if (bytes < 0 || bytes > limit)
            throw error($"{path}: {what} needs {FormatBytes(bytes)}, more than the {FormatBytes(limit)} a single array can hold", null);
        long budget = MemoryBudgetBytes;
        if (bytes > budget)
            throw error($"{path}: {what} needs {FormatBytes(bytes)} of memory, more than the budget of {FormatBytes(budget)} " +
                        $"(80% of available memory; set {MemoryBudgetVariable} to change it)", null);
    }

    /// <summary>A byte count for messages: "1.5 GB", "512 bytes".</summary>
    public static string FormatBytes(long bytes)
    {
        var ci = System.Globalization.CultureInfo.InvariantCulture;
        if (bytes < 0) return "more than 9.2 EB";
        return bytes switch
        {
            < 10_000 => $"{bytes} bytes",
            < 10_000_000 => (bytes / 1e3).ToString("0.#", ci) + " kB",
            < 1_000_000_000 => (bytes / 1e6).ToString("0.#", ci) + " MB",
            _ => (bytes / 1e9).ToString("0.#", ci) + " GB",
        };
    }

    /// <summary>Linux <c>statx(2)</c> for the file type, found in libc.so.6 at run time; a fixed, architecture-independent struct layout
    /// (<c>stx_mode</c> is the 16-bit field at byte 28).</summary>
    private static class Statx
    {
        private const int AtFdCwd = -100;
        private const uint StatxType = 1;

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        private delegate int StatxFn(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, byte[] buffer);

        private static readonly StatxFn? Fn = Load();

        private static StatxFn? Load()
        {
            if (!OperatingSystem.IsLinux()) return null;
            foreach (var name in new[] { "libc.so.6", "libc" })
                if (NativeLibrary.TryLoad(name, out var lib) && NativeLibrary.TryGetExport(lib, "statx", out var fn))
                    return Marshal.GetDelegateForFunctionPointer<StatxFn>(fn);
            return null;
        }

        public static bool TryGetMode(string path, out uint mode)
        {
            mode = 0;
            if (Fn is null) return false;
            var buffer = new byte[256];
            if (Fn(AtFdCwd, path, 0, StatxType, buffer) != 0) return false;
            mode = BitConverter.ToUInt16(buffer, 28);
            return true;
        }
    }
}
