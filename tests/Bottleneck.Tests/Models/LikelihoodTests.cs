using System.Text.Json;
using Bottleneck.Data;
using Bottleneck.Models;
using Bottleneck.Models.Dense;
using Bottleneck.Models.Registry;
using Bottleneck.Tensors;
using Bottleneck.Tests.Losses;
using static Bottleneck.Tests.Models.ModelTestUtil;

namespace Bottleneck.Tests.Models;

/// <summary>
/// The likelihoods: their reconstruction losses (with and without a mask) and gradients against PyTorch 1.13
/// (Fixtures/torch/likelihoods.json, made by make_likelihood_fixtures.py), central-difference gradient checks, the inference
/// kernels against the differentiable mean, and their names in config.json.
/// </summary>
public class LikelihoodTests
{
    private static readonly JsonElement Fixture = TorchFixture.Load("likelihoods.json");

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var c in Fixture.GetProperty("cases").EnumerateArray()) data.Add(c.GetProperty("name").GetString()!);
        return data;
    }

    private static JsonElement Case(string name) =>
        Fixture.GetProperty("cases").EnumerateArray().First(c => c.GetProperty("name").GetString() == name);

    /// <summary>The head of the case's likelihood, with the fixture's log-variance for gaussian-nll.</summary>
    private static LikelihoodHead Head(JsonElement c, int d)
    {
        var head = Likelihood.Parse(c.GetProperty("likelihood").GetString()).CreateHead([d]);
        if (c.TryGetProperty("log_var", out var s))
            TorchFixture.Array(s).Data.CopyTo(head.StateDict().Single(e => e.Name == "log_var").Value.Span);
        return head;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void LossAndGradientsMatchPyTorch(string name)
    {
        var c = Case(name);
        var logits = TorchFixture.Tensor(c.GetProperty("logits"));
        logits.RequiresGrad = true;
        var target = TorchFixture.Tensor(c.GetProperty("target"));
        Tensor? mask = c.TryGetProperty("mask", out var m) ? TorchFixture.Tensor(m) : null;
        var head = Head(c, logits.Dim(1));
        var loss = head.Loss(logits, target, mask);
        Assert.Equal(0, loss.Rank);
        AssertClose(c.GetProperty("loss").GetDouble(), loss.Item(), 1e-5, $"{name} loss");
        loss.Backward();
        TorchFixture.AssertClose($"{name} ∂/∂logits", logits.Grad!.Span, TorchFixture.Array(c.GetProperty("grad_logits")));
        if (c.TryGetProperty("grad_log_var", out var gs))
            TorchFixture.AssertClose($"{name} ∂/∂log_var", head.Parameters().Single().Grad!.Span, TorchFixture.Array(gs));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void GradientsMatchCentralDifferences(string name)
    {
        var c = Case(name);
        var logits = TorchFixture.Tensor(c.GetProperty("logits"));
        var target = TorchFixture.Tensor(c.GetProperty("target"));
        Tensor? mask = c.TryGetProperty("mask", out var m) ? TorchFixture.Tensor(m) : null;
        var head = Head(c, logits.Dim(1));
        // the head's own parameters are perturbed in place through the same tensor objects
        Tensor[] inputs = [logits, .. head.Parameters()];
        LossGradCheck.Check(name, t => head.Loss(t[0], target, mask), inputs);
    }

    [Fact]
    public void TheMaskRemovesTheMaskedValuesAndNothingElse()
    {
        var rng = new Rng(3);
        foreach (var likelihood in Likelihood.All)
        {
            var head = likelihood.CreateHead([6]);
            var logits = Tensor.RandN(rng, 4, 6);
            var target = Tensor.FromArray(Uniform01(4, 6, 2), 4, 6);
            var full = head.Loss(logits, target).Item();
            Assert.Equal(full, head.Loss(logits, target, Tensor.Ones(4, 6)).Item(), 5);
            // a masked value may be anything, even NaN, without changing the loss
            var poisoned = target.ToArray();
            poisoned[7] = float.NaN;
            var mask = Tensor.Ones(4, 6);
            mask.Span[7] = 0f;
            float masked = head.Loss(logits, Tensor.FromArray(poisoned, 4, 6), mask).Item();
            Assert.True(float.IsFinite(masked), likelihood.Name);
            Assert.True(masked < full || likelihood.Name == "gaussian-nll", $"{likelihood.Name}: masking a term must lower a non-negative loss");
            var bad = Assert.Throws<ShapeException>(() => head.Loss(logits, target, Tensor.Ones(4, 5)));
            Assert.Contains("(4, 5)", bad.Message);
        }
    }

    [Fact]
    public void TheInferenceMeanEqualsTheDifferentiableMean()
    {
        var logits = Tensor.RandN(new Rng(9), 5, 11) * 3f;
        foreach (var likelihood in Likelihood.All)
        {
            var head = likelihood.CreateHead([11]);
            var expected = head.Mean(logits).ToArray();
            var actual = new float[expected.Length];
            head.Mean(logits.Span, actual);
            for (int i = 0; i < actual.Length; i++) AssertClose(expected[i], actual[i], 1e-6, $"{likelihood.Name}[{i}]");
            Assert.Equal(head.MeanIsIdentity, expected.SequenceEqual(logits.ToArray()));
            Assert.All(actual, v => Assert.InRange(v, likelihood.MeanRange.Min, likelihood.MeanRange.Max));
        }
    }

    [Fact]
    public void ElementLossesSumToEachRowsLoss()
    {
        var rng = new Rng(12);
        foreach (var likelihood in Likelihood.All)
        {
            var head = likelihood.CreateHead([7]);
            foreach (var p in head.Parameters()) p.Span.Fill(0.3f);
            var logits = Tensor.RandN(rng, 4, 7) * 2f;
            var target = Tensor.FromArray(Uniform01(4, 7, 3), 4, 7);
            var elements = new float[28];
            head.ElementLoss(logits.Span, target.Span, elements);
            for (int r = 0; r < 4; r++)
            {
                var row = head.Loss(Tensor.FromArray(logits.Span.Slice(r * 7, 7), 1, 7), Tensor.FromArray(target.Span.Slice(r * 7, 7), 1, 7)).Item();
                AssertClose(row, elements.AsSpan(r * 7, 7).ToArray().Sum(v => (double)v), 1e-5, $"{likelihood.Name} row {r}");
            }
        }
    }

    [Fact]
    public void AnomalyScoresByTheModelsOwnNllWeighEachFeatureByItsLearnedPrecision()
    {
        var model = new DenseAutoencoder(new DenseConfig(6, [5], 2, output: Likelihood.GaussianLearnedVariance), new Rng(4));
        model.Eval();
        var logVar = model.NamedParameters().Last().Parameter;
        new[] { -2f, -2f, -2f, 2f, 2f, 2f }.CopyTo(logVar.Span);      // the first three features are trusted, the last three noisy
        var scorer = new Bottleneck.Anomaly.AnomalyScorer(model);
        Assert.Equal(Bottleneck.Anomaly.ReconstructionError.Nll, scorer.Error);   // the default for a learned variance
        var x = Uniform01(3, 6, 5);
        var scores = new float[3];
        scorer.Score(x, scores);
        for (int r = 0; r < 3; r++)
        {
            var row = Tensor.FromArray(x.AsSpan(r * 6, 6), 1, 6);
            float nll = NoGrad(() => model.Compute(row).ReconstructionLoss)[0];
            AssertClose(nll / 6, scores[r], 1e-5, $"row {r}: score = the row's NLL / D");
        }
        var bernoulli = new DenseAutoencoder(new DenseConfig(6, [5], 2), new Rng(4));
        var bce = new float[3]; var nll2 = new float[3];
        new Bottleneck.Anomaly.AnomalyScorer(bernoulli, Bottleneck.Anomaly.ReconstructionError.Bce).Score(x, bce);
        new Bottleneck.Anomaly.AnomalyScorer(bernoulli, Bottleneck.Anomaly.ReconstructionError.Nll).Score(x, nll2);
        Assert.Equal(bce, nll2);                                        // for Bernoulli the NLL is the BCE
    }

    [Fact]
    public void NamesScalingAndRanges()
    {
        Assert.Equal(["sigmoid-bce", "linear-mse", "tanh-mse", "gaussian-nll", "softmax-multinomial"], Likelihood.All.Select(l => l.Name));
        foreach (var l in Likelihood.All) Assert.Same(l, Likelihood.Parse(l.Name.ToUpperInvariant()));
        var e = Assert.Throws<ArgumentException>(() => Likelihood.Parse("poisson"));
        Assert.Contains("sigmoid-bce, linear-mse, tanh-mse, gaussian-nll, softmax-multinomial", e.Message);
        Assert.Equal([ScalingKind.MinMax, ScalingKind.Standardize, ScalingKind.MinMax, ScalingKind.Standardize, ScalingKind.None], Likelihood.All.Select(l => l.DefaultScaling));
        Assert.Equal([true, false, false, false, true], Likelihood.All.Select(l => l.MeanInUnitInterval));
        Assert.Equal(Likelihood.Bernoulli, Likelihood.Matching(Bottleneck.NN.Activation.Sigmoid));
        Assert.Equal(Likelihood.BoundedGaussian, Likelihood.Matching(Bottleneck.NN.Activation.Tanh));
        Assert.Equal(Likelihood.Gaussian, Likelihood.Matching(Bottleneck.NN.Activation.Relu));
    }

    [Fact]
    public void ALearnedVarianceIsAParameterOfTheModelThatTrainsAndSaves()
    {
        var config = new DenseConfig(6, [5], 2, output: Likelihood.GaussianLearnedVariance);
        var json = ModelRegistry.ToJson(config);
        Assert.Equal("gaussian-nll", json.GetProperty("output").GetString());
        Assert.Equal(config, ModelRegistry.FromJson("dense", json));
        var model = new DenseAutoencoder(config, new Rng(1));
        var names = model.NamedParameters().Select(p => p.Name).ToList();
        Assert.Equal("likelihood.log_var", names[^1]);
        Assert.Equal([6], model.NamedParameters().Last().Parameter.ShapeToArray());
        // its gradient is the NLL's: ∂L/∂s_j = (1/N)·Σ_n ½·(1 − (x_nj − μ_nj)²·e^(−s_j)), at s = 0: ½ − ½·mean_n (x − μ)²
        var x = Tensor.FromArray(Uniform01(3, 6, 1), 3, 6);
        var o = model.Compute(x);
        o.Loss.Backward();
        var grad = model.NamedParameters().Last().Parameter.Grad!.ToArray();
        var xs = x.ToArray(); var mu = o.Logits.ToArray();
        for (int j = 0; j < 6; j++)
        {
            double meanSq = Enumerable.Range(0, 3).Average(n => Math.Pow(xs[n * 6 + j] - mu[n * 6 + j], 2));
            AssertClose(0.5 - 0.5 * meanSq, grad[j], 1e-5, $"∂L/∂s[{j}]");
        }
        Assert.Equal(Likelihood.GaussianLearnedVariance, model.Likelihood);
    }
}
