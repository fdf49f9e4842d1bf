using Bottleneck.Reports;
using Bottleneck.Tensors;

namespace Bottleneck.Tests.Reports;

public class LatentProjectionsTests
{
    [Fact]
    public void GivenCodesOnAPlaneIn6D_PcaRecoversThePlaneWithUncorrelatedAxesOfFallingVariance()
    {
        // Given codes z = a·u + b·v + μ (a, b with variances 9 and 1; u, v orthonormal) plus tiny noise
        int n = 500, k = 6;
        var rng = new Rng(11);
        double[] u = [0.5, 0.5, 0.5, 0.5, 0, 0], v = [0, 0, 0, 0, 0.6, 0.8];
        var codes = new float[n * k];
        var a = new double[n];
        for (int i = 0; i < n; i++)
        {
            a[i] = 3 * rng.NextNormal();
            double b = rng.NextNormal();
            for (int j = 0; j < k; j++) codes[i * k + j] = (float)(a[i] * u[j] + b * v[j] + 5 + 1e-3 * rng.NextNormal());
        }

        // When projected
        var p = LatentProjections.Pca(codes, n, k);

        // Then PC 1 is ±a (correlation ≈ 1), the axes are centred and uncorrelated, and var(PC1) > var(PC2)
        double Mean(Func<int, double> f) => Enumerable.Range(0, n).Average(f);
        double m1 = Mean(i => p[2 * i]), m2 = Mean(i => p[2 * i + 1]);
        Assert.True(Math.Abs(m1) < 1e-6 && Math.Abs(m2) < 1e-6, $"means {m1}, {m2}");
        double v1 = Mean(i => p[2 * i] * p[2 * i]), v2 = Mean(i => p[2 * i + 1] * p[2 * i + 1]), c12 = Mean(i => p[2 * i] * p[2 * i + 1]);
        Assert.True(v1 > 5 * v2, $"variances {v1}, {v2}");
        Assert.True(Math.Abs(c12) < 1e-6 * v1, $"covariance {c12}");
        double ma = a.Average(), va = a.Average(x => (x - ma) * (x - ma)), cov = Mean(i => p[2 * i] * (a[i] - ma));
        Assert.True(Math.Abs(cov / Math.Sqrt(va * v1)) > 0.9999, $"correlation with a: {cov / Math.Sqrt(va * v1)}");
        // Signs are fixed: the largest entry of each axis is positive, so the same codes give the same map
        Assert.Equal(p, LatentProjections.Pca(codes, n, k));
    }

    [Fact]
    public void GivenOneDimensionalCodes_TheSecondCoordinateIsZero()
    {
        var p = LatentProjections.Pca([1f, 2f, 4f], 3, 1);
        double[] expected = [-4 / 3.0, 0, -1 / 3.0, 0, 5 / 3.0, 0];
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], p[i], 1e-9);
    }

    [Fact]
    public void GivenBadShapesOrNaN_ProjectionIsRefused()
    {
        Assert.Throws<ArgumentException>(() => LatentProjections.Pca([1f, 2f, 3f], 2, 2));
        var e = Assert.Throws<ArgumentException>(() => LatentProjections.Pca([1f, float.NaN], 1, 2));
        Assert.Contains("row 0, unit 1", e.Message);
    }
}
