using Bottleneck.Models.Conv;
using Bottleneck.Models.Variational;
using Bottleneck.NN;
using Bottleneck.Tensors;

namespace Bottleneck.Tests.Models;

/// <summary>
/// The MNIST benchmarks' models (issue 11's VAE 784-512-(20), issue 12's conv 32,64 with latent 32) start from PyTorch's
/// default initialisation, every tensor U(−1/√fan_in, 1/√fan_in), with PyTorch's fan_in: in_features for Linear,
/// in_channels·k² for Conv2d, and weight.shape[1]·k² = out_channels·k² for ConvTranspose2d (its weight is
/// (in, out, k, k)). The expected bounds are written from PyTorch's definitions, not computed by the code under test.
/// </summary>
public class PeerInitParityTests
{
    public static TheoryData<string, float> VaeBounds() => new()
    {
        { "encoder.0.weight", 784 }, { "encoder.0.bias", 784 },
        { "latent.mu.weight", 512 }, { "latent.mu.bias", 512 },
        { "latent.log_var.weight", 512 }, { "latent.log_var.bias", 512 },
        { "decoder.0.weight", 20 }, { "decoder.0.bias", 20 },
        { "decoder.2.weight", 512 }, { "decoder.2.bias", 512 },
    };

    public static TheoryData<string, float> ConvBounds() => new()
    {
        { "encoder.0.weight", 1 * 9 }, { "encoder.0.bias", 1 * 9 },        // Conv2d(1→32, 3)
        { "encoder.2.weight", 32 * 9 }, { "encoder.2.bias", 32 * 9 },      // Conv2d(32→64, 3)
        { "encoder.5.weight", 3136 }, { "encoder.5.bias", 3136 },          // Linear(3136→32)
        { "decoder.0.weight", 32 }, { "decoder.0.bias", 32 },              // Linear(32→3136)
        { "decoder.3.weight", 32 * 9 }, { "decoder.3.bias", 32 * 9 },      // ConvTranspose2d(64→32, 3): fan_in = 32·9
        { "decoder.5.weight", 1 * 9 }, { "decoder.5.bias", 1 * 9 },        // ConvTranspose2d(32→1, 3): fan_in = 1·9
    };

    [Theory]
    [MemberData(nameof(VaeBounds))]
    public void TheVaeBenchmarkModelStartsFromPyTorchsDefaultInit(string name, float fanIn)
    {
        // Given the benchmark's VAE built from a seed
        var model = new VariationalAutoencoder(new VariationalConfig(784, [512], 20), new Rng(7));
        // Then the tensor is uniform on ±1/√fan_in
        AssertUniform(model, name, fanIn);
    }

    [Theory]
    [MemberData(nameof(ConvBounds))]
    public void TheConvBenchmarkModelStartsFromPyTorchsDefaultInit(string name, float fanIn)
    {
        var model = new ConvAutoencoder(new ConvConfig(1, 28, 28, [32, 64], latent: 32), new Rng(7));
        AssertUniform(model, name, fanIn);
    }

    private static void AssertUniform(Module model, string name, float fanIn)
    {
        var entry = model.StateDict().Where(e => e.Name == name).ToList();
        Assert.True(entry.Count == 1, $"{name} is not in the state dict: {string.Join(", ", model.StateDict().Select(e => e.Name))}");
        var w = entry[0].Value.ToArray();
        float bound = 1f / MathF.Sqrt(fanIn);
        Assert.All(w, v => Assert.InRange(v, -bound, bound));
        if (w.Length < 30) return;   // too few draws for the moments (the one-element bias of the last layer)
        // U(−b, b): mean 0 and sd b/√3, checked to about four standard errors
        double mean = w.Average(v => (double)v), sd = Math.Sqrt(w.Average(v => (v - mean) * (v - mean)));
        double expectedSd = bound / Math.Sqrt(3), se = expectedSd / Math.Sqrt(w.Length);
        Assert.True(Math.Abs(mean) < 4.5 * se, $"{name}: mean {mean:G4}, expected 0 ± {4.5 * se:G3}");
        Assert.True(Math.Abs(sd / expectedSd - 1) < 4.5 * 0.9 / Math.Sqrt(w.Length) + 0.01,
            $"{name}: sd {sd:G4}, U(±{bound:G4}) has {expectedSd:G4}");
        if (w.Length >= 300)   // P(no draw beyond 0.9·b on a side) = 0.95^n < 2e-7
            Assert.True(w.Max() > 0.9f * bound && w.Min() < -0.9f * bound, $"{name}: draws [{w.Min():G4}, {w.Max():G4}] do not span ±{bound:G4}");
    }
}
