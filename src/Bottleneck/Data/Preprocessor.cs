using System.Text.Json.Serialization;

namespace Bottleneck.Data;

/// <summary>Per-feature scaling applied before training.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ScalingKind>))]
public enum ScalingKind
{
    /// <summary>No change.</summary>
    None,
    /// <summary>Map each feature's training range [min, max] to [0, 1]; constant features map to 0.</summary>
    MinMax,
    /// <summary>Subtract each feature's training mean and divide by its (population) standard deviation; zero deviation uses 1.</summary>
    Standardize,
    /// <summary>
    /// Robust scaling: subtract each feature's training median and divide by its interquartile range / 1.349 (the standard
    /// deviation for normally distributed values, so the result is on the scale of <see cref="Standardize"/>); a feature whose
    /// IQR is 0 uses its population standard deviation, a constant one 1. Quartiles interpolate linearly like numpy. Rows far out
    /// in the training data (anomalies) move neither statistic much (Rousseeuw &amp; Croux, JASA 1993; scikit-learn's RobustScaler
    /// with the normal-consistency factor). Per feature of flat rows, fitted in memory only.
    /// </summary>
    Robust,
}

/// <summary>What a <see cref="ScalingKind"/> does to the range of the values.</summary>
public static class ScalingKindExtensions
{
    /// <summary>
    /// Whether data in [0, 1] stays in [0, 1] after the scaling (<see cref="ScalingKind.None"/>, <see cref="ScalingKind.MinMax"/>),
    /// so a PSNR with peak 1 and a [0, 1]-valued likelihood (sigmoid-bce) still apply; false for the centring scalings
    /// (<see cref="ScalingKind.Standardize"/>, <see cref="ScalingKind.Robust"/>).
    /// </summary>
    /// <param name="kind">The scaling.</param>
    public static bool KeepsUnitRange(this ScalingKind kind) => kind is ScalingKind.None or ScalingKind.MinMax;
}

/// <summary>
/// Serializable preprocessor state: <c>y = (x − Offset[j]) / Scale[j]</c> for feature j, and <c>x = y · Scale[j] + Offset[j]</c>
/// back. Round-trips through System.Text.Json (the kind is written as its name).
/// </summary>
/// <param name="Kind">The scaling kind.</param>
/// <param name="Offset">Per-feature offset (min or mean), length = feature count.</param>
/// <param name="Scale">Per-feature divisor (max − min or std; never 0), length = feature count.</param>
public sealed record PreprocessorState(ScalingKind Kind, float[] Offset, float[] Scale);

/// <summary>
/// Per-feature scaling (none, min-max to [0, 1], or standardization) fitted on training data only and applied
/// in place to row-major batches.
/// </summary>
public sealed class Preprocessor
{
    private readonly float[] _offset;
    private readonly float[] _scale;

    /// <summary>Restores a preprocessor from saved state.</summary>
    /// <param name="state">State from <see cref="State"/> (e.g. deserialized from JSON).</param>
    /// <exception cref="ArgumentException">Offset and Scale lengths differ, or a scale is 0 or not finite.</exception>
    public Preprocessor(PreprocessorState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Offset == null || state.Scale == null || state.Offset.Length != state.Scale.Length)
            throw new ArgumentException($"preprocessor state must have Offset and Scale of equal length (got {state.Offset?.Length} and {state.Scale?.Length})", nameof(state));
        for (int j = 0; j < state.Scale.Length; j++)
            if (state.Scale[j] == 0 || !float.IsFinite(state.Scale[j]) || !float.IsFinite(state.Offset[j]))
                throw new ArgumentException($"preprocessor state has an invalid offset/scale for feature {j}: {state.Offset[j]} / {state.Scale[j]}", nameof(state));
        Kind = state.Kind;
        _offset = (float[])state.Offset.Clone();
        _scale = (float[])state.Scale.Clone();
    }

    /// <summary>The scaling kind.</summary>
    public ScalingKind Kind { get; }

    /// <summary>Number of features this preprocessor was fitted on.</summary>
    public int FeatureCount => _offset.Length;

    /// <summary>A copy of the state, for saving (e.g. with <c>JsonSerializer.Serialize</c>).</summary>
    public PreprocessorState State => new(Kind, (float[])_offset.Clone(), (float[])_scale.Clone());

    /// <summary>Fits per-feature statistics on <paramref name="train"/> (training data only, to avoid leaking validation/test data).</summary>
    /// <param name="train">Training data.</param>
    /// <param name="kind">Scaling kind.</param>
    /// <returns>The fitted preprocessor.</returns>
    /// <exception cref="DataException">The dataset has no rows and <paramref name="kind"/> is not None.</exception>
    public static Preprocessor Fit(Dataset train, ScalingKind kind)
    {
        ArgumentNullException.ThrowIfNull(train);
        int f = train.FeatureCount;
        var offset = new float[f];
        var scale = new float[f];
        Array.Fill(scale, 1f);
        if (kind != ScalingKind.None && train.Rows == 0)
            throw new DataException($"{train.Source}: cannot fit {kind} scaling on an empty dataset", train.Source);
        var x = train.Features;
        if (kind == ScalingKind.MinMax)
        {
            var min = new float[f]; var max = new float[f];
            Array.Fill(min, float.PositiveInfinity); Array.Fill(max, float.NegativeInfinity);
            for (int r = 0; r < train.Rows; r++)
            {
                int o = r * f;
                for (int j = 0; j < f; j++) { float v = x[o + j]; if (v < min[j]) min[j] = v; if (v > max[j]) max[j] = v; }
            }
            for (int j = 0; j < f; j++)
            {
                offset[j] = min[j];
                float range = (float)((double)max[j] - min[j]);
                scale[j] = range > 0 && float.IsFinite(range) ? range : 1f;
            }
        }
        else if (kind == ScalingKind.Standardize)
        {
            var mean = new double[f]; var m2 = new double[f];
            for (int r = 0; r < train.Rows; r++)
            {
                int o = r * f;
                for (int j = 0; j < f; j++)
                {   // Welford's update: stable for large offsets.
                    double v = x[o + j], d = v - mean[j];
                    mean[j] += d / (r + 1);
                    m2[j] += d * (v - mean[j]);
                }
            }
            for (int j = 0; j < f; j++)
            {
                offset[j] = (float)mean[j];
                float std = (float)Math.Sqrt(m2[j] / train.Rows);
                scale[j] = std > 1e-12f && float.IsFinite(std) ? std : 1f;
            }
        }
        else if (kind == ScalingKind.Robust)
        {
            var col = new float[train.Rows];
            for (int j = 0; j < f; j++)
            {
                double mean = 0, m2 = 0;
                for (int r = 0; r < train.Rows; r++)
                {
                    float v = x[r * f + j];
                    col[r] = v;
                    double d = v - mean;
                    mean += d / (r + 1);
                    m2 += d * (v - mean);
                }
                Array.Sort(col);
                double q1 = Quantile(col, 0.25), q3 = Quantile(col, 0.75), std = Math.Sqrt(m2 / train.Rows);
                offset[j] = (float)Quantile(col, 0.5);
                float s = (float)((q3 - q1) / RobustScaleFactor);
                scale[j] = s > 1e-12f && float.IsFinite(s) ? s : std > 1e-12 && double.IsFinite(std) ? (float)std : 1f;
            }
        }
        return new Preprocessor(new PreprocessorState(kind, offset, scale));
    }

    /// <summary>The IQR of the standard normal distribution, 2·Φ⁻¹(0.75) ≈ 1.349: IQR / 1.349 estimates σ (<see cref="ScalingKind.Robust"/>).</summary>
    public const double RobustScaleFactor = 1.3489795003921634;

    /// <summary>The q-quantile of sorted values, linear interpolation between order statistics (numpy's default).</summary>
    private static double Quantile(float[] sorted, double q)
    {
        double pos = q * (sorted.Length - 1);
        int lo = (int)Math.Floor(pos), hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + (pos - lo) * ((double)sorted[hi] - sorted[lo]);
    }

    /// <summary>Parses a kind name for command lines: "none", "minmax" (or "min-max"), "standardize" (or "standard", "zscore"), "robust".</summary>
    /// <param name="name">The name, case-insensitive.</param>
    /// <exception cref="DataException">Unknown name; the message lists the accepted names.</exception>
    public static ScalingKind ParseKind(string name) => name?.Trim().ToLowerInvariant() switch
    {
        "none" => ScalingKind.None,
        "minmax" or "min-max" => ScalingKind.MinMax,
        "standardize" or "standard" or "zscore" or "z-score" => ScalingKind.Standardize,
        "robust" => ScalingKind.Robust,
        _ => throw new DataException($"unknown scaling \"{name}\"; use none, minmax, standardize or robust"),
    };

    /// <summary>Scales row-major rows in place: y = (x − offset) / scale per feature.</summary>
    /// <param name="rows">Whole rows of <see cref="FeatureCount"/> values each.</param>
    /// <exception cref="ArgumentException">The length is not a multiple of <see cref="FeatureCount"/>.</exception>
    public void Transform(Span<float> rows)
    {
        CheckLength(rows.Length);
        if (Kind == ScalingKind.None) return;
        int f = FeatureCount;
        for (int o = 0; o < rows.Length; o += f)
            for (int j = 0; j < f; j++) rows[o + j] = (rows[o + j] - _offset[j]) / _scale[j];
    }

    /// <summary>Undoes <see cref="Transform(Span{float})"/> in place: x = y · scale + offset per feature.</summary>
    /// <param name="rows">Whole rows of <see cref="FeatureCount"/> values each.</param>
    /// <exception cref="ArgumentException">The length is not a multiple of <see cref="FeatureCount"/>.</exception>
    public void InverseTransform(Span<float> rows)
    {
        CheckLength(rows.Length);
        if (Kind == ScalingKind.None) return;
        int f = FeatureCount;
        for (int o = 0; o < rows.Length; o += f)
            for (int j = 0; j < f; j++) rows[o + j] = rows[o + j] * _scale[j] + _offset[j];
    }

    /// <summary>Returns a scaled copy of <paramref name="data"/> (labels, names, image or sequence shape and step counts are kept).</summary>
    /// <param name="data">Dataset with <see cref="FeatureCount"/> features.</param>
    /// <exception cref="DataException">The feature count differs from the fitted one.</exception>
    public Dataset Transform(Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.FeatureCount != FeatureCount)
            throw new DataException($"{data.Source}: has {data.FeatureCount} features but the preprocessor was fitted on {FeatureCount}", data.Source);
        var copy = (float[])data.Features.Clone();
        Transform(copy);
        return new Dataset(copy, data.Rows, data.FeatureCount, data.Labels, data.FeatureNames, data.Image, data.Source, data.ClassNames) { Sequence = data.Sequence, StepCounts = data.StepCounts };
    }

    private void CheckLength(int length)
    {
        if (FeatureCount == 0 ? length != 0 : length % FeatureCount != 0)
            throw new ArgumentException($"buffer of {length} values is not a whole number of rows of {FeatureCount} features");
    }
}
