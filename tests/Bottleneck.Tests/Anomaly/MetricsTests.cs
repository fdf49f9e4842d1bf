using System.Text.Json;
using Bottleneck.Anomaly;
using Bottleneck.Tests.Data;

namespace Bottleneck.Tests.Anomaly;

/// <summary>AnomalyMetrics against scikit-learn (Fixtures/sklearn/make_metric_fixtures.py), to 1e-12.</summary>
public class MetricsTests
{
    public static IEnumerable<object[]> Cases()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(SharedData.Fixture("sklearn", "metric_fixtures.json")));
        foreach (var c in doc.RootElement.GetProperty("cases").EnumerateArray()) yield return [c.GetProperty("name").GetString()!];
    }

    private static JsonElement Case(string name)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(SharedData.Fixture("sklearn", "metric_fixtures.json")));
        return doc.RootElement.GetProperty("cases").EnumerateArray().First(c => c.GetProperty("name").GetString() == name).Clone();
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesScikitLearn(string name)
    {
        var c = Case(name);
        var scores = c.GetProperty("scores").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        var labels = c.GetProperty("labels").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        Assert.Equal(c.GetProperty("roc_auc").GetDouble(), AnomalyMetrics.RocAuc(scores, labels), 1e-12);
        Assert.Equal(c.GetProperty("average_precision").GetDouble(), AnomalyMetrics.AveragePrecision(scores, labels), 1e-12);
        var pn = c.GetProperty("precision_at_n");
        Assert.Equal(pn.GetProperty("value").GetDouble(), AnomalyMetrics.PrecisionAtN(scores, labels, pn.GetProperty("n").GetInt32()), 1e-12);
        foreach (var t in c.GetProperty("at_thresholds").EnumerateArray())
        {
            double th = t.GetProperty("threshold").GetDouble();
            var cm = AnomalyMetrics.Confusion(scores, labels, th);
            Assert.Equal(t.GetProperty("precision").GetDouble(), cm.Precision, 1e-12);
            Assert.Equal(t.GetProperty("recall").GetDouble(), cm.Recall, 1e-12);
            Assert.Equal(t.GetProperty("f1").GetDouble(), cm.F1, 1e-12);
            var expected = t.GetProperty("confusion").EnumerateArray().Select(r => r.EnumerateArray().Select(e => e.GetInt64()).ToArray()).ToArray();
            Assert.Equal(expected, cm.ToArray());
        }
    }

    [Fact]
    public void OneClassIsAnError()
    {
        Assert.Throws<ArgumentException>(() => AnomalyMetrics.RocAuc(new double[] { 1, 2 }, new[] { 0, 0 }));
        Assert.Throws<ArgumentException>(() => AnomalyMetrics.AveragePrecision(new double[] { 1, 2 }, new[] { 0, 0 }));
        Assert.Throws<ArgumentException>(() => AnomalyMetrics.RocAuc(new double[] { 1 }, new[] { 0, 1 }));
    }
}
