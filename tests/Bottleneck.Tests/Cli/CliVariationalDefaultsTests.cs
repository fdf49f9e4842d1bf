using Bottleneck.Cli.Commands;
using Bottleneck.Cli.Kinds;
using Bottleneck.Models;
using Bottleneck.Models.Variational;

namespace Bottleneck.Tests.Cli;

/// <summary><c>train --kind ssvae</c> and <c>--kind aae</c> train what their benchmarks measure (docs/benchmarks.md) unless told otherwise.</summary>
public class CliVariationalDefaultsTests
{
    private static readonly Bottleneck.Cli.CliEnvironment Env = Bottleneck.Cli.CliEnvironment.CreateCaptured(new StringWriter(), new StringWriter());

    private static (VariationalConfig Config, float LearningRate) Train(params string[] args)
    {
        var result = Bottleneck.Cli.Cli.CreateRootCommand(Env).Parse(["train", .. args]);
        Assert.True(result.Errors.Count == 0, string.Join("; ", result.Errors.Select(e => e.Message)));
        var s = TrainCommand.Bind(result);
        var config = s.Kind.Build(new KindData([784], UnitRange: true, s.Epochs, TrainingPurpose.Reconstruction) { Rows = 60000, Classes = 10 });
        return (Assert.IsType<VariationalConfig>(config), s.LearningRate);
    }

    [Fact]
    public void SsvaeDefaultsToTheBenchmarksM2Architecture()
    {
        // Given only the kind and the label count
        var (c, lr) = Train("--kind", "ssvae", "--labelled", "1000");
        // Then the model is Kingma et al.'s M2 shape the benchmark reaches its figure with: 784-500-(50), ReLU, α = 10·N, Adam 1e-3
        Assert.Equal([500], c.Hidden);
        Assert.Equal(50, c.LatentDim);
        Assert.Equal(Bottleneck.NN.Activation.Relu, c.HiddenActivation);
        Assert.Equal((1000, 600000f), (c.LabelledRows, c.Alpha));
        Assert.Equal(1e-3f, lr);
        // and the other variational kinds keep theirs
        var (vae, _) = Train("--kind", "vae");
        Assert.Equal([512], vae.Hidden);
        Assert.Equal(20, vae.LatentDim);
        var (given, _) = Train("--kind", "ssvae", "--hidden", "256", "--latent", "8");
        Assert.Equal([256], given.Hidden);
        Assert.Equal(8, given.LatentDim);
    }

    [Fact]
    public void AaeDefaultsToMakhzanisMnistNetworkAndTwentyEpochsUnlessGiven()
    {
        TrainSettings Bind(params string[] args) => TrainCommand.Bind(Bottleneck.Cli.Cli.CreateRootCommand(Env).Parse(["train", .. args]));
        // Given only the kind: encoder 784-1000-1000-8, discriminator 8-1000-1000-1 and 20 epochs (the fifth pass's setting)
        var (c, _) = Train("--kind", "aae");
        Assert.Equal([1000, 1000], c.Hidden);
        Assert.Equal(8, c.LatentDim);
        Assert.Equal(1000, c.DiscriminatorHidden);
        Assert.Equal(20, Bind("--kind", "aae").Epochs);
        // and what is given wins, while the other kinds keep the command's 10 epochs
        var (given, _) = Train("--kind", "aae", "--hidden", "512", "--discriminator-hidden", "64", "--latent", "2");
        Assert.Equal([512], given.Hidden);
        Assert.Equal(2, given.LatentDim);
        Assert.Equal(64, given.DiscriminatorHidden);
        Assert.Equal(5, Bind("--kind", "aae", "--epochs", "5").Epochs);
        Assert.Equal(10, Bind("--kind", "vae").Epochs);
        Assert.Equal(10, Bind("--kind", "dense").Epochs);
    }

    [Fact]
    public void AaeTrainsWithItsDecayingScheduleUnlessScheduleIsGiven()
    {
        TrainSettings Bind(params string[] args)
        {
            var result = Bottleneck.Cli.Cli.CreateRootCommand(Env).Parse(["train", .. args]);
            Assert.True(result.Errors.Count == 0, string.Join("; ", result.Errors.Select(e => e.Message)));
            return TrainCommand.Bind(result);
        }
        Assert.Equal(VariationalOptions.AaeSchedule, Bind("--kind", "aae").Schedule);
        Assert.Equal(VariationalOptions.AaeSchedule, Bind("--kind", "aae").ToTrainingOptions().Schedule);
        Assert.Equal("none", Bind("--kind", "aae", "--schedule", "none").Schedule);
        Assert.Equal("plateau", Bind("--kind", "aae", "--schedule", "plateau").Schedule);
        Assert.Equal("none", Bind("--kind", "vae").Schedule);
    }

    [Fact]
    public void AaeDefaultsToTheBenchmarkedPosteriorNoiseAndDiscriminatorStepsUnlessGiven()
    {
        // Given train --kind aae without --aae-posterior, then with each choice
        var (byDefault, _) = Train("--kind", "aae");
        var (gaussian, _) = Train("--kind", "aae", "--aae-posterior", "gaussian");
        var (deterministic, _) = Train("--kind", "aae", "--aae-posterior", "deterministic");
        // Then the default is the one the benchmark chose, and each choice builds its latent layer
        Assert.Equal(VariationalOptions.AaePosterior, byDefault.AdversarialPosterior);
        Assert.Equal(LatentKind.Gaussian, gaussian.Latent);
        Assert.Equal("gaussian", gaussian.AdversarialPosterior);
        Assert.Equal(LatentKind.Deterministic, deterministic.Latent);
        Assert.True(gaussian.Adversarial && deterministic.Adversarial);
        // and, with the N(0, I) prior, instance noise at the default σ0, falling to 0 over the run's epochs, unless --instance-noise says otherwise
        Assert.Equal((VariationalOptions.AaeInstanceNoise, (float)VariationalOptions.AaeEpochs), (byDefault.InstanceNoise, byDefault.InstanceNoiseEpochs));
        var (thirty, _) = Train("--kind", "aae", "--epochs", "30");
        Assert.Equal((VariationalOptions.AaeInstanceNoise, 30f), (thirty.InstanceNoise, thirty.InstanceNoiseEpochs));
        var (none, _) = Train("--kind", "aae", "--instance-noise", "0");
        Assert.Equal((0f, 0f), (none.InstanceNoise, none.InstanceNoiseEpochs));
        var (half, _) = Train("--kind", "aae", "--instance-noise", "0.5");
        Assert.Equal(0.5f, half.InstanceNoise);
        // and the default number of discriminator steps per batch unless --discriminator-steps is given
        Assert.Equal(VariationalOptions.AaeDiscriminatorSteps, byDefault.DiscriminatorSteps);
        Assert.Equal(1, Train("--kind", "aae", "--discriminator-steps", "1").Config.DiscriminatorSteps);
        // With a mixture prior neither is on by default (there they raised MMD² to the prior), but both can be asked for
        var (mixture, _) = Train("--kind", "aae", "--prior", "mixture:10");
        Assert.Equal((0f, 0f, 1), (mixture.InstanceNoise, mixture.InstanceNoiseEpochs, mixture.DiscriminatorSteps));
        var (asked, _) = Train("--kind", "aae", "--prior", "mixture:10", "--instance-noise", "1", "--discriminator-steps", "3");
        Assert.Equal((1f, (float)VariationalOptions.AaeEpochs, 3), (asked.InstanceNoise, asked.InstanceNoiseEpochs, asked.DiscriminatorSteps));
        // and a value outside the choices is a parse error naming the option
        var bad = Bottleneck.Cli.Cli.CreateRootCommand(Env).Parse(["train", "--kind", "aae", "--aae-posterior", "uniform"]);
        Assert.Contains(bad.Errors, e => e.Message.Contains("--aae-posterior", StringComparison.Ordinal));
    }
}
