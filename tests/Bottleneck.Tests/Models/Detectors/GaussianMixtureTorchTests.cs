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

    [Fact]
    public void AWholeDagmmStepMatchesPyTorch()
    {
        // Given PyTorch's weights of a 4-5-1-5-4 compression and 3-10-2 estimation network (tanh), when Bottleneck's DAGMM takes an
        // eval-mode step on the same batch, then its loss terms and every parameter gradient are PyTorch's
        var m = TorchFixture.Load("dagmm.json").GetProperty("model");
        var model = new DagmmModel(new DagmmConfig(4, [5], 1, components: 2, estimationHidden: [10], covarianceEps: 1e-2f), new Bottleneck.Tensors.Rng(1));
        var state = new Dictionary<string, (int[] Shape, float[] Data)>();
        foreach (var p in m.GetProperty("state").EnumerateObject()) state[p.Name] = TorchFixture.Array(p.Value);
        model.LoadStateDict(state, strict: false);
        model.Eval();
        model.ZeroGrad();
        var output = model.Compute(TorchFixture.Tensor(m.GetProperty("x")));
        void Close(string what, float ours, double torch) =>
            Assert.True(Math.Abs(ours - torch) <= 1e-4 * Math.Max(1, Math.Abs(torch)), $"{what}: {ours} vs PyTorch {torch}");
        Close("reconstruction", output.Term(Bottleneck.Models.LossTerms.Reconstruction)!.Item(), m.GetProperty("reconstruction").GetDouble());
        Close("energy", output.Term(DagmmModel.EnergyTerm)!.Item(), m.GetProperty("energy").GetDouble());
        Close("covariance penalty", output.Term(DagmmModel.CovarianceTerm)!.Item(), m.GetProperty("penalty").GetDouble());
        Close("loss", output.Loss.Item(), m.GetProperty("loss").GetDouble());
        output.Loss.Backward();
        var parameters = model.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter);
        int count = 0;
        foreach (var g in m.GetProperty("grads").EnumerateObject())
        {
            TorchFixture.AssertClose($"d loss / d {g.Name}", parameters[g.Name].Grad!.Span, TorchFixture.Array(g.Value), 1e-3);
            count++;
        }
        Assert.Equal(12, count);
    }
}
