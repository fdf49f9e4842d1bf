using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Bottleneck.Anomaly;
using Bottleneck.Data;
using Bottleneck.Interop;
using Bottleneck.Kernels;
using Bottleneck.ModelFiles;
using Bottleneck.Models.Dense;
using Bottleneck.Tensors;
using Bottleneck.Training;
using Microsoft.ML.OnnxRuntime;
using Bottleneck.Models;

namespace Bottleneck.Bench;

/// <summary>
/// Inference of an exported dense model in ONNX Runtime against Bottleneck's own inference, on the same rows in the same process:
/// the score part (reconstruction error per row, against <see cref="AnomalyScorer"/>, which runs the dense kind's fused inference
/// path) and the encoder part (against <see cref="IFastInference.Codes"/> of <see cref="AutoencoderModel.CreateFastInference"/>).
/// The model is 784-512-128-32 (ReLU, sigmoid-bce) with its initial weights (speed does not depend on them), the rows are demo
/// glyphs. Every batch size runs at every thread count; both sides get the same threads (Gemm.Threads, ONNX Runtime's intra-op
/// threads) and are called once per batch of rows, ONNX Runtime through its lowest-overhead API (OrtValues over the caller's
/// memory, no copies). Measurements alternate ours / ONNX Runtime (A/B/A/B) and report medians. Before timing, the outputs are
/// compared (1e-5).
/// Usage: onnx [--rows 20000] [--batch B (default 1, 32, 256 and 4096)] [--repeats 5] [--threads T (default 1 and 2)]
/// [--split rows|columns (default: the faster of the two, timed at run time by the inference path; rows: the rows over the threads, or
/// one thread for small calls; columns: every layer's columns over the threads)] [--cpu-time (with --threads 1: each measurement is the
/// calling thread's CPU time, on which both sides run, for a machine shared with other work)] | onnx conv-residual ... (<see cref="OnnxConvResidualBench"/>)
/// </summary>
public static class OnnxBench
{
    private sealed record Row(int Threads, int Batch, string Part, double Ours, double Ort);

    public static int Run(string[] args)
    {
        if (args.Length > 0 && args[0] == "conv-residual") return OnnxConvResidualBench.Run(args);   // the residual conv denoiser (its own file)
        int rows = DenseBench.IntArg(args, "--rows", 20000), repeats = DenseBench.IntArg(args, "--repeats", 5);
        int[] batches = args.Contains("--batch") ? [DenseBench.IntArg(args, "--batch", 4096)] : [1, 32, 256, 4096];
        int[] threadCounts = args.Contains("--threads") ? [DenseBench.IntArg(args, "--threads", 2)] : [1, 2];
        s_cpuTime = args.Contains("--cpu-time");
        if (s_cpuTime && (threadCounts is not [1] || !ThreadCpuClock.IsAvailable))
        {
            Console.Error.WriteLine(ThreadCpuClock.IsAvailable
                ? "onnx: --cpu-time times the calling thread's CPU time; use it with --threads 1"
                : "onnx: --cpu-time needs Linux (clock_gettime(CLOCK_THREAD_CPUTIME_ID))");
            return 2;
        }
        int splitAt = Array.IndexOf(args, "--split");
        if (splitAt >= 0)
        {
            string value = splitAt + 1 < args.Length ? args[splitAt + 1] : "";
            if (!Enum.TryParse<InferenceSplit>(value, ignoreCase: true, out var split))
            {
                Console.Error.WriteLine($"onnx: --split takes rows or columns, got '{value}'");
                return 2;
            }
            Models.Dense.DenseInference.ForcedSplit = split;
        }
        var data = DemoDataset.Generate(rows, 1);
        var model = new DenseAutoencoder(new DenseConfig(784, [512, 128], 32), new Rng(0));
        model.Eval();
        var saved = new SavedModel(model, new PreprocessorState(ScalingKind.None, [], []), null, [], null, "demo");
        byte[] scoreGraph = OnnxExporter.Export(saved, OnnxPart.Score), encoderGraph = OnnxExporter.Export(saved, OnnxPart.Encoder);
        Console.WriteLine($"# onnx: dense 784-512-128-32, {rows:N0} demo rows; {CacheInfo.Describe()}; ONNX Runtime 1.31.1 (OrtValue API)" +
            (s_cpuTime ? "; timed by the calling thread's CPU time" : ""));
        var results = new List<Row>();
        foreach (int threads in threadCounts)
        {
            Gemm.Threads = threads;
            Console.WriteLine($"# threads {threads}: {Gemm.Describe()}; ONNX Runtime intra-op threads {threads}");
            var options = new SessionOptions { IntraOpNumThreads = threads, InterOpNumThreads = 1, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
            using var score = new InferenceSession(scoreGraph, options);
            using var encoder = new InferenceSession(encoderGraph, options);
            using var runOptions = new RunOptions();
            var scorer = new AnomalyScorer(model, batchSize: 4096);
            var fast = model.CreateFastInference()!;
            foreach (int batch in batches)
            {
                // Enough rows for ~0.1 s per measurement at small batches, all rows at large ones.
                int n = Math.Min(rows, Math.Max(batch * 5, batch == 1 ? 1000 : 4000));
                var ours = new float[n];
                var theirs = new float[n];
                var codes = new float[n * 32];
                var ortCodes = new float[n * 32];
                void OursScore() { for (int s = 0; s < n; s += batch) { int m = Math.Min(batch, n - s); scorer.Score(data.Features.AsSpan(s * 784, m * 784), ours.AsSpan(s, m)); } }
                void OrtScore() => RunBlocks(score, runOptions, "score", data.Features, n, batch, 1, theirs);
                void OursEncode() { for (int s = 0; s < n; s += batch) { int m = Math.Min(batch, n - s); fast.Codes(data.Features.AsSpan(s * 784, m * 784), m, codes.AsSpan(s * 32, m * 32)); } }
                void OrtEncode() => RunBlocks(encoder, runOptions, "code", data.Features, n, batch, 32, ortCodes);
                // The first calls of ours at 2+ threads are the inference split's trial (InferenceSplitTuner): the pause lets ONNX
                // Runtime's threads, which spin after each of its runs, stop first, so the trial sees the machine as the timed runs do.
                Thread.Sleep(PauseMs); OursScore(); OrtScore(); Check("score", ours, theirs);
                Thread.Sleep(PauseMs); OursEncode(); OrtEncode(); Check("code", codes, ortCodes);
                var (s1, s2) = Interleaved(repeats, OursScore, OrtScore);
                results.Add(new Row(threads, batch, "score (BCE per row)", n / s1, n / s2));
                var (e1, e2) = Interleaved(repeats, OursEncode, OrtEncode);
                results.Add(new Row(threads, batch, "encode", n / e1, n / e2));
                if (fast is Models.Dense.DenseInference dense)
                    Console.WriteLine($"# threads {threads}, batch {batch}: inference split {dense.DescribeSplits()}");
                foreach (var r in results.TakeLast(2))
                    Console.WriteLine(JsonSerializer.Serialize(new
                    {
                        suite = "onnx", threads, batch, rows = n, part = r.Part, backend = Gemm.Describe(),
                        ours_rows_per_s = r.Ours, ort_rows_per_s = r.Ort, ratio = r.Ours / r.Ort,
                    }));
            }
        }

        Console.WriteLine();
        Console.WriteLine("| part | batch | threads | Bottleneck rows/s | ONNX Runtime 1.31.1 rows/s | Bottleneck / ORT |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        foreach (var r in results.OrderBy(r => r.Part).ThenBy(r => r.Batch).ThenBy(r => r.Threads))
            Console.WriteLine($"| {r.Part} | {r.Batch} | {r.Threads} | {r.Ours:N0} | {r.Ort:N0} | {r.Ours / r.Ort:0.00}× |");
        if (threadCounts.Length > 1)
        {
            int t0 = threadCounts[0], t1 = threadCounts[^1];
            Console.WriteLine();
            Console.WriteLine($"| part | batch | Bottleneck {t1} / {t0} threads | ONNX Runtime {t1} / {t0} threads |");
            Console.WriteLine("|---|---:|---:|---:|");
            foreach (var g in results.GroupBy(r => (r.Part, r.Batch)).OrderBy(g => g.Key.Part).ThenBy(g => g.Key.Batch))
            {
                var a = g.Single(r => r.Threads == t0);
                var b = g.Single(r => r.Threads == t1);
                Console.WriteLine($"| {g.Key.Part} | {g.Key.Batch} | {b.Ours / a.Ours:0.00} | {b.Ort / a.Ort:0.00} |");
            }
        }
        return 0;
    }

    private const int PauseMs = 50;

    /// <summary>Median seconds of <paramref name="a"/> and of <paramref name="b"/>, run alternately <paramref name="repeats"/> times each.</summary>
    private static (double A, double B) Interleaved(int repeats, Action a, Action b)
    {
        var ta = new List<double>();
        var tb = new List<double>();
        // A pause before each measurement lets the other side's idle threads stop spinning (ONNX Runtime's intra-op pool spins
        // after each run, and so does our worker pool), so neither side is timed while the other still holds the second core.
        for (int i = 0; i < repeats; i++)
        {
            Thread.Sleep(PauseMs);
            ta.Add(Time(a));
            Thread.Sleep(PauseMs);
            tb.Add(Time(b));
        }
        ta.Sort();
        tb.Sort();
        return (ta[ta.Count / 2], tb[tb.Count / 2]);
    }

    private static void RunBlocks(InferenceSession session, RunOptions runOptions, string output, float[] x, int rows, int batch, int width, float[] into)
    {
        string[] inputNames = ["input"], outputNames = [output];
        for (int start = 0; start < rows; start += batch)
        {
            int m = Math.Min(batch, rows - start);
            using var input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, new Memory<float>(x, start * 784, m * 784), [m, 784]);
            using var result = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, new Memory<float>(into, start * width, m * width),
                width == 1 ? [m] : [m, width]);
            session.Run(runOptions, inputNames, [input], outputNames, [result]);
        }
    }

    private static void Check(string what, float[] ours, float[] theirs)
    {
        double scale = ours.Max(v => Math.Abs(v)), worst = 0;
        for (int i = 0; i < ours.Length; i++) worst = Math.Max(worst, Math.Abs(ours[i] - theirs[i]));
        if (worst > 1e-5 * scale) throw new InvalidOperationException($"{what}: ONNX Runtime differs by {worst:g3} (scale {scale:g3})");
    }

    /// <summary>--cpu-time: measurements are the calling thread's CPU time (one thread: ours and ONNX Runtime's run on it).</summary>
    private static bool s_cpuTime;

    private static double Time(Action a)
    {
        if (s_cpuTime)
        {
            double t0 = ThreadCpuClock.Now();
            a();
            return ThreadCpuClock.Now() - t0;
        }
        var sw = Stopwatch.StartNew();
        a();
        return sw.Elapsed.TotalSeconds;
    }
}
