namespace Bottleneck.Anomaly;

/// <summary>
/// How a fitted threshold transfers: its realised false-positive rate on normal rows it was not fitted on, its recall, and
/// whether the score distribution it was fitted on gives a clear cut there.
/// </summary>
/// <remarks>
/// <b>Margin share</b> (the "no clear cut" measure): with ε = <see cref="MarginWidth"/> × IQR of the scores the threshold t was
/// fitted on (IQR = 75th − 25th percentile), the number of those scores in [t − ε, t + ε] divided by the number above t (at least
/// 1). It is the share of the flagged rows that a nudge of the threshold by a tenth of the interquartile range would add or
/// remove. Where the scores fall into a bulk and a well separated group of high scores and t lies in the gap between them, it is
/// near 0; where t cuts through a smooth tail (a percentile or contamination rule always flags its share, whatever the shape), it
/// is large: for normally distributed scores it is 0.47 at the 90th percentile and 0.72 at the 99th. Above
/// <see cref="UnclearMargin"/> (0.5) the distribution gives no clear cut: which rows are flagged is decided by the rule's share, not by
/// the data, and the realised false-positive rate on new rows moves with small shifts of their scores.
/// </remarks>
/// <param name="Threshold">The threshold value (flagged = score &gt; threshold).</param>
/// <param name="FalsePositiveRate">Share of the held-out normal rows flagged (NaN without normal rows).</param>
/// <param name="Recall">Share of the held-out anomalies flagged (NaN without anomalies).</param>
/// <param name="Normal">Held-out normal rows.</param>
/// <param name="Anomalies">Held-out anomalies.</param>
/// <param name="MarginShare">The margin share of the scores the threshold was fitted on (see remarks).</param>
public sealed record ThresholdCheck(double Threshold, double FalsePositiveRate, double Recall, int Normal, int Anomalies, double MarginShare)
{
    /// <summary>ε of the margin share as a fraction of the interquartile range: 0.1.</summary>
    public const double MarginWidth = 0.1;

    /// <summary>Margin share above which the scores give no clear cut: 0.5.</summary>
    public const double UnclearMargin = 0.5;

    /// <summary>Whether the scores the threshold was fitted on give no clear cut (<see cref="MarginShare"/> &gt; <see cref="UnclearMargin"/>).</summary>
    public bool Unclear => MarginShare > UnclearMargin;

    /// <summary>
    /// Checks <paramref name="threshold"/>, fitted on <paramref name="fittedOn"/>, against held-out <paramref name="scores"/> with
    /// <paramref name="labels"/> (non-zero = anomaly).
    /// </summary>
    /// <param name="threshold">The threshold value.</param>
    /// <param name="fittedOn">The scores it was fitted on (training scores).</param>
    /// <param name="scores">Held-out scores.</param>
    /// <param name="labels">One label per held-out score.</param>
    /// <exception cref="ArgumentException">No fitted-on scores, or labels and scores differ in length.</exception>
    public static ThresholdCheck Evaluate(double threshold, ReadOnlySpan<float> fittedOn, ReadOnlySpan<float> scores, ReadOnlySpan<int> labels)
    {
        if (labels.Length != scores.Length) throw new ArgumentException($"{labels.Length} labels for {scores.Length} scores");
        int normal = 0, anomalies = 0, fp = 0, tp = 0;
        for (int i = 0; i < scores.Length; i++)
        {
            bool flagged = scores[i] > threshold;
            if (labels[i] != 0) { anomalies++; if (flagged) tp++; }
            else { normal++; if (flagged) fp++; }
        }
        return new ThresholdCheck(threshold, normal == 0 ? double.NaN : (double)fp / normal, anomalies == 0 ? double.NaN : (double)tp / anomalies,
            normal, anomalies, Margin(fittedOn, threshold));
    }

    /// <summary>The margin share of <paramref name="scores"/> at <paramref name="threshold"/> (see remarks).</summary>
    /// <exception cref="ArgumentException">No scores.</exception>
    public static double Margin(ReadOnlySpan<float> scores, double threshold)
    {
        if (scores.Length == 0) throw new ArgumentException("no scores");
        var d = new double[scores.Length];
        for (int i = 0; i < d.Length; i++) d[i] = scores[i];
        double eps = MarginWidth * (Anomaly.Threshold.Quantile(d, 0.75) - Anomaly.Threshold.Quantile(d, 0.25));
        int near = 0, above = 0;
        foreach (var s in d)
        {
            if (s > threshold) above++;
            if (s >= threshold - eps && s <= threshold + eps) near++;
        }
        return (double)near / Math.Max(1, above);
    }
}
