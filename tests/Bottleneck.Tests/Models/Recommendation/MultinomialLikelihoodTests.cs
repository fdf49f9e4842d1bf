using System.Text.Json;
using Bottleneck.Models;
using Bottleneck.Tensors;
using Bottleneck.Tests.Losses;

namespace Bottleneck.Tests.Models.Recommendation;

/// <summary>The multinomial likelihood (Liang et al. 2018) against PyTorch's −Σ x·log_softmax(l) (recommendation.json) and central differences.</summary>
public class MultinomialLikelihoodTests
{
    private static readonly JsonElement Fixture = TorchFixture.Load("recommendation.json");

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var c in Fixture.GetProperty("multinomial").EnumerateArray()) data.Add(c.GetProperty("name").GetString()!);
        return data;
    }

    private static (Tensor Logits, Tensor Target, Tensor? Mask, JsonElement Case) Load(string name)
    {
        var c = Fixture.GetProperty("multinomial").EnumerateArray().First(e => e.GetProperty("name").GetString() == name);
        return (TorchFixture.Tensor(c.GetProperty("logits")), TorchFixture.Tensor(c.GetProperty("target")),
            c.TryGetProperty("mask", out var m) ? TorchFixture.Tensor(m) : null, c);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void LossGradientAndMeanMatchPyTorch(string name)
    {
        var (logits, target, mask, c) = Load(name);
        logits.RequiresGrad = true;
        var head = Likelihood.Multinomial.CreateHead([logits.Dim(1)]);
        var loss = head.Loss(logits, target, mask);
        Assert.Equal(0, loss.Rank);
        double expected = c.GetProperty("loss").GetDouble();
        Assert.True(Math.Abs(loss.Item() - expected) <= 1e-5 * Math.Abs(expected), $"{name}: loss {loss.Item()} vs PyTorch {expected}");
        loss.Backward();
        TorchFixture.AssertClose($"{name} ∂/∂logits", logits.Grad!.Span, TorchFixture.Array(c.GetProperty("grad")));
        TorchFixture.AssertClose($"{name} mean", head.Mean(logits.Detach()).Span, TorchFixture.Array(c.GetProperty("mean")));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void GradientsMatchCentralDifferences(string name)
    {
        var (logits, target, mask, _) = Load(name);
        var head = Likelihood.Multinomial.CreateHead([logits.Dim(1)]);
        LossGradCheck.Check(name, t => head.Loss(t[0], target, mask), [logits]);
    }

    [Fact]
    public void TheMeanIsAProbabilityVectorPerSampleAndIsSavedByName()
    {
        var head = Likelihood.Multinomial.CreateHead([5]);
        var mean = head.Mean(Tensor.RandN(new Rng(1), 3, 5) * 4f).ToArray();
        for (int r = 0; r < 3; r++) Assert.Equal(1.0, mean.Skip(r * 5).Take(5).Sum(v => (double)v), 5);
        Assert.Same(Likelihood.Multinomial, Likelihood.Parse("softmax-multinomial"));
        var bad = Assert.Throws<ShapeException>(() => head.Loss(Tensor.Zeros(2, 5), Tensor.Zeros(2, 4)));
        Assert.Contains("(2, 4)", bad.Message);
    }
}
