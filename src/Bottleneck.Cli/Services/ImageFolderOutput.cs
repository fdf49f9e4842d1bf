using Bottleneck.Data;
using Bottleneck.Evaluation;
using Bottleneck.IO;

namespace Bottleneck.Cli.Services;

/// <summary>
/// Writes a model's outputs for an image folder as an image folder: the same relative paths with the extension .png, whole
/// images (patch outputs put back together, overlaps averaged). The files go into a temporary sibling folder that is renamed
/// to the target only when every file is written, so the target never holds a partial set.
/// </summary>
internal static class ImageFolderOutput
{
    /// <summary>Whether <paramref name="outPath"/> names a folder: it ends with a path separator, exists as a folder, or has no extension.</summary>
    public static bool IsFolder(string outPath) =>
        !string.IsNullOrWhiteSpace(outPath) &&
        (outPath.EndsWith('/') || outPath.EndsWith(Path.DirectorySeparatorChar) || Directory.Exists(outPath) || Path.GetExtension(outPath).Length == 0);

    /// <summary>Checks a folder target before any work: the data must be an image folder, and the target not an existing file or a
    /// non-empty folder.</summary>
    /// <exception cref="ArgumentException">The data are not <c>images:DIR</c>, or the target exists and is a file or a folder with entries.</exception>
    /// <exception cref="DataException">The data SPEC is malformed.</exception>
    public static void CheckTarget(string outPath, string dataSpec)
    {
        if (DataSpec.Parse(dataSpec).Kind != DataKind.Images)
            throw new ArgumentException($"--out {outPath}: an output folder needs images:DIR data; for other data use a file name ending in .csv, .tsv or .npy");
        CheckTarget(outPath);
    }

    /// <summary>Checks the target: it must not be an existing file or a non-empty folder.</summary>
    /// <exception cref="ArgumentException">The target exists and is a file or a folder with entries.</exception>
    public static void CheckTarget(string outPath)
    {
        string dir = Path.TrimEndingDirectorySeparator(Path.GetFullPath(outPath));
        if (File.Exists(dir)) throw new ArgumentException($"--out {outPath}: is a file; give a new folder for the images");
        if (Directory.Exists(dir) && Directory.EnumerateFileSystemEntries(dir).Any())
            throw new ArgumentException($"--out {outPath}: folder exists and is not empty; give a new folder (nothing is overwritten)");
    }

    /// <summary>Writes <paramref name="images"/> (one per file of <paramref name="folder"/>, values in [0, 1]) under <paramref name="outPath"/>.</summary>
    /// <returns>The number of files written.</returns>
    /// <exception cref="ArgumentException">Two files would get the same output name, or the target is taken (see <see cref="CheckTarget(string)"/>).</exception>
    public static int Write(string outPath, ImageFolderData folder, IReadOnlyList<float[]> images) => Write(outPath, folder.Files, images);

    /// <summary>Writes <paramref name="images"/> (one per entry of <paramref name="files"/>, each of that entry's shape, values in [0, 1])
    /// under <paramref name="outPath"/> with the entries' relative names.</summary>
    /// <returns>The number of files written.</returns>
    /// <exception cref="ArgumentException">Two files would get the same output name, or the target is taken (see <see cref="CheckTarget(string)"/>).</exception>
    public static int Write(string outPath, IReadOnlyList<ImageFile> files, IReadOnlyList<float[]> images)
    {
        CheckTarget(outPath);
        var names = files.Select(f => Path.ChangeExtension(f.RelativePath, ".png")).ToList();
        var clash = names.Select((n, i) => (n, i)).GroupBy(p => p.n, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (clash != null)
        {
            var two = clash.Take(2).Select(p => files[p.i].RelativePath).ToArray();
            throw new ArgumentException($"{two[0]} and {two[1]} would both be written as {clash.Key}; rename one of them");
        }
        // A folder swap (docs/reliability.md): the images go into a hidden sibling that replaces the (empty or missing) target when
        // all are written; one writer at a time; a failure, Ctrl+C or kill leaves no partial folder, and the next run removes leftovers.
        using var writer = AtomicDirectory.Begin(outPath, "images");
        try
        {
            for (int i = 0; i < names.Count; i++)
            {
                CancellationScope.ThrowIfCancellationRequested();
                var f = files[i];
                ImageFileWriter.WritePng(Path.Combine(writer.Staging, names[i]), images[i], f.Channels, f.Height, f.Width);
            }
            writer.Commit();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw writer.Named(e); }
        return names.Count;
    }

    /// <summary>
    /// Reconstructs <paramref name="m"/>'s image folder with its model and writes the images to <paramref name="outPath"/>; says what was
    /// written (<paramref name="verb"/>). Shared by <c>reconstruct</c> and <c>denoise</c>.
    /// </summary>
    /// <exception cref="ArgumentException">The data are not an image folder, or the target is taken.</exception>
    public static void WriteReconstructions(ModelData m, string outPath, string verb, Action<string> line)
    {
        if (m.Folder is not { } folder)
            throw new ArgumentException($"--out {outPath}: an output folder needs images:DIR data; for other data use a file name ending in .csv, .tsv or .npy");
        var (_, rec, _) = ImageQualityEvaluator.Reconstruct(m.Saved.Model, m.Raw, m.Preprocessor, folder);
        int n = Write(outPath, folder, rec);
        string how = folder.Patches is null ? "" : $" from {Output.Count(m.Raw.Rows)} patches of {m.Raw.Image}, overlaps averaged";
        line($"{verb} {n} images of {m.Raw.Source}{how}: {outPath} (PNG, same file names)");
    }
}
