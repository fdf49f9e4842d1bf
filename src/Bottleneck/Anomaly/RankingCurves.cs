namespace Bottleneck.Anomaly;

/// <summary>
/// A ROC curve: false-positive rate against true-positive rate as the threshold falls through the distinct scores, as
/// scikit-learn's <c>roc_curve(y_true, y_score, drop_intermediate=False)</c> defines it (first point (0, 0) at threshold +∞).
/// </summary>
/// <param name="FalsePositiveRate">FPRᵢ = FPᵢ / N when every sample with score ≥ <paramref name="Thresholds"/>[i] is flagged; increasing, from 0 to 1.</param>
/// <param name="TruePositiveRate">TPRᵢ = TPᵢ / P (recall), same points.</param>
/// <param name="Thresholds">The distinct scores from high to low, preceded by +∞.</param>
public sealed record RocCurve(double[] FalsePositiveRate, double[] TruePositiveRate, double[] Thresholds);

/// <summary>
/// A precision-recall curve as scikit-learn's (1.1 and later) <c>precision_recall_curve(y_true, y_score)</c> defines it: one
/// point per distinct score, thresholds increasing, then the point (recall 0, precision 1) with no threshold.
/// </summary>
/// <param name="Precision">Pᵢ = TPᵢ / (TPᵢ + FPᵢ) when every sample with score ≥ <paramref name="Thresholds"/>[i] is flagged; the last value is 1.</param>
/// <param name="Recall">Rᵢ = TPᵢ / P, decreasing; the last value is 0.</param>
/// <param name="Thresholds">Increasing distinct scores; one fewer than the points.</param>
public sealed record PrecisionRecallCurve(double[] Precision, double[] Recall, double[] Thresholds);

/// <summary>
/// The ROC and precision-recall curves of anomaly scores (higher = more anomalous; label non-zero = anomaly), matched to
/// scikit-learn's <c>roc_curve</c> and <c>precision_recall_curve</c> (tests/…/Fixtures/sklearn/make_curve_fixtures.py).
/// Their areas are <see cref="AnomalyMetrics.RocAuc(ReadOnlySpan{double}, ReadOnlySpan{int})"/> and
/// <see cref="AnomalyMetrics.AveragePrecision(ReadOnlySpan{double}, ReadOnlySpan{int})"/>. O(n log n).
/// </summary>
public static class RankingCurves
{
    /// <summary>The ROC curve of <paramref name="scores"/>: (FPR, TPR) after each group of tied scores, from high to low.</summary>
    /// <param name="scores">Anomaly scores, length n, finite.</param>
    /// <param name="labels">Labels (non-zero = anomaly), length n.</param>
    /// <returns>n_distinct + 1 points, the first (0, 0) at threshold +∞.</returns>
    /// <exception cref="ArgumentException">Lengths differ, a score is not finite, or only one class is present (the rates are undefined).</exception>
    public static RocCurve Roc(ReadOnlySpan<double> scores, ReadOnlySpan<int> labels)
    {
        var (tps, fps, thresholds) = Cumulative(scores, labels);
        double p = tps.Length == 0 ? 0 : tps[^1], n = fps.Length == 0 ? 0 : fps[^1];
        if (p == 0 || n == 0) throw new ArgumentException($"a ROC curve needs both classes ({p} anomalies, {n} normal samples)");
        var fpr = new double[tps.Length + 1];
        var tpr = new double[tps.Length + 1];
        var th = new double[tps.Length + 1];
        th[0] = double.PositiveInfinity;
        for (int i = 0; i < tps.Length; i++)
        {
            fpr[i + 1] = fps[i] / n;
            tpr[i + 1] = tps[i] / p;
            th[i + 1] = thresholds[i];
        }
        return new RocCurve(fpr, tpr, th);
    }

    /// <summary>The precision-recall curve of <paramref name="scores"/> (see <see cref="PrecisionRecallCurve"/>).</summary>
    /// <param name="scores">Anomaly scores, length n, finite.</param>
    /// <param name="labels">Labels (non-zero = anomaly), length n.</param>
    /// <returns>The curve; precision and recall have one more point than the thresholds.</returns>
    /// <exception cref="ArgumentException">Lengths differ, a score is not finite, or there are no anomalies (recall is undefined).</exception>
    public static PrecisionRecallCurve PrecisionRecall(ReadOnlySpan<double> scores, ReadOnlySpan<int> labels)
    {
        var (tps, fps, thresholds) = Cumulative(scores, labels);
        double p = tps.Length == 0 ? 0 : tps[^1];
        if (p == 0) throw new ArgumentException("a precision-recall curve needs anomalies (no label is 1)");
        // Every distinct score (scikit-learn 1.1 and later; older versions stopped at the first threshold reaching full recall).
        int last = tps.Length - 1;
        int m = last + 1;
        var precision = new double[m + 1];
        var recall = new double[m + 1];
        var th = new double[m];
        for (int i = 0; i < m; i++)
        {
            int j = last - i;   // reversed: thresholds increasing
            precision[i] = tps[j] / (tps[j] + fps[j]);
            recall[i] = tps[j] / p;
            th[i] = thresholds[j];
        }
        precision[m] = 1;
        recall[m] = 0;
        return new PrecisionRecallCurve(precision, recall, th);
    }

    /// <inheritdoc cref="Roc(ReadOnlySpan{double}, ReadOnlySpan{int})"/>
    public static RocCurve Roc(ReadOnlySpan<float> scores, ReadOnlySpan<int> labels) => Roc(ToDouble(scores), labels);

    /// <inheritdoc cref="PrecisionRecall(ReadOnlySpan{double}, ReadOnlySpan{int})"/>
    public static PrecisionRecallCurve PrecisionRecall(ReadOnlySpan<float> scores, ReadOnlySpan<int> labels) => PrecisionRecall(ToDouble(scores), labels);

    /// <summary>True and false positives flagged at each distinct score from high to low (scikit-learn's <c>_binary_clf_curve</c>).</summary>
    private static (double[] Tps, double[] Fps, double[] Thresholds) Cumulative(ReadOnlySpan<double> scores, ReadOnlySpan<int> labels)
    {
        if (scores.Length != labels.Length) throw new ArgumentException($"scores and labels differ in length: {scores.Length} and {labels.Length}");
        for (int i = 0; i < scores.Length; i++)
            if (!double.IsFinite(scores[i])) throw new ArgumentException($"score {i} is {scores[i]}; curves need finite scores");
        var order = new int[scores.Length];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        var keys = scores.ToArray();
        Array.Sort(keys, order, Comparer<double>.Create((a, b) => b.CompareTo(a)));
        var tps = new List<double>();
        var fps = new List<double>();
        var th = new List<double>();
        double tp = 0, fp = 0;
        for (int i = 0; i < keys.Length; i++)
        {
            if (labels[order[i]] != 0) tp++; else fp++;
            if (i + 1 < keys.Length && keys[i + 1] == keys[i]) continue;   // end of a tied group only
            tps.Add(tp);
            fps.Add(fp);
            th.Add(keys[i]);
        }
        return (tps.ToArray(), fps.ToArray(), th.ToArray());
    }

    private static double[] ToDouble(ReadOnlySpan<float> values)
    {
        var d = new double[values.Length];
        for (int i = 0; i < d.Length; i++) d[i] = values[i];
        return d;
    }
}
