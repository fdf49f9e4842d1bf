using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Bottleneck.Kernels;

namespace Bottleneck.Bench;

/// <summary>
/// <c>gemm</c> suite: GFLOP/s (2·m·n·k / median time) of every available <see cref="IGemmProvider"/> on the
/// library's characteristic shapes, next to OpenBLAS itself measured in a separate process through numpy
/// (<c>bench/peers/openblas_sgemm.py</c>). Sizes are written m×k×n: op(A) is m×k, op(B) is k×n.
/// The peer runs in another process at another moment, so on a shared machine its ratios carry that noise; each
/// provider is timed in its own block (see <c>Measure</c>).
/// </summary>
public static class GemmBench
{
    private sealed record Case(string Label, bool TransA, bool TransB, int M, int K, int N)
    {
        public string Size => $"{M}×{K}×{N}";
        public double Flops => 2.0 * M * N * K;
    }

    private static readonly Case[] Cases =
    [
        new("NN", false, false, 256, 784, 512),
        new("NN", false, false, 256, 512, 128),
        new("NN", false, false, 1024, 1024, 1024),
        // Linear 784→512 on a batch of 256: forward Y = X·Wᵀ, backward dX = dY·W and dW = dYᵀ·X.
        new("NT Y=X·Wᵀ", false, true, 256, 784, 512),
        new("NN dX=dY·W", false, false, 256, 512, 784),
        new("TN dW=dYᵀ·X", true, false, 512, 256, 784),
        // Linear 512→128, batch 256.
        new("NT Y=X·Wᵀ", false, true, 256, 512, 128),
        new("NN dX=dY·W", false, false, 256, 128, 512),
        new("TN dW=dYᵀ·X", true, false, 128, 256, 512),
        // Small batch 32 through 784→512.
        new("NT Y=X·Wᵀ", false, true, 32, 784, 512),
        new("TN dW=dYᵀ·X", true, false, 512, 32, 784),
    ];

    /// <summary>
    /// Runs the suite. Options: <c>--threads N</c> (default 2), <c>--seconds S</c> per measurement (default 0.25),
    /// <c>--case TEXT</c> (only cases whose label or size contains TEXT), <c>--no-peer</c>.
    /// </summary>
    /// <param name="args">Command-line options after the suite name.</param>
    /// <returns>0 on success, 2 on bad arguments.</returns>
    public static int Run(string[] args)
    {
        int threads = 2;
        double seconds = 0.25;
        bool peer = true;
        string? filter = null;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--threads" when i + 1 < args.Length && int.TryParse(args[i + 1], out int t) && t >= 1:
                    threads = t;
                    i++;
                    break;
                case "--seconds" when i + 1 < args.Length && double.TryParse(args[i + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out double s) && s > 0:
                    seconds = s;
                    i++;
                    break;
                case "--case" when i + 1 < args.Length:
                    filter = args[i + 1];
                    i++;
                    break;
                case "--no-peer":
                    peer = false;
                    break;
                default:
                    Console.Error.WriteLine($"gemm: unknown or malformed option '{args[i]}'. Options: --threads N, --seconds S, --case TEXT, --no-peer");
                    return 2;
            }
        }

        Case[] cases = filter is null ? Cases : Cases.Where(c => Key(c).Contains(filter, StringComparison.OrdinalIgnoreCase)).ToArray();
        Gemm.Threads = threads;
        IReadOnlyList<IGemmProvider> providers = Gemm.Available();
        Console.WriteLine($"# GEMM benchmark: {threads} thread(s), {Environment.ProcessorCount} logical CPUs, {RuntimeInformation.ProcessArchitecture}, .NET {Environment.Version}");
        foreach (IGemmProvider p in providers)
            Console.WriteLine($"#   {p.Describe()}");

        var peers = new List<(string Name, Dictionary<string, double> Seconds)>();
        if (peer)
        {
            // Same OPENBLAS_CORETYPE as our in-process OpenBLAS provider (see OpenBlasGemm), then OpenBLAS's own detection.
            string? coreType = OpenBlasGemm.ForcedCoreType;
            if (coreType is not null)
                AddPeer(peers, cases, threads, seconds, coreType);
            AddPeer(peers, cases, threads, seconds, null);
        }

        var table = new StringBuilder();
        int blasIndex = providers.ToList().FindIndex(p => p is OpenBlasGemm);
        table.Append("| case | m×k×n | provider | GFLOP/s |");
        if (blasIndex >= 0)
            table.Append(" ours / openblas provider (same process) |");
        foreach (var (name, _) in peers)
            table.Append($" ours / {name} |");
        table.AppendLine();
        table.Append("|---|---|---|---:|");
        if (blasIndex >= 0)
            table.Append("---:|");
        foreach (var _ in peers)
            table.Append("---:|");
        table.AppendLine();
        foreach (var (name, secondsByKey) in peers)
        {
            foreach (Case c in cases)
            {
                if (secondsByKey.TryGetValue(Key(c), out double s))
                    Console.WriteLine(JsonSerializer.Serialize(new { suite = "gemm", @case = c.Label, size = c.Size, provider = name, threads, gflops = c.Flops / s / 1e9, median_s = s }));
            }
        }

        foreach (Case c in cases)
        {
            double[] medians = Measure(providers, c, seconds);
            for (int pi = 0; pi < providers.Count; pi++)
            {
                IGemmProvider p = providers[pi];
                double median = medians[pi];
                double gflops = c.Flops / median / 1e9;
                Console.WriteLine(JsonSerializer.Serialize(new { suite = "gemm", @case = c.Label, size = c.Size, provider = p.Name, threads, gflops, median_s = median }));
                table.Append($"| {c.Label} | {c.Size} | {p.Name} | {gflops:F1} |");
                if (blasIndex >= 0)
                    table.Append($" {medians[blasIndex] / median:F2} |");
                foreach (var (_, secondsByKey) in peers)
                    table.Append(secondsByKey.TryGetValue(Key(c), out double ps) ? $" {ps / median:F2} |" : " – |");
                table.AppendLine();
            }
            foreach (var (name, secondsByKey) in peers)
            {
                if (secondsByKey.TryGetValue(Key(c), out double ps))
                {
                    table.Append($"| {c.Label} | {c.Size} | *{name}* | {c.Flops / ps / 1e9:F1} |");
                    if (blasIndex >= 0)
                        table.Append(" |");
                    foreach (var _ in peers)
                        table.Append(" |");
                    table.AppendLine();
                }
            }
        }
        Console.WriteLine();
        Console.Write(table.ToString());
        return 0;
    }

    private static string Key(Case c) => $"{c.Label} {c.Size}";

    /// <summary>
    /// Median seconds of one Sgemm (C = op(A)·op(B)) per provider after warm-up, each provider in its own block.
    /// </summary>
    private static unsafe double[] Measure(IReadOnlyList<IGemmProvider> providers, Case c, double seconds)
    {
        int aLen = c.M * c.K, bLen = c.K * c.N, cLen = c.M * c.N;
        float* a = (float*)NativeMemory.AlignedAlloc((nuint)aLen * sizeof(float), 64);
        float* b = (float*)NativeMemory.AlignedAlloc((nuint)bLen * sizeof(float), 64);
        float* cc = (float*)NativeMemory.AlignedAlloc((nuint)cLen * sizeof(float), 64);
        try
        {
            var rng = new Bottleneck.Tensors.Rng(7);
            rng.FillUniform(new Span<float>(a, aLen), -1f, 1f);
            rng.FillUniform(new Span<float>(b, bLen), -1f, 1f);
            int lda = c.TransA ? c.M : c.K, ldb = c.TransB ? c.K : c.N;
            var times = providers.Select(_ => new List<double>()).ToArray();
            // Each provider is timed in its own block. Interleaving call by call looks fairer on a shared machine, but both
            // providers keep their worker threads spinning for a while after a call, and those spinning threads steal the
            // two cores from the other provider's next call, understating both.
            for (int i = 0; i < providers.Count; i++)
            {
                var p = providers[i];
                var warm = Stopwatch.StartNew();
                do p.Sgemm(c.TransA, c.TransB, c.M, c.N, c.K, 1f, a, lda, b, ldb, 0f, cc, c.N);
                while (warm.Elapsed.TotalSeconds < Math.Min(0.1, seconds / 2));
                var total = Stopwatch.StartNew();
                while (times[i].Count < 5 || (total.Elapsed.TotalSeconds < seconds && times[i].Count < 500))
                {
                    long t0 = Stopwatch.GetTimestamp();
                    p.Sgemm(c.TransA, c.TransB, c.M, c.N, c.K, 1f, a, lda, b, ldb, 0f, cc, c.N);
                    times[i].Add(Stopwatch.GetElapsedTime(t0).TotalSeconds);
                }
            }
            return times.Select(t => { t.Sort(); return t[t.Count / 2]; }).ToArray();
        }
        finally
        {
            NativeMemory.AlignedFree(a);
            NativeMemory.AlignedFree(b);
            NativeMemory.AlignedFree(cc);
        }
    }

    /// <summary>Runs the numpy/OpenBLAS peer script and records its median seconds per case (skips with a message when unavailable).</summary>
    private static void AddPeer(List<(string, Dictionary<string, double>)> peers, Case[] cases, int threads, double seconds, string? coreType)
    {
        const string python = "/usr/bin/python3";
        string? script = FindScript();
        string name = coreType is null ? "OpenBLAS (own detection)" : $"OpenBLAS ({coreType})";
        if (script is null || !File.Exists(python))
        {
            Console.WriteLine($"# peer {name} skipped: {(script is null ? "bench/peers/openblas_sgemm.py not found" : python + " not found")}");
            return;
        }
        string json = JsonSerializer.Serialize(cases.Select(c => new { label = Key(c), transA = c.TransA, transB = c.TransB, m = c.M, n = c.N, k = c.K }));
        var psi = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(script);
        psi.ArgumentList.Add(json);
        psi.ArgumentList.Add(seconds.ToString(CultureInfo.InvariantCulture));
        psi.Environment["OPENBLAS_NUM_THREADS"] = threads.ToString(CultureInfo.InvariantCulture);
        psi.Environment.Remove("OPENBLAS_CORETYPE");
        if (coreType is not null)
            psi.Environment["OPENBLAS_CORETYPE"] = coreType;
        using Process process = Process.Start(psi) ?? throw new InvalidOperationException("could not start " + python);
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        string lastLine = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "";
        if (lastLine.Length == 0)
        {
            Console.WriteLine($"# peer {name} skipped: the script printed nothing (exit {process.ExitCode}): {stderr.Result.Trim()}");
            return;
        }
        using JsonDocument doc = JsonDocument.Parse(lastLine);
        if (doc.RootElement.TryGetProperty("error", out JsonElement error))
        {
            Console.WriteLine($"# peer {name} skipped: {error.GetString()}");
            return;
        }
        var results = new Dictionary<string, double>();
        foreach (JsonElement r in doc.RootElement.GetProperty("results").EnumerateArray())
            results[r.GetProperty("label").GetString()!] = r.GetProperty("median_s").GetDouble();
        string libs = string.Join(", ", doc.RootElement.GetProperty("blas_library").EnumerateArray().Select(e => e.GetString()));
        Console.WriteLine($"#   peer {name}: numpy {doc.RootElement.GetProperty("numpy").GetString()}, {libs}");
        peers.Add((name, results));
    }

    private static string? FindScript()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "bench", "peers", "openblas_sgemm.py");
            if (File.Exists(candidate))
                return candidate;
        }
        return null;
    }
}
