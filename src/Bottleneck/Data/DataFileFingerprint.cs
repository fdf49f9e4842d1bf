using System.Security.Cryptography;
using Bottleneck.IO;

namespace Bottleneck.Data;

/// <summary>
/// Identifies a data file a model was trained on: its absolute, canonical path (symbolic links resolved, so it means the same
/// file from any working directory), its size and its SHA-256. Saved with the model (config.json <c>dataFiles</c>) so that a
/// command that re-reads the training data (e.g. <c>detect --threshold p99</c>) can tell a changed, replaced or missing file apart
/// from the one the model saw, instead of silently reading another file.
/// </summary>
/// <param name="Path">Absolute canonical path.</param>
/// <param name="Bytes">Size in bytes when fingerprinted.</param>
/// <param name="Sha256">Lower-case hex SHA-256 of the content.</param>
public sealed record DataFileFingerprint(string Path, long Bytes, string Sha256)
{
    /// <summary>The absolute path of <paramref name="path"/> with symbolic links resolved (the path itself when it does not exist).</summary>
    /// <param name="path">A path, relative to the current directory or absolute.</param>
    public static string Canonical(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string full = System.IO.Path.GetFullPath(path);
        try
        {
            // Resolve links in the folders as well as the file: walk up to the deepest existing folder.
            string? dir = System.IO.Path.GetDirectoryName(full);
            string name = System.IO.Path.GetFileName(full);
            if (dir != null && Directory.Exists(dir))
            {
                var d = new DirectoryInfo(dir);
                string resolvedDir = d.ResolveLinkTarget(true)?.FullName ?? CanonicalDirectory(d);
                full = System.IO.Path.Combine(resolvedDir, name);
            }
            if (File.Exists(full) || Directory.Exists(full))
            {
                FileSystemInfo info = Directory.Exists(full) ? new DirectoryInfo(full) : new FileInfo(full);
                if (info.ResolveLinkTarget(true) is { } target) full = target.FullName;
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return full;
    }

    private static string CanonicalDirectory(DirectoryInfo d)
    {
        if (d.Parent is null) return d.FullName;
        string parent = CanonicalDirectory(d.Parent);
        var here = new DirectoryInfo(System.IO.Path.Combine(parent, d.Name));
        return here.ResolveLinkTarget(true)?.FullName ?? here.FullName;
    }

    /// <summary>Fingerprints a file.</summary>
    /// <param name="path">The file.</param>
    /// <returns>Its canonical path, size and SHA-256.</returns>
    /// <exception cref="DataException">The file is missing or not a regular file, or cannot be read.</exception>
    public static DataFileFingerprint Of(string path)
    {
        string canonical = Canonical(path);
        using var fs = InputFile.OpenRead(canonical, (m, e) => new DataException(m, path, e));
        try { return new DataFileFingerprint(canonical, fs.Length, Convert.ToHexStringLower(SHA256.HashData(fs))); }
        catch (IOException e) { throw new DataException($"{path}: cannot read file ({e.Message})", path, e); }
    }

    /// <summary>Why the file at <see cref="Path"/> is not the one fingerprinted, or null when it is (same size and SHA-256).</summary>
    /// <returns>E.g. "is missing", "has changed: 1,024 bytes when the model was trained, 2,048 now".</returns>
    public string? Mismatch()
    {
        if (InputFile.KindOf(Path) == InputFileKind.Missing) return "is missing";
        if (InputFile.Problem(Path) is { } problem) return problem;
        long now;
        string hash;
        try
        {
            using var fs = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            now = fs.Length;
            if (now != Bytes) return $"has changed: {Bytes:N0} bytes when the model was trained, {now:N0} now";
            hash = Convert.ToHexStringLower(SHA256.HashData(fs));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return $"cannot be read ({e.Message})"; }
        return string.Equals(hash, Sha256, StringComparison.OrdinalIgnoreCase) ? null
            : $"has changed since the model was trained (same size, {Bytes:N0} bytes, but another SHA-256)";
    }
}
