using System.Text.Json;
using Bottleneck.Data;
using Bottleneck.Evaluation;
using Bottleneck.Tests.Data;

namespace Bottleneck.Tests.Evaluation;

/// <summary>SSIM, MS-SSIM and PSNR against scikit-image 0.19.3 (Fixtures/skimage/make_ssim_fixtures.py) on real images.</summary>
public class ImageMetricsTests
{
    public static IEnumerable<object[]> Cases()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(SharedData.Fixture("skimage", "ssim.json")));
        foreach (var c in doc.RootElement.GetProperty("cases").EnumerateArray())
            yield return [c.GetProperty("source").GetString()!, c.GetProperty("distortion").GetString()!, c.GetRawText()];
    }

    private static readonly Lazy<Dataset?> MnistTest = new(() => SharedData.Find("mnist") is { } dir ? IdxLoader.LoadMnist(dir, "test") : null);

    /// <summary>The fixture's image x (from ../shared/data) and its distortion y, or null when the data is absent.</summary>
    private static (float[] X, float[] Y, ImageShape Shape)? Load(string source, string distortion)
    {
        float[] x; ImageShape shape;
        if (source.StartsWith("images/", StringComparison.Ordinal))
        {
            var path = SharedData.Find(source);
            if (path == null) return null;
            var (v, f) = ImageFolder.LoadFile(path);
            (x, shape) = (v, f.Shape);
        }
        else
        {
            if (MnistTest.Value is not { } mnist) return null;
            x = mnist.Row(int.Parse(source.Split('/')[^1], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            shape = mnist.Image!;
        }
        int h = shape.Height, w = shape.Width, hw = h * w;
        var y = new float[x.Length];
        for (int c = 0; c < shape.Channels; c++)
            for (int i = 0; i < h; i++)
                for (int j = 0; j < w; j++)
                {
                    int k = c * hw + i * w + j;
                    double v = distortion switch
                    {
                        "wave" => x[k] + 0.08 * Math.Sin(0.37 * i + 0.91 * j),
                        "contrast" => 0.6 * x[k] + 0.2,
                        "shift" => x[c * hw + i * w + (j + 1) % w],
                        _ => throw new ArgumentException(distortion),
                    };
                    y[k] = (float)Math.Clamp(v, 0, 1);
                }
        return (x, y, shape);
    }

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public void MatchesScikitImage_OnRealImages(string source, string distortion, string json)
    {
        var images = Load(source, distortion);
        Skip.If(images == null, $"shared data for {source} not present");
        var (x, y, shape) = images!.Value;
        using var doc = JsonDocument.Parse(json);
        var e = doc.RootElement;

        Assert.Equal(e.GetProperty("ssim_uniform").GetDouble(), ImageMetrics.Ssim(x, y, shape, SsimOptions.ScikitImageDefault), 1e-4);
        Assert.Equal(e.GetProperty("ssim_gaussian").GetDouble(), ImageMetrics.Ssim(x, y, shape, SsimOptions.Wang2004), 1e-4);
        Assert.Equal(e.GetProperty("psnr").GetDouble(), ImageMetrics.Psnr(x, y), 1e-3);
        if (e.GetProperty("ms_ssim").ValueKind == JsonValueKind.Number)
            Assert.Equal(e.GetProperty("ms_ssim").GetDouble(), ImageMetrics.MsSsim(x, y, shape), 1e-4);
        else
            Assert.Throws<ArgumentException>(() => ImageMetrics.MsSsim(x, y, shape));
    }

    [Fact]
    public void IdenticalImages_HaveSsimAndMsSsimOne_AndInfinitePsnr()
    {
        var shape = new ImageShape(2, 170, 165);
        var rng = new Random(3);
        var x = Enumerable.Range(0, shape.Size).Select(_ => (float)rng.NextDouble()).ToArray();
        Assert.Equal(1.0, ImageMetrics.Ssim(x, x, shape), 12);
        Assert.Equal(1.0, ImageMetrics.Ssim(x, x, shape, SsimOptions.Wang2004), 12);
        Assert.Equal(1.0, ImageMetrics.MsSsim(x, x, shape), 12);
        Assert.Equal(double.PositiveInfinity, ImageMetrics.Psnr(x, x));
    }

    [Fact]
    public void MsSsimWithOneScale_IsSsim()
    {
        var shape = new ImageShape(1, 30, 40);
        var rng = new Random(5);
        var x = Enumerable.Range(0, shape.Size).Select(_ => (float)rng.NextDouble()).ToArray();
        var y = x.Select(v => Math.Clamp(v + (float)(0.2 * (rng.NextDouble() - 0.5)), 0f, 1f)).ToArray();
        Assert.Equal(ImageMetrics.Ssim(x, y, shape, SsimOptions.Wang2004), ImageMetrics.MsSsim(x, y, shape, weights: [1.0]), 12);
    }

    [Fact]
    public void TooSmallImagesAndBadOptions_AreRejectedWithTheSizes()
    {
        var shape = new ImageShape(1, 6, 20);
        var x = new float[shape.Size];
        Assert.Contains("6x20 is smaller than the 7x7 SSIM window", Assert.Throws<ArgumentException>(() => ImageMetrics.Ssim(x, x, shape)).Message);
        Assert.Contains("needs ≥ 161", Assert.Throws<ArgumentException>(() => ImageMetrics.MsSsim(new float[160 * 400], new float[160 * 400], new ImageShape(1, 160, 400))).Message);
        Assert.Throws<ArgumentException>(() => ImageMetrics.Ssim(x, new float[5], shape));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SsimOptions(WindowSize: 8));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SsimOptions(DataRange: 0));
        Assert.Equal(161, ImageMetrics.MsSsimMinimumSide());
    }

    [Fact]
    public void Psnr_IsTenLogOfRangeSquaredOverMse()
    {
        float[] x = [0f, 0.5f, 1f, 0.25f], y = [0.1f, 0.5f, 0.8f, 0.25f];
        double mse = (0.01 + 0.04) / 4;
        Assert.Equal(10 * Math.Log10(1 / mse), ImageMetrics.Psnr(x, y), 5);
        Assert.Equal(10 * Math.Log10(4 / mse), ImageMetrics.Psnr(x, y, dataRange: 2), 5);
    }
}
