using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Bottleneck.Anomaly;
using Bottleneck.Data;
using Bottleneck.Kernels;
using Bottleneck.Models;
using Bottleneck.Models.Dense;
using Bottleneck.NN;
using Bottleneck.Tensors;

namespace Bottleneck.Bench;

/// <summary>
/// Anomaly detection by reconstruction error. Sub-suites:
/// <c>odds</c> (cardio, arrhythmia, ionosphere, shuttle: PyOD protocol unsupervised and semi-supervised, 5 seeds, beside PyOD's
/// published AutoEncoder ROC-AUC), <c>kdd</c> (KDD Cup 99 10%, normal-only training), <c>ecg</c> (ECG5000 dense AE vs the PyTorch
/// peer's dense AE on the same splits, in the same run), <c>throughput</c> (rows/s of a 9→32→4 model on shuttle), <c>all</c>.
/// Usage: anomaly &lt;odds|kdd|ecg|throughput|all&gt; [--seeds 5] [--epochs E] [--batch B] [--threads 2] [--kdd-train 20000]
/// [--no-peer] [--ecg-epochs 100] [--score-batch 8192]
/// </summary>
public static class AnomalyBench
{
    // PyOD's published AutoEncoder ROC-AUC on these ODDS sets (benchmark page: 60/40 split, standardized, 10 trials).
    private static readonly Dictionary<string, double> PyOdAe = new() { ["cardio"] = 0.785, ["arrhythmia"] = 0.812, ["ionosphere"] = 0.785, ["shuttle"] = 0.994 };

    public static int Run(string[] args)
    {
        string suite = args.Length > 0 && !args[0].StartsWith("--") ? args[0].ToLowerInvariant() : "all";
        Gemm.Threads = IntArg(args, "--threads", 2);
        Console.WriteLine($"backend: {Gemm.Describe()}; threads {Gemm.Threads}");
        int rc = 0;
        if (suite is "odds" or "all") rc |= Odds(args);
        if (suite is "kdd" or "all") rc |= Kdd(args);
        if (suite is "ecg" or "all") rc |= Ecg(args);
        if (suite is "throughput" or "all") rc |= Throughput(args);
        if (suite is not ("odds" or "kdd" or "ecg" or "throughput" or "all"))
        {
            Console.Error.WriteLine("usage: anomaly <odds|kdd|ecg|throughput|all> [options]");
            return 2;
        }
        return rc;
    }

    private static int Odds(string[] args)
    {
        int seeds = IntArg(args, "--seeds", 5), epochs = IntArg(args, "--epochs", 50), batch = IntArg(args, "--batch", 64);
        Console.WriteLine();
        Console.WriteLine($"## ODDS, PyOD protocol: stratified 60/40 split, standardization fitted on the training split, default architecture, Adam 1e-3, {epochs} epochs, batch {batch}, {seeds} seeds; MSE score");
        Console.WriteLine();
        Console.WriteLine("| data | D | model | ROC-AUC unsupervised | AP unsupervised | ROC-AUC semi-supervised | AP semi-supervised | PyOD AutoEncoder ROC-AUC (published) | train s/seed |");
        Console.WriteLine("|---|---:|---|---:|---:|---:|---:|---:|---:|");
        foreach (var name in new[] { "cardio", "arrhythmia", "ionosphere", "shuttle" })
        {
            var path = DataDirectory.Find($"odds/{name}.csv");
            if (path is null) { Console.WriteLine($"| {name} | | not found | | | | | | |"); continue; }
            var data = CsvLoader.Load(path, new CsvOptions("label"));
            var o = new ProtocolOptions(Seeds: seeds, Epochs: epochs, BatchSize: batch);
            if (args.Contains("--pyod-arch"))
                // PyOD's AutoEncoder settings: D-64-32-32-64-D with ReLU, dropout 0.2, squared error (here: linear output)
                o = o with { Architecture = d => new Bottleneck.Models.Dense.DenseConfig(d, [64, 32], 32, Bottleneck.NN.Activation.Relu,
                    Bottleneck.NN.Activation.Relu, Bottleneck.Models.Reconstruction.LinearMse, dropout: 0.2f, batchNorm: args.Contains("--batch-norm")) };
            var un = AnomalyProtocols.PyOdBenchmark(data, o, inliersOnly: false, name: name);
            var semi = AnomalyProtocols.PyOdBenchmark(data, o, inliersOnly: true, name: name);
            double secs = un.Seeds.Concat(semi.Seeds).Average(s => s.TrainSeconds);
            Console.WriteLine($"| {name} | {data.FeatureCount} | {un.Model} | {Pm(un.RocAucMean, un.RocAucSd)} | {Pm(un.ApMean, un.ApSd)} | {Pm(semi.RocAucMean, semi.RocAucSd)} | {Pm(semi.ApMean, semi.ApSd)} | {PyOdAe[name]:F3}{(name == "cardio" ? " (best of AE/VAE 0.962)" : "")} | {secs:F1} |");
            Json(new { suite = "odds", data = name, model = un.Model, unsupervised = Summ(un), semi = Summ(semi) });
        }
        return 0;
    }

    private static int Kdd(string[] args)
    {
        int seeds = IntArg(args, "--seeds", 5), epochs = IntArg(args, "--epochs", 20), batch = IntArg(args, "--batch", 128);
        int maxTrain = IntArg(args, "--kdd-train", 20000);
        var path = DataDirectory.Find("kddcup99/kddcup.data_10_percent.gz");
        var names = DataDirectory.Find("kddcup99/kddcup.names");
        Console.WriteLine();
        if (path is null || names is null) { Console.WriteLine("KDD Cup 99 not found; skipped"); return 0; }
        Console.WriteLine($"## KDD Cup 99 (10%): 60/40 split stratified by connection type; encoder and model fitted on the training split's normal connections, subsampled to {maxTrain} rows; scored on the whole held-out split; {epochs} epochs, batch {batch}, {seeds} seeds");
        var sw = Stopwatch.StartNew();
        var r = AnomalyProtocols.KddCup99(path, AnomalyProtocols.KddColumnNames(names),
            new ProtocolOptions(Seeds: seeds, Epochs: epochs, BatchSize: batch, MaxTrainRows: maxTrain), msg => Console.Error.WriteLine("  kdd: " + msg));
        Console.WriteLine();
        Console.WriteLine("| data | model | train rows | test rows (attacks) | ROC-AUC | AP | target | wall s |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|");
        var s0 = r.Seeds[0];
        Console.WriteLine($"| KDD Cup 99 10% | {r.Model} | {s0.TrainRows} | {s0.TestRows} ({s0.TestAnomalies}) | {Pm(r.RocAucMean, r.RocAucSd)} | {Pm(r.ApMean, r.ApSd)} | ≥ 0.95 | {sw.Elapsed.TotalSeconds:F0} |");
        Json(new { suite = "kdd", model = r.Model, result = Summ(r) });
        return 0;
    }

    private static int Ecg(string[] args)
    {
        int seeds = IntArg(args, "--seeds", 5), epochs = IntArg(args, "--ecg-epochs", 100);
        bool peer = !args.Contains("--no-peer");
        var path = DataDirectory.Find("ecg5000/ECG5000_TRAIN.tsv");
        Console.WriteLine();
        if (path is null) { Console.WriteLine("ECG5000 not found; skipped"); return 0; }
        var data = CsvLoader.Load(path, new CsvOptions("0", HasHeader: false));
        // The peer's own code computes the splits (sklearn train_test_split, stratified by class, random_state = seed) and, unless
        // --no-peer, trains its dense model on them; we train ours on exactly the same splits.
        var peerOut = RunEcgPeer(seeds, epochs, peer, Gemm.Threads);
        Func<int, (int[], int[])>? splitter = null;
        if (peerOut is { } po)
            splitter = s => (po.GetProperty("splits")[s].GetProperty("train").EnumerateArray().Select(e => e.GetInt32()).Order().ToArray(),
                             po.GetProperty("splits")[s].GetProperty("test").EnumerateArray().Select(e => e.GetInt32()).Order().ToArray());
        var r = AnomalyProtocols.Ecg5000(data, new ProtocolOptions(Seeds: seeds, Epochs: epochs, BatchSize: 32, Splitter: splitter));
        Console.WriteLine($"## ECG5000 (TRAIN split, 500 beats): {(splitter != null ? "sklearn's stratified 60/40 splits (same as the peer)" : "our stratified 60/40 splits")}, dense 140-64-16-64-140 trained on the training split's normal beats, {epochs} epochs, batch 32, Adam 1e-3, {seeds} seeds");
        Console.WriteLine();
        Console.WriteLine("| implementation | ROC-AUC | AP | train s/seed | per-seed ROC-AUC |");
        Console.WriteLine("|---|---:|---:|---:|---|");
        Console.WriteLine($"| Bottleneck | {Pm(r.RocAucMean, r.RocAucSd)} | {Pm(r.ApMean, r.ApSd)} | {r.Seeds.Average(s => s.TrainSeconds):F1} | {string.Join(", ", r.Seeds.Select(s => s.RocAuc.ToString("F4", CultureInfo.InvariantCulture)))} |");
        if (peerOut is { } p && p.TryGetProperty("dense", out var dense))
        {
            var auc = dense.GetProperty("auc").EnumerateArray().Select(e => e.GetDouble()).ToArray();
            var ap = dense.GetProperty("ap").EnumerateArray().Select(e => e.GetDouble()).ToArray();
            var (am, asd) = AnomalyMetrics.MeanSd(auc); var (pm, psd) = AnomalyMetrics.MeanSd(ap);
            Console.WriteLine($"| PyTorch {p.GetProperty("torch").GetString()} (ecg_ae.py dense, same run) | {Pm(am, asd)} | {Pm(pm, psd)} | {dense.GetProperty("sec").EnumerateArray().Average(e => e.GetDouble()):F1} | {string.Join(", ", auc.Select(a => a.ToString("F4", CultureInfo.InvariantCulture)))} |");
        }
        Json(new { suite = "ecg", model = r.Model, result = Summ(r) });
        return 0;
    }

    private static JsonElement? RunEcgPeer(int seeds, int epochs, bool train, int threads)
    {
        const string script = "/work/shared/peers/ecg_ae.py";
        if (!File.Exists(script) || !File.Exists("/usr/bin/python3")) { Console.Error.WriteLine("ecg: peer script or python not found"); return null; }
        // Imports the peer's module and calls its own functions (load_ecg, DenseAE, train, scores) with its protocol, dense model only
        // (its LSTM takes about 7 minutes per seed on this machine; run the script itself for everything).
        string py = $$"""
import sys, json, time
sys.path.insert(0, "/work/shared/peers")
import numpy as np, torch
import ecg_ae as P
from sklearn.model_selection import train_test_split
from sklearn.metrics import roc_auc_score, average_precision_score
torch.set_num_threads({{threads}})
x_all, cls = P.load_ecg(P.DEFAULT_DATA)
y_all = (cls != 1).astype(int)
out = {"splits": [], "dense": {"auc": [], "ap": [], "sec": []}, "torch": torch.__version__}
for s in range({{seeds}}):
    idx_tr, idx_te = train_test_split(np.arange(len(cls)), test_size=0.4, stratify=cls, random_state=s)
    out["splits"].append({"train": idx_tr.tolist(), "test": idx_te.tolist()})
    if not {{(train ? "True" : "False")}}: continue
    tr_norm = idx_tr[cls[idx_tr] == 1]
    m, sd = x_all[tr_norm].mean(), x_all[tr_norm].std()
    x = torch.from_numpy((x_all - m) / sd)
    torch.manual_seed(s)
    model = P.DenseAE()
    loss, secs = P.train(model, x[tr_norm], {{epochs}}, 32, 1e-3, s, "dense")
    sc = P.scores(model, x[idx_te])
    out["dense"]["auc"].append(float(roc_auc_score(y_all[idx_te], sc)))
    out["dense"]["ap"].append(float(average_precision_score(y_all[idx_te], sc)))
    out["dense"]["sec"].append(secs)
if not {{(train ? "True" : "False")}}: del out["dense"]
print(json.dumps(out))
""";
        var psi = new ProcessStartInfo("/usr/bin/python3", ["-c", py]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var proc = Process.Start(psi)!;
        var errTask = proc.StandardError.ReadToEndAsync();
        string stdout = proc.StandardOutput.ReadToEnd();
        proc.WaitForExit();
        if (proc.ExitCode != 0) { Console.Error.WriteLine("ecg peer failed: " + errTask.Result); return null; }
        var line = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault();
        return line is null ? null : JsonDocument.Parse(line).RootElement.Clone();
    }

    private static int Throughput(string[] args)
    {
        var path = DataDirectory.Find("odds/shuttle.csv");
        Console.WriteLine();
        if (path is null) { Console.WriteLine("shuttle not found; skipped"); return 0; }
        var raw = CsvLoader.Load(path, new CsvOptions("label"));
        var pre = Preprocessor.Fit(raw, ScalingKind.Standardize);
        var data = pre.Transform(raw);
        var model = new DenseAutoencoder(new DenseConfig(9, [32], 4, Activation.Relu, Activation.Identity, Reconstruction.LinearMse), new Rng(0));
        new Training.Trainer(new Training.TrainingOptions(epochs: 2, batchSize: 256)).Fit(model, data);
        int batch = IntArg(args, "--score-batch", 8192);
        var scorer = new AnomalyScorer(model, batchSize: batch);
        // Tile shuttle to 1M rows so that one pass is long enough to time.
        int reps = 1_000_000 / data.Rows + 1;
        var big = new float[(long)reps * data.Features.Length];
        for (int r = 0; r < reps; r++) data.Features.CopyTo(big, (long)r * data.Features.Length);
        int rows = reps * data.Rows;
        var scores = new float[rows];
        scorer.Score(big, scores);                                   // warm-up
        long alloc0 = GC.GetAllocatedBytesForCurrentThread();
        var sw = Stopwatch.StartNew();
        int passes = 0;
        do { scorer.Score(big, scores); passes++; } while (sw.Elapsed.TotalSeconds < 3);
        double rps = (double)rows * passes / sw.Elapsed.TotalSeconds;
        double allocPerRow = (double)(GC.GetAllocatedBytesForCurrentThread() - alloc0) / ((double)rows * passes);
        // with attribution (per-feature contributions)
        var contrib = new float[big.Length];
        sw.Restart(); passes = 0;
        do { scorer.Score(big, scores, contrib); passes++; } while (sw.Elapsed.TotalSeconds < 2);
        double rpsAttr = (double)rows * passes / sw.Elapsed.TotalSeconds;
        // streaming from the CSV file (parse + preprocess + score), output discarded
        var det = new AnomalyDetector(model, pre);
        det.ScoreCsv(path, TextWriter.Null, new CsvScoringOptions(LabelColumn: "label"));
        sw.Restart();
        var summary = det.ScoreCsv(path, TextWriter.Null, new CsvScoringOptions(LabelColumn: "label"));
        double rpsCsv = summary.Rows / sw.Elapsed.TotalSeconds;
        Console.WriteLine($"## Scoring throughput: dense 9-32-4-32-9 (linear output, MSE score) on shuttle rows (tiled to {rows:N0}), batch {batch}, {Gemm.Threads} thread(s)");
        Console.WriteLine();
        Console.WriteLine("| path | rows/s | target |");
        Console.WriteLine("|---|---:|---:|");
        Console.WriteLine($"| in memory, scores only | {rps:N0} | ≥ 1,000,000 |");
        Console.WriteLine($"| in memory, scores + per-feature attribution | {rpsAttr:N0} | |");
        Console.WriteLine($"| streaming the CSV file (parse, preprocess, score, write) | {rpsCsv:N0} | |");
        Console.WriteLine($"| managed bytes allocated per row (scores only, steady state) | {allocPerRow:F3} | |");
        Json(new { suite = "throughput", rows_per_s = rps, rows_per_s_attribution = rpsAttr, rows_per_s_csv = rpsCsv, alloc_bytes_per_row = allocPerRow, batch });
        return 0;
    }

    private static object Summ(ProtocolResult r) => new
    {
        roc_auc = new { mean = r.RocAucMean, sd = r.RocAucSd, per_seed = r.Seeds.Select(s => s.RocAuc) },
        ap = new { mean = r.ApMean, sd = r.ApSd, per_seed = r.Seeds.Select(s => s.AveragePrecision) },
        train_seconds = r.Seeds.Select(s => s.TrainSeconds),
    };

    private static string Pm(double m, double sd) => $"{m.ToString("F3", CultureInfo.InvariantCulture)} ± {sd.ToString("F3", CultureInfo.InvariantCulture)}";

    private static void Json(object o) => Console.Error.WriteLine(JsonSerializer.Serialize(o));

    private static int IntArg(string[] args, string name, int def)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : def;
    }
}
