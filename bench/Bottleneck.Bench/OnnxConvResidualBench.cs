using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Bottleneck.Anomaly;
using Bottleneck.Autograd;
using Bottleneck.Data;
using Bottleneck.Interop;
using Bottleneck.Kernels;
using Bottleneck.ModelFiles;
using Bottleneck.Models;
using Bottleneck.Models.Conv;
using Bottleneck.Tensors;
using Microsoft.ML.OnnxRuntime;

namespace Bottleneck.Bench;

/// <summary>
/// <c>onnx conv-residual</c>: the residual conv denoiser (the photo-denoising model of docs/images.md, <c>--kind conv --stride 1
/// --channels 32,32,32 --latent-channels 32 --residual</c>) on the workload of <c>denoise</c>: 32 × 32 grey patches every 8 pixels of the
/// two shared photographs (chelsea, coffee), reconstructed in batches. In one process, on the same rows, measurements alternated with a
/// pause between them, medians reported:
/// <list type="bullet">
/// <item>the layers under no-grad (x + decoder(encoder(x)) through the NN layers' tensors);</item>
/// <item>the fused path in two halves, <c>Encode</c> then <c>DecodeLogits</c>, then x + logits as a tensor addition: what
/// <c>Reconstruct</c> of a residual model ran before the skip was compiled into the path;</item>
/// <item><c>Reconstruct</c>: one fused call with the skip added in the pass;</item>
/// <item>ONNX Runtime 1.31.1 on the exported <c>full</c> graph (only its <c>reconstruction</c> output bound);</item>
/// <item>the MSE score per row: <see cref="AnomalyScorer"/> (the fused path) against the exported <c>score</c> graph.</item>
/// </list>
/// The outputs are compared (1e-5 of the largest magnitude) before timing. Both sides get the same threads.
/// Usage: onnx conv-residual [--model DIR (a trained residual conv model; default: the architecture above with its initial weights)]
/// [--rows 1024] [--batch 512] [--repeats 3] [--threads 2]
/// </summary>
public static class OnnxConvResidualBench
{
    public static int Run(string[] args)
    {
        int rows = DenseBench.IntArg(args, "--rows", 1024), batch = DenseBench.IntArg(args, "--batch", 512), repeats = DenseBench.IntArg(args, "--repeats", 3);
        int threads = DenseBench.IntArg(args, "--threads", 2);
        int at = Array.IndexOf(args, "--model");
        SavedModel saved;
        if (at >= 0 && at + 1 < args.Length) saved = ModelStore.Load(args[at + 1]);
        else
        {
            var fresh = new ConvAutoencoder(new ConvConfig(1, 32, 32, [32, 32, 32], stride: 1, latent: null, latentChannels: 32,
                output: Likelihood.Gaussian, residual: true), new Rng(0));
            saved = new SavedModel(fresh, new PreprocessorState(ScalingKind.None, [], []), null, [], null, "initial weights");
        }
        if (saved.Model is not ConvAutoencoder { Conv: { Residual: true, InChannels: 1 } conv } model)
        {
            Console.Error.WriteLine($"onnx conv-residual: the model must be a grey residual conv model, got {saved.Model.Config.Describe()}");
            return 2;
        }
        var images = DataDirectory.Find("images");
        if (images is null)
        {
            Console.Error.WriteLine("onnx conv-residual: needs ../shared/data/images (chelsea.png, coffee.png)");
            return 2;
        }
        var raw = Patches(images, conv.Height, conv.Width, rows);
        int n = raw.Rows, d = model.InputDim;
        var pre = new Preprocessor(saved.Preprocessing);
        var scaled = pre.Transform(raw).Features;
        model.Eval();
        Gemm.Threads = threads;
        byte[] fullGraph = OnnxExporter.Export(saved, OnnxPart.Full), scoreGraph = OnnxExporter.Export(saved, OnnxPart.Score);
        Console.WriteLine($"# onnx conv-residual: {model.Config.Describe()}; {n:N0} patches of chelsea and coffee (grey, every 8 pixels), batch {batch}; " +
                          $"{Gemm.Describe()}; ONNX Runtime 1.31.1 intra-op threads {threads}; load average {LoadAverage()}");

        var options = new SessionOptions { IntraOpNumThreads = threads, InterOpNumThreads = 1, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        using var full = new InferenceSession(fullGraph, options);
        using var score = new InferenceSession(scoreGraph, options);
        using var runOptions = new RunOptions();
        var scorer = new AnomalyScorer(model, ReconstructionError.Mse, batchSize: batch);
        if (!scorer.UsesFastPath) Console.WriteLine("# note: the anomaly scorer does not use the fused path here");

        var layers = new float[n * d];
        var halves = new float[n * d];
        var fused = new float[n * d];
        var ort = new float[n * d];
        var ourScores = new float[n];
        var ortScores = new float[n];

        void Batches(float[] into, Func<Tensor, Tensor> reconstruct)
        {
            using var _ = GradMode.NoGrad();
            for (int s = 0; s < n; s += batch)
            {
                int m = Math.Min(batch, n - s);
                var x = Tensor.FromArray(scaled.AsSpan(s * d, m * d).ToArray(), [m, .. model.InputShape]);
                reconstruct(x).Span.CopyTo(into.AsSpan(s * d, m * d));
                pre.InverseTransform(into.AsSpan(s * d, m * d));
            }
        }
        void Layers() => Batches(layers, x => x + model.Decoder.Forward(model.Encoder.Forward(x)));
        void Halves() => Batches(halves, x => x + model.DecodeLogits(model.Encode(x)));
        void Fused() => Batches(fused, model.Reconstruct);
        void Ort() => RunBlocks(full, runOptions, "reconstruction", raw.Features, n, d, batch, d, ort);
        void OurScore() => scorer.Score(scaled.AsSpan(0, n * d), ourScores);
        void OrtScore() => RunBlocks(score, runOptions, "score", raw.Features, n, d, batch, 1, ortScores);

        Layers(); Halves(); Fused(); Ort(); OurScore(); OrtScore();
        Check("fused halves vs layers", layers, halves);
        Check("Reconstruct vs layers", layers, fused);
        Check("ONNX Runtime full vs Reconstruct", fused, ort);
        Check("ONNX Runtime score vs AnomalyScorer", ourScores, ortScores);

        var medians = Interleaved(repeats, Layers, Halves, Fused, Ort, OurScore, OrtScore);
        string[] names =
        [
            "reconstruct: layers, no-grad tensors", "reconstruct: fused Encode + DecodeLogits, then x + logits (before)",
            "reconstruct: Reconstruct, one fused call with the skip (after)", "reconstruct: ONNX Runtime, full graph",
            "score (mse per row): AnomalyScorer, fused path", "score (mse per row): ONNX Runtime, score graph",
        ];
        Console.WriteLine();
        Console.WriteLine($"| {n:N0} patches 32 × 32, batch {batch}, {threads} threads | patches/s (median of {repeats}) |");
        Console.WriteLine("|---|---:|");
        for (int i = 0; i < names.Length; i++)
        {
            Console.WriteLine($"| {names[i]} | {n / medians[i]:N0} |");
            Console.Error.WriteLine(JsonSerializer.Serialize(new { suite = "onnx conv-residual", path = names[i], rows = n, batch, threads, patches_per_s = n / medians[i] }));
        }
        Console.WriteLine($"# after / before {medians[1] / medians[2]:0.00}×, after / layers {medians[0] / medians[2]:0.00}×, " +
                          $"ours / ORT: reconstruct {medians[3] / medians[2]:0.00}×, score {medians[5] / medians[4]:0.00}×; load average {LoadAverage()}");
        return 0;
    }

    /// <summary>Up to <paramref name="limit"/> h × w grey patches every 8 pixels of chelsea.png then coffee.png, in [0, 1].</summary>
    private static Dataset Patches(string images, int h, int w, int limit)
    {
        var rows = new List<float>();
        int n = 0;
        foreach (var name in new[] { "chelsea.png", "coffee.png" })
        {
            var (values, file) = ImageFolder.LoadFile(Path.Combine(images, name), new ImageFolderOptions(Channels: 1));
            for (int y0 = 0; y0 + h <= file.Height && n < limit; y0 += 8)
                for (int x0 = 0; x0 + w <= file.Width && n < limit; x0 += 8, n++)
                    for (int y = 0; y < h; y++) rows.AddRange(values.AsSpan((y0 + y) * file.Width + x0, w).ToArray());
        }
        return new Dataset(rows.ToArray(), n, h * w, image: new ImageShape(1, h, w), source: "chelsea and coffee patches");
    }

    /// <summary>Medians (seconds) of each action, run in turn <paramref name="repeats"/> times with a pause before each (ONNX Runtime's
    /// and our worker pools spin for a while after a call).</summary>
    private static double[] Interleaved(int repeats, params Action[] actions)
    {
        var times = actions.Select(_ => new List<double>()).ToArray();
        for (int r = 0; r < repeats; r++)
            for (int i = 0; i < actions.Length; i++)
            {
                Thread.Sleep(50);
                var sw = Stopwatch.StartNew();
                actions[i]();
                times[i].Add(sw.Elapsed.TotalSeconds);
            }
        return times.Select(t => t.Order().ElementAt(t.Count / 2)).ToArray();
    }

    private static void RunBlocks(InferenceSession session, RunOptions runOptions, string output, float[] x, int rows, int d, int batch, int width, float[] into)
    {
        string[] inputNames = ["input"], outputNames = [output];
        for (int start = 0; start < rows; start += batch)
        {
            int m = Math.Min(batch, rows - start);
            using var input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, new Memory<float>(x, start * d, m * d), [m, d]);
            using var result = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, new Memory<float>(into, start * width, m * width),
                width == 1 ? [m] : [m, width]);
            session.Run(runOptions, inputNames, [input], outputNames, [result]);
        }
    }

    private static void Check(string what, float[] expected, float[] actual)
    {
        double scale = expected.Max(v => Math.Abs(v)), worst = 0;
        for (int i = 0; i < expected.Length; i++) worst = Math.Max(worst, Math.Abs(expected[i] - actual[i]));
        if (!(worst <= 1e-5 * scale)) throw new InvalidOperationException($"{what}: differs by {worst:g3} (scale {scale:g3})");
        Console.WriteLine($"# {what}: max |difference| {worst:g3} (largest value {scale:g3})");
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";
}
