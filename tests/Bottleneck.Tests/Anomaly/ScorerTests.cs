using Bottleneck.Anomaly;
using Bottleneck.Data;
using Bottleneck.ModelFiles;
using Bottleneck.Models;
using Bottleneck.Models.Dense;
using Bottleneck.NN;
using Bottleneck.Tensors;
using Bottleneck.Tests.Data;
using Bottleneck.Training;
using Bottleneck.Models.Registry;

namespace Bottleneck.Tests.Anomaly;

public class ScorerTests
{
    private static DenseAutoencoder Tiny(Likelihood output, bool tied = false) =>
        new(new DenseConfig(3, [], 2, Activation.Relu, Activation.Identity, output, tiedWeights: tied), new Rng(7));

    private static float[] Rows => [0.1f, 0.9f, 0.4f, 1.0f, 0.0f, 0.5f, 0.3f, 0.3f, 0.8f];

    private static float[] HandLogits(DenseAutoencoder m, float[] x)
    {
        // shallow untied model: z = W1 x + b1, l = W2 z + b2
        var sd = m.StateDict().ToDictionary(e => e.Name, e => e.Value.ToArray());
        var w1 = sd["encoder.0.weight"]; var b1 = sd["encoder.0.bias"]; var w2 = sd["decoder.0.weight"]; var b2 = sd["decoder.0.bias"];
        var l = new float[x.Length];
        for (int r = 0; r < x.Length / 3; r++)
        {
            var z = new double[2];
            for (int k = 0; k < 2; k++) { z[k] = b1[k]; for (int j = 0; j < 3; j++) z[k] += w1[k * 3 + j] * x[r * 3 + j]; }
            for (int j = 0; j < 3; j++) { double v = b2[j]; for (int k = 0; k < 2; k++) v += w2[j * 2 + k] * z[k]; l[r * 3 + j] = (float)v; }
        }
        return l;
    }

    [Theory]
    [InlineData("linear-mse", ReconstructionError.Mse)]
    [InlineData("linear-mse", ReconstructionError.Mae)]
    [InlineData("tanh-mse", ReconstructionError.Mse)]
    [InlineData("sigmoid-bce", ReconstructionError.Bce)]
    [InlineData("sigmoid-bce", ReconstructionError.Mse)]
    public void ScoresEqualAHandComputationAndAttributionSumsToTheScore(string outputName, ReconstructionError error)
    {
        var output = Likelihood.Parse(outputName);
        var m = Tiny(output);
        var x = Rows;
        var l = HandLogits(m, x);
        var scorer = new AnomalyScorer(m, error);
        Assert.True(scorer.UsesFastPath);
        var scores = new float[3];
        var contrib = new float[9];
        scorer.Score(x, scores, contrib);
        for (int r = 0; r < 3; r++)
        {
            double sum = 0;
            for (int j = 0; j < 3; j++)
            {
                double xv = x[r * 3 + j], lv = l[r * 3 + j];
                double rec = output.Name switch { "sigmoid-bce" => 1 / (1 + Math.Exp(-lv)), "tanh-mse" => Math.Tanh(lv), _ => lv };
                sum += error switch
                {
                    ReconstructionError.Mse => (xv - rec) * (xv - rec),
                    ReconstructionError.Mae => Math.Abs(xv - rec),
                    _ => -(xv * Math.Log(rec) + (1 - xv) * Math.Log(1 - rec)),
                };
            }
            Assert.Equal(sum / 3, scores[r], 1e-5);
            Assert.Equal(scores[r], contrib.AsSpan(r * 3, 3).ToArray().Sum(), 1e-6);
        }
        Assert.Equal(ReconstructionError.Bce, AnomalyScorer.DefaultError(Likelihood.Bernoulli));
    }

    [Fact]
    public void GenericPathMatchesFastPath()
    {
        var tied = Tiny(Likelihood.Gaussian, tied: true);
        var s = new AnomalyScorer(tied);
        Assert.False(s.UsesFastPath);
        var untied = new DenseAutoencoder(new DenseConfig(3, [4], 2, Activation.Relu, Activation.Identity, Likelihood.Gaussian), new Rng(3));
        var fast = new AnomalyScorer(untied);
        var data = new Dataset(Rows, 3, 3);
        var viaTensors = new float[3];
        using (Bottleneck.Autograd.GradMode.NoGrad())
        {
            var rec = untied.Reconstruct(Tensor.FromArray(Rows, 3, 3)).ToArray();
            for (int r = 0; r < 3; r++) viaTensors[r] = Enumerable.Range(0, 3).Sum(j => (Rows[r * 3 + j] - rec[r * 3 + j]) * (Rows[r * 3 + j] - rec[r * 3 + j])) / 3;
        }
        var got = fast.Score(data);
        for (int r = 0; r < 3; r++) Assert.Equal(viaTensors[r], got[r], 1e-6);
        Assert.Equal(3, s.Score(data).Length);
        Assert.Throws<ArgumentException>(() => new AnomalyScorer(untied, ReconstructionError.Bce));
    }

    [Fact]
    public void TopContributionsAreSortedAndNamed()
    {
        var top = AnomalyScorer.TopContributions(new float[] { 0.1f, 0.5f, 0.05f, 0.3f }, 2);
        Assert.Equal([new FeatureContribution(1, 0.5f), new FeatureContribution(3, 0.3f)], top);
        var m = Tiny(Likelihood.Gaussian);
        var r = new AnomalyScorer(m).ScoreWithAttribution(new Dataset(Rows, 3, 3, featureNames: ["a", "b", "c"]), topK: 3);
        for (int i = 0; i < 3; i++) Assert.Equal(r.Scores[i], r.TopFeatures[i].Sum(t => t.Contribution), 1e-6);
        Assert.Equal("b", r.NameOf(1));
    }

    [Fact]
    public void StreamingOverCsvGivesTheInMemoryScores_AndModelFolderKeepsEncoderAndThreshold()
    {
        using var dir = new TempDir();
        var rng = new Rng(1);
        var sb = new System.Text.StringBuilder("x1,color,x2,label\n");
        string[] colors = ["red", "green", "blue"];
        for (int i = 0; i < 300; i++)
            sb.Append($"{rng.NextNormal():R},{colors[i % 3]},{rng.NextNormal() * 2:R},{(i % 50 == 0 ? 1 : 0)}\n");
        var trainPath = dir.Write("train.csv", sb.ToString());
        var testPath = dir.Write("test.csv", sb.ToString().Replace("blue", "purple"));
        var enc = TabularEncoder.Fit(trainPath, new TabularOptions(LabelColumn: "label"));
        var train = enc.Transform(trainPath);
        var model = (DenseAutoencoder)ModelRegistry.Create(AnomalyDefaults.DenseArchitecture(train.FeatureCount), new Rng(0));
        new Trainer(new TrainingOptions(epochs: 2, batchSize: 32)).Fit(model, train);
        var pre = Preprocessor.Fit(train, ScalingKind.None);
        var det = new AnomalyDetector(model, pre, enc);
        var th = det.FitThreshold(Threshold.Parse("p95"), train);

        ModelStore.Save(dir.File("model"), new SavedModel(model, pre.State, null, [], null, trainPath, enc.State).WithAnomaly(th, null));
        var loaded = AnomalyDetector.Load(dir.File("model"));
        Assert.Equal(th, loaded.Threshold);
        Assert.Equal(enc.FeatureNames, loaded.Tabular!.FeatureNames);

        var inMemory = loaded.Score(loaded.LoadCsv(testPath));
        var output = new StringWriter();
        var summary = loaded.ScoreCsv(testPath, output, new CsvScoringOptions(TopK: 2, ChunkRows: 7));
        // same scores; the matrix kernels may round differently for different block sizes, hence the 1e-6 relative tolerance
        Assert.Equal(inMemory.Length, summary.Scores!.Length);
        for (int i = 0; i < inMemory.Length; i++) Assert.Equal(inMemory[i], summary.Scores[i], 1e-6 * Math.Max(1, inMemory[i]));
        Assert.Equal(100, summary.Unseen!.UnseenByColumn["color"]);
        Assert.Equal(inMemory.Count(s => s > th.Value), summary.Flagged);
        Assert.NotNull(summary.RocAuc);
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("row,score,flagged,label,top_features", lines[0]);
        Assert.Equal(301, lines.Length);
        Assert.StartsWith("2,", lines[1]);

        // A structured sink sees the same rows the CSV writer formats, line for line.
        var sink = new CollectingSink();
        var again = loaded.ScoreCsvRows(testPath, sink, new CsvScoringOptions(TopK: 2, ChunkRows: 7));
        Assert.Equal(summary.Rows, again.Rows);
        Assert.Equal(lines[0], ScoresCsvWriter.Header(sink.Columns!));
        Assert.Equal(lines.Length - 1, sink.Rows.Count);
        for (int i = 0; i < sink.Rows.Count; i++) Assert.Equal(lines[i + 1].TrimEnd('\r'), ScoresCsvWriter.Line(sink.Rows[i], sink.Columns!));
        Assert.All(sink.Rows, r => Assert.Equal(2, r.TopFeatures!.Count));
        Assert.Equal(summary.Flagged, sink.Rows.Count(r => r.Flagged));
    }

    private sealed class CollectingSink : IScoredRowSink
    {
        public ScoreColumns? Columns { get; private set; }
        public List<ScoredRow> Rows { get; } = [];
        public void Begin(ScoreColumns columns) => Columns = columns;
        public void Add(in ScoredRow row) => Rows.Add(row);
    }

    [Fact]
    public void StreamingNumericCsvWithoutEncoderMatchesCsvLoader()
    {
        using var dir = new TempDir();
        var path = dir.Write("n.csv", "a,b,label\n1,2,0\n3,4,1\n5,7,0\n2.5,1,0\n");
        var raw = CsvLoader.Load(path, new CsvOptions("label"));
        var pre = Preprocessor.Fit(raw, ScalingKind.Standardize);
        var model = new DenseAutoencoder(new DenseConfig(2, [3], 1, output: Likelihood.Gaussian), new Rng(2));
        var det = new AnomalyDetector(model, pre);
        var expected = det.Score(det.Prepare(raw));
        var summary = det.ScoreCsv(path, output: null, new CsvScoringOptions(LabelColumn: "label", ChunkRows: 3));
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], summary.Scores![i], 1e-6 * Math.Max(1, expected[i]));
        Assert.Equal([0, 1, 0, 0], summary.Labels!);
    }

    [Fact]
    public void OldModelFoldersWithoutAnomalyEntriesStillLoad()
    {
        using var dir = new TempDir();
        var model = new DenseAutoencoder(new DenseConfig(2, [3], 1, output: Likelihood.Gaussian), new Rng(2));
        ModelStore.Save(dir.Path, new SavedModel(model, new PreprocessorState(ScalingKind.None, [], []), null, [], null, "x"));
        var text = File.ReadAllText(Path.Combine(dir.Path, ModelStore.ConfigFile));
        Assert.DoesNotContain("\"tabular\"", text);
        Assert.DoesNotContain("\"threshold\"", text);
        var loaded = ModelStore.Load(dir.Path);
        Assert.Null(loaded.Tabular);
        Assert.Null(loaded.Threshold);
    }

    [Fact]
    public void DefaultArchitectureRule()
    {
        Assert.Equal([9, 8, 2], AnomalyDefaults.DenseArchitecture(9).EncoderWidths());
        Assert.Equal([21, 11, 3], AnomalyDefaults.DenseArchitecture(21).EncoderWidths());
        Assert.Equal([33, 17, 4], AnomalyDefaults.DenseArchitecture(33).EncoderWidths());
        Assert.Equal([120, 60, 15], AnomalyDefaults.DenseArchitecture(120).EncoderWidths());
        Assert.Equal([274, 137, 32], AnomalyDefaults.DenseArchitecture(274).EncoderWidths());
        Assert.Equal([1000, 256, 32], AnomalyDefaults.DenseArchitecture(1000).EncoderWidths());
    }
}
