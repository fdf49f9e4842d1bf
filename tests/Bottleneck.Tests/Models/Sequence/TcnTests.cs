using Bottleneck.Autograd;
using Bottleneck.Models;
using Bottleneck.Models.Sequence;
using Bottleneck.NN;
using Bottleneck.Tensors;
using Bottleneck.Tests.Cli;
using Bottleneck.Tests.Data;

namespace Bottleneck.Tests.Models.Sequence;

/// <summary>The temporal convolutional autoencoder: shapes, the causal encoder, the receptive field, the CLI.</summary>
public class TcnTests
{
    [Fact]
    public void TheEncoderIsCausalAndItsReceptiveFieldIsAsConfigured()
    {
        var config = new TcnConfig(12, 2, 3, [5, 6], 3, [1, 2]);
        Assert.Equal(1 + 2 * 3, config.ReceptiveField);
        Assert.Equal(6, config.Width(1));
        Assert.Equal(6, config.Width(5));
        var model = new TcnAutoencoder(config, new Rng(1));
        model.Eval();
        using var _ = GradMode.NoGrad();
        // The encoder's last-step features must not depend on later steps: pool over the blocks' output at step t.
        var encoder = (Module)model.Encoder;
        var x = Tensor.FromArray(Bottleneck.Tests.Models.ModelTestUtil.Uniform01(1, 24, 7), 1, 12, 2);
        var changed = x.ToArray();
        changed[11 * 2] += 1f;                                         // change the last step only
        var blocks = encoder.Modules().OfType<Sequential>().First();
        var a = blocks.Forward(x.Permute(0, 2, 1)).ToArray();
        var b = blocks.Forward(Tensor.FromArray(changed, 1, 12, 2).Permute(0, 2, 1)).ToArray();
        int channels = 6, steps = 12;
        for (int c = 0; c < channels; c++)
            for (int t = 0; t < steps - 1; t++)
                Assert.Equal(a[c * steps + t], b[c * steps + t]);      // steps before the change are unaffected
        Assert.Contains(Enumerable.Range(0, channels), c => a[c * steps + 11] != b[c * steps + 11]);
        Assert.Equal([1, 12, 2], model.Reconstruct(x).ShapeToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => new TcnConfig(12, 2, 3, kernel: 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TcnConfig(12, 2, 3, dilations: [1, 0]));
    }

    [Fact]
    public async Task TrainsFromTheCommandLineOnSequencesAndRefusesOtherData()
    {
        using var dir = new TempDir();
        var csv = dir.File("seq.csv");
        var rng = new Rng(3);
        File.WriteAllLines(csv, Enumerable.Range(0, 40).Select(i => string.Join(",", Enumerable.Range(0, 16).Select(t =>
            (MathF.Sin(t * 0.4f + i) + 0.1f * rng.NextFloat()).ToString("G6", System.Globalization.CultureInfo.InvariantCulture)))));
        var h = new CliHarness();
        Assert.Equal(0, await h.Run("train", "--kind", "tcn", "--data", "sequences:" + csv, "--epochs", "2", "--channels", "8", "--dilations", "1,2",
            "--latent", "4", "--variational", "--out", dir.File("m")));
        var flat = System.Text.RegularExpressions.Regex.Replace(h.Stdout, @"\s+", " ");   // the captured console wraps long lines
        Assert.Contains("receptive field 7", flat);   // 1 + (3 − 1)·(1 + 2)
        Assert.Contains("kl-nats", flat);
        var bad = new CliHarness();
        bad.AssertUsageError(await bad.Run("train", "--kind", "tcn", "--data", "demo:32", "--out", dir.File("x")), "--kind tcn needs sequence data");
        var beta = new CliHarness();
        beta.AssertUsageError(await beta.Run("train", "--kind", "tcn", "--data", "sequences:" + csv, "--beta", "2", "--out", dir.File("y")), "--variational");
    }
}
