using System.Buffers.Binary;
using System.IO.Compression;
using Bottleneck.IO;
using Bottleneck.Tests.Data;

namespace Bottleneck.Tests.IO;

public class PngTests
{
    /// <summary>Decodes a grayscale 8-bit, filter-0 PNG written by PngWriter, checking every chunk CRC.</summary>
    internal static (int W, int H, byte[] Pixels) Decode(byte[] png)
    {
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
        int pos = 8, w = 0, h = 0;
        var idat = new MemoryStream();
        var types = new List<string>();
        while (pos < png.Length)
        {
            int len = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(pos));
            string type = System.Text.Encoding.ASCII.GetString(png, pos + 4, 4);
            var body = png.AsSpan(pos + 8, len);
            uint crc = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(pos + 8 + len));
            Assert.Equal(Crc32.Compute(png.AsSpan(pos + 4, 4 + len)), crc);
            types.Add(type);
            if (type == "IHDR")
            {
                w = BinaryPrimitives.ReadInt32BigEndian(body);
                h = BinaryPrimitives.ReadInt32BigEndian(body[4..]);
                Assert.Equal(new byte[] { 8, 0, 0, 0, 0 }, body[8..].ToArray());
            }
            if (type == "IDAT") idat.Write(body);
            pos += 12 + len;
        }
        Assert.Equal(new[] { "IHDR", "IDAT", "IEND" }, types);
        idat.Position = 0;
        var raw = new MemoryStream();
        using (var z = new ZLibStream(idat, CompressionMode.Decompress)) z.CopyTo(raw);
        var r = raw.ToArray();
        Assert.Equal((w + 1) * h, r.Length);
        var px = new byte[w * h];
        for (int y = 0; y < h; y++)
        {
            Assert.Equal(0, r[y * (w + 1)]);
            Array.Copy(r, y * (w + 1) + 1, px, y * w, w);
        }
        return (w, h, px);
    }

    [Fact]
    public void Crc32_KnownVector()
    {
        Assert.Equal(0xCBF43926u, Crc32.Compute("123456789"u8));
        Assert.Equal(0u, Crc32.Compute([]));
        Assert.Equal(Crc32.Compute("123456789"u8), Crc32.Append(Crc32.Compute("1234"u8), "56789"u8));
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
