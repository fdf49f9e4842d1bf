using System.Globalization;
using System.Text;
using System.Text.Json;
using Bottleneck.Tests.Data;
using Bottleneck.Tests.Reports;
using Bottleneck.Training;

namespace Bottleneck.Tests.Cli;

/// <summary>A small VAE on demo data (trained with --report) and a CSV anomaly detector, shared by the plot and report tests.</summary>
public sealed class ReportModelsFixture : IDisposable
{
    public TempDir Dir { get; } = new();
    public string Vae => Dir.File("vae");
    public string Detector => Dir.File("det");
    public string Csv { get; }
    public string TrainReport => Path.Combine(Dir.Path, "reports", "train-report.html");   // a folder that does not exist yet
    public string VaeOutput { get; }
    public string DetectorOutput { get; }

    public ReportModelsFixture()
    {
        var h = new CliHarness();
        int code = h.Run("train", "--kind", "vae", "--data", "demo:300", "--hidden", "32", "--latent", "4", "--epochs", "2", "--batch-size", "64",
            "--val-split", "0.1", "--out", Vae, "--report", TrainReport).GetAwaiter().GetResult();
        VaeOutput = $"exit {code}\n{h.Stdout}\n{h.Stderr}";

        // Tabular rows: normal ones on a line in 3-D, a few anomalies far off it.
        var rng = new Bottleneck.Tensors.Rng(5);
        var sb = new StringBuilder("a,b,c,label\n");
        string F(double v) => v.ToString("0.####", CultureInfo.InvariantCulture);
        for (int i = 0; i < 240; i++)
        {
            double t = rng.NextNormal();
            bool anomaly = i % 12 == 0;
            sb.Append(anomaly ? $"{F(t)},{F(-2 * t + 4)},{F(3 + rng.NextNormal())},attack\n" : $"{F(t)},{F(2 * t + 0.05 * rng.NextNormal())},{F(-t)},normal\n");
        }
        Csv = Dir.Write("net.csv", sb.ToString());
        h = new CliHarness();
        code = h.Run("train", "--data", $"csv:{Csv}:label=label", "--normal-only", "label=normal", "--epochs", "15", "--batch-size", "32",
            "--lr", "0.005", "--out", Detector).GetAwaiter().GetResult();
        DetectorOutput = $"exit {code}\n{h.Stdout}\n{h.Stderr}";
    }

    public void Dispose() => Dir.Dispose();
}

/// <summary>The collection that shares one <see cref="ReportModelsFixture"/> between the CLI and browser tests of the report.</summary>
[CollectionDefinition(Name)]
public sealed class ReportModelsCollection : ICollectionFixture<ReportModelsFixture>
{
    public const string Name = "report models";
}

[Collection(ReportModelsCollection.Name)]
public class CliReportTests(ReportModelsFixture f)
{
    [Fact]
    public void GivenTrainWithReport_TheModelFolderHoldsMetricsJsonlAndTheReportIsWritten()
    {
        Assert.True(f.VaeOutput.StartsWith("exit 0"), f.VaeOutput);
        Assert.Contains("metrics.jsonl (one JSON line per epoch)", f.VaeOutput);
        Assert.Contains("report      model, data, history, metrics, reconstructions, latent, generative", f.VaeOutput);
        var lines = File.ReadAllLines(Path.Combine(f.Vae, MetricsLog.FileName));
        Assert.Equal(2, lines.Length);
        var last = JsonDocument.Parse(lines[1]).RootElement;
        Assert.Equal(2, last.GetProperty("epoch").GetInt32());
        Assert.True(last.GetProperty("terms").TryGetProperty("kl", out _));
        Assert.True(last.TryGetProperty("validationLoss", out _));
        var html = File.ReadAllText(f.TrainReport);
        Assert.Contains("<section id=\"generative\">", html);
        Assert.DoesNotContain("http://", html);
        Assert.DoesNotContain("<script", html);
    }

    [Fact]
    public async Task GivenAnExistingModelFolderWithMetricsJsonl_RetrainingReplacesIt()
    {
        using var dir = new TempDir();
        var model = dir.File("m");
        var h = new CliHarness();
        Assert.Equal(0, await h.Run("train", "--data", "demo:200", "--hidden", "8", "--latent", "2", "--epochs", "2", "--out", model));
        h = new CliHarness();
        int code = await h.Run("train", "--data", "demo:200", "--hidden", "8", "--latent", "2", "--epochs", "1", "--out", model);
        Assert.True(code == 0, h.Stdout + h.Stderr);
        Assert.Single(File.ReadAllLines(Path.Combine(model, MetricsLog.FileName)));
    }

    public static IEnumerable<object[]> Plots() =>
    [
        ["history", "vae", ".png"], ["history", "vae", ".svg"], ["latent", "vae", ".png"], ["latent", "vae", ".svg"], ["units", "vae", ".png"],
        ["scores", "det", ".png"], ["scores", "det", ".svg"], ["roc", "det", ".png"], ["pr", "det", ".svg"],
    ];

    [Theory]
    [MemberData(nameof(Plots))]
    public async Task GivenASubject_PlotWritesANonBlankImageOfTheRequestedSize(string subject, string model, string ext)
    {
        Assert.True(f.DetectorOutput.StartsWith("exit 0"), f.DetectorOutput);
        using var dir = new TempDir();
        string output = dir.File(subject + ext);
        var args = new List<string> { "plot", subject, "--model", model == "vae" ? f.Vae : f.Detector, "--out", output, "--width", "700", "--height", "450" };
        if (model == "vae" && subject != "history") args.AddRange(["--data", "demo:300"]);
        var h = new CliHarness();

        int code = await h.Run([.. args]);

        Assert.True(code == 0, h.Stdout + h.Stderr);
        Assert.Contains($"written     {output} (700x450", h.Stdout);
        if (ext == ".png") FigureChecks.AssertPng(File.ReadAllBytes(output), 700, 450, subject);
        else FigureChecks.AssertSvg(File.ReadAllText(output), 700, 450, subject);
    }

    [Fact]
    public async Task GivenProjectionTsne_TheLatentMapAndTheReportUseTsne()
    {
        using var dir = new TempDir();
        var h = new CliHarness();
        int code = await h.Run("plot", "latent", "--model", f.Vae, "--data", "demo:300", "--projection", "tsne", "--out", dir.File("t.png"));
        Assert.True(code == 0, h.Stdout + h.Stderr);
        FigureChecks.AssertPng(File.ReadAllBytes(dir.File("t.png")), 800, 500, "t-SNE map");
        h = new CliHarness();
        code = await h.Run("report", "--model", f.Vae, "--data", "demo:300", "--projection", "tsne", "--out", dir.File("t.html"));
        Assert.True(code == 0, h.Stdout + h.Stderr);
        Assert.Contains("projected to 2-D by t-SNE", File.ReadAllText(dir.File("t.html")));
    }

    [Fact]
    public async Task GivenADetector_TheReportHasTheScoreHistogramRocAndPrecisionRecall()
    {
        using var dir = new TempDir();
        var output = dir.File("det.html");
        var h = new CliHarness();

        int code = await h.Run("report", "--model", f.Detector, "--out", output);

        Assert.True(code == 0, h.Stdout + h.Stderr);
        Assert.Contains("detector", h.Stdout);
        var html = File.ReadAllText(output);
        foreach (var alt in new[] { "anomaly score histogram", "ROC curve", "precision-recall curve", "loss curves by epoch", "latent map" })
            Assert.Contains($"alt=\"{alt}\"", html);
        Assert.Contains("ROC-AUC", html);
    }

    [Theory]
    [InlineData("report.txt", "--out must name an .html file")]
    [InlineData("", "--out needs a file name")]
    public async Task GivenABadReportPath_ReportFailsWithOneLine(string name, string message)
    {
        using var dir = new TempDir();
        var h = new CliHarness();
        h.AssertUsageError(await h.Run("report", "--model", f.Vae, "--out", name == "" ? " " : dir.File(name)), message);
    }

    [Fact]
    public async Task GivenMistakes_PlotFailsWithOneLineAndWritesNothing()
    {
        using var dir = new TempDir();
        var h = new CliHarness();
        h.AssertUsageError(await h.Run("plot", "history", "--model", f.Vae, "--out", dir.File("h.jpg")), "--out must name a .png or .svg file");
        h = new CliHarness();
        h.AssertUsageError(await h.Run("plot", "history", "--model", f.Vae, "--out", Path.Combine(f.Vae, "h.png")), "inside the model folder");
        h = new CliHarness();
        h.AssertUsageError(await h.Run("plot", "roc", "--model", f.Vae, "--data", "demo:300", "--out", dir.File("r.png")));
        h = new CliHarness();
        h.AssertUsageError(await h.Run("plot", "sideways", "--model", f.Vae, "--out", dir.File("s.png")), "sideways");
        h = new CliHarness();
        h.AssertUsageError(await h.Run("train", "--data", "demo:100", "--epochs", "1", "--out", dir.File("m"), "--report", dir.File("r.pdf")), "--report must name an .html file");
        Assert.Empty(Directory.GetFiles(dir.Path));
        Assert.False(Directory.Exists(dir.File("m")));
    }
}
