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
    /// The autoencoder grid: the three GEMMs of a Linear layer inFeatures → outFeatures on a batch, for every batch, inFeatures
    /// and outFeatures in <paramref name="sizes"/>: forward Y = X·Wᵀ (NT, m = batch, k = in, n = out), dX = dY·W (NN, m = batch,
    /// k = out, n = in) and dW = dYᵀ·X (TN, m = out, k = batch, n = in).
    /// </summary>
    private static Case[] Grid(int[] sizes)
    {
        var cases = new List<Case>();
        foreach (int batch in sizes)
            foreach (int inF in sizes)
                foreach (int outF in sizes)
                {
                    cases.Add(new("NT Y=X·Wᵀ", false, true, batch, inF, outF));
                    cases.Add(new("NN dX=dY·W", false, false, batch, outF, inF));
                    cases.Add(new("TN dW=dYᵀ·X", true, false, outF, batch, inF));
                }
        return cases.DistinctBy(Key).ToArray();
    }

    /// <summary>
    /// Runs the suite. Options: <c>--threads N</c> (default 2), <c>--seconds S</c> per measurement (default 0.25),
    /// <c>--case TEXT</c> (only cases whose label or size contains TEXT), <c>--no-peer</c>, <c>--grid [S1,S2,…]</c> (the
    /// autoencoder grid of <see cref="Grid"/> over the sizes, default 32,256,1024, managed provider and peers only, with a
    /// summary of ours / OpenBLAS-with-its-own-detection per case), <c>--cpu-time</c> (with <c>--threads 1</c>: every call, ours and
    /// the peer's, timed by the calling thread's CPU time, for a machine shared with other work).
    /// </summary>
    /// <param name="args">Command-line options after the suite name.</param>
    /// <returns>0 on success, 2 on bad arguments.</returns>
    public static int Run(string[] args)
    {
        int threads = 2;
        double seconds = 0.25;
        bool peer = true;
        string? filter = null;
        int[]? grid = null;
        bool threadRatio = false;
        bool cpuTime = false;
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
                case "--grid":
                    grid = [32, 256, 1024];
                    if (i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
                    {
                        try { grid = args[i + 1].Split(',').Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToArray(); }
                        catch (FormatException) { Console.Error.WriteLine($"gemm: --grid takes sizes like 32,256,1024, got '{args[i + 1]}'"); return 2; }
                        if (grid.Any(v => v < 1)) { Console.Error.WriteLine($"gemm: --grid sizes must be ≥ 1, got '{args[i + 1]}'"); return 2; }
                        i++;
                    }
                    break;
                case "--thread-ratio":
                    threadRatio = true;
                    break;
                case "--no-peer":
                    peer = false;
                    break;
                case "--cpu-time":
                    cpuTime = true;
                    break;
                default:
                    Console.Error.WriteLine($"gemm: unknown or malformed option '{args[i]}'. Options: --threads N, --seconds S, --case TEXT, --no-peer, --grid [S1,S2,…], --thread-ratio, --cpu-time");
                    return 2;
            }
        }

        if (cpuTime && (threads != 1 || threadRatio || !ThreadCpuClock.IsAvailable))
        {
            Console.Error.WriteLine(ThreadCpuClock.IsAvailable
                ? "gemm: --cpu-time times one thread's CPU time; use it with --threads 1 and without --thread-ratio"
                : "gemm: --cpu-time needs Linux (clock_gettime(CLOCK_THREAD_CPUTIME_ID))");
            return 2;
        }
        s_cpuTime = cpuTime;
        Case[] all = grid is null ? Cases : Grid(grid);
        Case[] cases = filter is null ? all : all.Where(c => Key(c).Contains(filter, StringComparison.OrdinalIgnoreCase)).ToArray();
        Gemm.Threads = threads;
        IReadOnlyList<IGemmProvider> providers = grid is null ? Gemm.Available() : [Gemm.Available().First(p => p is ManagedGemm)];
        Console.WriteLine($"# GEMM benchmark: {threads} thread(s), {Environment.ProcessorCount} logical CPUs, {RuntimeInformation.ProcessArchitecture}, .NET {Environment.Version}" +
            (cpuTime ? "; timed by the thread's CPU time (ours and the peer's)" : ""));
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

        var ownRatios = new List<(Case Case, double Ratio)>();
        var threadRatios = new List<(Case Case, double Single, double Multi)>();
        foreach (Case c in cases)
        {
            double[] medians = Measure(providers, c, seconds);
            if (peers.FirstOrDefault(p => p.Name == "OpenBLAS (own detection)").Seconds is { } own && own.TryGetValue(Key(c), out double ownSeconds))
                ownRatios.Add((c, ownSeconds / medians[0]));
            if (threadRatio && threads > 1)
            {
                Gemm.Threads = 1;
                double single = Measure([providers[0]], c, seconds)[0];
                Gemm.Threads = threads;
                threadRatios.Add((c, single, medians[0]));
                Console.WriteLine(JsonSerializer.Serialize(new { suite = "gemm", @case = c.Label, size = c.Size, provider = providers[0].Name, threads = 1, gflops = c.Flops / single / 1e9, median_s = single }));
            }
            for (int pi = 0; pi < providers.Count; pi++)
            {
                IGemmProvider p = providers[pi];
                double median = medians[pi];
                double gflops = c.Flops / median / 1e9;
                string schedule = p is ManagedGemm mg ? mg.Schedule(c.TransA, c.TransB, c.M, c.N, c.K, threads).ToString() : "";
                Console.WriteLine(JsonSerializer.Serialize(new { suite = "gemm", @case = c.Label, size = c.Size, provider = p.Name, threads, gflops, median_s = median, schedule }));
                table.Append($"| {c.Label} | {c.Size} | {(schedule.Length == 0 ? p.Name : $"{p.Name} ({schedule})")} | {gflops:F1} |");
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
        if (threadRatios.Count > 0)
        {
            Console.WriteLine();
            Console.WriteLine($"| case | m×k×n | {providers[0].Name} GFLOP/s, 1 thread | {threads} threads | {threads} / 1 |");
            Console.WriteLine("|---|---|---:|---:|---:|");
            foreach (var (c, single, multi) in threadRatios)
                Console.WriteLine($"| {c.Label} | {c.Size} | {c.Flops / single / 1e9:F1} | {c.Flops / multi / 1e9:F1} | {single / multi:F2} |");
        }
        if (ownRatios.Count > 0)
        {
            // The summary the issue asks for: ours (first provider) / OpenBLAS with its own CPU detection, per case.
            Console.WriteLine();
            Console.WriteLine($"| case | shapes | min ours/OpenBLAS (own) | median | shapes below 0.9× |");
            Console.WriteLine("|---|---:|---:|---:|---|");
            foreach (var group in ownRatios.GroupBy(r => r.Case.Label))
            {
                var ratios = group.Select(r => r.Ratio).OrderBy(r => r).ToArray();
                // each miss with the managed GEMM's schedule, so a slow shape says how it ran (e.g. "32×1024×32 (0.39, shared ×2)")
                string below = string.Join(", ", group.Where(r => r.Ratio < 0.9).Select(r => $"{r.Case.Size} ({r.Ratio:F2}" +
                    (providers[0] is ManagedGemm mg ? $", {mg.Schedule(r.Case.TransA, r.Case.TransB, r.Case.M, r.Case.N, r.Case.K, threads)})" : ")")));
                Console.WriteLine($"| {group.Key} | {ratios.Length} | {ratios[0]:F2} | {ratios[ratios.Length / 2]:F2} | {(below.Length == 0 ? "none" : below)} |");
            }
        }
        return 0;
    }

    private static string Key(Case c) => $"{c.Label} {c.Size}";

    /// <summary>--cpu-time: calls are timed by the calling thread's CPU time (<see cref="ThreadCpuClock"/>), the peer's too.</summary>
    private static bool s_cpuTime;

    private static double Clock() => s_cpuTime ? ThreadCpuClock.Now() : Stopwatch.GetTimestamp() / (double)Stopwatch.Frequency;

    /// <summary>
    /// The best GFLOP/s of the current provider at the current thread count over 1024³ NN, NT and TN and the three products of a
    /// 784 → 512 Linear on a batch of 256 (median of each): the denominator of the training GEMM bound, measured in the same run.
    /// </summary>
    internal static double BestRate(double seconds = 0.1)
    {
        Case[] cases =
        [
            new("NN", false, false, 1024, 1024, 1024), new("NT", false, true, 1024, 1024, 1024), new("TN", true, false, 1024, 1024, 1024),
            new("NT Y=X·Wᵀ", false, true, 256, 784, 512), new("NN dX=dY·W", false, false, 256, 512, 784), new("TN dW=dYᵀ·X", true, false, 512, 256, 784),
        ];
        return cases.Max(c => c.Flops / Measure([Gemm.Provider], c, seconds)[0] / 1e9);
    }

    /// <summary>
    /// Prints the GEMM bound of a training rate: <paramref name="flopsPerSample"/> (the three products of every Linear layer,
    /// 6·Σ in·out, as docs/benchmarks.md counts them) × samples/s ÷ the best GEMM GFLOP/s measured now (<see cref="BestRate"/>), and
    /// the same with the FLOPs actually computed (the first layer's ∂L/∂x is not: <paramref name="computedFlopsPerSample"/>).
    /// </summary>
    internal static void PrintBound(string what, double samplesPerSecond, double flopsPerSample, double computedFlopsPerSample)
    {
        double best = BestRate();
        double rate = flopsPerSample * samplesPerSecond / 1e9, computed = computedFlopsPerSample * samplesPerSecond / 1e9;
        Console.WriteLine($"GEMM bound ({what}, {Gemm.Describe()}): {flopsPerSample / 1e6:F3} MFLOP/sample × {samplesPerSecond:F0} samples/s = {rate:F0} GFLOP/s " +
            $"= {rate / best:P1} of the best GEMM rate measured now ({best:F0} GFLOP/s); counting only the products computed " +
            $"({computedFlopsPerSample / 1e6:F3} MFLOP/sample): {computed:F0} GFLOP/s = {computed / best:P1}");
        Console.WriteLine(JsonSerializer.Serialize(new { suite = "gemm-bound", what, samplesPerSecond, flopsPerSample, gflops = rate, bestGemmGflops = best, fraction = rate / best, computedFraction = computed / best }));
    }

    /// <summary>FLOPs per sample of a training step of <paramref name="model"/>'s Linear layers: (6·Σ in·out, that minus 2·in·out of the first).</summary>
    internal static (double Convention, double Computed) TrainingFlops(Bottleneck.NN.Module model, int inputDim)
    {
        double total = 0, firstDx = 0;
        foreach (var m in model.Modules())
            if (m is Bottleneck.NN.Linear lin)
            {
                total += 6.0 * lin.InFeatures * lin.OutFeatures;
                if (lin.InFeatures == inputDim && firstDx == 0) firstDx = 2.0 * lin.InFeatures * lin.OutFeatures;
            }
        return (total, total - firstDx);
    }

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
                    double t0 = Clock();
                    p.Sgemm(c.TransA, c.TransB, c.M, c.N, c.K, 1f, a, lda, b, ldb, 0f, cc, c.N);
                    times[i].Add(Clock() - t0);
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
        string? script = PeerScripts.Find("openblas_sgemm.py");
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
        if (s_cpuTime)
            psi.ArgumentList.Add("cpu");
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
}
