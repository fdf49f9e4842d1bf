namespace Bottleneck.IO;

/// <summary>
/// Replaces a folder as a unit. The new content is written into a hidden sibling folder (<see cref="Staging"/>,
/// <c>.NAME.tmp-PID-RANDOM</c>); <see cref="Commit"/> then renames the old folder aside (<c>.NAME.old-PID-RANDOM</c>), renames the new
/// one into place and deletes the old one. At every instant the path holds the complete old or the complete new folder, except
/// between the two renames, when it is missing and both complete folders sit beside it under paired names: readers find the new
/// one there (<see cref="ResolveForReading"/>), and the next writer finishes the swap before it starts. Files of the old folder that the new one does not write do not survive the swap. With a lock (the
/// default) the writer holds <see cref="FolderLock"/> from <see cref="Begin"/> to <see cref="Dispose"/>, so a second writer is refused.
/// </summary>
/// <remarks>Renames within one folder are atomic on POSIX file systems and NTFS; the temporary folder is a sibling, so it is on
/// the same file system. A folder that is not committed (an error, cancellation) is deleted on <see cref="Dispose"/>, and parent
/// folders this writer created are removed again while empty. A path that is a symbolic link to a folder replaces the folder it
/// points to; the link stays.</remarks>
public sealed class AtomicDirectory : IDisposable
{
    private readonly FolderLock? _lock;
    private readonly CreatedFolders _createdParents;
    private readonly string _label;
    private string? _staging;
    private bool _committed;

    private AtomicDirectory(string target, string userPath, string label, FolderLock? folderLock, CreatedFolders createdParents)
    {
        Target = target;
        UserPath = userPath;
        _label = label;
        _lock = folderLock;
        _createdParents = createdParents;
    }

    /// <summary>Full path of the folder being replaced.</summary>
    public string Target { get; }

    /// <summary>The folder's path as the user gave it (used in messages).</summary>
    public string UserPath { get; }

    /// <summary>The temporary folder to write the new content into (created on first use).</summary>
    public string Staging
    {
        get
        {
            ObjectDisposedException.ThrowIf(_committed, this);
            if (_staging != null) return _staging;
            var path = Path.Combine(Path.GetDirectoryName(Target)!, TempNames.Temporary(Path.GetFileName(Target)));
            try { Directory.CreateDirectory(path); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new IOException($"cannot write {UserPath}: {e.Message.Replace(path, UserPath, StringComparison.Ordinal)}", e);
            }
            return _staging = path;
        }
    }

    /// <summary>
    /// Starts replacing <paramref name="path"/>: creates its parent folders, takes its lock, completes a swap a killed writer left
    /// half done and deletes temporary folders of writers that are no longer running.
    /// </summary>
    /// <param name="path">The folder to replace (it may not exist yet).</param>
    /// <param name="label">Names the fault-injection points of the swap (<c>{label}-staged</c>, <c>{label}-old-aside</c>,
    /// <c>{label}-swapped</c>); default "model".</param>
    /// <param name="takeLock">Take the folder's lock (default true); false when the caller already holds a lock covering it.</param>
    /// <returns>The writer; write into <see cref="Staging"/>, then <see cref="Commit"/>; always dispose it.</returns>
    /// <exception cref="IOException"><paramref name="path"/> is a file, the current folder or one of its parents; another process
    /// is writing it (names the PID); or its parent cannot be created.</exception>
    /// <exception cref="PathTooLongException">Its name is longer than 255 bytes.</exception>
    public static AtomicDirectory Begin(string path, string label = "model", bool takeLock = true)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        TempNames.CheckNameLength(path);
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        var parent = Path.GetDirectoryName(full);
        var cwd = Path.TrimEndingDirectorySeparator(Path.GetFullPath(Environment.CurrentDirectory));
        if (parent is null || cwd == full || cwd.StartsWith(full + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new IOException($"{path} is {(parent is null ? "a root folder" : "the current folder or one of its parents")}: " +
                                  "a folder that is replaced as a whole must be a folder of its own (e.g. runs/model)");
        if (File.Exists(full)) throw new IOException($"{path} is a file, not a folder");
        if (new DirectoryInfo(full) is { Exists: true, LinkTarget: not null } link && link.ResolveLinkTarget(returnFinalTarget: true) is { Exists: true } real)
        {
            full = Path.TrimEndingDirectorySeparator(real.FullName);   // replace the folder a link points to, not the link
            parent = Path.GetDirectoryName(full)!;
        }
        var created = CreatedFolders.Create(parent, path);
        FolderLock? folderLock = null;
        try
        {
            if (takeLock) folderLock = FolderLock.Acquire(full, path);
            Recover(full);
            TempNames.RemoveStale(full, "tmp", "old");
        }
        catch
        {
            folderLock?.Dispose();
            created.Undo();
            throw;
        }
        return new AtomicDirectory(full, path, label, folderLock, created);
    }

    /// <summary>
    /// <paramref name="e"/> with the temporary folder's path replaced by the user's (file-system errors quote the path they failed
    /// on), or <paramref name="e"/> itself when it does not mention it or is not a file-system error.
    /// </summary>
    /// <param name="e">An exception thrown while writing into <see cref="Staging"/>.</param>
    public Exception Named(Exception e)
    {
        if (_staging is null || !e.Message.Contains(_staging, StringComparison.Ordinal)) return e;
        string message = e.Message.Replace(_staging, UserPath, StringComparison.Ordinal);
        return e switch
        {
            UnauthorizedAccessException => new UnauthorizedAccessException(message, e),
            IOException => new IOException(message, e),
            _ => e,
        };
    }

    /// <summary>
    /// Swaps <see cref="Staging"/> into place: the old folder (if any) is renamed aside, the new one renamed in, the old one deleted.
    /// </summary>
    /// <exception cref="IOException">A rename failed (the old folder is put back; the message names the user's path).</exception>
    public void Commit()
    {
        var staging = Staging;
        FaultInjection.Point($"{_label}-staged");
        string? aside = null;
        try
        {
            if (Directory.Exists(Target))
            {
                aside = Path.Combine(Path.GetDirectoryName(Target)!, TempNames.AsideFor(Path.GetFileName(staging)));
                Directory.Move(Target, aside);
                FaultInjection.Point($"{_label}-old-aside");
            }
            Directory.Move(staging, Target);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            if (aside != null && !Directory.Exists(Target) && Directory.Exists(aside))
            {
                try { Directory.Move(aside, Target); }
                catch (Exception back) when (back is IOException or UnauthorizedAccessException) { /* the next writer's Recover puts it back */ }
            }
            throw new IOException($"cannot replace {UserPath}: {e.Message.Replace(staging, UserPath, StringComparison.Ordinal)}", e);
        }
        _committed = true;
        FaultInjection.Point($"{_label}-swapped");
        if (aside != null) TempNames.TryDelete(aside);
    }

    /// <summary>Deletes the uncommitted temporary folder, releases the lock and removes parent folders this writer created while empty.</summary>
    public void Dispose()
    {
        if (!_committed && _staging != null) TempNames.TryDelete(_staging);
        _lock?.Dispose();
        if (!_committed && !Directory.Exists(Target)) _createdParents.Undo();
        _staging = null;
        _committed = true;
    }

    /// <summary>
    /// The folder to read for <paramref name="path"/>: the path itself, or, when a writer was stopped between the two renames of a
    /// swap (the path is missing), the complete new folder beside it. Never writes.
    /// </summary>
    /// <param name="path">A folder that <see cref="Begin"/> may have been replacing.</param>
    /// <returns>A folder path to read (<paramref name="path"/> when nothing is to be recovered).</returns>
    public static string ResolveForReading(string path)
    {
        if (string.IsNullOrWhiteSpace(path) || Directory.Exists(path) || File.Exists(path)) return path;
        return Interrupted(Path.TrimEndingDirectorySeparator(Path.GetFullPath(path))) is { } swap ? swap.Source : path;
    }

    /// <summary>
    /// Finishes a swap that a process no longer running left between its two renames: the new folder is renamed into place (the
    /// old one is then a leftover that <see cref="Begin"/> removes). Call it only as the folder's writer (holding its lock); a swap
    /// whose writer is still running is left to it.
    /// </summary>
    /// <param name="path">The folder.</param>
    public static void Recover(string path)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        if (Directory.Exists(full) || File.Exists(full)) return;
        if (Interrupted(full) is not { } swap || (swap.Pid != Environment.ProcessId && TempNames.IsRunning(swap.Pid))) return;
        Directory.Move(swap.Source, full);
    }

    /// <summary>The newest swap of <paramref name="full"/> stopped between its renames (an old folder set aside whose paired new
    /// folder is still beside it): the new folder and the writer's PID; null when there is none. An old folder without its new one
    /// is what a swap that completed but was stopped before deleting it leaves: it is never read (the folder may have been
    /// deleted since, on purpose) and the next writer removes it.</summary>
    private static (string Source, int Pid)? Interrupted(string full)
    {
        foreach (var aside in TempNames.Leftovers(full).Where(l => l.Kind == "old" && Directory.Exists(l.Path))
                     .OrderByDescending(l => Directory.GetLastWriteTimeUtc(l.Path)))
        {
            var fresh = Path.Combine(Path.GetDirectoryName(full)!, TempNames.TemporaryFor(Path.GetFileName(aside.Path)));
            if (Directory.Exists(fresh)) return (fresh, aside.Pid);
        }
        return null;
    }
}
