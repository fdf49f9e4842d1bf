using System.Text.Json;
using Bottleneck.Models.Variational;
using Bottleneck.Tests.Data;

namespace Bottleneck.Tests.Cli;

/// <summary><c>train --kind aae --aae-posterior gaussian</c> end to end: the saved model keeps its Gaussian posterior, <c>evaluate</c>
/// reports the codes' MMD to the prior and the discriminator's accuracy; <c>--instance-noise</c> and <c>--discriminator-steps</c> refuse values that cannot work.</summary>
public class CliAaePosteriorTests
{
    [Fact]
    public async Task AGaussianPosteriorAaeTrainsSavesAndEvaluates()
    {
        // Given an aae trained with a Gaussian posterior
        using var dir = new TempDir();
        string model = dir.File("aae");
        var h = new CliHarness();
        Assert.Equal(0, await h.Run("train", "--kind", "aae", "--aae-posterior", "gaussian", "--data", "demo:256", "--epochs", "2", "--latent", "3",
            "--hidden", "16", "--discriminator-hidden", "8", "--out", model));
        // Then the history logs the adversarial terms and the KL in nats, not a KL term
        Assert.Contains("kl-nats", h.Stdout);
        Assert.Contains("generator", h.Stdout);
        // and the saved model has the Gaussian posterior
        var loaded = Assert.IsType<VariationalAutoencoder>(Bottleneck.ModelFiles.ModelStore.Load(model).Model);
        Assert.Equal("gaussian", loaded.VariationalConfig.AdversarialPosterior);
        Assert.NotNull(loaded.Gaussian);
        // When it is evaluated, the codes are compared with the prior
        var e = new CliHarness();
        Assert.Equal(0, await e.Run("evaluate", "--model", model, "--data", "demo:64", "--json"));
        using var json = JsonDocument.Parse(e.Stdout);
        Assert.True(double.IsFinite(json.RootElement.GetProperty("mmdToPrior").GetDouble()));
        Assert.InRange(json.RootElement.GetProperty("discriminatorAccuracy").GetDouble(), 0, 1);
    }

    [Theory]
    [InlineData("--instance-noise", "-0.5")]
    [InlineData("--discriminator-steps", "0")]
    [InlineData("--gradient-penalty", "-1")]
    [InlineData("--gradient-penalty", "NaN")]
    public async Task ValuesThatCannotWorkAreRefusedBeforeTrainingNamingTheOption(string option, string value)
    {
        using var dir = new TempDir();
        var h = new CliHarness();
        int code = await h.Run("train", "--kind", "aae", "--data", "demo:64", "--epochs", "1", option, value, "--out", dir.File("m"));
        h.AssertUsageError(code, option, value);
        Assert.False(Directory.Exists(dir.File("m")));
    }
}
