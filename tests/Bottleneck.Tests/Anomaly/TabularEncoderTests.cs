using Bottleneck.Data;
using Bottleneck.Tests.Data;

namespace Bottleneck.Tests.Anomaly;

public class TabularEncoderTests
{
    private const string Train = "age,proto,bytes,label\n20,tcp,100,0\n30,udp,300,0\n40,tcp,200,1\n50,icmp,400,0\n";

    private static TabularEncoder Fit(string csv, TabularOptions? o = null) =>
        TabularEncoder.Fit(new StringReader(csv), "train.csv", o ?? new TabularOptions(LabelColumn: "label"));

    [Fact]
    public void OneHotVocabularyComesFromTrainingDataOnly()
    {
        var enc = Fit(Train);
        Assert.Equal(["age", "proto=icmp", "proto=tcp", "proto=udp", "bytes"], enc.FeatureNames);
        var data = enc.Transform(new StringReader("age,proto,bytes,label\n35,udp,250,0\n35,sctp,250,1\n"), "test.csv");
        Assert.Equal(2, data.Rows);
        double mean = 35, sd = Math.Sqrt(125);         // ages 20..50: mean 35, population variance 125
        Assert.Equal((float)((35 - mean) / sd), data.Row(0)[0]);
        Assert.Equal([0f, 0f, 1f], data.Row(0).Slice(1, 3).ToArray());
        Assert.Equal([0f, 0f, 0f], data.Row(1).Slice(1, 3).ToArray());      // unseen "sctp" → all zeros
        Assert.Equal(1, enc.Report.UnseenByColumn["proto"]);
        Assert.Equal(["sctp"], enc.Report.UnseenExamples["proto"]);
        Assert.Contains("proto: 1 unseen", enc.Report.Describe());
        Assert.Equal([0, 1], data.Labels!);
    }

    [Fact]
    public void NumericColumnCanBeForcedCategoricalAndConstantColumnsAreKeptOrDropped()
    {
        var csv = "code,c,x\n1,5,1\n2,5,2\n1,5,3\n";
        var kept = Fit(csv, new TabularOptions(Categorical: ["code"]));
        Assert.Equal(["code=1", "code=2", "c", "x"], kept.FeatureNames);
        var row = kept.Transform(new StringReader("code,c,x\n2,5,2\n"), "t").Row(0).ToArray();
        Assert.Equal(0f, row[2]);                       // constant column: (5 − 5) / 1
        var dropped = Fit(csv, new TabularOptions(Categorical: ["code"], DropConstant: true));
        Assert.Equal(["code=1", "code=2", "x"], dropped.FeatureNames);
    }

    [Fact]
    public void MissingValueWithoutImputationNamesFileRowAndColumn()
    {
        var e = Assert.Throws<DataException>(() => Fit("a,b\n1,2\n3,\n", new TabularOptions()));
        Assert.Contains("train.csv", e.Message);
        Assert.Contains("row 3", e.Message);
        Assert.Contains("column \"b\"", e.Message);
        var enc = Fit("a,b\n1,2\n3,4\n", new TabularOptions());
        var e2 = Assert.Throws<DataException>(() => enc.Transform(new StringReader("a,b\n1,2\n,4\n"), "score.csv"));
        Assert.Contains("score.csv", e2.Message);
        Assert.Contains("row 3", e2.Message);
        Assert.Contains("column \"a\"", e2.Message);
    }

    [Fact]
    public void ImputationFillsMeanMedianAndCategories()
    {
        var csv = "x,c\n1,a\n2,a\n9,b\n,\n";
        var mean = Fit(csv, new TabularOptions(Impute: NumericImpute.Mean, CategoricalImpute: CategoricalImpute.MostFrequent));
        Assert.Equal(4.0, mean.Columns[0].Fill);
        var median = Fit(csv, new TabularOptions(Impute: NumericImpute.Median, CategoricalImpute: CategoricalImpute.Missing));
        Assert.Equal(2.0, median.Columns[0].Fill);
        Assert.Equal(["x", "c=(missing)", "c=a", "c=b"], median.FeatureNames);
        var r = mean.Transform(new StringReader("x,c\n,\n"), "t").Row(0).ToArray();
        Assert.Equal(0f, r[0]);                          // the mean encodes to 0
        Assert.Equal([1f, 0f], r[1..]);                  // most frequent "a"
        Assert.Equal(2, mean.Report.ImputedByColumn.Values.Sum());
        var r2 = median.Transform(new StringReader("x,c\n,\n"), "t").Row(0).ToArray();
        Assert.Equal([1f, 0f, 0f], r2[1..]);
    }

    [Fact]
    public void JsonRoundTripAndSaveLoadGiveIdenticalTransforms()
    {
        var enc = Fit(Train);
        var back = TabularEncoder.FromJson(enc.ToJson());
        Assert.Equal(enc.FeatureNames, back.FeatureNames);
        const string test = "label,bytes,proto,age\n1,1000,udp,22\n0,150,icmp,61\n";   // columns matched by name, in another order
        Assert.Equal(enc.Transform(new StringReader(test), "t").Features, back.Transform(new StringReader(test), "t").Features);
    }

    [Fact]
    public void HeaderlessFilesUseGivenNamesAndPositions()
    {
        var o = new TabularOptions(LabelColumn: "y", HasHeader: false, ColumnNames: ["n", "cat", "y"]);
        var enc = TabularEncoder.Fit(new StringReader("1,a,normal.\n3,b,smurf.\n"), "kdd", o);
        Assert.Equal(["n", "cat=a", "cat=b"], enc.FeatureNames);
        var d = enc.Transform(new StringReader("2,b,normal.\n"), "kdd");
        Assert.Equal([0f, 0f, 1f], d.Row(0).ToArray());
        Assert.Equal(["normal."], d.ClassNames!);
    }

    [Fact]
    public void MissingColumnAtScoringTimeIsNamed()
    {
        var enc = Fit(Train);
        var e = Assert.Throws<DataException>(() => enc.Transform(new StringReader("age,bytes\n1,2\n"), "s.csv"));
        Assert.Contains("\"proto\"", e.Message);
    }

    [Fact]
    public void NonNumericValueInNumericColumnAtScoringTimeIsAnError()
    {
        var enc = Fit(Train);
        var e = Assert.Throws<DataException>(() => enc.Transform(new StringReader("age,proto,bytes\nold,tcp,1\n"), "s.csv"));
        Assert.Contains("row 2", e.Message);
        Assert.Contains("\"age\"", e.Message);
    }
}
