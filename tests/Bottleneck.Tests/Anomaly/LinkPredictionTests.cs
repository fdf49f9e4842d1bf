using System.Text.Json;
using Bottleneck.Anomaly;

namespace Bottleneck.Tests.Anomaly;

/// <summary>Link-prediction scores and metrics against scikit-learn (Fixtures/sklearn/link_fixtures.json, make_link_fixtures.py).</summary>
public class LinkPredictionTests
{
    [Fact]
    public void RocAucAndApOfInnerProductScoresMatchScikitLearn()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "sklearn", "link_fixtures.json")));
        var f = doc.RootElement;
        var z = f.GetProperty("z").EnumerateArray().Select(e => (float)e.GetDouble()).ToArray();
        (int[], int[]) Pairs(string name)
        {
            var p = f.GetProperty(name).EnumerateArray().Select(e => (e[0].GetInt32(), e[1].GetInt32())).ToArray();
            return (p.Select(x => x.Item1).ToArray(), p.Select(x => x.Item2).ToArray());
        }
        var pos = Pairs("pos");
        var neg = Pairs("neg");
        var scores = Bottleneck.Models.Graph.GraphAutoencoder.LinkProbabilities(z, 3, pos.Item1, pos.Item2)
            .Concat(Bottleneck.Models.Graph.GraphAutoencoder.LinkProbabilities(z, 3, neg.Item1, neg.Item2)).ToArray();
        var expected = f.GetProperty("scores").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], scores[i], 6);
        var r = LinkPrediction.Score(z, 3, pos, neg);
        Assert.Equal(f.GetProperty("roc_auc").GetDouble(), r.RocAuc, 12);
        Assert.Equal(f.GetProperty("ap").GetDouble(), r.AveragePrecision, 12);
        Assert.Equal((7, 8), (r.Positives, r.Negatives));
        Assert.Throws<ArgumentException>(() => LinkPrediction.Score(z, 3, ([], []), neg));
    }
}
