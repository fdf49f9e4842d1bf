using System.Text.Json;
using Bottleneck.Cli.Services;
using Bottleneck.Data;
using Bottleneck.ModelFiles;
using Bottleneck.Tests.Data;

namespace Bottleneck.Tests.Cli;

/// <summary>The real command pipeline in-process: train once on demo:600, then encode/reconstruct/evaluate/info.</summary>
public class CliEndToEndTests(TrainedModelFixture model) : IClassFixture<TrainedModelFixture>
{
    [Fact]
    public void TrainWritesTheModelFolderAndReports()
    {
        Assert.True(model.TrainExitCode == 0, model.TrainStdout);
        Assert.True(File.Exists(Path.Combine(model.ModelDir, ModelStore.WeightsFile)));
        Assert.True(File.Exists(Path.Combine(model.ModelDir, ModelStore.ConfigFile)));
        Assert.True(File.Exists(Path.Combine(model.ModelDir, TrainService.GridFile)));
        Assert.True(File.Exists(Path.Combine(model.ModelDir, TrainService.CheckpointFolder, "trainer.json")));
        var text = model.TrainStdout;
        foreach (var s in new[] { "epoch 1/1", "train loss", "val loss", "validation", "test", "MSE / element", "PSNR", "backend", "parameters",
                                  "written to", "dense 784-16-4-16-784", "scaling none", "540 train, 60 validation, 600 test" })
            Assert.Contains(s, text);
        Assert.DoesNotContain("\u001b[", text);   // no ANSI codes when not interactive

        var saved = ModelStore.Load(model.ModelDir);
        Assert.Equal(784, saved.Model.InputDim);
        Assert.Equal(4, saved.Model.LatentDim);
        Assert.Single(saved.History);
        Assert.Equal(ScalingKind.None, saved.Preprocessing.Kind);
        Assert.Equal("demo:600", saved.DataSource);
        Assert.Equal(new ImageShape(1, 28, 28), saved.Image);
    }

    [Fact]
    public async Task EncodeWritesCsvWithLabelsAndNpyWithSiblingLabels()
    {
        using var dir = new TempDir();
        var h = new CliHarness();
        Assert.Equal(0, await h.Run("encode", "--model", model.ModelDir, "--data", "demo:30", "--out", dir.File("z.csv")));
        var lines = File.ReadAllLines(dir.File("z.csv"));
        Assert.Equal("label,z0,z1,z2,z3", lines[0]);
        Assert.Equal(31, lines.Length);
        Assert.All(lines.Skip(1), l => Assert.Equal(5, l.Split(',').Length));

        h = new CliHarness();
        Assert.Equal(0, await h.Run("encode", "--model", model.ModelDir, "--data", "demo:30", "--out", dir.File("z.npy")));
        var (shape, _) = NpyLoader.Read(dir.File("z.npy"));
        Assert.Equal([30, 4], shape);
        var (lshape, labels) = NpyLoader.Read(dir.File("z.labels.npy"));
        Assert.Equal([30], lshape);
        Assert.Equal(DemoDataset.Generate(30, 2).Labels!.Select(l => (float)l), labels);   // demo defaults to the test split (seed 2)
        Assert.Contains("z.labels.npy", h.Stdout);
    }

    [Fact]
    public async Task ReconstructWritesOriginalSpaceValuesAndPng()
    {
        using var dir = new TempDir();
        var h = new CliHarness();
        Assert.Equal(0, await h.Run("reconstruct", "--model", model.ModelDir, "--data", "demo:12", "--out", dir.File("r.csv")));
        var lines = File.ReadAllLines(dir.File("r.csv"));
        Assert.Equal(13, lines.Length);
        Assert.Equal(1 + 784, lines[0].Split(',').Length);
        Assert.StartsWith("label,c0,c1,", lines[0]);
        var values = lines.Skip(1).SelectMany(l => l.Split(',').Skip(1)).Select(v => float.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.All(values, v => Assert.InRange(v, 0f, 1f));   // sigmoid output, no scaling
        var png = File.ReadAllBytes(dir.File("r.png"));
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);

        h = new CliHarness();
        Assert.Equal(0, await h.Run("reconstruct", "--model", model.ModelDir, "--data", "demo:12", "--out", dir.File("r.npy")));
        Assert.Equal([12, 784], NpyLoader.Read(dir.File("r.npy")).Shape);
    }

    [Fact]
    public async Task EvaluateTableAndJson()
    {
        var h = new CliHarness();
        Assert.Equal(0, await h.Run("evaluate", "--model", model.ModelDir, "--data", "demo:40"));
        Assert.Contains("MSE / element", h.Stdout);
        Assert.Contains("compression ratio", h.Stdout);
        Assert.Contains("196", h.Stdout);   // 784 / 4

        h = new CliHarness();
        Assert.Equal(0, await h.Run("evaluate", "--model", model.ModelDir, "--data", "demo:40", "--json"));
        using var doc = JsonDocument.Parse(h.Stdout);
        var root = doc.RootElement;
        Assert.Equal(40, root.GetProperty("samples").GetInt32());
        Assert.Equal(784, root.GetProperty("features").GetInt32());
        Assert.Equal(4, root.GetProperty("latentDim").GetInt32());
        Assert.Equal(196, root.GetProperty("compressionRatio").GetDouble());
        foreach (var p in new[] { "mse", "mae", "rmse", "bce", "squaredErrorPerSample", "absoluteErrorPerSample", "bcePerSample", "psnr" })
            Assert.True(root.GetProperty(p).GetDouble() > 0, p);
        Assert.Equal(root.GetProperty("rmse").GetDouble(), Math.Sqrt(root.GetProperty("mse").GetDouble()), 9);
    }

    [Fact]
    public async Task InfoDescribesTheModel()
    {
        var h = new CliHarness();
        Assert.Equal(0, await h.Run("info", "--model", model.ModelDir));
        foreach (var s in new[] { "dense 784-16-4-16-784", "parameters", "scaling", "none", "training", "history", "library version",
                                  "backend", "model.safetensors", "config.json", "demo:600", "1x28x28", "checkpoint" })
            Assert.Contains(s, h.Stdout);
    }

    [Fact]
    public async Task WidthMismatchIsAUsageError()
    {
        using var dir = new TempDir();
        var header = string.Join(",", Enumerable.Range(0, 780).Select(i => $"f{i}"));
        var row = string.Join(",", Enumerable.Repeat("0.5", 780));
        var csv = dir.Write("narrow.csv", header + "\n" + row + "\n" + row + "\n");
        foreach (var command in new[] { "encode", "reconstruct", "evaluate" })
        {
            var h = new CliHarness();
            string[] args = command == "evaluate"
                ? [command, "--model", model.ModelDir, "--data", "csv:" + csv]
                : [command, "--model", model.ModelDir, "--data", "csv:" + csv, "--out", dir.File("o.csv")];
            h.AssertUsageError(await h.Run(args), "input has 780 features, model expects 784");
        }
        Assert.False(File.Exists(dir.File("o.csv")));
    }

    [Fact]
    public async Task CorruptModelFolderIsAUsageError()
    {
        using var dir = new TempDir();
        var copy = dir.File("corrupt");
        Directory.CreateDirectory(copy);
        foreach (var f in Directory.GetFiles(model.ModelDir)) File.Copy(f, Path.Combine(copy, Path.GetFileName(f)));
        var weights = Path.Combine(copy, ModelStore.WeightsFile);
        using (var fs = new FileStream(weights, FileMode.Open)) fs.SetLength(fs.Length / 2);

        var h = new CliHarness();
        h.AssertUsageError(await h.Run("info", "--model", copy), ModelStore.WeightsFile);
        h = new CliHarness();
        h.AssertUsageError(await h.Run("evaluate", "--model", copy, "--data", "demo:5"), ModelStore.WeightsFile);

        File.WriteAllText(Path.Combine(copy, ModelStore.ConfigFile), "{ not json");
        h = new CliHarness();
        h.AssertUsageError(await h.Run("encode", "--model", copy, "--data", "demo:5", "--out", dir.File("z.csv")), ModelStore.ConfigFile);
    }

    /// <summary>A writer that cancels training once a given text has been written (e.g. the end of epoch 1).</summary>
    private sealed class CancelOnText(string text, CancellationTokenSource cts) : StringWriter
    {
        public override void WriteLine(string? value)
        {
            base.WriteLine(value);
            if (value != null && value.Contains(text)) cts.Cancel();
        }
    }

    [Fact]
    public async Task InterruptedTrainingExits130AndResumeContinues()
    {
        using var dir = new TempDir();
        string[] args = ["train", "--data", "demo:200", "--hidden", "8", "--latent", "2", "--batch-size", "100", "--epochs", "3", "--out", dir.File("m")];
        using var cts = new CancellationTokenSource();
        var output = new CancelOnText("epoch 1/3", cts);
        var error = new StringWriter();
        int code = await Bottleneck.Cli.Cli.RunAsync(args, Bottleneck.Cli.CliEnvironment.CreateCaptured(output, error), cts.Token);
        Assert.Equal(Bottleneck.Cli.ExitCodes.Cancelled, code);
        Assert.Contains("--resume", error.ToString());
        Assert.Contains("epoch 1", error.ToString());
        Assert.False(File.Exists(Path.Combine(dir.File("m"), ModelStore.ConfigFile)));

        var h = new CliHarness();
        Assert.Equal(0, await h.Run([.. args, "--resume"]));
        Assert.Contains("resuming", h.Stdout);
        Assert.Contains("epoch 2/3", h.Stdout);
        Assert.Contains("epoch 3/3", h.Stdout);
        Assert.DoesNotContain("epoch 1/3", h.Stdout);
        Assert.Equal(3, ModelStore.Load(dir.File("m")).History.Count);
    }
}
