using Bottleneck.ModelFiles;
using Bottleneck.Models.Conv;
using Bottleneck.Models.SuperResolution;
using Bottleneck.Tests.Data;

namespace Bottleneck.Tests.Cli;

/// <summary><c>--residual</c> (conv) and <c>--augment</c> (conv, super-resolution) on the command line: saved, described, refused when wrong.</summary>
public class CliResidualAugmentTests
{
    private static (TempDir Dir, string Images) Folder() => CliSuperResolutionTests.Folder();

    [Fact]
    public async Task AResidualAugmentedDenoiserTrainsSavesAndDenoisesAFolder()
    {
        // Given a residual conv denoiser trained with augmentation on 8x8 patches
        var (dir, images) = Folder();
        using var _ = dir;
        var h = new CliHarness();
        int code = await h.Run("train", "--kind", "conv", "--data", $"images:{images}:patch=8,stride=4", "--stride", "1", "--channels", "3",
            "--latent-channels", "3", "--residual", "--augment", "dihedral", "--noise", "gaussian:0.1", "--epochs", "1", "--out", dir.File("m"));
        Assert.True(code == 0, h.Stderr);

        // Then the run says so, the options are saved with the linear-mse output, and denoise writes the folder
        Assert.Contains("flips and rotations, residual (input + decoder output)", h.Stdout);
        var config = Assert.IsType<ConvConfig>(ModelStore.Load(dir.File("m")).Model.Config);
        Assert.True(config.Residual && config.Augment);
        Assert.Equal("linear-mse", config.Output.Name);
        Assert.Equal(0, await h.Run("denoise", "--model", dir.File("m"), "--data", $"images:{images}:patch=8,stride=4", "--out", dir.File("clean") + "/"));
        Assert.True(File.Exists(dir.File("clean/a.png")) && File.Exists(dir.File("clean/b.png")));

        // and it exports to ONNX (the full graph adds the input), while the decoder part, which sees only the code, is refused in one line
        h = new CliHarness();
        Assert.True(await h.Run("export", "--model", dir.File("m"), "--out", dir.File("m.onnx")) == 0, h.Stderr);
        Assert.True(File.Exists(dir.File("m.onnx")));
        h = new CliHarness();
        h.AssertUsageError(await h.Run("export", "--model", dir.File("m"), "--part", "decoder", "--out", dir.File("d.onnx")), "residual", "the full part");
        Assert.False(File.Exists(dir.File("d.onnx")));
    }

    [Fact]
    public async Task SuperResolutionTakesAugmentAndBadValuesAreRefused()
    {
        var (dir, images) = Folder();
        using var _ = dir;
        var h = new CliHarness();
        Assert.Equal(0, await h.Run("train", "--kind", "super-resolution", "--data", $"images:{images}:patch=8,stride=4", "--channels", "2",
            "--augment", "none", "--epochs", "1", "--out", dir.File("none")));
        Assert.False(Assert.IsType<SuperResolutionConfig>(ModelStore.Load(dir.File("none")).Model.Config).Augment);
        Assert.Equal(0, await h.Run("train", "--kind", "super-resolution", "--data", $"images:{images}:patch=8,stride=4", "--channels", "2",
            "--epochs", "1", "--out", dir.File("default")));
        Assert.Equal(SuperResolutionConfig.DefaultAugment, ((SuperResolutionConfig)ModelStore.Load(dir.File("default")).Model.Config).Augment);

        h = new CliHarness();
        h.AssertUsageError(await h.Run("train", "--kind", "super-resolution", "--data", $"images:{images}:patch=8,stride=4", "--augment", "mirror",
            "--epochs", "1", "--out", dir.File("bad")), "--augment must be dihedral or none", "mirror");
        h = new CliHarness();
        h.AssertUsageError(await h.Run("train", "--kind", "conv", "--data", $"images:{images}:patch=8,stride=4", "--latent-channels", "2",
            "--residual", "--output", "sigmoid-bce", "--epochs", "1", "--out", dir.File("bad2")), "identity", "sigmoid-bce");
        Assert.False(Directory.Exists(dir.File("bad")) || Directory.Exists(dir.File("bad2")));
    }
}
