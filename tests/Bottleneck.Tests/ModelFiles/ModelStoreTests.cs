using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Bottleneck.Data;
using Bottleneck.IO;
using Bottleneck.ModelFiles;
using Bottleneck.Models;
using Bottleneck.Models.Dense;
using Bottleneck.NN;
using Bottleneck.Tensors;
using Bottleneck.Tests.Data;
using Bottleneck.Training;
using static Bottleneck.Tests.Models.ModelTestUtil;

namespace Bottleneck.Tests.ModelFiles;

public class ModelStoreTests
{
    private static readonly DenseConfig Config = new(6, [5, 4], 3, Activation.Tanh, Activation.Sigmoid, Likelihood.Gaussian,
        dropout: 0.1f, batchNorm: true, l2: 1e-3f);

    private static SavedModel Sample(ulong seed = 1, DenseConfig? config = null)
    {
        var model = new DenseAutoencoder(config ?? Config, new Rng(seed));
        // give batch norm non-trivial running statistics so they are part of what round-trips
        model.Train();
        NoGrad(() => model.Reconstruct(Batch01(8, model.InputDim, seed)));
        model.Eval();
        var pre = new PreprocessorState(ScalingKind.Standardize, [0.5f, 1, 2, 3, 4, -5], [1, 2, 3, 4, 5, 0.25f]);
        var training = new TrainingOptions(epochs: 3, batchSize: 16, optimizer: "sgd", learningRate: 0.05f, weightDecay: 1e-4f,
            schedule: "cosine", patience: 2, clipNorm: 1.5f, seed: 42);
        EpochRecord[] history =
        [
            new(1, "train", 1.25, 1.5, 0.05, 0.125),
            new(2, "train", 0.75, null, 0.025, 0.25),
            new(1, "pretrain-1", double.NaN, double.PositiveInfinity, 1e-3, 0),
        ];
        return new SavedModel(model, pre, training, history, new ImageShape(1, 2, 3), "data/x.csv");
    }

    [Fact]
    public void RoundTripPreservesEverything()
    {
        using var dir = new TempDir();
        var saved = Sample();
        ModelStore.Save(dir.Path, saved);
        var loaded = ModelStore.Load(dir.Path);

        Assert.Equal(saved.Model.Config, loaded.Model.Config);
        Assert.Equal(saved.Preprocessing.Kind, loaded.Preprocessing.Kind);
        Assert.Equal(saved.Preprocessing.Offset, loaded.Preprocessing.Offset);
        Assert.Equal(saved.Preprocessing.Scale, loaded.Preprocessing.Scale);
        Assert.Equal(saved.Training, loaded.Training);
        Assert.Equal(saved.History, loaded.History);
        Assert.Equal(saved.Image, loaded.Image);
        Assert.Equal(saved.DataSource, loaded.DataSource);
        AssertBitEqual(Weights(saved.Model), Weights(loaded.Model));
        Assert.False(loaded.Model.Training);
        var x = Batch01(4, 6, 3);
        AssertBitEqual(NoGrad(() => saved.Model.Reconstruct(x)), NoGrad(() => loaded.Model.Reconstruct(x)), "reconstruction");

        var root = JsonNode.Parse(File.ReadAllText(Path.Combine(dir.Path, ModelStore.ConfigFile)))!;
        Assert.Equal(ModelStore.Format, (string?)root["format"]);
        Assert.Equal("dense", (string?)root["kind"]);
        Assert.Equal(saved.Model.ParameterCount(), (long)root["parameters"]!);
        var bytes = File.ReadAllBytes(Path.Combine(dir.Path, ModelStore.WeightsFile));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), (string?)root["weights"]!["sha256"]);
    }

    [Fact]
    public void OptionalPartsMayBeAbsent()
    {
        using var dir = new TempDir();
        var s = Sample() with { Training = null, History = [], Image = null, Preprocessing = new PreprocessorState(ScalingKind.None, [], []) };
        ModelStore.Save(dir.Path, s);
        var loaded = ModelStore.Load(dir.Path);
        Assert.Null(loaded.Training);
        Assert.Null(loaded.Image);
        Assert.Empty(loaded.History);
        Assert.Equal(ScalingKind.None, loaded.Preprocessing.Kind);
    }

    [Fact]
    public void WeightsUsePyTorchStateDictNames()
    {
        using var dir = new TempDir();
        var saved = Sample();
        ModelStore.Save(dir.Path, saved);
        var file = SafeTensors.Read(Path.Combine(dir.Path, ModelStore.WeightsFile));
        var state = saved.Model.StateDict();
        Assert.Equal(state.Select(e => e.Name).Order(StringComparer.Ordinal), file.Tensors.Select(t => t.Name).Order(StringComparer.Ordinal));
        Assert.Contains(file.Tensors, t => t.Name == "encoder.1.running_mean");
        Assert.Contains(file.Tensors, t => t.Name == "decoder.0.weight");
        foreach (var (name, value) in state)
        {
            var t = file.Get(name);
            Assert.Equal(value.ShapeToArray(), t.Shape);
            AssertBitEqual(value.ToArray(), t.Data, name);
        }
        Assert.Equal("pt", file.Metadata["format"]);
    }

    // ---------------------------------------------------------------- corrupt folders

    private static string SaveSample(TempDir dir)
    {
        var path = Path.Combine(dir.Path, "model");
        ModelStore.Save(path, Sample());
        return path;
    }

    private static void EditConfig(string folder, Action<JsonObject> edit)
    {
        var p = Path.Combine(folder, ModelStore.ConfigFile);
        var root = JsonNode.Parse(File.ReadAllText(p))!.AsObject();
        edit(root);
        File.WriteAllText(p, root.ToJsonString());
    }

    private static ModelFileException LoadFails(string folder, string expectedFile, string expectedText)
    {
        var e = Assert.Throws<ModelFileException>(() => ModelStore.Load(folder));
        Assert.Equal(expectedFile, e.FilePath);
        Assert.Contains(expectedFile, e.Message);
        Assert.Contains(expectedText, e.Message);
        return e;
    }

    [Fact]
    public void MissingFolder()
    {
        using var dir = new TempDir();
        var missing = Path.Combine(dir.Path, "nope");
        LoadFails(missing, missing, "does not exist");
    }

    [Fact]
    public void MissingConfig()
    {
        using var dir = new TempDir();
        var folder = SaveSample(dir);
        File.Delete(Path.Combine(folder, ModelStore.ConfigFile));
        LoadFails(folder, Path.Combine(folder, ModelStore.ConfigFile), "missing");
    }

    [Fact]
    public void MissingWeights()
    {
        using var dir = new TempDir();
        var folder = SaveSample(dir);
        File.Delete(Path.Combine(folder, ModelStore.WeightsFile));
        LoadFails(folder, Path.Combine(folder, ModelStore.WeightsFile), "missing");
    }

    [Fact]
    public void InvalidJson()
    {
        using var dir = new TempDir();
        var folder = SaveSample(dir);
        File.WriteAllText(Path.Combine(folder, ModelStore.ConfigFile), "{ \"format\": \"bottleneck-model\", ");
        LoadFails(folder, Path.Combine(folder, ModelStore.ConfigFile), "not valid JSON");
    }

    [Fact]
    public void JsonThatIsNotAnObject()
    {
        using var dir = new TempDir();
        var folder = SaveSample(dir);
        File.WriteAllText(Path.Combine(folder, ModelStore.ConfigFile), "[1, 2]");
        LoadFails(folder, Path.Combine(folder, ModelStore.ConfigFile), "expected a JSON object");
    }

    [Fact]
    public void WrongFormatTag()
    {
        using var dir = new TempDir();
        var folder = SaveSample(dir);
        EditConfig(folder, r => r["format"] = "keras-model");
        LoadFails(folder, Path.Combine(folder, ModelStore.ConfigFile), "keras-model");
    }

    [Fact]
    public void WrongFormatVersion()
    {
        using var dir = new TempDir();
        var folder = SaveSample(dir);
        EditConfig(folder, r => r["formatVersion"] = 99);
        LoadFails(folder, Path.Combine(folder, ModelStore.ConfigFile), "format version 99");
    }

    [Fact]
    public void UnknownKind()
    {
        using var dir = new TempDir();
        var folder = SaveSample(dir);
        EditConfig(folder, r => r["kind"] = "no-such-kind");
        LoadFails(folder, Path.Combine(folder, ModelStore.ConfigFile), "unknown model kind 'no-such-kind'");
    }

    [Fact]
    public void InvalidConfigValue()
    {
        using var dir = new TempDir();
        var folder = SaveSample(dir);
        EditConfig(folder, r => r["config"]!["latentDim"] = 0);
        LoadFails(folder, Path.Combine(folder, ModelStore.ConfigFile), "latentDim must be ≥ 1, got 0");
    }

    [Fact]
    public void APolymorphicValueWithoutItsTypeDiscriminator()
    {
        // Found by the config-json fuzzer: System.Text.Json throws NotSupportedException here, which escaped as a crash
        using var dir = new TempDir();
        var folder = SaveSample(dir);
        EditConfig(folder, r => r["config"]!["regularizer"] = System.Text.Json.Nodes.JsonNode.Parse("{\"rule\": 1}"));
        LoadFails(folder, Path.Combine(folder, ModelStore.ConfigFile), "type discriminator");
    }

    [Fact]
    public void InvalidTrainingOptions()
    {
        using var dir = new TempDir();
        var folder = SaveSample(dir);
        EditConfig(folder, r => r["training"]!["optimizer"] = "lbfgs");
        LoadFails(folder, Path.Combine(folder, ModelStore.ConfigFile), "lbfgs");
    }

    [Fact]
    public void MissingConfigSection()
    {
        using var dir = new TempDir();
        var folder = SaveSample(dir);
        EditConfig(folder, r => r.Remove("config"));
        LoadFails(folder, Path.Combine(folder, ModelStore.ConfigFile), "has no 'config' object");
    }

    [Fact]
    public void ImageShapeOfTheWrongSize()
    {
        using var dir = new TempDir();
        var folder = SaveSample(dir);
        EditConfig(folder, r => r["image"]!["width"] = 4);
        LoadFails(folder, Path.Combine(folder, ModelStore.ConfigFile), "image shape 1x2x4 has 8 values");
    }

    [Fact]
    public void ZeroPreprocessingScale()
    {
        using var dir = new TempDir();
        var folder = SaveSample(dir);
        EditConfig(folder, r => r["preprocessing"]!["scale"]![2] = 0);
        LoadFails(folder, Path.Combine(folder, ModelStore.ConfigFile), "feature 2");
    }

    [Fact]
    public void MalformedWeightsEntry()
    {
        using var dir = new TempDir();
        var folder = SaveSample(dir);
        EditConfig(folder, r => r["weights"] = 5);
        LoadFails(folder, Path.Combine(folder, ModelStore.ConfigFile), "'weights'");
    }

    [Fact]
    public void PreprocessingOfTheWrongWidth()
    {
        using var dir = new TempDir();
        var folder = SaveSample(dir);
        EditConfig(folder, r => { r["preprocessing"]!["offset"] = new JsonArray(1, 2); r["preprocessing"]!["scale"] = new JsonArray(1, 2); });
        LoadFails(folder, Path.Combine(folder, ModelStore.ConfigFile), "preprocessing has 2 features");
    }

    [Fact]
    public void TruncatedWeightsFailTheChecksum()
    {
        using var dir = new TempDir();
        var folder = SaveSample(dir);
        var w = Path.Combine(folder, ModelStore.WeightsFile);
        var bytes = File.ReadAllBytes(w);
        File.WriteAllBytes(w, bytes[..(bytes.Length / 2)]);
        LoadFails(folder, w, "checksum");
    }

    [Fact]
    public void ConfigWithoutWeightsChecksumIsRefused()
    {
        // Given a folder whose config.json lost the weights' checksum (the weights themselves intact)
        using var dir = new TempDir();
        var folder = SaveSample(dir);
        EditConfig(folder, r => r.Remove("weights"));
        // When it is loaded, Then it is refused, naming config.json and the missing sha256: a torn pair could not be detected
        var e = Assert.Throws<ModelFileException>(() => ModelStore.Load(folder));
        Assert.Contains(Path.Combine(folder, ModelStore.ConfigFile), e.Message);
        Assert.Contains("sha256", e.Message);
    }

    [Fact]
    public void WeightsOfAnotherArchitecture()
    {
        using var dir = new TempDir();
        var folder = SaveSample(dir);
        var other = Path.Combine(dir.Path, "other");
        ModelStore.Save(other, Sample(2, new DenseConfig(6, [7], 3, output: Likelihood.Gaussian)));
        var w = Path.Combine(folder, ModelStore.WeightsFile);
        File.Copy(Path.Combine(other, ModelStore.WeightsFile), w, overwrite: true);
        var hash = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(w)));
        EditConfig(folder, r => r["weights"]!["sha256"] = hash);   // so the shape check is what fails
        var e = LoadFails(folder, w, "does not fit");
        Assert.Contains("encoder.0.weight", e.Message);
    }

    [Fact]
    public void SavingOverAnExistingModelReplacesBothFilesAndLeavesNoTempFiles()
    {
        using var dir = new TempDir();
        var folder = SaveSample(dir);
        var second = Sample(5, new DenseConfig(6, [2], 1, output: Likelihood.BoundedGaussian)) with { DataSource = "second" };
        ModelStore.Save(folder, second);
        var loaded = ModelStore.Load(folder);
        Assert.Equal(second.Model.Config, loaded.Model.Config);
        Assert.Equal("second", loaded.DataSource);
        AssertBitEqual(Weights(second.Model), Weights(loaded.Model));
        Assert.Equal([ModelStore.ConfigFile, ModelStore.WeightsFile],
            Directory.GetFileSystemEntries(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }
}
