using System.Diagnostics;
using System.Text.Json;
using Bottleneck.Data;
using Bottleneck.Interop;
using Bottleneck.IO;
using Bottleneck.ModelFiles;
using Bottleneck.Models;
using Bottleneck.Models.Conv;
using Bottleneck.Models.Dense;
using Bottleneck.Models.Registry;
using Bottleneck.Models.Sequence;
using Bottleneck.NN;
using Bottleneck.Tests.Cli;
using Bottleneck.Tests.Data;
using Bottleneck.Training;

namespace Bottleneck.Tests.Interop;

/// <summary>
/// The PyTorch round trip (Fixtures/torch/roundtrip.py, run by /usr/bin/python3 with torch; skipped without it): a saved model folder
/// loads into the equivalent torch module by its state-dict names and gives our codes and reconstructions to 1e-5; weights trained in
/// PyTorch and saved as safetensors load through <c>bottleneck import</c> and give the module's outputs to 1e-5.
/// </summary>
public class TorchRoundTripTests
{
    private const string Python = "/usr/bin/python3";
    private static readonly Lazy<bool> HasTorch = new(() => File.Exists(Python) && Run(["-c", "import torch, numpy"]).Exit == 0);
    private static string Script => Path.Combine(TorchFixture.Dir, "roundtrip.py");

    private static (int Exit, string Error) Run(string[] args)
    {
        var psi = new ProcessStartInfo(Python, args) { RedirectStandardError = true, RedirectStandardOutput = true };
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, err.Result);
    }

    private static void RunScript(params string[] args)
    {
        var (exit, error) = Run([Script, .. args]);
        Assert.True(exit == 0, $"roundtrip.py {string.Join(' ', args)}: exit {exit}\n{error}");
    }

    private static float[] Values(JsonElement e, string name) => e.GetProperty(name).EnumerateArray().Select(v => v.GetSingle()).ToArray();

    /// <summary>Real rows: cardio (21 features), ECG5000 heartbeats (40 steps) and MNIST test images (784) when ../shared/data has them,
    /// else the demo glyphs.</summary>
    private static Dataset Rows(int width, int count)
    {
        if (width == 21 && SharedData.Find("odds/cardio.csv") is { } cardio)
            return CsvLoader.Load(cardio, new CsvOptions(LabelColumn: "label")).Subset(Enumerable.Range(0, count).ToArray());
        if (width == 784 && SharedData.Find("mnist") is { } mnist && File.Exists(Path.Combine(mnist, "t10k-images-idx3-ubyte.gz")))
            return IdxLoader.LoadMnist(mnist, "test").Subset(Enumerable.Range(0, count).ToArray());
        if (width == 40 && SharedData.Find("ecg5000/ECG5000_TRAIN.tsv") is { } ecg)
        {
            var all = CsvLoader.Load(ecg, new CsvOptions(HasHeader: false, Delimiter: "\t"));
            var x = new float[count * width];   // the first 40 steps of each heartbeat (column 0 is the class)
            for (int i = 0; i < count; i++) all.Features.AsSpan(i * all.FeatureCount + 1, width).CopyTo(x.AsSpan(i * width));
            return new Dataset(x, count, width, source: ecg);
        }
        var demo = DemoDataset.Generate(count, 5);
        return width == 784 ? demo : new Dataset(demo.Features.AsSpan(0, count * width).ToArray(), count, width, source: "demo");
    }

    [SkippableFact]
    public void GivenSavedModelFolders_WhenLoadedIntoTheEquivalentTorchModules_ThenTheyGiveOurOutputs()
    {
        Skip.IfNot(HasTorch.Value, "/usr/bin/python3 with torch not found");
        using var dir = new TempDir();
        var cases = new List<(string Folder, SavedModel Saved, Dataset Rows)>();
        void Add(string name, ModelConfig config, Dataset rows, ScalingKind scaling)
        {
            var (saved, _) = OnnxTestKit.Fit(config, rows, scaling);
            ModelStore.Save(dir.File(name), saved);
            NpyWriter.Write(dir.File(name + ".npy"), rows.Features, [rows.Rows, rows.FeatureCount]);
            cases.Add((dir.File(name), saved, rows));
        }
        var tabular = Rows(21, 300);
        Add("dense", new DenseConfig(21, [12], 3, output: Likelihood.Gaussian), tabular, ScalingKind.Standardize);
        Add("dense-bn", new DenseConfig(21, [16, 8], 4, hiddenActivation: Activation.Gelu, latentActivation: Activation.Tanh, batchNorm: true,
            dropout: 0.1f, output: Likelihood.GaussianLearnedVariance), tabular, ScalingKind.Standardize);
        Add("tied", new DenseConfig(21, [10], 3, hiddenActivation: Activation.Elu, tiedWeights: true, output: Likelihood.Bernoulli), tabular, ScalingKind.MinMax);
        Add("sparse", ModelRegistry.Get("sparse").Example([21]), tabular, ScalingKind.MinMax);
        Add("conv", new ConvConfig(1, 28, 28, [8, 16], 3, 2, latent: 6), Rows(784, 64), ScalingKind.None);
        var ecg = Rows(40, 48);
        Add("lstm", new SequenceConfig(40, 1, 4, hidden: 8, layers: 2, bidirectional: true, pooling: SequencePooling.Mean, variational: true) { Kind = "lstm" },
            ecg, ScalingKind.Standardize);
        Add("gru", new SequenceConfig(40, 1, 3, hidden: 6, decoder: SequenceDecoder.Autoregressive, output: Likelihood.BoundedGaussian) { Kind = "gru" },
            ecg, ScalingKind.MinMax);

        RunScript(["forward", dir.File("out.json"), .. cases.Select(c => $"{c.Folder}={c.Folder}.npy")]);
        using var json = JsonDocument.Parse(File.ReadAllText(dir.File("out.json")));
        foreach (var (folder, saved, rows) in cases)
        {
            var torch = json.RootElement.GetProperty(folder);
            var pre = new Preprocessor(saved.Preprocessing);
            var scaled = pre.Transform(rows);
            var rec = Batching.Reconstruct(saved.Model, scaled);
            pre.InverseTransform(rec);
            string name = Path.GetFileName(folder);
            OnnxTestKit.AssertClose($"{name}: code", Batching.Encode(saved.Model, scaled), Values(torch, "code"));
            OnnxTestKit.AssertClose($"{name}: reconstruction", rec, Values(torch, "reconstruction"));
        }
    }

    [SkippableFact]
    public async Task GivenWeightsTrainedInTorch_WhenImported_ThenBottleneckGivesTheTorchOutputs()
    {
        Skip.IfNot(HasTorch.Value, "/usr/bin/python3 with torch not found");
        using var dir = new TempDir();
        var tabular = Rows(21, 400);
        var pre = Preprocessor.Fit(tabular, ScalingKind.Standardize);
        var cases = new (string Name, ModelConfig Config, Dataset Rows, PreprocessorState Pre)[]
        {
            // batch norm: PyTorch saves num_batches_tracked as int64, which the import converts
            ("dense", new DenseConfig(21, [16], 4, batchNorm: true, output: Likelihood.Gaussian), tabular, pre.State),
            ("conv", new ConvConfig(1, 28, 28, [4, 8], 3, 2, latent: 5), Rows(784, 128), new PreprocessorState(ScalingKind.None, [], [])),
            ("lstm", new SequenceConfig(40, 1, 3, hidden: 8, layers: 2) { Kind = "lstm" }, Rows(40, 96), Preprocessor.Fit(Rows(40, 96), ScalingKind.Standardize).State),
        };
        // one interpreter trains every model (torch's import dominates a short run)
        var trainArgs = new List<string> { "train" };
        foreach (var (name, config, rows, state) in cases)
        {
            var configPath = dir.Write(name + ".json", JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["kind"] = config.Kind,
                ["config"] = ModelRegistry.ToJson(config),
                ["preprocessing"] = new { kind = state.Kind.ToString(), offset = state.Offset, scale = state.Scale },
            }));
            NpyWriter.Write(dir.File(name + ".npy"), rows.Features, [rows.Rows, rows.FeatureCount]);
            trainArgs.AddRange([configPath, dir.File(name + ".npy"), dir.File(name + ".safetensors"), dir.File(name + ".out.json")]);
        }
        RunScript([.. trainArgs]);
        foreach (var (name, config, rows, _) in cases)
        {
            var h = new CliHarness();
            int code = await h.Run("import", "--from", "safetensors", dir.File(name + ".safetensors"), "--config", dir.File(name + ".json"), "--out", dir.File(name));
            Assert.True(code == 0, h.Stdout + h.Stderr);
            Assert.Contains($"imported {dir.File(name + ".safetensors")} as a {config.Kind} model", h.Stdout);

            var saved = ModelStore.Load(dir.File(name));
            var p = new Preprocessor(saved.Preprocessing);
            var scaled = p.Kind == ScalingKind.None ? rows : p.Transform(rows);
            var rec = Batching.Reconstruct(saved.Model, scaled);
            if (p.Kind != ScalingKind.None) p.InverseTransform(rec);
            using var torch = JsonDocument.Parse(File.ReadAllText(dir.File(name + ".out.json")));
            OnnxTestKit.AssertClose($"{name}: code", Batching.Encode(saved.Model, scaled), Values(torch.RootElement, "code"));
            OnnxTestKit.AssertClose($"{name}: reconstruction", rec, Values(torch.RootElement, "reconstruction"));
        }
    }

    [Fact]
    public async Task GivenWeightsThatDoNotFitTheConfig_WhenImported_ThenOneErrorLineNamesTheTensor()
    {
        using var dir = new TempDir();
        var config = new DenseConfig(6, [4], 2);
        var configPath = dir.Write("c.json", JsonSerializer.Serialize(new Dictionary<string, object> { ["kind"] = "dense", ["config"] = ModelRegistry.ToJson(config) }));
        var model = new DenseAutoencoder(config, new Bottleneck.Tensors.Rng(1));
        var state = model.StateDict().Select(e => (e.Name == "encoder.0.weight" ? "encoder.0.wieght" : e.Name, e.Value.ShapeToArray(), e.Value.ToArray())).ToList();
        SafeTensors.Write(dir.File("w.safetensors"), state);
        var h = new CliHarness();
        h.AssertUsageError(await h.Run("import", "--from", "safetensors", dir.File("w.safetensors"), "--config", configPath, "--out", dir.File("m")),
            "encoder.0.weight", "w.safetensors");
        Assert.False(Directory.Exists(dir.File("m")));
        h = new CliHarness();
        h.AssertUsageError(await h.Run("import", "--from", "onnx", dir.File("w.safetensors"), "--config", configPath, "--out", dir.File("m")), "--from");
    }
}
