using Bottleneck.Anomaly;
using Bottleneck.Data;
using Bottleneck.Tests.Data;

namespace Bottleneck.Tests.Anomaly;

public class EndToEndTests
{
    [SkippableFact]
    public void IonosphereUnsupervisedBeatsChance()
    {
        var path = SharedData.Find("odds/ionosphere.csv");
        Skip.If(path is null, "ODDS data not found (../shared/data/odds)");
        var data = CsvLoader.Load(path!, new CsvOptions("label"));
        var r = AnomalyProtocols.PyOdBenchmark(data, new ProtocolOptions(Seeds: 1, Epochs: 20, BatchSize: 32));
        Assert.True(r.RocAucMean > 0.5, $"ROC-AUC {r.RocAucMean}");
    }

    [Fact]
    public void StratifiedSplitKeepsEveryClassOnBothSides()
    {
        int[] strata = [.. Enumerable.Repeat(0, 90), .. Enumerable.Repeat(1, 8), 2, 2];
        var (train, test) = AnomalyProtocols.StratifiedSplit(strata, 0.4, 3);
        Assert.Equal(100, train.Length + test.Length);
        Assert.Empty(train.Intersect(test));
        Assert.Equal(36, test.Count(i => strata[i] == 0));
        Assert.Equal(3, test.Count(i => strata[i] == 1));
        Assert.Equal(1, test.Count(i => strata[i] == 2));
        Assert.Equal(test, AnomalyProtocols.StratifiedSplit(strata, 0.4, 3).Test);
    }
}
