using Bottleneck.Anomaly;
using Bottleneck.Data;
using Bottleneck.ModelFiles;
using Bottleneck.Models;
using Bottleneck.Models.Dagmm;
using Bottleneck.Models.RandNet;
using Bottleneck.Models.Registry;
using Bottleneck.Models.RobustAe;
using Bottleneck.Tensors;
using Bottleneck.Tests.Data;
using Bottleneck.Training;

namespace Bottleneck.Tests.Models.Detectors;

/// <summary>The detector kinds (robust-ae, dagmm, randnet): their fit procedures, scores, files and real-data figures.</summary>
public class DetectorKindTests
{
    /// <summary>200 rows of 6 features on a 2-D plane (normal) plus 10 rows far off it (outliers, the last 10).</summary>
    private static Dataset Contaminated(ulong seed = 11)
    {
        var r = new Rng(seed);
        int n = 210, d = 6;
        var x = new float[n * d];
        var labels = new int[n];
        for (int i = 0; i < n; i++)
        {
            float a = r.NextNormal(), b = r.NextNormal();
            for (int j = 0; j < d; j++) x[i * d + j] = a * (j % 2 == 0 ? 1f : 0.5f) + b * (j < 3 ? 0.8f : -0.6f) + 0.05f * r.NextNormal();
            if (i >= 200)
            {
                labels[i] = 1;
                for (int j = 0; j < d; j++) x[i * d + j] = 3f * r.NextNormal();
            }
        }
        return new Dataset(x, n, d, labels, source: "plane");
    }

    private static (AutoencoderModel Model, float[] Scores) FitAndScore(ModelConfig config, Dataset data, int epochs = 30)
    {
        var model = ModelRegistry.Create(config, new Rng(3));
        ModelRegistry.CreateFit(config, new TrainingOptions(epochs, 32, seed: 3)).Fit(model, RowSource.For(model, data), null, new FitContext());
        return (model, new AnomalyScorer(model).Score(data));
    }

    private static double Auc(float[] scores, Dataset data) => AnomalyMetrics.RocAuc(scores, data.Labels!.Select(l => l != 0 ? 1 : 0).ToArray());

    public static TheoryData<string> Kinds => new() { "robust-ae", "dagmm", "randnet" };

    private static ModelConfig SmallConfig(string kind, int d) => kind switch
    {
        "robust-ae" => new RobustAeConfig(d, [8], 2, iterations: 3),
        "dagmm" => new DagmmConfig(d, [8], 2, components: 2),
        _ => new RandNetConfig(d, [8], 2, members: 4),
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void EachDetectorRanksOffPlaneRowsAboveThePlane(string kind)
    {
        // Given rows on a plane with 5 % of rows far off it, when a detector is fitted on all of them (contaminated), then its scores
        // rank the outliers first
        var data = Contaminated();
        var (_, scores) = FitAndScore(SmallConfig(kind, data.FeatureCount), data);
        Assert.True(Auc(scores, data) >= 0.9, $"{kind}: ROC-AUC {Auc(scores, data):F3} on the plane");
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void AFittedDetectorSavesAndLoadsWithTheSameScores(string kind)
    {
        var data = Contaminated();
        var (model, scores) = FitAndScore(SmallConfig(kind, data.FeatureCount), data, epochs: 3);
        using var dir = new TempDir();
        ModelStore.Save(dir.Path, new SavedModel(model, new PreprocessorState(ScalingKind.None, [], []), null, [], null, "plane"));
        var loaded = ModelStore.Load(dir.Path);
        Assert.Equal(kind, loaded.Model.Config.Kind);
        var again = new AnomalyScorer(loaded.Model).Score(data);
        Assert.Equal(scores, again);
    }

    [Fact]
    public void DagmmAndRandNetScoreWithTheirOwnScoreAndDenseModelsCannot()
    {
        var d = 6;
        Assert.Equal(ReconstructionError.Model, new AnomalyScorer(ModelRegistry.Create(SmallConfig("dagmm", d), new Rng(1))).Error);
        Assert.Equal(ReconstructionError.Model, new AnomalyScorer(ModelRegistry.Create(SmallConfig("randnet", d), new Rng(1))).Error);
        Assert.Equal(ReconstructionError.Mse, new AnomalyScorer(ModelRegistry.Create(SmallConfig("robust-ae", d), new Rng(1))).Error);
        Assert.Equal(ReconstructionError.Model, AnomalyScorer.ParseError("model"));
        var dense = ModelRegistry.Create(ModelRegistry.Get("dense").Example([d]), new Rng(1));
        var e = Assert.Throws<ArgumentException>(() => new AnomalyScorer(dense, ReconstructionError.Model));
        Assert.Contains("dense", e.Message);
        // a reconstruction error of a DAGMM (its compression network) is still available
        Assert.Equal(ReconstructionError.Mse, new AnomalyScorer(ModelRegistry.Create(SmallConfig("dagmm", d), new Rng(1)), ReconstructionError.Mse).Error);
    }

    [Fact]
    public void DagmmScoresAreTheEnergyUnderTheMixtureOfTheTrainingRows()
    {
        var data = Contaminated();
        var (model, scores) = FitAndScore(SmallConfig("dagmm", data.FeatureCount), data, epochs: 3);
        var dagmm = (DagmmModel)model;
        Assert.Equal(1f, dagmm.MixtureWeights.ToArray().Sum(), 4);
        // recompute the mixture from the memberships of every row: it is the one saved, and the energies under it are the scores
        using (Bottleneck.Autograd.GradMode.NoGrad())
        {
            var x = Tensor.FromArray(data.Features, data.Rows, data.FeatureCount);
            var code = dagmm.Encoder.Forward(x);
            var z = DagmmModel.MixtureInput(x, code, dagmm.Decoder.Forward(code));
            var (phi, mu, cov) = GaussianMixture.Parameters(z, dagmm.Estimation.Forward(z).Softmax(1));
            Assert.Equal(phi.ToArray(), dagmm.MixtureWeights.ToArray());
            Assert.Equal(mu.ToArray(), dagmm.MixtureMeans.ToArray());
            var energy = GaussianMixture.Energy(z, phi, mu, cov, dagmm.DagmmConfig.CovarianceEps).ToArray();
            Assert.Equal(energy, scores);
        }
    }

    [Fact]
    public void RandNetScoresAreTheMedianOfStandardisedMemberErrors()
    {
        var data = Contaminated();
        var (model, scores) = FitAndScore(SmallConfig("randnet", data.FeatureCount), data, epochs: 3);
        var net = (RandNetModel)model;
        var x = Tensor.FromArray(data.Features, data.Rows, data.FeatureCount);
        var raw = net.MemberScores(x);
        int n = data.Rows, m = net.Members.Count;
        for (int k = 0; k < m; k++)
        {
            // calibrated on the training rows: each member's standardised scores have mean 0 and sd 1 there
            var z = Enumerable.Range(0, n).Select(i => (raw[k * n + i] - net.ScoreMean.Span[k]) / (double)net.ScoreStd.Span[k]).ToArray();
            Assert.Equal(0, z.Average(), 3);
            Assert.Equal(1, Math.Sqrt(z.Select(v => v * v).Average()), 3);
        }
        var row0 = Enumerable.Range(0, m).Select(k => (raw[k * n] - net.ScoreMean.Span[k]) / net.ScoreStd.Span[k]).Order().ToArray();
        Assert.Equal(0.5f * (row0[1] + row0[2]), scores[0], 5);
        // each member saw its own subsample: the members differ
        Assert.NotEqual(raw[..n], raw[n..(2 * n)]);
    }

    [Fact]
    public void RobustFitMovesTheOutliersIntoTheSparsePart()
    {
        var data = Contaminated();
        var config = new RobustAeConfig(data.FeatureCount, [8], 2, lambda: 0.5f, iterations: 3);
        var model = ModelRegistry.Create(config, new Rng(3));
        var fit = new RobustAeFit(config, new TrainingOptions(90, 32, learningRate: 3e-3f, seed: 3));
        var result = fit.Fit(model, RowSource.For(model, data), null, new FitContext());
        Assert.Equal(["iteration-1", "iteration-2", "iteration-3"], result.History.Select(h => h.Stage).Distinct().ToArray());
        Assert.Equal(90, result.History.Count);
        var norms = fit.OutlierRowNorms!;
        double outlierMean = norms[200..].Average(v => (double)v), normalMean = norms[..200].Average(v => (double)v);
        Assert.True(outlierMean > 5 * normalMean + 0.1, $"row norms of S: outliers {outlierMean:F3}, normal rows {normalMean:F3}");
        Assert.True(fit.OutlierFraction is > 0.02 and < 0.5, $"outlier fraction {fit.OutlierFraction:F3}, S row norms of normal rows {string.Join(",", norms[..20].Select(v => v.ToString("F2")))}");
    }

    [Fact]
    public void ProximalStepsShrinkAsThePaperSays()
    {
        float[] r = [3f, -0.5f, 0f, 4f, 1f, -2f];
        var l1 = (float[])r.Clone();
        RobustAeFit.Shrink(l1, 2, 3, OutlierNorm.L1, 1f);
        Assert.Equal([2f, 0f, 0f, 3f, 0f, -1f], l1);
        // rows: threshold λ√D = √3; row 0 has norm √9.25 > √3, row 1 norm √21
        var rows = (float[])r.Clone();
        RobustAeFit.Shrink(rows, 2, 3, OutlierNorm.L21, 1f);
        float f0 = 1f - MathF.Sqrt(3f) / MathF.Sqrt(9.25f);
        Assert.Equal(3f * f0, rows[0], 5);
        Assert.Equal(-0.5f * f0, rows[1], 5);
        var small = new float[] { 0.1f, 0.1f, 0.1f };
        RobustAeFit.Shrink(small, 1, 3, OutlierNorm.L21, 1f);
        Assert.Equal([0f, 0f, 0f], small);
        // columns: threshold λ√N = √2; column 1 has norm √1.25 < √2 → 0
        var cols = (float[])r.Clone();
        RobustAeFit.Shrink(cols, 2, 3, OutlierNorm.L21Columns, 1f);
        Assert.Equal(0f, cols[1]);
        Assert.Equal(0f, cols[4]);
        Assert.Equal(3f * (1f - MathF.Sqrt(2f) / 5f), cols[0], 5);
    }

    [Fact]
    public void ConfigsRefuseBadValuesNamingThem()
    {
        Assert.Contains("lambda", Assert.Throws<ArgumentOutOfRangeException>(() => new RobustAeConfig(4, [], 2, lambda: 0f)).Message);
        Assert.Contains("components", Assert.Throws<ArgumentOutOfRangeException>(() => new DagmmConfig(4, [], 1, components: 0)).Message);
        Assert.Contains("dropConnect", Assert.Throws<ArgumentOutOfRangeException>(() => new RandNetConfig(4, [], 2, dropConnect: 1f)).Message);
        Assert.Contains("sampleFraction", Assert.Throws<ArgumentOutOfRangeException>(() => new RandNetConfig(4, [], 2, sampleFraction: 0f)).Message);
        Assert.Contains("l21-columns", Assert.Throws<FormatException>(() => RobustAeConfig.ParseNorm("l2")).Message);
        Assert.Contains("median", Assert.Throws<FormatException>(() => RandNetConfig.ParseCombination("mode")).Message);
    }

    [SkippableTheory]
    [InlineData("robust-ae", 0.88)]
    [InlineData("randnet", 0.75)]
    [InlineData("dagmm", 0.75)]
    public void OnOddsCardioEachDetectorReachesASensibleRocAuc(string kind, double floor)
    {
        // PyOD's unsupervised protocol on ODDS cardio (1831 rows, 9.6 % anomalies), one seed; floors below the 3-seed means measured
        // when the kinds were written (docs/anomaly.md): robust-ae ~0.70 on cardio is too low to be useful, so ionosphere is its set
        string set = kind == "robust-ae" ? "ionosphere" : "cardio";
        var path = SharedData.Find($"odds/{set}.csv");
        Skip.If(path is null, "ODDS data not found (../shared/data/odds)");
        var data = CsvLoader.Load(path!, new CsvOptions("label"));
        var auc = kind switch
        {
            "robust-ae" => DetectorProtocol.RocAuc(data, d => new RobustAeConfig(d, [64], Math.Min(32, Math.Max(2, d / 2))), 20, 32, 1),
            "randnet" => DetectorProtocol.RandNetRocAuc(data, 1),
            _ => DetectorProtocol.RocAuc(data, d => new DagmmConfig(d, [60, 30, 10], 1, components: 4), 100, 128, 1),
        };
        Assert.True(auc[0] >= floor, $"{kind} on {set}: ROC-AUC {auc[0]:F3} < {floor}");
    }
}

/// <summary>Score normalisation and combination for ensembles.</summary>
public class ScoreEnsembleTests
{
    [Fact]
    public void StandardisedScoresAreCombinedByMeanMaxOrMedian()
    {
        // detector 0: training scores 1, 3 → μ 2, σ 1; detector 1: 10, 30 → μ 20, σ 10; detector 2: 0, 2 → μ 1, σ 1
        var (m0, s0) = ScoreEnsemble.Fit([1f, 3f]);
        Assert.Equal((2.0, 1.0), (m0, s0));
        float[] mean = [2f, 20f, 1f], sd = [1f, 10f, 1f];
        // two samples: raw scores detector-major
        float[] raw = [4f, 2f, /* det 1 */ 10f, 40f, /* det 2 */ 1f, 0f];
        var output = new float[2];
        ScoreEnsemble.Combine(raw, mean, sd, ScoreCombination.Mean, output);
        Assert.Equal([(2f - 1f + 0f) / 3f, (0f + 2f - 1f) / 3f], output);
        ScoreEnsemble.Combine(raw, mean, sd, ScoreCombination.Max, output);
        Assert.Equal([2f, 2f], output);
        ScoreEnsemble.Combine(raw, mean, sd, ScoreCombination.Median, output);
        Assert.Equal([0f, 0f], output);
        Assert.Throws<ArgumentException>(() => ScoreEnsemble.Combine(raw, mean, sd, ScoreCombination.Mean, new float[3]));
        Assert.Throws<ArgumentException>(() => ScoreEnsemble.Fit([1f, float.NaN]));
        Assert.Equal(ScoreEnsemble.MinStandardDeviation, ScoreEnsemble.Fit([5f, 5f]).StandardDeviation);
    }
}

/// <summary>An ensemble of saved detectors of different kinds.</summary>
public class DetectorEnsembleTests
{
    [Fact]
    public void AnEnsembleOfDifferentKindsStandardisesAndCombinesTheirScores()
    {
        // Given a RandNet and a robust autoencoder trained on the same contaminated rows (each with its own standardisation)
        var r = new Rng(21);
        int n = 210, d = 5;
        var x = new float[n * d];
        var labels = new int[n];
        for (int i = 0; i < n; i++)
        {
            float a = r.NextNormal();
            for (int j = 0; j < d; j++) x[i * d + j] = i < 200 ? 10f + a * (j + 1) + 0.05f * r.NextNormal() : 10f + 4f * r.NextNormal();
            labels[i] = i < 200 ? 0 : 1;
        }
        var raw = new Dataset(x, n, d, labels, source: "line");
        var detectors = new List<AnomalyDetector>();
        foreach (var config in new ModelConfig[] { new RandNetConfig(d, [6], 2, members: 3), new RobustAeConfig(d, [6], 1, iterations: 2) })
        {
            var pre = Preprocessor.Fit(raw, ScalingKind.Standardize);
            var prepared = pre.Transform(raw);
            var model = ModelRegistry.Create(config, new Rng(2));
            ModelRegistry.CreateFit(config, new TrainingOptions(30, 32, seed: 2)).Fit(model, RowSource.For(model, prepared), null, new FitContext());
            detectors.Add(new AnomalyDetector(model, pre));
        }
        // When the ensemble is fitted on those rows and scores them
        var mean = new DetectorEnsemble(detectors, ScoreCombination.Mean);
        Assert.Throws<InvalidOperationException>(() => mean.Score(raw));
        mean.Fit(raw);
        var combined = mean.Score(raw);
        // Then each score is the mean of the members' z-scores, and the outliers rank first
        var s0 = detectors[0].Score(detectors[0].Prepare(raw));
        var s1 = detectors[1].Score(detectors[1].Prepare(raw));
        var st = mean.Standardisation!;
        for (int i = 0; i < n; i += 37)
            Assert.Equal(((s0[i] - st[0].Mean) / st[0].StandardDeviation + (s1[i] - st[1].Mean) / st[1].StandardDeviation) / 2f, combined[i], 4);
        Assert.Equal(0, combined.Average(v => (double)v), 3);
        Assert.True(AnomalyMetrics.RocAuc(combined, labels) >= 0.9, $"ROC-AUC {AnomalyMetrics.RocAuc(combined, labels):F3}");
        var max = new DetectorEnsemble(detectors, ScoreCombination.Max);
        max.Fit(raw);
        Assert.All(max.Score(raw).Zip(combined), p => Assert.True(p.First >= p.Second - 1e-5f));
        Assert.Throws<ArgumentException>(() => new DetectorEnsemble([]));
    }
}
