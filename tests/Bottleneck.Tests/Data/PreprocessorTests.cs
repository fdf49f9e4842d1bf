using System.Text.Json;
using Bottleneck.Data;

namespace Bottleneck.Tests.Data;

public class PreprocessorTests
{
    private static Dataset Train() => new([1, 10, 5, 3, 20, 5, 5, 30, 5], 3, 3);

    [Fact]
    public void MinMax_MapsTrainRangeToUnit_ConstantToZero()
    {
        var p = Preprocessor.Fit(Train(), ScalingKind.MinMax);
        var x = Train().Features;
        p.Transform(x);
        Assert.Equal(new float[] { 0, 0, 0, 0.5f, 0.5f, 0, 1, 1, 0 }, x);
        p.InverseTransform(x);
        Assert.Equal(Train().Features, x);
    }

    [Fact]
    public void Standardize_ZeroMeanUnitStd_ConstantSafe()
    {
        var p = Preprocessor.Fit(Train(), ScalingKind.Standardize);
        var t = p.Transform(Train());
        for (int j = 0; j < 2; j++)
        {
            var col = Enumerable.Range(0, 3).Select(r => (double)t.Features[r * 3 + j]).ToArray();
            Assert.Equal(0, col.Average(), 5);
            Assert.Equal(1, Math.Sqrt(col.Select(v => v * v).Average()), 5);
        }
        Assert.All(Enumerable.Range(0, 3), r => Assert.Equal(0f, t.Features[r * 3 + 2]));
        var x = (float[])t.Features.Clone();
        p.InverseTransform(x);
        for (int i = 0; i < x.Length; i++) Assert.Equal(Train().Features[i], x[i], 4);
    }

    [Fact]
    public void None_IsIdentity_AndLengthChecked()
    {
        var p = Preprocessor.Fit(Train(), ScalingKind.None);
        var x = new float[] { 7, 8, 9 };
        p.Transform(x);
        Assert.Equal(new float[] { 7, 8, 9 }, x);
        Assert.Throws<ArgumentException>(() => p.Transform(new float[4]));
        Assert.Throws<DataException>(() => p.Transform(new Dataset(new float[2], 1, 2)));
    }

    [Fact]
    public void State_RoundTripsThroughJson()
    {
        var p = Preprocessor.Fit(Train(), ScalingKind.Standardize);
        string json = JsonSerializer.Serialize(p.State);
        Assert.Contains("\"Standardize\"", json);
        var back = new Preprocessor(JsonSerializer.Deserialize<PreprocessorState>(json)!);
        Assert.Equal(ScalingKind.Standardize, back.Kind);
        Assert.Equal(p.State.Offset, back.State.Offset);
        Assert.Equal(p.State.Scale, back.State.Scale);
        Assert.Throws<ArgumentException>(() => new Preprocessor(new PreprocessorState(ScalingKind.MinMax, [0f], [0f])));
    }

    [Fact]
    public void ParseKind_AcceptsNamesAndRejectsOthers()
    {
        Assert.Equal(ScalingKind.MinMax, Preprocessor.ParseKind("MinMax"));
        Assert.Equal(ScalingKind.Standardize, Preprocessor.ParseKind("zscore"));
        Assert.Contains("none, minmax, standardize or robust", Assert.Throws<DataException>(() => Preprocessor.ParseKind("log")).Message);
    }
}
