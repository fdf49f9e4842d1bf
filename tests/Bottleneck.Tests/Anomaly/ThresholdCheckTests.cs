using Bottleneck.Anomaly;
using Bottleneck.Tensors;

namespace Bottleneck.Tests.Anomaly;

/// <summary>ThresholdCheck: realised false-positive rate and recall on held-out rows, and the margin share ("no clear cut").</summary>
public class ThresholdCheckTests
{
    [Fact]
    public void FalsePositiveRateAndRecallCountTheHeldOutRowsAboveTheThreshold()
    {
        // Given 4 normal rows (one above 1.0) and 2 anomalies (one above)
        float[] fitted = [0.1f, 0.2f, 0.3f, 0.4f, 2f];
        float[] scores = [0.5f, 0.9f, 1.5f, 0.2f, 3f, 0.8f];
        int[] labels = [0, 0, 0, 0, 1, 1];
        // When checking the threshold 1.0
        var c = ThresholdCheck.Evaluate(1.0, fitted, scores, labels);
        // Then a quarter of the normal rows and half of the anomalies are flagged
        Assert.Equal((0.25, 0.5, 4, 2), (c.FalsePositiveRate, c.Recall, c.Normal, c.Anomalies));
        Assert.True(double.IsNaN(ThresholdCheck.Evaluate(1.0, fitted, [0.5f], [1]).FalsePositiveRate));
        Assert.Throws<ArgumentException>(() => ThresholdCheck.Evaluate(1.0, fitted, scores, [0]));
    }

    [Fact]
    public void AThresholdInAGapBetweenBulkAndOutliersIsAClearCut()
    {
        // Given 900 scores in [0, 1) and 100 in [10, 11), and a contamination:0.1 threshold between them
        var scores = Enumerable.Range(0, 1000).Select(i => i < 900 ? i / 900f : 10 + (i - 900) / 100f).ToArray();
        double t = Threshold.Parse("contamination:0.1").Fit(scores);
        // Then almost no score lies near it, per flagged row
        double m = ThresholdCheck.Margin(scores, t);
        Assert.InRange(m, 0, 0.05);
        Assert.False(new ThresholdCheck(t, 0, 1, 1, 1, m).Unclear);
    }

    [Theory]
    [InlineData(90, 0.47)]
    [InlineData(99, 0.72)]
    public void APercentileOfNormallyDistributedScoresHasNoClearCut(double q, double expected)
    {
        // Given 200,000 standard normal scores
        var rng = new Rng(7);
        var scores = new float[200_000];
        rng.FillNormal(scores);
        // When the threshold is their q-th percentile
        double m = ThresholdCheck.Margin(scores, Threshold.Quantile(scores.Select(s => (double)s).ToArray(), q / 100));
        // Then the margin share is the density over ±0.1 IQR around it per flagged row (0.47 at q = 90, 0.72 at q = 99): no clear cut at 99
        Assert.InRange(m, expected - 0.03, expected + 0.03);
        Assert.Equal(q == 99, m > ThresholdCheck.UnclearMargin);
    }
}
