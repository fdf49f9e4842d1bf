using System.Text;

namespace Bottleneck.IO;

/// <summary>
/// Crash-safe file writes: content goes to a temporary file in the same directory, is flushed to disk, and then
/// replaces the target with <see cref="File.Move(string, string, bool)"/>, so readers see either the old or the
/// complete new file, never a partial one. The temporary file is deleted if writing fails.
/// </summary>
public static class AtomicFile
{
    /// <summary>Atomically writes <paramref name="bytes"/> to <paramref name="path"/> (parent folders are created).</summary>
    /// <param name="path">Target file path.</param>
    /// <param name="bytes">The complete file content.</param>
    /// <exception cref="IOException">The file system refused the write or the rename.</exception>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        var copy = bytes.ToArray();
        Write(path, s => s.Write(copy, 0, copy.Length));
    }

    /// <summary>Atomically writes <paramref name="text"/> to <paramref name="path"/>.</summary>
    /// <param name="path">Target file path.</param>
    /// <param name="text">The complete file content.</param>
    /// <param name="encoding">Text encoding; default null means UTF-8 without a byte-order mark.</param>
    /// <exception cref="IOException">The file system refused the write or the rename.</exception>
    public static void WriteAllText(string path, string text, Encoding? encoding = null)
    {
        var bytes = (encoding ?? new UTF8Encoding(false)).GetBytes(text);
        Write(path, s => s.Write(bytes, 0, bytes.Length));
    }

    /// <summary>
    /// Atomically writes a file through a stream: <paramref name="write"/> fills a temporary file, which then
    /// replaces <paramref name="path"/>. If <paramref name="write"/> throws, the target is untouched, the temporary
    /// file is deleted and the exception propagates.
    /// </summary>
    /// <param name="path">Target file path; its parent folder is created if missing.</param>
    /// <param name="write">Writes the complete content to the given stream (do not dispose it).</param>
    /// <exception cref="IOException">The file system refused the write or the rename.</exception>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(write);
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full) ?? ".";
        Directory.CreateDirectory(dir);
        var tmp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(fs);
                fs.Flush(flushToDisk: true);
            }
            File.Move(tmp, full, overwrite: true);
        }
        catch
        {
            try { if (File.Exists(tmp)) File.Delete(tmp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }
}
