namespace Bottleneck.Anomaly;

/// <summary>
/// Binary confusion matrix of a flagging rule. Positive = anomaly (label 1), flagged = score &gt; threshold.
/// Laid out as scikit-learn's <c>confusion_matrix(y_true, y_pred)</c> = [[TN, FP], [FN, TP]].
/// </summary>
/// <param name="TrueNegatives">Normal samples not flagged.</param>
/// <param name="FalsePositives">Normal samples flagged.</param>
/// <param name="FalseNegatives">Anomalies not flagged.</param>
/// <param name="TruePositives">Anomalies flagged.</param>
public sealed record ConfusionMatrix(long TrueNegatives, long FalsePositives, long FalseNegatives, long TruePositives)
{
    /// <summary>TP / (TP + FP); 0 when nothing is flagged (scikit-learn's <c>zero_division</c> default value).</summary>
    public double Precision => TruePositives + FalsePositives == 0 ? 0 : (double)TruePositives / (TruePositives + FalsePositives);

    /// <summary>TP / (TP + FN); 0 when there are no anomalies.</summary>
    public double Recall => TruePositives + FalseNegatives == 0 ? 0 : (double)TruePositives / (TruePositives + FalseNegatives);

    /// <summary>F1 = 2·TP / (2·TP + FP + FN), the harmonic mean of precision and recall; 0 when TP = FP = FN = 0.</summary>
    public double F1 => 2 * TruePositives + FalsePositives + FalseNegatives == 0 ? 0
        : 2.0 * TruePositives / (2.0 * TruePositives + FalsePositives + FalseNegatives);

    /// <summary>FP / (FP + TN), the share of normal samples flagged; 0 without normal samples.</summary>
    public double FalsePositiveRate => FalsePositives + TrueNegatives == 0 ? 0 : (double)FalsePositives / (FalsePositives + TrueNegatives);

    /// <summary>(TP + TN) / total; 0 for an empty matrix.</summary>
    public double Accuracy
    {
        get
        {
            long n = TrueNegatives + FalsePositives + FalseNegatives + TruePositives;
            return n == 0 ? 0 : (double)(TruePositives + TrueNegatives) / n;
        }
    }

    /// <summary>The matrix as scikit-learn prints it: [[TN, FP], [FN, TP]].</summary>
    public long[][] ToArray() => [[TrueNegatives, FalsePositives], [FalseNegatives, TruePositives]];
}

/// <summary>
/// Ranking and thresholded metrics for anomaly scores (higher score = more anomalous; label 1 = anomaly, 0 = normal),
/// defined exactly as scikit-learn defines them and checked against it to 1e-12 (tests/…/Fixtures/sklearn).
/// Every method copies nothing large and runs in O(n log n) at most.
/// </summary>
/// <remarks>
/// Labels: any non-zero label counts as an anomaly. Scores must be finite (NaN is rejected with an <see cref="ArgumentException"/>).
/// References: scikit-learn <c>roc_auc_score</c>, <c>average_precision_score</c>, <c>precision_recall_fscore_support</c>,
/// <c>confusion_matrix</c>; PyOD's <c>precision_n_scores</c> (Zhao, Nasrullah &amp; Li, JMLR 2019).
/// </remarks>
public static class AnomalyMetrics
{
    /// <summary>
    /// Area under the ROC curve, exactly: the Mann–Whitney statistic with mid-ranks,
    /// AUC = (Σ rank(positives) − P(P+1)/2) / (P·N), which equals the trapezoid rule over tied score groups
    /// (a tie between a positive and a negative counts ½).
    /// </summary>
    /// <param name="scores">Anomaly scores, length n.</param>
    /// <param name="labels">Labels (non-zero = anomaly), length n.</param>
    /// <returns>AUC in [0, 1]; 0.5 for a random ranking.</returns>
    /// <exception cref="ArgumentException">Lengths differ, a score is NaN, or only one class is present (AUC is undefined, as scikit-learn raises).</exception>
    public static double RocAuc(ReadOnlySpan<double> scores, ReadOnlySpan<int> labels)
    {
        var order = SortedDescending(scores, labels, out long pos, out long neg);
        if (pos == 0 || neg == 0)
            throw new ArgumentException($"ROC-AUC is undefined with only one class present ({pos} anomalies, {neg} normal samples)");
        // Walk tied groups from the highest score down; ranks are ascending, so the group at the top holds ranks n-k+1..n.
        long n = scores.Length;
        double rankSumPos = 0;
        int i = 0;
        long higher = 0;                     // samples with a strictly higher score
        while (i < order.Length)
        {
            int j = i;
            long groupPos = 0;
            double s = scores[order[i]];
            while (j < order.Length && scores[order[j]] == s) { if (labels[order[j]] != 0) groupPos++; j++; }
            long k = j - i;
            // ascending ranks of this group: n - higher - k + 1 .. n - higher; mid-rank is their mean
            double midRank = n - higher - (k - 1) / 2.0;
            rankSumPos += groupPos * midRank;
            higher += k;
            i = j;
        }
        return (rankSumPos - pos * (pos + 1) / 2.0) / ((double)pos * neg);
    }

    /// <inheritdoc cref="RocAuc(ReadOnlySpan{double}, ReadOnlySpan{int})"/>
    public static double RocAuc(ReadOnlySpan<float> scores, ReadOnlySpan<int> labels) => RocAuc(ToDouble(scores), labels);

    /// <summary>
    /// Average precision, scikit-learn's definition (the PR-AUC without interpolation):
    /// AP = Σₙ (Rₙ − Rₙ₋₁)·Pₙ over the distinct score thresholds taken from high to low, where Pₙ and Rₙ are the
    /// precision and recall when every sample with score ≥ the n-th threshold is flagged (R₀ = 0).
    /// </summary>
    /// <param name="scores">Anomaly scores, length n.</param>
    /// <param name="labels">Labels (non-zero = anomaly), length n.</param>
    /// <returns>AP in [0, 1]; a random ranking gives about the anomaly share.</returns>
    /// <exception cref="ArgumentException">Lengths differ, a score is NaN, or there are no anomalies.</exception>
    public static double AveragePrecision(ReadOnlySpan<double> scores, ReadOnlySpan<int> labels)
    {
        var order = SortedDescending(scores, labels, out long pos, out _);
        if (pos == 0) throw new ArgumentException("average precision is undefined without anomalies (no label is 1)");
        double ap = 0, prevRecall = 0;
        long tp = 0, fp = 0;
        int i = 0;
        while (i < order.Length)
        {
            double s = scores[order[i]];
            while (i < order.Length && scores[order[i]] == s) { if (labels[order[i]] != 0) tp++; else fp++; i++; }
            double recall = (double)tp / pos, precision = (double)tp / (tp + fp);
            ap += (recall - prevRecall) * precision;
            prevRecall = recall;
        }
        return ap;
    }

    /// <inheritdoc cref="AveragePrecision(ReadOnlySpan{double}, ReadOnlySpan{int})"/>
    public static double AveragePrecision(ReadOnlySpan<float> scores, ReadOnlySpan<int> labels) => AveragePrecision(ToDouble(scores), labels);

    /// <summary>Confusion matrix of flagging score &gt; <paramref name="threshold"/> (PyOD's rule).</summary>
    /// <param name="scores">Anomaly scores, length n.</param>
    /// <param name="labels">Labels (non-zero = anomaly), length n.</param>
    /// <param name="threshold">Scores strictly above it are flagged.</param>
    /// <exception cref="ArgumentException">Lengths differ.</exception>
    public static ConfusionMatrix Confusion(ReadOnlySpan<double> scores, ReadOnlySpan<int> labels, double threshold)
    {
        CheckLengths(scores.Length, labels.Length);
        long tn = 0, fp = 0, fn = 0, tp = 0;
        for (int i = 0; i < scores.Length; i++)
        {
            bool flagged = scores[i] > threshold, anomaly = labels[i] != 0;
            if (flagged) { if (anomaly) tp++; else fp++; }
            else { if (anomaly) fn++; else tn++; }
        }
        return new ConfusionMatrix(tn, fp, fn, tp);
    }

    /// <inheritdoc cref="Confusion(ReadOnlySpan{double}, ReadOnlySpan{int}, double)"/>
    public static ConfusionMatrix Confusion(ReadOnlySpan<float> scores, ReadOnlySpan<int> labels, double threshold) =>
        Confusion(ToDouble(scores), labels, threshold);

    /// <summary>Precision of flagging score &gt; threshold: TP / (TP + FP), 0 when nothing is flagged.</summary>
    public static double Precision(ReadOnlySpan<double> scores, ReadOnlySpan<int> labels, double threshold) => Confusion(scores, labels, threshold).Precision;

    /// <summary>Recall of flagging score &gt; threshold: TP / (TP + FN), 0 without anomalies.</summary>
    public static double Recall(ReadOnlySpan<double> scores, ReadOnlySpan<int> labels, double threshold) => Confusion(scores, labels, threshold).Recall;

    /// <summary>F1 of flagging score &gt; threshold: 2·TP / (2·TP + FP + FN).</summary>
    public static double F1(ReadOnlySpan<double> scores, ReadOnlySpan<int> labels, double threshold) => Confusion(scores, labels, threshold).F1;

    /// <summary>
    /// Precision among the <paramref name="n"/> highest scores (precision@n). Samples tied with the n-th highest score
    /// share the remaining places: the tied group contributes (places left) × (anomaly share of the group), i.e. the
    /// expected precision under random tie-breaking, so the result does not depend on the input order.
    /// </summary>
    /// <param name="scores">Anomaly scores, length N.</param>
    /// <param name="labels">Labels (non-zero = anomaly), length N.</param>
    /// <param name="n">How many top samples to take, 1 ≤ n ≤ N; null (default) = the number of anomalies (PyOD's <c>precision_n_scores</c> convention).</param>
    /// <exception cref="ArgumentException">Lengths differ, a score is NaN, or n is out of range (or null with no anomalies).</exception>
    public static double PrecisionAtN(ReadOnlySpan<double> scores, ReadOnlySpan<int> labels, int? n = null)
    {
        var order = SortedDescending(scores, labels, out long pos, out _);
        int take = n ?? (int)pos;
        if (take < 1 || take > scores.Length)
            throw new ArgumentException($"precision@n needs 1 ≤ n ≤ {scores.Length}, got {take}{(n is null ? " (the number of anomalies)" : "")}");
        double hits = 0;
        int i = 0, taken = 0;
        while (taken < take)
        {
            double s = scores[order[i]];
            int j = i; long groupPos = 0;
            while (j < order.Length && scores[order[j]] == s) { if (labels[order[j]] != 0) groupPos++; j++; }
            int k = j - i, use = Math.Min(k, take - taken);
            hits += use == k ? groupPos : use * (double)groupPos / k;
            taken += use;
            i = j;
        }
        return hits / take;
    }

    /// <summary>Mean and sample standard deviation (n − 1 denominator; 0 for a single value).</summary>
    /// <param name="values">The values (e.g. one metric over seeds).</param>
    /// <exception cref="ArgumentException">No values.</exception>
    public static (double Mean, double Sd) MeanSd(ReadOnlySpan<double> values)
    {
        if (values.Length == 0) throw new ArgumentException("no values");
        double mean = 0;
        foreach (var v in values) mean += v;
        mean /= values.Length;
        double ss = 0;
        foreach (var v in values) ss += (v - mean) * (v - mean);
        return (mean, values.Length > 1 ? Math.Sqrt(ss / (values.Length - 1)) : 0);
    }

    private static int[] SortedDescending(ReadOnlySpan<double> scores, ReadOnlySpan<int> labels, out long pos, out long neg)
    {
        CheckLengths(scores.Length, labels.Length);
        pos = 0;
        for (int i = 0; i < scores.Length; i++)
        {
            if (double.IsNaN(scores[i])) throw new ArgumentException($"score {i} is NaN");
            if (labels[i] != 0) pos++;
        }
        neg = scores.Length - pos;
        var keys = new double[scores.Length];
        var order = new int[scores.Length];
        for (int i = 0; i < keys.Length; i++) { keys[i] = -scores[i]; order[i] = i; }
        Array.Sort(keys, order);
        return order;
    }

    private static void CheckLengths(int scores, int labels)
    {
        if (scores != labels) throw new ArgumentException($"scores has {scores} entries but labels has {labels}");
    }

    private static double[] ToDouble(ReadOnlySpan<float> s)
    {
        var d = new double[s.Length];
        for (int i = 0; i < s.Length; i++) d[i] = s[i];
        return d;
    }
}
