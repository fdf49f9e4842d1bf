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

    [Theory]
    [InlineData("lstm")]
    [InlineData("tcn")]
    public void TheNegativeElboScoresAVariationalSequenceModelAsReconstructionPlusKl(string kind)
    {
        // Given an LSTM-VAE (or TCN-VAE) and a few sequences
        ModelConfig config = kind == "tcn" ? new TcnConfig(6, 2, 3, [4], 3, [1, 2], variational: true) : new SequenceConfig(6, 2, 3, hidden: 5, variational: true);
        var model = ModelRegistry.Create(config, new Rng(8));
        var rows = Bottleneck.Tests.Models.ModelTestUtil.Uniform01(5, 12, 3);
        var data = new Bottleneck.Data.Dataset(rows, 5, 12) { Sequence = new Bottleneck.Data.SequenceShape(6, 2) };
        // When it is scored by the negative ELBO, the reconstruction probability and the KL (the same seeded draws)
        float[] Score(Bottleneck.Anomaly.ReconstructionError e) => new Bottleneck.Anomaly.AnomalyScorer(model, e).Score(data);
        var elbo = Score(Bottleneck.Anomaly.ReconstructionError.NegElbo);
        var rec = Score(Bottleneck.Anomaly.ReconstructionError.ReconstructionProbability);
        var kl = Score(Bottleneck.Anomaly.ReconstructionError.Kl);
        // Then −ELBO = −log p(x|z) + KL per sequence, the KL is positive, and a plain lstm is refused these scores
        for (int i = 0; i < 5; i++)
        {
            Assert.True(kl[i] > 0f);
            Assert.Equal(rec[i] + kl[i], elbo[i], 4);
        }
        var plain = ModelRegistry.Create(new SequenceConfig(6, 2, 3, hidden: 5), new Rng(8));
        Assert.Contains("without --variational", Assert.Throws<ArgumentException>(() => new Bottleneck.Anomaly.AnomalyScorer(plain, Bottleneck.Anomaly.ReconstructionError.NegElbo)).Message);
    }
}
