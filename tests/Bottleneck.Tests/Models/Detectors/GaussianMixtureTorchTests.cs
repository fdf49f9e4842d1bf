using Bottleneck.Models.Dagmm;

namespace Bottleneck.Tests.Models.Detectors;

/// <summary>DAGMM's mixture estimates, energy, penalty and their gradients against PyTorch 1.13 (Fixtures/torch/make_dagmm_fixtures.py).</summary>
public class GaussianMixtureTorchTests
{
    [Fact]
    public void MixtureEnergyAndGradientsMatchPyTorch()
    {
        var root = TorchFixture.Load("dagmm.json");
        int count = 0;
        foreach (var c in root.GetProperty("cases").EnumerateArray())
        {
            float eps = (float)c.GetProperty("eps").GetDouble();
            var z = TorchFixture.Tensor(c.GetProperty("z"));
            var a = TorchFixture.Tensor(c.GetProperty("logits"));
            var w = TorchFixture.Tensor(c.GetProperty("w"));
            z.RequiresGrad = true;
            a.RequiresGrad = true;
            var (phi, mu, cov) = GaussianMixture.Parameters(z, a.Softmax(1));
            var energy = GaussianMixture.Energy(z, phi, mu, cov, eps);
            var penalty = GaussianMixture.CovariancePenalty(cov, eps);
            TorchFixture.AssertClose("phi", phi.Span, TorchFixture.Array(c.GetProperty("phi")), 1e-4);
            TorchFixture.AssertClose("mu", mu.Span, TorchFixture.Array(c.GetProperty("mu")), 1e-4);
            TorchFixture.AssertClose("covariance", cov.Span, TorchFixture.Array(c.GetProperty("cov")), 1e-4);
            TorchFixture.AssertClose("energy", energy.Span, TorchFixture.Array(c.GetProperty("energy")), 1e-4);
            double p = c.GetProperty("penalty").GetDouble();
            Assert.True(Math.Abs(penalty.Item() - p) <= 1e-4 * Math.Abs(p), $"penalty {penalty.Item()} vs PyTorch {p}");
            ((energy * w).Sum() + penalty).Backward();
            TorchFixture.AssertClose("dL/dz", z.Grad!.Span, TorchFixture.Array(c.GetProperty("grad_z")), 1e-3);
            TorchFixture.AssertClose("dL/dlogits", a.Grad!.Span, TorchFixture.Array(c.GetProperty("grad_logits")), 1e-3);
            count++;
        }
        Assert.Equal(2, count);
    }
}
