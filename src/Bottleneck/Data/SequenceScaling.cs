namespace Bottleneck.Data;

/// <summary>
/// Scaling for sequence data: one offset and scale per channel, fitted over every time step of the training samples (never per time
/// step, which would bend each sample's shape), saved as an ordinary <see cref="PreprocessorState"/> whose per-feature entries repeat
/// the channel's values at every step.
/// </summary>
public static class SequenceScaling
{
    /// <summary>
    /// Fits per-channel statistics on <paramref name="train"/>: min-max maps channel c's training range to [0, 1]; standardization
    /// subtracts its mean and divides by its population standard deviation (over all N·T values of the channel); zero spread uses 1.
    /// A dataset without a <see cref="Dataset.Sequence"/> shape is fitted per feature (<see cref="Preprocessor.Fit"/>). Padded data
    /// (<see cref="Dataset.StepCounts"/>) is fitted on the real steps only.
    /// </summary>
    /// <param name="train">The training samples only (for series: the part before the split point).</param>
    /// <param name="kind">Scaling kind.</param>
    /// <returns>The fitted preprocessor (its feature count is T·F).</returns>
    /// <exception cref="DataException">The dataset has no rows and <paramref name="kind"/> is not None, or robust scaling of sequences.</exception>
    public static Preprocessor Fit(Dataset train, ScalingKind kind)
    {
        ArgumentNullException.ThrowIfNull(train);
        if (train.Sequence is not { } shape) return Preprocessor.Fit(train, kind);
        if (kind == ScalingKind.Robust)
            throw new DataException($"{train.Source}: robust scaling is per feature of flat rows; sequences are scaled per channel by minmax or standardize", train.Source);
        if (kind != ScalingKind.None && train.Rows == 0)
            throw new DataException($"{train.Source}: cannot fit {kind} scaling on an empty dataset", train.Source);
        int t = shape.Steps, f = shape.Channels;
        var offset = new float[f];
        var scale = new float[f];
        Array.Fill(scale, 1f);
        var x = train.Features;
        // the (sample, step) pairs that hold data: every step, or each row's first L_i steps when padded
        var counts = train.StepCounts;
        IEnumerable<long> Steps() => counts is null
            ? LongRange((long)train.Rows * t)
            : Enumerable.Range(0, train.Rows).SelectMany(r => LongRange(counts[r]).Select(s => (long)r * t + s));
        if (kind == ScalingKind.MinMax)
        {
            var min = new float[f]; var max = new float[f];
            Array.Fill(min, float.PositiveInfinity); Array.Fill(max, float.NegativeInfinity);
            foreach (long i in Steps())
                for (int c = 0; c < f; c++) { float v = x[i * f + c]; if (v < min[c]) min[c] = v; if (v > max[c]) max[c] = v; }
            for (int c = 0; c < f; c++)
            {
                offset[c] = min[c];
                float range = (float)((double)max[c] - min[c]);
                scale[c] = range > 0 && float.IsFinite(range) ? range : 1f;
            }
        }
        else if (kind == ScalingKind.Standardize)
        {
            var mean = new double[f]; var m2 = new double[f];
            long count = 0;
            foreach (long i in Steps())
            {
                count++;
                for (int c = 0; c < f; c++)
                {   // Welford's update
                    double v = x[i * f + c], d = v - mean[c];
                    mean[c] += d / count;
                    m2[c] += d * (v - mean[c]);
                }
            }
            for (int c = 0; c < f; c++)
            {
                offset[c] = (float)mean[c];
                float std = (float)Math.Sqrt(m2[c] / count);
                scale[c] = std > 1e-12f && float.IsFinite(std) ? std : 1f;
            }
        }
        var fullOffset = new float[t * f];
        var fullScale = new float[t * f];
        for (int s = 0; s < t; s++)
        {
            offset.CopyTo(fullOffset, s * f);
            scale.CopyTo(fullScale, s * f);
        }
        return new Preprocessor(new PreprocessorState(kind, fullOffset, fullScale));
    }

    private static IEnumerable<long> LongRange(long count)
    {
        for (long i = 0; i < count; i++) yield return i;
    }
}
