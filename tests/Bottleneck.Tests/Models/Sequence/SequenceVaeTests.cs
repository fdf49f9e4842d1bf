using Bottleneck.Autograd;
using Bottleneck.Models;
using Bottleneck.Models.Registry;
using Bottleneck.Models.Sequence;
using Bottleneck.Tensors;

namespace Bottleneck.Tests.Models.Sequence;

/// <summary>A recurrent kind made variational by composing the core's Gaussian latent (the LSTM-VAE), no new class.</summary>
public class SequenceVaeTests
{
    [Theory]
    [InlineData("lstm")]
    [InlineData("gru")]
    public void AVariationalSequenceModelAddsTheKlAndEncodesThePosteriorMean(string kind)
    {
        var config = new SequenceConfig(6, 2, 3, hidden: 5, variational: true, beta: 2f) with { Kind = kind };
        var model = ModelRegistry.Create(config, new Rng(4));
        var latent = Assert.IsType<GaussianLatent>(((SequenceAutoencoder)model).Latent);
        Assert.Equal(2f, latent.Weighting.Beta);
        var x = Tensor.FromArray(Bottleneck.Tests.Models.ModelTestUtil.Uniform01(4, 12, 2), 4, 6, 2);
        var train = model.Step(new RowBatch(x), StepContext.ForTraining(1, 0, new Rng(5)) with { EpochsDone = 3 });
        Assert.Equal([LossTerms.Reconstruction, "kl"], train.Terms.Select(t => t.Name).ToArray());
        Assert.Contains(train.Metrics, m => m.Name == "kl-nats");
        Assert.Equal(2f * train.Metrics.Single(m => m.Name == "kl-nats").Value.Item(), train.Terms[1].Value.Item(), 4);
        model.Eval();
        using var _ = GradMode.NoGrad();
        var z1 = model.Encode(x).ToArray();
        Assert.Equal(z1, model.Encode(x).ToArray());   // the posterior mean: deterministic
        var plain = ModelRegistry.Create(new SequenceConfig(6, 2, 3, hidden: 5) with { Kind = kind }, new Rng(4));
        Assert.IsType<DeterministicLatent>(((SequenceAutoencoder)plain).Latent);
        var json = ModelRegistry.ToJson(config);
        Assert.Equal(config, ModelRegistry.FromJson(kind, json));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SequenceConfig(6, 2, 3, variational: true, beta: -1f));
    }
}
