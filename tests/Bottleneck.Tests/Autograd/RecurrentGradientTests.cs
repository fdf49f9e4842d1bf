using Bottleneck.NN;
using Bottleneck.Tensors;

namespace Bottleneck.Tests.Autograd;

/// <summary>The fused LSTM and GRU ops and layers against central differences (<see cref="GradCheck"/>).</summary>
public class RecurrentGradientTests
{
    public sealed record Case(string Name, Func<Tensor[], Tensor> F, Func<Rng, Tensor[]> Inputs)
    {
        public override string ToString() => Name;
    }

    private static Tensor R(Rng r, params int[] s) => GradCheck.Rand(r, s, -1f, 1f);

    // N = 2, T = 3, I = 2, H = 2: every input (x, W_ih, W_hh, b_ih, b_hh, h0, c0) is checked; the output joins h_t for every t and c_T.
    private static Tensor LstmJoined(Tensor[] x, bool reverse)
    {
        var (y, c) = Tensor.LstmDirection(x[0], x[1], x[2], x[3], x[4], x[5], x[6], reverse);
        return Tensor.Concat([y.Reshape(2, 6), c], 1);
    }

    public static readonly Case[] Cases =
    [
        new("lstm direction", x => LstmJoined(x, false), r => [R(r, 2, 3, 2), R(r, 8, 2), R(r, 8, 2), R(r, 8), R(r, 8), R(r, 2, 2), R(r, 2, 2)]),
        new("lstm direction reverse", x => LstmJoined(x, true), r => [R(r, 2, 3, 2), R(r, 8, 2), R(r, 8, 2), R(r, 8), R(r, 8), R(r, 2, 2), R(r, 2, 2)]),
        new("lstm cell state only", x => Tensor.LstmDirection(x[0], x[1], x[2], null, null, x[3], x[4]).CellState,
            r => [R(r, 2, 3, 2), R(r, 8, 2), R(r, 8, 2), R(r, 2, 2), R(r, 2, 2)]),
        new("gru direction", x => Tensor.GruDirection(x[0], x[1], x[2], x[3], x[4], x[5]),
            r => [R(r, 2, 3, 2), R(r, 6, 2), R(r, 6, 2), R(r, 6), R(r, 6), R(r, 2, 2)]),
        new("gru direction reverse no bias", x => Tensor.GruDirection(x[0], x[1], x[2], null, null, x[3], reverse: true),
            r => [R(r, 2, 4, 3), R(r, 6, 3), R(r, 6, 2), R(r, 2, 2)]),
    ];

    public static IEnumerable<object[]> CaseNames() => Cases.Select(c => new object[] { c.Name });

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void AnalyticGradientMatchesCentralDifferences(string name)
    {
        var c = Cases.Single(k => k.Name == name);
        GradCheck.Check(name, c.F, c.Inputs(new Rng(7)));
    }

    [Theory]
    [InlineData("lstm")]
    [InlineData("gru")]
    public void TwoLayerBidirectionalLayerGradientsMatchCentralDifferences(string kind)
    {
        // Given a two-layer bidirectional layer whose parameters and input are the checked tensors
        var rng = new Rng(3);
        RecurrentLayer layer = kind == "lstm" ? new Lstm(2, 2, rng, numLayers: 2, bidirectional: true) : new Gru(2, 2, rng, numLayers: 2, bidirectional: true);
        var parameters = layer.Parameters().ToArray();
        var x = R(rng, 2, 3, 2);
        var h0 = R(rng, 4, 2, 2);
        Tensor F(Tensor[] inputs)
        {
            var out_ = layer is Lstm l ? l.Forward(inputs[0], inputs[1], null) : ((Gru)layer).Forward(inputs[0], inputs[1]);
            return Tensor.Concat([out_.Output.Reshape(2, 12), out_.HiddenState.Reshape(2, 8)], 1);
        }
        // When/Then: every input, initial-state and parameter gradient agrees with the 5-point stencil
        GradCheck.Check($"{kind} 2-layer bidirectional", F, [x, h0, .. parameters]);
    }

    [Theory]
    [InlineData("lstm")]
    [InlineData("gru")]
    public void BackpropagationThroughTimeRunsOverThousandsOfSteps(string kind)
    {
        // Given a sequence of 5,000 steps
        var rng = new Rng(11);
        RecurrentLayer layer = kind == "lstm" ? new Lstm(1, 4, rng, numLayers: 2) : new Gru(1, 4, rng, numLayers: 2);
        var x = GradCheck.Rand(rng, [1, 5000, 1]);
        x.RequiresGrad = true;
        // When the loss sums every output and backpropagates
        layer.Forward(x).Sum().Backward();
        // Then every step of the input has a finite gradient, and the first step (4,999 steps before the end) a nonzero one
        var g = x.Grad!.Span;
        for (int i = 0; i < g.Length; i++) Assert.True(float.IsFinite(g[i]), $"dL/dx[{i}] = {g[i]}");
        Assert.NotEqual(0f, g[0]);
        foreach (var p in layer.Parameters()) Assert.True(p.Grad!.Span.ToArray().All(float.IsFinite));
    }
}

/// <summary>The fused recurrent ops allocate per call, never per time step.</summary>
public class RecurrentAllocationTests
{
    private static long AllocatedBytes(bool lstm, int steps)
    {
        var rng = new Rng(1);
        RecurrentLayer layer = lstm ? new Lstm(3, 16, rng) : new Gru(3, 16, rng);
        var x = Tensor.Normal(rng, 0f, 1f, 4, steps, 3);
        x.RequiresGrad = true;
        var pool = new BufferPool();
        void Once()
        {
            using var scope = new TensorScope(pool);
            layer.ZeroGrad();
            layer.Forward(x).Sum().Backward();
        }
        Once(); Once();                                   // warm-up: the pool now holds every buffer a call needs
        // Least of three measured calls: the runtime's one-off re-compilation work on this thread (seen on a loaded
        // machine) shows in one call at most, a per-step allocation in every one.
        long least = long.MaxValue;
        for (int round = 0; round < 3; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            Once();
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        return least;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ManagedAllocationsDoNotGrowWithTheNumberOfSteps(bool lstm)
    {
        // Given pooled buffers (a training step's tensor scope), when a forward and backward pass runs over 20 and over 2,000 steps
        long short_ = AllocatedBytes(lstm, 20), long_ = AllocatedBytes(lstm, 2000);
        // Then the managed bytes allocated are the same small per-call amount (tensor and node objects), not per step
        Assert.True(long_ <= short_ + 1024, $"20 steps: {short_} B, 2,000 steps: {long_} B");
        Assert.True(long_ < 64 * 1024, $"{long_} B per call");
    }
}
