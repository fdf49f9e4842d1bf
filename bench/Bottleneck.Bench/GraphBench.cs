using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Bottleneck.Anomaly;
using Bottleneck.Data;
using Bottleneck.Kernels;
using Bottleneck.Models.Graph;
using Bottleneck.Tensors;
using Bottleneck.Training;

namespace Bottleneck.Bench;

/// <summary>
/// Graph autoencoders (issue 14): <c>graph cora</c> trains GAE and VGAE on Cora (../shared/data/cora) with the protocol of
/// ../shared/peers/gae_cora.py (85/5/10 edge split per seed, GCN 1433-32-16, weighted full-adjacency BCE, Adam 0.01, 200
/// full-batch epochs; test ROC-AUC and AP in %, mean ± sd over seeds, seconds per epoch), also featureless (identity features),
/// and with <c>--peer</c> runs the PyTorch peer in the same run. <c>graph scale</c> trains a featureless GAE with negative
/// sampling on a generated graph (<c>--nodes</c>, default 100,000, about 5 edges per node inside communities of 100) and
/// reports time per epoch and memory.
/// Options: --seeds N (default 5), --epochs E (default 200; scale: 5), --threads T (default 2), --models gae,vgae,
/// --features words,identity (which rows of the table to run), --peer (run gae_cora.py in the same run, on --peer-seeds,
/// default 1 seed, for the time per epoch), --nodes N.
/// Seconds per epoch are wall-clock; the CPU column is the process's CPU time per epoch (both threads), steadier on a shared machine.
/// </summary>
public static class GraphBench
{
    public static int Run(string[] args)
    {
        string what = args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal) ? args[0] : "cora";
        Gemm.Threads = DenseBench.IntArg(args, "--threads", 2);
        Console.WriteLine($"graph {what}: backend {Gemm.Describe()}");
        return what switch
        {
            "cora" => Cora(args),
            "scale" => Scale(args),
            _ => Usage(what),
        };
    }

    private static int Usage(string what)
    {
        Console.Error.WriteLine($"graph: unknown protocol '{what}'; use cora or scale");
        return 2;
    }

    /// <summary>One training run: (test report, validation report, seconds per epoch).</summary>
    public static (LinkPredictionReport Test, LinkPredictionReport? Val, double SecondsPerEpoch, double CpuPerEpoch) TrainOnce(GraphData graph, ulong seed, bool variational,
        bool featureless, int epochs, GraphReconstruction? reconstruction = null)
    {
        var split = EdgeSplit.Create(graph, seed);
        var g = featureless ? new GraphData(graph.NodeIds, graph.Source, graph.U, graph.V) : graph;
        var config = new GraphConfig(featureless ? g.Nodes : g.FeatureCount, g.Nodes, [32], 16, variational, featureless, reconstruction);
        var model = new GraphAutoencoder(config, new Rng(seed));
        var source = GraphSource.Training(g, split);
        var trainer = new Trainer(new TrainingOptions(epochs: epochs, batchSize: 1, learningRate: 0.01f, seed: seed));
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        trainer.Fit(model, source, null, new FitContext());
        double perEpoch = watch.Elapsed.TotalSeconds / epochs;
        double cpuPerEpoch = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds / epochs;
        var (test, val) = LinkPrediction.Evaluate(model, g, split);
        return (test, val, perEpoch, cpuPerEpoch);
    }

    private static int Cora(string[] args)
    {
        var dir = DataDirectory.Find("cora");
        if (dir is null) { Console.Error.WriteLine("graph: Cora not found (../shared/data/cora); nothing to measure"); return 2; }
        int seeds = DenseBench.IntArg(args, "--seeds", 5), epochs = DenseBench.IntArg(args, "--epochs", 200);
        var graph = GraphLoader.LoadCora(dir);
        Console.WriteLine(graph.ToString());
        Console.WriteLine($"{seeds} seeds, {epochs} epochs, Adam 0.01, full batch");
        Console.WriteLine();
        var models = DenseBench.StrArg(args, "--models", "gae,vgae").Split(',', StringSplitOptions.TrimEntries);
        var features = DenseBench.StrArg(args, "--features", "words,identity").Split(',', StringSplitOptions.TrimEntries);
        Console.WriteLine("| model | features | test ROC-AUC % | test AP % | val ROC-AUC % | s/epoch (wall) | CPU s/epoch |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        var results = new Dictionary<string, object>();
        foreach (bool featureless in new[] { false, true })
            foreach (bool variational in new[] { false, true })
            {
                string name = variational ? "vgae" : "gae", feat = featureless ? "identity" : "1433 words";
                if (!models.Contains(name) || !features.Contains(featureless ? "identity" : "words")) continue;
                var auc = new List<double>(); var ap = new List<double>(); var vauc = new List<double>(); var secs = new List<double>(); var cpus = new List<double>();
                for (int s = 0; s < seeds; s++)
                {
                    var (test, val, sec, cpu) = TrainOnce(graph, (ulong)s, variational, featureless, epochs);
                    auc.Add(test.RocAuc * 100); ap.Add(test.AveragePrecision * 100); vauc.Add(val!.RocAuc * 100); secs.Add(sec); cpus.Add(cpu);
                }
                Console.WriteLine($"| {name} | {feat} | {Pm(auc)} | {Pm(ap)} | {Pm(vauc)} | {secs.Average():0.000} | {cpus.Average():0.000} |");
                results[$"{name}{(featureless ? "-featureless" : "")}"] = new
                {
                    test_roc_auc_pct = Stats(auc), test_ap_pct = Stats(ap), val_roc_auc_pct = Stats(vauc), sec_per_epoch = Math.Round(secs.Average(), 4),
                    cpu_sec_per_epoch = Math.Round(cpus.Average(), 4),
                };
            }
        Console.WriteLine(JsonSerializer.Serialize(new { task = "graph_cora", seeds, epochs, results }));
        if (args.Contains("--peer"))
        {
            string peer = Path.Combine(Path.GetDirectoryName(dir)!, "..", "peers", "gae_cora.py");
            var psi = new ProcessStartInfo("/usr/bin/python3", [peer, "--epochs", epochs.ToString(CultureInfo.InvariantCulture), "--threads", "2",
                "--seeds", .. Enumerable.Range(0, DenseBench.IntArg(args, "--peer-seeds", 1)).Select(s => s.ToString(CultureInfo.InvariantCulture))]) { RedirectStandardOutput = true };
            Console.WriteLine($"peer: {peer}");
            using var p = Process.Start(psi)!;
            string json = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            Console.WriteLine("peer result: " + json.Trim());
        }
        return 0;
    }

    private static int Scale(string[] args)
    {
        int n = DenseBench.IntArg(args, "--nodes", 100_000), epochs = DenseBench.IntArg(args, "--epochs", 5);
        var rng = new Rng(1);
        var u = new List<int>(); var v = new List<int>();
        var seen = new HashSet<long>();
        const int Community = 100;
        for (int i = 0; i < n; i++)
            for (int t = 0; t < 5; t++)
            {
                // 90% of the edges inside the node's community of 100, 10% anywhere
                int j = rng.NextDouble() < 0.9 ? i / Community * Community + rng.NextInt(Community) : rng.NextInt(n);
                if (j >= n || j == i || !seen.Add(GraphData.Key(Math.Min(i, j), Math.Max(i, j), n))) continue;
                u.Add(Math.Min(i, j)); v.Add(Math.Max(i, j));
            }
        var ids = Enumerable.Range(0, n).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray();
        var graph = new GraphData(ids, $"generated ({n} nodes, communities of {Community})", u.ToArray(), v.ToArray());
        Console.WriteLine(graph.ToString());
        long before = GC.GetTotalMemory(true);
        var (test, _, sec, cpu) = TrainOnce(graph, 0, false, true, epochs, GraphReconstruction.Sampled);
        long peak = Process.GetCurrentProcess().PeakWorkingSet64;
        Console.WriteLine($"| nodes | edges | s/epoch (wall) | CPU s/epoch | test ROC-AUC % | test AP % | peak working set |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        Console.WriteLine($"| {n:N0} | {graph.Edges:N0} | {sec:0.000} | {cpu:0.000} | {test.RocAuc * 100:0.00} | {test.AveragePrecision * 100:0.00} | {peak / (1 << 20):N0} MiB |");
        Console.WriteLine(JsonSerializer.Serialize(new { task = "graph_scale", nodes = n, edges = graph.Edges, epochs, sec_per_epoch = Math.Round(sec, 4), cpu_sec_per_epoch = Math.Round(cpu, 4),
            test_roc_auc_pct = Math.Round(test.RocAuc * 100, 3), test_ap_pct = Math.Round(test.AveragePrecision * 100, 3), peak_working_set_mib = peak >> 20, managed_before_mib = before >> 20 }));
        return 0;
    }

    private static string Pm(List<double> v) => v.Count > 1 ? $"{v.Average():0.00} ± {Sd(v):0.00}" : $"{v[0]:0.00}";

    private static double Sd(List<double> v)
    {
        double m = v.Average();
        return Math.Sqrt(v.Sum(x => (x - m) * (x - m)) / Math.Max(1, v.Count - 1));
    }

    private static object Stats(List<double> v) => new { mean = Math.Round(v.Average(), 3), sd = Math.Round(Sd(v), 3), per_seed = v.Select(x => Math.Round(x, 3)).ToArray() };
}
