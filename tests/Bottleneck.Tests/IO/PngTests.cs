using Bottleneck.IO;
using Bottleneck.Tests.Data;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace Bottleneck.Tests.IO;

public class PngTests
{
    /// <summary>Decodes a PNG written by PngWriter with ImageSharp, checking it is an 8-bit grayscale PNG.</summary>
    internal static (int W, int H, byte[] Pixels) Decode(byte[] png)
    {
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
        using var image = Image.Load<L8>(png, out var format);
        Assert.Equal("PNG", format.Name);
        var meta = image.Metadata.GetPngMetadata();
        Assert.Equal(PngColorType.Grayscale, meta.ColorType);
        Assert.Equal(PngBitDepth.Bit8, meta.BitDepth);
        var px = new L8[image.Width * image.Height];
        image.CopyPixelDataTo(px);
        return (image.Width, image.Height, px.Select(p => p.PackedValue).ToArray());
    }

    [Fact]
    public void EncodesAndDecodesPixels()
    {
        var px = new byte[5 * 3];
        for (int i = 0; i < px.Length; i++) px[i] = (byte)(i * 17);
        var (w, h, back) = Decode(PngWriter.EncodeGray(px, 5, 3));
        Assert.Equal((5, 3), (w, h));
        Assert.Equal(px, back);
        var (_, _, f) = Decode(PngWriter.EncodeGray(new float[] { -1f, 0f, 0.5f, 1f, 2f, float.NaN }, 3, 2));
        Assert.Equal(new byte[] { 0, 0, 128, 255, 255, 0 }, f);
        Assert.Throws<ArgumentException>(() => PngWriter.EncodeGray(new byte[5], 2, 2));
    }

    [Fact]
    public void ImageGrid_TilesWithSeparators()
    {
        using var tmp = new TempDir();
        var white = Enumerable.Repeat(1f, 4).ToArray();
        var black = new float[4];
        var p = tmp.File("grid.png");
        ImageGrid.Write(p, [[white, black, white], [black]], 2, 2, separator: 1, scale: 2, separatorValue: 0.5f);
        var (w, h, px) = Decode(File.ReadAllBytes(p));
        Assert.Equal((3 * 4 + 4, 2 * 4 + 3), (w, h));
        Assert.Equal(128, px[0]);                 // border
        Assert.Equal(255, px[1 * w + 1]);         // first image
        Assert.Equal(128, px[1 * w + 5]);         // separator column
        Assert.Equal(0, px[1 * w + 6]);           // second image
        Assert.Equal(0, px[6 * w + 1]);           // row 2, first image
        Assert.Equal(128, px[6 * w + 6]);         // missing cell stays separator gray
        Assert.Throws<ArgumentException>(() => ImageGrid.Render([[new float[3]]], 2, 2));
        Assert.Throws<ArgumentException>(() => ImageGrid.Render([], 2, 2));

        var q = tmp.File("batch.png");
        ImageGrid.WriteBatch(q, new float[7 * 4], 7, 2, 2, columns: 3, separator: 0);
        var (bw, bh, _) = Decode(File.ReadAllBytes(q));
        Assert.Equal((6, 6), (bw, bh));
    }
}
