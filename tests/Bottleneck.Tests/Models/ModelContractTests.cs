using Bottleneck.Data;
using Bottleneck.ModelFiles;
using Bottleneck.Models;
using Bottleneck.Models.Registry;
using Bottleneck.Optim;
using Bottleneck.Tensors;
using Bottleneck.Tests.Data;
using Bottleneck.Training;
using static Bottleneck.Tests.Models.ModelTestUtil;

namespace Bottleneck.Tests.Models;

/// <summary>
/// The contract every registered model kind must meet, checked on each kind's example config and example sample shape: it
/// builds, has the shapes it says, gives a finite loss that is the sum of its named terms, one optimizer step lowers the loss on a
/// fixed batch, its fit procedure fits a small dataset, and it saves and loads bit-exactly. A new kind gets these tests by
/// registering itself.
/// </summary>
public class ModelContractTests
{
    private const int N = 10;

    public static TheoryData<string> Kinds()
    {
        var data = new TheoryData<string>();
        foreach (var k in ModelRegistry.All) data.Add(k.Name);
        return data;
    }

    private static AutoencoderModel Build(string name, ulong seed = 1)
    {
        var kind = ModelRegistry.Get(name);
        var model = ModelRegistry.Create(kind.Example(kind.ExampleShape), new Rng(seed));
        model.Eval();
        return model;
    }

    /// <summary>A batch of the kind's example shape, values in [0, 1).</summary>
    private static RowBatch Batch(AutoencoderModel model, ulong seed) =>
        new(Tensor.FromArray(Uniform01(N, model.InputDim, seed), [N, .. model.InputShape]), Labels: Labels(model, N));

    /// <summary>Labels 0, 1, …, C−1, 0, … for a conditional model, else null.</summary>
    private static int[]? Labels(AutoencoderModel model, int n) =>
        model.ConditionsOnLabels ? Enumerable.Range(0, n).Select(i => i % model.ConditionClasses).ToArray() : null;

    [Fact]
    public void RegistryListsDenseAndRejectsUnknownKinds()
    {
        Assert.Contains(ModelRegistry.All, k => k.Name == "dense");
        var e = Assert.Throws<ArgumentException>(() => ModelRegistry.Get("no-such-kind"));
        Assert.Contains("no-such-kind", e.Message);
        Assert.Contains("dense", e.Message);
        Assert.Throws<ArgumentException>(() => ModelRegistry.Register(Bottleneck.Models.Dense.DenseKinds.Dense));
        var pca = ModelRegistry.Get("pca").Example([6]);
        var wrong = Assert.Throws<ArgumentException>(() => ModelRegistry.Create(pca with { Kind = "dense" }, new Rng(0)));
        Assert.Contains("takes a DenseConfig", wrong.Message);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void TheExampleIsOfItsKindAndItsShape(string name)
    {
        var kind = ModelRegistry.Get(name);
        var config = kind.Example(kind.ExampleShape);
        Assert.Equal(name, config.Kind);
        Assert.IsType(kind.ConfigType, config);
        Assert.Equal(kind.ExampleShape, config.InputShape);
        Assert.False(string.IsNullOrWhiteSpace(kind.Description));
        Assert.StartsWith(name + " ", config.Describe());
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void ShapesAndFiniteLossThatIsTheSumOfItsTerms(string name)
    {
        var model = Build(name);
        Assert.Equal(name, model.Config.Kind);
        int latent = model.LatentDim;
        Assert.True(latent >= 1);
        var x = Batch(model, 3);
        int[] batchShape = [N, .. model.InputShape];

        var z = model.Encode(x);
        Assert.Equal([N, latent], z.ShapeToArray());
        if (!model.ConditionsOnLabels)
        {
            Assert.Equal(batchShape, model.DecodeLogits(z).ShapeToArray());
            Assert.Equal(batchShape, model.Decode(z).ShapeToArray());
        }
        Assert.Equal(batchShape, model.Reconstruct(x).ShapeToArray());

        foreach (var context in new[] { StepContext.Evaluation, StepContext.ForTraining(1, 0, new Rng(5)) })
        {
            var o = model.Step(x, context);
            Assert.Equal([N, latent], o.Latent.ShapeToArray());
            Assert.Equal(batchShape, o.Logits.ShapeToArray());
            Assert.Equal(batchShape, o.Reconstruction.ShapeToArray());
            Assert.Equal(0, o.Loss.Rank);
            Assert.True(float.IsFinite(o.Loss.Item()), $"loss {o.Loss.Item()}");
            Assert.Equal(LossTerms.Reconstruction, o.Terms[0].Name);
            Assert.Equal(o.Terms.Count, o.Terms.Select(t => t.Name).Distinct().Count());
            Assert.All(o.Terms, t => Assert.True(t.Value.Rank == 0 && float.IsFinite(t.Value.Item()), $"{t.Name} {t.Value.Item()}"));
            Assert.Equal(o.Terms.Sum(t => (double)t.Value.Item()), o.Loss.Item(), 4);
            Assert.Equal(o.ReconstructionLoss.Item() + o.RegularizationLoss.Item(), o.Loss.Item(), 4);
        }
        var eval = model.Compute(x);
        // Within float rounding, not bit for bit: a kind's no-grad path may sum in another order (the conv kind's channels-last
        // fused path); forgetting eval mode, dropout or a corruption would differ far more than this
        AssertCloseAll(NoGrad(() => model.Reconstruct(x)), eval.Reconstruction.ToArray(), 1e-5, "Compute's reconstruction vs Reconstruct");

        var bad = Tensor.FromArray(Uniform01(N, model.InputDim + 1, 3), N, model.InputDim + 1);
        var e = Assert.Throws<ShapeException>(() => model.Compute(x with { Input = bad }));
        Assert.Contains($"{model.InputDim + 1}", e.Message);
        Assert.Contains($"{model.InputDim}", e.Message);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void OneAdamStepLowersTheLossOnAFixedBatch(string name)
    {
        var model = Build(name);  // eval mode, evaluation steps: the forward pass is deterministic
        var x = Batch(model, 4);
        float before = model.Compute(x).Loss.Item();
        var optimizers = model.ParameterGroups().Select(g => new Adam(g.Parameters, lr: 1e-2f)).ToList();
        foreach (var o in optimizers) o.ZeroGrad();
        model.Compute(x).Loss.Backward();
        Assert.All(model.Parameters(), p => Assert.NotNull(p.Grad));
        foreach (var o in optimizers) o.Step();
        float after = model.Compute(x).Loss.Item();
        Assert.True(after < before, $"loss {before} → {after} after one Adam step");
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void ParameterGroupsCoverEveryParameterOnce(string name)
    {
        var model = Build(name);
        var groups = model.ParameterGroups();
        var grouped = groups.Where(g => !g.SharesParameters).SelectMany(g => g.Parameters).ToList();
        Assert.Equal(model.Parameters().Count, grouped.Count);
        Assert.Equal(model.Parameters().Count, grouped.Distinct().Count());
        Assert.All(model.Parameters(), p => Assert.Contains(p, grouped));
        // A group that shares (a second optimizer, e.g. an aae's generator) holds only parameters an owning group holds.
        Assert.All(groups.Where(g => g.SharesParameters).SelectMany(g => g.Parameters), p => Assert.Contains(p, grouped));
        Assert.Equal(groups.Count, groups.Select(g => g.Name).Distinct().Count());
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void ItsFitProcedureFitsASmallDatasetAndLeavesTheModelInEvalMode(string name)
    {
        var kind = ModelRegistry.Get(name);
        var config = kind.Example(kind.ExampleShape);
        var model = ModelRegistry.Create(config, new Rng(2));
        var data = Dataset01(40, model.InputDim, 9);
        if (Labels(model, 40) is { } labels) data = new Dataset(data.Features, 40, model.InputDim, labels, source: data.Source);
        var all = new RowBatch(Tensor.FromArray(data.Features, [40, .. model.InputShape]), Labels: Labels(model, 40));
        float before = NoGrad(() => model.Compute(all).Loss)[0];
        var fit = kind.CreateFit(config, new TrainingOptions(epochs: 3, batchSize: 8, learningRate: 1e-2f));
        Assert.NotEmpty(fit.Describe());
        Assert.Contains(fit.Stages, s => s.Name == fit.FinalStage);
        var result = fit.Fit(model, RowSource.For(model, data), null, new FitContext());
        Assert.False(result.Cancelled);
        Assert.False(model.Training);
        float after = NoGrad(() => model.Compute(all).Loss)[0];
        Assert.True(after < before, $"{name}: loss {before} → {after} after fitting");
        Assert.All(result.History, h => Assert.True(h.Terms is { Count: >= 1 } t && t[LossTerms.Reconstruction] is double r && double.IsFinite(r)));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void SaveLoadRoundTripIsBitExact(string name)
    {
        var model = Build(name, seed: 7);
        var x = Batch(model, 5);
        using var dir = new TempDir();
        ModelStore.Save(dir.Path, new SavedModel(model, new PreprocessorState(ScalingKind.None, [], []), null, [], null, "contract"));
        var loaded = ModelStore.Load(dir.Path);
        Assert.Equal(model.GetType(), loaded.Model.GetType());
        Assert.False(loaded.Model.Training);
        Assert.Equal(model.Config, loaded.Model.Config);
        Assert.Equal(name, loaded.Model.Config.Kind);
        AssertBitEqual(Weights(model), Weights(loaded.Model));
        AssertBitEqual(NoGrad(() => model.Encode(x)), NoGrad(() => loaded.Model.Encode(x)), "Encode");
        AssertBitEqual(NoGrad(() => model.Reconstruct(x)), NoGrad(() => loaded.Model.Reconstruct(x)), "Reconstruct");
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void ConfigJsonRoundTrip(string name)
    {
        var kind = ModelRegistry.Get(name);
        var config = kind.Example(kind.ExampleShape);
        var json = ModelRegistry.ToJson(config);
        Assert.False(json.TryGetProperty("kind", out _), "the kind is config.json's top-level entry, not part of the config");
        var back = ModelRegistry.FromJson(name, json);
        Assert.IsType(kind.ConfigType, back);
        Assert.Equal(config, back);
        Assert.Equal(config.GetHashCode(), back.GetHashCode());
        Assert.Equal(json.GetRawText(), ModelRegistry.ToJson(back).GetRawText());
    }
}
