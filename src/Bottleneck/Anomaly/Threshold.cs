using System.Globalization;
using System.Text.Json.Serialization;

namespace Bottleneck.Anomaly;

/// <summary>How a <see cref="Threshold"/> is fitted.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ThresholdKind>))]
public enum ThresholdKind
{
    /// <summary>The q-th percentile of the training scores (linear interpolation, numpy's default).</summary>
    Percentile,
    /// <summary>mean + k·σ of the training scores (σ = population standard deviation).</summary>
    MeanStd,
    /// <summary>The (1 − c) quantile of the training scores for an expected outlier share c (PyOD's <c>contamination</c>).</summary>
    Contamination,
    /// <summary>The threshold maximizing F1 on a labelled validation set.</summary>
    BestF1,
    /// <summary>A value given directly.</summary>
    Fixed,
}

/// <summary>
/// A rule for turning anomaly scores into flags: a sample is flagged when its score is strictly greater than the fitted
/// value (PyOD's convention, <c>decision_scores_ &gt; threshold_</c>). Parse one from text with <see cref="Parse"/>,
/// fit it with <see cref="Fit(ReadOnlySpan{double}, ReadOnlySpan{int})"/>.
/// </summary>
/// <param name="Kind">The rule.</param>
/// <param name="Parameter">q in (0, 100) for Percentile, k for MeanStd, c in (0, 0.5] for Contamination, the value for Fixed, unused (0) for BestF1.</param>
public sealed record Threshold(ThresholdKind Kind, double Parameter)
{
    /// <summary>The accepted text forms, for help and error messages.</summary>
    public const string AcceptedForms = "pQ (percentile, e.g. p99 or p99.5) | mean+Ksd (e.g. mean+3sd) | contamination:C (e.g. contamination:0.05) | f1 (best F1 on labelled data) | a number (fixed value)";

    /// <summary>The default rule when none is given: p99.</summary>
    public static Threshold Default { get; } = new(ThresholdKind.Percentile, 99);

    /// <summary>
    /// Parses <c>p99</c>, <c>p99.5</c>, <c>mean+3sd</c> (also <c>mean+3std</c>, <c>mean+3σ</c>), <c>contamination:0.05</c>,
    /// <c>f1</c>, or a plain number (a fixed threshold); case-insensitive, invariant culture.
    /// </summary>
    /// <param name="text">The rule text.</param>
    /// <exception cref="FormatException">The text is none of the forms or a parameter is out of range; the message lists the forms.</exception>
    public static Threshold Parse(string text)
    {
        FormatException Bad(string why) => new($"invalid threshold \"{text}\": {why}. Accepted forms: {AcceptedForms}");
        if (string.IsNullOrWhiteSpace(text)) throw Bad("it is empty");
        var t = text.Trim().ToLowerInvariant().Replace(" ", "");
        const NumberStyles f = NumberStyles.Float;
        var inv = CultureInfo.InvariantCulture;
        if (t == "f1" || t == "best-f1" || t == "bestf1") return new Threshold(ThresholdKind.BestF1, 0);
        if (t.StartsWith('p') && double.TryParse(t.AsSpan(1), f, inv, out double q))
        {
            if (!(q > 0 && q < 100)) throw Bad($"the percentile must be in (0, 100), got {q}");
            return new Threshold(ThresholdKind.Percentile, q);
        }
        if (t.StartsWith("mean+"))
        {
            var rest = t[5..];
            foreach (var suffix in new[] { "sd", "std", "σ", "sigma" })
                if (rest.EndsWith(suffix) && double.TryParse(rest.AsSpan(0, rest.Length - suffix.Length), f, inv, out double k))
                {
                    if (!double.IsFinite(k) || k < 0) throw Bad($"k in mean+k·sd must be a finite number ≥ 0, got {k}");
                    return new Threshold(ThresholdKind.MeanStd, k);
                }
            throw Bad("mean+ must be followed by a number and 'sd'");
        }
        if (t.StartsWith("contamination:") || t.StartsWith("contamination="))
        {
            if (!double.TryParse(t.AsSpan(14), f, inv, out double c)) throw Bad("contamination needs a number, e.g. contamination:0.05");
            if (!(c > 0 && c <= 0.5)) throw Bad($"contamination must be in (0, 0.5], got {c}");
            return new Threshold(ThresholdKind.Contamination, c);
        }
        if (double.TryParse(t, f, inv, out double v) && double.IsFinite(v)) return new Threshold(ThresholdKind.Fixed, v);
        throw Bad("unknown form");
    }

    /// <summary>Whether <see cref="Fit(ReadOnlySpan{double}, ReadOnlySpan{int})"/> needs labels (only <see cref="ThresholdKind.BestF1"/>).</summary>
    public bool NeedsLabels => Kind == ThresholdKind.BestF1;

    /// <summary>
    /// Fits the threshold value.
    /// Percentile q: the q-th percentile of <paramref name="scores"/> with linear interpolation between order statistics
    /// (numpy <c>percentile</c>, method "linear": position h = (n − 1)·q/100).
    /// MeanStd k: mean + k·σ with the population σ.
    /// Contamination c: the 100·(1 − c)-th percentile, as PyOD does, so about a share c of the training scores lies above it.
    /// BestF1: among thresholds halfway between adjacent distinct scores (and just below the lowest score), the one with
    /// the highest F1 of score &gt; threshold against <paramref name="labels"/>; ties go to the higher threshold.
    /// Fixed: the parameter.
    /// </summary>
    /// <param name="scores">Training scores (for BestF1: the labelled validation scores). Not modified.</param>
    /// <param name="labels">Labels (non-zero = anomaly), required for BestF1 and ignored otherwise; default empty.</param>
    /// <returns>The fitted threshold value, in score units.</returns>
    /// <exception cref="ArgumentException">No scores, a non-finite score, or BestF1 without matching labels or without anomalies.</exception>
    public double Fit(ReadOnlySpan<double> scores, ReadOnlySpan<int> labels = default)
    {
        if (Kind == ThresholdKind.Fixed) return Parameter;
        if (scores.Length == 0) throw new ArgumentException($"cannot fit a {this} threshold on no scores");
        foreach (var s in scores) if (!double.IsFinite(s)) throw new ArgumentException($"cannot fit a threshold: a score is {s}");
        switch (Kind)
        {
            case ThresholdKind.Percentile: return Quantile(scores, Parameter / 100.0);
            case ThresholdKind.Contamination: return Quantile(scores, 1.0 - Parameter);
            case ThresholdKind.MeanStd:
            {
                double mean = 0;
                foreach (var s in scores) mean += s;
                mean /= scores.Length;
                double ss = 0;
                foreach (var s in scores) ss += (s - mean) * (s - mean);
                return mean + Parameter * Math.Sqrt(ss / scores.Length);
            }
            default: return BestF1(scores, labels);
        }
    }

    /// <inheritdoc cref="Fit(ReadOnlySpan{double}, ReadOnlySpan{int})"/>
    public double Fit(ReadOnlySpan<float> scores, ReadOnlySpan<int> labels = default)
    {
        var d = new double[scores.Length];
        for (int i = 0; i < d.Length; i++) d[i] = scores[i];
        return Fit(d, labels);
    }

    /// <summary>The q-quantile of <paramref name="values"/>, q in [0, 1], linear interpolation (numpy's default).</summary>
    /// <exception cref="ArgumentException">No values or q outside [0, 1].</exception>
    public static double Quantile(ReadOnlySpan<double> values, double q)
    {
        if (values.Length == 0) throw new ArgumentException("no values");
        if (!(q >= 0 && q <= 1)) throw new ArgumentException($"q must be in [0, 1], got {q}");
        var s = values.ToArray();
        Array.Sort(s);
        double h = (s.Length - 1) * q;
        int lo = (int)Math.Floor(h);
        int hi = Math.Min(lo + 1, s.Length - 1);
        double frac = h - lo;
        return frac == 0 ? s[lo] : s[lo] + (s[hi] - s[lo]) * frac;
    }

    private static double BestF1(ReadOnlySpan<double> scores, ReadOnlySpan<int> labels)
    {
        if (labels.Length != scores.Length)
            throw new ArgumentException($"the f1 threshold needs one label per score (got {labels.Length} labels for {scores.Length} scores)");
        long pos = 0;
        foreach (var l in labels) if (l != 0) pos++;
        if (pos == 0) throw new ArgumentException("the f1 threshold needs labelled anomalies (no label is 1)");
        var keys = scores.ToArray();
        var lab = labels.ToArray();
        Array.Sort(keys, lab);                               // ascending
        // Walk thresholds from high to low: flag everything above the cut.
        long tp = 0, fp = 0;
        double bestF1 = -1, best = 0;
        int i = keys.Length - 1;
        while (i >= 0)
        {
            double s = keys[i];
            while (i >= 0 && keys[i] == s) { if (lab[i] != 0) tp++; else fp++; i--; }
            double f1 = 2.0 * tp / (2.0 * tp + fp + (pos - tp));
            // flags = scores ≥ s; a threshold strictly between the next lower distinct score and s gives exactly these flags
            double cut = i >= 0 ? keys[i] + (s - keys[i]) / 2 : Math.BitDecrement(s);
            if (cut >= s) cut = i >= 0 ? keys[i] : Math.BitDecrement(s);   // adjacent doubles: no midpoint exists
            if (f1 > bestF1) { bestF1 = f1; best = cut; }
        }
        return best;
    }

    /// <summary>The text form accepted by <see cref="Parse"/> (e.g. <c>p99</c>, <c>mean+3sd</c>, <c>contamination:0.05</c>, <c>f1</c>).</summary>
    public override string ToString() => Kind switch
    {
        ThresholdKind.Percentile => "p" + Parameter.ToString("R", CultureInfo.InvariantCulture),
        ThresholdKind.MeanStd => $"mean+{Parameter.ToString("R", CultureInfo.InvariantCulture)}sd",
        ThresholdKind.Contamination => "contamination:" + Parameter.ToString("R", CultureInfo.InvariantCulture),
        ThresholdKind.BestF1 => "f1",
        _ => Parameter.ToString("R", CultureInfo.InvariantCulture),
    };
}

/// <summary>
/// A fitted threshold as saved with a model (the optional <c>threshold</c> entry of config.json).
/// </summary>
/// <param name="Rule">The rule's text form (<see cref="Threshold.ToString"/>), e.g. "p99".</param>
/// <param name="Value">The fitted value in score units; flagged = score &gt; Value.</param>
/// <param name="Error">The reconstruction error the scores were computed with.</param>
/// <param name="FittedOn">What the scores came from, e.g. "training data (1,099 rows)" (informational).</param>
/// <param name="TrainingScoreMean">Mean score on the training data (informational; null if unknown).</param>
/// <param name="TrainingScoreSd">Population standard deviation of the training scores (informational; null if unknown).</param>
public sealed record ThresholdState(string Rule, double Value, ReconstructionError Error, string FittedOn,
    double? TrainingScoreMean = null, double? TrainingScoreSd = null)
{
    /// <summary>The parsed rule.</summary>
    public Threshold ParsedRule() => Threshold.Parse(Rule);
}
