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
    /// error, bce, nll) of value c at step t. The mean over (t, c) of sample i is its score.
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
        scorer.Score(prepared.Features, scores, errors);            // contributions eᵢⱼ/D
        for (long i = 0; i < errors.LongLength; i++) errors[i] *= d;
        return errors;
    }

    /// <summary>
    /// Writes one CSV line per (sample, step): <c>row,step,error</c> with error = the mean over the F channels, and for F &gt; 1 one
    /// column <c>error_NAME</c> per channel. Rows are numbered 1..N like the scores file, steps 0..T−1.
    /// </summary>
    /// <param name="writer">Destination.</param>
    /// <param name="errors">N·T·F errors from <see cref="Compute"/>.</param>
    /// <param name="steps">T.</param>
    /// <param name="channels">F.</param>
    /// <param name="channelNames">Names of the F channels (default c0, c1, …).</param>
    /// <exception cref="ArgumentException">The lengths do not fit.</exception>
    public static void WriteCsv(TextWriter writer, ReadOnlySpan<float> errors, int steps, int channels, IReadOnlyList<string>? channelNames = null)
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
        for (int i = 0; i < n; i++)
            for (int t = 0; t < steps; t++)
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
}
