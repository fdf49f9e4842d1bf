using System.Globalization;
using Bottleneck.Anomaly;
using Bottleneck.MLNet;
using Bottleneck.Tests.Cli;
using Bottleneck.Tests.Data;
using Microsoft.ML;
using Microsoft.ML.Data;
using Xunit.Abstractions;

namespace Bottleneck.Tests.MLNet;

/// <summary>
/// The ML.NET estimator on real data (ODDS cardio, 1831 rows × 21 features, 176 anomalies): fitted on the normal rows inside an
/// ML.NET pipeline, it must give the model <c>bottleneck train --normal-only label=0</c> gives on the same file — the same score per
/// row, so the same ROC-AUC — and survive a save/load round trip through one ML.NET model file.
/// </summary>
public class BottleneckAutoencoderTests(ITestOutputHelper output)
{
    /// <summary>Cardio through ML.NET's own text loader: Features = the 21 feature columns, Label = 1 for an anomaly.</summary>
    private static IDataView LoadCardio(MLContext ml, string path) => ml.Data.LoadFromTextFile(path,
    [
        new TextLoader.Column("Features", DataKind.Single, 0, 20),
        new TextLoader.Column("Label", DataKind.Single, 21),
    ], separatorChar: ',', hasHeader: true);

    private static double Metric(string stdout, string name)
    {
        var line = stdout.Split('\n').First(l => l.StartsWith(name + " ", StringComparison.Ordinal));
        return double.Parse(line[name.Length..].Trim(), CultureInfo.InvariantCulture);
    }

    [SkippableFact]
    public async Task APipelineOnCardioScoresEveryRowAsTheCliDoesAndRoundTripsThroughTheModelFile()
    {
        var path = SharedData.Find("odds/cardio.csv");
        Skip.If(path is null, "ODDS data not found (../shared/data/odds)");
        using var dir = new TempDir();

        // Given the CLI's model and scores: train on the normal rows (label 0), defaults throughout; detect on every row.
        var h = new CliHarness();
        Assert.True(await h.Run("train", "--data", $"csv:{path}:label=label", "--normal-only", "label=0", "--out", dir.File("cli")) == 0, h.Stdout + h.Stderr);
        h = new CliHarness();
        Assert.True(await h.Run("detect", "--model", dir.File("cli"), "--data", $"csv:{path}:label=label", "--normal", "0", "--out", dir.File("scores.csv")) == 0,
            h.Stdout + h.Stderr);
        double cliAuc = Metric(h.Stdout, "ROC-AUC");
        var cliScores = File.ReadLines(dir.File("scores.csv")).Skip(1)
            .Select(l => float.Parse(l.Split(',')[1], CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(1831, cliScores.Length);

        // When an ML.NET pipeline fits the estimator on the same normal rows and transforms every row.
        var ml = new MLContext(seed: 0);
        var all = LoadCardio(ml, path!);
        var normal = ml.Data.FilterRowsByColumn(all, "Label", upperBound: 0.5);
        var pipeline = ml.Transforms.BottleneckAutoencoder();
        var model = pipeline.Fit(normal);
        var scored = model.Transform(all);

        // Then the columns are there, named as ML.NET's anomaly detectors name theirs, and every score is the CLI's.
        Assert.Equal(new VectorDataViewType(NumberDataViewType.Single, 0).ItemType, ((VectorDataViewType)scored.Schema["Code"].Type).ItemType);
        Assert.Equal(NumberDataViewType.Single, scored.Schema["Score"].Type);
        Assert.Equal(BooleanDataViewType.Instance, scored.Schema["PredictedLabel"].Type);
        var scores = scored.GetColumn<float>("Score").ToArray();
        var labels = scored.GetColumn<float>("Label").Select(l => l > 0.5f ? 1 : 0).ToArray();
        var codes = scored.GetColumn<float[]>("Code").ToArray();
        var flags = scored.GetColumn<bool>("PredictedLabel").ToArray();
        Assert.Equal(1831, scores.Length);
        Assert.Equal(176, labels.Sum());
        Assert.All(codes, c => Assert.Equal(3, c.Length));   // cardio D = 21 → code clamp(round(21/8), 2, 32) = 3
        for (int i = 0; i < scores.Length; i++)
            Assert.True(Math.Abs(scores[i] - cliScores[i]) <= 1e-5 * Math.Max(1, Math.Abs(cliScores[i])), $"row {i}: ML.NET {scores[i]} vs CLI {cliScores[i]}");
        double auc = AnomalyMetrics.RocAuc(scores, labels);
        output.WriteLine($"cardio ROC-AUC: ML.NET pipeline {auc:F6}, CLI train+detect {cliAuc} (printed); largest score difference {scores.Zip(cliScores, (a, b) => Math.Abs(a - b)).Max():G3}");
        Assert.Equal(cliAuc, auc, 3);   // the CLI prints three decimals
        Assert.True(auc > 0.7, $"ROC-AUC {auc}");
        var threshold = model.Threshold;
        Assert.Equal(scores.Select(s => s > threshold), flags);
        // Its flags are those of the threshold the CLI saved (p99 of the training errors).
        var cliThreshold = Bottleneck.ModelFiles.ModelStore.Load(dir.File("cli")).Threshold!.Value;
        Assert.Equal(cliThreshold, threshold, 1e-5 * Math.Max(1, Math.Abs(cliThreshold)));

        // ML.NET's own evaluator reads the columns as they are (Label: 1 = anomaly).
        var metrics = ml.AnomalyDetection.Evaluate(scored);
        Assert.Equal(auc, metrics.AreaUnderRocCurve, 6);

        // Saved and loaded as one ML.NET model file: the same scores, codes and flags.
        string file = dir.File("pipeline.zip");
        ml.SaveWithBottleneck(model, all.Schema, file);
        var ml2 = new MLContext(seed: 1);
        var loaded = ml2.LoadWithBottleneck(file, out var schema);
        Assert.Equal(all.Schema.Select(c => c.Name), schema.Select(c => c.Name));
        var again = loaded.Transform(LoadCardio(ml2, path!));
        Assert.Equal(scores, again.GetColumn<float>("Score").ToArray());
        Assert.Equal(flags, again.GetColumn<bool>("PredictedLabel").ToArray());
        Assert.Equal(codes.SelectMany(c => c), again.GetColumn<float[]>("Code").SelectMany(c => c));
        // A loaded pipeline saves again, with its weights.
        ml2.SaveWithBottleneck(loaded, schema, dir.File("again.zip"));
        var third = new MLContext(seed: 2).LoadWithBottleneck(dir.File("again.zip"), out _);
        Assert.Equal(scores, third.Transform(LoadCardio(ml2, path!)).GetColumn<float>("Score").ToArray());

        // ML.NET's plain Load of the file cannot read the weights: it fails, naming the call to use.
        var ml3 = new MLContext();
        ml3.ComponentCatalog.RegisterAssembly(typeof(BottleneckAutoencoderTransformer).Assembly);
        Assert.Contains("LoadWithBottleneck", Flatten(Assert.ThrowsAny<Exception>(() => ml3.Model.Load(file, out _))));
        // A file whose model folders were removed is refused when loaded, not run with missing weights.
        using (var zip = System.IO.Compression.ZipFile.Open(file, System.IO.Compression.ZipArchiveMode.Update))
            foreach (var entry in zip.Entries.Where(en => en.FullName.StartsWith(BottleneckModelOperations.EntryPrefix, StringComparison.Ordinal)).ToList()) entry.Delete();
        Assert.Contains("more Bottleneck autoencoder entries in its pipeline than model folders", Flatten(Assert.ThrowsAny<Exception>(() => new MLContext().LoadWithBottleneck(file, out _))));
        Assert.Throws<FileNotFoundException>(() => new MLContext().LoadWithBottleneck(dir.File("none.zip"), out _));

        // ML.NET's plain Save would write a file without the weights: refused with the call to use instead.
        var e = Assert.ThrowsAny<Exception>(() => ml.Model.Save(model, all.Schema, dir.File("plain.zip")));
        Assert.Contains("SaveWithBottleneck", Flatten(e));
        Assert.False(File.Exists(dir.File("plain.zip")) && new FileInfo(dir.File("plain.zip")).Length > 0 && CanLoad(dir.File("plain.zip")));
    }

    private static string Flatten(Exception e) => e.InnerException is null ? e.Message : e.Message + " | " + Flatten(e.InnerException);

    private static bool CanLoad(string file)
    {
        try { new MLContext().LoadWithBottleneck(file, out _); return true; }
        catch (Exception) { return false; }
    }

    private sealed class Row
    {
        [VectorType(4)] public float[] Features { get; set; } = [];
        public float Other { get; set; }
    }

    private static IDataView Small(MLContext ml, int rows, float poison = 0f) => ml.Data.LoadFromEnumerable(
        Enumerable.Range(0, rows).Select(i => new Row { Features = [i % 7, (i * 3) % 5, i == rows - 1 ? poison : 1f, (i % 2) * 2f], Other = i }).ToList());

    [Fact]
    public void TheEstimatorNamesWhatIsWrongWithItsInput()
    {
        var ml = new MLContext(seed: 0);
        var estimator = ml.Transforms.BottleneckAutoencoder(new BottleneckAutoencoderOptions { Epochs = 1 });

        // Given a view without a Features column, one whose Features is not a float vector, and one with a NaN.
        var noFeatures = ml.Transforms.CopyColumns("Input", "Features").Append(ml.Transforms.DropColumns("Features")).Fit(Small(ml, 8)).Transform(Small(ml, 8));
        var e = Assert.Throws<ArgumentException>(() => estimator.Fit(noFeatures));
        Assert.Contains("no Features column", e.Message);
        Assert.Contains("Input", e.Message);
        var scalar = ml.Transforms.CopyColumns("Features", "Other").Fit(Small(ml, 8)).Transform(Small(ml, 8));
        e = Assert.Throws<ArgumentException>(() => estimator.Fit(scalar));
        Assert.Contains("must be a vector of floats of known size, got Single", e.Message);
        e = Assert.Throws<ArgumentException>(() => estimator.Fit(Small(ml, 8, float.NaN)));
        Assert.Contains("NaN at row 7, feature 2", e.Message);

        // Options out of range are refused when the estimator is made, naming the option.
        Assert.Contains("epochs", Assert.ThrowsAny<ArgumentException>(() => ml.Transforms.BottleneckAutoencoder(new BottleneckAutoencoderOptions { Epochs = 0 })).Message);
        Assert.Contains("needs labelled anomalies", Assert.Throws<ArgumentException>(() => ml.Transforms.BottleneckAutoencoder(new BottleneckAutoencoderOptions { Threshold = "f1" })).Message);
        Assert.Contains("BottleneckAutoencoderOptions.Threshold: invalid threshold \"p200\"", Assert.Throws<ArgumentException>(() => ml.Transforms.BottleneckAutoencoder(new BottleneckAutoencoderOptions { Threshold = "p200" })).Message);
        var wrongWidth = new BottleneckAutoencoderOptions { Config = new Bottleneck.Models.Dense.DenseConfig(5, [4], 2), Epochs = 1 };
        Assert.Contains("InputDim 5", Assert.Throws<ArgumentException>(() => ml.Transforms.BottleneckAutoencoder(wrongWidth).Fit(Small(ml, 8))).Message);
    }

    [Fact]
    public void InAPipelineTheTransformAddsCodeScoreAndPredictedLabel()
    {
        var ml = new MLContext(seed: 0);
        var data = Small(ml, 40);
        var estimator = ml.Transforms.BottleneckAutoencoder(new BottleneckAutoencoderOptions { Epochs = 2, Config = new Bottleneck.Models.Dense.DenseConfig(4, [3], 2) });
        // As one step of an ML.NET pipeline.
        var transformer = ml.Transforms.Concatenate("Features", "Features").Append(estimator).Fit(data);
        var schema = transformer.GetOutputSchema(data.Schema);
        Assert.Equal(new[] { "Code", "Score", "PredictedLabel" }, schema.Select(c => c.Name).TakeLast(3));
        Assert.Contains("Other", schema.Select(c => c.Name));
        Assert.Equal(NumberDataViewType.Single, ((VectorDataViewType)schema["Code"].Type).ItemType);
        Assert.Equal(NumberDataViewType.Single, schema["Score"].Type);
        Assert.Equal(BooleanDataViewType.Instance, schema["PredictedLabel"].Type);
        var scored = transformer.Transform(data);
        Assert.All(scored.GetColumn<float[]>("Code"), c => Assert.Equal(2, c.Length));
        // p99 of the training errors: at most 1% of the training rows (36 of 40 after the 10% split) lie above it, so at most one row.
        Assert.InRange(scored.GetColumn<bool>("PredictedLabel").Count(f => f), 0, 2);
        Assert.Equal(40, scored.GetColumn<float>("Other").Count());   // the input columns pass through
        // The prediction engine (one row at a time) gives the same score as the batch transform.
        var engine = ml.Model.CreatePredictionEngine<Row, AutoencoderOutputRow>(transformer);
        var first = engine.Predict(new Row { Features = [0, 0, 1, 0] });
        Assert.Equal(scored.GetColumn<float>("Score").First(), first.Score);
    }

    [Fact]
    public void AnyRegisteredKindFitsThroughItsConfig()
    {
        // Given a variational config instead of the dense default: its kind's fit procedure trains it and the scorer uses its error.
        var ml = new MLContext(seed: 0);
        var data = Small(ml, 60);
        var config = new Bottleneck.Models.Variational.VariationalConfig(4, [8], 2);
        var transformer = ml.Transforms.BottleneckAutoencoder(new BottleneckAutoencoderOptions { Config = config, Epochs = 2 }).Fit(data);
        Assert.Equal("vae", transformer.Model.Model.Config.Kind);
        var scored = transformer.Transform(data);
        Assert.All(scored.GetColumn<float>("Score"), s => Assert.True(float.IsFinite(s)));
        Assert.All(scored.GetColumn<float[]>("Code"), c => Assert.Equal(2, c.Length));
    }
}
