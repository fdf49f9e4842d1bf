using System.Text.Json;
using Bottleneck.Evaluation;

namespace Bottleneck.Tests.Evaluation;

/// <summary>NDCG@k against scikit-learn's ndcg_score and Recall@k with Liang's normalisation (recommendation.json), top-k selection and RMSE.</summary>
public class RankingMetricsTests
{
    private static readonly JsonElement Fixture = TorchFixture.Load("recommendation.json");

    [Fact]
    public void NdcgMatchesScikitLearnAndRecallMatchesLiangsFormula()
    {
        foreach (var c in Fixture.GetProperty("ranking").EnumerateArray())
        {
            int k = c.GetProperty("k").GetInt32(), users = c.GetProperty("users").GetInt32(), items = c.GetProperty("items").GetInt32();
            var scores = c.GetProperty("scores").EnumerateArray().Select(v => (float)v.GetDouble()).ToArray();
            var relevant = c.GetProperty("relevant").EnumerateArray().Select(v => v.GetDouble()).ToArray();
            var ndcg = c.GetProperty("ndcg").EnumerateArray().Select(v => v.GetDouble()).ToArray();
            var recall = c.GetProperty("recall").EnumerateArray().Select(v => v.GetDouble()).ToArray();
            for (int u = 0; u < users; u++)
            {
                var rel = Enumerable.Range(0, items).Where(i => relevant[u * items + i] > 0).ToArray();
                var top = RankingMetrics.TopK(scores.AsSpan(u * items, items), k);
                Assert.Equal(ndcg[u], RankingMetrics.Ndcg(top, rel, k), 9);
                Assert.Equal(recall[u], RankingMetrics.Recall(top, rel, k), 9);
            }
        }
    }

    [Fact]
    public void TopKIsBestFirstBreaksTiesByIndexAndSkipsExcludedItems()
    {
        float[] scores = [0.1f, 0.9f, 0.5f, 0.9f, float.NaN, 0.7f];
        Assert.Equal([1, 3, 5], RankingMetrics.TopK(scores, 3));
        Assert.Equal([3, 5, 2], RankingMetrics.TopK(scores, 3, [1]));
        Assert.Equal([1, 3, 5, 2, 0, 4], RankingMetrics.TopK(scores, 10));   // NaN last
        Assert.Throws<ArgumentOutOfRangeException>(() => RankingMetrics.TopK(scores, 0));
    }

    [Fact]
    public void PerfectAndEmptyRankingsAndRmse()
    {
        Assert.Equal(1.0, RankingMetrics.Ndcg([4, 2, 9], [2, 4], 3), 12);
        Assert.Equal(1.0, RankingMetrics.Recall([4, 2], [2, 4, 7, 8], 2), 12);    // normalised by min(k, |R|)
        Assert.Equal(0.0, RankingMetrics.Ndcg([1], [], 3));
        Assert.Equal(Math.Sqrt(2.5), RankingMetrics.Rmse([1f, 3f], [2f, 5f]), 12);
        Assert.Throws<ArgumentException>(() => RankingMetrics.Rmse([1f], [1f, 2f]));
    }

    [Fact]
    public void EvaluateAveragesOverUsersWithHeldOutItemsAndExcludesShownItems()
    {
        // two users, three items; user 0 was shown item 0 (its top score), so item 1 ranks first; user 1 has nothing to recover
        float[] scores = [0.9f, 0.5f, 0.1f, 0.3f, 0.2f, 0.1f];
        var report = RankingMetrics.Evaluate(scores, 3, [[0], [1]], [[1], []]);
        Assert.Equal(1, report.Users);
        Assert.Equal(1.0, report.NdcgAt100, 12);
        Assert.Equal(1.0, report.RecallAt20, 12);
    }
}
