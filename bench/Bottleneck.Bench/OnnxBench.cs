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
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Bottleneck.Bench;

/// <summary>
/// Inference of an exported dense model in ONNX Runtime against Bottleneck's own inference, on the same rows in the same process:
/// the score part (reconstruction error per row, against <see cref="AnomalyScorer"/>'s kernel-level path) and the encoder part
/// (against <see cref="Batching.Encode"/>). The model is 784-512-128-32 (ReLU, sigmoid-bce) with its initial weights (speed does not
/// depend on them), the rows are demo glyphs. Both sides get the same threads. Before timing, the outputs are compared (1e-5).
/// Usage: onnx [--rows 20000] [--batch 4096] [--repeats 5] [--threads 2]
/// </summary>
public static class OnnxBench
{
    public static int Run(string[] args)
    {
        int rows = IntArg(args, "--rows", 20000), batch = IntArg(args, "--batch", 4096), repeats = IntArg(args, "--repeats", 5);
        int threads = IntArg(args, "--threads", 2);
        Gemm.Threads = threads;
        Console.WriteLine($"backend: {Gemm.Describe()}; threads {threads}; ONNX Runtime intra-op threads {threads}");
        var data = DemoDataset.Generate(rows, 1);
        var model = new DenseAutoencoder(new DenseConfig(784, [512, 128], 32), new Rng(0));
        model.Eval();
        var saved = new SavedModel(model, new PreprocessorState(ScalingKind.None, [], []), null, [], null, "demo");
        var options = new SessionOptions { IntraOpNumThreads = threads, InterOpNumThreads = 1, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        using var score = new InferenceSession(OnnxExporter.Export(saved, OnnxPart.Score), options);
        using var encoder = new InferenceSession(OnnxExporter.Export(saved, OnnxPart.Encoder), options);

        var scorer = new AnomalyScorer(model, batchSize: batch);
        var ours = new float[rows];
        var theirs = new float[rows];
        double Ours() => Time(() => scorer.Score(data.Features, ours));
        double Theirs() => Time(() => RunBlocks(score, "score", data.Features, rows, batch, 1, theirs));
        Ours(); Theirs();
        Check("score", ours, theirs);
        var scoreOurs = Best(repeats, Ours);
        var scoreOrt = Best(repeats, Theirs);

        float[] codes = [];
        var ortCodes = new float[rows * 32];
        double OursEncode() => Time(() => codes = Batching.Encode(model, data, batch));
        double TheirsEncode() => Time(() => RunBlocks(encoder, "code", data.Features, rows, batch, 32, ortCodes));
        OursEncode(); TheirsEncode();
        Check("code", codes, ortCodes);
        var encodeOurs = Best(repeats, OursEncode);
        var encodeOrt = Best(repeats, TheirsEncode);

        Console.WriteLine();
        Console.WriteLine($"| dense 784-512-128-32, {rows:N0} rows, batch {batch} | Bottleneck rows/s | ONNX Runtime 1.31.1 rows/s | ratio |");
        Console.WriteLine("|---|---|---|---|");
        Console.WriteLine($"| score (BCE per row) | {rows / scoreOurs:N0} | {rows / scoreOrt:N0} | {scoreOrt / scoreOurs:0.00}x |");
        Console.WriteLine($"| encode | {rows / encodeOurs:N0} | {rows / encodeOrt:N0} | {encodeOrt / encodeOurs:0.00}x |");
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            suite = "onnx", rows, batch, threads, backend = Gemm.Describe(),
            score_ours_rows_per_s = rows / scoreOurs, score_ort_rows_per_s = rows / scoreOrt,
            encode_ours_rows_per_s = rows / encodeOurs, encode_ort_rows_per_s = rows / encodeOrt,
        }));
        return 0;
    }

    private static void RunBlocks(InferenceSession session, string output, float[] x, int rows, int batch, int width, float[] into)
    {
        for (int start = 0; start < rows; start += batch)
        {
            int m = Math.Min(batch, rows - start);
            var input = new DenseTensor<float>(new Memory<float>(x, start * 784, m * 784), [m, 784]);
            using var results = session.Run([NamedOnnxValue.CreateFromTensor("input", input)], [output]);
            var t = (DenseTensor<float>)results[0].AsTensor<float>();
            t.Buffer.Span.CopyTo(into.AsSpan(start * width, m * width));
        }
    }

    private static void Check(string what, float[] ours, float[] theirs)
    {
        double scale = ours.Max(v => Math.Abs(v)), worst = 0;
        for (int i = 0; i < ours.Length; i++) worst = Math.Max(worst, Math.Abs(ours[i] - theirs[i]));
        if (worst > 1e-5 * scale) throw new InvalidOperationException($"{what}: ONNX Runtime differs by {worst:g3} (scale {scale:g3})");
    }

    private static double Time(Action a)
    {
        var sw = Stopwatch.StartNew();
        a();
        return sw.Elapsed.TotalSeconds;
    }

    private static double Best(int repeats, Func<double> f) => Enumerable.Range(0, repeats).Min(_ => f());

    private static int IntArg(string[] args, string name, int fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
