using System.Globalization;
using Bottleneck.Data;

namespace Bottleneck.Anomaly;

/// <summary>
/// Anomaly localisation for sequence models: the reconstruction error of every time step and channel, in the units of the score
/// (the scorer's error, after the model's scaling), so that the mean of a sample's step errors over its T steps is its score.
/// </summary>
public static class StepErrors
{
    /// <summary>
    /// Element errors e[i, t, c] of every prepared sample: the <see cref="AnomalyScorer"/>'s error (mse: squared error, mae: absolute
    /// error, bce, nll) of value c at step t. The mean over (t, c) of sample i is its score; for padded sequences
    /// (<see cref="Dataset.StepCounts"/>) the mean over its real steps, and the padded steps' errors are 0.
    /// </summary>
    /// <param name="scorer">The scorer (its model must take sequences: sample shape (T, F)).</param>
    /// <param name="prepared">The samples after the model's preprocessing, (N, T·F).</param>
    /// <returns>N·T·F errors, sample-major, then time, then channel.</returns>
    /// <exception cref="ArgumentException">The model does not take sequences.</exception>
    /// <exception cref="Tensors.ShapeException">The width differs from the model's.</exception>
    public static float[] Compute(AnomalyScorer scorer, Dataset prepared)
    {
        ArgumentNullException.ThrowIfNull(scorer);
        ArgumentNullException.ThrowIfNull(prepared);
        if (scorer.Model.InputShape.Length != 2)
            throw new ArgumentException($"per-step errors need a sequence model (samples of shape (T, F)); this {scorer.Model.Config.Kind} model takes samples of shape ({string.Join(", ", scorer.Model.InputShape)})");
        int d = scorer.FeatureCount;
        if (prepared.FeatureCount != d)
            throw new Tensors.ShapeException($"{prepared.Source} has {prepared.FeatureCount} values per sample, the model expects {d}");
        var scores = new float[prepared.Rows];
        var errors = new float[(long)prepared.Rows * d];
        if (prepared.StepCounts is { } counts)
        {
            // padded sequences: contributions eᵢⱼ/(L_i·F) on the real values, 0 on the padding
            scorer.Score(prepared.Features, scores, errors, counts);
            int f = scorer.Model.InputShape[1];
            for (int i = 0; i < prepared.Rows; i++)
            {
                float real = counts[i] * f;
                foreach (ref float e in errors.AsSpan(i * d, d)) e *= real;
            }
            return errors;
        }
        scorer.Score(prepared.Features, scores, errors);            // contributions eᵢⱼ/D
        for (long i = 0; i < errors.LongLength; i++) errors[i] *= d;
        return errors;
    }

    /// <summary>
    /// Writes one CSV line per (sample, real step): <c>row,step,error</c> with error = the mean over the F channels, and for F &gt; 1 one
    /// column <c>error_NAME</c> per channel. Rows are numbered 1..N like the scores file, steps 0..T−1.
    /// </summary>
    /// <param name="writer">Destination.</param>
    /// <param name="errors">N·T·F errors from <see cref="Compute"/>.</param>
    /// <param name="steps">T.</param>
    /// <param name="channels">F.</param>
    /// <param name="channelNames">Names of the F channels (default c0, c1, …).</param>
    /// <param name="stepCounts">For padded sequences, the real steps L_i of each sample: only steps 0..L_i−1 are written. Default null (all T).</param>
    /// <exception cref="ArgumentException">The lengths do not fit.</exception>
    public static void WriteCsv(TextWriter writer, ReadOnlySpan<float> errors, int steps, int channels, IReadOnlyList<string>? channelNames = null,
        IReadOnlyList<int>? stepCounts = null)
    {
        ArgumentNullException.ThrowIfNull(writer);
        int d = steps * channels;
        if (d < 1 || errors.Length % d != 0) throw new ArgumentException($"{errors.Length} errors are not whole samples of {steps} × {channels}", nameof(errors));
        if (channelNames != null && channelNames.Count != channels) throw new ArgumentException($"{channelNames.Count} channel names for {channels} channels", nameof(channelNames));
        var inv = CultureInfo.InvariantCulture;
        writer.Write("row,step,error");
        if (channels > 1)
            for (int c = 0; c < channels; c++) writer.Write(",error_" + (channelNames?[c] ?? "c" + c.ToString(inv)));
        writer.WriteLine();
        int n = errors.Length / d;
        if (stepCounts != null && stepCounts.Count != n) throw new ArgumentException($"{stepCounts.Count} step counts for {n} samples", nameof(stepCounts));
        for (int i = 0; i < n; i++)
            for (int t = 0; t < (stepCounts?[i] ?? steps); t++)
            {
                var e = errors.Slice(i * d + t * channels, channels);
                double mean = 0;
                foreach (float v in e) mean += v;
                mean /= channels;
                writer.Write((i + 1).ToString(inv));
                writer.Write(',');
                writer.Write(t.ToString(inv));
                writer.Write(',');
                writer.Write(((float)mean).ToString("G7", inv));
                if (channels > 1)
                    foreach (float v in e) { writer.Write(','); writer.Write(v.ToString("G7", inv)); }
                writer.WriteLine();
            }
    }

    /// <summary>
    /// One score per time point of a series cut into windows of <paramref name="steps"/> every <paramref name="stride"/> steps: point p
    /// is covered by every window i with i·S ≤ p &lt; i·S + W, and its error in window i is the step error at t = p − i·S (the mean over
    /// the channels). Mean: the average over the covering windows; Max: the largest. Points after the last window are not covered.
    /// </summary>
    /// <param name="errors">N·W·F errors from <see cref="Compute"/>, the windows in order.</param>
    /// <param name="steps">W.</param>
    /// <param name="channels">F.</param>
    /// <param name="stride">S ≥ 1.</param>
    /// <returns>Per point (count (N − 1)·S + W): mean and max over the covering windows, and how many windows cover it.</returns>
    /// <exception cref="ArgumentException">The lengths do not fit or the stride is below 1.</exception>
    public static (float[] Mean, float[] Max, int[] Windows) PointScores(ReadOnlySpan<float> errors, int steps, int channels, int stride)
    {
        int d = steps * channels;
        if (d < 1 || errors.Length % d != 0) throw new ArgumentException($"{errors.Length} errors are not whole windows of {steps} × {channels}", nameof(errors));
        if (stride < 1) throw new ArgumentException($"stride must be ≥ 1, got {stride}", nameof(stride));
        int n = errors.Length / d;
        int points = n == 0 ? 0 : (n - 1) * stride + steps;
        var sum = new double[points];
        var max = new float[points];
        var count = new int[points];
        Array.Fill(max, float.NegativeInfinity);
        for (int i = 0; i < n; i++)
            for (int t = 0; t < steps; t++)
            {
                double e = 0;
                for (int c = 0; c < channels; c++) e += errors[i * d + t * channels + c];
                float step = (float)(e / channels);
                int p = i * stride + t;
                sum[p] += step;
                count[p]++;
                if (step > max[p]) max[p] = step;
            }
        var mean = new float[points];
        for (int p = 0; p < points; p++)
        {
            mean[p] = count[p] > 0 ? (float)(sum[p] / count[p]) : float.NaN;
            if (count[p] == 0) max[p] = float.NaN;
        }
        return (mean, max, count);
    }

    /// <summary>
    /// One score per time point from the windows' own scores: point p gets the largest score of a window covering it,
    /// max over i with i·S ≤ p &lt; i·S + W of sᵢ, where sᵢ is window i's score (the mean of its W·F element errors). Unlike
    /// <see cref="PointScores"/> it does not ask which step of a window failed, only whether a window holding the point was anomalous;
    /// for scores that are not sums of step errors (the Mahalanobis distance of a window's error vector) it is the natural one.
    /// </summary>
    /// <param name="errors">N·W·F errors from <see cref="Compute"/>, the windows in order (sample i's mean is its score).</param>
    /// <param name="steps">W.</param>
    /// <param name="channels">F.</param>
    /// <param name="stride">S ≥ 1.</param>
    /// <returns>Per point (count (N − 1)·S + W), the largest covering window score.</returns>
    /// <exception cref="ArgumentException">The lengths do not fit or the stride is below 1.</exception>
    public static float[] WindowMax(ReadOnlySpan<float> errors, int steps, int channels, int stride)
    {
        int d = steps * channels;
        if (d < 1 || errors.Length % d != 0) throw new ArgumentException($"{errors.Length} errors are not whole windows of {steps} × {channels}", nameof(errors));
        if (stride < 1) throw new ArgumentException($"stride must be ≥ 1, got {stride}", nameof(stride));
        int n = errors.Length / d;
        var max = new float[n == 0 ? 0 : (n - 1) * stride + steps];
        Array.Fill(max, float.NegativeInfinity);
        for (int i = 0; i < n; i++)
        {
            float score = System.Numerics.Tensors.TensorPrimitives.Sum(errors.Slice(i * d, d)) / d;
            for (int t = 0; t < steps; t++)
                if (score > max[i * stride + t]) max[i * stride + t] = score;
        }
        return max;
    }

    /// <summary>
    /// Writes <c>point,line,score_mean,score_max,windows[,window_max][,label]</c>: point = 0-based data row of the series, line = its line
    /// in the CSV file (header = 1), the scores of <see cref="PointScores"/>, the largest covering window score of
    /// <see cref="WindowMax"/> when given, and the point's own label when given.
    /// </summary>
    /// <param name="writer">Destination.</param>
    /// <param name="scores">From <see cref="PointScores"/>.</param>
    /// <param name="labels">The point labels of the series (0/1), or null.</param>
    /// <param name="windowMax">From <see cref="WindowMax"/> (one per point), or null (default) for no such column.</param>
    /// <exception cref="ArgumentException"><paramref name="windowMax"/> has another length than the points.</exception>
    public static void WritePointCsv(TextWriter writer, (float[] Mean, float[] Max, int[] Windows) scores, IReadOnlyList<int>? labels, float[]? windowMax = null)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (windowMax != null && windowMax.Length != scores.Mean.Length)
            throw new ArgumentException($"{windowMax.Length} window scores for {scores.Mean.Length} points", nameof(windowMax));
        var inv = CultureInfo.InvariantCulture;
        writer.WriteLine("point,line,score_mean,score_max,windows" + (windowMax != null ? ",window_max" : "") + (labels != null ? ",label" : ""));
        for (int p = 0; p < scores.Mean.Length; p++)
        {
            writer.Write(p.ToString(inv)); writer.Write(',');
            writer.Write((p + 2).ToString(inv)); writer.Write(',');
            writer.Write(scores.Mean[p].ToString("G7", inv)); writer.Write(',');
            writer.Write(scores.Max[p].ToString("G7", inv)); writer.Write(',');
            writer.Write(scores.Windows[p].ToString(inv));
            if (windowMax != null) { writer.Write(','); writer.Write(windowMax[p].ToString("G7", inv)); }
            if (labels != null) { writer.Write(','); writer.Write(p < labels.Count ? labels[p].ToString(inv) : ""); }
            writer.WriteLine();
        }
    }
}
