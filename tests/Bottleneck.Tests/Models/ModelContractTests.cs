using Bottleneck.Data;
using Bottleneck.ModelFiles;
using Bottleneck.Models;
using Bottleneck.Optim;
using Bottleneck.Tensors;
using Bottleneck.Tests.Data;
using static Bottleneck.Tests.Models.ModelTestUtil;

namespace Bottleneck.Tests.Models;

/// <summary>The contract every registered model kind must meet, checked on <see cref="ModelKind.Example"/> configs.</summary>
public class ModelContractTests
{
    private const int D = 12, N = 10;

    public static TheoryData<string> Kinds()
    {
        var data = new TheoryData<string>();
        foreach (var k in ModelRegistry.All) data.Add(k.Name);
        return data;
    }

    private static AutoencoderModel Build(string name, ulong seed = 1)
    {
        var kind = ModelRegistry.Get(name);
        var model = kind.Create(kind.Example(D), new Rng(seed));
        model.Eval();
        return model;
    }

    [Fact]
    public void RegistryListsDenseAndRejectsUnknownKinds()
    {
        Assert.Contains(ModelRegistry.All, k => k.Name == "dense");
        var e = Assert.Throws<ArgumentException>(() => ModelRegistry.Get("no-such-kind"));
        Assert.Contains("no-such-kind", e.Message);
        Assert.Contains("dense", e.Message);
        Assert.Throws<ArgumentException>(() => ModelRegistry.Register(Bottleneck.Models.Dense.DenseAutoencoder.Kind));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void ShapesAndFiniteLoss(string name)
    {
        var model = Build(name);
        Assert.Equal(name, model.Config.Kind);
        Assert.Equal(D, model.InputDim);
        int latent = model.LatentDim;
        Assert.True(latent >= 1);
        var x = Batch01(N, D, 3);

        var z = model.Encode(x);
        Assert.Equal([N, latent], z.ShapeToArray());
        Assert.Equal([N, D], model.DecodeLogits(z).ShapeToArray());
        Assert.Equal([N, D], model.Decode(z).ShapeToArray());
        Assert.Equal([N, D], model.Reconstruct(x).ShapeToArray());

        var o = model.Compute(x);
        Assert.Equal([N, latent], o.Latent.ShapeToArray());
        Assert.Equal([N, D], o.Logits.ShapeToArray());
        Assert.Equal([N, D], o.Reconstruction.ShapeToArray());
        Assert.Equal(0, o.Loss.Rank);
        Assert.True(float.IsFinite(o.Loss.Item()), $"loss {o.Loss.Item()}");
        Assert.True(float.IsFinite(o.ReconstructionLoss.Item()));
        Assert.True(float.IsFinite(o.RegularizationLoss.Item()));
        Assert.Equal(o.ReconstructionLoss.Item() + o.RegularizationLoss.Item(), o.Loss.Item(), 5);
        AssertBitEqual(NoGrad(() => model.Reconstruct(x)), o.Reconstruction.ToArray(), "Compute's reconstruction vs Reconstruct");

        var bad = Batch01(N, D + 1, 3);
        var e = Assert.Throws<ShapeException>(() => model.Compute(bad));
        Assert.Contains($"{D + 1}", e.Message);
        Assert.Contains($"{D}", e.Message);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void OneAdamStepLowersTheLossOnAFixedBatch(string name)
    {
        var model = Build(name);  // eval mode: the forward pass is deterministic
        var x = Batch01(N, D, 4);
        float before = model.Compute(x).Loss.Item();
        var opt = new Adam(model.Parameters(), lr: 1e-2f);
        opt.ZeroGrad();
        model.Compute(x).Loss.Backward();
        Assert.All(model.Parameters(), p => Assert.NotNull(p.Grad));
        opt.Step();
        float after = model.Compute(x).Loss.Item();
        Assert.True(after < before, $"loss {before} → {after} after one Adam step");
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void SaveLoadRoundTripIsBitExact(string name)
    {
        var model = Build(name, seed: 7);
        var x = Batch01(N, D, 5);
        using var dir = new TempDir();
        ModelStore.Save(dir.Path, new SavedModel(model, new PreprocessorState(ScalingKind.None, [], []), null, [], null, "contract"));
        var loaded = ModelStore.Load(dir.Path);
        Assert.Equal(model.GetType(), loaded.Model.GetType());
        Assert.False(loaded.Model.Training);
        Assert.Equal(model.Config, loaded.Model.Config);
        AssertBitEqual(Weights(model), Weights(loaded.Model));
        AssertBitEqual(NoGrad(() => model.Encode(x)), NoGrad(() => loaded.Model.Encode(x)), "Encode");
        AssertBitEqual(NoGrad(() => model.Reconstruct(x)), NoGrad(() => loaded.Model.Reconstruct(x)), "Reconstruct");
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void ConfigJsonRoundTrip(string name)
    {
        var kind = ModelRegistry.Get(name);
        var config = kind.Example(D);
        Assert.IsType(kind.ConfigType, config);
        var json = ModelRegistry.ToJson(config);
        var back = ModelRegistry.FromJson(name, json);
        Assert.IsType(kind.ConfigType, back);
        Assert.Equal(config, back);
        Assert.Equal(config.GetHashCode(), back.GetHashCode());
        Assert.Equal(json.GetRawText(), ModelRegistry.ToJson(back).GetRawText());
    }
}
