using System.Text.Json;
using Bottleneck.NN;
using Bottleneck.Tensors;

namespace Bottleneck.Tests.NN;

/// <summary>Linear, BatchNorm1d and LayerNorm against PyTorch 1.13 (Fixtures/torch/make_layer_fixtures.py).</summary>
public class LayerParityTests
{
    public static IEnumerable<object[]> Cases() =>
        TorchFixture.Load("layers.json").GetProperty("cases").EnumerateArray().Select(c => new object[] { c.GetProperty("name").GetString()! });

    private static Module Build(string name, JsonElement c)
    {
        var state = c.GetProperty("state");
        int[] Shape(string key) => TorchFixture.Array(state.GetProperty(key)).Shape;
        var rng = new Rng(0);
        return name switch
        {
            "linear" => new Linear(Shape("weight")[1], Shape("weight")[0], rng),
            "linear_nobias_3d" => new Linear(Shape("weight")[1], Shape("weight")[0], rng, bias: false),
            "batchnorm1d_train" or "batchnorm1d_eval" => new BatchNorm1d(Shape("weight")[0]),
            "batchnorm1d_train_3d" => new BatchNorm1d(Shape("weight")[0], eps: 1e-3f, momentum: 0.2f),
            "layernorm" => new LayerNorm(Shape("weight")[0]),
            _ => throw new ArgumentException(name),
        };
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ForwardAndGradientsMatchPyTorch(string name)
    {
        var c = TorchFixture.Load("layers.json").GetProperty("cases").EnumerateArray().First(e => e.GetProperty("name").GetString() == name);
        var layer = Build(name, c);
        // Loading PyTorch's state dict by name also checks that our state-dict keys and shapes are PyTorch's.
        var state = c.GetProperty("state").EnumerateObject().ToDictionary(p => p.Name, p => TorchFixture.Array(p.Value));
        layer.LoadStateDict(state);
        layer.Train(c.GetProperty("train").GetBoolean());

        var x = TorchFixture.Tensor(c.GetProperty("input"));
        x.RequiresGrad = true;
        var y = layer.Forward(x);
        y.Backward(TorchFixture.Tensor(c.GetProperty("upstream")));

        TorchFixture.AssertClose($"{name} output", y.Span, TorchFixture.Array(c.GetProperty("output")));
        TorchFixture.AssertClose($"{name} dL/dx", x.Grad!.Span, TorchFixture.Array(c.GetProperty("grad_input")));
        TorchFixture.AssertParameterGradients(name, layer, c);
        TorchFixture.AssertStateAfter(name, layer, c);
    }

    [Fact]
    public void StateDictNamesFollowPyTorch()
    {
        var rng = new Rng(1);
        var model = new Sequential(new Linear(4, 3, rng), new ActivationLayer(Activation.Relu), new BatchNorm1d(3), new Linear(3, 2, rng));
        Assert.Equal(
            ["0.weight", "0.bias", "2.weight", "2.bias", "2.running_mean", "2.running_var", "2.num_batches_tracked", "3.weight", "3.bias"],
            model.StateDict().Select(e => e.Name));
        Assert.Equal(["0.weight", "0.bias", "2.weight", "2.bias", "3.weight", "3.bias"], model.NamedParameters().Select(p => p.Name));
    }

    [Fact]
    public void LoadStateDictListsEveryProblem()
    {
        var model = new Sequential(new Linear(4, 3, new Rng(1)));
        var bad = new Dictionary<string, (int[], float[])>
        {
            ["0.weight"] = ([3, 5], new float[15]),
            ["0.extra"] = ([1], new float[1]),
        };
        var ex = Assert.Throws<ArgumentException>(() => model.LoadStateDict(bad));
        Assert.Contains("'0.weight' has shape (3, 5), the model expects (3, 4)", ex.Message);
        Assert.Contains("missing '0.bias'", ex.Message);
        Assert.Contains("unexpected '0.extra'", ex.Message);
    }

    [Fact]
    public void LinearDefaultInitIsBoundedByOneOverSqrtFanIn()
    {
        var l = new Linear(100, 50, new Rng(3));
        float bound = 1f / MathF.Sqrt(100);
        Assert.All(l.Weight.ToArray(), w => Assert.InRange(w, -bound, bound));
        Assert.All(l.Bias!.ToArray(), b => Assert.InRange(b, -bound, bound));
        Assert.True(l.Weight.ToArray().Max() > 0.9f * bound);  // spans the range, not a constant
    }
}
