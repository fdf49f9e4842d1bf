using Bottleneck.Data;

namespace Bottleneck.Tests.Data;

public class DataSpecTests
{
    [Theory]
    [InlineData("demo", DataKind.Demo, null, null, null)]
    [InlineData("mnist", DataKind.Mnist, null, null, null)]
    [InlineData("mnist:test", DataKind.Mnist, null, "test", null)]
    [InlineData("mnist:../shared/data/mnist", DataKind.Mnist, "../shared/data/mnist", null, null)]
    [InlineData("mnist:C:\\data\\mnist:train", DataKind.Mnist, "C:\\data\\mnist", "train", null)]
    [InlineData("csv:data/cardio.csv:label=label", DataKind.Csv, "data/cardio.csv", null, "label")]
    [InlineData("csv:x.csv", DataKind.Csv, "x.csv", null, null)]
    [InlineData("CSV:x.csv:label=-1", DataKind.Csv, "x.csv", null, "-1")]
    [InlineData("npy:a.npy", DataKind.Npy, "a.npy", null, null)]
    public void Parses(string spec, DataKind kind, string? path, string? split, string? label)
    {
        var s = DataSpec.Parse(spec);
        Assert.Equal(kind, s.Kind);
        Assert.Equal(path, s.Path);
        Assert.Equal(split, s.Split);
        Assert.Equal(label, s.LabelColumn);
    }

    [Fact]
    public void ParsesDemoCountAndNpyLabels()
    {
        Assert.Equal(500, DataSpec.Parse("demo:500").Count);
        Assert.Equal("l.npy", DataSpec.Parse("npy:x.npy:labels=l.npy").LabelsPath);
        Assert.Equal("csv:x.csv:label=3", DataSpec.Parse("csv:x.csv:label=3").ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("feather:x.feather")]
    [InlineData("parquet:")]
    [InlineData("parquet:x.parquet:label=")]
    [InlineData("csv:")]
    [InlineData("csv:x.csv:label=")]
    [InlineData("npy:")]
    [InlineData("demo:-3")]
    public void BadSpecs_ListAcceptedForms(string spec)
    {
        var e = Assert.Throws<DataException>(() => DataSpec.Parse(spec));
        Assert.Contains("invalid data SPEC", e.Message);
        Assert.Contains(DataSpec.AcceptedForms, e.Message);
    }

    [Fact]
    public void LoadsDemoAndFiles()
    {
        var train = DataSpec.Parse("demo:64").Load();
        var test = DataSpec.Parse("demo:64").Load("test");
        Assert.Equal(64, train.Rows);
        Assert.NotEqual(train.Features, test.Features);
        using var tmp = new TempDir();
        var csv = tmp.Write("a.csv", "f,g,y\n1,2,0\n3,4,1\n");
        var d = DataSpec.Parse($"csv:{csv}:label=y").Load();
        Assert.Equal(new[] { 0, 1 }, d.Labels);
        var missing = Assert.Throws<DataException>(() => DataSpec.Parse($"npy:{tmp.File("no.npy")}").Load());
        Assert.Contains("no.npy", missing.Message);
    }

    [SkippableFact]
    public void LoadsSharedMnistWithoutDir()
    {
        Skip.If(SharedData.Find("mnist") == null, "shared/data/mnist not present");
        var d = DataSpec.Parse("mnist").Load("test");
        Assert.Equal(10000, d.Rows);
    }
}
