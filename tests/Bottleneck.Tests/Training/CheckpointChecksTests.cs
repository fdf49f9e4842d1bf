using System.Text.Json.Nodes;
using Bottleneck.Data;
using Bottleneck.IO;
using Bottleneck.Models.Dense;
using Bottleneck.Tensors;
using Bottleneck.Tests.Data;
using Bottleneck.Training;
using static Bottleneck.Tests.Models.ModelTestUtil;

namespace Bottleneck.Tests.Training;

/// <summary>Promise 6 and 9 of issue 10 for checkpoints: the recipe recorded and compared on resume, an incomplete trainer.json refused.</summary>
public class CheckpointChecksTests
{
    private static readonly Lazy<Dataset> Data = new(() => Dataset01(64, 12, 5));

    private static DenseAutoencoder Model() => new(new DenseConfig(12, [8], 3), new Rng(1));

    private static TrainingResult Fit(string dir, bool resume, int epochs, params (string, string)[] recipe)
    {
        var model = Model();
        var trainer = new Trainer(new TrainingOptions(epochs: epochs, batchSize: 16));
        return trainer.Fit(model, RowSource.For(model, Data.Value, "training data"), null,
            new FitContext(CheckpointDirectory: dir, Resume: resume, Recipe: recipe.Select(p => new KeyValuePair<string, string>(p.Item1, p.Item2)).ToList()));
    }

    [Fact]
    public void ResumingWithAnotherRecipeIsRefusedNamingEachDifference()
    {
        // Given a checkpoint made with kind dense and ReLU
        using var dir = new TempDir();
        Fit(dir.Path, false, 1, ("--kind", "dense"), ("model hiddenActivation", "\"relu\""), ("--scale", "minmax"));
        // When resumed as a tanh denoising run without a scale entry
        var e = Assert.Throws<ModelFileException>(() =>
            Fit(dir.Path, true, 2, ("--kind", "denoising"), ("model hiddenActivation", "\"tanh\""), ("--noise", "gaussian:0.5")));
        // Then every difference is named with both values
        Assert.Contains("--kind: dense → denoising", e.Message);
        Assert.Contains("model hiddenActivation: \"relu\" → \"tanh\"", e.Message);
        Assert.Contains("--noise: (not recorded) → gaussian:0.5", e.Message);
        Assert.Contains("--scale: minmax → (not set)", e.Message);
        Assert.Equal(Path.Combine(dir.Path, "trainer.json"), e.FilePath);
    }

    [Fact]
    public void ResumingWithTheSameRecipeContinues()
    {
        using var dir = new TempDir();
        Fit(dir.Path, false, 1, ("--kind", "dense"));
        var result = Fit(dir.Path, true, 2, ("--kind", "dense"));
        Assert.Equal(2, result.History.Count);
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(dir.Path, "trainer.json")))!;
        Assert.Equal("dense", (string?)json["recipe"]!["--kind"]);
    }

    [Theory]
    [InlineData("optimizers")]
    [InlineData("history")]
    [InlineData("epoch")]
    [InlineData("paramSteps")]
    public void TrainerJsonWithMissingPartsIsRefusedNamingTheFile(string part)
    {
        // Given a checkpoint whose trainer.json lost one part
        using var dir = new TempDir();
        Fit(dir.Path, false, 1);
        var path = Path.Combine(dir.Path, "trainer.json");
        var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        if (part == "paramSteps") json["optimizers"]![0]!.AsObject().Remove("paramSteps");
        else json.Remove(part);
        File.WriteAllText(path, json.ToJsonString());
        // When resumed, Then it is an error naming the file and the part, not a silent optimizer reset
        var e = Assert.Throws<ModelFileException>(() => Fit(dir.Path, true, 2));
        Assert.Contains(path, e.Message);
        Assert.Contains("incomplete", e.Message);
        Assert.Contains(part, e.Message);
    }
}
