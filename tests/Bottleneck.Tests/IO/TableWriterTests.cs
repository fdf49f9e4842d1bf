using Bottleneck.Data;
using Bottleneck.IO;
using Bottleneck.Tests.Data;

namespace Bottleneck.Tests.IO;

public class TableWriterTests
{
    [Fact]
    public void Csv_RoundTripsExactlyThroughCsvLoader()
    {
        using var tmp = new TempDir();
        var p = tmp.File("t.csv");
        var v = new[] { 0.1f, 1f / 3, -2.5e-8f, 123456.79f, float.MaxValue, 0f };
        TableWriter.Write(p, v, 2, 3, ["a", "b,c", "d"], [new TableColumn("label", [3, 1])]);
        var text = File.ReadAllText(p);
        Assert.StartsWith("label,a,\"b,c\",d\n3,", text);
        var d = CsvLoader.Load(p, new CsvOptions("label"));
        Assert.Equal(v, d.Features);
        Assert.Equal(new[] { 3, 1 }, d.Labels);
        Assert.Equal(new[] { "a", "b,c", "d" }, d.FeatureNames);
    }

    [Fact]
    public void Tsv_DefaultHeader_And_Npy()
    {
        using var tmp = new TempDir();
        var p = tmp.File("t.tsv");
        TableWriter.Write(p, new float[] { 1, 2 }, 1, 2);
        Assert.Equal("c0\tc1\n1\t2\n", File.ReadAllText(p));
        var n = tmp.File("t.NPY");
        TableWriter.Write(n, new float[] { 1, 2, 3, 4 }, 2, 2, leading: [new TableColumn("id", [10, 11])]);
        var (shape, data) = NpyLoader.Read(n);
        Assert.Equal(new[] { 2, 3 }, shape);
        Assert.Equal(new float[] { 10, 1, 2, 11, 3, 4 }, data);
    }

    [Fact]
    public void Errors()
    {
        using var tmp = new TempDir();
        var e = Assert.Throws<ArgumentException>(() => TableWriter.Write(tmp.File("x.xlsx"), new float[1], 1, 1));
        Assert.Contains(".csv, .tsv or .npy", e.Message);
        Assert.Throws<ArgumentException>(() => TableWriter.Write(tmp.File("x.csv"), new float[3], 2, 2));
        Assert.Throws<ArgumentException>(() => TableWriter.Write(tmp.File("x.csv"), new float[4], 2, 2, ["a"]));
        Assert.Throws<ArgumentException>(() => TableWriter.Write(tmp.File("x.csv"), new float[4], 2, 2, leading: [new TableColumn("l", [1])]));
    }
}
