namespace Bottleneck.Models.Variational;

/// <summary>Paths through a latent space: interpolation between two codes and traversal of single dimensions.</summary>
public static class LatentPaths
{
    /// <summary>
    /// <paramref name="steps"/> codes from a to b inclusive, shape (steps, k) row-major: linear z_t = (1−t)a + tb, or spherical
    /// (Shoemake 1985; White 2016 for generative models) z_t = [sin((1−t)Ω) a + sin(tΩ) b] / sin Ω with cos Ω = a·b / (‖a‖‖b‖),
    /// falling back to linear when a and b are (anti)parallel or zero. t = i / (steps − 1).
    /// </summary>
    /// <param name="a">Start code (k).</param>
    /// <param name="b">End code (k).</param>
    /// <param name="steps">Number of codes ≥ 2.</param>
    /// <param name="spherical">Spherical instead of linear interpolation.</param>
    /// <exception cref="ArgumentException">Codes of different widths or fewer than 2 steps.</exception>
    public static float[] Interpolate(ReadOnlySpan<float> a, ReadOnlySpan<float> b, int steps, bool spherical)
    {
        if (a.Length != b.Length) throw new ArgumentException($"codes of widths {a.Length} and {b.Length}");
        if (steps < 2) throw new ArgumentOutOfRangeException(nameof(steps), steps, $"steps must be ≥ 2, got {steps}");
        int k = a.Length;
        double dot = 0, na = 0, nb = 0;
        for (int j = 0; j < k; j++) { dot += a[j] * b[j]; na += a[j] * a[j]; nb += b[j] * b[j]; }
        double cos = na > 0 && nb > 0 ? Math.Clamp(dot / Math.Sqrt(na * nb), -1, 1) : 1;
        double omega = Math.Acos(cos), sin = Math.Sin(omega);
        bool slerp = spherical && sin > 1e-6;
        var result = new float[steps * k];
        for (int i = 0; i < steps; i++)
        {
            double t = (double)i / (steps - 1);
            double wa = slerp ? Math.Sin((1 - t) * omega) / sin : 1 - t;
            double wb = slerp ? Math.Sin(t * omega) / sin : t;
            for (int j = 0; j < k; j++) result[i * k + j] = (float)(wa * a[j] + wb * b[j]);
        }
        return result;
    }

    /// <summary>
    /// For each dimension d in <paramref name="dims"/>, <paramref name="steps"/> copies of <paramref name="code"/> with z_d set to
    /// evenly spaced values from <paramref name="from"/> to <paramref name="to"/>; shape (dims·steps, k), one dimension after another.
    /// </summary>
    /// <param name="code">The code to vary (k).</param>
    /// <param name="dims">Dimensions to traverse, each in 0..k−1.</param>
    /// <param name="from">First value.</param>
    /// <param name="to">Last value.</param>
    /// <param name="steps">Values per dimension ≥ 2.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension outside the code, or fewer than 2 steps.</exception>
    public static float[] Traverse(ReadOnlySpan<float> code, IReadOnlyList<int> dims, float from, float to, int steps)
    {
        ArgumentNullException.ThrowIfNull(dims);
        if (steps < 2) throw new ArgumentOutOfRangeException(nameof(steps), steps, $"steps must be ≥ 2, got {steps}");
        int k = code.Length;
        foreach (int d in dims)
            if ((uint)d >= (uint)k) throw new ArgumentOutOfRangeException(nameof(dims), d, $"dimension {d} is outside the code's 0..{k - 1}");
        var result = new float[dims.Count * steps * k];
        for (int r = 0; r < dims.Count; r++)
            for (int i = 0; i < steps; i++)
            {
                var row = result.AsSpan((r * steps + i) * k, k);
                code.CopyTo(row);
                row[dims[r]] = from + (to - from) * i / (steps - 1);
            }
        return result;
    }

    /// <summary>
    /// An n × n grid of codes over two latent dimensions (the others 0): row r, column c has z_dimX = from + (to − from)·c/(n−1)
    /// and z_dimY = to − (to − from)·r/(n−1) (so up is positive, as in a plot); shape (n², k), row-major.
    /// </summary>
    /// <param name="latentDim">k ≥ 2.</param>
    /// <param name="n">Points per side ≥ 2.</param>
    /// <param name="from">Lowest value.</param>
    /// <param name="to">Highest value.</param>
    /// <param name="dimX">Dimension along the columns (default 0).</param>
    /// <param name="dimY">Dimension along the rows (default 1).</param>
    /// <exception cref="ArgumentOutOfRangeException">k &lt; 2, n &lt; 2, or a dimension outside the code.</exception>
    public static float[] Grid(int latentDim, int n, float from, float to, int dimX = 0, int dimY = 1)
    {
        if (latentDim < 2) throw new ArgumentOutOfRangeException(nameof(latentDim), latentDim, $"a 2-D grid needs a code of at least 2 dimensions, got {latentDim}");
        if (n < 2) throw new ArgumentOutOfRangeException(nameof(n), n, $"n must be ≥ 2, got {n}");
        if ((uint)dimX >= (uint)latentDim || (uint)dimY >= (uint)latentDim || dimX == dimY)
            throw new ArgumentOutOfRangeException(nameof(dimX), $"dimensions {dimX} and {dimY} must be two different ones of 0..{latentDim - 1}");
        var result = new float[n * n * latentDim];
        for (int r = 0; r < n; r++)
            for (int c = 0; c < n; c++)
            {
                int at = (r * n + c) * latentDim;
                result[at + dimX] = from + (to - from) * c / (n - 1);
                result[at + dimY] = to - (to - from) * r / (n - 1);
            }
        return result;
    }
}
