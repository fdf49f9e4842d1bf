using Bottleneck.ModelFiles;
using Bottleneck.Models.Conv;
using Bottleneck.Tests.Data;

namespace Bottleneck.Tests.Cli;

/// <summary><c>train --kind conv</c> and the commands that use its model folder, on the built-in 28x28 demo images.</summary>
public class CliConvTests
{
    [Fact]
    public async Task TrainEncodeReconstructEvaluateAndDetectWorkOnAConvModel()
    {
        using var dir = new TempDir();
        var h = new CliHarness();
        string model = dir.File("conv");

        // Given a conv model trained on demo images (1, 28, 28)
        int code = await h.Run("train", "--kind", "conv", "--data", "demo:300", "--channels", "4,8", "--kernel", "3", "--stride", "2",
            "--latent", "6", "--epochs", "1", "--batch-size", "32", "--out", model);
        Assert.True(code == 0, h.Stderr);
        Assert.Contains("conv 1x28x28 -> conv 4,8 -> 6 dense code", h.Stdout);

        // Then it loads with its config, and the other commands run on it
        var saved = ModelStore.Load(model);
        var config = Assert.IsType<ConvConfig>(saved.Model.Config);
        Assert.Equal([1, 28, 28], config.InputShape);
        Assert.Equal(6, config.LatentDim);
        Assert.Equal(0, await h.Run("encode", "--model", model, "--data", "demo:20", "--out", dir.File("z.csv")));
        Assert.Equal(21, File.ReadAllLines(dir.File("z.csv")).Length);   // header + 20 codes
        Assert.Equal(0, await h.Run("reconstruct", "--model", model, "--data", "demo:20", "--out", dir.File("r.npy")));
        Assert.True(File.Exists(dir.File("r.npy")));
        Assert.Equal(0, await h.Run("evaluate", "--model", model, "--data", "demo:40", "--json"));
        Assert.Contains("\"psnr", h.Stdout, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(0, await h.Run("detect", "--model", model, "--data", "demo:40", "--normal", "ring", "--out", dir.File("s.csv")));
        Assert.Equal(41, File.ReadAllLines(dir.File("s.csv")).Length);
    }

    [Fact]
    public async Task ASpatialCodeWithNoiseTrains()
    {
        using var dir = new TempDir();
        var h = new CliHarness();
        int code = await h.Run("train", "--kind", "conv", "--data", "demo:200", "--channels", "4,4,4", "--latent-channels", "2", "--noise", "gaussian:0.1",
            "--epochs", "1", "--batch-size", "50", "--out", dir.File("m"));
        Assert.True(code == 0, h.Stderr);
        var config = Assert.IsType<ConvConfig>(ModelStore.Load(dir.File("m")).Model.Config);
        Assert.True(config.Spatial);
        Assert.Equal(2 * 4 * 4, config.LatentDim);   // 28 padded to 32, total stride 8
        Assert.NotNull(config.Corruption);
    }

    [Fact]
    public async Task AConvolutionalDenoiserTrainsOnImagePatchesAndDenoisesAFolder()
    {
        // Given a small folder of grey images
        using var dir = new TempDir();
        string images = dir.File("images");
        Bottleneck.Tests.Data.ImageFolderTests.WriteImage(Path.Combine(images, "a.png"), 20, 24, step: 3);
        Bottleneck.Tests.Data.ImageFolderTests.WriteImage(Path.Combine(images, "b.png"), 16, 16, step: 7);
        string spec = $"images:{images}:patch=8,stride=4";
        var h = new CliHarness();

        // When a spatial-code conv model with noise trains on its 8x8 patches and denoises the folder
        int code = await h.Run("train", "--kind", "conv", "--data", spec, "--channels", "4,4", "--latent-channels", "2", "--noise", "gaussian:0.1",
            "--output", "linear-mse", "--epochs", "1", "--batch-size", "16", "--out", dir.File("m"));
        Assert.True(code == 0, h.Stderr);
        Assert.Contains("conv 1x8x8 -> conv 4,4 -> 2x2x2 spatial code", h.Stdout);
        Assert.Equal(0, await h.Run("denoise", "--model", dir.File("m"), "--data", spec, "--out", dir.File("out") + "/"));

        // Then the folder comes back with the same names
        Assert.Equal(["a.png", "b.png"], Directory.EnumerateFiles(dir.File("out")).Select(Path.GetFileName).Order());
    }

    [Fact]
    public async Task TabularRowsAreRefused()
    {
        using var dir = new TempDir();
        var csv = dir.Write("t.csv", "a,b,c\n1,2,3\n4,5,6\n7,8,9\n1,1,1\n");
        var h = new CliHarness();
        h.AssertUsageError(await h.Run("train", "--kind", "conv", "--data", "csv:" + csv, "--epochs", "1", "--out", dir.File("m")),
            "--kind conv trains on images (C, H, W)");
        Assert.False(Directory.Exists(dir.File("m")));
    }

    [Theory]
    [InlineData(new[] { "--kernel", "4" }, "--kernel must be odd")]
    [InlineData(new[] { "--stride", "0" }, "--stride must be ≥ 1, got 0")]
    [InlineData(new[] { "--latent", "8", "--latent-channels", "2" }, "not both")]
    [InlineData(new[] { "--channels", "none" }, "--channels")]
    [InlineData(new[] { "--hidden", "8" }, "--hidden applies to --kind")]
    public async Task BadOptionsAreOneLineErrors(string[] extra, string message)
    {
        using var dir = new TempDir();
        var h = new CliHarness();
        h.AssertUsageError(await h.Run(["train", "--kind", "conv", "--data", "demo:50", "--epochs", "1", "--out", dir.File("m"), .. extra]), message);
        Assert.False(Directory.Exists(dir.File("m")));
    }

    [Fact]
    public async Task ChannelsMakeAVariationalKindConvolutional()
    {
        // Given a VAE trained with --channels on demo images (a convolutional VAE)
        using var dir = new TempDir();
        var h = new CliHarness();
        int code = await h.Run("train", "--kind", "vae", "--data", "demo:200", "--channels", "4,8", "--latent", "3", "--epochs", "1",
            "--batch-size", "50", "--out", dir.File("m"));
        Assert.True(code == 0, h.Stderr);
        Assert.Contains("vae conv 4,8 on 1x28x28 (kernel 3, stride 2) -> (3)", h.Stdout);

        // Then evaluate reports its ELBO and sample decodes draws from the prior as images
        Assert.Equal(0, await h.Run("evaluate", "--model", dir.File("m"), "--data", "demo:40", "--iw-samples", "5", "--iw-limit", "10"));
        Assert.Contains("-ELBO / sample", h.Stdout);
        Assert.Contains("IWAE NLL (k = 5, first 10)", h.Stdout);
        Assert.Equal(0, await h.Run("sample", "--model", dir.File("m"), "-n", "4", "--out", dir.File("s.npy")));
        Assert.True(File.Exists(dir.File("s.npy")));
    }

    [Theory]
    [InlineData("vae", new[] { "--kernel", "5" }, "--kernel and --stride shape the convolutional backbone: add --channels")]
    [InlineData("vae", new[] { "--channels", "4", "--hidden", "32" }, "not both")]
    [InlineData("cvae", new[] { "--channels", "4" }, "--channels applies to --kind")]
    public async Task ConvolutionalVariationalOptionsAreChecked(string kind, string[] extra, string message)
    {
        using var dir = new TempDir();
        var h = new CliHarness();
        h.AssertUsageError(await h.Run(["train", "--kind", kind, "--data", "demo:50", "--epochs", "1", "--out", dir.File("m"), .. extra]), message);
        Assert.False(Directory.Exists(dir.File("m")));
    }

    [Fact]
    public async Task AConvolutionalVaeOnTabularRowsIsRefused()
    {
        using var dir = new TempDir();
        var csv = dir.Write("t.csv", "a,b,c\n1,2,3\n4,5,6\n7,8,9\n1,1,1\n");
        var h = new CliHarness();
        h.AssertUsageError(await h.Run("train", "--kind", "vae", "--channels", "4", "--data", "csv:" + csv, "--epochs", "1", "--out", dir.File("m")),
            "--channels makes a convolutional vae, which needs images (C, H, W)");
    }
}
