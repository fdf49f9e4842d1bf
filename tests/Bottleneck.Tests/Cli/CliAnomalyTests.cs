using System.Globalization;
using System.Text;
using System.Text.Json;
using Bottleneck.Anomaly;
using Bottleneck.Cli;
using Bottleneck.Cli.Commands;
using Bottleneck.Cli.Kinds;
using Bottleneck.Models.Dense;
using Bottleneck.Data;
using Bottleneck.ModelFiles;
using Bottleneck.Tests.Data;
using Bottleneck.Models;

namespace Bottleneck.Tests.Cli;

/// <summary>The anomaly-detection side of the CLI: train --normal-only, detect, evaluate's AUCs, and the user mistakes.</summary>
public class CliAnomalyTests
{
    private static readonly CliEnvironment Env = CliEnvironment.CreateCaptured(new StringWriter(), new StringWriter());

    private static System.CommandLine.ParseResult Parse(params string[] args)
    {
        var result = Bottleneck.Cli.Cli.CreateRootCommand(Env).Parse(args);
        Assert.True(result.Errors.Count == 0, string.Join("; ", result.Errors.Select(e => e.Message)));
        return result;
    }

    // ------------------------------------------------------------------ parsing

    [Fact]
    public void DetectDefaultsAndMapping()
    {
        Assert.Equal(new DetectSettings("m", "csv:x.csv", null, null, DetectCommand.DefaultTop, null, null, null),
            DetectCommand.Bind(Parse("detect", "--model", "m", "--data", "csv:x.csv")));
        Assert.Equal(new DetectSettings("m", "csv:x.csv:label=y", "contamination:0.05", "mae", 5, "y", "normal.", "s.csv"),
            DetectCommand.Bind(Parse("detect", "--model", "m", "--data", "csv:x.csv:label=y", "--threshold", "contamination:0.05", "--error", "MAE",
                "--top", "5", "--label", "y", "--normal", "normal.", "--out", "s.csv")));
        foreach (var t in new[] { "p99", "mean+3sd", "f1", "0.42" })
            Assert.Equal(t, DetectCommand.Bind(Parse("detect", "--model", "m", "--data", "demo", "--threshold", t)).Threshold);
    }

    [Fact]
    public void TrainAnomalyOptionsMap()
    {
        var s = TrainCommand.Bind(Parse("train", "--data", "csv:k.csv", "--normal-only", "label=normal.", "--categorical", "proto, flag",
            "--impute", "median", "--categorical-impute", "most-frequent", "--threshold", "mean+3sd", "--latent", "4"));
        Assert.Equal(new NormalLabel("label", "normal."), s.NormalOnly);
        Assert.Equal(["proto", "flag"], s.Tabular!.Categorical!);
        Assert.Equal((NumericImpute.Median, CategoricalImpute.MostFrequent), (s.Tabular.Impute, s.Tabular.CategoricalImpute));
        Assert.Equal("mean+3sd", s.Threshold);
        var a = Assert.IsType<DenseBinder.Settings>(s.Kind).Architecture;
        Assert.Equal((null, 4, null), (a.Hidden, a.Latent, a.Output));   // not given: the purpose decides

        var d = TrainCommand.Bind(Parse("train"));
        Assert.Null(d.NormalOnly);
        Assert.Null(d.Tabular);
        Assert.Null(d.Threshold);
        var mean = TrainCommand.Bind(Parse("train", "--impute", "mean")).Tabular!;
        Assert.Equal((null, NumericImpute.Mean, CategoricalImpute.None), (mean.Categorical, mean.Impute, mean.CategoricalImpute));
    }

    [Fact]
    public void AnomalyArchitectureFollowsTheDefaultRuleUnlessGiven()
    {
        var normalRows = new KindData([21], false, 10, TrainingPurpose.AnomalyNormalRows);
        var a = Assert.IsType<DenseConfig>(TrainCommand.Bind(Parse("train")).Kind.Build(normalRows));
        Assert.Equal([11], a.Hidden);
        Assert.Equal((3, Likelihood.Gaussian), (a.LatentDim, a.Output));
        var g = Assert.IsType<DenseConfig>(TrainCommand.Bind(Parse("train", "--hidden", "16", "--output", "tanh-mse")).Kind.Build(normalRows));
        Assert.Equal([16], g.Hidden);
        Assert.Equal((3, Likelihood.BoundedGaussian), (g.LatentDim, g.Output));
    }

    [Theory]
    [InlineData("pca", 21, 3)]
    [InlineData("linear", 21, 3)]
    [InlineData("pca", 300, 32)]
    public void TheAnomalyCodeWidthRuleAppliesToEveryKindUnlessACodeWidthIsGiven(string kind, int d, int code)
    {
        var normalRows = new KindData([d], false, 10, TrainingPurpose.AnomalyNormalRows);
        Assert.Equal(code, TrainCommand.Bind(Parse("train", "--kind", kind)).Kind.Build(normalRows).LatentDim);
        Assert.Equal(5, TrainCommand.Bind(Parse("train", "--kind", kind, "--latent", "5")).Kind.Build(normalRows).LatentDim);
        var reconstruction = new KindData([d], false, 10, TrainingPurpose.Reconstruction);
        Assert.Equal(Math.Min(32, d), TrainCommand.Bind(Parse("train", "--kind", kind)).Kind.Build(reconstruction).LatentDim);
    }

    [Theory]
    [InlineData("detect", "--model", "m", "--data", "demo", "--threshold", "p200", "Accepted forms")]
    [InlineData("detect", "--model", "m", "--data", "demo", "--threshold", "top5", "contamination:C")]
    [InlineData("detect", "--model", "m", "--data", "demo", "--error", "huber", "--error must be one of")]
    [InlineData("detect", "--model", "m", "--data", "demo", "--top", "-1", "--top must be >= 0")]
    [InlineData("train", "--threshold", "p0", "Accepted forms")]
    [InlineData("train", "--normal-only", "label", "COLUMN=VALUE")]
    [InlineData("train", "--impute", "zero", "--impute must be one of")]
    [InlineData("train", "--categorical-impute", "mode", "--categorical-impute must be one of")]
    public async Task BadAnomalyOptionsAreUsageErrors(params string[] argsAndFragment)
    {
        var h = new CliHarness();
        h.AssertUsageError(await h.Run(argsAndFragment[..^1]), argsAndFragment[^1]);
    }

    [Fact]
    public async Task DetectIsListedWithHelpAndExamples()
    {
        var h = new CliHarness();
        Assert.Equal(0, await h.Run());
        Assert.Contains("detect", h.Stdout);
        h = new CliHarness();
        Assert.Equal(0, await h.Run("detect", "--help"));
        foreach (var s in new[] { "bottleneck detect ", "--threshold", "--normal", "--top", "[default: 3]", "fitted at training time", "optimistic" })
            Assert.Contains(s, h.Stdout);
    }

    // ------------------------------------------------------------------ end to end on synthetic tabular data

    /// <summary>
    /// 400 normal rows (proto tcp/udp, three correlated numeric columns), then 12 attacks: 8 far off the normal manifold and 4 with
    /// an unseen protocol and broken correlations. Returns the CSV text and the 1-based file lines of the attacks.
    /// </summary>
    private static (string Csv, int[] AttackLines) SyntheticCsv()
    {
        var rng = new Random(7);
        double N() => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        var sb = new StringBuilder("proto,a,b,c,label\n");
        var attacks = new List<int>();
        int line = 1;
        string F(double v) => v.ToString("0.####", CultureInfo.InvariantCulture);
        for (int i = 0; i < 400; i++)
        {
            double a = N();
            string proto = a > 0 ? "tcp" : "udp";
            sb.Append($"{proto},{F(a)},{F(2 * a + 0.1 * N())},{F(-a + 0.1 * N())},normal\n");
            line++;
        }
        for (int i = 0; i < 12; i++)
        {
            line++;
            attacks.Add(line);
            if (i < 8) sb.Append($"tcp,{F(6 + N())},{F(-12 + N())},{F(9 + N())},attack\n");
            else sb.Append($"icmp,{F(3 + N())},{F(-6 + N())},{F(3 + N())},attack\n");
        }
        return (sb.ToString(), attacks.ToArray());
    }

    [Fact]
    public async Task TrainNormalOnlyThenDetectFlagsThePlantedOutliers()
    {
        using var dir = new TempDir();
        var (text, attackLines) = SyntheticCsv();
        var csv = dir.Write("net.csv", text);
        var model = dir.File("m");

        var h = new CliHarness();
        int code = await h.Run("train", "--data", $"csv:{csv}", "--normal-only", "label=normal", "--epochs", "40", "--batch-size", "32",
            "--lr", "0.005", "--out", model);
        Assert.True(code == 0, h.Stdout + h.Stderr);
        foreach (var s in new[] { "normal-only label=normal: 400 of 412 rows", "tabular", "dense 5-8-2-8-5", "linear-mse", "threshold   p99", "icmp" })
            Assert.Contains(s, h.Stdout);
        var saved = ModelStore.Load(model);
        Assert.NotNull(saved.Tabular);
        Assert.Equal("label", saved.Tabular!.LabelColumn);
        Assert.Equal(new NormalLabel("label", "normal"), saved.Normal);
        Assert.Equal("p99", saved.Threshold!.Rule);
        Assert.Equal(ScalingKind.None, saved.Preprocessing.Kind);

        h = new CliHarness();
        var scores = dir.File("scores.csv");
        code = await h.Run("detect", "--model", model, "--data", $"csv:{csv}", "--out", scores);
        Assert.True(code == 0, h.Stdout + h.Stderr);
        var lines = File.ReadAllLines(scores);
        Assert.Equal("row,score,flagged,label,top_features", lines[0]);
        Assert.Equal(413, lines.Length);
        var rows = lines.Skip(1).Select(l => l.Split(',')).ToDictionary(p => int.Parse(p[0], CultureInfo.InvariantCulture));
        foreach (var l in attackLines) Assert.True(rows[l][2] == "1", $"attack at line {l} not flagged: {string.Join(",", rows[l])}");
        Assert.True(rows.Values.Count(p => p[2] == "1" && p[3] == "normal") <= 12, "too many normal rows flagged");
        Assert.All(rows.Values, p => Assert.Equal(3, p[4].Split(';').Length));
        var auc = Metric(h.Stdout, "ROC-AUC");
        Assert.True(auc > 0.9, h.Stdout);
        foreach (var s in new[] { "rows", "412", "flagged", "p99", "training data", "unseen categories", "proto: 4 unseen", "PR-AUC", "precision", "recall",
                                  "confusion matrix", "actual anomaly", "written to" })
            Assert.Contains(s, h.Stdout);

        // Without --out: the 10 highest rows are printed, all of them attacks (the far ones).
        h = new CliHarness();
        Assert.Equal(0, await h.Run("detect", "--model", model, "--data", $"csv:{csv}", "--top", "1"));
        var printed = h.Stdout.Split('\n').SkipWhile(l => !l.StartsWith("row,score")).Skip(1).Where(l => l.Length > 0).ToList();
        Assert.Equal(10, printed.Count);
        Assert.All(printed, l => Assert.Contains(",attack,", l));

        // f1 on the scored data says it was fitted on the evaluated data.
        h = new CliHarness();
        Assert.Equal(0, await h.Run("detect", "--model", model, "--data", $"csv:{csv}", "--threshold", "f1"));
        Assert.Contains("the scored data itself", h.Stdout);
        Assert.Contains("optimistic", h.Stdout);

        // Evaluate reports the ranking metrics with the saved normal label, in the table and in JSON.
        h = new CliHarness();
        Assert.Equal(0, await h.Run("evaluate", "--model", model, "--data", $"csv:{csv}"));
        Assert.Contains("ROC-AUC", h.Stdout);
        Assert.Contains("PR-AUC", h.Stdout);
        h = new CliHarness();
        Assert.Equal(0, await h.Run("evaluate", "--model", model, "--data", $"csv:{csv}", "--json"));
        using var doc = JsonDocument.Parse(h.Stdout);
        Assert.True(doc.RootElement.GetProperty("rocAuc").GetDouble() > 0.9);
        Assert.InRange(doc.RootElement.GetProperty("prAuc").GetDouble(), 0.5, 1.0);
        Assert.Equal(12, doc.RootElement.GetProperty("anomalies").GetInt32());
        Assert.Equal("normal", doc.RootElement.GetProperty("normalLabel").GetString());
    }

    [Fact]
    public async Task EvaluateOnLabelledDataWithoutANormalValueSaysHowToGetTheAucs()
    {
        using var dir = new TempDir();
        var (text, _) = SyntheticCsv();
        var csv = dir.Write("net.csv", text);
        var model = dir.File("m");
        var h = new CliHarness();
        Assert.True(await h.Run("train", "--data", $"csv:{csv}:label=label", "--epochs", "2", "--output", "linear-mse", "--out", model) == 0, h.Stdout + h.Stderr);

        h = new CliHarness();
        Assert.Equal(0, await h.Run("evaluate", "--model", model, "--data", $"csv:{csv}:label=label"));
        Assert.Contains("add --normal VALUE", h.Stdout);
        Assert.DoesNotContain("ROC-AUC (", h.Stdout);

        h = new CliHarness();
        Assert.Equal(0, await h.Run("evaluate", "--model", model, "--data", $"csv:{csv}:label=label", "--normal", "normal"));
        Assert.Contains("ROC-AUC (mse score)", h.Stdout);
        Assert.Contains("anomalies (label != \"normal\")", h.Stdout);
        Assert.DoesNotContain("add --normal VALUE", h.Stdout);
    }

    [Fact]
    public void ContaminatedFillsInTheUnsupervisedRecipeWhereNothingWasGiven()
    {
        var recipe = new KindData([21], false, 10, TrainingPurpose.AnomalyContaminated);
        var s = TrainCommand.Bind(Parse("train", "--data", "csv:x.csv", "--contaminated"));
        Assert.True(s.Contaminated);
        var c = Assert.IsType<DenseConfig>(s.Kind.Build(recipe));
        Assert.Equal([AnomalyDefaults.UnsupervisedHidden], c.Hidden);
        Assert.Equal(AnomalyDefaults.UnsupervisedLatent, c.LatentDim);
        Assert.Equal(Likelihood.BoundedGaussian, c.Output);
        Assert.Equal(Bottleneck.NN.Activation.Relu, c.LatentActivation);
        Assert.Equal((0.2f, true), (c.Dropout, c.BatchNorm));
        Assert.Equal(AnomalyDefaults.UnsupervisedArchitecture(21), c);
        Assert.Equal((10, 32, 1e-5f), (s.Epochs, s.BatchSize, s.WeightDecay));
        Assert.Null(s.Scale);                                // the service standardizes non-tabular data
        Assert.Equal(0.0, s.ValSplit);
        Assert.Equal("contamination:0.1", s.Threshold);

        var given = TrainCommand.Bind(Parse("train", "--data", "csv:x.csv", "--contaminated", "--latent", "8", "--epochs", "20", "--batch-size", "64",
            "--output", "linear-mse", "--dropout", "0", "--scale", "minmax", "--latent-activation", "identity", "--threshold", "p95", "--val-split", "0.2"));
        var gc = Assert.IsType<DenseConfig>(given.Kind.Build(recipe));
        Assert.Equal([64], gc.Hidden);
        Assert.Equal(8, gc.LatentDim);
        Assert.Equal(Likelihood.Gaussian, gc.Output);
        Assert.Equal(Bottleneck.NN.Activation.Identity, gc.LatentActivation);
        Assert.Equal(0f, gc.Dropout);
        Assert.Equal((20, 64, 1e-5f), (given.Epochs, given.BatchSize, given.WeightDecay));
        Assert.Equal(ScalingKind.MinMax, given.Scale);
        Assert.Equal("p95", given.Threshold);
        Assert.Equal(0.2, given.ValSplit);

        // Not given on CSV rows with no architecture: assumed (CliAnomalyDefaultsTests); an architecture option keeps it off.
        Assert.False(TrainCommand.Bind(Parse("train", "--data", "csv:x.csv", "--latent", "4")).Contaminated);
    }

    [Fact]
    public async Task ContaminatedTrainingFlagsThePlantedOutliersItWasTrainedOn()
    {
        using var dir = new TempDir();
        var (text, attackLines) = SyntheticCsv();
        var csv = dir.Write("net.csv", text);
        var model = dir.File("m");
        var h = new CliHarness();
        int code = await h.Run("train", "--data", $"csv:{csv}:label=label", "--contaminated", "--epochs", "30", "--out", model);
        Assert.True(code == 0, h.Stdout + h.Stderr);
        foreach (var s in new[] { "recipe      unsupervised", "tanh-mse", "batch norm", "relu code", "mae+row-mahalanobis score", "412 train, 0 validation", "scaling none" })
            Assert.Contains(s, h.Stdout);
        Assert.DoesNotContain("default rule", h.Stdout);
        var saved = ModelStore.Load(model);
        var threshold = saved.Threshold!;
        Assert.Equal(ReconstructionError.Mae, threshold.Error);
        Assert.Equal("contamination:0.1", threshold.Rule);
        Assert.Null(saved.Normal);

        h = new CliHarness();
        Assert.Equal(0, await h.Run("evaluate", "--model", model, "--data", $"csv:{csv}:label=label", "--normal", "normal", "--json"));
        using var doc = JsonDocument.Parse(h.Stdout);
        Assert.Equal("mae+row-mahalanobis", doc.RootElement.GetProperty("anomalyScore").GetString());
        Assert.True(doc.RootElement.GetProperty("rocAuc").GetDouble() > 0.9, h.Stdout);

        // detect with the saved threshold (contamination:0.1 of the training rows) flags every planted attack.
        h = new CliHarness();
        var scores = dir.File("scores.csv");
        Assert.True(await h.Run("detect", "--model", model, "--data", $"csv:{csv}:label=label", "--normal", "normal", "--out", scores) == 0, h.Stdout + h.Stderr);
        var rows = File.ReadAllLines(scores).Skip(1).Select(l => l.Split(',')).ToDictionary(p => int.Parse(p[0], CultureInfo.InvariantCulture));
        foreach (var l in attackLines) Assert.True(rows[l][2] == "1", $"attack at line {l} not flagged: {string.Join(",", rows[l])}");
        int flagged = rows.Values.Count(p => p[2] == "1");
        Assert.InRange(flagged, attackLines.Length, 60);   // about 10% of 412 rows
    }

    [Fact]
    public async Task ContaminatedConflictsAreUsageErrors()
    {
        using var dir = new TempDir();
        var cases = new (string[] Args, string Message)[]
        {
            (["--normal-only", "label=0"], "exclude each other"),
            (["--kind", "sparse"], "does not combine with --kind sparse"),
            (["--threshold", "f1"], "fit f1 when scoring"),
        };
        foreach (var (extra, message) in cases)
        {
            var h = new CliHarness();
            var outDir = dir.File("never-" + extra[0].TrimStart('-'));
            Assert.Equal(2, await h.Run(["train", "--contaminated", "--out", outDir, .. extra]));
            Assert.Contains(message, h.Stderr);
            Assert.False(Directory.Exists(outDir), "a usage error must not create the model folder");
        }
    }

    [Fact]
    public async Task ThresholdF1NeedsLabelledAnomaliesAndSaysWhereItWasFitted()
    {
        using var dir = new TempDir();
        var csv = dir.Write("t.csv", "a,b,label\n" + string.Concat(Enumerable.Range(0, 40).Select(i => $"{i % 7},{i % 5},{(i % 10 == 0 ? 1 : 0)}\n")));

        // Without a normal label there are no known anomalies: a usage error before any training or folder.
        var h = new CliHarness();
        var never = dir.File("never");
        Assert.Equal(2, await h.Run("train", "--data", $"csv:{csv}", "--threshold", "f1", "--epochs", "1", "--out", never));
        Assert.Contains("--threshold: threshold rule f1 needs labelled anomalies", h.Stderr);
        Assert.DoesNotContain("epoch", h.Stdout);
        Assert.False(Directory.Exists(never), "a usage error must not create the model folder");

        // With one, f1 is fitted on every row of the file (4 of its 40 rows are anomalies), and the output says so.
        h = new CliHarness();
        Assert.True(await h.Run("train", "--data", $"csv:{csv}", "--normal-only", "label=0", "--threshold", "f1", "--epochs", "1", "--out", dir.File("m")) == 0, h.Stderr);
        Assert.Contains("fitted on every row of the labelled training file (40 rows, 4 anomalies;", h.Stdout);
    }

    /// <summary>The value after a "NAME  value" summary line.</summary>
    private static double Metric(string stdout, string name)
    {
        var line = stdout.Split('\n').First(l => l.StartsWith(name + " "));
        return double.Parse(line[name.Length..].Trim(), CultureInfo.InvariantCulture);
    }

    [SkippableFact]
    public async Task RealDataCardioNormalOnly()
    {
        var path = SharedData.Find("odds/cardio.csv");
        Skip.If(path is null, "ODDS data not found (../shared/data/odds)");
        using var dir = new TempDir();
        var h = new CliHarness();
        int code = await h.Run("train", "--data", $"csv:{path}:label=label", "--normal-only", "label=0", "--epochs", "3", "--batch-size", "32",
            "--out", dir.File("m"));
        Assert.True(code == 0, h.Stdout + h.Stderr);
        Assert.Contains("dense 21-11-3-11-21", h.Stdout);
        h = new CliHarness();
        code = await h.Run("detect", "--model", dir.File("m"), "--data", $"csv:{path}:label=label", "--normal", "0", "--out", dir.File("s.csv"));
        Assert.True(code == 0, h.Stdout + h.Stderr);
        Assert.Equal(1832, File.ReadAllLines(dir.File("s.csv")).Length);
        Assert.True(Metric(h.Stdout, "ROC-AUC") > 0.7, h.Stdout);
        Assert.Contains("176 anomalies", h.Stdout);
    }

    // ------------------------------------------------------------------ user mistakes

    [Fact]
    public async Task NormalOnlyWithAMissingColumnNamesIt()
    {
        using var dir = new TempDir();
        var csv = dir.Write("x.csv", "a,b,label\n1,2,0\n2,3,0\n3,4,1\n");
        var h = new CliHarness();
        h.AssertUsageError(await h.Run("train", "--data", $"csv:{csv}", "--normal-only", "class=0", "--epochs", "1", "--out", dir.File("m")),
            "--normal-only column \"class\" not found", "\"label\"");
        h = new CliHarness();
        h.AssertUsageError(await h.Run("train", "--data", $"csv:{csv}", "--normal-only", "label=7", "--epochs", "1", "--out", dir.File("m")),
            "no row has label = \"7\"", "\"0\"");
    }

    [Fact]
    public async Task MissingValueWithoutImputationNamesRowAndColumn()
    {
        using var dir = new TempDir();
        var csv = dir.Write("x.csv", "proto,a,b,label\ntcp,1,2,0\nudp,2,,0\ntcp,3,4,0\nudp,4,5,1\n");
        var h = new CliHarness();
        h.AssertUsageError(await h.Run("train", "--data", $"csv:{csv}", "--normal-only", "label=0", "--epochs", "1", "--out", dir.File("m")),
            "missing value at row 3", "column \"b\"", "imputation");

        h = new CliHarness();
        int code = await h.Run("train", "--data", $"csv:{csv}", "--normal-only", "label=0", "--impute", "mean", "--epochs", "1", "--val-split", "0",
            "--out", dir.File("m"));
        Assert.True(code == 0, h.Stdout + h.Stderr);
        Assert.Equal(NumericImpute.Mean, ModelStore.Load(dir.File("m")).Tabular!.Impute);
    }

    [Fact]
    public async Task DetectBadThresholdListsTheAcceptedForms()
    {
        var h = new CliHarness();
        h.AssertUsageError(await h.Run("detect", "--model", "nowhere", "--data", "demo:5", "--threshold", "mean+sd"), Threshold.AcceptedForms);
    }

    [Fact]
    public async Task F1WithoutLabelsIsAUsageError()
    {
        using var dir = new TempDir();
        var (text, _) = SyntheticCsv();
        var csv = dir.Write("net.csv", text);
        var unlabelled = dir.Write("u.csv", string.Join("\n", text.Split('\n').Select(l => l.Length == 0 ? l : l[..l.LastIndexOf(',')])));
        var h = new CliHarness();
        Assert.Equal(0, await h.Run("train", "--data", $"csv:{csv}", "--normal-only", "label=normal", "--epochs", "1", "--out", dir.File("m")));
        h = new CliHarness();
        h.AssertUsageError(await h.Run("detect", "--model", dir.File("m"), "--data", $"csv:{unlabelled}", "--threshold", "f1"), "--threshold f1 needs labels");
        h = new CliHarness();
        Assert.Equal(0, await h.Run("detect", "--model", dir.File("m"), "--data", $"csv:{unlabelled}"));
        Assert.Contains("labels", h.Stdout);
        Assert.DoesNotContain(h.Stdout.Split('\n'), l => l.StartsWith("ROC-AUC"));
    }

    [Fact]
    public async Task DetectScoresNonCsvDataInMemoryAndFitsP99OnTheTrainingRowsWhenNoThresholdIsSaved()
    {
        using var dir = new TempDir();
        var h = new CliHarness();
        Assert.Equal(0, await h.Run("train", "--data", "demo:200", "--hidden", "8", "--latent", "2", "--epochs", "1", "--val-split", "0", "--out", dir.File("m")));
        Assert.Null(ModelStore.Load(dir.File("m")).Threshold);
        h = new CliHarness();
        int code = await h.Run("detect", "--model", dir.File("m"), "--data", "demo:30", "--normal", "3", "--out", dir.File("s.csv"));
        Assert.True(code == 0, h.Stdout + h.Stderr);
        var lines = File.ReadAllLines(dir.File("s.csv"));
        Assert.Equal("row,score,flagged,label,top_features", lines[0]);
        Assert.Equal(31, lines.Length);
        Assert.Equal(Enumerable.Range(1, 30).Select(i => i.ToString(CultureInfo.InvariantCulture)), lines.Skip(1).Select(l => l.Split(',')[0]));
        foreach (var s in new[] { "no saved threshold", "training data (demo:200, 200 rows", "bce score", "normal = \"3\"", "ROC-AUC" })
            Assert.Contains(s, h.Stdout);
    }
}
