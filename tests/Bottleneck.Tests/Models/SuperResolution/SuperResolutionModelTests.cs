using Bottleneck.Data;
using Bottleneck.Evaluation;
using Bottleneck.Models;
using Bottleneck.Models.SuperResolution;
using Bottleneck.Tensors;
using Bottleneck.Training;
using Bottleneck.Tests.Autograd;

namespace Bottleneck.Tests.Models.SuperResolution;

/// <summary>The super-resolution kind: its shapes, its residual structure, any-size upscaling, and that training beats bicubic.</summary>
public class SuperResolutionModelTests
{
    [Fact]
    public void TheCodeIsTheDownsampledImageAndTheReconstructionHasTheInputSize()
    {
        // Given a x2 model on 1×8×12 images
        var model = new SuperResolutionModel(new SuperResolutionConfig(1, 8, 12, 2, [4]), new Rng(1));
        var x = GradCheck.Rand(new Rng(2), [3, 1, 8, 12], 0f, 1f);

        // When it encodes and reconstructs
        var z = model.Encode(x);
        var rec = model.Reconstruct(x);

        // Then the code is the antialiased bicubic downsampling, flattened, and the reconstruction is (N, C, H, W)
        Assert.Equal([3, 1 * 4 * 6], z.ShapeToArray());
        var expected = Tensor.Resize2d(x, 4, 6, ResizeFilter.Bicubic, antialias: true).ToArray();
        Assert.Equal(expected, z.ToArray());
        Assert.Equal([3, 1, 8, 12], rec.ShapeToArray());
        Assert.Equal(4 * 6, model.Config.LatentDim);
    }

    [Fact]
    public void WithAZeroResidualTheModelIsBicubicUpsampling()
    {
        // Given a x3 model whose last convolution outputs zero
        var model = new SuperResolutionModel(new SuperResolutionConfig(3, 9, 9, 3, [5, 4]), new Rng(3));
        var last = model.Upsampler.Body.Layers.OfType<Bottleneck.NN.Conv2d>().Last();
        foreach (var p in last.Parameters()) p.Span.Clear();
        var lr = GradCheck.Rand(new Rng(4), [2, 3, 5, 7], 0f, 1f);

        // When it enlarges a low-resolution image of a size it was not configured for
        var y = model.Upscale(lr);

        // Then the result is PyTorch's bicubic upsampling of it, r times the size
        Assert.Equal([2, 3, 15, 21], y.ShapeToArray());
        var bicubic = Tensor.Resize2d(lr, 15, 21, ResizeFilter.Bicubic).ToArray();
        var got = y.ToArray();
        for (int i = 0; i < got.Length; i++) Assert.True(Math.Abs(got[i] - bicubic[i]) < 1e-6f, $"[{i}] {got[i]} vs {bicubic[i]}");
    }

    [Theory]
    [InlineData(1, 9, 8, 2, "not a multiple of the scale 2")]
    [InlineData(1, 8, 8, 5, "scale must be 2, 3 or 4, got 5")]
    [InlineData(0, 8, 8, 2, "inChannels must be ≥ 1, got 0")]
    public void BadConfigurationsNameTheValue(int c, int h, int w, int r, string message)
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => new SuperResolutionConfig(c, h, w, r));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void AnEvenKernelIsRefused()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new SuperResolutionConfig(1, 8, 8, 2, [4], kernelSize: 4));
        Assert.Contains("kernelSize must be odd", e.Message);
    }

    [Fact]
    public void UpscaleRefusesAnotherChannelCount()
    {
        var model = new SuperResolutionModel(new SuperResolutionConfig(1, 8, 8, 2, [4]), new Rng(1));
        var e = Assert.Throws<ShapeException>(() => model.Upscale(Tensor.Zeros(1, 3, 4, 4)));
        Assert.Contains("(N, 1, h, w)", e.Message);
    }

    [SkippableFact]
    public void TrainingOnRealTexturesBeatsBicubicOnTheirPatches()
    {
        // Given 16×16 grey patches of a real texture photograph (skip without the shared data)
        var dir = DataDirectory.Find() is { } root ? Path.Combine(root, "images") : null;
        Skip.If(dir is null || !File.Exists(Path.Combine(dir, "brick.png")), "../shared/data/images not found");
        var (values, file) = ImageFolder.LoadFile(Path.Combine(dir!, "brick.png"), new ImageFolderOptions(Channels: 1));
        const int p = 16;
        var rows = new List<float>();
        int count = 0;
        for (int y0 = 0; y0 + p <= 192; y0 += 12)
            for (int x0 = 0; x0 + p <= 192; x0 += 12, count++)
                for (int yy = 0; yy < p; yy++) rows.AddRange(values.AsSpan((y0 + yy) * file.Width + x0, p).ToArray());
        var data = new Dataset(rows.ToArray(), count, p * p, image: new ImageShape(1, p, p));

        // When a small x2 model trains for 30 short epochs (420 steps)
        var model = new SuperResolutionModel(new SuperResolutionConfig(1, p, p, 2, [16]), new Rng(5));
        new Trainer(new TrainingOptions(epochs: 30, batchSize: 16, learningRate: 3e-3f, seed: 5)).Fit(model, RowSource.For(model, data), null, new FitContext());

        // Then its reconstructions of those patches are better than bicubic upsampling of the same low-resolution input
        var x = Tensor.FromArray(rows.ToArray(), count, 1, p, p);
        var lr = model.Degrade(x);
        double bicubic = ImageMetrics.Psnr(x.ToArray(), Tensor.Resize2d(lr, p, p, ResizeFilter.Bicubic).ToArray());
        double learned = ImageMetrics.Psnr(x.ToArray(), model.Upscale(lr).ToArray());
        Assert.True(learned > bicubic + 0.3, $"learned {learned:F2} dB, bicubic {bicubic:F2} dB");
    }
}
