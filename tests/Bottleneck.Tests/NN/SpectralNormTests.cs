using System.Text.Json;
using Bottleneck.NN;
using Bottleneck.Tensors;
using Bottleneck.Tests.Autograd;

namespace Bottleneck.Tests.NN;

/// <summary>Spectral normalisation (Miyato et al. 2018) against torch.nn.utils.spectral_norm in PyTorch 1.13
/// (Fixtures/torch/make_spectral_norm_fixtures.py), its gradient by central differences, and its power iteration.</summary>
public class SpectralNormTests
{
    private static JsonElement Case(string name) =>
        TorchFixture.Load("spectral_norm.json").GetProperty("cases").EnumerateArray().First(e => e.GetProperty("name").GetString() == name);

    public static TheoryData<string> Cases() => ["train", "train_wide_scaled", "train_no_bias", "eval", "two_forwards"];

    [Theory]
    [MemberData(nameof(Cases))]
    public void ForwardGradientsAndPowerIterationMatchPyTorch(string name)
    {
        // Given PyTorch's layer state (weight_orig, bias, weight_u, weight_v), loaded by PyTorch's names
        var c = Case(name);
        var state = c.GetProperty("state").EnumerateObject().ToDictionary(p => p.Name, p => TorchFixture.Array(p.Value));
        var w = state["weight_orig"].Shape;
        var layer = new SpectralNormLinear(w[1], w[0], new Rng(0), bias: state.ContainsKey("bias"));
        layer.LoadStateDict(state);
        layer.Train(c.GetProperty("train").GetBoolean());

        // When it runs forward on each input (one power-iteration step each in training mode) and back-propagates Σ y·g
        var inputs = c.GetProperty("inputs").EnumerateArray().Select(TorchFixture.Tensor).ToArray();
        var upstream = c.GetProperty("upstream").EnumerateArray().Select(TorchFixture.Tensor).ToArray();
        var outputs = new List<Tensor>();
        var weights = new List<float[]>();
        Tensor? loss = null;
        for (int i = 0; i < inputs.Length; i++)
        {
            inputs[i].RequiresGrad = true;
            var y = layer.Forward(inputs[i]);
            weights.Add(layer.Weight().ToArray());
            outputs.Add(y);
            var term = (y * upstream[i]).Sum();
            loss = loss is null ? term : loss + term;
        }
        loss!.Backward();

        // Then outputs, W / σ, the gradients and u, v afterwards are PyTorch's
        var expectedOutputs = c.GetProperty("outputs").EnumerateArray().ToArray();
        var expectedWeights = c.GetProperty("normalized_weights").EnumerateArray().ToArray();
        var expectedGrads = c.GetProperty("grad_inputs").EnumerateArray().ToArray();
        for (int i = 0; i < inputs.Length; i++)
        {
            TorchFixture.AssertClose($"{name} output {i}", outputs[i].Span, TorchFixture.Array(expectedOutputs[i]));
            TorchFixture.AssertClose($"{name} W/sigma {i}", weights[i], TorchFixture.Array(expectedWeights[i]));
            TorchFixture.AssertClose($"{name} dL/dx {i}", inputs[i].Grad!.Span, TorchFixture.Array(expectedGrads[i]));
        }
        TorchFixture.AssertParameterGradients(name, layer, c);
        TorchFixture.AssertStateAfter(name, layer, c);
    }

    [Fact]
    public void StateDictNamesArePyTorchs()
    {
        var layer = new SpectralNormLinear(4, 3, new Rng(1));
        Assert.Equal(["weight_orig", "bias", "weight_u", "weight_v"], layer.StateDict().Select(e => e.Name));
        Assert.Equal(["weight_orig", "bias"], layer.NamedParameters().Select(p => p.Name));
        Assert.Equal(1.0, Math.Sqrt(layer.U.ToArray().Sum(x => (double)x * x)), 5);   // u and v start as unit vectors
        Assert.Equal(1.0, Math.Sqrt(layer.V.ToArray().Sum(x => (double)x * x)), 5);
    }

    [Fact]
    public void TheNormalisedWeightsGradientMatchesCentralDifferences()
    {
        // u and v are held constant (as in PyTorch's backward); W and the layer's input and bias are checked
        var rng = new Rng(7);
        var u = Unit(rng, 4);
        var v = Unit(rng, 5);
        GradCheck.Check("W / (u^T W v)", x => SpectralNorm.Normalize(x[0], u, v), Tensor.RandN(rng, 4, 5));
        GradCheck.Check("sigma = u^T W v", x => SpectralNorm.Sigma(x[0], u, v), Tensor.RandN(rng, 4, 5));
        GradCheck.Check("linear with W / sigma", x => Tensor.Linear(x[0], SpectralNorm.Normalize(x[1], u, v), x[2]).Tanh(),
            Tensor.RandN(rng, 3, 5), Tensor.RandN(rng, 4, 5), Tensor.RandN(rng, 4));
    }

    [Fact]
    public void PowerIterationConvergesToTheLargestSingularValue()
    {
        // Given a weight whose spectral norm PyTorch computed exactly (torch.linalg.matrix_norm(W, 2))
        var c = Case("train_wide_scaled");
        var w = TorchFixture.Tensor(c.GetProperty("state").GetProperty("weight_orig"));
        double exact = c.GetProperty("sigma_exact").GetDouble();
        var rng = new Rng(3);
        var u = Unit(rng, w.Dim(0));
        var v = Unit(rng, w.Dim(1));
        // When the power iteration runs long enough, Then u^T W v is the largest singular value and W / sigma has spectral norm 1
        SpectralNorm.PowerIteration(w, u, v, iterations: 200);
        Assert.Equal(exact, SpectralNorm.Sigma(w, u, v).Item(), exact * 1e-5);
        var normalized = SpectralNorm.Normalize(w, u, v);
        SpectralNorm.PowerIteration(normalized, u, v, iterations: 200);
        Assert.Equal(1.0, SpectralNorm.Sigma(normalized, u, v).Item(), 1e-5);
    }

    [Fact]
    public void TheBackwardOfAnEarlierForwardKeepsItsOwnUAndV()
    {
        // A discriminator sees real and then fake samples before one backward; the second forward's power iteration must not
        // change the first forward's gradient (PyTorch clones u and v for this). Compare with each forward back-propagated alone.
        var rng = new Rng(5);
        var a = new SpectralNormLinear(6, 4, rng);
        var b = new SpectralNormLinear(6, 4, new Rng(9));
        b.LoadStateDict(a.StateDict().ToDictionary(e => e.Name, e => (e.Value.ShapeToArray(), e.Value.ToArray())));
        var x1 = Tensor.RandN(rng, 3, 6);
        var x2 = Tensor.RandN(rng, 3, 6);
        (a.Forward(x1).Sum() + a.Forward(x2).Sum()).Backward();
        b.Forward(x1).Sum().Backward();
        var first = b.WeightOrig.Grad!.ToArray();
        b.ZeroGrad();
        b.Forward(x2).Sum().Backward();
        var both = first.Zip(b.WeightOrig.Grad!.ToArray(), (p, q) => p + q).ToArray();
        TorchFixture.AssertClose("gradient of two forwards", a.WeightOrig.Grad!.Span, (a.WeightOrig.ShapeToArray(), both));
    }

    [Fact]
    public void MismatchedVectorsAreRefusedWithBothShapes()
    {
        var e = Assert.Throws<ShapeException>(() => SpectralNorm.Sigma(Tensor.Zeros(4, 5), Tensor.Zeros(5), Tensor.Zeros(5)));
        Assert.Contains("(4, 5)", e.Message);
        Assert.Contains("u of 4", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => SpectralNorm.PowerIteration(Tensor.Zeros(4, 5), Tensor.Zeros(4), Tensor.Zeros(5), iterations: -1));
    }

    private static Tensor Unit(Rng rng, int n)
    {
        var t = Tensor.RandN(rng, n);
        float norm = MathF.Sqrt(t.ToArray().Sum(x => x * x));
        return t * (1f / norm);
    }
}
