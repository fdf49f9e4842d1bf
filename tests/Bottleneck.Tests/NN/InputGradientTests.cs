using System.Text.Json;
using Bottleneck.NN;
using Bottleneck.Tensors;
using Bottleneck.Tests.Autograd;

namespace Bottleneck.Tests.NN;

/// <summary>The input gradient of an MLP built as differentiable ops, and the R1 gradient penalty on it (Mescheder et al. 2018), against
/// PyTorch 1.13's double backward (Fixtures/torch/make_gradient_penalty_fixtures.py), the first-order autograd, and central differences.</summary>
public class InputGradientTests
{
    private static JsonElement Case(string name) =>
        TorchFixture.Load("gradient_penalty.json").GetProperty("cases").EnumerateArray().First(e => e.GetProperty("name").GetString() == name);

    public static TheoryData<string> Cases() => ["relu", "relu_gamma10", "leaky_relu", "tanh", "sigmoid_one_hidden", "spectral_norm"];

    private static Activation ActivationOf(string name) => name switch
    {
        "relu" => Activation.Relu,
        "leaky_relu" => Activation.LeakyRelu,
        "tanh" => Activation.Tanh,
        "sigmoid" => Activation.Sigmoid,
        _ => throw new ArgumentException(name),
    };

    /// <summary>Linear (or spectrally normalised Linear) layers with the activation between them, numbered as PyTorch's nn.Sequential.</summary>
    private static Sequential Mlp(int[] widths, Activation activation, bool spectral, Rng rng)
    {
        var seq = new Sequential();
        for (int i = 0; i < widths.Length - 1; i++)
        {
            seq.Add(spectral ? new SpectralNormLinear(widths[i], widths[i + 1], rng) : new Linear(widths[i], widths[i + 1], rng));
            if (i < widths.Length - 2) seq.Add(new ActivationLayer(activation));
        }
        return seq;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ThePenaltyAndItsWeightGradientsMatchPyTorchsDoubleBackward(string name)
    {
        // Given PyTorch's discriminator state and real samples
        var c = Case(name);
        var widths = c.GetProperty("widths").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        bool spectral = c.GetProperty("spectral").GetBoolean();
        var d = Mlp(widths, ActivationOf(c.GetProperty("activation").GetString()!), spectral, new Rng(0));
        d.LoadStateDict(c.GetProperty("state").EnumerateObject().ToDictionary(p => p.Name, p => TorchFixture.Array(p.Value)));
        var x = TorchFixture.Tensor(c.GetProperty("x"));
        float gamma = c.GetProperty("gamma").GetSingle();

        // When the discriminator runs forward once (a spectrally normalised layer takes its power-iteration step there), then the
        // penalty is built from the same weights and back-propagated
        var logits = d.Forward(x);
        var (again, gradient) = InputGradient.OfMlp(d, x);
        var penalty = InputGradient.R1Penalty(d, x, gamma);
        penalty.Backward();

        // Then the logits, dD/dx, R1 and dR1/dθ are PyTorch's, and u, v moved as PyTorch's did
        TorchFixture.AssertClose($"{name} logits", logits.Span, TorchFixture.Array(c.GetProperty("logits")));
        TorchFixture.AssertClose($"{name} logits (input-gradient pass)", again.Span, TorchFixture.Array(c.GetProperty("logits")));
        TorchFixture.AssertClose($"{name} dD/dx", gradient.Span, TorchFixture.Array(c.GetProperty("input_gradient")));
        Assert.Equal(c.GetProperty("penalty").GetDouble(), penalty.Item(), 1e-5 * Math.Max(1, c.GetProperty("penalty").GetDouble()));
        var named = d.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter);
        foreach (var g in c.GetProperty("grad_params").EnumerateObject())
        {
            // a parameter R1 does not reach (PyTorch: grad None, recorded as zeros) has a zero or no gradient here
            var expected = TorchFixture.Array(g.Value);
            var ours = named[g.Name].Grad?.ToArray() ?? new float[expected.Data.Length];
            TorchFixture.AssertClose($"{name} dR1/d{g.Name}", ours, expected, rtol: 2e-5);
        }
        if (spectral) TorchFixture.AssertStateAfter(name, d, c);
    }

    [Theory]
    [InlineData(Activation.Relu)]
    [InlineData(Activation.LeakyRelu)]
    [InlineData(Activation.Tanh)]
    [InlineData(Activation.Elu)]
    [InlineData(Activation.Softplus)]
    public void TheInputGradientEqualsTheAutogradsFirstOrderGradient(Activation activation)
    {
        var rng = new Rng(11);
        var d = Mlp([5, 9, 7, 1], activation, spectral: false, rng);
        var x = Tensor.RandN(rng, 6, 5);
        x.RequiresGrad = true;
        d.Forward(x).Sum().Backward();
        var (_, gradient) = InputGradient.OfMlp(d, x);
        TorchFixture.AssertClose($"{activation} dD/dx", gradient.Span, (x.ShapeToArray(), x.Grad!.ToArray()));
    }

    [Theory]
    [InlineData(Activation.Tanh)]
    [InlineData(Activation.Sigmoid)]
    [InlineData(Activation.Softplus)]
    public void ThePenaltysWeightGradientMatchesCentralDifferences(Activation activation)
    {
        // Smooth activations, so the stencil sees no kinks; the weights are perturbed in place and R1 rebuilt each time
        var rng = new Rng(5);
        var d = Mlp([4, 6, 5, 1], activation, spectral: false, rng);
        var x = Tensor.RandN(rng, 7, 4);
        GradCheck.Check($"R1 with {activation}", _ => InputGradient.R1Penalty(d, x, 3f), d.Parameters().ToArray());
    }

    [Fact]
    public void ThePenaltyIsZeroForAnAffineDiscriminatorOnlyWhenItsWeightsAre()
    {
        // D(x) = w·x + b has ∇D = w for every row, so R1 = γ/2·‖w‖²
        var lin = new Linear(3, 1, new Rng(2));
        var d = new Sequential(lin);
        var w = lin.Weight.ToArray();
        double expected = 4f / 2 * w.Sum(v => (double)v * v);
        Assert.Equal(expected, InputGradient.R1Penalty(d, Tensor.RandN(new Rng(3), 5, 3), 4f).Item(), 1e-5);
    }

    [Fact]
    public void WhatItCannotDifferentiateIsRefusedWithTheReason()
    {
        var rng = new Rng(1);
        var x = Tensor.RandN(rng, 2, 3);
        var gelu = Assert.Throws<ArgumentException>(() => InputGradient.OfMlp(new Sequential(new Linear(3, 4, rng), new ActivationLayer(Activation.Gelu), new Linear(4, 1, rng)), x));
        Assert.Contains("gelu", gelu.Message, StringComparison.OrdinalIgnoreCase);
        var dropout = Assert.Throws<ArgumentException>(() => InputGradient.OfMlp(new Sequential(new Linear(3, 4, rng), new Bottleneck.NN.Dropout(rng, 0.5f), new Linear(4, 1, rng)), x));
        Assert.Contains("Dropout", dropout.Message, StringComparison.Ordinal);
        var wide = Assert.Throws<ArgumentException>(() => InputGradient.OfMlp(new Sequential(new Linear(3, 2, rng)), x));
        Assert.Contains("one output unit", wide.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => InputGradient.OfMlp(new Sequential(new ActivationLayer(Activation.Relu)), x));
        var negative = Assert.Throws<ArgumentOutOfRangeException>(() => InputGradient.R1Penalty(new Sequential(new Linear(3, 1, rng)), x, -1f));
        Assert.Contains("-1", negative.Message, StringComparison.Ordinal);
    }
}
