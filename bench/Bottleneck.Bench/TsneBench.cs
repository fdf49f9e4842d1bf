using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Bottleneck.Data;
using Bottleneck.Evaluation;
using Bottleneck.IO;
using Bottleneck.Models.Pca;
using Bottleneck.ModelFiles;
using Bottleneck.Tensors;
using Bottleneck.Training;

namespace Bottleneck.Bench;

/// <summary>
/// <c>tsne</c>: Barnes-Hut t-SNE (perplexity 30, θ 0.5, 1,000 iterations, PCA init, auto learning rate) of N MNIST test codes
/// (default 10,000) — the codes of a PCA model of 32 components fitted on the 60,000 training images, or of a saved model
/// (<c>--model DIR</c>) — with the time of each phase, trustworthiness (k = 10) of the map, and the embedding metrics of the
/// codes (silhouette, k-means NMI/ARI, kNN and linear-probe accuracy) with their times.
/// Options: --n N, --components K, --model DIR, --method exact|barnes-hut, --no-metrics, --save-codes FILE.npy (codes and
/// FILE.labels.npy for the scikit-learn peer, bench/peers/tsne_sklearn.py).
/// </summary>
public static class TsneBench
{
    public static int Run(string[] args)
    {
        int n = DenseBench.IntArg(args, "--n", 10000);
        int k = DenseBench.IntArg(args, "--components", 32);
        string? modelDir = args.Contains("--model") ? DenseBench.StrArg(args, "--model", "") : null;
        var method = DenseBench.StrArg(args, "--method", "barnes-hut") == "exact" ? TsneMethod.Exact : TsneMethod.BarnesHut;
        var dir = DataDirectory.Find("mnist");
        if (dir is null) { Console.Error.WriteLine("tsne: MNIST not found (../shared/data/mnist); nothing to measure"); return 2; }
        var test = IdxLoader.LoadMnist(dir, "test");
        if (n < test.Rows) test = test.Subset(Enumerable.Range(0, n).ToArray());
        var clock = Stopwatch.StartNew();
        float[] codes;
        string source;
        if (modelDir != null)
        {
            var saved = ModelStore.Load(modelDir);
            var data = new Preprocessor(saved.Preprocessing) is { Kind: not ScalingKind.None } pre ? pre.Transform(test) : test;
            codes = Batching.Encode(saved.Model, data);
            k = saved.Model.LatentDim;
            source = $"codes of {modelDir} ({saved.Model.Config.Describe()})";
        }
        else
        {
            var train = IdxLoader.LoadMnist(dir, "train");
            var pca = new PcaModel(new PcaConfig(784, k), new Rng(0)).Fit(train);
            codes = Batching.Encode(pca, test);
            source = $"codes of a PCA model ({k} components, fitted on the 60,000 training images)";
        }
        double encodeSeconds = clock.Elapsed.TotalSeconds;
        if (args.Contains("--save-codes"))
        {
            // For the scikit-learn peer (bench/peers/tsne_sklearn.py): the codes and the labels as NPY.
            string save = DenseBench.StrArg(args, "--save-codes", "codes.npy");
            File.WriteAllBytes(save, NpyWriter.Encode(codes, [test.Rows, k]));
            File.WriteAllBytes(Path.ChangeExtension(save, ".labels.npy"), NpyWriter.Encode(test.Labels!.Select(l => (float)l).ToArray(), [test.Rows]));
        }
        Console.WriteLine($"tsne: {test.Rows} MNIST test images, {source}; {Environment.ProcessorCount} cores");

        clock.Restart();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var result = Tsne.Fit(codes, k, new TsneOptions(Method: method));
        double tsneSeconds = clock.Elapsed.TotalSeconds;
        double tsneCpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        clock.Restart();
        double trust = Trustworthiness.Compute(codes, k, result.Embedding, 2, 10);
        double trustSeconds = clock.Elapsed.TotalSeconds;

        var rows = new List<(string Name, string Value, string Seconds)>
        {
            ("encode (incl. PCA fit)", "", F(encodeSeconds)),
            ($"t-SNE {result.Method}, {result.Iterations + 1} iterations, KL {result.KlDivergence:F3} (CPU seconds {F(tsneCpu)})", "", F(tsneSeconds)),
            ("trustworthiness (k = 10)", trust.ToString("F4", CultureInfo.InvariantCulture), F(trustSeconds)),
        };
        var json = new Dictionary<string, object>
        {
            ["suite"] = "tsne", ["n"] = test.Rows, ["dim"] = k, ["method"] = result.Method.ToString(), ["tsneSeconds"] = tsneSeconds, ["tsneCpuSeconds"] = tsneCpu,
            ["klDivergence"] = result.KlDivergence, ["trustworthiness"] = trust, ["trustworthinessSeconds"] = trustSeconds,
        };
        if (!args.Contains("--no-metrics"))
        {
            var labels = test.Labels!;
            Time("silhouette", () => ClusteringMetrics.Silhouette(codes, k, labels));
            KMeansResult? clusters = null;
            Time("k-means++ (k = 10, 10 runs): inertia", () => (clusters = KMeans.Fit(codes, k, new KMeansOptions(10))).Inertia);
            rows.Add(("  NMI of that clustering vs labels", F(ClusteringMetrics.NormalizedMutualInformation(labels, clusters!.Assignments)), ""));
            rows.Add(("  ARI of that clustering vs labels", F(ClusteringMetrics.AdjustedRandIndex(labels, clusters.Assignments)), ""));
            Time("kNN accuracy (k = 5, 5 folds)", () => KnnClassifier.CrossValidatedAccuracy(codes, k, labels));
            Time("linear-probe accuracy (5 folds)", () => LinearProbe.CrossValidatedAccuracy(codes, k, labels));
        }
        Console.WriteLine();
        Console.WriteLine("| measurement | value | seconds |");
        Console.WriteLine("|---|---:|---:|");
        foreach (var (name, value, seconds) in rows) Console.WriteLine($"| {name} | {value} | {seconds} |");
        Console.WriteLine(JsonSerializer.Serialize(json));
        return 0;

        void Time(string name, Func<double> f)
        {
            var c = Stopwatch.StartNew();
            double v = f();
            rows.Add((name, F(v), F(c.Elapsed.TotalSeconds)));
            json[name] = v;
        }
    }

    private static string F(double v) => v.ToString("0.####", CultureInfo.InvariantCulture);
}
