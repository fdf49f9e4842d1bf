using System.Diagnostics;
using Bottleneck.Anomaly;
using Bottleneck.Data;
using Bottleneck.Models;
using Bottleneck.Models.Dense;
using Bottleneck.Models.Registry;
using Bottleneck.NN;
using Bottleneck.Tensors;
using Bottleneck.Training;

namespace Bottleneck.Bench;

/// <summary>Settings shared by the evaluation protocols.</summary>
/// <param name="Seeds">Number of seeds (0, 1, …, Seeds − 1), ≥ 1 (default 5).</param>
/// <param name="TestFraction">Share of rows held out for testing (default 0.4, i.e. a 60/40 split).</param>
/// <param name="Epochs">Training epochs (default 50).</param>
/// <param name="BatchSize">Mini-batch size (default 64).</param>
/// <param name="LearningRate">Adam learning rate (default 1e-3).</param>
/// <param name="Architecture">Model for input width D; null (default) = <see cref="AnomalyDefaults.DenseArchitecture"/>.</param>
/// <param name="Error">Score error; null (default) = the model's default.</param>
/// <param name="Splitter">Overrides the split: seed → (train indices, test indices); null (default) = <see cref="AnomalyProtocols.StratifiedSplit"/>.</param>
/// <param name="MaxTrainRows">Subsample the training rows to at most this many (seeded), 0 = all (default).</param>
/// <param name="WeightDecay">Adam's L2 weight decay (PyTorch semantics: λ·w added to the gradient), ≥ 0 (default 0).</param>
public sealed record ProtocolOptions(int Seeds = 5, double TestFraction = 0.4, int Epochs = 50, int BatchSize = 64, float LearningRate = 1e-3f,
    Func<int, ModelConfig>? Architecture = null, ReconstructionError? Error = null, Func<int, (int[] Train, int[] Test)>? Splitter = null,
    int MaxTrainRows = 0, float WeightDecay = 0f)
{
    /// <summary>
    /// The unsupervised recipe of <see cref="AnomalyDefaults"/> as protocol settings: its architecture, training (10 epochs of
    /// batch 32, Adam 1e-3, weight decay 1e-5) and mean-absolute-error score.
    /// </summary>
    /// <param name="seeds">Number of seeds, ≥ 1 (default 5).</param>
    public static ProtocolOptions UnsupervisedRecipe(int seeds = 5) => new(Seeds: seeds, Epochs: AnomalyDefaults.UnsupervisedEpochs,
        BatchSize: AnomalyDefaults.UnsupervisedBatchSize, WeightDecay: AnomalyDefaults.UnsupervisedWeightDecay,
        Architecture: d => AnomalyDefaults.UnsupervisedArchitecture(d), Error: AnomalyDefaults.UnsupervisedError);
}

/// <summary>One seed of a protocol run.</summary>
/// <param name="Seed">The seed (split, initialization, shuffling).</param>
/// <param name="RocAuc">ROC-AUC on the test split.</param>
/// <param name="AveragePrecision">Average precision (PR-AUC) on the test split.</param>
/// <param name="TrainRows">Rows trained on.</param>
/// <param name="TestRows">Rows scored.</param>
/// <param name="TestAnomalies">Anomalies among the scored rows.</param>
/// <param name="TrainSeconds">Training wall-clock seconds.</param>
/// <param name="FinalLoss">Final epoch's training loss (per sample, summed over features).</param>
public sealed record SeedResult(int Seed, double RocAuc, double AveragePrecision, int TrainRows, int TestRows, int TestAnomalies, double TrainSeconds, double FinalLoss);

/// <summary>A protocol's results over seeds; means and sample standard deviations (n − 1).</summary>
/// <param name="Name">Protocol and data set, e.g. "cardio (unsupervised)".</param>
/// <param name="Seeds">Per-seed results.</param>
/// <param name="Model">The architecture used (text).</param>
public sealed record ProtocolResult(string Name, IReadOnlyList<SeedResult> Seeds, string Model)
{
    /// <summary>Mean ROC-AUC.</summary>
    public double RocAucMean => AnomalyMetrics.MeanSd(Seeds.Select(s => s.RocAuc).ToArray()).Mean;
    /// <summary>Sample sd of ROC-AUC.</summary>
    public double RocAucSd => AnomalyMetrics.MeanSd(Seeds.Select(s => s.RocAuc).ToArray()).Sd;
    /// <summary>Mean average precision.</summary>
    public double ApMean => AnomalyMetrics.MeanSd(Seeds.Select(s => s.AveragePrecision).ToArray()).Mean;
    /// <summary>Sample sd of average precision.</summary>
    public double ApSd => AnomalyMetrics.MeanSd(Seeds.Select(s => s.AveragePrecision).ToArray()).Sd;
}

/// <summary>
/// Evaluation protocols for reconstruction-based anomaly detection, as code so that benchmarks and tests run them identically.
/// Labels: 1 = anomaly. Sources: PyOD benchmark (Zhao, Nasrullah &amp; Li, JMLR 2019; 60/40 split, standardization fitted on the
/// training split, unsupervised training including outliers), ODDS (Rayana 2016), KDD Cup 1999 (semi-supervised on normal
/// connections), ECG5000 (UCR; protocol of ../shared/peers/ecg_ae.py).
/// </summary>
public static class AnomalyProtocols
{
    /// <summary>
    /// Stratified split: within each stratum (label value), rows are shuffled with <paramref name="seed"/> and round(n·testFraction)
    /// of them (at least 1 when the stratum has ≥ 2 rows) go to the test part, so every stratum with ≥ 2 rows appears on both sides.
    /// </summary>
    /// <param name="strata">Stratum per row (e.g. the class).</param>
    /// <param name="testFraction">Share for testing, in (0, 1).</param>
    /// <param name="seed">Shuffle seed.</param>
    /// <returns>Sorted train and test row indices.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The fraction is outside (0, 1).</exception>
    public static (int[] Train, int[] Test) StratifiedSplit(ReadOnlySpan<int> strata, double testFraction, ulong seed)
    {
        if (!(testFraction > 0 && testFraction < 1)) throw new ArgumentOutOfRangeException(nameof(testFraction), testFraction, "testFraction must be in (0, 1)");
        var groups = new SortedDictionary<int, List<int>>();
        for (int i = 0; i < strata.Length; i++)
        {
            if (!groups.TryGetValue(strata[i], out var g)) groups[strata[i]] = g = [];
            g.Add(i);
        }
        var rng = new Rng(seed * 0x9E3779B97F4A7C15UL + 12345);
        var train = new List<int>(); var test = new List<int>();
        foreach (var g in groups.Values)
        {
            var perm = rng.Permutation(g.Count);
            int nTest = (int)Math.Round(g.Count * testFraction, MidpointRounding.AwayFromZero);
            if (g.Count >= 2) nTest = Math.Clamp(nTest, 1, g.Count - 1);
            for (int k = 0; k < g.Count; k++) (k < nTest ? test : train).Add(g[perm[k]]);
        }
        train.Sort(); test.Sort();
        return (train.ToArray(), test.ToArray());
    }

    /// <summary>
    /// PyOD benchmark protocol on a labelled table (labels 0/1): for each seed a stratified 60/40 split; standardization fitted on
    /// the training split; a model trained unsupervised on the whole training split (outliers included) or, with
    /// <paramref name="inliersOnly"/>, semi-supervised on its inliers only; ROC-AUC and average precision on the test split.
    /// </summary>
    /// <param name="data">Raw numeric features with 0/1 labels.</param>
    /// <param name="options">Protocol settings; default null.</param>
    /// <param name="inliersOnly">Semi-supervised: train on the training split's inliers (default false: unsupervised).</param>
    /// <param name="name">Name in the result (default: the data source).</param>
    /// <exception cref="DataException">The data has no labels.</exception>
    public static ProtocolResult PyOdBenchmark(Dataset data, ProtocolOptions? options = null, bool inliersOnly = false, string? name = null)
    {
        var o = options ?? new ProtocolOptions();
        var labels = AnomalyFlags(data);
        var results = new List<SeedResult>();
        string model = "";
        for (int seed = 0; seed < o.Seeds; seed++)
        {
            var (trIdx, teIdx) = o.Splitter?.Invoke(seed) ?? StratifiedSplit(labels, o.TestFraction, (ulong)seed);
            var train = data.Subset(trIdx);
            if (inliersOnly) train = train.WhereLabel(l => l == 0);
            var pre = Preprocessor.Fit(train, ScalingKind.Standardize);
            var test = pre.Transform(data.Subset(teIdx));
            var r = TrainAndScore(pre.Transform(train), test, Flags(test), o, seed, out model);
            results.Add(r);
        }
        return new ProtocolResult(name ?? $"{data.Source} ({(inliersOnly ? "semi-supervised" : "unsupervised")})", results, model);
    }

    /// <summary>
    /// ECG5000 protocol of the PyTorch peer (ecg_ae.py): a stratified 60/40 split of the beats by class (1..5); scaling by the scalar
    /// mean and population sd of all values of the training split's normal beats (class 1); a dense 140-64-16-64-140 ReLU autoencoder
    /// (linear code and output, squared error, Adam lr 1e-3, batch 32, 100 epochs by default) trained on those normal beats; score =
    /// reconstruction MSE over the 140 samples; ROC-AUC and AP over all test beats (classes 2–5 anomalous).
    /// </summary>
    /// <param name="data">The beats, labels = class 1..5.</param>
    /// <param name="options">Settings; default = 5 seeds, 100 epochs, batch 32, the 140-64-16 model.</param>
    /// <exception cref="DataException">The data has no labels.</exception>
    public static ProtocolResult Ecg5000(Dataset data, ProtocolOptions? options = null)
    {
        var o = options ?? new ProtocolOptions(Epochs: 100, BatchSize: 32);
        if (o.Architecture is null)
            o = o with { Architecture = d => new DenseConfig(d, [64], 16, Activation.Relu, Activation.Identity, Likelihood.Gaussian) };
        if (data.Labels is null) throw new DataException($"{data.Source}: ECG5000 needs the class labels", data.Source);
        var cls = data.Labels;
        var results = new List<SeedResult>();
        string model = "";
        for (int seed = 0; seed < o.Seeds; seed++)
        {
            var (trIdx, teIdx) = o.Splitter?.Invoke(seed) ?? StratifiedSplit(cls, o.TestFraction, (ulong)seed);
            var normal = data.Subset(trIdx).WhereLabel(c => c == 1);
            double mean = 0, m2 = 0; long n = 0;
            foreach (var v in normal.Features) { n++; double dlt = v - mean; mean += dlt / n; m2 += dlt * (v - mean); }
            float m = (float)mean, sd = (float)Math.Sqrt(m2 / n);
            var scalar = new Preprocessor(new PreprocessorState(ScalingKind.Standardize,
                Enumerable.Repeat(m, data.FeatureCount).ToArray(), Enumerable.Repeat(sd, data.FeatureCount).ToArray()));
            var test = scalar.Transform(data.Subset(teIdx));
            var flags = test.Labels!.Select(c => c == 1 ? 0 : 1).ToArray();
            results.Add(TrainAndScore(scalar.Transform(normal), test, flags, o, seed, out model));
        }
        return new ProtocolResult("ECG5000 (normal-only training)", results, model);
    }

    /// <summary>
    /// KDD Cup 1999 protocol (semi-supervised): a split stratified by connection type (every attack type with ≥ 2 rows lands in the
    /// held-out part); a <see cref="TabularEncoder"/> (one-hot protocol_type/service/flag, standardized numeric columns) fitted on the
    /// training part's normal connections only; a model trained on those normal connections (subsampled to
    /// <see cref="ProtocolOptions.MaxTrainRows"/> if set); ROC-AUC and AP on the whole held-out part (anomaly = label ≠ "normal.").
    /// </summary>
    /// <param name="dataPath">kddcup.data_10_percent.gz (headerless, 42 columns, label last).</param>
    /// <param name="columnNames">42 column names (41 features from kddcup.names, then "label"); see <see cref="KddColumnNames"/>.</param>
    /// <param name="options">Settings; default null.</param>
    /// <param name="log">Optional progress messages.</param>
    /// <exception cref="DataException">The files cannot be read.</exception>
    public static ProtocolResult KddCup99(string dataPath, string[] columnNames, ProtocolOptions? options = null, Action<string>? log = null)
    {
        var o = options ?? new ProtocolOptions();
        // Pass 1: labels only.
        var labelText = ReadColumn(dataPath, columnNames.Length - 1);
        var typeIds = new Dictionary<string, int>();
        var strata = labelText.Select(l => typeIds.TryGetValue(l, out int k) ? k : typeIds[l] = typeIds.Count).ToArray();
        bool[] anomaly = labelText.Select(l => l != "normal.").ToArray();
        log?.Invoke($"{labelText.Length} rows, {typeIds.Count} connection types, {anomaly.Count(a => !a)} normal");
        var results = new List<SeedResult>();
        string model = "";
        for (int seed = 0; seed < o.Seeds; seed++)
        {
            var (trIdx, teIdx) = o.Splitter?.Invoke(seed) ?? StratifiedSplit(strata, o.TestFraction, (ulong)seed);
            var normalTrain = trIdx.Where(i => !anomaly[i]).ToArray();
            if (o.MaxTrainRows > 0 && normalTrain.Length > o.MaxTrainRows)
            {
                var perm = new Rng((ulong)seed + 777).Permutation(normalTrain.Length);
                normalTrain = perm.Take(o.MaxTrainRows).Select(p => normalTrain[p]).Order().ToArray();
            }
            var trainSet = new HashSet<int>(normalTrain);
            var testSet = new HashSet<int>(teIdx);
            var encOptions = new TabularOptions(LabelColumn: "label", HasHeader: false, ColumnNames: columnNames, Categorical: ["protocol_type", "service", "flag"]);
            var encoder = TabularEncoder.Fit(dataPath, encOptions, row => trainSet.Contains((int)row));
            // Pass 2: encode the training and test rows.
            var (train, test) = EncodeSubsets(encoder, dataPath, trainSet, testSet);
            var flags = test.Labels!.Select(l => test.ClassNames is null ? (l != 0 ? 1 : 0) : (test.ClassNames[l] != "normal." ? 1 : 0)).ToArray();
            var rep = encoder.Report;
            log?.Invoke($"seed {seed}: D = {encoder.FeatureCount}, train {train.Rows} normal rows, test {test.Rows} rows ({flags.Sum()} attacks), unseen categories outside the training rows: {rep.UnseenTotal}");
            results.Add(TrainAndScore(train, test, flags, o, seed, out model));
            log?.Invoke($"seed {seed}: ROC-AUC {results[^1].RocAuc:F4}, AP {results[^1].AveragePrecision:F4}, {results[^1].TrainSeconds:F1}s");
        }
        return new ProtocolResult("KDD Cup 99 10% (normal-only training)", results, model);
    }

    /// <summary>The 41 feature names of kddcup.names followed by "label".</summary>
    /// <param name="namesPath">kddcup.names (first line lists attack types; then "name: type." lines).</param>
    /// <exception cref="DataException">The file cannot be read or does not list 41 features.</exception>
    public static string[] KddColumnNames(string namesPath)
    {
        if (!File.Exists(namesPath)) throw new DataException($"{namesPath}: file not found", namesPath);
        var names = File.ReadLines(namesPath).Skip(1).Where(l => l.Contains(':')).Select(l => l[..l.IndexOf(':')].Trim()).ToList();
        if (names.Count != 41) throw new DataException($"{namesPath}: expected 41 feature names, found {names.Count}", namesPath);
        names.Add("label");
        return names.ToArray();
    }

    /// <summary>Trains a fresh model on prepared <paramref name="train"/> and scores prepared <paramref name="test"/>.</summary>
    /// <param name="train">Prepared training rows.</param>
    /// <param name="test">Prepared test rows.</param>
    /// <param name="testFlags">1 = anomaly per test row.</param>
    /// <param name="o">Settings.</param>
    /// <param name="seed">Initialization and shuffling seed.</param>
    /// <param name="model">Receives the architecture text.</param>
    public static SeedResult TrainAndScore(Dataset train, Dataset test, int[] testFlags, ProtocolOptions o, int seed, out string model)
    {
        var config = (o.Architecture ?? (d => AnomalyDefaults.DenseArchitecture(d)))(train.FeatureCount);
        var net = ModelRegistry.Create(config, new Rng((ulong)seed));
        model = config is DenseConfig dc ? string.Join("-", dc.EncoderWidths().Concat(dc.EncoderWidths().Reverse().Skip(1))) : config.ToString();
        var sw = Stopwatch.StartNew();
        var result = new Trainer(new TrainingOptions(epochs: o.Epochs, batchSize: o.BatchSize, learningRate: o.LearningRate,
            weightDecay: o.WeightDecay, seed: (ulong)seed)).Fit(net, train);
        double secs = sw.Elapsed.TotalSeconds;
        var scores = new AnomalyScorer(net, o.Error).Score(test);
        return new SeedResult(seed, AnomalyMetrics.RocAuc(scores, testFlags), AnomalyMetrics.AveragePrecision(scores, testFlags),
            train.Rows, test.Rows, testFlags.Count(f => f != 0), secs, result.History[^1].TrainLoss);
    }

    private static int[] AnomalyFlags(Dataset data)
    {
        if (data.Labels is null) throw new DataException($"{data.Source}: the protocol needs labels (1 = anomaly)", data.Source);
        return Flags(data);
    }

    private static int[] Flags(Dataset d) => d.Labels!.Select(l => l != 0 ? 1 : 0).ToArray();

    private static string[] ReadColumn(string path, int column)
    {
        using var reader = TabularEncoder.Open(path, null);
        var list = new List<string>();
        var pool = new Dictionary<string, string>();
        while (reader.Read())
        {
            var s = reader.GetString(column);
            if (!pool.TryGetValue(s, out var interned)) pool[s] = interned = s;
            list.Add(interned);
        }
        return list.ToArray();
    }

    private static (Dataset Train, Dataset Test) EncodeSubsets(TabularEncoder encoder, string path, HashSet<int> train, HashSet<int> test)
    {
        encoder.ResetReport();
        using var rows = encoder.OpenRows(path);
        int f = encoder.FeatureCount, chunk = 8192;
        var buf = new float[chunk * f];
        var labels = new List<string>(chunk);
        var trX = new List<float>(train.Count * f); var teX = new List<float>(test.Count * f);
        var trL = new List<string>(); var teL = new List<string>();
        int row = 0, n;
        while ((n = rows.Read(buf, chunk, labels)) > 0)
        {
            for (int i = 0; i < n; i++, row++)
            {
                var span = buf.AsSpan(i * f, f);
                if (train.Contains(row)) { trX.AddRange(span); trL.Add(labels[i]); }
                else if (test.Contains(row)) { teX.AddRange(span); teL.Add(labels[i]); }
            }
        }
        var (trLab, trNames) = LabelParsing.Parse(trL);
        var (teLab, teNames) = LabelParsing.Parse(teL);
        return (new Dataset(trX.ToArray(), trL.Count, f, trLab, encoder.FeatureNames, null, path, trNames),
                new Dataset(teX.ToArray(), teL.Count, f, teLab, encoder.FeatureNames, null, path, teNames));
    }
}
