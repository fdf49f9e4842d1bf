using System.Text;

namespace Bottleneck.IO;

/// <summary>
/// Crash-safe file writes: content goes to a temporary file in the same folder (<c>.NAME.tmp-PID-RANDOM</c>, see
/// <see cref="TempNames"/>), is flushed to disk, and only then replaces the target with one rename
/// (<see cref="File.Move(string, string, bool)"/>), so readers see either the old or the complete new file, never a partial one.
/// Until the rename the target is not touched, so an input that is also the output is read whole before it is replaced. When
/// writing fails or is cancelled the temporary file is deleted, folders this call created are removed again, and the error names
/// the target, never the temporary name. Temporary files of the same target left by a killed process are removed first. A target
/// that is a symbolic link is replaced through it (the link stays); a device, FIFO or socket (<c>/dev/null</c>, <c>/dev/stdout</c>)
/// is written in place, since renaming over it would replace the node itself.
/// </summary>
public static class AtomicFile
{
    /// <summary>Atomically writes <paramref name="bytes"/> to <paramref name="path"/> (parent folders are created).</summary>
    /// <param name="path">Target file path.</param>
    /// <param name="bytes">The complete file content.</param>
    /// <exception cref="IOException">The file system refused the write or the rename (the message names <paramref name="path"/>).</exception>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        var copy = bytes.ToArray();
        Write(path, s => s.Write(copy, 0, copy.Length));
    }

    /// <summary>Atomically writes <paramref name="text"/> to <paramref name="path"/>.</summary>
    /// <param name="path">Target file path.</param>
    /// <param name="text">The complete file content.</param>
    /// <param name="encoding">Text encoding; default null means UTF-8 without a byte-order mark.</param>
    /// <exception cref="IOException">The file system refused the write or the rename (the message names <paramref name="path"/>).</exception>
    public static void WriteAllText(string path, string text, Encoding? encoding = null)
    {
        var bytes = (encoding ?? new UTF8Encoding(false)).GetBytes(text);
        Write(path, s => s.Write(bytes, 0, bytes.Length));
    }

    /// <summary>
    /// Atomically writes a file through a stream: <paramref name="write"/> fills a temporary file, which then
    /// replaces <paramref name="path"/>. If <paramref name="write"/> throws (a bad input row, cancellation), the target is
    /// untouched, the temporary file is deleted and the exception propagates.
    /// </summary>
    /// <param name="path">Target file path; its parent folder is created if missing (and removed again if the write fails).</param>
    /// <param name="write">Writes the complete content to the given stream (do not dispose it).</param>
    /// <exception cref="IOException">The file system refused the write or the rename, or <paramref name="path"/> is a folder (the
    /// message names <paramref name="path"/>).</exception>
    /// <exception cref="UnauthorizedAccessException">No permission to write in the target's folder.</exception>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(write);
        TempNames.CheckNameLength(path);
        var full = Path.GetFullPath(path);
        if (Directory.Exists(full)) throw new IOException($"{path} is a folder, not a file");
        if (SpecialFiles.IsSpecial(full))
        {
            // A device, FIFO or /dev/stdout: a rename would replace the node itself, so it is written in place (not atomic).
            using var direct = new FileStream(full, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, 1 << 16);
            write(direct);
            direct.Flush();
            return;
        }
        full = SpecialFiles.ThroughLinks(full);   // replace the file a link points to, not the link
        var dir = Path.GetDirectoryName(full) ?? ".";
        var created = CreatedFolders.Create(dir, path);
        var tmp = Path.Combine(dir, TempNames.Temporary(Path.GetFileName(full)));
        try
        {
            TempNames.RemoveStale(full, "tmp");
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(fs);
                fs.Flush(flushToDisk: true);
            }
            FaultInjection.Point("file-staged");
            File.Move(tmp, full, overwrite: true);
        }
        catch (Exception e)
        {
            TempNames.TryDelete(tmp);
            created.Undo();
            if (Translate(e, tmp, path) is { } named) throw named;
            throw;
        }
    }

    /// <summary>
    /// The exception with every mention of the temporary path <paramref name="tmp"/> replaced by the user's <paramref name="path"/>
    /// (file-system errors quote the name they failed on), or null when it does not mention it.
    /// </summary>
    internal static Exception? Translate(Exception e, string tmp, string path)
    {
        if (!e.Message.Contains(tmp, StringComparison.Ordinal) && !e.Message.Contains(Path.GetFileName(tmp), StringComparison.Ordinal)) return null;
        string message = e.Message.Replace(tmp, path, StringComparison.Ordinal).Replace(Path.GetFileName(tmp), Path.GetFileName(path), StringComparison.Ordinal);
        return e switch
        {
            UnauthorizedAccessException => new UnauthorizedAccessException(message, e),
            IOException => new IOException($"cannot write {path}: {message}", e),
            _ => null,
        };
    }
}

/// <summary>The folders one write created (outermost first), so that a failed write can remove them again when still empty.</summary>
internal sealed class CreatedFolders
{
    private readonly List<string> _created;

    private CreatedFolders(List<string> created) => _created = created;

    /// <summary>Creates <paramref name="dir"/> and its missing ancestors, remembering which were missing.</summary>
    /// <param name="dir">Full path of the folder.</param>
    /// <param name="userPath">The path the user gave, for the message.</param>
    /// <exception cref="IOException">A folder cannot be created (names <paramref name="userPath"/>).</exception>
    public static CreatedFolders Create(string dir, string userPath)
    {
        var missing = new List<string>();
        for (var d = dir; d != null && !Directory.Exists(d); d = Path.GetDirectoryName(d)) missing.Add(d);
        missing.Reverse();
        try { Directory.CreateDirectory(dir); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            new CreatedFolders(missing).Undo();
            throw new IOException($"cannot create the folder of {userPath}: {e.Message}", e);
        }
        return new CreatedFolders(missing);
    }

    /// <summary>Removes the folders this instance created, innermost first, while they are empty (best effort).</summary>
    public void Undo()
    {
        for (int i = _created.Count - 1; i >= 0; i--)
        {
            try
            {
                if (Directory.Exists(_created[i]) && !Directory.EnumerateFileSystemEntries(_created[i]).Any()) Directory.Delete(_created[i]);
                else return;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return; }
        }
    }
}
