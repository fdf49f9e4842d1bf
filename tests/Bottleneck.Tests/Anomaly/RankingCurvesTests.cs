using System.Text.Json;
using Bottleneck.Anomaly;
using Bottleneck.Tests.Data;

namespace Bottleneck.Tests.Anomaly;

/// <summary>RankingCurves against scikit-learn's roc_curve and precision_recall_curve (Fixtures/sklearn/make_curve_fixtures.py), to 1e-12.</summary>
public class RankingCurvesTests
{
    public static IEnumerable<object[]> Cases()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(SharedData.Fixture("sklearn", "curve_fixtures.json")));
        foreach (var c in doc.RootElement.GetProperty("cases").EnumerateArray()) yield return [c.GetProperty("name").GetString()!];
    }

    private static JsonElement Case(string name)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(SharedData.Fixture("sklearn", "curve_fixtures.json")));
        return doc.RootElement.GetProperty("cases").EnumerateArray().First(c => c.GetProperty("name").GetString() == name).Clone();
    }

    private static double[] Doubles(JsonElement e) => e.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.Null ? double.PositiveInfinity : v.GetDouble()).ToArray();

    private static void Equal(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            if (double.IsInfinity(expected[i])) Assert.True(double.IsPositiveInfinity(actual[i]), $"point {i}: expected +inf, got {actual[i]}");
            else Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-12, $"point {i}: expected {expected[i]}, got {actual[i]}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void GivenScoresAndLabels_CurvesMatchScikitLearn(string name)
    {
        var c = Case(name);
        var scores = Doubles(c.GetProperty("scores"));
        var labels = c.GetProperty("labels").EnumerateArray().Select(e => e.GetInt32()).ToArray();

        var roc = RankingCurves.Roc(scores, labels);
        var pr = RankingCurves.PrecisionRecall(scores, labels);

        Equal(Doubles(c.GetProperty("roc").GetProperty("fpr")), roc.FalsePositiveRate);
        Equal(Doubles(c.GetProperty("roc").GetProperty("tpr")), roc.TruePositiveRate);
        Equal(Doubles(c.GetProperty("roc").GetProperty("thresholds")), roc.Thresholds);
        Equal(Doubles(c.GetProperty("pr").GetProperty("precision")), pr.Precision);
        Equal(Doubles(c.GetProperty("pr").GetProperty("recall")), pr.Recall);
        Equal(Doubles(c.GetProperty("pr").GetProperty("thresholds")), pr.Thresholds);
    }

    [Fact]
    public void GivenOneClass_RocIsRefusedNamingTheCounts()
    {
        var e = Assert.Throws<ArgumentException>(() => RankingCurves.Roc([0.1, 0.2], [0, 0]));
        Assert.Contains("0 anomalies, 2 normal", e.Message);
        Assert.Throws<ArgumentException>(() => RankingCurves.PrecisionRecall([0.1, double.NaN], [1, 0]));
    }
}
