using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Bottleneck.Anomaly;
using Bottleneck.Autograd;
using Bottleneck.Data;
using Bottleneck.Kernels;
using Bottleneck.Models;
using Bottleneck.Models.Dense;
using Bottleneck.Models.Sequence;
using Bottleneck.NN;
using Bottleneck.Optim;
using Bottleneck.Tensors;
using Bottleneck.Training;

namespace Bottleneck.Bench;

/// <summary>
/// Sequence autoencoders. <c>speed</c>: LSTM autoencoder training and inference samples/s on ECG5000 against
/// ../shared/peers/torch_ref.py lstm in the same run (the peer's exact network built from our layers, and the lstm kind through the
/// step contract). <c>ecg</c>: the ECG5000 anomaly protocol of ../shared/peers/ecg_ae.py (sklearn's splits from the peer's code) for
/// the lstm/gru kinds and the dense autoencoder.
/// Usage: sequence speed [--epochs 2] [--threads 2] [--no-peer] | sequence ecg [--seeds 5] [--ecg-epochs 100] [--kinds lstm,gru,lstm-vae,gru-vae,tcn,transformer,dense]
/// [--mask-ratio R] [--threads 2] | sequence nab [--kinds lstm,transformer] [--window 64] [--stride 8] [--epochs 50] [--train 0.15] [--point-score max|mean|tail|mahalanobis|mahalanobis-mean|mahalanobis-step|diagonal|diagonal-mean|diagonal-step[,…]] [--error-fit train|holdout] [--seeds 1] [--seed-base 0] [--series A,B]
/// </summary>
public static class SequenceBench
{
    public static int Run(string[] args)
    {
        string suite = args.Length > 0 ? args[0] : "";
        Gemm.Threads = DenseBench.IntArg(args, "--threads", 2);
        return suite switch
        {
            "speed" => Speed(args),
            "ecg" => Ecg(args),
            "nab" => Nab(args),
            _ => Usage(),
        };
    }

    private static int Usage()
    {
        Console.Error.WriteLine("usage: sequence <speed|ecg> [options]");
        return 2;
    }

    /// <summary>ECG5000 TRAIN (500 × 140), standardized by the scalar mean and sd of all values, as torch_ref.py's <c>ecg</c> loader.</summary>
    private static Dataset? LoadEcg()
    {
        var path = DataDirectory.Find("ecg5000/ECG5000_TRAIN.txt");
        if (path is null) return null;
        var raw = SequenceLoader.Load(path, "0");
        double mean = raw.Features.Average(v => (double)v);
        double sd = Math.Sqrt(raw.Features.Average(v => ((double)v - mean) * ((double)v - mean)));
        var x = raw.Features.Select(v => (float)((v - mean) / sd)).ToArray();
        return new Dataset(x, raw.Rows, raw.FeatureCount, raw.Labels, source: path) { Sequence = raw.Sequence };
    }

    /// <summary>torch_ref.py's LstmAE: LSTM(1→64) → h_T → Linear(64→16) → Linear(16→64) → repeat → LSTM(64→64) → Linear(64→1), MSE (mean).</summary>
    private sealed class PeerNetwork : Module
    {
        private readonly Lstm _enc, _dec;
        private readonly Linear _toZ, _fromZ, _out;

        public PeerNetwork(Rng rng)
        {
            _enc = RegisterModule("enc", new Lstm(1, 64, rng));
            _toZ = RegisterModule("to_z", new Linear(64, 16, rng));
            _fromZ = RegisterModule("from_z", new Linear(16, 64, rng));
            _dec = RegisterModule("dec", new Lstm(64, 64, rng));
            _out = RegisterModule("out", new Linear(64, 1, rng));
        }

        public override Tensor Forward(Tensor x)
        {
            int n = x.Dim(0), t = x.Dim(1);
            var h = _enc.Forward(x, null, null).HiddenState.Reshape(n, 64);
            var rep = _fromZ.Forward(_toZ.Forward(h)).Reshape(n, 1, 64).BroadcastTo(n, t, 64);
            return _out.Forward(_dec.Forward(rep));
        }
    }

    private sealed record SpeedResult(string Name, double TrainSamplesPerSecond, double InferSamplesPerSecond, double FinalLoss);

    private static int Speed(string[] args)
    {
        int epochs = DenseBench.IntArg(args, "--epochs", 2), bs = 64;
        var data = LoadEcg();
        if (data is null) { Console.WriteLine("ECG5000 not found (../shared/data/ecg5000); skipped"); return 0; }
        var test = data.Subset(Enumerable.Range(0, 400).ToArray());
        Console.WriteLine($"backend: {Gemm.Describe()}; threads {Gemm.Threads}; epochs 1 warm-up + {epochs} timed; batch {bs}; ECG5000 500 × 140 × 1");
        var peerNet = new PeerNetwork(new Rng(0));
        var exact = Time("Bottleneck layers, torch_ref's network (LSTM 1→64, 64→16→64, LSTM 64→64, 64→1, MSE mean)", data, test, bs, epochs,
            peerNet, x => { var d = peerNet.Forward(x) - x; return (d * d).Mean(); }, x => peerNet.Forward(x));
        var kind = (SequenceAutoencoder)Models.Registry.ModelRegistry.Create(new SequenceConfig(140, 1, 16, hidden: 64), new Rng(0));
        var viaKind = Time("lstm kind (LSTM 1→64, 64→16, LSTM 16→64, 64→1; step contract, summed squared error)", data, test, bs, epochs,
            kind, x => kind.Step(new RowBatch(x), StepContext.ForTraining(1, 0, new Rng(1))).Loss, x => kind.Reconstruct(x));
        Dictionary<string, JsonElement>? peer = null, tuned = null;
        if (!args.Contains("--no-peer"))
        {
            peer = DenseBench.RunPeer("lstm", Gemm.Threads, epochs, 0, coreType: null);
            if (System.Runtime.Intrinsics.X86.Avx512F.IsSupported) tuned = DenseBench.RunPeer("lstm", Gemm.Threads, epochs, 0, coreType: "SkylakeX");
        }
        double? Get(Dictionary<string, JsonElement>? d, string k) => d != null && d.TryGetValue(k, out var v) ? v.GetDouble() : null;
        string V(double? v) => v?.ToString("N0", CultureInfo.InvariantCulture) ?? "–";
        string R(double ours, double? p) => p is > 0 ? (ours / p.Value).ToString("F2", CultureInfo.InvariantCulture) + "×" : "";
        Console.WriteLine();
        Console.WriteLine("| measure | ours | PyTorch 1.13 as installed | ratio | PyTorch 1.13, OPENBLAS_CORETYPE=SkylakeX | ratio |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        foreach (var r in new[] { exact, viaKind })
        {
            Console.WriteLine($"| training samples/s, {r.Name} | {V(r.TrainSamplesPerSecond)} | {V(Get(peer, "train_samples_per_s"))} | {R(r.TrainSamplesPerSecond, Get(peer, "train_samples_per_s"))} | {V(Get(tuned, "train_samples_per_s"))} | {R(r.TrainSamplesPerSecond, Get(tuned, "train_samples_per_s"))} |");
            Console.WriteLine($"| inference samples/s, {r.Name} | {V(r.InferSamplesPerSecond)} | {V(Get(peer, "infer_samples_per_s"))} | {R(r.InferSamplesPerSecond, Get(peer, "infer_samples_per_s"))} | {V(Get(tuned, "infer_samples_per_s"))} | {R(r.InferSamplesPerSecond, Get(tuned, "infer_samples_per_s"))} |");
        }
        Console.WriteLine($"| final training MSE per element (exact network) | {exact.FinalLoss:F4} | {Get(peer, "final_train_loss")?.ToString("F4", CultureInfo.InvariantCulture) ?? "–"} | | | |");
        Console.Error.WriteLine(JsonSerializer.Serialize(new { suite = "sequence speed", exact, viaKind }));
        return 0;
    }

    /// <summary>Median-epoch training samples/s (after a warm-up epoch) and inference samples/s (median of ≥ 5 passes over ≥ 3 s) of one network.</summary>
    private static SpeedResult Time(string name, Dataset train, Dataset test, int bs, int epochs, Module model, Func<Tensor, Tensor> loss, Func<Tensor, Tensor> reconstruct)
    {
        var opt = new Adam(model.Parameters(), 1e-3f);
        var pool = new BufferPool();
        var rng = new Rng(0);
        int n = train.Rows, d = train.FeatureCount;
        var buf = new float[bs * d];
        var times = new List<double>();
        double last = 0;
        for (int epoch = 0; epoch <= epochs; epoch++)
        {
            var perm = rng.Permutation(n);
            var sw = Stopwatch.StartNew();
            double tot = 0;
            for (int i = 0; i < n; i += bs)
            {
                int m = Math.Min(bs, n - i);
                train.CopyRows(perm.AsSpan(i, m), buf.AsSpan(0, m * d));
                using var scope = new TensorScope(pool);
                var x = Tensor.FromArray(buf.AsSpan(0, m * d), m, d, 1);
                opt.ZeroGrad();
                var l = loss(x);
                l.Backward();
                opt.Step();
                tot += l.Item() * m;
            }
            if (epoch > 0) times.Add(sw.Elapsed.TotalSeconds);
            last = tot / n;
            Console.Error.WriteLine($"  {name[..Math.Min(40, name.Length)]}: epoch {epoch} {sw.Elapsed.TotalSeconds:F2} s, loss {last:F4}");
        }
        times.Sort();
        model.Eval();
        var infer = new List<double>();
        // at least 6 passes and 3 s of them, so that a short contention spike moves the median little
        var total = Stopwatch.StartNew();
        using (GradMode.NoGrad())
            for (int rep = 0; rep < 6 || total.Elapsed.TotalSeconds < 3; rep++)
            {
                var sw = Stopwatch.StartNew();
                for (int i = 0; i < test.Rows; i += bs)
                {
                    int m = Math.Min(bs, test.Rows - i);
                    using var scope = new TensorScope(pool);
                    reconstruct(Tensor.FromArray(test.Features.AsSpan(i * d, m * d), m, d, 1));
                }
                if (rep > 0) infer.Add(sw.Elapsed.TotalSeconds);   // the first pass warms up
            }
        infer.Sort();
        return new SpeedResult(name, Math.Round(n / times[times.Count / 2], 1), Math.Round(test.Rows / infer[infer.Count / 2], 1), Math.Round(last, 5));
    }

    private static int Ecg(string[] args)
    {
        int seeds = DenseBench.IntArg(args, "--seeds", 5), epochs = DenseBench.IntArg(args, "--ecg-epochs", 100);
        var kinds = DenseBench.StrArg(args, "--kinds", "lstm,dense").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var path = DataDirectory.Find("ecg5000/ECG5000_TRAIN.txt");
        if (path is null) { Console.WriteLine("ECG5000 not found; skipped"); return 0; }
        var data = SequenceLoader.Load(path, "0");
        // sklearn's stratified 60/40 splits, computed by the peer's own code (train_test_split, random_state = seed)
        var peerOut = AnomalyBench.RunEcgPeer(seeds, epochs, train: false, Gemm.Threads);
        Func<int, (int[], int[])>? splitter = null;
        if (peerOut is { } po)
            splitter = s => (po.GetProperty("splits")[s].GetProperty("train").EnumerateArray().Select(e => e.GetInt32()).Order().ToArray(),
                             po.GetProperty("splits")[s].GetProperty("test").EnumerateArray().Select(e => e.GetInt32()).Order().ToArray());
        Console.WriteLine($"## ECG5000 (TRAIN split, 500 beats): {(splitter != null ? "sklearn's stratified 60/40 splits (the peer's)" : "our stratified 60/40 splits")}, trained on the training split's normal beats, {epochs} epochs, batch 32, Adam 1e-3, {seeds} seeds, {Gemm.Threads} thread(s)");
        Console.WriteLine();
        Console.WriteLine("| model | ROC-AUC | AP | train s/seed | per-seed ROC-AUC |");
        Console.WriteLine("|---|---:|---:|---:|---|");
        foreach (var kind in kinds)
        {
            float maskRatio = (float)double.Parse(DenseBench.StrArg(args, "--mask-ratio", "0"), CultureInfo.InvariantCulture);
            Func<int, ModelConfig> arch = kind switch
            {
                "dense" => d => new DenseConfig(d, [64], 16, Activation.Relu, Activation.Identity, Likelihood.Gaussian),
                "transformer" => d => new TransformerConfig(d, 1, 16, dModel: 32, heads: 4, layers: 2, maskRatio: maskRatio),
                "tcn" => d => new TcnConfig(d, 1, 16, [32], 3, [1, 2, 4, 8]),
                // the LSTM-VAE: the lstm kind with the core's Gaussian latent (β = 1), scored by the negative ELBO
                "lstm-vae" or "gru-vae" => d => new SequenceConfig(d, 1, 16, hidden: 64, variational: true) { Kind = kind[..^4] },
                _ => d => new SequenceConfig(d, 1, 16, hidden: 64) { Kind = kind },
            };
            ReconstructionError? error = kind.EndsWith("-vae", StringComparison.Ordinal) ? ReconstructionError.NegElbo : null;
            var r = AnomalyProtocols.Ecg5000(data, new ProtocolOptions(Seeds: seeds, Epochs: epochs, BatchSize: 32, Architecture: arch, Splitter: splitter, Error: error));
            string name = kind == "dense" ? "dense 140-64-16-64-140"
                : kind == "tcn" ? "tcn kind: 4 causal residual blocks of 32, kernel 3, dilations 1,2,4,8, mean over time, 16 code"
                : error != null ? $"{kind[..^4]} kind --variational (β 1): {kind[..^4].ToUpperInvariant()}(1→64), last state, 64→16, Gaussian latent 16, repeat, {kind[..^4].ToUpperInvariant()}(16→64), 64→1; score −ELBO (10 draws)"
                : kind == "transformer" ? $"transformer kind: width 32, 4 heads, 2+2 layers, feed-forward 64, mean pooling, 16 code{(maskRatio > 0 ? $", mask ratio {maskRatio}" : "")}"
                : $"{kind} kind: {kind.ToUpperInvariant()}(1→64), last state, 64→16, repeat, {kind.ToUpperInvariant()}(16→64), 64→1";
            string Pm(double m, double s) => $"{m.ToString("F3", CultureInfo.InvariantCulture)} ± {s.ToString("F3", CultureInfo.InvariantCulture)}";
            Console.WriteLine($"| {name} | {Pm(r.RocAucMean, r.RocAucSd)} | {Pm(r.ApMean, r.ApSd)} | {r.Seeds.Average(s => s.TrainSeconds):F1} | {string.Join(", ", r.Seeds.Select(s => s.RocAuc.ToString("F4", CultureInfo.InvariantCulture)))} |");
            Console.Error.WriteLine(JsonSerializer.Serialize(new { suite = "sequence ecg", kind, auc = r.Seeds.Select(s => s.RocAuc), ap = r.Seeds.Select(s => s.AveragePrecision), secs = r.Seeds.Select(s => s.TrainSeconds), loss = r.Seeds.Select(s => s.FinalLoss) }));
        }
        return 0;
    }

    /// <summary>
    /// NAB series in ../shared/data/nab (the labelled copies): for each series, the first <c>--train</c> share of the rows (NAB's
    /// probationary 15% by default) is the training part; windows of W readings every S readings; models are trained on the training
    /// part's windows that hold no labelled point, scaled per channel on them; every window is scored, and each point gets the max of
    /// its step error over the windows covering it (<see cref="StepErrors.PointScores"/>). Baselines in the same run: a rolling
    /// z-score |x_t − mean|/sd over the previous W readings, and PCA on the same windows (k = 8, closed form). Metrics over the
    /// points after the training part: point-wise ROC-AUC, and the share of labelled anomaly windows (runs of label 1) with at
    /// least one point above the threshold that flags 1% of that part's normal points (1% false-positive rate). Point scores
    /// (<c>--point-score</c>, a comma list scores the same trained models several ways): the max, mean or tail of the step errors, or
    /// from Malhotra et al. (2016)'s Gaussian of the windows' absolute-error vectors (<see cref="ErrorGaussian"/>, fitted on the training
    /// windows or, with <c>--error-fit holdout</c>, on the last quarter of them held out of training): the window's squared Mahalanobis
    /// distance spread to its steps (max or mean over the covering windows), or each step's share of it; <c>--seeds K</c> averages
    /// each point score over K models.
    /// </summary>
    private static int Nab(string[] args)
    {
        var root = DataDirectory.Find("nab");
        if (root is null) { Console.WriteLine("NAB not found (../shared/data/nab); skipped"); return 0; }
        int w = DenseBench.IntArg(args, "--window", 64), stride = DenseBench.IntArg(args, "--stride", 8), epochs = DenseBench.IntArg(args, "--epochs", 50);   // 50 since issue 13's gaps: every kind's mean ROC-AUC rose over 10 (docs/benchmarks.md)
        double trainShare = double.Parse(DenseBench.StrArg(args, "--train", "0.15"), CultureInfo.InvariantCulture);
        var kinds = DenseBench.StrArg(args, "--kinds", "lstm,transformer").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var files = Directory.GetFiles(root, "*_labeled.csv", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray();
        // --series A,B: only the series whose file name contains one of these (to split a long run; the full protocol is every series)
        var only = DenseBench.StrArg(args, "--series", "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (only.Length > 0) files = files.Where(f => only.Any(o => Path.GetFileName(f).Contains(o, StringComparison.Ordinal))).ToArray();
        // --point-score max (the protocol so far) | mean | tail | a comma list: how a point's score comes from the windows covering it
        // (tail: the step error in the one window whose last S steps hold the point, the newest window that fully saw it)
        var aggregates = DenseBench.StrArg(args, "--point-score", "max").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (aggregates.Any(a => !PointScoreNames.Contains(a))) { Console.Error.WriteLine($"--point-score takes {string.Join(", ", PointScoreNames)} or a comma list"); return 2; }
        // --error-fit train (default: the Gaussian of the error vectors is fitted on the windows the model trained on) | holdout (the
        // model trains on the first 75% of those windows and the Gaussian is fitted on the last 25%, Malhotra et al.'s held-out vN1)
        string errorFit = DenseBench.StrArg(args, "--error-fit", "train");
        // --seeds K: K models per kind (seeds 0..K−1), each point score averaged over them (an ensemble over seeds; PCA is closed form)
        int seeds = DenseBench.IntArg(args, "--seeds", 1);
        int seedBase = DenseBench.IntArg(args, "--seed-base", 0);   // the first seed (a second seed set checks that the counts hold)
        if (errorFit is not ("train" or "holdout")) { Console.Error.WriteLine("--error-fit takes train or holdout"); return 2; }
        string aggregate = string.Join(",", aggregates);
        var methods = new List<string> { "rolling z-score" };
        foreach (var m in new[] { "pca on windows" }.Concat(kinds))
            foreach (var a in aggregates) methods.Add(aggregates.Length > 1 ? $"{m} ({a})" : m);
        Console.WriteLine($"## NAB ({files.Length} series): first {trainShare:P0} of each series trains (windows without labelled points), windows of {w} every {stride}, {epochs} epochs, point score = {aggregate} over the covering windows, error Gaussian fitted on {errorFit}, {seeds} seed(s) from {seedBase} averaged, {Gemm.Threads} thread(s)");
        Console.WriteLine();
        Console.WriteLine("| series | " + string.Join(" | ", methods.Select(m => m + " ROC-AUC / caught")) + " |");
        Console.WriteLine("|---|" + string.Concat(methods.Select(_ => "---:|")));
        var totals = methods.ToDictionary(m => m, _ => new List<(double Auc, double Caught)>());
        foreach (var file in files)
        {
            var options = new SeriesOptions(w, stride, ["value"]);
            var series = SeriesLoader.Read(file, options, "label");
            int rows = series.Rows, trainRows = (int)(trainShare * rows);
            var labels = series.PointLabels!;
            var cells = new List<string>();
            var trained = new Dictionary<string, Dictionary<string, float[]>>();   // one model per kind serves every aggregation
            foreach (var m in methods)
            {
                var sw = Stopwatch.StartNew();
                bool split = aggregates.Length > 1 && m != "rolling z-score";
                string a = split ? m[(m.LastIndexOf('(') + 1)..^1] : aggregates[0];
                string model = split ? m[..(m.LastIndexOf('(') - 1)] : m;
                float[] point;
                if (m == "rolling z-score") point = RollingZ(series.Values, w);
                else
                {
                    if (!trained.TryGetValue(model, out var all)) trained[model] = all = SeedEnsemble(model, file, options, trainRows, w, stride, epochs, rows, errorFit == "holdout", seeds, seedBase);
                    point = all[a];
                }
                var (auc, caught) = NabMetrics(point, labels, trainRows);
                totals[m].Add((auc, caught));
                cells.Add($"{auc:F3} / {caught:P0}");
                Console.Error.WriteLine($"  {Path.GetFileName(file)} {m}: ROC-AUC {auc:F3}, caught {caught:P0} ({sw.Elapsed.TotalSeconds:F0} s)");
            }
            Console.WriteLine($"| {Path.GetFileName(file).Replace("_labeled.csv", "")} | {string.Join(" | ", cells)} |");
        }
        Console.WriteLine($"| **mean** | {string.Join(" | ", methods.Select(m => $"{totals[m].Average(t => t.Auc):F3} / {totals[m].Average(t => t.Caught):P0}"))} |");
        foreach (var m in methods.Where(m => m != "rolling z-score" && !m.StartsWith("pca on windows", StringComparison.Ordinal)))
        {
            // against PCA aggregated the same way
            string pca = aggregates.Length == 1 ? "pca on windows" : "pca on windows " + m[m.LastIndexOf('(')..];
            int above = Enumerable.Range(0, files.Length).Count(i => totals[m][i].Auc > totals["rolling z-score"][i].Auc && totals[m][i].Auc > totals[pca][i].Auc);
            // and against PCA scored by its plain reconstruction error (the max over covering windows, the baseline as the issue defines it)
            string plain = aggregates.Length == 1 ? "pca on windows" : totals.ContainsKey("pca on windows (max)") ? "pca on windows (max)" : pca;
            int abovePlain = Enumerable.Range(0, files.Length).Count(i => totals[m][i].Auc > totals["rolling z-score"][i].Auc && totals[m][i].Auc > totals[plain][i].Auc);
            Console.WriteLine($"{m}: above both baselines (point-wise ROC-AUC; PCA aggregated the same way) on {above} of {files.Length} series; against {plain} on {abovePlain}");
        }
        return 0;
    }

    /// <summary>|x_t − mean(x_{t−W..t−1})| / sd(x_{t−W..t−1}) per point (0 for the first W points); channel 0.</summary>
    private static float[] RollingZ(float[] x, int w)
    {
        var z = new float[x.Length];
        for (int t = w; t < x.Length; t++)
        {
            double m = 0, m2 = 0;
            for (int k = t - w; k < t; k++) m += x[k];
            m /= w;
            for (int k = t - w; k < t; k++) m2 += (x[k] - m) * (x[k] - m);
            double sd = Math.Sqrt(m2 / w);
            z[t] = (float)(Math.Abs(x[t] - m) / Math.Max(sd, 1e-6));
        }
        return z;
    }

    /// <summary>The point scores of <see cref="ModelPointScores"/> averaged over models trained with seeds B..B+<paramref name="seeds"/>−1, B = <paramref name="seedBase"/> (PCA: once).</summary>
    private static Dictionary<string, float[]> SeedEnsemble(string kind, string file, SeriesOptions options, int trainRows, int w, int stride, int epochs, int rows, bool holdout, int seeds, int seedBase)
    {
        var sum = ModelPointScores(kind, file, options, trainRows, w, stride, epochs, rows, holdout, (ulong)seedBase);
        if (kind == "pca on windows" || seeds <= 1) return sum;
        for (int seed = seedBase + 1; seed < seedBase + seeds; seed++)
            foreach (var (name, scores) in ModelPointScores(kind, file, options, trainRows, w, stride, epochs, rows, holdout, (ulong)seed))
                System.Numerics.Tensors.TensorPrimitives.Add(sum[name], scores, sum[name]);
        foreach (var scores in sum.Values) System.Numerics.Tensors.TensorPrimitives.Multiply(scores, 1f / seeds, scores);
        return sum;
    }

    /// <summary>Trains kind <paramref name="kind"/> (or PCA) on the training part's normal windows and returns the point scores by aggregation: max and mean over the covering windows, and tail (the step error in the window whose last S steps hold the point).</summary>
    private static Dictionary<string, float[]> ModelPointScores(string kind, string file, SeriesOptions options, int trainRows, int w, int stride, int epochs, int rows, bool holdout, ulong seed)
    {
        var all = SeriesLoader.Load(file, options, "label");
        int trainWindows = trainRows >= w ? (trainRows - w) / stride + 1 : 0;
        var normal = Enumerable.Range(0, trainWindows).Where(i => all.Labels![i] == 0).ToArray();
        int[] errorFit = normal;
        if (holdout)
        {
            // time-ordered: the model trains on the first 75% of the normal training windows, the error Gaussian is fitted on the rest
            int cut = (int)(0.75 * normal.Length);
            errorFit = normal[cut..];
            normal = normal[..cut];
        }
        var train = all.Subset(normal);
        var pre = SequenceScaling.Fit(train, ScalingKind.Standardize);
        ModelConfig config = kind switch
        {
            "pca on windows" => new Models.Pca.PcaConfig(w, Math.Min(8, w)),
            "transformer" => new TransformerConfig(w, 1, 8, dModel: 32, heads: 4, layers: 2),
            "tcn" => new TcnConfig(w, 1, 8, [32], 3, [1, 2, 4, 8]),
            _ => new SequenceConfig(w, 1, 8, hidden: 32) { Kind = kind },
        };
        var model = Models.Registry.ModelRegistry.Create(config, new Rng(seed));
        var fit = Models.Registry.ModelRegistry.CreateFit(config, new TrainingOptions(epochs: epochs, batchSize: 32, seed: seed));
        var trainX = pre.Transform(train);
        fit.Fit(model, RowSource.For(model, trainX), null, new FitContext());
        var scorer = new AnomalyScorer(model);
        // element errors (as StepErrors.Compute, which also takes the flat PCA baseline here: F = 1, so a window is W values)
        var prepared = pre.Transform(all);
        var errors = new float[prepared.Features.Length];
        scorer.Score(prepared.Features, new float[prepared.Rows], errors);
        for (int i = 0; i < errors.Length; i++) errors[i] *= w;
        var scores = StepErrors.PointScores(errors, w, 1, stride);
        float[] Full(float[] point)
        {
            var full = new float[rows];
            Array.Copy(point, full, Math.Min(point.Length, rows));
            for (int p = point.Length; p < rows; p++) full[p] = point[^1];   // the uncovered tail takes the last covered score
            return full;
        }
        // tail: point p ≥ W − S lies in the last S steps of exactly one window, i = ⌊(p − W + S) / S⌋; earlier points keep the max
        var tail = (float[])scores.Max.Clone();
        int windows = errors.Length / w;
        for (int p = w - stride; p < tail.Length; p++)
        {
            int i = (p - w + stride) / stride;
            if (i < windows) tail[p] = errors[i * w + (p - i * stride)];
        }
        var result = new Dictionary<string, float[]> { ["max"] = Full(scores.Max), ["mean"] = Full(scores.Mean), ["tail"] = Full(tail) };
        // Malhotra et al. (2016): a Gaussian of the absolute-error vectors |x − x̂| of normal windows, scored by the Mahalanobis distance
        var abs = new float[errors.Length];
        for (int i = 0; i < abs.Length; i++) abs[i] = MathF.Sqrt(errors[i]);
        var fitErrors = new float[errorFit.Length * w];
        for (int k = 0; k < errorFit.Length; k++) abs.AsSpan(errorFit[k] * w, w).CopyTo(fitErrors.AsSpan(k * w, w));
        foreach (var (name, covariance) in new[] { ("mahalanobis", ErrorCovariance.Full), ("diagonal", ErrorCovariance.Diagonal) })
        {
            var g = ErrorGaussian.Fit(fitErrors, w, covariance);
            var window = new float[windows];
            var shares = new float[errors.Length];
            g.Score(abs, window, shares);
            var spread = new float[errors.Length];   // each step carries its window's d²
            for (int i = 0; i < windows; i++) spread.AsSpan(i * w, w).Fill(window[i]);
            result[name] = Full(StepErrors.PointScores(spread, w, 1, stride).Max);
            result[name + "-mean"] = Full(StepErrors.PointScores(spread, w, 1, stride).Mean);
            result[name + "-step"] = Full(StepErrors.PointScores(shares, w, 1, stride).Max);
        }
        return result;
    }

    /// <summary>The point scores of <see cref="ModelPointScores"/>: max, mean, tail of the step errors; the window's squared Mahalanobis
    /// distance of its absolute errors (full Ledoit–Wolf covariance, or diagonal) spread to its steps, max or mean over the covering
    /// windows; and each step's share of that distance (-step), max over the covering windows.</summary>
    private static readonly string[] PointScoreNames =
        ["max", "mean", "tail", "mahalanobis", "mahalanobis-mean", "mahalanobis-step", "diagonal", "diagonal-mean", "diagonal-step"];

    /// <summary>Point-wise ROC-AUC and the share of labelled windows caught at the 1%-false-positive threshold, over points ≥ <paramref name="from"/>.</summary>
    private static (double Auc, double Caught) NabMetrics(float[] score, int[] labels, int from)
    {
        var s = score.AsSpan(from).ToArray();
        var y = labels.AsSpan(from).ToArray();
        double auc = y.Distinct().Count() == 2 ? AnomalyMetrics.RocAuc(s, y) : double.NaN;
        var normal = s.Where((_, i) => y[i] == 0).OrderBy(v => v).ToArray();
        float threshold = normal[(int)Math.Min(normal.Length - 1, Math.Floor(0.99 * normal.Length))];
        int windows = 0, caught = 0;
        for (int i = 0; i < y.Length; i++)
        {
            if (y[i] == 0 || (i > 0 && y[i - 1] == 1)) continue;
            windows++;
            bool hit = false;
            for (int j = i; j < y.Length && y[j] == 1; j++) if (s[j] > threshold) { hit = true; break; }
            if (hit) caught++;
        }
        return (auc, windows == 0 ? double.NaN : (double)caught / windows);
    }
}
