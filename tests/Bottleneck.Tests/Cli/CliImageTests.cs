using System.Text.Json;
using Bottleneck.Data;
using Bottleneck.Evaluation;
using Bottleneck.ModelFiles;
using Bottleneck.Tests.Data;
using Bottleneck.Training;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Bottleneck.Tests.Cli;

/// <summary>A folder of small grey images in two class sub-folders and a dense model trained on their 8x8 patches (stride 4).</summary>
public sealed class ImageFolderModelFixture : IDisposable
{
    public TempDir Dir { get; } = new();
    public string Images => Dir.File("images");
    public string Spec => $"images:{Images}:patch=8,stride=4";
    public string ModelDir => Dir.File("model");
    public int TrainExitCode { get; }
    public string TrainOutput { get; }

    public ImageFolderModelFixture()
    {
        ImageFolderTests.WriteImage(Path.Combine(Images, "dots", "a.png"), 20, 24, step: 3);
        ImageFolderTests.WriteImage(Path.Combine(Images, "dots", "b.jpg"), 16, 16, step: 7);
        ImageFolderTests.WriteImage(Path.Combine(Images, "waves", "c.bmp"), 12, 28, step: 5);
        var h = new CliHarness();
        TrainExitCode = h.Run("train", "--kind", "denoising", "--noise", "gaussian:0.1", "--data", Spec, "--hidden", "32", "--latent", "16",
            "--epochs", "2", "--batch-size", "16", "--out", ModelDir).GetAwaiter().GetResult();
        TrainOutput = h.Stdout + h.Stderr;
    }

    public void Dispose() => Dir.Dispose();
}

public class CliImageTests(ImageFolderModelFixture f) : IClassFixture<ImageFolderModelFixture>
{
    [Fact]
    public void TrainsOnPatchesOfAnImageFolder()
    {
        Assert.True(f.TrainExitCode == 0, f.TrainOutput);
        Assert.Contains("(image 1x8x8)", f.TrainOutput);
        Assert.Equal(new ImageShape(1, 8, 8), ModelStore.Load(f.ModelDir).Image);
    }

    [Fact]
    public async Task Reconstruct_WritesAnImageFolderWithTheSameNamesAndSizes()
    {
        using var tmp = new TempDir();
        string outDir = tmp.File("rec") + "/";
        var h = new CliHarness();
        Assert.Equal(0, await h.Run("reconstruct", "--model", f.ModelDir, "--data", f.Spec, "--out", outDir));
        Assert.Contains("reconstructed 3 images", h.Stdout);
        var files = Directory.EnumerateFiles(tmp.File("rec"), "*", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(tmp.File("rec"), p).Replace('\\', '/')).OrderBy(p => p, StringComparer.Ordinal);
        Assert.Equal(["dots/a.png", "dots/b.png", "waves/c.png"], files);
        using (var im = Image.Load<L8>(tmp.File("rec/waves/c.png"))) Assert.Equal((28, 12), (im.Width, im.Height));
        Assert.Equal(["rec"], Directory.EnumerateFileSystemEntries(tmp.Path).Select(Path.GetFileName));   // no temporary folder left

        // the written pixels are the model's reconstructions put back together, rounded to 8 bits
        var saved = ModelStore.Load(f.ModelDir);
        var folder = ImageFolder.Load(f.Images, new ImageFolderOptions(Patch: 8, Stride: 4));
        var (_, rec, _) = ImageQualityEvaluator.Reconstruct(saved.Model, folder.Data, new Preprocessor(saved.Preprocessing), folder);
        var (written, file) = ImageFolder.LoadFile(tmp.File("rec/dots/a.png"));
        Assert.Equal(new ImageShape(1, 20, 24), file.Shape);
        for (int i = 0; i < written.Length; i++) Assert.Equal(Math.Round(Math.Clamp(rec[0][i], 0, 1) * 255), Math.Round(written[i] * 255));
    }

    [Fact]
    public async Task Denoise_WritesAnImageFolder_AndRefusesANonEmptyTarget()
    {
        using var tmp = new TempDir();
        var h = new CliHarness();
        Assert.Equal(0, await h.Run("denoise", "--model", f.ModelDir, "--data", f.Spec, "--out", tmp.File("clean")));
        Assert.Contains("denoised 3 images", h.Stdout);
        Assert.True(File.Exists(tmp.File("clean/dots/b.png")));

        h = new CliHarness();
        h.AssertUsageError(await h.Run("denoise", "--model", f.ModelDir, "--data", f.Spec, "--out", tmp.File("clean")), "not empty");
        h = new CliHarness();
        h.AssertUsageError(await h.Run("denoise", "--model", f.ModelDir, "--data", $"images:{f.Images}:patch=10", "--out", tmp.File("x/")),
            "input has 100 features, model expects 64 (images 1x10x10, the model was trained on 1x8x8");
        Assert.False(Directory.Exists(tmp.File("x")));
        h = new CliHarness();
        h.AssertUsageError(await h.Run("reconstruct", "--model", f.ModelDir, "--data", "demo:20", "--out", tmp.File("folder")), "images:DIR");
        Assert.False(Directory.Exists(tmp.File("folder")));
    }

    [Fact]
    public async Task Evaluate_ReportsSsimAndPsnrOfTheWholeImages()
    {
        var h = new CliHarness();
        Assert.Equal(0, await h.Run("evaluate", "--model", f.ModelDir, "--data", f.Spec));
        foreach (var s in new[] { "SSIM (7x7 uniform", "SSIM (11x11 Gaussian", "PSNR per image", "images (patches put back together)" })
            Assert.Contains(s, h.Stdout);

        h = new CliHarness();
        Assert.Equal(0, await h.Run("evaluate", "--model", f.ModelDir, "--data", f.Spec, "--json"));
        using var doc = JsonDocument.Parse(h.Stdout);
        var j = doc.RootElement;
        Assert.Equal(3, j.GetProperty("images").GetInt32());
        var saved = ModelStore.Load(f.ModelDir);
        var folder = ImageFolder.Load(f.Images, new ImageFolderOptions(Patch: 8, Stride: 4));
        var (x, rec, shapes) = ImageQualityEvaluator.Reconstruct(saved.Model, folder.Data, new Preprocessor(saved.Preprocessing), folder);
        double ssim = Enumerable.Range(0, 3).Average(i => ImageMetrics.Ssim(x[i], rec[i], shapes[i]));
        double psnr = Enumerable.Range(0, 3).Average(i => ImageMetrics.Psnr(x[i], rec[i]));
        Assert.Equal(ssim, j.GetProperty("ssim").GetDouble(), 9);
        Assert.Equal(psnr, j.GetProperty("psnrPerImage").GetDouble(), 9);
        Assert.Equal(JsonValueKind.Null, j.GetProperty("msSsim").ValueKind);   // 12-28 pixel images are too small for 5 scales
        Assert.True(j.GetProperty("psnr").GetDouble() > 0);
    }

    [Fact]
    public async Task Evaluate_ReportsSsimForADenseModelOnTwentyEightByTwentyEightImages()
    {
        using var tmp = new TempDir();
        var h = new CliHarness();
        Assert.Equal(0, await h.Run("train", "--data", "demo:200", "--hidden", "16", "--latent", "4", "--epochs", "1", "--out", tmp.File("m")));
        h = new CliHarness();
        Assert.Equal(0, await h.Run("evaluate", "--model", tmp.File("m"), "--data", "demo:40", "--json"));
        using var doc = JsonDocument.Parse(h.Stdout);
        var saved = ModelStore.Load(tmp.File("m"));
        var data = DataSpec.Parse("demo:40").Load("test");
        var rec = Batching.Reconstruct(saved.Model, data);
        double ssim = Enumerable.Range(0, 40).Average(i => ImageMetrics.Ssim(data.Row(i), rec.AsSpan(i * 784, 784), data.Image!));
        Assert.Equal(ssim, doc.RootElement.GetProperty("ssim").GetDouble(), 9);
        Assert.Equal(40, doc.RootElement.GetProperty("images").GetInt32());
    }

    [Fact]
    public async Task CorruptImage_IsAUsageErrorNamingTheFile()
    {
        using var tmp = new TempDir();
        ImageFolderTests.WriteImage(tmp.File("ok.png"), 8, 8);
        File.WriteAllBytes(tmp.File("bad.png"), File.ReadAllBytes(tmp.File("ok.png"))[..40]);
        var h = new CliHarness();
        h.AssertUsageError(await h.Run("train", "--data", $"images:{tmp.Path}", "--epochs", "1", "--out", tmp.File("m")), "bad.png");
        Assert.False(Directory.Exists(tmp.File("m")));
        h = new CliHarness();
        h.AssertUsageError(await h.Run("evaluate", "--model", f.ModelDir, "--data", $"images:{tmp.Path}:patch=8"), "bad.png");
    }
}
