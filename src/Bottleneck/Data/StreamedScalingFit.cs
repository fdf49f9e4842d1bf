namespace Bottleneck.Data;

/// <summary>
/// Fits a <see cref="Preprocessor"/> in one streamed pass, a chunk of rows at a time, in O(D) memory: per feature the minimum and
/// maximum (<see cref="ScalingKind.MinMax"/>) or the mean and population standard deviation by Welford's update
/// (<see cref="ScalingKind.Standardize"/>). Fed the same rows in the same order it gives exactly the state
/// <see cref="Preprocessor.Fit"/> gives on those rows in memory (the same operations in the same order).
/// </summary>
/// <param name="featureCount">D, ≥ 1.</param>
/// <param name="kind">The scaling to fit.</param>
public sealed class StreamedScalingFit(int featureCount, ScalingKind kind)
{
    private readonly int _d = featureCount >= 1 ? featureCount : throw new ArgumentOutOfRangeException(nameof(featureCount), featureCount, "featureCount must be ≥ 1");
    private readonly ScalingKind _checked = kind != ScalingKind.Robust ? kind
        : throw new DataException("robust scaling needs each feature's quartiles, which one streamed pass does not give; use standardize or minmax with a streamed source");
    private readonly double[] _mean = new double[featureCount], _m2 = new double[featureCount];
    private readonly float[] _min = Filled(featureCount, float.PositiveInfinity), _max = Filled(featureCount, float.NegativeInfinity);

    /// <summary>The scaling fitted.</summary>
    /// <exception cref="DataException">At construction: <see cref="ScalingKind.Robust"/>, which needs quartiles (not one streamed pass).</exception>
    public ScalingKind Kind => _checked;

    /// <summary>Rows seen so far.</summary>
    public long Rows { get; private set; }

    /// <summary>Adds row-major rows (a whole number of rows of D values).</summary>
    /// <param name="rows">n × D values.</param>
    /// <exception cref="ArgumentException">The length is not a multiple of D.</exception>
    public void Add(ReadOnlySpan<float> rows)
    {
        if (rows.Length % _d != 0) throw new ArgumentException($"{rows.Length} values are not whole rows of {_d}", nameof(rows));
        int n = rows.Length / _d;
        for (int r = 0; r < n; r++, Rows++)
        {
            var x = rows.Slice(r * _d, _d);
            if (Kind == ScalingKind.MinMax)
                for (int j = 0; j < _d; j++) { float v = x[j]; if (v < _min[j]) _min[j] = v; if (v > _max[j]) _max[j] = v; }
            else if (Kind == ScalingKind.Standardize)
                for (int j = 0; j < _d; j++)
                {   // Welford's update, as Preprocessor.Fit.
                    double v = x[j], dv = v - _mean[j];
                    _mean[j] += dv / (Rows + 1);
                    _m2[j] += dv * (v - _mean[j]);
                }
        }
    }

    /// <summary>The fitted preprocessor: offset min or mean, scale max − min or sd (1 where that is 0 or not finite).</summary>
    /// <param name="source">Where the rows came from, for the message.</param>
    /// <exception cref="DataException">No rows were added and the kind is not None.</exception>
    public Preprocessor Result(string source)
    {
        if (Kind != ScalingKind.None && Rows == 0) throw new DataException($"{source}: cannot fit {Kind} scaling on an empty dataset", source);
        var offset = new float[_d];
        var scale = Filled(_d, 1f);
        for (int j = 0; j < _d && Kind != ScalingKind.None; j++)
        {
            if (Kind == ScalingKind.MinMax)
            {
                offset[j] = _min[j];
                float range = (float)((double)_max[j] - _min[j]);
                scale[j] = range > 0 && float.IsFinite(range) ? range : 1f;
            }
            else
            {
                offset[j] = (float)_mean[j];
                float std = (float)Math.Sqrt(_m2[j] / Rows);
                scale[j] = std > 1e-12f && float.IsFinite(std) ? std : 1f;
            }
        }
        return new Preprocessor(new PreprocessorState(Kind, offset, scale));
    }

    private static float[] Filled(int n, float v) { var a = new float[n]; Array.Fill(a, v); return a; }
}
