using Bottleneck.Data;
using Bottleneck.IO;
using Bottleneck.Tests.Data;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Bottleneck.Tests.IO;

public class ImageFileWriterTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void WrittenPng_ReadsBackAsTheSameChannelMajorValues(int channels)
    {
        using var tmp = new TempDir();
        int h = 5, w = 7;
        var values = new float[channels * h * w];
        for (int i = 0; i < values.Length; i++) values[i] = (i * 37 % 256) / 255f;
        string path = tmp.File(Path.Combine("sub", "img.png"));

        ImageFileWriter.WritePng(path, values, channels, h, w);

        var (back, file) = ImageFolder.LoadFile(path);
        Assert.Equal(new ImageShape(channels, h, w), file.Shape);
        for (int i = 0; i < values.Length; i++) Assert.Equal(values[i], back[i], 6);
    }

    [Fact]
    public void ValuesAreClampedAndRounded_NaNIsBlack()
    {
        var png = ImageFileWriter.EncodePng(new[] { -0.5f, 0.5f, 2f, float.NaN }, 1, 2, 2);
        using var im = Image.Load<L8>(png);
        Assert.Equal(new byte[] { 0, 128, 255, 0 }, new[] { im[0, 0].PackedValue, im[1, 0].PackedValue, im[0, 1].PackedValue, im[1, 1].PackedValue });
        Assert.Throws<ArgumentException>(() => ImageFileWriter.EncodePng(new float[8], 2, 2, 2));
        Assert.Throws<ArgumentException>(() => ImageFileWriter.EncodePng(new float[5], 1, 2, 2));
    }

    [Fact]
    public void SixteenBitPng_IsReadWithFullPrecision()
    {
        using var tmp = new TempDir();
        using (var im = new Image<L16>(3, 1))
        {
            im[0, 0] = new L16(0); im[1, 0] = new L16(1000); im[2, 0] = new L16(65535);
            im.SaveAsPng(tmp.File("deep.png"), new SixLabors.ImageSharp.Formats.Png.PngEncoder { BitDepth = SixLabors.ImageSharp.Formats.Png.PngBitDepth.Bit16 });
        }
        var (v, f) = ImageFolder.LoadFile(tmp.File("deep.png"));
        Assert.Equal(1, f.Channels);
        Assert.Equal(new[] { 0f, 1000f / 65535f, 1f }, v);
    }
}
