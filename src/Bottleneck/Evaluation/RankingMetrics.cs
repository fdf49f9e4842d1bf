using Bottleneck.Data;
using Bottleneck.Models;
using Bottleneck.Models.Recommendation;

namespace Bottleneck.Evaluation;

/// <summary>
/// Top-N recommendation metrics as Liang et al. 2018 compute them (their vae_cf code), with binary relevance:
/// NDCG@k = DCG@k / IDCG@k, DCG@k = Σ_{r=1..k} rel_r / log₂(r + 1), IDCG@k = Σ_{r=1..min(k, |R|)} 1 / log₂(r + 1);
/// Recall@k = |top-k ∩ R| / min(k, |R|) (normalised by min(k, |R|), so a perfect ranking scores 1 even when |R| &gt; k).
/// R is the user's relevant (held-out) items; items the user was shown are excluded from the ranking. And RMSE for ratings.
/// </summary>
/// <remarks>Ties in the scores are broken by the lower item index.</remarks>
public static class RankingMetrics
{
    /// <summary>The <paramref name="k"/> highest-scoring items (best first) among those not excluded.</summary>
    /// <param name="scores">One score per item.</param>
    /// <param name="k">How many, ≥ 1 (fewer when fewer items remain).</param>
    /// <param name="excluded">Item indices left out (e.g. the items the user already has), or null.</param>
    /// <exception cref="ArgumentOutOfRangeException">k &lt; 1.</exception>
    public static int[] TopK(ReadOnlySpan<float> scores, int k, IReadOnlyCollection<int>? excluded = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        var skip = excluded is null ? null : new HashSet<int>(excluded);
        // a min-heap of the best k: the root is the worst kept (lowest score, then highest index)
        var heap = new PriorityQueue<int, (float Score, int Negated)>(k + 1);
        for (int i = 0; i < scores.Length; i++)
        {
            if (skip != null && skip.Contains(i)) continue;
            float s = float.IsNaN(scores[i]) ? float.NegativeInfinity : scores[i];
            if (heap.Count < k) { heap.Enqueue(i, (s, -i)); continue; }
            heap.TryPeek(out _, out var worst);
            if (s > worst.Score || (s == worst.Score && -i > worst.Negated)) { heap.Dequeue(); heap.Enqueue(i, (s, -i)); }
        }
        var result = new int[heap.Count];
        for (int r = result.Length - 1; r >= 0; r--) result[r] = heap.Dequeue();
        return result;
    }

    /// <summary>NDCG@k of one ranking (best first) against the relevant items; 0 when there is none relevant.</summary>
    /// <param name="ranking">Recommended item indices, best first (only the first k count).</param>
    /// <param name="relevant">The relevant item indices.</param>
    /// <param name="k">The cut-off, ≥ 1.</param>
    public static double Ndcg(ReadOnlySpan<int> ranking, IReadOnlyCollection<int> relevant, int k)
    {
        ArgumentNullException.ThrowIfNull(relevant);
        if (relevant.Count == 0) return 0;
        var set = relevant as ISet<int> ?? new HashSet<int>(relevant);
        double dcg = 0, idcg = 0;
        for (int r = 0; r < Math.Min(k, ranking.Length); r++)
            if (set.Contains(ranking[r])) dcg += 1 / Math.Log2(r + 2);
        for (int r = 0; r < Math.Min(k, relevant.Count); r++) idcg += 1 / Math.Log2(r + 2);
        return dcg / idcg;
    }

    /// <summary>Recall@k of one ranking with Liang's normalisation, hits / min(k, |R|); 0 when there is none relevant.</summary>
    /// <param name="ranking">Recommended item indices, best first (only the first k count).</param>
    /// <param name="relevant">The relevant item indices.</param>
    /// <param name="k">The cut-off, ≥ 1.</param>
    public static double Recall(ReadOnlySpan<int> ranking, IReadOnlyCollection<int> relevant, int k)
    {
        ArgumentNullException.ThrowIfNull(relevant);
        if (relevant.Count == 0) return 0;
        var set = relevant as ISet<int> ?? new HashSet<int>(relevant);
        int hits = 0;
        for (int r = 0; r < Math.Min(k, ranking.Length); r++) if (set.Contains(ranking[r])) hits++;
        return (double)hits / Math.Min(k, relevant.Count);
    }

    /// <summary>Root mean squared error √(Σ(p − t)²/n) in rating units.</summary>
    /// <param name="predicted">Predictions.</param>
    /// <param name="truth">True ratings, same length ≥ 1.</param>
    /// <exception cref="ArgumentException">Lengths differ or are 0.</exception>
    public static double Rmse(ReadOnlySpan<float> predicted, ReadOnlySpan<float> truth)
    {
        if (predicted.Length != truth.Length || truth.Length == 0)
            throw new ArgumentException($"RMSE needs equal, non-zero lengths, got {predicted.Length} and {truth.Length}");
        double sum = 0;
        for (int i = 0; i < truth.Length; i++) { double d = predicted[i] - truth[i]; sum += d * d; }
        return Math.Sqrt(sum / truth.Length);
    }

    /// <summary>
    /// Mean NDCG@100, Recall@20 and Recall@50 over users with at least one relevant item, from a score matrix (users × items):
    /// each user's ranking excludes the items shown to them.
    /// </summary>
    /// <param name="scores">Scores, users × items, row-major.</param>
    /// <param name="items">The number of items (row width).</param>
    /// <param name="shown">Per user, the items shown to the model (excluded from the ranking).</param>
    /// <param name="relevant">Per user, the held-out items to recover.</param>
    /// <exception cref="ArgumentException">The arrays disagree on the number of users.</exception>
    public static RankingReport Evaluate(ReadOnlySpan<float> scores, int items, int[][] shown, int[][] relevant)
    {
        ArgumentNullException.ThrowIfNull(shown);
        ArgumentNullException.ThrowIfNull(relevant);
        int users = shown.Length;
        if (relevant.Length != users || scores.Length != (long)users * items)
            throw new ArgumentException($"ranking: {users} users shown, {relevant.Length} with relevant items, scores for {scores.Length / Math.Max(1, items)}");
        double ndcg = 0, r20 = 0, r50 = 0;
        int n = 0;
        for (int u = 0; u < users; u++)
        {
            if (relevant[u].Length == 0) continue;
            var top = TopK(scores.Slice(u * items, items), 100, shown[u]);
            var set = new HashSet<int>(relevant[u]);
            ndcg += Ndcg(top, set, 100);
            r20 += Recall(top, set, 20);
            r50 += Recall(top, set, 50);
            n++;
        }
        if (n == 0) throw new ArgumentException("ranking: no user has a held-out item to recover");
        return new RankingReport(ndcg / n, r20 / n, r50 / n, n);
    }
}

/// <summary>Ranking quality averaged over users.</summary>
/// <param name="NdcgAt100">Mean NDCG@100.</param>
/// <param name="RecallAt20">Mean Recall@20 (Liang's normalisation).</param>
/// <param name="RecallAt50">Mean Recall@50.</param>
/// <param name="Users">Users averaged over (those with a held-out item).</param>
public sealed record RankingReport(double NdcgAt100, double RecallAt20, double RecallAt50, int Users);

/// <summary>Rating prediction quality.</summary>
/// <param name="Rmse">Root mean squared error in rating units.</param>
/// <param name="Pairs">Pairs scored.</param>
/// <param name="Fallbacks">Pairs whose user or item the model never saw, predicted as the scale's midpoint (counted in the RMSE).</param>
/// <param name="Fallback">The fallback prediction.</param>
public sealed record RatingReport(double Rmse, int Pairs, int Fallbacks, float Fallback);

/// <summary>Evaluates recommendation models: RMSE of predicted ratings (AutoRec) and ranking metrics (Mult-DAE, Mult-VAE).</summary>
public static class RecommendationEvaluator
{
    /// <summary>
    /// RMSE of an AutoRec model on <paramref name="test"/>: each pair's prediction is the model's reconstruction from the training
    /// ratings, clipped to [scaleMin, scaleMax]; a pair whose user or item is not in the training ids gets the midpoint of the
    /// scale (as in Sedhain et al.'s set-up; reported in <see cref="RatingReport.Fallbacks"/>).
    /// </summary>
    /// <param name="model">An autorec model.</param>
    /// <param name="train">The training ratings (the model's ids).</param>
    /// <param name="test">The pairs to predict.</param>
    /// <param name="scaleMin">Lowest rating.</param>
    /// <param name="scaleMax">Highest rating.</param>
    /// <exception cref="ArgumentException">Not an explicit-rating model, or no pair to score.</exception>
    public static RatingReport Rmse(AutoencoderModel model, RatingMatrix train, RatingsTable test, float scaleMin, float scaleMax)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        if (!RowLayout.Of(model).Explicit) throw new ArgumentException($"RMSE needs a model of explicit ratings (autorec), not {model.Config.Kind}");
        var scores = Recommender.Scores(model, train);
        int items = train.Items.Count, fallbacks = 0;
        float mid = (scaleMin + scaleMax) / 2;
        var predicted = new float[test.Rows.Count];
        var truth = new float[test.Rows.Count];
        for (int k = 0; k < test.Rows.Count; k++)
        {
            var r = test.Rows[k];
            int u = train.Users.IndexOf(r.User), i = train.Items.IndexOf(r.Item);
            truth[k] = r.Value;
            if (u < 0 || i < 0) { predicted[k] = mid; fallbacks++; continue; }
            predicted[k] = Math.Clamp(scores[(long)u * items + i], scaleMin, scaleMax);
        }
        return new RatingReport(RankingMetrics.Rmse(predicted, truth), truth.Length, fallbacks, mid);
    }

    /// <summary>Ranking metrics of a model on held-out users: their fold-in items are the input, the scored items the relevant set.</summary>
    /// <param name="model">A recommendation model over <paramref name="users"/>' item ids.</param>
    /// <param name="users">The held-out users.</param>
    public static RankingReport Ranking(AutoencoderModel model, HeldOutUsers users)
    {
        ArgumentNullException.ThrowIfNull(users);
        var scores = Recommender.Scores(model, users.FoldIn);
        return RankingMetrics.Evaluate(scores, users.FoldIn.Items.Count, users.FoldIn.ItemsByUser(), users.Scored.ItemsByUser());
    }
}
