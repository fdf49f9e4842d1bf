using Bottleneck.Models;
using Bottleneck.Models.Registry;
using Bottleneck.Models.Sequence;
using Bottleneck.Optim;
using Bottleneck.Tensors;

namespace Bottleneck.Tests.Models;

/// <summary>The transformer kind: padding, masked-autoencoder training, learning, config files.</summary>
public class TransformerAutoencoderTests
{
    private static Tensor Sines(int n, int t, ulong seed)
    {
        var rng = new Rng(seed);
        var x = Tensor.Zeros(n, t, 1);
        for (int i = 0; i < n; i++)
        {
            float phase = rng.Uniform(0f, 6.283f);
            for (int s = 0; s < t; s++) x[i, s, 0] = MathF.Sin(0.5f * s + phase);
        }
        return x;
    }

    [Fact]
    public void PaddedStepsChangeNeitherTheCodeNorTheLoss()
    {
        var model = ModelRegistry.Create(new TransformerConfig(6, 1, 3, dModel: 8, heads: 2, layers: 1), new Rng(1));
        var x = Sines(2, 6, 2);
        var mask = Tensor.Zeros(2, 6, 1);
        for (int s = 0; s < 4; s++) { mask[0, s, 0] = 1f; mask[1, s, 0] = 1f; }
        var other = x.Clone();
        other[0, 5, 0] = 50f; other[1, 4, 0] = -20f;
        var a = model.Step(new RowBatch(x, Mask: mask), StepContext.Evaluation);
        var b = model.Step(new RowBatch(other, Mask: mask), StepContext.Evaluation);
        Assert.Equal(a.Latent.ToArray(), b.Latent.ToArray());
        Assert.Equal(a.Loss.Item(), b.Loss.Item());
        Assert.NotEqual(a.Loss.Item(), model.Step(new RowBatch(other), StepContext.Evaluation).Loss.Item());
    }

    [Fact]
    public void MaskedAutoencoderTrainingScoresOnlyTheMaskedSteps()
    {
        // Given a masked autoencoder (ratio 0.5 of 8 steps) and a target that is wrong at every step
        var model = ModelRegistry.Create(new TransformerConfig(8, 1, 3, dModel: 8, heads: 2, layers: 1, maskRatio: 0.5f), new Rng(3));
        var x = Sines(4, 8, 5);
        var ctx = StepContext.ForTraining(0, 0, new Rng(9));
        // When a training step runs twice with the same noise: once scored against x, once against x with huge values everywhere
        var full = model.Step(new RowBatch(x), StepContext.Evaluation).Loss.Item();
        var train = model.Step(new RowBatch(x), ctx).Loss.Item();
        // Then the training loss covers 4 of the 8 steps: clearly below the full evaluation loss, which covers all 8
        Assert.True(train < 0.8f * full, $"train {train} vs evaluation {full}");
        // and 150 Adam steps of masked training halve the full (unmasked) reconstruction error
        var adam = new Adam(model.Parameters(), 1e-2f);
        for (int i = 0; i < 150; i++)
        {
            adam.ZeroGrad();
            model.Step(new RowBatch(x), StepContext.ForTraining(0, i, new Rng((ulong)i + 100))).Loss.Backward();
            adam.Step();
        }
        float after = model.Step(new RowBatch(x), StepContext.Evaluation).Loss.Item();
        Assert.True(after < full / 2, $"evaluation loss {full} -> {after}");
    }

    [Fact]
    public void ConfigRoundTripsAndValidates()
    {
        var c = new TransformerConfig(50, 2, 8, dModel: 16, heads: 4, layers: 3, dropout: 0.1f, maskRatio: 0.25f);
        var back = (TransformerConfig)ModelRegistry.FromJson("transformer", ModelRegistry.ToJson(c));
        Assert.Equal(c, back);
        Assert.Equal(32, back.Feedforward);
        Assert.Contains("masked autoencoder (ratio 0.25)", back.Describe());
        Assert.Equal("heads", Assert.Throws<ArgumentOutOfRangeException>(() => new TransformerConfig(50, 2, 8, dModel: 10, heads: 4)).ParamName);
        Assert.Equal("maskRatio", Assert.Throws<ArgumentOutOfRangeException>(() => new TransformerConfig(50, 2, 8, maskRatio: 1f)).ParamName);
        var names = ModelRegistry.Create(c, new Rng(1)).StateDict().Select(e => e.Name).ToList();
        Assert.Contains("encoder.layers.2.self_attn.in_proj_weight", names);
        Assert.Contains("decoder.norm.weight", names);
    }
}
