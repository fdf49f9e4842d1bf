using System.Buffers.Binary;
using System.IO.Compression;
using Bottleneck.Data;

namespace Bottleneck.Tests.Data;

public class IdxLoaderTests
{
    private static byte[] Idx(byte type, int[] dims, byte[] payload)
    {
        var b = new byte[4 + 4 * dims.Length + payload.Length];
        b[2] = type; b[3] = (byte)dims.Length;
        for (int i = 0; i < dims.Length; i++) BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(4 + 4 * i), dims[i]);
        payload.CopyTo(b, 4 + 4 * dims.Length);
        return b;
    }

    private static byte[] Gzip(byte[] raw)
    {
        var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, true)) gz.Write(raw);
        return ms.ToArray();
    }

    [Fact]
    public void ReadsRawAndGzip_DetectingGzipByMagic()
    {
        using var tmp = new TempDir();
        var pixels = Enumerable.Range(0, 2 * 3 * 2).Select(i => (byte)(i * 20)).ToArray();
        var raw = Idx(0x08, [2, 3, 2], pixels);
        var a = IdxLoader.LoadImages(tmp.Write("imgs-idx3-ubyte", raw));
        var b = IdxLoader.LoadImages(tmp.Write("gzipped-but-no-extension", Gzip(raw)));
        Assert.Equal(2, a.Rows);
        Assert.Equal(6, a.FeatureCount);
        Assert.Equal(new ImageShape(1, 3, 2), a.Image);
        Assert.Equal(pixels.Select(p => (float)p), a.Features); // raw 0..255, not scaled
        Assert.Equal(a.Features, b.Features);
    }

    [Fact]
    public void ReadsOtherIdxTypes()
    {
        using var tmp = new TempDir();
        var payload = new byte[8];
        BinaryPrimitives.WriteInt32BigEndian(payload, -5);
        BinaryPrimitives.WriteSingleBigEndian(payload.AsSpan(4), 2.5f);
        var (shape, data) = IdxLoader.Read(tmp.Write("i.idx", Idx(0x0C, [2], payload)));
        Assert.Equal(new[] { 2 }, shape);
        Assert.Equal(-5f, data[0]);
        var (_, f) = IdxLoader.Read(tmp.Write("f.idx", Idx(0x0D, [1], payload[4..])));
        Assert.Equal(2.5f, f[0]);
    }

    [Fact]
    public void Errors_NameTheFileAndProblem()
    {
        using var tmp = new TempDir();
        var good = Idx(0x08, [2, 2, 2], new byte[8]);

        var trunc = tmp.Write("trunc.idx", good[..^3]);
        var e = Assert.Throws<DataException>(() => IdxLoader.LoadImages(trunc));
        Assert.Contains("trunc.idx", e.Message);
        Assert.Contains("truncated", e.Message);
        Assert.Contains("(2, 2, 2)", e.Message);

        var truncGz = tmp.Write("trunc.gz", Gzip(good[..^3]));
        Assert.Contains("truncated", Assert.Throws<DataException>(() => IdxLoader.LoadImages(truncGz)).Message);

        var cutGz = Gzip(good);
        var brokenGz = tmp.Write("broken.gz", cutGz[..(cutGz.Length / 2)]);
        var be = Assert.Throws<DataException>(() => IdxLoader.LoadImages(brokenGz));
        Assert.Contains("broken.gz", be.Message);

        var magic = tmp.Write("magic.idx", [1, 2, 3, 4, 5, 6, 7, 8]);
        Assert.Contains("not an IDX file", Assert.Throws<DataException>(() => IdxLoader.LoadImages(magic)).Message);

        var type = tmp.Write("type.idx", Idx(0x07, [1], [0]));
        Assert.Contains("type code 0x07", Assert.Throws<DataException>(() => IdxLoader.Read(type)).Message);

        var extra = tmp.Write("extra.idx", [.. good, 1, 2]);
        Assert.Contains("extra bytes", Assert.Throws<DataException>(() => IdxLoader.Read(extra)).Message);

        var header = tmp.Write("header.idx", good[..6]);
        Assert.Contains("dimension sizes", Assert.Throws<DataException>(() => IdxLoader.Read(header)).Message);

        var labels3d = tmp.Write("labels3d.idx", good);
        Assert.Contains("1-D", Assert.Throws<DataException>(() => IdxLoader.LoadLabels(labels3d)).Message);

        var missing = tmp.File("nope.idx");
        Assert.Contains("not found", Assert.Throws<DataException>(() => IdxLoader.Read(missing)).Message);
    }

    [Fact]
    public void LoadMnist_FromSyntheticFolder_ScalesAndChecksCounts()
    {
        using var tmp = new TempDir();
        var px = new byte[3 * 28 * 28];
        px[0] = 255; px[1] = 51;
        tmp.Write("t10k-images-idx3-ubyte.gz", Gzip(Idx(0x08, [3, 28, 28], px)));
        tmp.Write("t10k-labels-idx1-ubyte", Idx(0x08, [3], [7, 1, 0]));
        var d = IdxLoader.LoadMnist(tmp.Path, "test");
        Assert.Equal(3, d.Rows);
        Assert.Equal(1f, d.Features[0]);
        Assert.Equal(0.2f, d.Features[1], 6);
        Assert.Equal(new[] { 7, 1, 0 }, d.Labels);
        Assert.Equal(new ImageShape(1, 28, 28), d.Image);

        tmp.Write("t10k-labels-idx1-ubyte", Idx(0x08, [2], [7, 1]));
        var e = Assert.Throws<DataException>(() => IdxLoader.LoadMnist(tmp.Path, "test"));
        Assert.Contains("2 labels", e.Message);
        Assert.Contains("3 images", e.Message);
        Assert.Contains("not found", Assert.Throws<DataException>(() => IdxLoader.LoadMnist(tmp.Path, "train")).Message);
        Assert.Contains("split", Assert.Throws<DataException>(() => IdxLoader.LoadMnist(tmp.Path, "valid")).Message);
    }

    [Fact]
    public void LoadMnist_PixelsAreTheCorrectlyRoundedByteOver255_AsPyTorchsDivision()
    {
        // Given an image holding every grey level 0..255
        using var tmp = new TempDir();
        var px = new byte[28 * 28];
        for (int i = 0; i < 256; i++) px[i] = (byte)i;
        tmp.Write("t10k-images-idx3-ubyte", Idx(0x08, [1, 28, 28], px));
        tmp.Write("t10k-labels-idx1-ubyte", Idx(0x08, [1], [3]));
        // When loaded
        var d = IdxLoader.LoadMnist(tmp.Path, "test");
        // Then each pixel is b/255 rounded once to float (PyTorch's x / 255.0 on float32 and torchvision's ToTensor give the
        // same); multiplying by the float 1/255 instead is one ulp off on 126 of the 256 levels
        for (int b = 0; b < 256; b++)
            Assert.True(BitConverter.SingleToInt32Bits(d.Features[b]) == BitConverter.SingleToInt32Bits((float)(b / 255.0)),
                $"grey level {b}: {d.Features[b]:R}, correctly rounded {(float)(b / 255.0):R}");
        Assert.Equal(126, Enumerable.Range(0, 256).Count(b => b * (1f / 255f) != (float)(b / 255.0)));
    }

    [SkippableFact]
    public void RealMnist_TrainAndTest()
    {
        var dir = SharedData.Find("mnist");
        Skip.If(dir == null, "shared/data/mnist not present");
        var train = IdxLoader.LoadMnist(dir!, "train");
        Assert.Equal(60000, train.Rows);
        Assert.Equal(784, train.FeatureCount);
        Assert.Equal(60000, train.Labels!.Length);
        Assert.Equal(5923, train.Labels.Count(l => l == 0));
        Assert.Equal(6742, train.Labels.Count(l => l == 1));
        Assert.Equal(0f, train.Features.Min());
        Assert.Equal(1f, train.Features.Max());
        var test = IdxLoader.LoadMnist(dir!, "test");
        Assert.Equal(10000, test.Rows);
        Assert.Equal(1135, test.Labels!.Count(l => l == 1));
        Assert.Equal(new ImageShape(1, 28, 28), test.Image);
    }
}
