using Bottleneck.Data;
using Bottleneck.Tests.Cli;

namespace Bottleneck.Tests.Data;

/// <summary>series:FILE sliding windows, the time-ordered split and their errors.</summary>
public class SeriesDataTests
{
    private static string Write(TempDir dir, string body, string name = "s.csv") => dir.Write(name, "time,a,b,label\n" + body);

    private const string Six = "1,10,100,0\n2,11,101,0\n3,12,102,1\n4,13,103,0\n5,14,104,0\n6,15,105,0\n";

    [Fact]
    public void WindowsAreTimeMajorAndALabelledPointMarksEveryWindowHoldingIt()
    {
        using var dir = new TempDir();
        var path = Write(dir, Six);
        // When the series is cut into windows of 3 steps every 2 steps
        var spec = DataSpec.Parse($"series:{path}:time=time:label=label:window=3,stride=2");
        var d = spec.Load("test");
        // Then windows start at rows 0 and 2, hold both channels per step, and both hold the labelled row 2
        Assert.Equal(new SequenceShape(3, 2), d.Sequence);
        Assert.Equal(2, d.Rows);
        Assert.Equal([10f, 100f, 11f, 101f, 12f, 102f, 12f, 102f, 13f, 103f, 14f, 104f], d.Features);
        Assert.Equal([1, 1], d.Labels!);
        Assert.Equal("a@t0", d.FeatureNames![0]);
        Assert.Equal($"series:{path}:time=time:label=label:window=3,stride=2", spec.ToString());
        // and columns= picks channels
        var one = DataSpec.Parse($"series:{path}:columns=b:time=time:window=2").Load("test");
        Assert.Equal(new SequenceShape(2, 1), one.Sequence);
        Assert.Equal(5, one.Rows);
        Assert.Null(one.Labels);
    }

    [Fact]
    public void TheTimeOrderedSplitCutsOnlyTheTrainingPart()
    {
        using var dir = new TempDir();
        var path = Write(dir, Six);
        var byTime = DataSpec.Parse($"series:{path}:time=time:label=label:window=2:until=4");
        Assert.Equal(3, byTime.Load("train").Rows);    // windows ending at rows with time 2, 3, 4
        Assert.Equal(5, byTime.Load("test").Rows);     // scoring sees every window
        var byFraction = DataSpec.Parse($"series:{path}:columns=a:window=2:until=0.5");
        Assert.Equal(2, byFraction.Load("train").Rows); // rows 0..2
        var stamps = dir.Write("t.csv", "timestamp,value\n2014-01-01 00:00:00,1\n2014-01-01 00:05:00,2\n2014-01-01 00:10:00,3\n");
        Assert.Equal(1, DataSpec.Parse($"series:{stamps}:time=timestamp:window=2:until=2014-01-01 00:05:00").Load("train").Rows);
    }

    [Theory]
    [InlineData("1,10,100,0\n2,,101,0\n", "window=1", "row 3, column \"a\": missing value")]
    [InlineData("1,10,100,0\n2,x,101,0\n", "window=1", "row 3, column \"a\": cannot read \"x\" as a number")]
    [InlineData("1,10,100,0\n1,11,101,0\n", "window=1", "row 3, column \"time\": time \"1\" is not after the previous row's")]
    [InlineData("1,10,100,0\nnoon,11,101,0\n", "window=1", "row 3, column \"time\": cannot read \"noon\" as a time")]
    [InlineData("1,10,100,0\n2,11,101,0\n", "window=3", "the window of 3 steps is longer than the series (2 rows)")]
    [InlineData("1,10,100,0\n2,11,101,0\n", "columns=c:window=1", "value column \"c\" not found")]
    [InlineData("1,10,100,0\n2,11,101,yes\n", "window=1", "label \"yes\" is not a number")]
    public void BadSeriesAreErrorsNamingFileRowAndColumn(string body, string options, string expected)
    {
        using var dir = new TempDir();
        var path = Write(dir, body);
        var e = Assert.Throws<DataException>(() => DataSpec.Parse($"series:{path}:time=time:label=label:{options}").Load("test"));
        Assert.Contains(path, e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Theory]
    [InlineData("series:x.csv", "series needs :window=W")]
    [InlineData("series:x.csv:window=0", "window= needs a positive number of steps")]
    [InlineData("series:x.csv:window=4,step=2", "optional ,stride=S")]
    [InlineData("series:x.csv:window=4:every=2", "unknown series option \"every=2\"")]
    public void MalformedSpecsListTheForms(string spec, string expected)
    {
        var e = Assert.Throws<DataException>(() => DataSpec.Parse(spec));
        Assert.Contains(expected, e.Message);
        Assert.Contains("series:FILE", e.Message);
    }

    [Fact]
    public async Task TrainUntilTrainsOnThePastAndDetectScoresEveryWindow()
    {
        using var dir = new TempDir();
        var rows = Enumerable.Range(0, 200).Select(i => $"{i},{MathF.Sin(i * 0.3f):R},{(i >= 170 && i < 175 ? 1 : 0)}");
        var path = dir.Write("m.csv", "time,value,label\n" + string.Join("\n", rows) + "\n");
        var spec = $"series:{path}:time=time:label=label:window=16,stride=4";
        var h = new CliHarness();
        int code = await h.Run("train", "--kind", "gru", "--data", spec, "--train-until", "100", "--hidden", "8", "--latent", "2", "--epochs", "1", "--out", dir.File("m"));
        Assert.True(code == 0, h.Stdout + h.Stderr);
        Assert.Contains("22 x 16", h.Stdout);   // windows ending at or before time 100: starts 0, 4, …, 84
        h = new CliHarness();
        code = await h.Run("detect", "--model", dir.File("m"), "--data", spec, "--out", dir.File("s.csv"), "--per-point", dir.File("p.csv"));
        Assert.True(code == 0, h.Stdout + h.Stderr);
        Assert.Equal(47 + 1, File.ReadAllLines(dir.File("s.csv")).Length);
        var points = File.ReadAllLines(dir.File("p.csv"));
        Assert.Equal(46 * 4 + 16 + 1, points.Length);                       // every point the 47 windows cover, plus the header
        Assert.Equal("170,172", string.Join(",", points[171].Split(',').Take(2)));
        Assert.EndsWith(",1", points[171]);                                  // its own label
        Assert.Contains("point-wise ROC-AUC", h.Stdout);
        h = new CliHarness();
        h.AssertUsageError(await h.Run("detect", "--model", dir.File("m"), "--data", $"sequences:{path}", "--per-point", dir.File("q.csv")),
            "--per-point needs series: data");
        h = new CliHarness();
        h.AssertUsageError(await h.Run("train", "--data", $"csv:{path}", "--train-until", "0.5", "--out", dir.File("n")), "--train-until applies to series: data");
        h = new CliHarness();
        h.AssertUsageError(await h.Run("detect", "--model", dir.File("m"), "--data", $"series:{path}:time=time:columns=value,label:window=16"),
            "has sequences of 16 steps x 2 channels, the model expects 16 steps x 1 channel");
    }

    [Fact]
    public async Task MultivariateWindowsGetAnErrorColumnPerChannel()
    {
        // Given a two-channel series (temperature and load) and an lstm trained on its windows
        using var dir = new TempDir();
        var rows = Enumerable.Range(0, 120).Select(i => $"{i},{MathF.Sin(i * 0.2f):R},{MathF.Cos(i * 0.1f):R}");
        var path = dir.Write("m.csv", "time,temp,load\n" + string.Join("\n", rows) + "\n");
        var spec = $"series:{path}:time=time:window=10,stride=5";
        var h = new CliHarness();
        int code = await h.Run("train", "--kind", "lstm", "--data", spec, "--hidden", "8", "--latent", "3", "--epochs", "1", "--out", dir.File("m"));
        Assert.True(code == 0, h.Stdout + h.Stderr);
        Assert.Contains("lstm (10, 2) -> 3 -> (10, 2)", h.Stdout);
        // When detect writes per-step errors
        h = new CliHarness();
        code = await h.Run("detect", "--model", dir.File("m"), "--data", spec, "--per-step", dir.File("steps.csv"));
        Assert.True(code == 0, h.Stdout + h.Stderr);
        // Then each step line has the mean and one column per channel, named after the series columns
        var lines = File.ReadAllLines(dir.File("steps.csv"));
        Assert.Equal("row,step,error,error_temp,error_load", lines[0]);
        var f = lines[1].Split(',').Skip(2).Select(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal((f[1] + f[2]) / 2, f[0], 5);
        Assert.Equal(23 * 10 + 1, lines.Length);
    }
}
