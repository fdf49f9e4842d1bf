using System.Globalization;
using Bottleneck.Training;

namespace Bottleneck.Anomaly;

/// <summary>
/// Fits a threshold rule on the scores of streamed training rows (<see cref="StreamedRowSource"/>): one scoring pass that keeps
/// only each row's score, 4 bytes a row (20 million rows: 80 MB), then the rule's exact fit on them, the same value
/// <see cref="AnomalyDetector.FitThreshold"/> gives on the rows in memory. Exact scores rather than a bounded quantile sketch:
/// a percentile of a sketch is off by its rank error, which at p99.9 of a few million rows moves the cut by thousands of rows,
/// while the scores of even 100 million rows (400 MB) are a fraction of the data they score.
/// </summary>
public static class StreamedThreshold
{
    /// <summary>The q-quantile of <paramref name="scores"/> as <see cref="Threshold.Quantile"/> (linear interpolation, numpy's
    /// default), sorting the floats in place instead of copying them to doubles: 4 bytes a row, the same value.</summary>
    /// <exception cref="ArgumentException">No scores, or a score is not finite.</exception>
    internal static double SortedQuantile(float[] scores, double q)
    {
        if (scores.Length == 0) throw new ArgumentException("cannot fit a threshold on no scores");
        foreach (var s in scores) if (!float.IsFinite(s)) throw new ArgumentException($"cannot fit a threshold: a score is {s}");
        Array.Sort(scores);
        double h = (scores.Length - 1) * q;
        int lo = (int)Math.Floor(h), hi = Math.Min(lo + 1, scores.Length - 1);
        double frac = h - lo;
        return frac == 0 ? scores[lo] : scores[lo] + ((double)scores[hi] - scores[lo]) * frac;
    }

    /// <summary>Scores every row of <paramref name="rows"/> (in file order, scaled by the source's scaling) and fits
    /// <paramref name="rule"/> on the scores; sets and returns the detector's threshold.</summary>
    /// <param name="detector">The detector (its model and score).</param>
    /// <param name="rule">The rule; one that needs labels (f1) is refused.</param>
    /// <param name="rows">The training rows.</param>
    /// <exception cref="ArgumentException">The rule needs labels.</exception>
    /// <exception cref="Data.DataException">A bad value in the file, or the file changed since it was counted.</exception>
    public static ThresholdState Fit(AnomalyDetector detector, Threshold rule, StreamedRowSource rows)
    {
        ArgumentNullException.ThrowIfNull(detector);
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(rows);
        if (rule.NeedsLabels) throw new ArgumentException($"threshold {rule} needs labelled rows; a streamed fit keeps only the scores of the training rows");
        var scores = new float[rows.Count];
        int at = 0;
        rows.ForEachChunk(chunk =>
        {
            int n = chunk.Length / rows.FeatureCount;
            if (at + n > scores.Length) throw new Data.DataException($"{rows.Name}: the file changed while training: more rows than the {rows.Count} counted", rows.Name);
            detector.Scorer.Score(chunk, scores.AsSpan(at, n));
            at += n;
        });
        double sum = 0, sumSq = 0;
        foreach (float s in scores) { sum += s; sumSq += (double)s * s; }
        double value = rule.Kind is ThresholdKind.Percentile or ThresholdKind.Contamination
            ? SortedQuantile(scores, rule.Kind == ThresholdKind.Percentile ? rule.Parameter / 100.0 : 1.0 - rule.Parameter)
            : rule.Fit(scores);   // mean+Ksd converts to doubles (8 bytes a row more, briefly); fixed needs no scores
        double mean = sum / scores.Length, sd = Math.Sqrt(Math.Max(0, sumSq / scores.Length - mean * mean));
        var state = new ThresholdState(rule.ToString(), value, detector.Scorer.Error,
            $"training data ({rows.Count.ToString("N0", CultureInfo.InvariantCulture)} rows, streamed)", mean, double.IsNaN(sd) ? 0 : sd);
        detector.SetThreshold(state);
        return state;
    }
}
