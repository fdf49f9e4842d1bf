using Bottleneck.Anomaly;
using Bottleneck.Data;
using Bottleneck.Models;
using Bottleneck.Models.Dense;
using Bottleneck.Tensors;
using Bottleneck.Tests.Data;

namespace Bottleneck.Tests.Anomaly;

public class AnomalyTrainingDataTests
{
    /// <summary>40 rows, label 1 on every tenth (4 anomalies); the anomalies sit far from the normal rows.</summary>
    private static string Csv(TempDir dir) => dir.Write("t.csv", "a,b,label\n" + string.Concat(Enumerable.Range(0, 40).Select(i =>
        i % 10 == 0 ? $"{20 + i},{-20 - i},1\n" : $"{i % 7},{i % 5},0\n")));

    private static AnomalyDetector Detector(Dataset rows) =>
        new(new DenseAutoencoder(new DenseConfig(2, [4], 1, output: Likelihood.Gaussian), new Rng(1)), Preprocessor.Fit(rows, ScalingKind.Standardize));

    [Fact]
    public void NormalLabelKeepsTheNormalRowsAndRemembersTheOthers()
    {
        using var dir = new TempDir();
        var data = AnomalyTrainingData.Load(DataSpec.Parse($"csv:{Csv(dir)}"), NormalLabel.Parse("label=0"));
        Assert.Equal(36, data.Full.Rows);
        Assert.Equal(40, data.AllRows!.Rows);
        Assert.Equal(4, data.AllAnomalyFlags!.Sum());
        Assert.Equal(1, data.AllAnomalyFlags![0]);
        Assert.Equal("label", data.Spec.LabelColumn);
    }

    [Fact]
    public void PercentileRulesFitOnTheTrainingRowsAndF1OnEveryLabelledRow()
    {
        using var dir = new TempDir();
        var data = AnomalyTrainingData.Load(DataSpec.Parse($"csv:{Csv(dir)}"), NormalLabel.Parse("label=0"));
        var detector = Detector(data.Full);
        var train = detector.Prepare(data.Full);

        var p90 = data.FitThreshold(Threshold.Parse("p90"), detector, train);
        Assert.Equal(detector.FitThreshold(Threshold.Parse("p90"), train).Value, p90.Value);
        Assert.Contains("training data (36 rows)", p90.FittedOn);

        var f1 = data.FitThreshold(Threshold.Parse("f1"), detector, train);
        Assert.Equal(f1, detector.Threshold);
        Assert.StartsWith("every row of the labelled training file (40 rows, 4 anomalies;", f1.FittedOn);
        // the anomalies are far out, so the best-F1 threshold separates them exactly
        var flags = detector.Flag(detector.Score(detector.Prepare(data.AllRows!)));
        Assert.Equal(data.AllAnomalyFlags!, flags.Select(f => f ? 1 : 0).ToArray());
    }

    [Fact]
    public void F1WithoutLabelledAnomaliesIsRefusedUpFront()
    {
        using var dir = new TempDir();
        var path = Csv(dir);
        var unlabelled = AnomalyTrainingData.Load(DataSpec.Parse($"csv:{path}:label=label"));
        var allNormal = AnomalyTrainingData.Load(DataSpec.Parse($"csv:{dir.Write("n.csv", "a,label\n1,0\n2,0\n3,0\n")}"), NormalLabel.Parse("label=0"));
        foreach (var data in new[] { unlabelled, allNormal })
        {
            var e = Assert.Throws<ArgumentException>(() => data.CheckThreshold(Threshold.Parse("f1")));
            Assert.Contains("f1 needs labelled anomalies", e.Message);
            Assert.Throws<ArgumentException>(() => data.FitThreshold(Threshold.Parse("f1"), Detector(data.Full), data.Full));
            data.CheckThreshold(Threshold.Parse("p99"));   // rules without labels are fine
        }
    }
}
