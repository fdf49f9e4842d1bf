using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Bottleneck.Autograd;
using Bottleneck.Data;
using Bottleneck.Kernels;
using Bottleneck.Models;
using Bottleneck.Models.Dense;
using Bottleneck.Optim;
using Bottleneck.Tensors;
using Bottleneck.Training;

namespace Bottleneck.Bench;

/// <summary>
/// The dense autoencoder 784-512-128-32-128-512-784 (ReLU, BCE-with-logits summed over pixels and averaged over the
/// batch, Adam 1e-3, batch 256) on MNIST, against ../shared/peers/torch_ref.py dense in the same run.
/// Usage: dense [--epochs E] [--threads N] [--no-peer] [--tuned-peer-only] [--limit N] [--hidden 512,128 --latent 32 --batch 256 --peer-config dense]
/// [--profile [STEPS]] [--thread-ratio]. <c>--profile</c>: after the timed run, STEPS (default 100) more training steps under an
/// <see cref="OpProfiler"/>: time per op kind, forward and backward, per step, beside the batch load and the optimizer step.
/// <c>--thread-ratio</c>: our training and inference also at 1 thread in the same run, with the ratio.
/// </summary>
public static class DenseBench
{
    public static int Run(string[] args)
    {
        int epochs = IntArg(args, "--epochs", 2), threads = IntArg(args, "--threads", 2), limit = IntArg(args, "--limit", 0);
        int batch = IntArg(args, "--batch", 256), latent = IntArg(args, "--latent", 32);
        var hidden = StrArg(args, "--hidden", "512,128").Split(',').Select(int.Parse).ToArray();
        string peerConfig = StrArg(args, "--peer-config", "dense");
        bool peer = !args.Contains("--no-peer");
        Gemm.Threads = threads;
        var dir = DataDirectory.Find("mnist");
        if (dir is null) { Console.Error.WriteLine("dense: MNIST not found (../shared/data/mnist); nothing to measure"); return 2; }
        var train = IdxLoader.LoadMnist(dir, "train");
        var test = IdxLoader.LoadMnist(dir, "test");
        if (limit > 0) train = train.Subset(Enumerable.Range(0, limit).ToArray());

        Console.WriteLine($"backend: {Gemm.Describe()}; threads {threads}; epochs 1 warm-up + {epochs} timed; batch {batch}; 784-{string.Join("-", hidden)}-{latent}");
        var ours = RunOurs(train, test, hidden, latent, batch, epochs);
        Console.WriteLine(JsonSerializer.Serialize(ours));
        Dictionary<string, JsonElement>? torch = null, tuned = null;
        if (peer)
        {
            if (!args.Contains("--tuned-peer-only")) torch = RunPeer(peerConfig, threads, epochs, limit, coreType: null);
            // Debian's OpenBLAS detects this VM's CPU as "Prescott" and runs SSE3 kernels; the second peer run forces the
            // AVX-512 kernels, so the comparison is also made against the fastest PyTorch this machine can give.
            if (System.Runtime.Intrinsics.X86.Avx512F.IsSupported) tuned = RunPeer(peerConfig, threads, epochs, limit, coreType: "SkylakeX");
        }

        Console.WriteLine();
        Console.WriteLine("| measure | Bottleneck | PyTorch 1.13 as installed | ratio | PyTorch 1.13, OPENBLAS_CORETYPE=SkylakeX | ratio |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        Row("training samples/s (median epoch)", ours.TrainSamplesPerSecond, Get(torch, "train_samples_per_s"), Get(tuned, "train_samples_per_s"), higherBetter: true);
        Row("inference samples/s", ours.InferSamplesPerSecond, Get(torch, "infer_samples_per_s"), Get(tuned, "infer_samples_per_s"), higherBetter: true);
        Row("final train loss (per image, nats)", ours.FinalTrainLoss, Get(torch, "final_train_loss"), Get(tuned, "final_train_loss"), higherBetter: false);
        Row("test squared error per image", ours.TestSquaredErrorPerImage, Get(torch, "test_se_per_image"), Get(tuned, "test_se_per_image"), higherBetter: false);
        Row("peak working set (MiB)", ours.PeakWorkingSetMiB, Get(torch, "peak_rss_mib"), Get(tuned, "peak_rss_mib"), higherBetter: false);
        Console.WriteLine($"| managed bytes allocated per training step after epoch 1 | {ours.BytesPerStep:F0} | | | | |");
        var (flops, computedFlops) = GemmBench.TrainingFlops(new DenseAutoencoder(new DenseConfig(784, hidden, latent), new Rng(0)), 784);
        GemmBench.PrintBound($"dense training, {threads} thread{(threads == 1 ? "" : "s")}", ours.TrainSamplesPerSecond, flops, computedFlops);
        if (args.Contains("--thread-ratio") && threads != 1)
        {
            Gemm.Threads = 1;
            var single = RunOurs(train, test, hidden, latent, batch, epochs);
            GemmBench.PrintBound("dense training, 1 thread", single.TrainSamplesPerSecond, flops, computedFlops);
            Gemm.Threads = threads;
            Console.WriteLine(JsonSerializer.Serialize(single));
            Console.WriteLine();
            Console.WriteLine($"| Bottleneck | 1 thread | {threads} threads | {threads} / 1 |");
            Console.WriteLine("|---|---:|---:|---:|");
            Console.WriteLine($"| training samples/s | {single.TrainSamplesPerSecond:F0} | {ours.TrainSamplesPerSecond:F0} | {ours.TrainSamplesPerSecond / single.TrainSamplesPerSecond:F2} |");
            Console.WriteLine($"| inference samples/s | {single.InferSamplesPerSecond:F0} | {ours.InferSamplesPerSecond:F0} | {ours.InferSamplesPerSecond / single.InferSamplesPerSecond:F2} |");
        }
        int pi = Array.IndexOf(args, "--profile");
        if (pi >= 0)
            Profile(train, hidden, latent, batch, pi + 1 < args.Length && int.TryParse(args[pi + 1], out int ps) && ps > 0 ? ps : 100);
        return 0;
    }

    /// <summary>
    /// <paramref name="steps"/> training steps of a fresh model (after 20 warm-up steps) with an <see cref="OpProfiler"/>: prints the
    /// time per step of each op kind, forward and backward, and of the batch load, zero-grad and the Adam step.
    /// </summary>
    private static void Profile(Dataset train, int[] hidden, int latent, int bs, int steps) =>
        Profile(new DenseAutoencoder(new DenseConfig(784, hidden, latent), new Rng(0)), train, bs, steps, $"784-{string.Join("-", hidden)}-{latent}");

    /// <summary>The profile of <see cref="Profile(Dataset, int[], int, int, int)"/> for any model (<c>vae speed --profile</c> uses it too).</summary>
    internal static void Profile(AutoencoderModel model, Dataset train, int bs, int steps, string title)
    {
        var opt = new Adam(model.Parameters(), 1e-3f);
        var pool = new BufferPool();
        var source = RowSource.For(model, train);
        var rng = new Rng(1);
        var perm = rng.Permutation(train.Rows);
        long load = 0, zero = 0, adam = 0, total = 0;
        OpProfiler? profiler = null;
        for (int s = 0; s < steps + 20; s++)
        {
            if (s == 20) profiler = OpProfiler.Start();
            long t0 = Stopwatch.GetTimestamp();
            int i = s * bs % Math.Max(1, train.Rows - bs);
            using var scope = new TensorScope(pool);
            var batch = source.Load(perm.AsSpan(i, Math.Min(bs, train.Rows - i)));
            long t1 = Stopwatch.GetTimestamp();
            opt.ZeroGrad();
            long t2 = Stopwatch.GetTimestamp();
            profiler?.Mark();
            var loss = model.Step(batch, StepContext.ForTraining(1, s, rng)).Loss;
            loss.Backward();
            long t3 = Stopwatch.GetTimestamp();
            opt.Step();
            long t4 = Stopwatch.GetTimestamp();
            if (profiler != null) { load += t1 - t0; zero += t2 - t1; adam += t4 - t3; total += t4 - t0; }
        }
        profiler!.Dispose();
        double Ms(double ticks) => ticks * 1000.0 / Stopwatch.Frequency / steps;
        var ops = profiler.Results();
        Console.WriteLine();
        Console.WriteLine($"profile: {steps} steps of batch {bs}, {title}, {Gemm.Describe()}; ms per step (forward: time since the previous recorded op)");
        Console.WriteLine();
        Console.WriteLine("| op | forward ms | backward ms | calls/step | share of step |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        double step = Ms(total);
        foreach (var op in ops)
        {
            double f = op.ForwardSeconds * 1000 / steps, b = op.BackwardSeconds * 1000 / steps;
            Console.WriteLine($"| {op.Op} | {f:F3} | {b:F3} | {(double)op.ForwardCalls / steps:0.#} | {(f + b) / step:P1} |");
        }
        Console.WriteLine($"| batch load | {Ms(load):F3} | | | {Ms(load) / step:P1} |");
        Console.WriteLine($"| zero-grad | {Ms(zero):F3} | | | {Ms(zero) / step:P1} |");
        Console.WriteLine($"| Adam step | {Ms(adam):F3} | | | {Ms(adam) / step:P1} |");
        double accounted = ops.Sum(o => o.ForwardSeconds + o.BackwardSeconds) * 1000 / steps + Ms(load) + Ms(zero) + Ms(adam);
        Console.WriteLine($"| other (backward bookkeeping, loss read) | {step - accounted:F3} | | | {(step - accounted) / step:P1} |");
        Console.WriteLine($"| **step** | {step:F3} | | | 100% |");
        Console.WriteLine(JsonSerializer.Serialize(new { suite = "dense-profile", steps, batch = bs, step_ms = step, ops = ops.Select(o => new { o.Op, forward_ms = o.ForwardSeconds * 1000 / steps, backward_ms = o.BackwardSeconds * 1000 / steps }) }));
    }

    public sealed record Result(double TrainSamplesPerSecond, double InferSamplesPerSecond, double FinalTrainLoss,
        double TestSquaredErrorPerImage, double BytesPerStep, double PeakWorkingSetMiB, string Backend);

    private static Result RunOurs(Dataset train, Dataset test, int[] hidden, int latent, int bs, int epochs)
    {
        var model = new DenseAutoencoder(new DenseConfig(784, hidden, latent), new Rng(0));
        var opt = new Adam(model.Parameters(), 1e-3f);
        var pool = new BufferPool();
        var source = RowSource.For(model, train);
        int n = train.Rows;
        var rng = new Rng(0);
        var times = new List<double>();
        double lastLoss = 0, bytesPerStep = 0;
        long step = 0;
        // The loop of the trainer's gradient-descent step, written out so that only the model, the batch copy and Adam are timed:
        // load a batch from the row source, one step of the model's step contract, backward, Adam.
        for (int epoch = 0; epoch <= epochs; epoch++)
        {
            var perm = rng.Permutation(n);
            var noise = rng.Fork();
            var sw = Stopwatch.StartNew();
            double tot = 0;
            long alloc0 = GC.GetAllocatedBytesForCurrentThread();
            int steps = 0;
            for (int i = 0; i < n; i += bs)
            {
                int m = Math.Min(bs, n - i);
                using var scope = new TensorScope(pool);
                var batch = source.Load(perm.AsSpan(i, m));
                opt.ZeroGrad();
                var loss = model.Step(batch, StepContext.ForTraining(epoch + 1, step++, noise)).Loss;
                loss.Backward();
                opt.Step();
                tot += loss.Item() * m;
                steps++;
            }
            long alloc1 = GC.GetAllocatedBytesForCurrentThread();
            if (epoch > 0) { times.Add(sw.Elapsed.TotalSeconds); bytesPerStep = (double)(alloc1 - alloc0) / steps; }
            lastLoss = tot / n;
            Console.Error.WriteLine($"  epoch {epoch}: {sw.Elapsed.TotalSeconds:F2} s, loss {lastLoss:F3}, {(double)(alloc1 - alloc0) / steps:F0} B/step");
        }
        times.Sort();
        double trainSps = n / times[times.Count / 2];

        model.Eval();
        var tbuf = new float[bs * test.FeatureCount];
        double se = 0;
        var inferTimes = new List<double>();
        using (GradMode.NoGrad())
        {
            for (int i = 0; i < test.Rows; i += bs) se += Reconstruct(model, test, i, Math.Min(bs, test.Rows - i), tbuf, pool, score: true);
            // timed passes over the test set (median of 5), after the scoring pass above has warmed up the code
            for (int rep = 0; rep < 5; rep++)
            {
                var sw = Stopwatch.StartNew();
                for (int i = 0; i < test.Rows; i += bs) Reconstruct(model, test, i, Math.Min(bs, test.Rows - i), tbuf, pool, score: false);
                inferTimes.Add(sw.Elapsed.TotalSeconds);
            }
        }
        inferTimes.Sort();
        double inferSeconds = inferTimes[inferTimes.Count / 2];
        double peak = Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024.0);
        return new Result(Math.Round(trainSps, 1), Math.Round(test.Rows / inferSeconds, 1), Math.Round(lastLoss, 4),
            Math.Round(se / test.Rows, 3), bytesPerStep, Math.Round(peak, 1), Gemm.Describe());
    }

    private static double Reconstruct(AutoencoderModel model, Dataset data, int start, int m, float[] buf, BufferPool pool, bool score)
    {
        int d = data.FeatureCount;
        var rows = new int[m];
        for (int k = 0; k < m; k++) rows[k] = start + k;
        data.CopyRows(rows, buf.AsSpan(0, m * d));
        using var scope = new TensorScope(pool);
        var x = Tensor.FromArray(buf.AsSpan(0, m * d), m, d);
        var r = model.Reconstruct(x).Span;
        if (!score) return 0;
        double se = 0;
        for (int j = 0; j < m * d; j++) { double e = buf[j] - r[j]; se += e * e; }
        return se;
    }

    internal static Dictionary<string, JsonElement>? RunPeer(string config, int threads, int epochs, int limit, string? coreType)
    {
        var script = Path.Combine(DataDirectory.Find()!, "..", "peers", "torch_ref.py");
        if (!File.Exists("/usr/bin/python3") || !File.Exists(script))
        {
            Console.Error.WriteLine("dense: peer skipped (/usr/bin/python3 or torch_ref.py missing)");
            return null;
        }
        // Run the peer unchanged and read its peak RSS from getrusage in the same interpreter.
        string wrapper = "import runpy,resource,sys,json,io,contextlib; sys.argv=sys.argv[1:]; buf=io.StringIO()\n" +
                         "with contextlib.redirect_stdout(buf): runpy.run_path(sys.argv[0], run_name='__main__')\n" +
                         "d=json.loads(buf.getvalue().strip().splitlines()[-1]); d['peak_rss_mib']=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss/1024,1); print(json.dumps(d))";
        var psi = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.Environment.Remove("OPENBLAS_CORETYPE");  // our own process sets it for its OpenBLAS; the peer gets it only when asked
        if (coreType != null) psi.Environment["OPENBLAS_CORETYPE"] = coreType;
        psi.ArgumentList.Add("-c"); psi.ArgumentList.Add(wrapper);
        psi.ArgumentList.Add(script); psi.ArgumentList.Add(config);
        psi.ArgumentList.Add("--threads"); psi.ArgumentList.Add(threads.ToString(CultureInfo.InvariantCulture));
        psi.ArgumentList.Add("--epochs"); psi.ArgumentList.Add(epochs.ToString(CultureInfo.InvariantCulture));
        if (limit > 0) { psi.ArgumentList.Add("--limit"); psi.ArgumentList.Add(limit.ToString(CultureInfo.InvariantCulture)); }
        using var p = Process.Start(psi)!;
        string stdout = p.StandardOutput.ReadToEnd(), stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) { Console.Error.WriteLine($"dense: peer failed ({p.ExitCode}): {stderr}"); return null; }
        var line = stdout.Trim().Split('\n').Last();
        Console.WriteLine(line);
        return JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(line);
    }

    private static double? Get(Dictionary<string, JsonElement>? d, string key) => d != null && d.TryGetValue(key, out var v) ? v.GetDouble() : null;

    private static void Row(string name, double ours, double? asIs, double? tuned, bool higherBetter)
    {
        string Ratio(double? t) => t is > 0 ? (higherBetter ? ours / t.Value : t.Value / ours).ToString("F2", CultureInfo.InvariantCulture) + "×" : "";
        string V(double? v) => v?.ToString("G6", CultureInfo.InvariantCulture) ?? "–";
        Console.WriteLine($"| {name} | {V(ours)} | {V(asIs)} | {Ratio(asIs)} | {V(tuned)} | {Ratio(tuned)} |");
    }

    internal static int IntArg(string[] a, string name, int def) { int i = Array.IndexOf(a, name); return i >= 0 && i + 1 < a.Length ? int.Parse(a[i + 1], CultureInfo.InvariantCulture) : def; }
    /// <summary>The value after option <paramref name="name"/> in <paramref name="a"/>, or <paramref name="def"/> (which may be null) when the option is absent.</summary>
    [return: System.Diagnostics.CodeAnalysis.NotNullIfNotNull(nameof(def))]
    internal static string? StrArg(string[] a, string name, string? def) { int i = Array.IndexOf(a, name); return i >= 0 && i + 1 < a.Length ? a[i + 1] : def; }
}
