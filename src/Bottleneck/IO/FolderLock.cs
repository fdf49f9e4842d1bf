using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace Bottleneck.IO;

/// <summary>
/// One writer per output: an exclusive OS-level lock (<see cref="FileShare.None"/>, which .NET takes as <c>flock(LOCK_EX)</c> on
/// Linux and macOS and as a share mode on Windows) on the hidden sibling <c>.NAME.lock</c> (<see cref="TempNames.Lock"/>), holding
/// the owner's PID. The operating system releases it when the process exits, however it exits, so a killed writer never blocks
/// the next one; a normal release also deletes the file. A second writer gets <see cref="IOException"/> naming the output and the
/// PID that holds it.
/// </summary>
public sealed class FolderLock : IDisposable
{
    private readonly FileStream _stream;

    private FolderLock(FileStream stream, string lockPath)
    {
        _stream = stream;
        LockPath = lockPath;
    }

    /// <summary>Full path of the lock file.</summary>
    public string LockPath { get; }

    /// <summary>Takes the lock of <paramref name="target"/> without waiting.</summary>
    /// <param name="target">The output (file or folder) to lock; its parent folder must exist.</param>
    /// <param name="userPath">The path as the user gave it, for messages (default: <paramref name="target"/>).</param>
    /// <returns>The held lock; dispose it to release.</returns>
    /// <exception cref="IOException">Another process (or another writer in this one) holds the lock: the message names
    /// <paramref name="userPath"/> and the holder's PID; or the lock file cannot be created.</exception>
    public static FolderLock Acquire(string target, string? userPath = null)
    {
        userPath ??= target;
        var full = Path.GetFullPath(target);
        var lockPath = Path.Combine(Path.GetDirectoryName(full) ?? ".", TempNames.Lock(Path.GetFileName(full)));
        FileStream stream;
        try
        {
            stream = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 64, FileOptions.DeleteOnClose);
        }
        catch (IOException e) when (IsSharingViolation(e))
        {
            string holder = ReadHolder(lockPath) is int pid ? $"process {pid}" : "another process";
            throw new IOException($"{userPath} is being written by {holder} (it holds {lockPath}): wait for it to finish, or stop it, " +
                                  "then run the command again", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"cannot lock {userPath} for writing ({lockPath}): {e.Message}", e);
        }
        var pidText = Encoding.ASCII.GetBytes(Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n");
        stream.SetLength(0);
        stream.Write(pidText);
        stream.Flush();
        return new FolderLock(stream, lockPath);
    }

    /// <summary>Whether opening failed because another handle holds the lock: EWOULDBLOCK from flock (11 on Linux, 35 on macOS),
    /// or ERROR_SHARING_VIOLATION / ERROR_LOCK_VIOLATION on Windows; not a read-only file system, a full disk or a bad path.</summary>
    private static bool IsSharingViolation(IOException e) =>
        e.GetType() == typeof(IOException) && e.HResult is 11 or 35 or unchecked((int)0x80070020) or unchecked((int)0x80070021);

    /// <summary>Releases the lock and deletes the lock file.</summary>
    public void Dispose() => _stream.Dispose();

    /// <summary>The PID written in a held lock file, read without taking the file's lock (which the holder has), or null.</summary>
    private static int? ReadHolder(string lockPath)
    {
        if (OperatingSystem.IsWindows()) return null;
        try
        {
            int fd = open(lockPath, 0 /* O_RDONLY */);
            if (fd < 0) return null;
            var buffer = new byte[32];
            nint n;
            try { n = read(fd, buffer, buffer.Length); }
            finally { _ = close(fd); }
            return n > 0 && int.TryParse(Encoding.ASCII.GetString(buffer, 0, (int)n).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int pid) ? pid : null;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { return null; }
    }

#pragma warning disable SYSLIB1054, CA2101 // plain P/Invoke of three libc calls; the path is marshalled as UTF-8 on Unix
    [DllImport("libc", SetLastError = true)] private static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);
    [DllImport("libc", SetLastError = true)] private static extern nint read(int fd, byte[] buffer, nint count);
    [DllImport("libc")] private static extern int close(int fd);
#pragma warning restore SYSLIB1054, CA2101
}
