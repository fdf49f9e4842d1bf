using System.Text.Json;
using Bottleneck.Cli.Commands;
using Bottleneck.Cli.Kinds;
using Bottleneck.ModelFiles;
using Bottleneck.Models;
using Bottleneck.Models.Variational;
using Bottleneck.Tests.Data;

namespace Bottleneck.Tests.Cli;

/// <summary>The variational kinds on the command line: options, training, evaluate's keys, sample/interpolate/traverse, refusals.</summary>
public class CliVariationalTests
{
    private static readonly Bottleneck.Cli.CliEnvironment Env = Bottleneck.Cli.CliEnvironment.CreateCaptured(new StringWriter(), new StringWriter());

    private static ModelConfig Config(params string[] args)
    {
        var result = Bottleneck.Cli.Cli.CreateRootCommand(Env).Parse(["train", .. args]);
        Assert.True(result.Errors.Count == 0, string.Join("; ", result.Errors.Select(e => e.Message)));
        var s = TrainCommand.Bind(result);
        return s.Kind.Build(new KindData([784], UnitRange: true, s.Epochs, TrainingPurpose.Reconstruction) { Rows = 1000, Classes = 10 });
    }

    [Fact]
    public void OptionsMapToTheConfig()
    {
        var vae = Assert.IsType<VariationalConfig>(Config("--kind", "vae"));
        Assert.Equal(("vae", 20, 1f), (vae.Kind, vae.LatentDim, vae.Beta));
        Assert.Equal([512], vae.Hidden);
        Assert.Equal(Likelihood.Bernoulli, vae.Output);
        var beta = Assert.IsType<VariationalConfig>(Config("--kind", "vae", "--beta", "4", "--kl-schedule", "cyclical:4:0.25", "--epochs", "40", "--free-bits", "0.1"));
        Assert.Equal(new KlSchedule(KlScheduleKind.Cyclical, Cycles: 4, Ratio: 0.25, TotalEpochs: 40), beta.KlSchedule);
        Assert.Equal((4f, 0.1f), (beta.Beta, beta.FreeBits));
        Assert.Equal(100f, Assert.IsType<VariationalConfig>(Config("--kind", "vae", "--kl-schedule", "capacity:25:10")).Beta);
        Assert.Equal(10, Assert.IsType<VariationalConfig>(Config("--kind", "cvae")).Classes);
        var tc = Assert.IsType<VariationalConfig>(Config("--kind", "beta-tcvae"));
        Assert.True(tc.TotalCorrelation);
        Assert.Equal((6f, 1000), (tc.Beta, tc.DatasetSize));
        var wae = Assert.IsType<VariationalConfig>(Config("--kind", "wae-mmd", "--mmd-kernel", "rbf"));
        Assert.Equal((LatentKind.Deterministic, 10f, MmdKernel.Rbf), (wae.Latent, wae.MmdWeight, wae.MmdKernel));
        var vq = Assert.IsType<VariationalConfig>(Config("--kind", "vq-vae", "--codebook", "64", "--code-dim", "4", "--latent", "32", "--ema", "0.99", "--no-restarts"));
        Assert.Equal((LatentKind.VectorQuantized, 64, 4, 0.99f, false), (vq.Latent, vq.CodebookSize, vq.CodeDim, vq.EmaDecay, vq.RestartDeadCodes));
    }

    [Theory]
    [InlineData("--kl-schedule", "linear:0", "--kl-schedule")]
    [InlineData("--kl-schedule", "warmup", "--kl-schedule")]
    [InlineData("--beta", "-1", "--beta")]
    [InlineData("--free-bits", "-0.5", "--free-bits")]
    public async Task BadValuesAreRefusedBeforeTrainingNamingTheOption(string option, string value, string named)
    {
        using var dir = new TempDir();
        var h = new CliHarness();
        int code = await h.Run("train", "--kind", "vae", "--data", "demo:64", "--epochs", "1", option, value, "--out", dir.File("m"));
        h.AssertUsageError(code, named, value);
        Assert.False(Directory.Exists(dir.File("m")));
    }

    [Fact]
    public async Task VqVaeRefusesACodeDimThatDoesNotDivideTheLatentAndCvaeNeedsLabels()
    {
        using var dir = new TempDir();
        var h = new CliHarness();
        h.AssertUsageError(await h.Run("train", "--kind", "vq-vae", "--data", "demo:64", "--latent", "30", "--code-dim", "8", "--out", dir.File("m")), "--code-dim", "30");
        var csv = dir.File("x.csv");
        File.WriteAllText(csv, "a,b,c\n0.1,0.2,0.3\n0.4,0.5,0.6\n0.2,0.1,0.9\n");
        var h2 = new CliHarness();
        h2.AssertUsageError(await h2.Run("train", "--kind", "cvae", "--data", "csv:" + csv, "--out", dir.File("c")), "cvae", "label");
    }

    [Fact]
    public async Task AVaeTrainsEvaluatesSamplesInterpolatesAndTraverses()
    {
        using var dir = new TempDir();
        string model = dir.File("vae");
        var h = new CliHarness();
        Assert.Equal(0, await h.Run("train", "--kind", "vae", "--data", "demo:256", "--epochs", "2", "--latent", "4", "--hidden", "32", "--out", model));
        Assert.Contains("kl-nats", h.Stdout);

        var e = new CliHarness();
        Assert.Equal(0, await e.Run("evaluate", "--model", model, "--data", "demo:64", "--iw-samples", "20", "--iw-limit", "16", "--json"));
        using var json = JsonDocument.Parse(e.Stdout);
        var root = json.RootElement;
        double negElbo = root.GetProperty("negElbo").GetDouble(), rec = root.GetProperty("reconstruction").GetDouble(), kl = root.GetProperty("kl").GetDouble();
        Assert.Equal(rec + kl, negElbo, 6);
        Assert.True(kl > 0);
        Assert.Equal(4, root.GetProperty("klPerDimension").GetArrayLength());
        Assert.InRange(root.GetProperty("activeUnits").GetInt32(), 0, 4);
        Assert.True(root.GetProperty("iwNll").GetDouble() <= root.GetProperty("negElboSameRows").GetDouble() + 1.0);
        Assert.Equal(16, root.GetProperty("iwRows").GetInt32());

        var s1 = new CliHarness();
        Assert.Equal(0, await s1.Run("sample", "--model", model, "-n", "9", "--seed", "5", "--out", dir.File("a.png"), "--npy", dir.File("a.npy")));
        var s2 = new CliHarness();
        Assert.Equal(0, await s2.Run("sample", "--model", model, "-n", "9", "--seed", "5", "--out", dir.File("b.npy")));
        Assert.Equal(File.ReadAllBytes(dir.File("a.npy")), File.ReadAllBytes(dir.File("b.npy")));   // reproducible from the seed
        Assert.True(new FileInfo(dir.File("a.png")).Length > 100);

        var g = new CliHarness();
        Assert.Equal(0, await g.Run("sample", "--model", model, "--grid", "3", "--range", "-2,2", "--out", dir.File("g.npy")));
        Assert.Equal((9, 784), (Bottleneck.Data.NpyLoader.Load(dir.File("g.npy")).Rows, 784));
        var gb = new CliHarness();
        gb.AssertUsageError(await gb.Run("sample", "--model", model, "--grid", "3", "--range", "x", "--out", dir.File("h.npy")), "--range");

        var i = new CliHarness();
        Assert.Equal(0, await i.Run("interpolate", "--model", model, "--data", "demo:16", "--from", "0", "--to", "3", "--steps", "6", "--slerp", "--out", dir.File("i.npy")));
        var t = new CliHarness();
        Assert.Equal(0, await t.Run("traverse", "--model", model, "--data", "demo:16", "--index", "2", "--dims", "0,3", "--steps", "5", "--out", dir.File("t.png")));
        Assert.True(File.Exists(dir.File("t.png")));
        var arr = Bottleneck.Data.NpyLoader.Load(dir.File("i.npy"));
        Assert.Equal((6, 784), (arr.Rows, arr.FeatureCount));
    }

    [Fact]
    public async Task GenerativeCommandsRefuseWhatCannotWork()
    {
        using var dir = new TempDir();
        var h = new CliHarness();
        Assert.Equal(0, await h.Run("train", "--kind", "dense", "--data", "demo:64", "--epochs", "1", "--latent", "4", "--hidden", "16", "--out", dir.File("dense")));
        var a = new CliHarness();
        a.AssertUsageError(await a.Run("sample", "--model", dir.File("dense"), "--out", dir.File("s.png")), "variational", "dense");
        var c = new CliHarness();
        Assert.Equal(0, await c.Run("train", "--kind", "cvae", "--data", "demo:64", "--epochs", "1", "--latent", "4", "--hidden", "16", "--out", dir.File("cvae")));
        var b = new CliHarness();
        b.AssertUsageError(await b.Run("sample", "--model", dir.File("cvae"), "--label", "8", "--out", dir.File("s.png")), "--label 8", "8 classes");
        var d = new CliHarness();
        d.AssertUsageError(await d.Run("sample", "--model", dir.File("cvae"), "--out", dir.File("s.png")), "--label");
        var ok = new CliHarness();
        Assert.Equal(0, await ok.Run("sample", "--model", dir.File("cvae"), "--label", "7", "-n", "4", "--out", dir.File("s.png")));
        var v = new CliHarness();
        Assert.Equal(0, await v.Run("train", "--kind", "vq-vae", "--data", "demo:64", "--epochs", "1", "--latent", "8", "--code-dim", "4", "--codebook", "16", "--hidden", "16", "--out", dir.File("vq")));
        var e = new CliHarness();
        e.AssertUsageError(await e.Run("sample", "--model", dir.File("vq"), "--out", dir.File("v.png")), "vq-vae", "prior");
        var ev = new CliHarness();
        Assert.Equal(0, await ev.Run("evaluate", "--model", dir.File("vq"), "--data", "demo:32", "--json"));
        using var json = JsonDocument.Parse(ev.Stdout);
        Assert.InRange(json.RootElement.GetProperty("perplexity").GetDouble(), 1, 16);
        var bad = new CliHarness();
        bad.AssertUsageError(await bad.Run("traverse", "--model", dir.File("cvae"), "--data", "demo:8", "--dims", "9", "--out", dir.File("t.png")), "--dims", "9");
        var row = new CliHarness();
        row.AssertUsageError(await row.Run("interpolate", "--model", dir.File("cvae"), "--data", "demo:8", "--to", "8", "--out", dir.File("i.png")), "--to 8", "8 rows");
    }
}
