using Bottleneck.Data;

namespace Bottleneck.Cli.Services;

/// <summary>
/// Refuses an output path that would overwrite what the command reads: an input data file (compared as absolute canonical paths,
/// so <c>./d.csv</c>, <c>../x/d.csv</c> and a symbolic link to it are the same file), or any path inside the model folder being
/// read (<c>evaluate --png MODEL/config.json</c>). Checked before anything is read or written.
/// </summary>
internal static class OutputPaths
{
    /// <summary>Checks one output of a command.</summary>
    /// <param name="option">The option that names the output (for the message), e.g. "--out".</param>
    /// <param name="output">The output path as given (null: nothing to check).</param>
    /// <param name="data">The data SPEC the command reads, or null.</param>
    /// <param name="split">The split the command reads when the SPEC names none ("test" for the apply commands).</param>
    /// <param name="modelDir">The model folder the command reads, or null.</param>
    /// <param name="derived">Further files the command writes beside <paramref name="output"/> (e.g. the .png and .labels.npy of
    /// reconstruct), checked the same way.</param>
    /// <exception cref="ArgumentException">The output is an input file or lies inside the model folder; the message names both.</exception>
    public static void Check(string option, string? output, DataSpec? data, string split, string? modelDir, params string[] derived)
    {
        if (string.IsNullOrWhiteSpace(output)) return;
        IReadOnlyList<string> inputs;
        try { inputs = data?.Files(split) ?? []; }
        catch (DataException) { inputs = []; }   // a data folder that cannot be found is reported when it is loaded
        string? folder = string.IsNullOrWhiteSpace(modelDir) ? null : DataFileFingerprint.Canonical(modelDir);
        foreach (var (path, what) in new[] { (output, "") }.Concat(derived.Select(d => (d, $" (written beside it as {d})"))))
        {
            string target = DataFileFingerprint.Canonical(path);
            foreach (var input in inputs)
                if (string.Equals(target, DataFileFingerprint.Canonical(input), PathComparison))
                    throw new ArgumentException($"{option} {output}{what} is the input data file {input}: writing it would destroy the data being read; choose another output file");
            if (folder != null && IsInside(target, folder))
                throw new ArgumentException($"{option} {output}{what} is inside the model folder {modelDir} being read; write it outside the model folder");
        }
    }

    /// <summary>Refuses a model folder to be written (train --out) that is an input data file or contains one.</summary>
    /// <exception cref="ArgumentException">The folder is, or contains, a file the training reads.</exception>
    public static void CheckModelFolder(string option, string folder, DataSpec data)
    {
        IReadOnlyList<string> inputs;
        try { inputs = data.Files("train"); }
        catch (DataException) { return; }
        string target = DataFileFingerprint.Canonical(folder);
        foreach (var input in inputs)
        {
            string canonical = DataFileFingerprint.Canonical(input);
            if (string.Equals(target, canonical, PathComparison))
                throw new ArgumentException($"{option} {folder} is the input data file {input}; choose another model folder");
            if (IsInside(canonical, target))
                throw new ArgumentException($"{option} {folder} contains the input data file {input}, and the model folder is replaced as a whole; move the data or choose another model folder");
        }
    }

    private static StringComparison PathComparison =>
        OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

    private static bool IsInside(string path, string folder)
    {
        string f = Path.TrimEndingDirectorySeparator(folder) + Path.DirectorySeparatorChar;
        return path.StartsWith(f, PathComparison) || string.Equals(path, Path.TrimEndingDirectorySeparator(folder), PathComparison);
    }
}
