using System.Text.Json;
using Bottleneck.Anomaly;
using Bottleneck.Data;
using Bottleneck.ModelFiles;
using Bottleneck.Models.Dense;
using Bottleneck.Models.Registry;
using Bottleneck.Tensors;
using Bottleneck.Tests.Data;
using Bottleneck.Training;

namespace Bottleneck.Tests.Anomaly;

/// <summary>
/// RobustMahalanobis against scikit-learn's ledoit_wolf and a NumPy transcription of its documented procedure
/// (Fixtures/sklearn/make_mahalanobis_fixtures.py), and the combined score of the unsupervised recipe (DistanceScore).
/// </summary>
public class DistanceScoreTests
{
    public static IEnumerable<object[]> Cases()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(SharedData.Fixture("sklearn", "mahalanobis_fixtures.json")));
        foreach (var c in doc.RootElement.GetProperty("cases").EnumerateArray()) yield return [c.GetProperty("name").GetString()!];
    }

    private static JsonElement Case(string name)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(SharedData.Fixture("sklearn", "mahalanobis_fixtures.json")));
        return doc.RootElement.GetProperty("cases").EnumerateArray().First(c => c.GetProperty("name").GetString() == name).Clone();
    }

    private static double[] Doubles(JsonElement e) => e.EnumerateArray().Select(v => v.GetDouble()).ToArray();
    private static float[] Floats(JsonElement e) => e.EnumerateArray().Select(v => (float)v.GetDouble()).ToArray();

    [Theory]
    [MemberData(nameof(Cases))]
    public void LedoitWolfMatchesScikitLearn(string name)
    {
        // Given float32 rows and sklearn's ledoit_wolf of them
        var c = Case(name);
        int d = c.GetProperty("features").GetInt32();
        // When the covariance is estimated
        var (mean, cov, shrinkage) = RobustMahalanobis.LedoitWolf(Floats(c.GetProperty("rows")), d);
        // Then mean, shrinkage and covariance agree to 1e-9
        Assert.Equal(c.GetProperty("lw_shrinkage").GetDouble(), shrinkage, 1e-9);
        var expectedMean = Doubles(c.GetProperty("lw_mean"));
        for (int j = 0; j < d; j++) Assert.Equal(expectedMean[j], mean[j], 1e-9);
        var expected = Doubles(c.GetProperty("lw_covariance"));
        for (int k = 0; k < expected.Length; k++) Assert.True(Math.Abs(expected[k] - cov[k]) <= 1e-9 * Math.Max(1, Math.Abs(expected[k])), $"entry {k}: {expected[k]} vs {cov[k]}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void RobustDistancesMatchTheReferenceProcedure(string name)
    {
        var c = Case(name);
        int d = c.GetProperty("features").GetInt32();
        var rows = Floats(c.GetProperty("rows"));
        var test = Floats(c.GetProperty("test"));
        var m = RobustMahalanobis.Fit(rows, d);
        foreach (var (x, key) in new[] { (rows, "train_d2"), (test, "test_d2") })
        {
            var expected = Doubles(c.GetProperty(key));
            var got = new float[expected.Length];
            m.Score(x, got);
            for (int i = 0; i < got.Length; i++)
                Assert.True(Math.Abs(expected[i] - got[i]) <= 1e-4 * Math.Max(1, expected[i]), $"{key}[{i}]: expected {expected[i]}, got {got[i]}");
        }
    }

    [Fact]
    public void PlantedOutliersHaveTheLargestDistances()
    {
        // Given correlated rows whose first 5 were moved far away (the fixture's first case)
        var c = Case("correlated_with_outliers");
        var rows = Floats(c.GetProperty("rows"));
        var m = RobustMahalanobis.Fit(rows, 5);
        var d2 = new float[rows.Length / 5];
        m.Score(rows, d2);
        // Then the 5 largest distances are theirs
        var top = Enumerable.Range(0, d2.Length).OrderByDescending(i => d2[i]).Take(5).Order();
        Assert.Equal([0, 1, 2, 3, 4], top);
    }

    [Fact]
    public void BadInputIsRefusedWithTheReason()
    {
        Assert.Contains("at least 2", Assert.Throws<ArgumentException>(() => RobustMahalanobis.Fit(new float[3], 3)).Message);
        Assert.Contains("whole number", Assert.Throws<ArgumentException>(() => RobustMahalanobis.Fit(new float[7], 3)).Message);
        Assert.Contains("NaN", Assert.Throws<ArgumentException>(() => RobustMahalanobis.Fit([1, 2, float.NaN, 4], 2)).Message);
    }

    private static (DenseAutoencoder Model, Dataset Train) Trained()
    {
        var rng = new Rng(3);
        int n = 200, d = 4;
        var x = new float[n * d];
        for (int i = 0; i < n; i++)
        {
            float a = rng.NextNormal(), b = rng.NextNormal();
            x[i * d] = a; x[i * d + 1] = a + 0.1f * b; x[i * d + 2] = b; x[i * d + 3] = 0.5f * a - b;
        }
        var train = new Dataset(x, n, d);
        var model = (DenseAutoencoder)ModelRegistry.Create(AnomalyDefaults.UnsupervisedArchitecture(d), new Rng(0));
        new Trainer(new TrainingOptions(epochs: 2, batchSize: 32, weightDecay: 1e-5f)).Fit(model, train);
        return (model, train);
    }

    [Fact]
    public void CombinedScoreIsTheMeanOfTheTwoZScoresAndItsContributionsSumToIt()
    {
        // Given a trained recipe model and its distance score fitted on the training rows
        var (model, train) = Trained();
        var scorer = new AnomalyScorer(model, ReconstructionError.Mae);
        var errors = scorer.Score(train);
        var distance = DistanceScore.Fit(scorer, train);
        var d2 = new float[train.Rows];
        RobustMahalanobis.FromState(distance.State.Mean, distance.State.Precision).Score(train.Features, d2);
        // When the scorer combines
        scorer.Distance = distance;
        Assert.True(scorer.Combined);
        var scores = new float[train.Rows];
        var contrib = new float[train.Features.Length];
        scorer.Score(train.Features, scores, contrib);
        // Then each score is ½(z_e + z_d), the training scores have mean 0, and each row's contributions sum to its score
        var (me, se) = Bottleneck.Models.ScoreEnsemble.Fit(errors);
        var (md, sd) = Bottleneck.Models.ScoreEnsemble.Fit(d2);
        for (int i = 0; i < train.Rows; i++)
        {
            double expected = 0.5 * ((errors[i] - me) / se + (d2[i] - md) / sd);
            Assert.Equal(expected, scores[i], 1e-4);
            Assert.Equal(scores[i], contrib.AsSpan(i * 4, 4).ToArray().Sum(), 1e-4);
        }
        Assert.Equal(0, scores.Average(), 1e-4);
        // and another error does not use it
        var mse = new AnomalyScorer(model, ReconstructionError.Mse) { Distance = distance };
        Assert.False(mse.Combined);
    }

    [Fact]
    public void TheModelFolderKeepsTheDistanceScoreAndDetectScoresWithIt()
    {
        using var dir = new TempDir();
        var (model, train) = Trained();
        var det = new AnomalyDetector(model, new Preprocessor(new PreprocessorState(ScalingKind.None, [], [])), error: ReconstructionError.Mae);
        det.Scorer.Distance = DistanceScore.Fit(det.Scorer, train);
        var th = det.FitThreshold(Threshold.Parse("contamination:0.1"), train);
        var expected = det.Score(train);
        ModelStore.Save(dir.File("m"), new SavedModel(model, new PreprocessorState(ScalingKind.None, [], []), null, [], null, "x")
            .WithAnomaly(th, null).WithDistanceScore(det.Scorer.Distance));

        var loaded = AnomalyDetector.Load(dir.File("m"));
        Assert.True(loaded.Scorer.Combined);
        Assert.Equal(expected, loaded.Score(train));
        Assert.Equal(th, loaded.Threshold);
        // a model folder whose distance entry has the wrong width is refused with the file's name
        var config = Path.Combine(dir.File("m"), ModelStore.ConfigFile);
        var text = File.ReadAllText(config);
        var bad = System.Text.RegularExpressions.Regex.Replace(text, "\"precision\":\\s*\\[[^\\]]*\\]", "\"precision\": [1, 0, 0, 1]");
        File.WriteAllText(config, bad);
        var e = Assert.Throws<Bottleneck.IO.ModelFileException>(() => AnomalyDetector.Load(dir.File("m")));
        Assert.Contains("config.json", e.Message);
    }

    [Fact]
    public void OnnxExportOfTheScorePartRefusesTheCombinedScore()
    {
        var (model, train) = Trained();
        var det = new AnomalyDetector(model, new Preprocessor(new PreprocessorState(ScalingKind.None, [], [])), error: ReconstructionError.Mae);
        det.Scorer.Distance = DistanceScore.Fit(det.Scorer, train);
        var th = det.FitThreshold(Threshold.Parse("p99"), train);
        var saved = new SavedModel(model, new PreprocessorState(ScalingKind.None, [], []), null, [], null, "x").WithAnomaly(th, null);
        Assert.NotEmpty(Bottleneck.Interop.OnnxExporter.Export(saved, Bottleneck.Interop.OnnxPart.Score));   // the plain mae score maps
        var e = Assert.Throws<Bottleneck.Interop.Onnx.OnnxExportException>(() =>
            Bottleneck.Interop.OnnxExporter.Export(saved.WithDistanceScore(det.Scorer.Distance), Bottleneck.Interop.OnnxPart.Score));
        Assert.Contains("Mahalanobis", e.Message);
    }
}
