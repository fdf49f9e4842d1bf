using System.Globalization;

namespace Bottleneck.Data;

/// <summary>
/// Padded (variable-length) sequence data: row i holds L_i real time steps followed by T − L_i padded steps
/// (<see cref="Dataset.StepCounts"/>). The mask built here is 1 on the real values and 0 on the padding, in the shape of the batch
/// (N, T, F); the model kinds that honour it (<c>lstm</c>, <c>gru</c>, <c>tcn</c>, <c>transformer</c>) ignore the padding in the loss, the pooling
/// and the scores. Legend: N samples, T steps (the longest row, or the model's), F channels, L_i real steps of row i.
/// </summary>
public static class SequencePadding
{
    /// <summary>Writes the mask of rows with <paramref name="stepCounts"/> real steps: m[i, t, c] = 1 if t &lt; L_i else 0.</summary>
    /// <param name="stepCounts">L_i of each of the N rows.</param>
    /// <param name="steps">T.</param>
    /// <param name="channels">F.</param>
    /// <param name="mask">Receives N·T·F values.</param>
    /// <exception cref="ArgumentException"><paramref name="mask"/> has another length, or some L_i is outside [1, T].</exception>
    public static void FillMask(ReadOnlySpan<int> stepCounts, int steps, int channels, Span<float> mask)
    {
        int d = steps * channels;
        if (mask.Length != stepCounts.Length * d)
            throw new ArgumentException($"mask has {mask.Length} values, {stepCounts.Length} rows of {steps} × {channels} need {stepCounts.Length * d}", nameof(mask));
        for (int i = 0; i < stepCounts.Length; i++)
        {
            int l = stepCounts[i];
            if (l < 1 || l > steps) throw new ArgumentException($"row {i}: {l} real steps is outside [1, {steps}]", nameof(stepCounts));
            mask.Slice(i * d, l * channels).Fill(1f);
            mask.Slice(i * d + l * channels, (steps - l) * channels).Clear();
        }
    }

    /// <summary>
    /// Padded <paramref name="data"/> (with <see cref="Dataset.StepCounts"/>) brought to <paramref name="steps"/> time steps T': each row's
    /// real steps are copied and followed by zeros, its step count kept. Used to score padded data with a model trained on longer sequences.
    /// Returns <paramref name="data"/> itself when it already has T' steps.
    /// </summary>
    /// <param name="data">Sequence data (a <see cref="Dataset.Sequence"/> shape).</param>
    /// <param name="steps">T', the model's steps.</param>
    /// <exception cref="DataException">The data is not sequence data, has no step counts (not padded: its length must be T'), or a row
    /// has more than T' real steps (names the file and row).</exception>
    public static Dataset PadTo(Dataset data, int steps)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Sequence is not { } sq) throw new DataException($"{data.Source}: not sequence data; only sequences can be padded", data.Source);
        if (sq.Steps == steps) return data;
        var counts = data.StepCounts
            ?? throw new DataException($"{data.Source} has sequences of {sq}, the model expects {new SequenceShape(steps, sq.Channels)} (sequences of different lengths: add :pad to the spec)", data.Source);
        for (int i = 0; i < counts.Length; i++)
            if (counts[i] > steps)
                throw new DataException($"{data.Source}: row {(i + 1).ToString(CultureInfo.InvariantCulture)} has {counts[i]} steps, the model takes at most {steps} (it was trained on sequences of up to {steps} steps)", data.Source);
        int f = sq.Channels, dOld = sq.Size, dNew = steps * f;
        var values = new float[(long)data.Rows * dNew];
        for (int i = 0; i < data.Rows; i++)
            data.Features.AsSpan(i * dOld, counts[i] * f).CopyTo(values.AsSpan(i * dNew));
        var names = Enumerable.Range(0, steps).SelectMany(t => f == 1 ? ["t" + t.ToString(CultureInfo.InvariantCulture)]
            : Enumerable.Range(0, f).Select(c => $"t{t.ToString(CultureInfo.InvariantCulture)}_c{c.ToString(CultureInfo.InvariantCulture)}")).ToArray();
        return new Dataset(values, data.Rows, dNew, data.Labels, names, null, data.Source, data.ClassNames)
            { Sequence = new SequenceShape(steps, f), StepCounts = counts };
    }
}
