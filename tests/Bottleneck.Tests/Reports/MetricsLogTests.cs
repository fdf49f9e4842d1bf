using System.Text.Json;
using Bottleneck.Training;

namespace Bottleneck.Tests.Reports;

public class MetricsLogTests
{
    private static EpochRecord Epoch(int e, double? val = 2.5) =>
        new(e, "train", 10.0 / e, val, 1e-3, 1.25, new LossTermValues([new("reconstruction", 8.0 / e), new("kl", 2.0 / e)]));

    [Fact]
    public void GivenAnEpoch_TheLineIsOneJsonObjectWithEveryValue()
    {
        var line = MetricsLog.Line(Epoch(2), new DateTime(2026, 11, 30, 7, 0, 0, DateTimeKind.Utc));
        Assert.DoesNotContain('\n', line);
        using var doc = JsonDocument.Parse(line);
        var r = doc.RootElement;
        Assert.Equal("train", r.GetProperty("stage").GetString());
        Assert.Equal(2, r.GetProperty("epoch").GetInt32());
        Assert.Equal(5.0, r.GetProperty("loss").GetDouble());
        Assert.Equal(4.0, r.GetProperty("terms").GetProperty("reconstruction").GetDouble());
        Assert.Equal(1.0, r.GetProperty("terms").GetProperty("kl").GetDouble());
        Assert.Equal(2.5, r.GetProperty("validationLoss").GetDouble());
        Assert.Equal(1e-3, r.GetProperty("learningRate").GetDouble());
        Assert.Equal(1.25, r.GetProperty("seconds").GetDouble());
        Assert.Equal("2026-11-30T07:00:00Z", r.GetProperty("time").GetString());
        Assert.False(JsonDocument.Parse(MetricsLog.Line(Epoch(1, null))).RootElement.TryGetProperty("validationLoss", out _));
        Assert.Equal("NaN", JsonDocument.Parse(MetricsLog.Line(Epoch(1) with { TrainLoss = double.NaN })).RootElement.GetProperty("loss").GetString());
    }

    [Fact]
    public void GivenProgressReports_TheTeeAppendsFinishedEpochsOnlyAndForwardsEverything()
    {
        using var dir = new Data.TempDir();
        string path = Path.Combine(dir.Path, "out", MetricsLog.FileName);
        File.WriteAllText(dir.File("stale"), "");
        var forwarded = new List<TrainingProgress>();
        var log = new MetricsLog(path);
        var tee = log.Tee(new Progress(forwarded));

        tee.Report(new TrainingProgress(1, 3, 5, 10, 9.0, null));
        Assert.False(File.Exists(path));
        tee.Report(new TrainingProgress(1, 3, 10, 10, 10.0, Epoch(1)));
        tee.Report(new TrainingProgress(2, 3, 10, 10, 5.0, Epoch(2)));

        var lines = File.ReadAllLines(path);
        Assert.Equal(2, lines.Length);
        Assert.Equal(2, JsonDocument.Parse(lines[1]).RootElement.GetProperty("epoch").GetInt32());
        Assert.Equal(3, forwarded.Count);

        // A fresh run replaces the file at its first epoch; a resumed one appends
        new MetricsLog(path).Append(Epoch(1));
        Assert.Single(File.ReadAllLines(path));
        new MetricsLog(path, append: true).Append(Epoch(2));
        Assert.Equal(2, File.ReadAllLines(path).Length);
    }

    [Fact]
    public void GivenAHistory_WriteReplacesTheFileWithOneLinePerEpoch()
    {
        using var dir = new Data.TempDir();
        string path = dir.File(MetricsLog.FileName);
        File.WriteAllText(path, "old\nold\nold\nold\n");
        MetricsLog.Write(path, [Epoch(1), Epoch(2), Epoch(3)]);
        var lines = File.ReadAllLines(path);
        Assert.Equal([1, 2, 3], lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("epoch").GetInt32()));
    }

    private sealed class Progress(List<TrainingProgress> into) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => into.Add(value);
    }
}
