using System.Globalization;
using Bottleneck.Tests.Data;

namespace Bottleneck.Tests.Cli;

/// <summary>detect --error mahalanobis|mahalanobis-diagonal on a sequence model: the Gaussian of the training rows' |x − x̂| vectors,
/// fitted at detect time, through the real command pipeline.</summary>
public class CliMahalanobisTests
{
    /// <summary>A UCR-style file: class 1 = sine beats, class 2 = beats with a spike at step 12.</summary>
    private static string WriteBeats(TempDir dir, int normal = 40, int anomalous = 8)
    {
        var rng = new Bottleneck.Tensors.Rng(4);
        var lines = new List<string>();
        for (int i = 0; i < normal + anomalous; i++)
        {
            bool bad = i >= normal;
            float phase = rng.Uniform(0f, 0.5f);
            var v = Enumerable.Range(0, 20).Select(t => MathF.Sin(0.4f * t + phase) + (bad && t == 12 ? 4f : 0f));
            lines.Add((bad ? "2 " : "1 ") + string.Join(" ", v.Select(x => x.ToString("R", CultureInfo.InvariantCulture))));
        }
        return dir.Write("beats.txt", string.Join("\n", lines) + "\n");
    }

    [Theory]
    [InlineData("mahalanobis", "20×20 covariance, Ledoit–Wolf shrinkage")]
    [InlineData("mahalanobis-diagonal", "20 variances (diagonal)")]
    public async Task Detect_FitsTheErrorGaussianOnTheTrainingRowsAndRanksTheSpikedBeatsFirst(string score, string described)
    {
        // Given an lstm trained on the normal beats
        using var dir = new TempDir();
        var beats = WriteBeats(dir);
        var h = new CliHarness();
        int code = await h.Run("train", "--kind", "lstm", "--data", $"sequences:{beats}:label=0", "--normal-only", "0=1", "--hidden", "16",
            "--latent", "4", "--epochs", "3", "--batch-size", "16", "--out", dir.File("m"));
        Assert.True(code == 0, h.Stdout + h.Stderr);
        // When every beat is scored by the Mahalanobis distance of its error vector, with per-step shares
        h = new CliHarness();
        code = await h.Run("detect", "--model", dir.File("m"), "--data", $"sequences:{beats}:label=0", "--normal", "1", "--error", score,
            "--out", dir.File("scores.csv"), "--per-step", dir.File("steps.csv"));
        Assert.True(code == 0, h.Stdout + h.Stderr);
        // Then the Gaussian was fitted on the 40 normal training beats, the threshold is in its units, and the spiked beats rank first
        Assert.Contains("error model  Gaussian of |x − x̂| fitted on the training data (rows with", h.Stdout);
        Assert.Contains(described, h.Stdout);
        Assert.Contains($"({score} score > threshold)", h.Stdout);
        var scores = File.ReadAllLines(dir.File("scores.csv")).Skip(1).Select(l => l.Split(','))
            .ToDictionary(f => int.Parse(f[0], CultureInfo.InvariantCulture), f => double.Parse(f[1], CultureInfo.InvariantCulture));
        double lowestSpiked = scores.Where(s => s.Key > 40).Min(s => s.Value), highestNormal = scores.Where(s => s.Key <= 40).Max(s => s.Value);
        Assert.True(lowestSpiked > highestNormal, $"spiked beats from {lowestSpiked}, normal up to {highestNormal}");
        // and each beat's per-step shares average to its score (for the diagonal Gaussian the spike's step holds the largest)
        foreach (var group in File.ReadAllLines(dir.File("steps.csv")).Skip(1).Select(l => l.Split(',')).GroupBy(f => int.Parse(f[0], CultureInfo.InvariantCulture)))
        {
            var e = group.Select(f => double.Parse(f[2], CultureInfo.InvariantCulture)).ToArray();
            Assert.True(Math.Abs(scores[group.Key] - e.Average()) <= 1e-3 * Math.Max(1, scores[group.Key]), $"beat {group.Key}: {scores[group.Key]} vs {e.Average()}");
            if (score == "mahalanobis-diagonal" && group.Key > 40) Assert.Equal(12, Array.IndexOf(e, e.Max()));
        }
    }

    [Fact]
    public async Task Detect_PaddedSequencesWithTheMahalanobisScore_IsAOneLineError()
    {
        using var dir = new TempDir();
        var ragged = dir.Write("ragged.txt", "1 2 3 4\n2 3 4\n1 2 3 4\n3 2 1 0\n");
        var h = new CliHarness();
        int code = await h.Run("train", "--kind", "lstm", "--data", $"sequences:{ragged}:pad", "--hidden", "4", "--latent", "2", "--epochs", "1", "--out", dir.File("m"));
        Assert.True(code == 0, h.Stdout + h.Stderr);
        h = new CliHarness();
        code = await h.Run("detect", "--model", dir.File("m"), "--data", $"sequences:{ragged}:pad", "--error", "mahalanobis", "--threshold", "1");
        Assert.Equal(2, code);
        Assert.Contains("padded", h.Stderr);
        Assert.DoesNotContain("   at ", h.Stderr);
    }
}
