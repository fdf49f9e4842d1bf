using Bottleneck.ModelFiles;
using Bottleneck.Models.SuperResolution;
using Bottleneck.Tests.Data;
using SixLabors.ImageSharp;

namespace Bottleneck.Tests.Cli;

/// <summary><c>train --kind super-resolution</c> on image patches and <c>upscale</c> of a folder of images of different sizes.</summary>
public class CliSuperResolutionTests
{
    /// <summary>Two small grey PNGs of different sizes in DIR/images (also used by <see cref="CliResidualAugmentTests"/>).</summary>
    internal static (TempDir Dir, string Images) Folder()
    {
        var dir = new TempDir();
        string images = dir.File("images");
        ImageFolderTests.WriteImage(Path.Combine(images, "a.png"), 20, 24, step: 3);
        ImageFolderTests.WriteImage(Path.Combine(images, "b.png"), 16, 18, step: 7);
        return (dir, images);
    }

    [Fact]
    public async Task TrainsOnPatchesAndUpscalesEveryImageOfAFolderAtItsOwnSize()
    {
        // Given a x2 super-resolution model trained on 8x8 patches of two grey images
        var (dir, images) = Folder();
        using var _ = dir;
        var h = new CliHarness();
        int code = await h.Run("train", "--kind", "super-resolution", "--data", $"images:{images}:patch=8,stride=4", "--factor", "2",
            "--channels", "4", "--epochs", "1", "--batch-size", "16", "--out", dir.File("m"));
        Assert.True(code == 0, h.Stderr);
        Assert.Contains("super-resolution x2 1x4x4 -> 1x8x8, bicubic downsampling", h.Stdout);
        var config = Assert.IsType<SuperResolutionConfig>(ModelStore.Load(dir.File("m")).Model.Config);
        Assert.Equal(2, config.Scale);

        // When it enlarges the folder
        code = await h.Run("upscale", "--model", dir.File("m"), "--data", $"images:{images}", "--out", dir.File("big") + "/");
        Assert.True(code == 0, h.Stderr);

        // Then each image comes back twice as large, same names, and the evaluation on patches runs
        Assert.Contains("upscaled    2 images x2", h.Stdout);
        using (var a = Image.Load(dir.File("big/a.png"))) Assert.Equal((48, 40), (a.Width, a.Height));
        using (var b = Image.Load(dir.File("big/b.png"))) Assert.Equal((36, 32), (b.Width, b.Height));
        Assert.Equal(0, await h.Run("evaluate", "--model", dir.File("m"), "--data", $"images:{images}:patch=8,stride=8", "--json"));
        Assert.Contains("\"psnr", h.Stdout, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task UpscaleErrorsNameTheModelTheChannelsAndTheFolder()
    {
        var (dir, images) = Folder();
        using var _ = dir;
        var h = new CliHarness();
        Assert.Equal(0, await h.Run("train", "--kind", "conv", "--data", $"images:{images}:patch=8,stride=4", "--channels", "2", "--latent", "3",
            "--epochs", "1", "--out", dir.File("conv")));
        Assert.Equal(0, await h.Run("train", "--kind", "super-resolution", "--data", $"images:{images}:patch=8,stride=4", "--channels", "2",
            "--epochs", "1", "--out", dir.File("sr")));

        h = new CliHarness();
        h.AssertUsageError(await h.Run("upscale", "--model", dir.File("conv"), "--data", $"images:{images}", "--out", dir.File("o1") + "/"),
            "is a 'conv' model; upscale needs a super-resolution model");
        h = new CliHarness();
        h.AssertUsageError(await h.Run("upscale", "--model", dir.File("sr"), "--data", $"images:{images}:channels=3", "--out", dir.File("o2") + "/"),
            "channels=3, but the model takes 1 channel");
        h = new CliHarness();
        h.AssertUsageError(await h.Run("upscale", "--model", dir.File("sr"), "--data", "demo:10", "--out", dir.File("o3") + "/"),
            "upscale reads an image folder (images:DIR)");
        Directory.CreateDirectory(dir.File("full"));
        File.WriteAllText(dir.File("full/keep.txt"), "mine");
        h = new CliHarness();
        h.AssertUsageError(await h.Run("upscale", "--model", dir.File("sr"), "--data", $"images:{images}", "--out", dir.File("full") + "/"),
            "folder exists and is not empty");
        Assert.Equal("mine", File.ReadAllText(dir.File("full/keep.txt")));
        foreach (var o in new[] { "o1", "o2", "o3" }) Assert.False(Directory.Exists(dir.File(o)));
    }

    [Theory]
    [InlineData(new[] { "--factor", "5" }, "--factor", "must be 2, 3 or 4, got 5")]
    [InlineData(new[] { "--factor", "3" }, "not a multiple of the scale 3")]
    [InlineData(new[] { "--downsample", "lanczos" }, "--downsample lanczos: use bicubic or area")]
    [InlineData(new[] { "--stride", "2" }, "--stride applies to --kind")]
    public async Task BadOptionsAreOneLineErrors(string[] extra, params string[] message)
    {
        var (dir, images) = Folder();
        using var _ = dir;
        var h = new CliHarness();
        h.AssertUsageError(await h.Run(["train", "--kind", "super-resolution", "--data", $"images:{images}:patch=8,stride=4", "--epochs", "1",
            "--out", dir.File("m"), .. extra]), message);
        Assert.False(Directory.Exists(dir.File("m")));
    }
}
