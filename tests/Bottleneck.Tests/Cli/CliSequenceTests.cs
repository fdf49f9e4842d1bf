using System.Globalization;
using Bottleneck.Tests.Data;

namespace Bottleneck.Tests.Cli;

/// <summary>train --kind lstm|gru on sequences:FILE and detect with --per-step, through the real command pipeline.</summary>
public class CliSequenceTests
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
    [InlineData("lstm", "repeat")]
    [InlineData("gru", "autoregressive")]
    public async Task TrainsOnNormalSequencesAndLocalisesTheSpikePerStep(string kind, string decoder)
    {
        // Given labelled beats and a model trained on the normal ones
        using var dir = new TempDir();
        var beats = WriteBeats(dir);
        var h = new CliHarness();
        int code = await h.Run("train", "--kind", kind, "--data", $"sequences:{beats}:label=0", "--normal-only", "0=1", "--hidden", "16",
            "--latent", "4", "--decoder", decoder, "--epochs", "3", "--batch-size", "16", "--out", dir.File("m"));
        Assert.True(code == 0, h.Stdout + h.Stderr);
        Assert.Contains($"{kind} (20, 1) -> 4 -> (20, 1), 1 layer of 16, last pooling, {decoder} decoder, linear-mse", h.Stdout);
        // When every beat is scored with per-step errors
        h = new CliHarness();
        code = await h.Run("detect", "--model", dir.File("m"), "--data", $"sequences:{beats}:label=0", "--out", dir.File("scores.csv"),
            "--per-step", dir.File("steps.csv"));
        Assert.True(code == 0, h.Stdout + h.Stderr);
        // Then there are 20 step lines per beat, and each beat's step errors average to its score
        var scores = File.ReadAllLines(dir.File("scores.csv")).Skip(1).Select(l => l.Split(','))
            .ToDictionary(f => int.Parse(f[0], CultureInfo.InvariantCulture), f => double.Parse(f[1], CultureInfo.InvariantCulture));
        var steps = File.ReadAllLines(dir.File("steps.csv"));
        Assert.Equal("row,step,error", steps[0]);
        Assert.Equal(48 * 20, steps.Length - 1);
        foreach (var group in steps.Skip(1).Select(l => l.Split(',')).GroupBy(f => int.Parse(f[0], CultureInfo.InvariantCulture)))
        {
            var e = group.Select(f => double.Parse(f[2], CultureInfo.InvariantCulture)).ToArray();
            Assert.Equal(20, e.Length);
            Assert.Equal(scores[group.Key], e.Average(), 4);
            if (group.Key > 40) Assert.Equal(12, Array.IndexOf(e, e.Max()));   // the spike is where the error peaks
        }
        Assert.Contains("per-step    written to", h.Stdout);
    }

    [Fact]
    public async Task SequenceKindsRefuseDataThatIsNotSequencesAndAListOfHiddenWidths()
    {
        using var dir = new TempDir();
        var csv = dir.Write("rows.csv", "a,b\n1,2\n3,4\n5,6\n");
        var h = new CliHarness();
        h.AssertUsageError(await h.Run("train", "--kind", "lstm", "--data", $"csv:{csv}", "--epochs", "1", "--out", dir.File("m")),
            "--kind lstm needs sequence data (sequences:FILE)");
        Assert.False(Directory.Exists(dir.File("m")));
        h = new CliHarness();
        h.AssertUsageError(await h.Run("train", "--kind", "gru", "--data", $"sequences:{WriteBeats(dir)}", "--hidden", "64,32", "--out", dir.File("m")),
            "--kind gru takes one hidden size");
        h = new CliHarness();
        h.AssertUsageError(await h.Run("train", "--kind", "lstm", "--data", $"sequences:{WriteBeats(dir)}", "--layers", "0", "--out", dir.File("m")));
    }

    [Fact]
    public async Task PerStepNeedsASequenceModelAndSequencesOfItsLength()
    {
        using var dir = new TempDir();
        var beats = WriteBeats(dir);
        var h = new CliHarness();
        Assert.Equal(0, await h.Run("train", "--data", $"sequences:{beats}:label=0", "--hidden", "8", "--latent", "2", "--epochs", "1", "--out", dir.File("dense")));
        h = new CliHarness();
        h.AssertUsageError(await h.Run("detect", "--model", dir.File("dense"), "--data", $"sequences:{beats}:label=0", "--per-step", dir.File("s.csv")),
            "--per-step needs a sequence model");
        h = new CliHarness();
        h.AssertUsageError(await h.Run("detect", "--model", dir.File("dense"), "--data", $"sequences:{beats}:label=0", "--per-step", dir.File("no/such/s.csv")),
            "--per-step", "does not exist");
        h = new CliHarness();
        Assert.Equal(0, await h.Run("train", "--kind", "gru", "--data", $"sequences:{beats}:label=0", "--hidden", "8", "--latent", "2", "--epochs", "1", "--out", dir.File("gru")));
        var shorter = dir.Write("short.txt", "1 0.1 0.2 0.3\n2 0.3 0.2 0.1\n");
        h = new CliHarness();
        h.AssertUsageError(await h.Run("detect", "--model", dir.File("gru"), "--data", $"sequences:{shorter}:label=0"),
            "has sequences of 3 steps x 1 channel, the model expects 20 steps x 1 channel");
        Assert.False(File.Exists(dir.File("s.csv")));
    }
}

/// <summary>train --kind transformer (masked autoencoder) and detect --per-step.</summary>
public class CliTransformerTests
{
    [Fact]
    public async Task TrainsAMaskedTransformerAndWritesPerStepErrors()
    {
        using var dir = new TempDir();
        var lines = Enumerable.Range(0, 30).Select(i => "1 " + string.Join(" ", Enumerable.Range(0, 12).Select(t =>
            MathF.Sin(0.5f * t + i * 0.1f).ToString("R", CultureInfo.InvariantCulture))));
        var beats = dir.Write("b.txt", string.Join("\n", lines) + "\n");
        var h = new CliHarness();
        int code = await h.Run("train", "--kind", "transformer", "--data", $"sequences:{beats}:label=0", "--hidden", "8", "--heads", "2",
            "--layers", "1", "--latent", "3", "--mask-ratio", "0.25", "--epochs", "2", "--out", dir.File("t"));
        Assert.True(code == 0, h.Stdout + h.Stderr);
        Assert.Contains("transformer (12, 1) -> 3 -> (12, 1), 1+1 layers of width 8, 2 heads, feed-forward 16, masked autoencoder (ratio 0.25)", h.Stdout);
        h = new CliHarness();
        code = await h.Run("detect", "--model", dir.File("t"), "--data", $"sequences:{beats}:label=0", "--normal", "1", "--per-step", dir.File("s.csv"));
        Assert.True(code == 0, h.Stdout + h.Stderr);
        Assert.Equal(30 * 12 + 1, File.ReadAllLines(dir.File("s.csv")).Length);
        h = new CliHarness();
        h.AssertUsageError(await h.Run("train", "--kind", "transformer", "--data", $"sequences:{beats}", "--hidden", "10", "--heads", "4", "--out", dir.File("u")),
            "--heads must divide the model width 10, got 4");
        h = new CliHarness();
        h.AssertUsageError(await h.Run("train", "--kind", "lstm", "--data", $"sequences:{beats}", "--mask-ratio", "0.2", "--out", dir.File("u")),
            "--mask-ratio");
    }
}
