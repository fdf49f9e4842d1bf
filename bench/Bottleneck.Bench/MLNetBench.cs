using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Bottleneck.Anomaly;
using Bottleneck.Data;
using Bottleneck.Kernels;
using Bottleneck.MLNet;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Bottleneck.Bench;

/// <summary>
/// Scoring throughput of the ML.NET integration against the library's own batch scorer, same model, same rows: ODDS shuttle
/// (49,097 rows × 9 features), the default anomaly model fitted by <c>mlContext.Transforms.BottleneckAutoencoder()</c> (epochs
/// from --epochs, default 2: throughput does not depend on the weights). Rows/s for (1) the ML.NET transform, reading the
/// Score column through a cursor (the custom mapping calls the model once per row), (2) an ML.NET prediction engine, one row
/// per call, (3) <see cref="AnomalyDetector"/> on the whole array (scaling + batched forward pass, no code computed).
/// Usage: mlnet [--epochs 2] [--seconds 3] [--threads 2]
/// </summary>
public static class MLNetBench
{
    private sealed class Row
    {
        [VectorType(9)] public float[] Features { get; set; } = [];
    }

    public static int Run(string[] args)
    {
        Gemm.Threads = DenseBench.IntArg(args, "--threads", 2);
        int epochs = DenseBench.IntArg(args, "--epochs", 2), seconds = DenseBench.IntArg(args, "--seconds", 3);
        var path = DataDirectory.Find("odds/shuttle.csv");
        if (path is null) { Console.WriteLine("shuttle not found (../shared/data/odds); skipped"); return 0; }
        var ml = new MLContext(seed: 0);
        var view = ml.Data.LoadFromTextFile(path, [new TextLoader.Column("Features", Microsoft.ML.Data.DataKind.Single, 0, 8)], separatorChar: ',', hasHeader: true);
        var cached = ml.Data.Cache(view);
        var model = ml.Transforms.BottleneckAutoencoder(new BottleneckAutoencoderOptions { Epochs = epochs }).Fit(cached);
        int rows = cached.GetColumn<float[]>("Features").Count();

        // (1) the transform, every row's Score read through a cursor
        var scored = model.Transform(cached);
        double Transform()
        {
            double sum = 0;
            foreach (var s in scored.GetColumn<float>("Score")) sum += s;
            return sum;
        }
        double transformRps = Rate(rows, seconds, Transform);

        // (2) the prediction engine, one row per call
        var engine = ml.Model.CreatePredictionEngine<Row, AutoencoderOutputRow>(model);
        var raw = cached.GetColumn<float[]>("Features").ToArray();
        double Engine()
        {
            double sum = 0;
            var input = new Row();
            foreach (var r in raw) { input.Features = r; sum += engine.Predict(input).Score; }
            return sum;
        }
        double engineRps = Rate(rows, seconds, Engine);

        // (3) the library's batch scorer on the same model and rows
        var detector = AnomalyDetector.FromSaved(model.Model);
        var dataset = new Dataset(raw.SelectMany(r => r).ToArray(), rows, 9);
        double Batch() => detector.Score(detector.Prepare(dataset)).Sum();
        double batchRps = Rate(rows, seconds, Batch);

        Console.WriteLine($"## ML.NET integration: scoring throughput on shuttle ({rows:N0} rows, {model.Model.Model.Config.Describe()}), {Gemm.Threads} thread(s)");
        Console.WriteLine();
        Console.WriteLine("| path | rows/s |");
        Console.WriteLine("|---|---:|");
        Console.WriteLine($"| ML.NET transform (custom mapping, one row per call: code, score, flag) | {transformRps:N0} |");
        Console.WriteLine($"| ML.NET prediction engine, one row per Predict | {engineRps:N0} |");
        Console.WriteLine($"| AnomalyDetector.Score on the array (scaling, batched forward, scores only) | {batchRps:N0} |");
        Console.Error.WriteLine(JsonSerializer.Serialize(new { suite = "mlnet", rows, transformRps, engineRps, batchRps, threads = Gemm.Threads }));
        return 0;
    }

    /// <summary>Rows per second of <paramref name="pass"/> (one warm-up pass, then passes for at least <paramref name="seconds"/> s).</summary>
    private static double Rate(int rows, int seconds, Func<double> pass)
    {
        double check = pass();
        if (!double.IsFinite(check)) throw new InvalidOperationException($"non-finite score sum {check}");
        var sw = Stopwatch.StartNew();
        int passes = 0;
        do { pass(); passes++; } while (sw.Elapsed.TotalSeconds < seconds);
        return (double)rows * passes / sw.Elapsed.TotalSeconds;
    }
}
