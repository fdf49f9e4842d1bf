using System.Text.Json;
using Bottleneck.Optim;
using Bottleneck.Tensors;
using Bottleneck.Training;

namespace Bottleneck.Tests.Optim;

/// <summary>Rprop against torch.optim.Rprop 1.13 (Fixtures/torch/recommendation.json, made by make_recommendation_fixtures.py).</summary>
public class RpropTests
{
    private static readonly JsonElement Fixture = TorchFixture.Load("recommendation.json");

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var c in Fixture.GetProperty("rprop").EnumerateArray()) data.Add(c.GetProperty("name").GetString()!);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void EveryStepMatchesPyTorch(string name)
    {
        // Given the fixture's parameters, hyper-parameters and six steps of gradients (sign changes, exact zeros, clamped steps)
        var c = Fixture.GetProperty("rprop").EnumerateArray().First(e => e.GetProperty("name").GetString() == name);
        var h = c.GetProperty("hyper");
        var ps = c.GetProperty("params").EnumerateArray().Select(t => { var x = TorchFixture.Tensor(t); x.RequiresGrad = true; return x; }).ToArray();
        float lr = (float)h.GetProperty("lr").GetDouble();
        var opt = h.TryGetProperty("etas", out var etas)
            ? new Rprop(ps, lr, (float)etas[0].GetDouble(), (float)etas[1].GetDouble(),
                (float)h.GetProperty("step_sizes")[0].GetDouble(), (float)h.GetProperty("step_sizes")[1].GetDouble())
            : new Rprop(ps, lr);
        int k = 0;
        foreach (var step in c.GetProperty("steps").EnumerateArray())
        {
            k++;
            var grads = step.GetProperty("grads");
            for (int i = 0; i < ps.Length; i++)
                using (TensorScope.Untracked()) ps[i].Grad = TorchFixture.Tensor(grads[i]);
            // When stepping, then every parameter equals PyTorch's after the same step
            opt.Step();
            var after = step.GetProperty("params_after");
            for (int i = 0; i < ps.Length; i++)
                TorchFixture.AssertClose($"{name} step {k} param {i}", ps[i].Span, TorchFixture.Array(after[i]));
        }
    }

    [Fact]
    public void BadHyperParametersAreRefusedWithTheirNameAndValue()
    {
        var p = new[] { Tensor.Zeros(3) };
        Assert.Contains("etaMinus must be in (0, 1), got 1.5", Assert.Throws<ArgumentOutOfRangeException>(() => new Rprop(p, etaMinus: 1.5f)).Message);
        Assert.Contains("etaPlus must be > 1, got 0.9", Assert.Throws<ArgumentOutOfRangeException>(() => new Rprop(p, etaPlus: 0.9f)).Message);
        Assert.Contains("stepSizeMax", Assert.Throws<ArgumentOutOfRangeException>(() => new Rprop(p, stepSizeMin: 1f, stepSizeMax: 0.5f)).Message);
        Assert.Contains("rprop", Assert.Throws<ArgumentException>(() => new TrainingOptions(optimizer: "rprop", weightDecay: 0.1f)).Message);
        Assert.IsType<Rprop>(new TrainingOptions(optimizer: "rprop").CreateOptimizer(p));
    }

    [Fact]
    public void ItMinimisesAQuadraticFromTheSignOfItsGradientOnly()
    {
        // Given f(θ) = Σ (θ − 3)² scaled by 1e-6 (Rprop ignores the scale of the gradient)
        var theta = Tensor.Zeros(4);
        theta.RequiresGrad = true;
        var opt = new Rprop([theta], 0.1f);
        for (int i = 0; i < 60; i++)
        {
            opt.ZeroGrad();
            ((theta - 3f).Pow(2f).Sum() * 1e-6f).Backward();
            opt.Step();
        }
        // Then it reaches the minimum
        Assert.All(theta.ToArray(), v => Assert.InRange(v, 2.99f, 3.01f));
    }
}
