using System.Text.Json;
using Bottleneck.NN;
using Bottleneck.Tensors;

namespace Bottleneck.Tests.NN;

/// <summary>LSTM and GRU against PyTorch 1.13 (Fixtures/torch/make_recurrent_fixtures.py): outputs, last states and every gradient.</summary>
public class RecurrentParityTests
{
    public static IEnumerable<object[]> Cases() =>
        TorchFixture.Load("recurrent.json").GetProperty("cases").EnumerateArray().Select(c => new object[] { c.GetProperty("name").GetString()! });

    private static RecurrentLayer Build(JsonElement c)
    {
        var a = c.GetProperty("args");
        int Get(string k, int d) => a.TryGetProperty(k, out var v) ? v.GetInt32() : d;
        bool Flag(string k, bool d) => a.TryGetProperty(k, out var v) ? v.GetBoolean() : d;
        float dropout = a.TryGetProperty("dropout", out var dp) ? (float)dp.GetDouble() : 0f;
        var rng = new Rng(0);
        int input = Get("input_size", 0), hidden = Get("hidden_size", 0), layers = Get("num_layers", 1);
        bool bias = Flag("bias", true), batchFirst = Flag("batch_first", false), bidirectional = Flag("bidirectional", false);
        return c.GetProperty("kind").GetString() == "lstm"
            ? new Lstm(input, hidden, rng, layers, bias, batchFirst, dropout, bidirectional)
            : new Gru(input, hidden, rng, layers, bias, batchFirst, dropout, bidirectional);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void OutputsStatesAndGradientsMatchPyTorch(string name)
    {
        // Given PyTorch's layer, loaded by its own state-dict names
        var c = TorchFixture.Load("recurrent.json").GetProperty("cases").EnumerateArray().First(e => e.GetProperty("name").GetString() == name);
        var layer = Build(c);
        layer.LoadStateDict(c.GetProperty("state").EnumerateObject().ToDictionary(p => p.Name, p => TorchFixture.Array(p.Value)));
        Assert.Equal(c.GetProperty("state").EnumerateObject().Select(p => p.Name), layer.StateDict().Select(e => e.Name));
        layer.Train(c.GetProperty("train").GetBoolean());
        var x = TorchFixture.Tensor(c.GetProperty("input"));
        x.RequiresGrad = true;
        Tensor? h0 = null, c0 = null;
        if (c.TryGetProperty("h0", out var h0e)) { h0 = TorchFixture.Tensor(h0e); h0.RequiresGrad = true; }
        if (c.TryGetProperty("c0", out var c0e)) { c0 = TorchFixture.Tensor(c0e); c0.RequiresGrad = true; }

        // When it runs and L = Σ output·g_out + Σ h_n·g_h (+ Σ c_n·g_c) backpropagates
        var result = layer is Lstm lstm ? lstm.Forward(x, h0, c0) : ((Gru)layer).Forward(x, h0);
        var loss = (result.Output * TorchFixture.Tensor(c.GetProperty("upstream_output"))).Sum()
                   + (result.HiddenState * TorchFixture.Tensor(c.GetProperty("upstream_h"))).Sum();
        if (result.CellState != null) loss = loss + (result.CellState * TorchFixture.Tensor(c.GetProperty("upstream_c"))).Sum();
        loss.Backward();

        // Then outputs, states and gradients agree with PyTorch
        TorchFixture.AssertClose($"{name} output", result.Output.Span, TorchFixture.Array(c.GetProperty("output")));
        TorchFixture.AssertClose($"{name} h_n", result.HiddenState.Span, TorchFixture.Array(c.GetProperty("h_n")));
        if (c.TryGetProperty("c_n", out var cn)) TorchFixture.AssertClose($"{name} c_n", result.CellState!.Span, TorchFixture.Array(cn));
        TorchFixture.AssertClose($"{name} dL/dx", x.Grad!.Span, TorchFixture.Array(c.GetProperty("grad_input")));
        if (h0 != null) TorchFixture.AssertClose($"{name} dL/dh0", h0.Grad!.Span, TorchFixture.Array(c.GetProperty("grad_h0")));
        if (c0 != null) TorchFixture.AssertClose($"{name} dL/dc0", c0.Grad!.Span, TorchFixture.Array(c.GetProperty("grad_c0")));
        TorchFixture.AssertParameterGradients(name, layer, c);
    }

    [Fact]
    public void DropoutBetweenLayersActsOnlyInTraining()
    {
        // Given a three-layer LSTM with dropout 0.5 between layers
        var layer = new Lstm(2, 4, new Rng(5), numLayers: 3, dropout: 0.5f);
        var x = Tensor.Normal(new Rng(6), 0f, 1f, 3, 5, 2);
        // When it runs in evaluation mode twice and in training mode
        layer.Eval();
        var a = layer.Forward(x).ToArray();
        var b = layer.Forward(x).ToArray();
        layer.Train();
        var t = layer.Forward(x).ToArray();
        // Then evaluation is deterministic and training differs from it
        Assert.Equal(a, b);
        Assert.NotEqual(a, t);
    }

    [Fact]
    public void ShapeErrorsNameTheShapes()
    {
        var layer = new Gru(3, 4, new Rng(1), numLayers: 2);
        var ex = Assert.Throws<ShapeException>(() => layer.Forward(Tensor.Zeros(2, 5, 4)));
        Assert.Contains("has 4 features, the layer expects 3", ex.Message);
        var ex2 = Assert.Throws<ShapeException>(() => layer.Forward(Tensor.Zeros(2, 5, 3), Tensor.Zeros(1, 2, 4)));
        Assert.Contains("h0 (1, 2, 4) must have shape (2, 2, 4)", ex2.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Lstm(3, 0, new Rng(1)));
    }
}
