using Bottleneck.Evaluation;
using Bottleneck.Reports;
using Bottleneck.Tensors;

namespace Bottleneck.Tests.Reports;

/// <summary>The report's projection seam: PCA and t-SNE through one delegate (their numerics are tested in Evaluation/Embedding).</summary>
public class LatentProjectionsTests
{
    private static float[] Codes(int n, int k)
    {
        var rng = new Rng(11);
        var codes = new float[n * k];
        for (int i = 0; i < n; i++) for (int j = 0; j < k; j++) codes[i * k + j] = rng.NextNormal() + (j == i % 3 ? 4 : 0);
        return codes;
    }

    [Fact]
    public void GivenCodes_ThePcaProjectionIsTheEvaluationLayersPcaWidened()
    {
        var codes = Codes(200, 5);
        var p = NamedProjection.Pca.Project(codes, 200, 5);
        var expected = Projection.Pca(codes, 5);
        Assert.Equal(expected.Length, p.Length);
        for (int i = 0; i < p.Length; i++) Assert.Equal(expected[i], p[i]);
        Assert.Equal("PC", NamedProjection.Pca.AxisName);
    }

    [Fact]
    public void GivenCodes_TheTsneProjectionIsSeededAndTwoDimensional()
    {
        var codes = Codes(90, 4);
        var tsne = NamedProjection.Tsne(new TsneOptions(Perplexity: 10, MaxIterations: 300));
        var a = tsne.Project(codes, 90, 4);
        var b = tsne.Project(codes, 90, 4);
        Assert.Equal(180, a.Length);
        Assert.Equal(a, b);
        Assert.All(a, v => Assert.True(double.IsFinite(v)));
    }

    [Fact]
    public void GivenNamesAndBadShapes_ParseAndProjectRefuseClearly()
    {
        Assert.Equal("PCA", NamedProjection.Parse("PCA").Name);
        Assert.Equal("t-SNE", NamedProjection.Parse("tsne").Name);
        Assert.Contains("--projection must be pca or tsne", Assert.Throws<ArgumentException>(() => NamedProjection.Parse("umap")).Message);
        Assert.Throws<ArgumentException>(() => NamedProjection.Pca.Project([1f, 2f, 3f], 2, 2));
    }
}
