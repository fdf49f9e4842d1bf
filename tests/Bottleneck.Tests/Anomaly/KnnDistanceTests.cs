using System.Text.Json;
using Bottleneck.Anomaly;
using Bottleneck.Tests.Data;

namespace Bottleneck.Tests.Anomaly;

/// <summary>KnnDistance against scikit-learn's NearestNeighbors (Fixtures/sklearn/make_knn_fixtures.py), its subsample and contributions.</summary>
public class KnnDistanceTests
{
    public static IEnumerable<object[]> Cases()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(SharedData.Fixture("sklearn", "knn_fixtures.json")));
        foreach (var c in doc.RootElement.GetProperty("cases").EnumerateArray()) yield return [c.GetProperty("name").GetString()!];
    }

    private static JsonElement Case(string name)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(SharedData.Fixture("sklearn", "knn_fixtures.json")));
        return doc.RootElement.GetProperty("cases").EnumerateArray().First(c => c.GetProperty("name").GetString() == name).Clone();
    }

    private static float[] Floats(JsonElement e) => e.EnumerateArray().Select(v => (float)v.GetDouble()).ToArray();

    [Theory]
    [MemberData(nameof(Cases))]
    public void ScoresMatchScikitLearnsNearestNeighbours(string name)
    {
        // Given float32 rows, k, and sklearn's k nearest neighbours of the test rows and (leaving each out) of the training rows
        var c = Case(name);
        int d = c.GetProperty("features").GetInt32(), k = c.GetProperty("k").GetInt32();
        var rows = Floats(c.GetProperty("rows"));
        var test = Floats(c.GetProperty("test"));
        // When every training row is a reference row
        var knn = KnnDistance.Fit(rows, d, k);
        var testScores = new float[test.Length / d];
        var trainScores = new float[rows.Length / d];
        knn.Score(test, testScores);
        knn.ScoreTraining(rows, trainScores);
        // Then the mean squared distances agree to float precision
        foreach (var (got, key) in new[] { (testScores, "test_scores"), (trainScores, "train_scores") })
        {
            var expected = c.GetProperty(key).EnumerateArray().Select(v => v.GetDouble()).ToArray();
            for (int i = 0; i < expected.Length; i++)
                Assert.True(Math.Abs(expected[i] - got[i]) <= 1e-4 * Math.Max(1, expected[i]), $"{key}[{i}]: sklearn {expected[i]}, ours {got[i]}");
        }
    }

    [Fact]
    public void ContributionsSumToTheScoreAndAFarRowScoresHigher()
    {
        // Given a tight cluster of training rows
        var rng = new Tensors.Rng(3);
        var rows = new float[40 * 3];
        for (int i = 0; i < rows.Length; i++) rows[i] = rng.NextNormal() * 0.1f;
        var knn = KnnDistance.Fit(rows, 3);
        // When a row in the cluster and a row far along feature 1 are scored with contributions
        float[] x = [0.01f, 0.02f, -0.01f, 0f, 4f, 0f];
        var scores = new float[2];
        var contributions = new float[6];
        knn.Score(x, scores, contributions);
        // Then each row's contributions sum to its score, the far row scores higher, and feature 1 carries its score
        for (int i = 0; i < 2; i++) Assert.Equal(scores[i], contributions[i * 3] + contributions[i * 3 + 1] + contributions[i * 3 + 2], 4);
        Assert.True(scores[1] > 100 * scores[0], $"{scores[1]} vs {scores[0]}");
        Assert.True(contributions[4] > 0.99f * scores[1]);
    }

    [Fact]
    public void ManyTrainingRowsAreSubsampledAndTrainingRowsLeaveThemselvesOut()
    {
        // Given 500 distinct training rows and a reference cap of 100
        var rows = new float[500 * 2];
        for (int i = 0; i < 500; i++) { rows[2 * i] = i; rows[2 * i + 1] = 0; }
        var knn = KnnDistance.Fit(rows, 2, neighbours: 1, maxReference: 100, seed: 7);
        // When the training rows are scored leaving themselves out, and scored as new rows
        var loo = new float[500];
        var plain = new float[500];
        knn.ScoreTraining(rows, loo);
        knn.Score(rows, plain);
        // Then 100 rows are kept; a reference row is 0 from itself as a new row but > 0 left out; the others agree both ways
        Assert.Equal(100, knn.ReferenceRows);
        var reference = knn.Reference;
        var isReference = Enumerable.Range(0, 500).Select(i => Enumerable.Range(0, 100).Any(r => reference[2 * r] == i)).ToArray();
        Assert.Equal(100, isReference.Count(b => b));
        for (int i = 0; i < 500; i++)
        {
            if (isReference[i]) { Assert.Equal(0f, plain[i]); Assert.True(loo[i] >= 1f); }
            else Assert.Equal(plain[i], loo[i]);
        }
    }

    [Fact]
    public void BadInputIsRefusedWithItsValues()
    {
        var ex = Assert.Throws<ArgumentException>(() => KnnDistance.Fit(new float[] { 1f, 2f }, 2));
        Assert.Contains("at least 2 training rows, got 1", ex.Message);
        Assert.Throws<ArgumentException>(() => KnnDistance.Fit(new float[] { 1f, 2f, float.NaN, 4f }, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => new KnnDistance(new float[] { 1f, 2f, 3f, 4f }, 2, neighbours: 2));
        var knn = KnnDistance.Fit(new float[] { 0f, 1f, 2f, 3f }, 1, neighbours: 5);
        Assert.Equal(3, knn.Neighbours);   // reduced to M − 1
        Assert.Throws<ArgumentException>(() => knn.Score(new float[3], new float[2]));
        Assert.Throws<ArgumentException>(() => new KnnDistance(knn.Reference, 1, 3).ScoreTraining(new float[4], new float[4]));
    }
}
