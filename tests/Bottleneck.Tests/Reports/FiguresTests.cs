using Bottleneck.Reports;
using Bottleneck.Tensors;
using Bottleneck.Training;
using ScottPlot;

namespace Bottleneck.Tests.Reports;

/// <summary>Every figure renders as PNG and SVG: a valid, non-blank image of the requested size (on whatever fonts the machine has).</summary>
public class FiguresTests
{
    private static readonly IReadOnlyList<EpochRecord> History =
    [
        .. Enumerable.Range(1, 6).Select(e => new EpochRecord(e, "train", 100.0 / e, 110.0 / e, 1e-3 / e, 1.5,
            new LossTermValues([new("reconstruction", 90.0 / e), new("kl", 10.0 / e)]))),
    ];

    private static (float[] Codes, int[] Labels) Codes(int n, int k)
    {
        var rng = new Rng(7);
        var codes = new float[n * k];
        var labels = new int[n];
        for (int i = 0; i < n; i++)
        {
            labels[i] = i % 3;
            for (int j = 0; j < k; j++) codes[i * k + j] = rng.NextNormal() + (j == labels[i] ? 3 : 0);
        }
        return (codes, labels);
    }

    private static (float[] Scores, int[] Labels) Scores()
    {
        var rng = new Rng(3);
        var labels = Enumerable.Range(0, 300).Select(i => i % 10 == 0 ? 1 : 0).ToArray();
        var scores = labels.Select(l => MathF.Abs(rng.NextNormal()) + 2f * l).ToArray();
        return (scores, labels);
    }

    public static IEnumerable<object[]> AllFigures() => new[] { "history", "latent", "units", "scores", "roc", "pr" }.Select(n => new object[] { n });

    private static Plot Make(string name)
    {
        var (codes, labels) = Codes(400, 5);
        var (scores, anomalies) = Scores();
        return name switch
        {
            "history" => Figures.History(History, "Training history: test"),
            "latent" => Figures.LatentMap(NamedProjection.Pca.Project(codes, 400, 5), labels, ["a", "b", "c"], "Latent map: test"),
            "units" => Figures.LatentUnits(codes, 400, 5, "Latent units: test"),
            "scores" => Figures.ScoreHistogram(scores, anomalies, 2.0, "squared error per sample", "Anomaly scores: test"),
            "roc" => Figures.Roc(scores, anomalies, "ROC: test"),
            "pr" => Figures.PrecisionRecall(scores, anomalies, "Precision-recall: test"),
            _ => throw new ArgumentException(name),
        };
    }

    [Theory]
    [MemberData(nameof(AllFigures))]
    public void GivenAFigure_PngAndSvgAreNonBlankImagesOfTheRequestedSize(string name)
    {
        var plot = Make(name);

        var png = PlotFiles.Png(plot, 640, 400);
        var svg = PlotFiles.Svg(plot, 640, 400);

        FigureChecks.AssertPng(png, 640, 400, name);
        FigureChecks.AssertSvg(svg, 640, 400, name);
    }

    [Fact]
    public void GivenTheMachinesFonts_AFontIsChosenAndNamed()
    {
        Assert.False(string.IsNullOrWhiteSpace(PlotFiles.FontName));
    }

    [Fact]
    public void GivenAFileName_SaveWritesTheFormatOfItsExtensionAndRefusesOthers()
    {
        using var dir = new Data.TempDir();
        var plot = Make("history");
        PlotFiles.Save(plot, dir.File("h.png"), 300, 200);
        PlotFiles.Save(plot, dir.File("h.SVG"), 300, 200);
        FigureChecks.AssertPng(File.ReadAllBytes(dir.File("h.png")), 300, 200, "h.png");
        FigureChecks.AssertSvg(File.ReadAllText(dir.File("h.SVG")), 300, 200, "h.svg");
        var e = Assert.Throws<ArgumentException>(() => PlotFiles.Save(plot, dir.File("h.jpg")));
        Assert.Contains("--out must name a .png or .svg file", e.Message);
        Assert.False(File.Exists(dir.File("h.jpg")));
    }

    [Fact]
    public void GivenNoEpochs_HistoryIsRefusedWithAReason()
    {
        var e = Assert.Throws<ArgumentException>(() => Figures.History([], "t"));
        Assert.Contains("closed form", e.Message);
    }
}
