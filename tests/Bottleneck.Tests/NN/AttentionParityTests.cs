using System.Text.Json;
using Bottleneck.NN;
using Bottleneck.Tensors;
using Bottleneck.Tests.Autograd;

namespace Bottleneck.Tests.NN;

/// <summary>Multi-head self-attention and the pre-norm transformer encoder layer against PyTorch 1.13
/// (Fixtures/torch/make_attention_fixtures.py) and central differences; positional encodings.</summary>
public class AttentionParityTests
{
    public static IEnumerable<object[]> Cases() =>
        TorchFixture.Load("attention.json").GetProperty("cases").EnumerateArray().Select(c => new object[] { c.GetProperty("name").GetString()! });

    private static JsonElement Case(string name) =>
        TorchFixture.Load("attention.json").GetProperty("cases").EnumerateArray().First(e => e.GetProperty("name").GetString() == name);

    [Theory]
    [MemberData(nameof(Cases))]
    public void OutputAndGradientsMatchPyTorch(string name)
    {
        // Given PyTorch's module loaded by its state-dict names
        var c = Case(name);
        var state = c.GetProperty("state").EnumerateObject().ToDictionary(p => p.Name, p => TorchFixture.Array(p.Value));
        int e = (state.TryGetValue("self_attn.in_proj_weight", out var w) ? w : state["in_proj_weight"]).Shape[1];
        bool mha = c.GetProperty("kind").GetString() == "mha";
        // heads are not in the state dict: read them from the case name's construction (the script's choices)
        int heads = name switch { "mha_padding" => 4, "mha_causal_padding" => 1, _ => 2 };
        Module module = mha ? new MultiheadAttention(e, heads, new Rng(0), dropout: 0f)
                            : new TransformerEncoderLayer(e, heads, state["linear1.weight"].Shape[0], new Rng(0), dropout: 0f);
        module.LoadStateDict(state);
        Assert.Equal(state.Keys, module.StateDict().Select(s => s.Name));
        var x = TorchFixture.Tensor(c.GetProperty("input"));
        x.RequiresGrad = true;
        bool causal = c.GetProperty("causal").GetBoolean();
        Tensor? padding = c.TryGetProperty("key_padding_mask", out var pm) ? TorchFixture.Tensor(pm) : null;
        // When it runs and L = Σ y·g backpropagates
        var y = module is MultiheadAttention a ? a.Forward(x, causal, padding) : ((TransformerEncoderLayer)module).Forward(x, causal, padding);
        y.Backward(TorchFixture.Tensor(c.GetProperty("upstream")));
        // Then output and every gradient agree
        TorchFixture.AssertClose($"{name} output", y.Span, TorchFixture.Array(c.GetProperty("output")));
        TorchFixture.AssertClose($"{name} dL/dx", x.Grad!.Span, TorchFixture.Array(c.GetProperty("grad_input")));
        TorchFixture.AssertParameterGradients(name, module, c);
    }

    [Fact]
    public void AttentionAndEncoderLayerGradientsMatchCentralDifferences()
    {
        var rng = new Rng(21);
        var attention = new MultiheadAttention(4, 2, rng);
        var padding = Tensor.Zeros(2, 3);
        padding[1, 2] = 1f;
        GradCheck.Check("attention causal + padding", x => attention.Forward(x[0], true, padding),
            [GradCheck.Rand(rng, [2, 3, 4], -1f, 1f), .. attention.Parameters()]);
        var layer = new TransformerEncoderLayer(4, 2, 6, rng, dropout: 0f);
        // Keep every feed-forward unit on the linear side of the ReLU (its kink would put the stencil across a non-differentiable point;
        // ReLU itself is checked in the op table): |linear1(LayerNorm(x))| stays below 5 for these weights.
        layer.Linear1.Bias!.Span.Fill(5f);
        GradCheck.Check("encoder layer", x => layer.Forward(x[0]), [GradCheck.Rand(rng, [2, 3, 4], -1f, 1f), .. layer.Parameters()]);
        var learned = new LearnedPositionalEncoding(4, 5, rng);
        GradCheck.Check("learned positions", x => learned.Forward(x[0]) * x[0], [GradCheck.Rand(rng, [2, 3, 4]), learned.Weight]);
    }

    [Fact]
    public void SinusoidalEncodingFollowsTheFormula()
    {
        var pe = new SinusoidalPositionalEncoding(6, 10);
        Assert.Empty(pe.StateDict());
        Assert.Equal(MathF.Sin(3f), pe.Table[3, 0], 6);
        Assert.Equal(MathF.Cos(3f), pe.Table[3, 1], 6);
        Assert.Equal((float)Math.Sin(7 / Math.Pow(10000, 4.0 / 6)), pe.Table[7, 4], 6);
        var y = pe.Forward(Tensor.Zeros(2, 4, 6));
        Assert.Equal(pe.Table[3, 5], y[1, 3, 5]);
        Assert.Throws<ShapeException>(() => pe.Forward(Tensor.Zeros(1, 11, 6)));
    }

    [Fact]
    public void CausalAttentionDoesNotLookAhead()
    {
        // Given a causal attention layer and two inputs that differ only at the last step
        var attention = new MultiheadAttention(4, 2, new Rng(3));
        var a = Tensor.Normal(new Rng(4), 0f, 1f, 1, 5, 4);
        var b = a.Clone();
        for (int j = 0; j < 4; j++) b[0, 4, j] += 3f;
        // When both run
        var ya = attention.Forward(a, true, null); var yb = attention.Forward(b, true, null);
        // Then the first four steps' outputs are identical and the last differs
        for (int t = 0; t < 4; t++) for (int j = 0; j < 4; j++) Assert.Equal(ya[0, t, j], yb[0, t, j]);
        Assert.NotEqual(ya[0, 4, 0], yb[0, 4, 0]);
    }
}
