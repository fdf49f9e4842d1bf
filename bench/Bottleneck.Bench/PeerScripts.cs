namespace Bottleneck.Bench;

/// <summary>
/// Finds the committed peer scripts under <c>bench/peers/</c>: walking up from the benchmark binary's folder
/// (<see cref="AppContext.BaseDirectory"/>, for <c>dotnet run</c> from anywhere in the repository), then from the current
/// directory (for a copied binary folder run from the repository root: <c>dotnet /tmp/bin/Bottleneck.Bench.dll gemm</c>).
/// </summary>
public static class PeerScripts
{
    /// <summary>The full path of <c>bench/peers/<paramref name="script"/></c>, or null when neither walk finds it.</summary>
    /// <param name="script">File name inside bench/peers, e.g. <c>openblas_sgemm.py</c>.</param>
    public static string? Find(string script)
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
            for (var dir = new DirectoryInfo(start); dir != null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "bench", "peers", script);
                if (File.Exists(candidate)) return candidate;
            }
        return null;
    }
}
