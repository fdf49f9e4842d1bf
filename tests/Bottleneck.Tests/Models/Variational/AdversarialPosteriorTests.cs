using Bottleneck.Models;
using Bottleneck.Models.Variational;
using Bottleneck.NN;
using Bottleneck.Tensors;
using Bottleneck.Tests.Autograd;
using Bottleneck.Training;

namespace Bottleneck.Tests.Models.Variational;

/// <summary>The adversarial autoencoder's Gaussian posterior q(z | x) (Makhzani et al. 2016, §2) and its joint adversarial step
/// (WAE-GAN, Tolstikhin et al. 2018): phases, terms, the codes measured against the prior, gradients.</summary>
public class AdversarialPosteriorTests
{
    /// <summary>A small AAE; λ &lt; 0 stands for instance noise σ0 0.5 (and no joint step).</summary>
    private static VariationalAutoencoder Model(LatentKind latent, float lambda = 0f, ulong seed = 1)
    {
        var config = new VariationalConfig(6, [5], 2, hiddenActivation: Activation.Tanh, latent: latent, adversarial: true, discriminatorHidden: 4,
            adversarialWeight: Math.Max(0, lambda), instanceNoise: lambda < 0 ? 0.5f : 0f);
        var model = new VariationalAutoencoder(config, new Rng(seed));
        // Every discriminator unit active (first layer's biases far above its pre-activations, second layer's weights positive): no ReLU
        // kink within the gradient check's stencil.
        var layers = model.Discriminator!.Layers.OfType<Linear>().ToArray();
        layers[0].Bias!.Span.Fill(5f);
        var w = layers[1].Weight.Span;
        for (int i = 0; i < w.Length; i++) w[i] = MathF.Abs(w[i]);
        layers[1].Bias!.Span.Fill(1f);
        return model;
    }

    private static RowBatch Batch(int rows = 8) => new(ModelTestUtil.Batch01(rows, 6, 4));

    [Fact]
    public void AGaussianPosteriorReconstructionPhaseHasNoKlTermButLogsTheKlInNats()
    {
        // Given an AAE with a Gaussian posterior
        var model = Model(LatentKind.Gaussian);
        Assert.Equal("gaussian", model.VariationalConfig.AdversarialPosterior);
        // When its reconstruction phase runs a training step
        var output = model.StepPhase(Batch(), StepContext.ForTraining(0, 0, new Rng(3)), model.TrainingPhases[0]);
        // Then the loss is the reconstruction alone and the KL to N(0, I) is a logged value, not a term
        Assert.Equal([LossTerms.Reconstruction], output.Terms.Select(t => t.Name).ToArray());
        Assert.Equal(output.ReconstructionLoss.Item(), output.Loss.Item());
        Assert.Equal([VariationalTerms.KlNats], output.Metrics.Select(t => t.Name).ToArray());
        Assert.True(output.Metrics[0].Value.Item() > 0);
    }

    [Fact]
    public void TheDiscriminatorSeesSampledCodesFromAGaussianPosteriorAndTheCodeItselfFromADeterministicEncoder()
    {
        var x = Batch();
        foreach (var (latent, sampled) in new[] { (LatentKind.Gaussian, true), (LatentKind.Deterministic, false) })
        {
            var model = Model(latent);
            var phase = model.TrainingPhases[1];
            Assert.Equal("discriminator", phase.Name);
            float[] Codes(ulong seed) => model.StepPhase(x, StepContext.ForTraining(0, 0, new Rng(seed)), phase).Latent.ToArray();
            float[] mean = ModelTestUtil.NoGrad(() => model.Encode(x.Input));
            Assert.Equal(sampled, !Codes(1).SequenceEqual(Codes(2)));
            Assert.Equal(sampled, !Codes(1).SequenceEqual(mean));
        }
    }

    [Fact]
    public void EncodeSampleDrawsFromTheGaussianPosterior()
    {
        // Given a Gaussian posterior with log σ² = ln 4 everywhere (σ = 2)
        var model = Model(LatentKind.Gaussian);
        model.Gaussian!.LogVar.Weight.Span.Clear();
        model.Gaussian.LogVar.Bias!.Span.Fill(MathF.Log(4f));
        var x = ModelTestUtil.Batch01(4000, 6, 9);
        // When codes are drawn from q(z | x)
        var z = model.EncodeSample(x, new Rng(5)).ToArray();
        var mu = ModelTestUtil.NoGrad(() => model.Encode(x));
        // Then (z − μ)/σ has mean 0 and standard deviation 1, and the same generator gives the same codes
        var eps = z.Select((v, i) => (v - mu[i]) / 2.0).ToArray();
        double mean = eps.Average(), sd = Math.Sqrt(eps.Select(e => (e - mean) * (e - mean)).Average());
        Assert.InRange(mean, -0.03, 0.03);
        Assert.InRange(sd, 0.97, 1.03);
        Assert.Equal(z, model.EncodeSample(x, new Rng(5)).ToArray());
        // A deterministic encoder's sample is its code
        var det = Model(LatentKind.Deterministic);
        Assert.Equal(ModelTestUtil.NoGrad(() => det.Encode(x)), det.EncodeSample(x, new Rng(5)).ToArray());
    }

    [Fact]
    public void AJointStepHasTwoPhasesAndAddsTheWeightedGeneratorTermToTheReconstructionWithoutTouchingTheDiscriminator()
    {
        // Given an AAE with a joint step λ = 3
        var model = Model(LatentKind.Deterministic, lambda: 3f);
        Assert.Equal(["reconstruction", "discriminator"], model.TrainingPhases.Select(p => p.Name).ToArray());
        Assert.Equal(["model", "discriminator"], model.ParameterGroups().Select(g => g.Name).ToArray());
        var x = Batch();
        // When the reconstruction phase runs
        var output = model.StepPhase(x, StepContext.ForTraining(0, 0, new Rng(3)), model.TrainingPhases[0]);
        // Then its generator term is λ·(−log D(z)) on the codes, averaged over the batch
        var z = ModelTestUtil.NoGrad(() => model.Encode(x.Input));
        var logits = ModelTestUtil.NoGrad(() => model.Discriminator!.Forward(Tensor.FromArray(z, 8, 2)));
        double expected = 3 * logits.Average(l => Math.Log(1 + Math.Exp(-l)));
        Assert.Equal(expected, output.Term(VariationalTerms.Generator)!.Item(), 4);
        // and its gradient reaches the encoder, not the discriminator
        output.Loss.Backward();
        Assert.All(model.Discriminator!.Parameters(), p => Assert.True(p.Grad is null || p.Grad.ToArray().All(g => g == 0)));
        Assert.Contains(model.Encoder.Parameters(), p => p.Grad is { } g && g.ToArray().Any(v => v != 0));
    }

    [Fact]
    public void KDiscriminatorStepsRunTheDiscriminatorPhaseKTimesPerBatchWithFreshPriorSamples()
    {
        // Given an AAE with 3 discriminator steps per batch
        var config = new VariationalConfig(6, [5], 2, latent: LatentKind.Deterministic, adversarial: true, discriminatorHidden: 4, discriminatorSteps: 3);
        var model = new VariationalAutoencoder(config, new Rng(1));
        Assert.Equal(["reconstruction", "discriminator", "discriminator", "discriminator", "generator"], model.TrainingPhases.Select(p => p.Name).ToArray());
        var joint = new VariationalAutoencoder(new VariationalConfig(6, [5], 2, latent: LatentKind.Deterministic, adversarial: true, discriminatorSteps: 3,
            adversarialWeight: 1f), new Rng(1));
        Assert.Equal(["reconstruction", "discriminator", "discriminator", "discriminator"], joint.TrainingPhases.Select(p => p.Name).ToArray());
        // When it trains, the discriminator moves, and the logged discriminator term is the sum of its 3 losses (each about ln 4 at the start)
        var data = ModelTestUtil.Dataset01(64, 6, 2);
        var before = ModelTestUtil.Weights(model);
        var result = new Trainer(new TrainingOptions(epochs: 1, batchSize: 16, learningRate: 1e-4f, seed: 3)).Fit(model, data);
        Assert.InRange(result.History[0].Terms!["discriminator"]!.Value, 3 * 1.2, 3 * 1.6);
        var after = ModelTestUtil.Weights(model);
        Assert.Contains(after.Keys, k => k.StartsWith("discriminator.", StringComparison.Ordinal) && !after[k].SequenceEqual(before[k]));
        Assert.Equal("discriminatorSteps", Assert.Throws<ArgumentOutOfRangeException>(() =>
            new VariationalConfig(6, [5], 2, latent: LatentKind.Deterministic, adversarial: true, discriminatorSteps: 0)).ParamName);
    }

    [Fact]
    public void InstanceNoiseFallsLinearlyToZeroAndOnlyTrainingStepsAddIt()
    {
        // Given σ0 = 0.8 falling to 0 over 4 epochs
        var config = new VariationalConfig(6, [5], 2, latent: LatentKind.Deterministic, adversarial: true, discriminatorHidden: 4,
            instanceNoise: 0.8f, instanceNoiseEpochs: 4f);
        Assert.Equal([0.8f, 0.6f, 0.4f, 0f, 0f], new[] { 0.0, 1.0, 2.0, 4.0, 6.0 }.Select(t => MathF.Round(config.InstanceNoiseAt(t), 6)).ToArray());
        Assert.Equal(0.5f, new VariationalConfig(6, [5], 2, latent: LatentKind.Deterministic, adversarial: true, instanceNoise: 0.5f).InstanceNoiseAt(100));
        // When the discriminator phase runs at epoch 1 (σ 0.8) and after the noise has gone (epoch 5), with the same generator
        var model = new VariationalAutoencoder(config, new Rng(1));
        var phase = model.TrainingPhases[1];
        var x = Batch();
        double Loss(int epoch, ulong seed) => model.StepPhase(x, StepContext.ForTraining(epoch, 0, new Rng(seed)), phase).Loss.Item();
        var clean = new VariationalAutoencoder(new VariationalConfig(6, [5], 2, latent: LatentKind.Deterministic, adversarial: true, discriminatorHidden: 4), new Rng(1));
        double CleanLoss(ulong seed) => clean.StepPhase(x, StepContext.ForTraining(1, 0, new Rng(seed)), clean.TrainingPhases[1]).Loss.Item();
        // Then with noise the loss differs from the noise-free model's on the same prior draws; without it, it is the same
        Assert.NotEqual(CleanLoss(3), Loss(1, 3));
        Assert.Equal(CleanLoss(3), Loss(5, 3));
        Assert.Equal("instanceNoise", Assert.Throws<ArgumentOutOfRangeException>(() =>
            new VariationalConfig(6, [5], 2, latent: LatentKind.Deterministic, adversarial: true, instanceNoise: -0.1f)).ParamName);
    }

    public static TheoryData<LatentKind, float, int> Phases => new()
    {
        { LatentKind.Gaussian, 0f, 0 },       // reconstruction (sampled z)
        { LatentKind.Gaussian, 0f, 1 },       // discriminator on sampled codes
        { LatentKind.Gaussian, 0f, 2 },       // generator through the reparameterization
        { LatentKind.Gaussian, 2f, 0 },       // joint step, Gaussian posterior
        { LatentKind.Deterministic, 2f, 0 },  // joint step, deterministic encoder
        { LatentKind.Gaussian, -1f, 1 },      // λ −1: instance noise 0.5 instead of a joint step (discriminator phase)
        { LatentKind.Gaussian, -1f, 2 },      // instance noise, generator phase
    };

    [Theory]
    [MemberData(nameof(Phases))]
    public void EachPhaseLossHasTheGradientOfCentralDifferences(LatentKind latent, float lambda, int phaseIndex)
    {
        // Given a small AAE and one phase, the noise of the step fixed (the same ε and prior draws on every evaluation)
        var model = Model(latent, lambda);
        var phase = model.TrainingPhases[phaseIndex];
        var x = Batch(4);
        var groups = model.ParameterGroups().Where(g => phase.Groups!.Contains(g.Name)).SelectMany(g => g.Parameters).Distinct().ToArray();
        // Then the analytic gradient of the phase's loss with respect to the parameters it steps matches central differences
        GradCheck.Check($"{latent} λ {lambda} {phase.Name}", _ => model.StepPhase(x, StepContext.ForTraining(0, 0, new Rng(11)), phase).Loss, groups);
    }

    [Theory]
    [InlineData(2f, 0f, "klSchedule")]
    [InlineData(1f, 0.5f, "klSchedule")]
    public void KlOptionsAreRefusedOnAGaussianPosteriorAae(float beta, float freeBits, string named)
    {
        var e = Assert.Throws<ArgumentException>(() => new VariationalConfig(6, [5], 2, latent: LatentKind.Gaussian, adversarial: true, beta: beta, freeBits: freeBits));
        Assert.Equal(named, e.ParamName);
        Assert.Contains("discriminator", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ALadderLatentAndANegativeJointWeightAreRefused()
    {
        Assert.Equal("adversarial", Assert.Throws<ArgumentException>(() => new VariationalConfig(6, [5], 2, latent: LatentKind.Ladder, adversarial: true)).ParamName);
        Assert.Equal("adversarialWeight", Assert.Throws<ArgumentOutOfRangeException>(() =>
            new VariationalConfig(6, [5], 2, latent: LatentKind.Deterministic, adversarial: true, adversarialWeight: -1f)).ParamName);
    }

    [Fact]
    public void AGaussianPosteriorAaeTrainsAndEvaluatesOnSampledCodes()
    {
        // Given a Gaussian-posterior AAE trained for two epochs
        var model = Model(LatentKind.Gaussian);
        var data = ModelTestUtil.Dataset01(64, 6, 2);
        var result = new Trainer(new TrainingOptions(epochs: 2, batchSize: 16, learningRate: 5e-3f, seed: 3)).Fit(model, data);
        Assert.All(result.History, h => Assert.True(h.Terms!["discriminator"] > 0 && h.Terms["generator"] > 0 && h.Terms["kl"] is null && h.Terms["kl-nats"] > 0));
        // When it is evaluated, the MMD to the prior is that of z ~ q(z | x), not of the posterior means
        var report = Bottleneck.Evaluation.VariationalEvaluator.Evaluate(model, data, seed: 4);
        var x = Tensor.FromArray(data.Features, 64, 6);
        var prior = model.SamplePrior(64, new Rng(4 ^ 0x4D4DUL));
        double sampled = MmdPenalty.Estimate(model.EncodeSample(x, new Rng(4 ^ 0xC0DEUL)), prior, MmdKernel.Imq).Item();
        Assert.Equal(sampled, report.MmdToPrior!.Value, 5);
        Assert.NotNull(report.DiscriminatorAccuracy);
    }
}
