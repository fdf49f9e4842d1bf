using System.Globalization;
using System.Text.Json;
using Bottleneck.Anomaly;
using Bottleneck.ModelFiles;
using Bottleneck.Tests.Cli;
using Bottleneck.Tests.Data;

namespace Bottleneck.Tests.ModelFiles;

/// <summary>
/// Model folders written by the release that wrote format version 1 (Fixtures/v1-models, made by its CLI with make.sh) still
/// load with today's code and give the same codes, reconstructions and anomaly scores as that release wrote.
/// </summary>
public class FormatVersion1Tests
{
    private static readonly string Root = Path.Combine(AppContext.BaseDirectory, "Fixtures", "v1-models");

    private static string Model(string name) => Path.Combine(Root, "models", name);
    private static string Expected(string file) => Path.Combine(Root, "expected", file);
    private static string Input(string file) => Path.Combine(Root, file);

    public static TheoryData<string, string, string> NumericModels() => new()
    {
        { "dense", "dense", "numeric.csv" },
        { "tied-batchnorm", "dense", "numeric.csv" },
        { "sparse", "sparse", "numeric.csv" },
        { "denoising", "denoising", "numeric.csv" },
        { "contractive", "contractive", "numeric.csv" },
        { "stacked", "stacked", "numeric.csv" },
        { "pca", "pca", "numeric.csv" },
        { "linear", "linear", "numeric.csv" },
        { "demo-images", "dense", "demo:8" },
    };

    [Theory]
    [MemberData(nameof(NumericModels))]
    public async Task AVersion1FolderLoadsAsItsKindAndGivesTheSameCodesAndReconstructions(string name, string kind, string data)
    {
        Assert.Equal(1, JsonDocument.Parse(File.ReadAllText(Path.Combine(Model(name), ModelStore.ConfigFile))).RootElement.GetProperty("formatVersion").GetInt32());
        var saved = ModelStore.Load(Model(name));
        Assert.Equal(kind, saved.Model.Config.Kind);
        string spec = data.StartsWith("demo", StringComparison.Ordinal) ? data : "csv:" + Input(data);
        using var dir = new TempDir();
        foreach (var (command, suffix) in new[] { ("encode", "codes"), ("reconstruct", "reconstructions") })
        {
            var h = new CliHarness();
            Assert.True(await h.Run(command, "--model", Model(name), "--data", spec, "--out", dir.File($"{suffix}.csv")) == 0, h.Stderr);
            AssertSameTable(Expected($"{name}.{suffix}.csv"), dir.File($"{suffix}.csv"), 2e-6, $"{name} {suffix}");
        }
    }

    [Theory]
    [InlineData("anomaly-tabular", "tabular.csv", "")]
    [InlineData("anomaly-contaminated", "labelled.csv", "")]
    [InlineData("anomaly-contaminated", "labelled.csv", "normal0")]
    public async Task AVersion1AnomalyModelKeepsItsThresholdAndEncodingAndScoresTheSame(string name, string data, string variant)
    {
        var saved = ModelStore.Load(Model(name));
        var threshold = saved.Threshold;
        Assert.NotNull(threshold);
        Assert.Equal(name == "anomaly-tabular", saved.Tabular != null);
        Assert.Equal(name == "anomaly-tabular" ? new NormalLabel("label", "normal") : null, saved.Normal);
        using var dir = new TempDir();
        var h = new CliHarness();
        string[] extra = variant == "normal0" ? ["--normal", "0", "--top", "0"] : ["--top", "2"];
        Assert.True(await h.Run(["detect", "--model", Model(name), "--data", $"csv:{Input(data)}:label=label", "--out", dir.File("s.csv"), .. extra]) == 0, h.Stderr);
        var expected = File.ReadAllLines(Expected($"{name}.scores{(variant == "" ? "" : "-" + variant)}.csv"));
        var actual = File.ReadAllLines(dir.File("s.csv"));
        Assert.Equal(expected[0], actual[0]);
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 1; i < expected.Length; i++)
        {
            var e = SplitCsv(expected[i]);
            var a = SplitCsv(actual[i]);
            Assert.Equal(e.Count, a.Count);
            Assert.Equal(e[0], a[0]);                                            // row
            AssertClose(Num(e[1]), Num(a[1]), 2e-5, $"{name} row {e[0]} score");
            for (int c = 2; c < e.Count; c++)
            {
                if (!e[c].Contains(':')) { Assert.Equal(e[c], a[c]); continue; }   // flagged, label
                var ep = e[c].Split(';').Select(p => p.Split(':')).ToList();
                var ap = a[c].Split(';').Select(p => p.Split(':')).ToList();
                Assert.Equal(ep.Select(p => p[0]), ap.Select(p => p[0]));        // the same top features, in order
                for (int k = 0; k < ep.Count; k++) AssertClose(Num(ep[k][1]), Num(ap[k][1]), 2e-5, $"{name} row {e[0]} {ep[k][0]}");
            }
        }
        var summary = File.ReadAllText(Expected($"{name}.detect.txt"));
        // the saved threshold is the one that release printed
        if (variant == "") Assert.Contains($"{threshold!.Rule} = {threshold.Value.ToString("G6", CultureInfo.InvariantCulture)} (", summary);
    }

    [Fact]
    public void AVersion1FolderSavedAgainIsVersion2AndLoadsTheSame()
    {
        var saved = ModelStore.Load(Model("anomaly-tabular"));
        using var dir = new TempDir();
        ModelStore.Save(dir.Path, saved);
        var root = JsonDocument.Parse(File.ReadAllText(dir.File(ModelStore.ConfigFile))).RootElement;
        Assert.Equal(ModelStore.FormatVersion, root.GetProperty("formatVersion").GetInt32());
        Assert.Equal("dense", root.GetProperty("kind").GetString());
        Assert.True(root.TryGetProperty("threshold", out _));
        Assert.True(root.TryGetProperty("normalLabel", out _));
        var again = ModelStore.Load(dir.Path);
        Assert.Equal(saved.Threshold, again.Threshold);
        Assert.Equal(saved.Normal, again.Normal);
        Assert.Equal(saved.Tabular!.Columns.Select(c => c.Name), again.Tabular!.Columns.Select(c => c.Name));
        Assert.Equal(saved.Model.Config, again.Model.Config);
        Assert.Equal(saved.History.Count, again.History.Count);
    }

    private static void AssertSameTable(string expectedPath, string actualPath, double tol, string what)
    {
        var expected = File.ReadAllLines(expectedPath);
        var actual = File.ReadAllLines(actualPath);
        Assert.Equal(expected[0], actual[0]);
        Assert.Equal(expected.Length, actual.Length);
        double worst = 0;
        for (int i = 1; i < expected.Length; i++)
        {
            var e = expected[i].Split(',');
            var a = actual[i].Split(',');
            Assert.Equal(e.Length, a.Length);
            for (int j = 0; j < e.Length; j++)
            {
                double x = Num(e[j]), y = Num(a[j]);
                double err = Math.Abs(x - y) / Math.Max(1, Math.Abs(x));
                worst = Math.Max(worst, err);
                Assert.True(err <= tol, $"{what}: line {i + 1} column {j}: {a[j]}, expected {e[j]}");
            }
        }
        Assert.True(worst <= tol, what);
    }

    private static double Num(string s) => double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture);

    private static void AssertClose(double expected, double actual, double tol, string what) =>
        Assert.True(Math.Abs(expected - actual) <= tol * Math.Max(1, Math.Abs(expected)), $"{what}: {actual:R}, expected {expected:R}");

    /// <summary>Splits a scores line; only the last field (top features) may be quoted.</summary>
    private static List<string> SplitCsv(string line)
    {
        var parts = new List<string>();
        int q = line.IndexOf('"');
        var head = q < 0 ? line : line[..q];
        parts.AddRange(head.Split(','));
        if (q >= 0) { parts.RemoveAt(parts.Count - 1); parts.Add(line[(q + 1)..^1].Replace("\"\"", "\"")); }
        return parts;
    }
}
