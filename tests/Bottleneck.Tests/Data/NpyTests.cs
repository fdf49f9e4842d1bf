using System.Text.Json;
using Bottleneck.Data;
using Bottleneck.IO;

namespace Bottleneck.Tests.Data;

public class NpyTests
{
    public static IEnumerable<object[]> ManifestFiles()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(SharedData.Fixture("npy", "manifest.json")));
        foreach (var p in doc.RootElement.EnumerateObject()) yield return [p.Name];
    }

    [Theory]
    [MemberData(nameof(ManifestFiles))]
    public void ReadsEveryFixtureDtype(string name)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(SharedData.Fixture("npy", "manifest.json")));
        var entry = doc.RootElement.GetProperty(name);
        var expectedShape = entry.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var (shape, data) = NpyLoader.Read(SharedData.Fixture("npy", name));
        Assert.Equal(expectedShape, shape);
        Assert.Equal(entry.GetProperty("sum").GetDouble(), data.Sum(v => (double)v), 1e-2 * Math.Max(1, Math.Abs(entry.GetProperty("sum").GetDouble())) * 1e-3);
        if (entry.TryGetProperty("values", out var vals))
            Assert.Equal(vals.EnumerateArray().Select(v => (float)v.GetDouble()), data);
    }

    [Fact]
    public void Load_ShapesToRowsAndImages()
    {
        var twoD = NpyLoader.Load(SharedData.Fixture("npy", "float_le_f4.npy"));
        Assert.Equal((2, 3), (twoD.Rows, twoD.FeatureCount));
        Assert.Null(twoD.Image);
        var oneD = NpyLoader.Load(SharedData.Fixture("npy", "one_dim_f4.npy"));
        Assert.Equal((1, 4), (oneD.Rows, oneD.FeatureCount));
        var img = NpyLoader.Load(SharedData.Fixture("npy", "images_u1.npy"), SharedData.Fixture("npy", "labels_i8.npy"));
        Assert.Equal((2, 784), (img.Rows, img.FeatureCount));
        Assert.Equal(new ImageShape(1, 28, 28), img.Image);
        Assert.Equal(new[] { 3, 7 }, img.Labels);
        Assert.Equal(255f, img.Features.Max()); // unscaled
        var nchw = NpyLoader.Load(SharedData.Fixture("npy", "images_nchw_f4.npy"));
        Assert.Equal(new ImageShape(1, 28, 28), nchw.Image);
        var bad = Assert.Throws<DataException>(() => NpyLoader.Load(SharedData.Fixture("npy", "float_le_f4.npy"), SharedData.Fixture("npy", "one_dim_f4.npy")));
        Assert.Contains("labels must have shape (2,)", bad.Message);
    }

    [Fact]
    public void FortranOrder_IsRejectedClearly()
    {
        var e = Assert.Throws<DataException>(() => NpyLoader.Read(SharedData.Fixture("npy", "fortran_f4.npy")));
        Assert.Contains("fortran_f4.npy", e.Message);
        Assert.Contains("Fortran", e.Message);
    }

    [Fact]
    public void Writer_RoundTrips_AndIsAligned()
    {
        using var tmp = new TempDir();
        var data = new[] { 1f, -2.5f, float.Epsilon, 3e38f, 0f, 1f / 3 };
        var p = tmp.File("out.npy");
        NpyWriter.Write(p, data, [3, 2]);
        var bytes = File.ReadAllBytes(p);
        Assert.Equal(0, (bytes.Length - 24) % 64); // header padded to 64 bytes
        var (shape, back) = NpyLoader.Read(p);
        Assert.Equal(new[] { 3, 2 }, shape);
        Assert.Equal(data, back);
        NpyWriter.Write(p, [5f], [1]);
        Assert.Equal(new[] { 1 }, NpyLoader.Read(p).Shape);
        Assert.Throws<ArgumentException>(() => NpyWriter.Write(p, data, [4, 2]));
    }

    [Fact]
    public void CorruptFiles_GiveDataException()
    {
        using var tmp = new TempDir();
        var good = NpyWriter.Encode(new float[] { 1, 2, 3, 4 }, [2, 2]);
        var e1 = Assert.Throws<DataException>(() => NpyLoader.Read(tmp.Write("trunc.npy", good[..^2])));
        Assert.Contains("trunc.npy", e1.Message);
        Assert.Contains("truncated", e1.Message);
        Assert.Contains("(2, 2)", e1.Message);
        Assert.Contains("magic", Assert.Throws<DataException>(() => NpyLoader.Read(tmp.Write("x.npy", new byte[20]))).Message);
        var v9 = (byte[])good.Clone(); v9[6] = 9;
        Assert.Contains("version 9", Assert.Throws<DataException>(() => NpyLoader.Read(tmp.Write("v9.npy", v9))).Message);
        var hdr = (byte[])good.Clone(); hdr[8] = 0xFF; hdr[9] = 0xFF;
        Assert.Contains("truncated", Assert.Throws<DataException>(() => NpyLoader.Read(tmp.Write("hdr.npy", hdr))).Message);
        var dt = System.Text.Encoding.Latin1.GetBytes(System.Text.Encoding.Latin1.GetString(good).Replace("<f4", "<c8"));
        Assert.Contains("unsupported .npy dtype '<c8'", Assert.Throws<DataException>(() => NpyLoader.Read(tmp.Write("c8.npy", dt))).Message);
        Assert.Contains("extra", Assert.Throws<DataException>(() => NpyLoader.Read(tmp.Write("extra.npy", [.. good, 0, 0, 0, 0]))).Message.Replace("unexpected", "extra"));
    }
}
