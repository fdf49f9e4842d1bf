using Bottleneck.Data;

namespace Bottleneck.Tests.Data;

/// <summary>sequences:FILE (UCR format) and per-channel sequence scaling.</summary>
public class SequenceDataTests
{
    [Fact]
    public void UcrRowsLoadAsLabelledUnivariateSequences()
    {
        // Given a UCR text file (space-padded scientific notation, class first)
        using var dir = new TempDir();
        var path = dir.Write("beats.txt", "   1.0000000e+00  -1.5e-01   2.0e+00   3.0\n\n   2.0000000e+00   4.0   5.0   6.5\n");
        // When it loads with the label in column 0
        var d = DataSpec.Parse($"sequences:{path}:label=0").Load();
        // Then each row is a (3, 1) sequence with its class as label
        Assert.Equal(new SequenceShape(3, 1), d.Sequence);
        Assert.Equal(2, d.Rows);
        Assert.Equal([-0.15f, 2f, 3f, 4f, 5f, 6.5f], d.Features);
        Assert.Equal([1, 2], d.Labels!);
        Assert.Equal(["t0", "t1", "t2"], d.FeatureNames!);
        Assert.Contains("(sequences of 3 steps x 1 channel)", d.ToString());
        // and subsets keep the sequence shape
        Assert.Equal(d.Sequence, d.Subset([1]).Sequence);
    }

    [Fact]
    public void CommaSeparatedRowsWithTheLabelLastAlsoLoad()
    {
        using var dir = new TempDir();
        var path = dir.Write("s.csv", "0.5,1.5,normal\n2.5,3.5,abnormal\n");
        var d = SequenceLoader.Load(path, "last");
        Assert.Equal([0.5f, 1.5f, 2.5f, 3.5f], d.Features);
        Assert.Equal(["normal", "abnormal"], d.ClassNames!);
    }

    [Theory]
    [InlineData("1 2 3\n4 5\n", "row 2 has 2 values, the first row has 3 (sequences of different lengths: add :pad")]
    [InlineData("1 2 3\n4 NaN 6\n", "row 2, column 1: missing value \"NaN\"")]
    [InlineData("1,2,3\n4,,6\n", "row 2, column 1: missing value; sequences: does not impute")]
    [InlineData("1 2 3\n4 five 6\n", "row 2, column 1: cannot read \"five\" as a number")]
    [InlineData("", "the file is empty")]
    public void BadRowsAreErrorsNamingFileRowAndColumn(string text, string expected)
    {
        using var dir = new TempDir();
        var path = dir.Write("bad.txt", text);
        var e = Assert.Throws<DataException>(() => SequenceLoader.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void ALabelColumnOutsideTheRowIsAnError()
    {
        using var dir = new TempDir();
        var path = dir.Write("s.txt", "1 2 3\n");
        Assert.Contains("label column 5 is outside the 3 columns", Assert.Throws<DataException>(() => SequenceLoader.Load(path, "5")).Message);
        Assert.Contains("must be a 0-based index", Assert.Throws<DataException>(() => SequenceLoader.Load(path, "class")).Message);
        Assert.Contains("invalid data SPEC", Assert.Throws<DataException>(() => DataSpec.Parse("sequences:")).Message);
        Assert.Equal($"sequences:{path}:label=0", DataSpec.Parse($"sequences:{path}:label=0").ToString());
    }

    [Fact]
    public void SequenceScalingPoolsEveryStepOfAChannel()
    {
        // Given two samples of 2 steps × 2 channels: channel 0 holds 0, 2, 4, 6 and channel 1 holds 10, 10, 30, 30
        var d = new Dataset([0f, 10f, 2f, 10f, 4f, 30f, 6f, 30f], 2, 4) { Sequence = new SequenceShape(2, 2) };
        // When standardization is fitted per channel
        var state = SequenceScaling.Fit(d, ScalingKind.Standardize).State;
        // Then each channel has one mean and population sd, repeated at every step
        float sd0 = MathF.Sqrt(5f);
        Assert.Equal([3f, 20f, 3f, 20f], state.Offset);
        Assert.Equal([sd0, 10f, sd0, 10f], state.Scale);
        var mm = SequenceScaling.Fit(d, ScalingKind.MinMax).State;
        Assert.Equal([0f, 10f, 0f, 10f], mm.Offset);
        Assert.Equal([6f, 20f, 6f, 20f], mm.Scale);
        // and data without a sequence shape is scaled per feature as before
        var plain = new Dataset([0f, 10f, 2f, 10f, 4f, 30f, 6f, 30f], 2, 4);
        Assert.Equal(Preprocessor.Fit(plain, ScalingKind.Standardize).State.Offset, SequenceScaling.Fit(plain, ScalingKind.Standardize).State.Offset);
        Assert.Throws<ArgumentException>(() => new Dataset(new float[6], 2, 3) { Sequence = new SequenceShape(2, 2) });
    }
}
