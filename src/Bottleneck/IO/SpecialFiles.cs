using System.Runtime.InteropServices;

namespace Bottleneck.IO;

/// <summary>
/// What an output path really is before it is replaced: a rename over a device (<c>/dev/null</c>), a FIFO or <c>/dev/stdout</c>
/// would replace the node itself (as root, <c>/dev/null</c> would become a regular file), and a rename over a symbolic link
/// would replace the link instead of the file it points to. Such outputs are written in place or through the link.
/// </summary>
internal static class SpecialFiles
{
    private const uint FileTypeMask = 0xF000, RegularFile = 0x8000, DirectoryType = 0x4000;

    /// <summary>Whether <paramref name="path"/> exists and (following links) is neither a regular file nor a folder: a character or
    /// block device, a FIFO or a socket (e.g. <c>/dev/null</c>, <c>/dev/stdout</c>).</summary>
    public static bool IsSpecial(string path)
    {
        if (OperatingSystem.IsWindows()) return false;
        if (ModeOf(path) is uint mode) return (mode & FileTypeMask) is not (RegularFile or DirectoryType);
        var full = Path.GetFullPath(path);
        return File.Exists(full) && (full.StartsWith("/dev/", StringComparison.Ordinal) || full.StartsWith("/proc/", StringComparison.Ordinal));
    }

    /// <summary>The file a symbolic link finally points to when that file exists, else <paramref name="full"/> itself.</summary>
    public static string ThroughLinks(string full)
    {
        try
        {
            var info = new FileInfo(full);
            if (info.LinkTarget is null) return full;
            return info.ResolveLinkTarget(returnFinalTarget: true) is { Exists: true } target ? target.FullName : full;
        }
        catch (IOException) { return full; }
    }

    /// <summary>st_mode of <paramref name="path"/> (links followed), or null where it cannot be read (platforms other than Linux on
    /// x64 and arm64, whose <c>struct stat</c> layouts are known here, or a missing file).</summary>
    private static uint? ModeOf(string path)
    {
        int offset = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => 24,     // st_dev, st_ino, st_nlink (8 bytes each), st_mode
            Architecture.Arm64 => 16,   // st_dev, st_ino (8 bytes each), st_mode
            _ => -1,
        };
        if (!OperatingSystem.IsLinux() || offset < 0) return null;
        var buffer = new byte[256];   // larger than struct stat on both
        try { return stat(path, buffer) == 0 ? BitConverter.ToUInt32(buffer, offset) : null; }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { return null; }
    }

#pragma warning disable SYSLIB1054, CA2101 // one plain libc call; the path is marshalled as UTF-8
    [DllImport("libc", SetLastError = true)] private static extern int stat([MarshalAs(UnmanagedType.LPUTF8Str)] string path, byte[] buffer);
#pragma warning restore SYSLIB1054, CA2101
}
