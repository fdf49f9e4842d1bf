using Bottleneck.Cli;
using Bottleneck.Cli.Kinds;
using Bottleneck.ModelFiles;
using Bottleneck.Models.Variational;
using Bottleneck.Tests.Data;

namespace Bottleneck.Tests.Cli;

/// <summary><c>train --kind aae --gradient-penalty γ</c>: the R1 penalty (Mescheder et al. 2018) is logged as its own term, saved in the
/// model's config, and is an option of the aae kind only.</summary>
public class CliAaeGradientPenaltyTests
{
    [Fact]
    public async Task TheR1PenaltyIsLoggedAndSavedWithTheModel()
    {
        // Given an aae trained with --gradient-penalty 2
        using var dir = new TempDir();
        string model = dir.File("aae");
        var h = new CliHarness();
        Assert.True(await h.Run("train", "--kind", "aae", "--gradient-penalty", "2", "--data", "demo:256", "--epochs", "2", "--latent", "3",
            "--hidden", "16", "--discriminator-hidden", "8", "--batch-size", "32", "--out", model) == 0, h.Stderr);
        // Then each epoch's line carries the penalty beside the discriminator's loss, and the summary names it
        Assert.Contains("gradient-penalty", h.Stdout);
        Assert.Contains("R1 γ 2", h.Stdout);
        // and the model remembers γ
        var loaded = Assert.IsType<VariationalAutoencoder>(ModelStore.Load(model).Model);
        Assert.Equal(2f, loaded.VariationalConfig.GradientPenalty);
    }

    [Fact]
    public async Task WithoutTheOptionThereIsNoPenaltyTerm()
    {
        using var dir = new TempDir();
        var h = new CliHarness();
        Assert.True(await h.Run("train", "--kind", "aae", "--data", "demo:128", "--epochs", "1", "--latent", "3", "--hidden", "16",
            "--discriminator-hidden", "8", "--out", dir.File("m")) == 0, h.Stderr);
        Assert.DoesNotContain("gradient-penalty", h.Stdout);
        Assert.Equal(VariationalOptions.AaeGradientPenalty, ((VariationalAutoencoder)ModelStore.Load(dir.File("m")).Model).VariationalConfig.GradientPenalty);
    }

    [Fact]
    public async Task TheGradientPenaltyOnAnotherKindIsNotAnOption()
    {
        using var dir = new TempDir();
        var h = new CliHarness();
        int code = await h.Run("train", "--kind", "vae", "--gradient-penalty", "1", "--data", "demo:64", "--epochs", "1", "--out", dir.File("m"));
        Assert.Equal(ExitCodes.UsageError, code);
        Assert.Contains("--gradient-penalty", h.Stderr);
        Assert.False(Directory.Exists(dir.File("m")));
    }
}
