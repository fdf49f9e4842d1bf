using Bottleneck.Anomaly;

namespace Bottleneck.Tests.Anomaly;

/// <summary>Per-step errors to per-point scores over overlapping windows, and the CSV forms.</summary>
public class StepErrorsTests
{
    [Fact]
    public void PointScoresAverageAndMaximiseOverTheWindowsCoveringEachPoint()
    {
        // Given 3 windows of 3 steps every 2 steps, 2 channels (window i, step t, channel c error = 10·i + t + c·0.5)
        var e = new float[3 * 3 * 2];
        for (int i = 0; i < 3; i++) for (int t = 0; t < 3; t++) for (int c = 0; c < 2; c++) e[(i * 3 + t) * 2 + c] = 10 * i + t + c * 0.5f;
        // When point scores are formed
        var (mean, max, windows) = StepErrors.PointScores(e, 3, 2, 2);
        // Then there are (3 − 1)·2 + 3 = 7 points; point 2 is step 2 of window 0 (2.25) and step 0 of window 1 (10.25)
        Assert.Equal(7, mean.Length);
        Assert.Equal([1, 1, 2, 1, 2, 1, 1], windows);
        Assert.Equal(0.25f, mean[0]);
        Assert.Equal((2.25f + 10.25f) / 2, mean[2], 5);
        Assert.Equal(10.25f, max[2]);
        Assert.Equal(22.25f, mean[6]);
        var w = new StringWriter();
        StepErrors.WritePointCsv(w, (mean, max, windows), [0, 0, 1, 0, 0, 0, 0]);
        var lines = w.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("point,line,score_mean,score_max,windows,label", lines[0].TrimEnd('\r'));
        Assert.Equal("2,4,6.25,10.25,2,1", lines[3].TrimEnd('\r'));
        Assert.Throws<ArgumentException>(() => StepErrors.PointScores(e, 4, 2, 2));
        Assert.Throws<ArgumentException>(() => StepErrors.PointScores(e, 3, 2, 0));
    }

    [Fact]
    public void WindowMaxGivesEachPointTheLargestScoreOfAWindowCoveringIt()
    {
        // Given the same 3 windows of 3 steps every 2 steps, 2 channels: window i's score (mean of its 6 errors) is 10·i + 1.25
        var e = new float[3 * 3 * 2];
        for (int i = 0; i < 3; i++) for (int t = 0; t < 3; t++) for (int c = 0; c < 2; c++) e[(i * 3 + t) * 2 + c] = 10 * i + t + c * 0.5f;
        // When each point takes the largest covering window score
        var wm = StepErrors.WindowMax(e, 3, 2, 2);
        // Then points 0–1 see window 0 only, point 2 windows 0 and 1, points 3–4 window 1 (and 4 also window 2), 5–6 window 2
        Assert.Equal([1.25f, 1.25f, 11.25f, 11.25f, 21.25f, 21.25f, 21.25f], wm);
        var (mean, max, windows) = StepErrors.PointScores(e, 3, 2, 2);
        var w = new StringWriter();
        StepErrors.WritePointCsv(w, (mean, max, windows), [0, 0, 1, 0, 0, 0, 0], wm);
        var lines = w.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("point,line,score_mean,score_max,windows,window_max,label", lines[0].TrimEnd('\r'));
        Assert.Equal("2,4,6.25,10.25,2,11.25,1", lines[3].TrimEnd('\r'));
        Assert.Throws<ArgumentException>(() => StepErrors.WritePointCsv(new StringWriter(), (mean, max, windows), null, [1f]));
        Assert.Throws<ArgumentException>(() => StepErrors.WindowMax(e, 3, 2, 0));
    }

    [Fact]
    public void StepCsvHasChannelColumnsForMultivariateWindows()
    {
        var w = new StringWriter();
        StepErrors.WriteCsv(w, new float[] { 1, 3, 2, 4 }, 2, 2, ["temp", "load"]);
        Assert.Equal(["row,step,error,error_temp,error_load", "1,0,2,1,3", "1,1,3,2,4"],
            w.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')));
    }
}
