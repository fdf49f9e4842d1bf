using Bottleneck.Data;

namespace Bottleneck.Tests.Data;

public class CsvLoaderTests
{
    [Fact]
    public void HeaderDetected_QuotedFields_LabelByName()
    {
        using var tmp = new TempDir();
        var p = tmp.Write("h.csv", "\"a\",\"b,c\",label\n1.5,\"2\",3\n-4e-1, 5 ,7\n");
        var d = CsvLoader.Load(p, new CsvOptions("label"));
        Assert.Equal(2, d.Rows);
        Assert.Equal(2, d.FeatureCount);
        Assert.Equal(new float[] { 1.5f, 2f, -0.4f, 5f }, d.Features);
        Assert.Equal(new[] { 3, 7 }, d.Labels);
        Assert.Equal(new[] { "a", "b,c" }, d.FeatureNames);
        Assert.Null(d.ClassNames);
        Assert.Equal(p, d.Source);
    }

    [Fact]
    public void Headerless_NoLabel_And_LabelByIndex_LastAndNegative()
    {
        using var tmp = new TempDir();
        var p = tmp.Write("n.csv", "1,2,0\n3,4,1\n\n");
        var none = CsvLoader.Load(p);
        Assert.Equal((2, 3), (none.Rows, none.FeatureCount));
        Assert.Null(none.FeatureNames);
        Assert.Null(none.Labels);
        foreach (var lc in new[] { "2", "-1", "last" })
        {
            var d = CsvLoader.Load(p, new CsvOptions(lc));
            Assert.Equal(new float[] { 1, 2, 3, 4 }, d.Features);
            Assert.Equal(new[] { 0, 1 }, d.Labels);
        }
        var first = CsvLoader.Load(p, new CsvOptions("0"));
        Assert.Equal(new[] { 1, 3 }, first.Labels);
        var forced = CsvLoader.Load(p, new CsvOptions(null, HasHeader: true));
        Assert.Equal(1, forced.Rows);
        Assert.Equal(new[] { "1", "2", "0" }, forced.FeatureNames);
    }

    [Fact]
    public void StringLabels_MapToIndicesInOrderOfFirstAppearance()
    {
        using var tmp = new TempDir();
        var p = tmp.Write("s.csv", "x,y,cls\n1,2,normal.\n3,4,smurf.\n5,6,normal.\n7,8,neptune.\n");
        var d = CsvLoader.Load(p, new CsvOptions("cls"));
        Assert.Equal(new[] { 0, 1, 0, 2 }, d.Labels);
        Assert.Equal(new[] { "normal.", "smurf.", "neptune." }, d.ClassNames);

        // Headerless with a string label column given by index: the label cell does not make row 1 a header.
        var q = tmp.Write("s2.csv", "1,2,a\n3,4,b\n");
        var e = CsvLoader.Load(q, new CsvOptions("2"));
        Assert.Equal(2, e.Rows);
        Assert.Equal(new[] { "a", "b" }, e.ClassNames);
    }

    [Fact]
    public void TsvByExtension()
    {
        using var tmp = new TempDir();
        var p = tmp.Write("t.tsv", "1\t0.5\t0.25\n2\t1.5\t2.25\n");
        var d = CsvLoader.Load(p, new CsvOptions("0"));
        Assert.Equal(new float[] { 0.5f, 0.25f, 1.5f, 2.25f }, d.Features);
        Assert.Equal(new[] { 1, 2 }, d.Labels);
    }

    [Fact]
    public void NonNumericCell_NamesFileRowColumnAndValue()
    {
        using var tmp = new TempDir();
        var p = tmp.Write("bad.csv", "a,b,label\n1,2,0\n3,oops,1\n");
        var e = Assert.Throws<DataException>(() => CsvLoader.Load(p, new CsvOptions("label")));
        Assert.Contains("bad.csv", e.Message);
        Assert.Contains("row 3", e.Message);
        Assert.Contains("\"b\"", e.Message);
        Assert.Contains("index 1", e.Message);
        Assert.Contains("\"oops\"", e.Message);
        Assert.Equal(p, e.FilePath);
    }

    [Fact]
    public void MissingValue_RaggedRows_BadLabel_Empty()
    {
        using var tmp = new TempDir();
        var m = tmp.Write("m.csv", "1,2\n3,\n");
        var e1 = Assert.Throws<DataException>(() => CsvLoader.Load(m));
        Assert.Contains("missing value", e1.Message);
        Assert.Contains("row 2", e1.Message);
        Assert.Contains("index 1", e1.Message);

        var r = tmp.Write("r.csv", "1,2,3\n4,5\n");
        var e2 = Assert.Throws<DataException>(() => CsvLoader.Load(r));
        Assert.Contains("r.csv", e2.Message);
        Assert.Contains("row 2 has 2 fields", e2.Message);

        var h = tmp.Write("h.csv", "a,b\n1,2\n");
        var e3 = Assert.Throws<DataException>(() => CsvLoader.Load(h, new CsvOptions("target")));
        Assert.Contains("\"target\" not found", e3.Message);
        Assert.Contains("\"a\", \"b\"", e3.Message);
        Assert.Contains("out of range", Assert.Throws<DataException>(() => CsvLoader.Load(h, new CsvOptions("5"))).Message);

        var empty = tmp.Write("empty.csv", "");
        Assert.Contains("empty", Assert.Throws<DataException>(() => CsvLoader.Load(empty)).Message);
        var only = tmp.Write("only.csv", "a,b\n");
        Assert.Contains("no data rows", Assert.Throws<DataException>(() => CsvLoader.Load(only)).Message);
        var q = tmp.Write("q.csv", "1,\"2\n");
        var eq = Assert.Throws<DataException>(() => CsvLoader.Load(q));
        Assert.Contains("q.csv", eq.Message);
        Assert.Contains("malformed", eq.Message);
        var nan = tmp.Write("nan.csv", "1,NaN\n");
        Assert.Contains("not a finite", Assert.Throws<DataException>(() => CsvLoader.Load(nan)).Message);
        Assert.Contains("not found", Assert.Throws<DataException>(() => CsvLoader.Load(tmp.File("none.csv"))).Message);
    }

    [SkippableFact]
    public void RealOptdigits_HeaderlessIntsWithClassLast()
    {
        var tra = SharedData.Find("digits/optdigits.tra");
        var tes = SharedData.Find("digits/optdigits.tes");
        Skip.If(tra == null || tes == null, "shared/data/digits not present");
        var train = CsvLoader.Load(tra!, new CsvOptions("last"));
        Assert.Equal(3823, train.Rows);
        Assert.Equal(64, train.FeatureCount);
        Assert.Null(train.FeatureNames);
        Assert.Equal(376, train.Labels!.Count(l => l == 0));
        Assert.Equal(0f, train.Features.Min());
        Assert.Equal(16f, train.Features.Max());
        var test = CsvLoader.Load(tes!, new CsvOptions("-1")); // ends with an empty line
        Assert.Equal(1797, test.Rows);
        Assert.Equal(178, test.Labels!.Count(l => l == 0));
    }

    [SkippableFact]
    public void RealOddsCardio_LabelColumnByName()
    {
        var p = SharedData.Find("odds/cardio.csv");
        Skip.If(p == null, "shared/data/odds not present");
        var d = CsvLoader.Load(p!, new CsvOptions("label"));
        Assert.Equal(1831, d.Rows);
        Assert.Equal(21, d.FeatureCount);
        Assert.Equal(176, d.Labels!.Count(l => l == 1));
        Assert.Equal("feature_0", d.FeatureNames![0]);
        Assert.Equal(0.0049123147f, d.Features[0]);
    }

    [SkippableFact]
    public void RealEcg5000Tsv_LabelFirst()
    {
        var p = SharedData.Find("ecg5000/ECG5000_TRAIN.tsv");
        Skip.If(p == null, "shared/data/ecg5000 not present");
        var d = CsvLoader.Load(p!, new CsvOptions("0"));
        Assert.Equal(500, d.Rows);
        Assert.Equal(140, d.FeatureCount);
        Assert.Equal(292, d.Labels!.Count(l => l == 1));
    }
}
