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
/// [--no-peer] [--ecg-epochs 100] [--score-batch 8192]. <c>wide</c> (every ODDS/ADBench set, WideAnomalyBench.cs) and <c>select</c>
/// (its report and recipe selection again from its JSON file) are separate, not part of <c>all</c>.
/// </summary>
public static class AnomalyBench
{
    // PyOD's published AutoEncoder ROC-AUC on these ODDS sets, as quoted by issue 5 (60/40 split, standardized).
    private static readonly Dictionary<string, double> PyOdAe = new() { ["cardio"] = 0.785, ["arrhythmia"] = 0.812, ["ionosphere"] = 0.785, ["shuttle"] = 0.994 };

    public static int Run(string[] args)
    {
        string suite = args.Length > 0 && !args[0].StartsWith("--") ? args[0].ToLowerInvariant() : "all";
        if (suite == "select") return WideAnomalyBench.Select(args[1..]);
        Gemm.Threads = DenseBench.IntArg(args, "--threads", 2);
        Console.WriteLine($"backend: {Gemm.Describe()}; threads {Gemm.Threads}");
        if (suite == "wide") return WideAnomalyBench.Run(args[1..]);
        int rc = 0;
        if (suite is "odds" or "all") rc |= Odds(args);
        if (suite is "kdd" or "all") rc |= Kdd(args);
        if (suite is "ecg" or "all") rc |= Ecg(args);
        if (suite is "throughput" or "all") rc |= Throughput(args);
        if (suite is not ("odds" or "kdd" or "ecg" or "throughput" or "all"))
        {
            Console.Error.WriteLine("usage: anomaly <odds|kdd|ecg|throughput|all|wide|select> [options]");
            return 2;
        }
        return rc;
    }

    private static int Odds(string[] args)
    {
        int seeds = DenseBench.IntArg(args, "--seeds", 5), epochs = DenseBench.IntArg(args, "--epochs", 50), batch = DenseBench.IntArg(args, "--batch", 64);
        bool peer = !args.Contains("--no-peer");
        string[] names = ["cardio", "arrhythmia", "ionosphere", "shuttle"];
        var dataDir = DataDirectory.Find("odds/cardio.csv") is { } c ? Path.GetDirectoryName(c)! : null;
        Console.WriteLine();
        if (dataDir is null) { Console.WriteLine("ODDS not found (../shared/data/odds); skipped"); return 0; }
        // The peer computes the splits (sklearn's stratified train_test_split, random_state = seed) and, unless --no-peer, trains
        // PyOD's AutoEncoder network (rebuilt in PyTorch: bench/peers/pyod_ae.py) on them; every Bottleneck row uses the same splits.
        var peerOut = RunPeer("pyod_ae.py", ["--data", dataDir, "--seeds", seeds.ToString(CultureInfo.InvariantCulture),
            "--threads", Gemm.Threads.ToString(CultureInfo.InvariantCulture), .. (peer ? Array.Empty<string>() : ["--splits-only"])]);
        Console.WriteLine($"## ODDS, PyOD's protocol: stratified 60/40 split ({(peerOut is null ? "our splits: peer unavailable" : "sklearn's, shared with the peer")}), standardization fitted on the training split, {seeds} seeds, mean ± sd");
        Console.WriteLine();
        var configs = new (string Name, ProtocolOptions Options)[]
        {
            ("default rule", new ProtocolOptions(Seeds: seeds, Epochs: epochs, BatchSize: batch)),
            ("PyOD network", ProtocolOptions.UnsupervisedRecipe(seeds) with
                { Architecture = d => AnomalyDefaults.UnsupervisedArchitecture(d, Likelihood.Gaussian), Error = ReconstructionError.Mse }),
            ("unsupervised recipe", ProtocolOptions.UnsupervisedRecipe(seeds)),
        };
        Console.WriteLine($"- default rule: our default architecture (AnomalyDefaults), Adam 1e-3, {epochs} epochs, batch {batch}, MSE score");
        Console.WriteLine("- PyOD network: D-64-32-64-D ReLU with BatchNorm1d and dropout 0.2 in the hidden layers (not on the 32-unit code, which PyOD also normalizes), linear output, Adam 1e-3 with weight decay 1e-5, 10 epochs, batch 32; MSE score (same ranking as PyOD's Euclidean distance)");
        Console.WriteLine("- unsupervised recipe (AnomalyDefaults.Unsupervised*, `train --contaminated`): the same network and training with a tanh output (reconstructions bounded to ±1 standard deviation), rows scored by mean absolute error");
        Console.WriteLine("- peer: PyOD's AutoEncoder defaults rebuilt in PyTorch (bench/peers/pyod_ae.py), same splits, same run");
        Console.WriteLine();
        Console.WriteLine($"| data | D | protocol | {string.Join(" | ", configs.Select(c => c.Name))} | peer: PyOD AutoEncoder in PyTorch | PyOD published |");
        Console.WriteLine($"|---|---:|---|{string.Concat(configs.Select(_ => "---:|"))}---:|---:|");
        foreach (var name in names)
        {
            var path = DataDirectory.Find($"odds/{name}.csv");
            if (path is null) { Console.WriteLine($"| {name} | | not found |"); continue; }
            var data = CsvLoader.Load(path, new CsvOptions("label"));
            Func<int, (int[], int[])>? splitter = null;
            JsonElement set = default;
            if (peerOut is { } po && po.GetProperty("sets").TryGetProperty(name, out set))
            {
                var splits = set.GetProperty("splits");
                splitter = s => (splits[s].GetProperty("train").EnumerateArray().Select(e => e.GetInt32()).Order().ToArray(),
                                 splits[s].GetProperty("test").EnumerateArray().Select(e => e.GetInt32()).Order().ToArray());
            }
            foreach (var (protocol, inliersOnly, key) in new[] { ("unsupervised", false, "unsupervised"), ("semi-supervised", true, "semi") })
            {
                var cells = new List<string>();
                foreach (var (cname, options) in configs)
                {
                    var r = AnomalyProtocols.PyOdBenchmark(data, options with { Splitter = splitter }, inliersOnly, name);
                    cells.Add(cname == "default rule" ? $"{Pm(r.RocAucMean, r.RocAucSd)} ({r.Model})" : Pm(r.RocAucMean, r.RocAucSd));
                    Json(new { suite = "odds", data = name, protocol, config = cname, model = r.Model, result = Summ(r) });
                }
                string peerCell = "not run";
                if (splitter != null && set.GetProperty(key).GetProperty("auc").GetArrayLength() == seeds)
                {
                    var auc = set.GetProperty(key).GetProperty("auc").EnumerateArray().Select(e => e.GetDouble()).ToArray();
                    var (m, sd) = AnomalyMetrics.MeanSd(auc);
                    peerCell = Pm(m, sd);
                }
                Console.WriteLine($"| {name} | {data.FeatureCount} | {protocol} | {string.Join(" | ", cells)} | {peerCell} | {(inliersOnly ? "" : PyOdAe[name].ToString("F3", CultureInfo.InvariantCulture))} |");
            }
        }
        return 0;
    }

    /// <summary>Runs bench/peers/SCRIPT with Debian's python3 and returns its last stdout line as JSON, or null (reason on stderr).</summary>
    private static JsonElement? RunPeer(string script, string[] args)
    {
        var path = PeerScripts.Find(script);
        if (path is null) { Console.Error.WriteLine($"peer bench/peers/{script} not found"); return null; }
        return RunPython([path, .. args], $"peer {script}") is { } line ? JsonDocument.Parse(line).RootElement.Clone() : null;
    }

    /// <summary>Runs Debian's python3 with <paramref name="argv"/>; its last non-empty stdout line, or null (reason on stderr).</summary>
    private static string? RunPython(string[] argv, string what)
    {
        if (!File.Exists("/usr/bin/python3")) { Console.Error.WriteLine($"{what}: /usr/bin/python3 not found"); return null; }
        var psi = new ProcessStartInfo("/usr/bin/python3", argv) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var proc = Process.Start(psi)!;
        var errTask = proc.StandardError.ReadToEndAsync();
        string stdout = proc.StandardOutput.ReadToEnd();
        proc.WaitForExit();
        if (proc.ExitCode != 0) { Console.Error.WriteLine($"{what} failed: {errTask.Result}"); return null; }
        return stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
    }

    private static int Kdd(string[] args)
    {
        int seeds = DenseBench.IntArg(args, "--seeds", 5), epochs = DenseBench.IntArg(args, "--epochs", 20), batch = DenseBench.IntArg(args, "--batch", 128);
        int maxTrain = DenseBench.IntArg(args, "--kdd-train", 20000);
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
        int seeds = DenseBench.IntArg(args, "--seeds", 5), epochs = DenseBench.IntArg(args, "--ecg-epochs", 100);
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

    internal static JsonElement? RunEcgPeer(int seeds, int epochs, bool train, int threads)
    {
        // ../shared/peers beside ../shared/data
        var dataDir = DataDirectory.Find();
        var peersDir = dataDir is null ? null : Path.GetFullPath(Path.Combine(dataDir, "..", "peers"));
        var script = peersDir is null ? "" : Path.Combine(peersDir, "ecg_ae.py");
        if (!File.Exists(script) || !File.Exists("/usr/bin/python3")) { Console.Error.WriteLine("ecg: peer script (../shared/peers/ecg_ae.py) or /usr/bin/python3 not found"); return null; }
        // Imports the peer's module and calls its own functions (load_ecg, DenseAE, train, scores) with its protocol, dense model only
        // (its LSTM takes about 7 minutes per seed on this machine; run the script itself for everything).
        string py = $$"""
import sys, json, time
sys.path.insert(0, {{JsonSerializer.Serialize(peersDir)}})
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
        return RunPython(["-c", py], "ecg peer") is { } line ? JsonDocument.Parse(line).RootElement.Clone() : null;
    }

    private static int Throughput(string[] args)
    {
        var path = DataDirectory.Find("odds/shuttle.csv");
        Console.WriteLine();
        if (path is null) { Console.WriteLine("shuttle not found; skipped"); return 0; }
        var raw = CsvLoader.Load(path, new CsvOptions("label"));
        var pre = Preprocessor.Fit(raw, ScalingKind.Standardize);
        var data = pre.Transform(raw);
        var model = new DenseAutoencoder(new DenseConfig(9, [32], 4, Activation.Relu, Activation.Identity, Likelihood.Gaussian), new Rng(0));
        new Training.Trainer(new Training.TrainingOptions(epochs: 2, batchSize: 256)).Fit(model, data);
        int batch = DenseBench.IntArg(args, "--score-batch", 8192);
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
        if (!args.Contains("--no-peer") && ThroughputPeer(rows, batch, Gemm.Threads) is { } peerRps)
            Console.WriteLine($"| peer: PyTorch, same model shape (random weights), same rows and batch, torch.no_grad, {Gemm.Threads} thread(s) | {peerRps:N0} | ratio {rps / peerRps:F1}× |");
        Json(new { suite = "throughput", rows_per_s = rps, rows_per_s_attribution = rpsAttr, rows_per_s_csv = rpsCsv, alloc_bytes_per_row = allocPerRow, batch });
        return 0;
    }

    /// <summary>
    /// Rows/s of PyTorch scoring a 9-32-4-32-9 ReLU autoencoder (linear code and output) by per-row MSE over <paramref name="rows"/>
    /// standard-normal rows in batches of <paramref name="batch"/> (median of 5 passes after a warm-up), or null without the peer.
    /// </summary>
    private static double? ThroughputPeer(int rows, int batch, int threads)
    {
        string py = $$"""
import time, torch, statistics
from torch import nn
torch.set_num_threads({{threads}})
torch.manual_seed(0)
m = nn.Sequential(nn.Linear(9, 32), nn.ReLU(), nn.Linear(32, 4), nn.Linear(4, 32), nn.ReLU(), nn.Linear(32, 9)).eval()
x = torch.randn({{rows}}, 9)
out = torch.empty({{rows}})
def once():
    with torch.no_grad():
        for i in range(0, {{rows}}, {{batch}}):
            b = x[i:i + {{batch}}]
            out[i:i + {{batch}}] = ((m(b) - b) ** 2).mean(1)
once()
times = []
for _ in range(5):
    t = time.perf_counter(); once(); times.append(time.perf_counter() - t)
print({{rows}} / statistics.median(times))
""";
        return RunPython(["-c", py], "throughput peer") is { } line ? double.Parse(line, CultureInfo.InvariantCulture) : null;
    }

    private static object Summ(ProtocolResult r) => new
    {
        roc_auc = new { mean = r.RocAucMean, sd = r.RocAucSd, per_seed = r.Seeds.Select(s => s.RocAuc) },
        ap = new { mean = r.ApMean, sd = r.ApSd, per_seed = r.Seeds.Select(s => s.AveragePrecision) },
        train_seconds = r.Seeds.Select(s => s.TrainSeconds),
    };

    private static string Pm(double m, double sd) => $"{m.ToString("F3", CultureInfo.InvariantCulture)} ± {sd.ToString("F3", CultureInfo.InvariantCulture)}";

    private static void Json(object o) => Console.Error.WriteLine(JsonSerializer.Serialize(o));
}
