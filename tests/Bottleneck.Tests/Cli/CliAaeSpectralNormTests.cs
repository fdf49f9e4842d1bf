using Bottleneck.Cli;
using Bottleneck.ModelFiles;
using Bottleneck.Models.Variational;
using Bottleneck.NN;
using Bottleneck.Tensors;
using Bottleneck.Tests.Data;

namespace Bottleneck.Tests.Cli;

/// <summary><c>train --kind aae --spectral-norm</c>: the discriminator's layers are spectrally normalised, their power-iteration vectors u and v
/// are saved with the model and restored by <c>--resume</c>.</summary>
public class CliAaeSpectralNormTests
{
    private static string[] Train(string model, int epochs, params string[] extra) =>
        ["train", "--kind", "aae", "--spectral-norm", "--data", "demo:256", "--epochs", epochs.ToString(System.Globalization.CultureInfo.InvariantCulture),
         "--latent", "3", "--hidden", "16", "--discriminator-hidden", "8", "--batch-size", "32", "--seed", "4",
         "--schedule", "none", "--instance-noise", "0", "--out", model, .. extra];   // no schedule or noise fading over --epochs, so 1 + 2 epochs = 3

    [Fact]
    public async Task ASpectrallyNormalisedDiscriminatorSavesItsPowerIterationVectors()
    {
        // Given an aae trained with --spectral-norm
        using var dir = new TempDir();
        string model = dir.File("aae");
        var h = new CliHarness();
        Assert.True(await h.Run(Train(model, 1)) == 0, h.Stderr);
        // Then the saved model's discriminator has spectrally normalised layers whose u is a trained unit vector, saved under PyTorch's names
        var saved = ModelStore.Load(model);
        var loaded = Assert.IsType<VariationalAutoencoder>(saved.Model);
        Assert.True(loaded.VariationalConfig.SpectralNorm);
        var layers = loaded.Discriminator!.Layers.OfType<SpectralNormLinear>().ToList();
        Assert.Equal(3, layers.Count);
        var u = loaded.StateDict().Single(e => e.Name == "discriminator.0.weight_u").Value.ToArray();
        Assert.Equal(8, u.Length);
        Assert.Equal(1.0, Math.Sqrt(u.Sum(x => (double)x * x)), 4);
        var fresh = new VariationalAutoencoder(loaded.VariationalConfig, new Rng(4));
        Assert.NotEqual(fresh.StateDict().Single(e => e.Name == "discriminator.0.weight_u").Value.ToArray(), u);   // it moved in training
    }

    [Fact]
    public async Task AResumedRunEndsWithTheUninterruptedRunsWeightsAndVectors()
    {
        // Given an uninterrupted 3-epoch run, and a 1-epoch run into another folder
        using var dir = new TempDir();
        string whole = dir.File("whole"), resumed = dir.File("resumed");
        Assert.Equal(0, await new CliHarness().Run(Train(whole, 3)));
        Assert.Equal(0, await new CliHarness().Run(Train(resumed, 1)));
        // When the second resumes to 3 epochs
        var h = new CliHarness();
        Assert.True(await h.Run(Train(resumed, 3, "--resume")) == 0, h.Stderr);
        Assert.Contains("resuming", h.Stdout);
        // Then the weights, u and v included, are bit-identical (u and v were restored from the checkpoint, not drawn anew)
        Assert.Equal(File.ReadAllBytes(Path.Combine(whole, "model.safetensors")), File.ReadAllBytes(Path.Combine(resumed, "model.safetensors")));
    }

    [Fact]
    public async Task SpectralNormOnAnotherKindIsNotAnOption()
    {
        using var dir = new TempDir();
        var h = new CliHarness();
        int code = await h.Run("train", "--kind", "vae", "--spectral-norm", "--data", "demo:64", "--epochs", "1", "--out", dir.File("m"));
        Assert.Equal(ExitCodes.UsageError, code);
        Assert.Contains("--spectral-norm", h.Stderr);
        Assert.False(Directory.Exists(dir.File("m")));
    }
}
