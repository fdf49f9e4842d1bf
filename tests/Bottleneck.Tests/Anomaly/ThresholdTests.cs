using Bottleneck.Anomaly;

namespace Bottleneck.Tests.Anomaly;

public class ThresholdTests
{
    private static readonly double[] Scores = Enumerable.Range(1, 100).Select(i => (double)i).ToArray();   // 1..100

    [Fact]
    public void PercentileInterpolatesLikeNumpy()
    {
        // numpy.percentile(1..100, 99) = 99.01; p50 = 50.5
        Assert.Equal(99.01, Threshold.Parse("p99").Fit(Scores), 1e-12);
        Assert.Equal(50.5, Threshold.Parse("p50").Fit(Scores), 1e-12);
        Assert.Equal(99.505, Threshold.Parse("p99.5").Fit(Scores), 1e-12);
    }

    [Fact]
    public void ContaminationIsTheUpperQuantile()
    {
        double t = Threshold.Parse("contamination:0.05").Fit(Scores);
        Assert.Equal(95.05, t, 1e-12);                    // numpy.percentile(1..100, 95)
        Assert.Equal(5, Scores.Count(s => s > t));        // flags the expected share
    }

    [Fact]
    public void MeanPlusKSd()
    {
        double[] s = [1, 2, 3, 4, 5];                     // mean 3, population sd √2
        Assert.Equal(3 + 3 * Math.Sqrt(2), Threshold.Parse("mean+3sd").Fit(s), 1e-12);
        Assert.Equal(3 + 0.5 * Math.Sqrt(2), Threshold.Parse("mean+0.5std").Fit(s), 1e-12);
    }

    [Fact]
    public void BestF1SeparatesPerfectlySeparableData()
    {
        double[] s = [0.1, 0.2, 0.3, 0.35, 0.9, 1.0];
        int[] y = [0, 0, 0, 0, 1, 1];
        double t = Threshold.Parse("f1").Fit(s, y);
        Assert.Equal((0.35 + 0.9) / 2, t, 1e-12);
        Assert.Equal(1.0, AnomalyMetrics.Confusion(s, y, t).F1);
        // with overlap, the threshold maximizes F1 over all cuts
        double[] s2 = [0.1, 0.5, 0.6, 0.7, 0.8, 0.95];
        int[] y2 = [0, 1, 0, 1, 1, 0];
        double t2 = Threshold.Parse("f1").Fit(s2, y2);
        double best = s2.Distinct().Select(c => AnomalyMetrics.Confusion(s2, y2, c - 1e-9).F1).Max();
        Assert.Equal(best, AnomalyMetrics.Confusion(s2, y2, t2).F1, 1e-12);
        Assert.Throws<ArgumentException>(() => Threshold.Parse("f1").Fit(s2));
    }

    [Theory]
    [InlineData("p99", ThresholdKind.Percentile, 99)]
    [InlineData(" P95 ", ThresholdKind.Percentile, 95)]
    [InlineData("mean+3sd", ThresholdKind.MeanStd, 3)]
    [InlineData("contamination:0.1", ThresholdKind.Contamination, 0.1)]
    [InlineData("f1", ThresholdKind.BestF1, 0)]
    [InlineData("0.25", ThresholdKind.Fixed, 0.25)]
    public void ParsesAndRoundTrips(string text, ThresholdKind kind, double p)
    {
        var t = Threshold.Parse(text);
        Assert.Equal(new Threshold(kind, p), t);
        Assert.Equal(t, Threshold.Parse(t.ToString()));
    }

    [Theory]
    [InlineData("")]
    [InlineData("p100")]
    [InlineData("contamination:0.9")]
    [InlineData("mean+sd")]
    [InlineData("top5")]
    public void BadFormsListTheAcceptedOnes(string text)
    {
        var e = Assert.Throws<FormatException>(() => Threshold.Parse(text));
        Assert.Contains("contamination:C", e.Message);
        Assert.Contains("mean+Ksd", e.Message);
    }
}
