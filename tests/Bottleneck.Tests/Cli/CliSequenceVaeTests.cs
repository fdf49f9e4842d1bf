using System.Globalization;
using Bottleneck.Tests.Data;

namespace Bottleneck.Tests.Cli;

/// <summary>The LSTM-VAE through the commands: train --kind lstm --variational, detect --score neg-elbo.</summary>
public class CliSequenceVaeTests
{
    [Fact]
    public async Task AnLstmVaeIsScoredByTheNegativeElboAndAPlainLstmIsRefusedIt()
    {
        // Given sine beats (class 1) and beats with a spike (class 2)
        using var dir = new TempDir();
        var rng = new Bottleneck.Tensors.Rng(2);
        var lines = Enumerable.Range(0, 36).Select(i =>
        {
            float phase = rng.Uniform(0f, 0.5f);
            var v = Enumerable.Range(0, 16).Select(t => MathF.Sin(0.4f * t + phase) + (i >= 30 && t == 8 ? 4f : 0f));
            return (i >= 30 ? "2 " : "1 ") + string.Join(" ", v.Select(x => x.ToString("R", CultureInfo.InvariantCulture)));
        });
        var beats = dir.Write("beats.txt", string.Join("\n", lines) + "\n");
        string spec = $"sequences:{beats}:label=0";
        // When an LSTM-VAE is trained on the normal beats and scores every beat by −ELBO
        var h = new CliHarness();
        int code = await h.Run("train", "--kind", "lstm", "--variational", "--data", spec, "--normal-only", "0=1", "--hidden", "8", "--latent", "2",
            "--epochs", "2", "--batch-size", "8", "--out", dir.File("vae"));
        Assert.True(code == 0, h.Stdout + h.Stderr);
        Assert.Contains("Gaussian latent", h.Stdout);
        h = new CliHarness();
        code = await h.Run("detect", "--model", dir.File("vae"), "--data", spec, "--score", "neg-elbo", "--out", dir.File("scores.csv"));
        // Then every beat has a finite score
        Assert.True(code == 0, h.Stdout + h.Stderr);
        var scores = File.ReadAllLines(dir.File("scores.csv")).Skip(1).Select(l => double.Parse(l.Split(',')[1], CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(36, scores.Length);
        Assert.All(scores, s => Assert.True(double.IsFinite(s)));
        // and a plain lstm asked for −ELBO is a usage error
        h = new CliHarness();
        Assert.Equal(0, await h.Run("train", "--kind", "lstm", "--data", spec, "--hidden", "8", "--latent", "2", "--epochs", "1", "--out", dir.File("plain")));
        h = new CliHarness();
        h.AssertUsageError(await h.Run("detect", "--model", dir.File("plain"), "--data", spec, "--score", "neg-elbo", "--out", dir.File("s2.csv")),
            "needs a variational model");
    }
}
