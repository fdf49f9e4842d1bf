using System.Diagnostics;
using Bottleneck.Anomaly;
using Bottleneck.Data;
using Bottleneck.Interop;
using Bottleneck.ModelFiles;
using Bottleneck.Models;
using Bottleneck.Models.Registry;
using Bottleneck.Tensors;
using Bottleneck.Training;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Bottleneck.Tests.Interop;

/// <summary>Runs exported models in ONNX Runtime and compares them with Bottleneck's own outputs.</summary>
internal static class OnnxTestKit
{
    /// <summary>Runs <paramref name="onnx"/> on float inputs (name → (N, width) rows) and returns every output, flattened.</summary>
    public static Dictionary<string, Array> Run(byte[] onnx, params (string Name, float[] Data, int Width)[] inputs)
    {
        using var session = new InferenceSession(onnx);
        var values = inputs.Select(i => NamedOnnxValue.CreateFromTensor(i.Name, new DenseTensor<float>(i.Data, [i.Data.Length / i.Width, i.Width]))).ToList();
        return Collect(session, values);
    }

    /// <summary>Runs <paramref name="onnx"/> on prepared named values.</summary>
    public static Dictionary<string, Array> Run(byte[] onnx, IReadOnlyCollection<NamedOnnxValue> inputs)
    {
        using var session = new InferenceSession(onnx);
        return Collect(session, inputs);
    }

    private static Dictionary<string, Array> Collect(InferenceSession session, IReadOnlyCollection<NamedOnnxValue> inputs)
    {
        using var results = session.Run(inputs);
        var outputs = new Dictionary<string, Array>();
        foreach (var r in results)
            outputs[r.Name] = r.ElementType switch
            {
                TensorElementType.Float => r.AsTensor<float>().ToArray(),
                TensorElementType.Bool => r.AsTensor<bool>().ToArray(),
                var t => throw new InvalidOperationException($"unexpected output type {t}"),
            };
        return outputs;
    }

    /// <summary>Asserts max |ours − onnx| ≤ rtol · max(|ours|) (relative to the output's scale), naming the worst element.</summary>
    public static void AssertClose(string what, ReadOnlySpan<float> ours, Array onnx, double rtol = 1e-5)
    {
        var theirs = (float[])onnx;
        Assert.True(ours.Length == theirs.Length, $"{what}: {ours.Length} values, ONNX Runtime gave {theirs.Length}");
        double scale = 0, worst = 0; int at = -1;
        for (int i = 0; i < ours.Length; i++) scale = Math.Max(scale, Math.Abs(ours[i]));
        for (int i = 0; i < ours.Length; i++)
        {
            Assert.True(float.IsFinite(theirs[i]), $"{what}[{i}]: ONNX Runtime gave {theirs[i]}");
            double e = Math.Abs(ours[i] - theirs[i]);
            if (e > worst) { worst = e; at = i; }
        }
        Assert.True(scale > 0, $"{what}: every value is 0, the comparison would prove nothing");
        Assert.True(worst <= rtol * scale, $"{what}: element {at} is {(at >= 0 ? ours[at] : 0)} here and {(at >= 0 ? theirs[at] : 0)} in ONNX Runtime (|diff| {worst:g3} > {rtol:g1} x {scale:g3})");
    }

    /// <summary>A model of <paramref name="config"/>, fitted for one epoch on <paramref name="train"/> (so weights and batch-norm statistics
    /// are trained), saved in memory with <paramref name="scaling"/> fitted on the training rows and a p99 threshold of its default score.</summary>
    public static (SavedModel Saved, Dataset Scaled) Fit(ModelConfig config, Dataset train, ScalingKind scaling, int epochs = 1)
    {
        var pre = Preprocessor.Fit(train, scaling);
        var scaled = pre.Transform(train);
        var model = ModelRegistry.Create(config, new Rng(7));
        if (epochs > 0)
            ModelRegistry.CreateFit(config, new TrainingOptions(epochs: epochs, batchSize: 64, seed: 3))
                .Fit(model, RowSource.For(model, scaled), null, new FitContext());
        model.Eval();
        var saved = new SavedModel(model, pre.State, null, [], null, train.Source);
        if (model.ConditionsOnLabels) return (saved, scaled);
        var error = AnomalyScorer.DefaultError(model.Likelihood);
        var scores = new AnomalyScorer(model, error).Score(scaled);
        var threshold = Threshold.Default.Fit(scores);
        return (saved.WithAnomaly(new ThresholdState(Threshold.Default.ToString(), threshold, error, "training rows"), null), scaled);
    }

    /// <summary>Exports every part of <paramref name="saved"/> and checks each against Bottleneck's outputs on <paramref name="raw"/>:
    /// code (encode), reconstruction in the data space (reconstruct), decoder on the codes (unless <paramref name="decoderPart"/> is false:
    /// a residual model has none), score and flag (detect).</summary>
    public static void AssertAllPartsMatch(SavedModel saved, Dataset raw, double rtol = 1e-5, bool decoderPart = true)
    {
        var model = saved.Model;
        var pre = new Preprocessor(saved.Preprocessing);
        var scaled = pre.Transform(raw);
        int n = raw.Rows, d = raw.FeatureCount, k = model.LatentDim;

        var codes = Batching.Encode(model, scaled);
        var rec = Batching.Reconstruct(model, scaled);
        pre.InverseTransform(rec);

        var full = Run(OnnxExporter.Export(saved, OnnxPart.Full), ("input", raw.Features, d));
        AssertClose("full: code", codes, full["code"], rtol);
        AssertClose("full: reconstruction", rec, full["reconstruction"], rtol);

        var encoder = Run(OnnxExporter.Export(saved, OnnxPart.Encoder), ("input", raw.Features, d));
        AssertClose("encoder: code", codes, encoder["code"], rtol);
        Assert.False(encoder.ContainsKey("reconstruction"));

        if (decoderPart)
        {
            var decoder = Run(OnnxExporter.Export(saved, OnnxPart.Decoder), ("code", codes, k));
            AssertClose("decoder: reconstruction", rec, decoder["reconstruction"], rtol);
        }

        var threshold = saved.Threshold;
        var scorer = new AnomalyScorer(model, threshold?.Error);
        var scores = scorer.Score(scaled);
        var score = Run(OnnxExporter.Export(saved, OnnxPart.Score), ("input", raw.Features, d));
        AssertClose($"score ({AnomalyScorer.Name(scorer.Error)})", scores, score["score"], rtol);
        if (threshold != null)
        {
            var flags = (bool[])score["flag"];
            var onnxScores = (float[])score["score"];
            for (int i = 0; i < n; i++)   // the flag is the graph's own score against the threshold, in double
                Assert.Equal(onnxScores[i] > threshold.Value, flags[i]);
            int agree = Enumerable.Range(0, n).Count(i => flags[i] == scores[i] > threshold.Value);
            Assert.True(agree >= n - 1, $"flags agree with Bottleneck's on {agree} of {n} rows");
            Assert.Contains(true, flags);
        }
    }

    /// <summary>Runs the ONNX checker of python3-onnx (full check, with shape inference) on each model, in one interpreter; null when
    /// python3-onnx is absent, else the checker's error output ("" when every model passed).</summary>
    public static string? Check(params byte[][] models)
    {
        const string python = "/usr/bin/python3";
        if (!File.Exists(python)) return null;
        var dir = Path.Combine(Path.GetTempPath(), $"bottleneck-onnx-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            var paths = models.Select((m, i) => { var p = Path.Combine(dir, $"{i}.onnx"); File.WriteAllBytes(p, m); return p; }).ToList();
            var psi = new ProcessStartInfo(python, ["-c", "import sys\ntry:\n import onnx\nexcept ImportError:\n sys.exit(3)\n" +
                "for p in sys.argv[1:]:\n onnx.checker.check_model(onnx.load(p), full_check=True)", .. paths])
            { RedirectStandardError = true, RedirectStandardOutput = true };
            using var p = Process.Start(psi)!;
            var err = p.StandardError.ReadToEndAsync();
            p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            return p.ExitCode == 3 ? null : p.ExitCode == 0 ? "" : $"exit {p.ExitCode}: {err.Result}";
        }
        finally { Directory.Delete(dir, true); }
    }
}
