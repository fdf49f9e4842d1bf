using Bottleneck.Evaluation;

namespace Bottleneck.Reports;

/// <summary>
/// Projects codes to a 2-D map: codes (N, K) row-major → points (N, 2) row-major. The seam through which the report and
/// <c>plot latent</c> get their latent map (<see cref="NamedProjection.Pca"/> by default, <see cref="NamedProjection.Tsne"/>).
/// </summary>
/// <param name="codes">Codes, (N, K) row-major.</param>
/// <param name="rows">N ≥ 1.</param>
/// <param name="dim">K ≥ 1.</param>
/// <returns>The 2-D points, (N, 2) row-major.</returns>
public delegate double[] LatentProjection(float[] codes, int rows, int dim);

/// <summary>A named projection for the report: its function and the name of its axes ("PC" gives "PC 1", "PC 2").</summary>
/// <param name="Name">Shown in titles and captions, e.g. "PCA".</param>
/// <param name="AxisName">Axis prefix.</param>
/// <param name="Project">The projection.</param>
public sealed record NamedProjection(string Name, string AxisName, LatentProjection Project)
{
    /// <summary>PCA onto the first two principal components (<see cref="Projection.Pca(ReadOnlySpan{float}, int, int)"/>, matched to
    /// scikit-learn's <c>PCA(2)</c>); axes in code units.</summary>
    public static NamedProjection Pca { get; } = new("PCA", "PC", (codes, rows, dim) => Widen(Projection.Pca(Check(codes, rows, dim), dim)));

    /// <summary>t-SNE (<see cref="Evaluation.Tsne"/>: exact up to 1,000 points, Barnes-Hut beyond; van der Maaten 2014) with
    /// <paramref name="options"/> (default scikit-learn's defaults, seed 0); the axes have no unit.</summary>
    /// <param name="options">t-SNE options, or null for the defaults.</param>
    public static NamedProjection Tsne(TsneOptions? options = null) =>
        new("t-SNE", "t-SNE", (codes, rows, dim) => Widen(Evaluation.Tsne.Embed(Check(codes, rows, dim), dim, options)));

    /// <summary>The projection called <paramref name="name"/>: "pca" or "tsne" (case-insensitive).</summary>
    /// <exception cref="ArgumentException">Another name.</exception>
    public static NamedProjection Parse(string name) => name.Trim().ToLowerInvariant() switch
    {
        "pca" => Pca,
        "tsne" or "t-sne" => Tsne(),
        _ => throw new ArgumentException($"--projection must be pca or tsne, got '{name}'"),
    };

    private static float[] Check(float[] codes, int rows, int dim)
    {
        ArgumentNullException.ThrowIfNull(codes);
        if (rows < 1 || dim < 1 || codes.Length != (long)rows * dim)
            throw new ArgumentException($"codes must be (N, K) with N, K ≥ 1: {codes.Length} values for ({rows}, {dim})");
        return codes;
    }

    private static double[] Widen(float[] points) => Array.ConvertAll(points, p => (double)p);
}
