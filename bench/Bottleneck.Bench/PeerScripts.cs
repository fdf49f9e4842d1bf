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

    /// <summary>
    /// Runs a peer script that writes PyTorch's random streams (initial weights, epoch permutations, ε) for one seed into a
    /// temporary folder (<c>python3 SCRIPT DIR --seed S --epochs E</c>), calls <paramref name="use"/> with that folder and deletes it.
    /// </summary>
    /// <param name="suite">The bench's name for messages, e.g. "vae streams".</param>
    /// <param name="script">File name inside bench/peers, e.g. <c>vae_streams.py</c>.</param>
    /// <param name="seed">The peer's seed S.</param>
    /// <param name="epochs">Epochs of permutations (and ε) to write.</param>
    /// <param name="use">Trains on the folder; its return value is the exit code.</param>
    /// <returns><paramref name="use"/>'s exit code; 2 when python3 or the script is missing, 1 when the script fails.</returns>
    public static int WithPeerStreams(string suite, string script, ulong seed, int epochs, Func<string, int> use)
    {
        var path = Find(script);
        if (path is null || !File.Exists("/usr/bin/python3"))
        {
            Console.Error.WriteLine($"{suite}: needs /usr/bin/python3 with torch and bench/peers/{script}");
            return 2;
        }
        var dir = Path.Combine(Path.GetTempPath(), $"bottleneck-{suite.Replace(' ', '-')}-{Environment.ProcessId}");
        try
        {
            var psi = new System.Diagnostics.ProcessStartInfo("/usr/bin/python3") { RedirectStandardError = true };
            foreach (var a in new[] { path, dir, "--seed", seed.ToString(System.Globalization.CultureInfo.InvariantCulture),
                                      "--epochs", epochs.ToString(System.Globalization.CultureInfo.InvariantCulture) })
                psi.ArgumentList.Add(a);
            using (var p = System.Diagnostics.Process.Start(psi)!)
            {
                string stderr = p.StandardError.ReadToEnd();
                p.WaitForExit();
                if (p.ExitCode != 0) { Console.Error.WriteLine($"{suite}: {script} failed ({p.ExitCode}): {stderr}"); return 1; }
            }
            return use(dir);
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }
}
