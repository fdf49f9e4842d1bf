using Bottleneck.Data;

namespace Bottleneck.Tests.Data;

public class DemoDatasetTests
{
    [Fact]
    public void IsDeterministic_InRange_Balanced_Images()
    {
        var a = DemoDataset.Generate(400, 5);
        var b = DemoDataset.Generate(400, 5);
        var c = DemoDataset.Generate(400, 6);
        Assert.Equal(a.Features, b.Features);
        Assert.NotEqual(a.Features, c.Features);
        Assert.Equal(new ImageShape(1, 28, 28), a.Image);
        Assert.Equal(784, a.FeatureCount);
        Assert.All(a.Features, v => Assert.InRange(v, 0f, 1f));
        Assert.All(Enumerable.Range(0, 8), k => Assert.Equal(50, a.Labels!.Count(l => l == k)));
        Assert.Equal(8, a.ClassNames!.Length);
        Assert.Equal("demo", a.Source);
    }

    [Fact]
    public void ImagesHaveInkAndClassesDiffer()
    {
        var d = DemoDataset.Generate(800, 1);
        var means = new double[8][];
        for (int k = 0; k < 8; k++) means[k] = new double[784];
        for (int r = 0; r < d.Rows; r++)
        {
            var row = d.Row(r);
            int ink = 0;
            for (int j = 0; j < 784; j++) { means[d.Labels![r]][j] += row[j] / 100.0; if (row[j] > 0.5f) ink++; }
            Assert.InRange(ink, 8, 400); // every glyph has some ink and is not a filled square
        }
        for (int i = 0; i < 8; i++)
            for (int j = i + 1; j < 8; j++)
            {
                double dist = Math.Sqrt(means[i].Zip(means[j], (x, y) => (x - y) * (x - y)).Sum());
                Assert.True(dist > 1.0, $"classes {i} and {j} mean images too similar ({dist:F2})");
            }
    }
}
