using System.Text.Json;
using Bottleneck.Data;

namespace Bottleneck.Tests.Data;

/// <summary>ScalingKind.Robust against scikit-learn's RobustScaler (Fixtures/sklearn/make_robust_scaler_fixtures.py).</summary>
public class RobustScalingTests
{
    [Fact]
    public void MediansAndIqrsMatchScikitLearnAndAZeroIqrFallsBackToTheSd()
    {
        // Given float32 rows with outliers, ties and a feature whose IQR is 0, and sklearn's RobustScaler of them
        using var doc = JsonDocument.Parse(File.ReadAllText(SharedData.Fixture("sklearn", "robust_scaler_fixtures.json")));
        var root = doc.RootElement;
        int d = root.GetProperty("features").GetInt32();
        var rows = root.GetProperty("rows").EnumerateArray().Select(v => (float)v.GetDouble()).ToArray();
        double[] D(string k) => root.GetProperty(k).EnumerateArray().Select(v => v.GetDouble()).ToArray();
        var (center, iqr, std) = (D("center"), D("iqr"), D("std"));
        // When fitted with robust scaling
        var state = Preprocessor.Fit(new Dataset(rows, rows.Length / d, d), ScalingKind.Robust).State;
        // Then offset = median, scale = IQR/1.349, or the population sd where the IQR is 0
        for (int j = 0; j < d; j++)
        {
            Assert.Equal(center[j], state.Offset[j], 1e-5 * Math.Max(1, Math.Abs(center[j])));
            double expected = iqr[j] > 0 ? iqr[j] / 1.3489795003921634 : std[j];
            Assert.Equal(expected, state.Scale[j], 1e-5 * Math.Max(1, expected));
        }
        Assert.Contains(iqr, v => v == 0);
        Assert.Equal(ScalingKind.Robust, state.Kind);
        Assert.Equal(ScalingKind.Robust, Preprocessor.ParseKind("robust"));
    }

    [Fact]
    public void OutliersDoNotMoveTheRobustStatisticsAsTheyMoveTheStandardOnes()
    {
        var clean = Enumerable.Range(0, 100).Select(i => (float)Math.Sin(i)).ToArray();
        var dirty = clean.Select((v, i) => i < 5 ? v + 1000f : v).ToArray();
        float Scale(float[] x, ScalingKind k) => Preprocessor.Fit(new Dataset(x, x.Length, 1), k).State.Scale[0];
        Assert.True(Scale(dirty, ScalingKind.Standardize) > 50 * Scale(clean, ScalingKind.Standardize));
        Assert.True(Scale(dirty, ScalingKind.Robust) < 1.2 * Scale(clean, ScalingKind.Robust));
    }

    [Fact]
    public void SequencesAndStreamsRefuseRobustScalingWithTheReason()
    {
        var seq = new Dataset(new float[12], 2, 6) { Sequence = new SequenceShape(3, 2) };
        Assert.Contains("per channel", Assert.Throws<DataException>(() => SequenceScaling.Fit(seq, ScalingKind.Robust)).Message);
        Assert.Contains("streamed", Assert.Throws<DataException>(() => new StreamedScalingFit(3, ScalingKind.Robust)).Message);
    }
}
