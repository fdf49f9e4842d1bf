using System.Numerics.Tensors;
using Bottleneck.Tensors;

namespace Bottleneck.Evaluation;

/// <summary>Shared checks and distance loops of the embedding code: points are rows of a row-major float32 matrix (N, K).</summary>
internal static class Points
{
    /// <summary>Checks a code matrix and returns N.</summary>
    /// <exception cref="ArgumentException">dim &lt; 1, the length is not a multiple of dim, there are fewer than <paramref name="minRows"/> rows, or a value is not finite.</exception>
    public static int Rows(ReadOnlySpan<float> codes, int dim, int minRows, string what = "codes")
    {
        if (dim < 1) throw new ArgumentException($"{what}: dim must be ≥ 1, got {dim}");
        if (codes.Length % dim != 0) throw new ArgumentException($"{what}: length {codes.Length} is not a multiple of dim {dim}");
        int n = codes.Length / dim;
        if (n < minRows) throw new ArgumentException($"{what}: need at least {minRows} rows, got {n}");
        for (int i = 0; i < codes.Length; i++)
            if (!float.IsFinite(codes[i]))
                throw new ArgumentException($"{what}: row {i / dim}, column {i % dim} is {codes[i]} (not finite)");
        return n;
    }

    /// <summary>The (N, K) view of a tensor as its flat span and K.</summary>
    /// <exception cref="ShapeException">The tensor is not of rank 2.</exception>
    public static (float[] Values, int Dim) Of(Tensor codes)
    {
        ArgumentNullException.ThrowIfNull(codes);
        if (codes.Rank != 2) throw new ShapeException($"codes must be (N, K), got ({string.Join(", ", codes.ShapeToArray())})");
        return (codes.ToArray(), codes.Shape[1]);
    }

    /// <summary>Checks labels against N.</summary>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public static void CheckLabels(ReadOnlySpan<int> labels, int n, string what = "labels")
    {
        if (labels.Length != n) throw new ArgumentException($"{what} has {labels.Length} entries, the codes have {n} rows");
    }

    /// <summary>Squared Euclidean distance of two rows in double precision.</summary>
    public static double SquaredDistance(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double s = 0;
        for (int d = 0; d < a.Length; d++)
        {
            double t = (double)a[d] - b[d];
            s += t * t;
        }
        return s;
    }

    /// <summary>Fills <paramref name="row"/> (length N) with the squared distances from point <paramref name="i"/> to every point.</summary>
    public static void SquaredDistancesFrom(ReadOnlySpan<float> codes, int dim, int i, Span<double> row)
    {
        var xi = codes.Slice(i * dim, dim);
        for (int j = 0; j < row.Length; j++) row[j] = SquaredDistance(xi, codes.Slice(j * dim, dim));
    }

    /// <summary>Labels mapped to 0..C−1 in ascending order of the original values; returns C.</summary>
    public static int Encode(ReadOnlySpan<int> labels, out int[] encoded, out int[] classes)
    {
        classes = labels.ToArray().Distinct().Order().ToArray();
        var index = new Dictionary<int, int>(classes.Length);
        for (int c = 0; c < classes.Length; c++) index[classes[c]] = c;
        encoded = new int[labels.Length];
        for (int i = 0; i < labels.Length; i++) encoded[i] = index[labels[i]];
        return classes.Length;
    }
}
