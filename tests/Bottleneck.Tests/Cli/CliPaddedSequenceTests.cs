using System.Globalization;
using Bottleneck.Tests.Data;

namespace Bottleneck.Tests.Cli;

/// <summary>Variable-length sequences through the commands: sequences:FILE:pad in train, detect, encode and reconstruct.</summary>
public class CliPaddedSequenceTests
{
    /// <summary>Beats of 12–20 steps, class first: 1 = sine, 2 = a spike at step 6.</summary>
    private static (string Path, int[] Lengths) WriteRagged(TempDir dir, int normal = 30, int anomalous = 6, int maxLength = 20, string name = "ragged.txt")
    {
        var rng = new Bottleneck.Tensors.Rng(8);
        var lines = new List<string>();
        var lengths = new List<int>();
        for (int i = 0; i < normal + anomalous; i++)
        {
            bool bad = i >= normal;
            int l = 12 + i % (maxLength - 11);
            float phase = rng.Uniform(0f, 0.5f);
            var v = Enumerable.Range(0, l).Select(t => MathF.Sin(0.4f * t + phase) + (bad && t == 6 ? 4f : 0f));
            lines.Add((bad ? "2 " : "1 ") + string.Join(" ", v.Select(x => x.ToString("R", CultureInfo.InvariantCulture))));
            lengths.Add(l);
        }
        return (dir.Write(name, string.Join("\n", lines) + "\n"), lengths.ToArray());
    }

    [Fact]
    public async Task AnLstmVaeScoresPaddedSequencesByTheNegativeElbo()
    {
        // Given ragged beats read with :pad and an LSTM-VAE trained on the normal ones
        using var dir = new TempDir();
        var (beats, _) = WriteRagged(dir);
        string spec = $"sequences:{beats}:label=0:pad";
        var h = new CliHarness();
        int code = await h.Run("train", "--kind", "lstm", "--variational", "--data", spec, "--normal-only", "0=1", "--hidden", "8", "--latent", "3",
            "--epochs", "2", "--batch-size", "8", "--out", dir.File("vae"));
        Assert.True(code == 0, h.Stdout + h.Stderr);
        // When every beat is scored by the negative ELBO (the padding ignored by the encoder and the reconstruction term)
        h = new CliHarness();
        code = await h.Run("detect", "--model", dir.File("vae"), "--data", spec, "--score", "neg-elbo", "--out", dir.File("scores.csv"));
        // Then it scores every beat with a finite score in the threshold's units
        Assert.True(code == 0, h.Stdout + h.Stderr);
        Assert.Contains("(neg-elbo score > threshold)", h.Stdout);
        var scores = File.ReadAllLines(dir.File("scores.csv")).Skip(1).Select(l => double.Parse(l.Split(',')[1], CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(36, scores.Length);
        Assert.All(scores, v => Assert.True(double.IsFinite(v)));
    }

    [Fact]
    public async Task TrainsDetectsEncodesAndReconstructsPaddedSequencesOverTheirRealStepsOnly()
    {
        // Given ragged beats read with :pad and an lstm trained on the normal ones
        using var dir = new TempDir();
        var (beats, lengths) = WriteRagged(dir);
        string spec = $"sequences:{beats}:label=0:pad";
        var h = new CliHarness();
        int code = await h.Run("train", "--kind", "lstm", "--data", spec, "--normal-only", "0=1", "--hidden", "8", "--latent", "3",
            "--epochs", "2", "--batch-size", "8", "--out", dir.File("m"));
        Assert.True(code == 0, h.Stdout + h.Stderr);
        Assert.Contains("lstm (20, 1) -> 3 -> (20, 1)", h.Stdout);
        // When every beat is scored with per-step errors
        h = new CliHarness();
        code = await h.Run("detect", "--model", dir.File("m"), "--data", spec, "--out", dir.File("scores.csv"), "--per-step", dir.File("steps.csv"));
        Assert.True(code == 0, h.Stdout + h.Stderr);
        // Then each beat has one step line per real step, and they average to its score
        var scores = File.ReadAllLines(dir.File("scores.csv")).Skip(1).Select(l => l.Split(','))
            .ToDictionary(f => int.Parse(f[0], CultureInfo.InvariantCulture), f => double.Parse(f[1], CultureInfo.InvariantCulture));
        var groups = File.ReadAllLines(dir.File("steps.csv")).Skip(1).Select(l => l.Split(','))
            .GroupBy(f => int.Parse(f[0], CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(lengths.Length, groups.Length);
        foreach (var g in groups)
        {
            var e = g.Select(f => double.Parse(f[2], CultureInfo.InvariantCulture)).ToArray();
            Assert.Equal(lengths[g.Key - 1], e.Length);
            Assert.Equal(scores[g.Key], e.Average(), 4);
        }
        // and reconstruct writes each beat trimmed to its length (label + L values, then empty cells), encode one code per beat
        h = new CliHarness();
        code = await h.Run("reconstruct", "--model", dir.File("m"), "--data", spec, "--out", dir.File("rec.csv"));
        Assert.True(code == 0, h.Stdout + h.Stderr);
        var rec = File.ReadAllLines(dir.File("rec.csv"));
        Assert.Equal(1 + 20, rec[0].Split(',').Length);
        for (int i = 0; i < lengths.Length; i++)
        {
            var cells = rec[i + 1].Split(',');
            Assert.Equal(1 + 20, cells.Length);
            Assert.Equal(1 + lengths[i], cells.Count(c => c.Length > 0));
            Assert.All(cells.Skip(1 + lengths[i]), c => Assert.Empty(c));
        }
        h = new CliHarness();
        Assert.Equal(0, await h.Run("encode", "--model", dir.File("m"), "--data", spec, "--out", dir.File("codes.csv")));
        Assert.Equal(1 + lengths.Length, File.ReadAllLines(dir.File("codes.csv")).Length);
        // export writes the ONNX graph and says it has no mask input (it reconstructs every step it is given)
        h = new CliHarness();
        Assert.True(await h.Run("export", "--model", dir.File("m"), "--out", dir.File("m.onnx")) == 0, h.Stdout + h.Stderr);
        Assert.True(File.Exists(dir.File("m.onnx")));
        Assert.Contains("trained on padded sequences", h.Stderr);
        Assert.Contains("no mask input", h.Stderr);
        // a shorter padded file is padded to the model's 20 steps; a longer one is an error naming the row
        var (shortFile, _) = WriteRagged(dir, 4, 0, 15, "short.txt");
        h = new CliHarness();
        Assert.True(await h.Run("detect", "--model", dir.File("m"), "--data", $"sequences:{shortFile}:label=0:pad", "--out", dir.File("s2.csv")) == 0, h.Stderr);
        var longFile = dir.Write("long.txt", "1 " + string.Join(" ", Enumerable.Repeat("0.5", 25)) + "\n1 0.1 0.2\n");
        h = new CliHarness();
        h.AssertUsageError(await h.Run("detect", "--model", dir.File("m"), "--data", $"sequences:{longFile}:label=0:pad", "--out", dir.File("s3.csv")),
            "row 1 has 25 steps, the model takes at most 20");
    }

    [Fact]
    public async Task RaggedDataWithoutPadAndKindsThatCannotIgnorePaddingAreUsageErrors()
    {
        using var dir = new TempDir();
        var (beats, _) = WriteRagged(dir);
        var h = new CliHarness();
        h.AssertUsageError(await h.Run("train", "--kind", "lstm", "--data", $"sequences:{beats}:label=0", "--epochs", "1", "--out", dir.File("m")),
            "add :pad to the spec");
        h = new CliHarness();
        h.AssertUsageError(await h.Run("train", "--kind", "gru", "--bidirectional", "--data", $"sequences:{beats}:label=0:pad", "--epochs", "1", "--out", dir.File("t")),
            "cannot ignore padded steps");
        Assert.False(Directory.Exists(dir.File("t")));
    }
}
