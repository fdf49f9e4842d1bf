using System.Text.Json;
using Bottleneck.Data;
using Bottleneck.Evaluation;
using Bottleneck.ModelFiles;
using Bottleneck.Tests.Data;

namespace Bottleneck.Tests.Cli;

/// <summary><c>evaluate --latent-metrics</c>: the embedding metrics in the table and the JSON, and the user mistake of unlabelled data.</summary>
public class CliLatentMetricsTests(TrainedModelFixture model) : IClassFixture<TrainedModelFixture>
{
    [Fact]
    public async Task EvaluateJson_WithLatentMetrics_WritesTheLibrarysFigures()
    {
        // Given the demo model and 300 labelled demo test rows
        var h = new CliHarness();
        // When evaluate runs with --latent-metrics --json
        Assert.Equal(0, await h.Run("evaluate", "--model", model.ModelDir, "--data", "demo:300", "--latent-metrics", "--json"));
        using var doc = JsonDocument.Parse(h.Stdout);
        var json = doc.RootElement;
        // Then the five members hold what the library computes on the model's codes of the same rows
        var saved = ModelStore.Load(model.ModelDir);
        var data = DataSpec.Parse("demo:300").Load("test");
        var expected = LatentMetrics.Evaluate(saved.Model, data);
        Assert.Equal(expected.Silhouette, json.GetProperty("silhouette").GetDouble(), 1e-12);
        Assert.Equal(expected.Nmi, json.GetProperty("nmi").GetDouble(), 1e-12);
        Assert.Equal(expected.Ari, json.GetProperty("ari").GetDouble(), 1e-12);
        Assert.Equal(expected.KnnAccuracy, json.GetProperty("knnAccuracy").GetDouble(), 1e-12);
        Assert.Equal(expected.LinearProbeAccuracy, json.GetProperty("linearProbeAccuracy").GetDouble(), 1e-12);
        Assert.InRange(expected.KnnAccuracy, 0.0, 1.0);
        Assert.InRange(expected.Silhouette, -1.0, 1.0);
    }

    [Fact]
    public async Task EvaluateTable_WithLatentMetrics_ShowsTheRows_AndWithoutTheFlagOmitsThem()
    {
        var h = new CliHarness();
        Assert.Equal(0, await h.Run("evaluate", "--model", model.ModelDir, "--data", "demo:200", "--latent-metrics"));
        foreach (var s in new[] { "silhouette of the", "NMI, k-means", "ARI, k-means", "kNN accuracy", "linear-probe accuracy" })
            Assert.Contains(s, h.Stdout);
        h = new CliHarness();
        Assert.Equal(0, await h.Run("evaluate", "--model", model.ModelDir, "--data", "demo:200", "--json"));
        using var doc = JsonDocument.Parse(h.Stdout);
        Assert.False(doc.RootElement.TryGetProperty("knnAccuracy", out _));
    }

    [Fact]
    public async Task Evaluate_WithLatentMetricsOnUnlabelledData_IsAUserError()
    {
        // Given a model trained on an unlabelled CSV
        using var dir = new TempDir();
        var random = new Random(0);
        File.WriteAllLines(dir.File("x.csv"), ["a,b,c,d", .. Enumerable.Range(0, 40).Select(_ =>
            string.Join(",", Enumerable.Range(0, 4).Select(_ => random.NextDouble().ToString("0.0000", System.Globalization.CultureInfo.InvariantCulture))))]);
        var h = new CliHarness();
        Assert.Equal(0, await h.Run("train", "--kind", "dense", "--data", $"csv:{dir.File("x.csv")}", "--epochs", "1", "--latent", "2", "--out", dir.File("m")));
        // When evaluate asks for the embedding metrics, Then one error line names the data and the option, exit code 2
        h = new CliHarness();
        int code = await h.Run("evaluate", "--model", dir.File("m"), "--data", $"csv:{dir.File("x.csv")}", "--latent-metrics");
        h.AssertUsageError(code, "x.csv", "--latent-metrics needs labelled data");
    }
}
