namespace Bottleneck.Data;

/// <summary>Locates the shared benchmark data folder (<c>shared/data</c>) without copying data into the repository.</summary>
public static class DataDirectory
{
    /// <summary>Name of the environment variable that overrides the search (a path to the data folder itself).</summary>
    public const string EnvironmentVariable = "BOTTLENECK_DATA";

    /// <summary>
    /// Finds the data folder. When <c>BOTTLENECK_DATA</c> is set (non-empty) it alone decides: its directory if it exists,
    /// otherwise null (so setting it to a missing path disables the shared data). Otherwise the first <c>shared/data</c>
    /// folder found walking up from <see cref="AppContext.BaseDirectory"/>, then from the current directory.
    /// </summary>
    /// <returns>The absolute path, or null when no data folder is available.</returns>
    public static string? Find()
    {
        var env = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(env)) return Directory.Exists(env) ? Path.GetFullPath(env) : null;
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir != null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "shared", "data");
                if (Directory.Exists(candidate)) return candidate;
            }
        }
        return null;
    }

    /// <summary>Finds a file or folder inside the data folder (e.g. <c>"mnist"</c> or <c>"odds/cardio.csv"</c>).</summary>
    /// <param name="relative">Path relative to the data folder, '/' separated.</param>
    /// <returns>The absolute path if the data folder and the entry exist, otherwise null.</returns>
    public static string? Find(string relative)
    {
        var root = Find();
        if (root == null) return null;
        var p = Path.Combine(root, relative.Replace('/', Path.DirectorySeparatorChar));
        return File.Exists(p) || Directory.Exists(p) ? p : null;
    }
}
