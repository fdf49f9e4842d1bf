using Bottleneck.NN;
using Bottleneck.Tensors;

namespace Bottleneck.Tests.Autograd;

/// <summary>One table: every differentiable op and layer of the engine against central differences.</summary>
public class GradientCheckTests
{
    public sealed record Case(string Name, Func<Tensor[], Tensor> F, Func<Rng, Tensor[]> Inputs)
    {
        public override string ToString() => Name;
    }

    private static Tensor R(Rng r, params int[] s) => GradCheck.Rand(r, s);
    private static Tensor Pos(Rng r, params int[] s) => GradCheck.Rand(r, s, 0.5f, 2f);
    private static Tensor Kinked(Rng r, params int[] s) => GradCheck.Rand(r, s, -2f, 2f, awayFromZero: 0.1f);

    /// <summary>Distinct values at least 0.25 apart (so max never has a tie within the stencil's ±2h).</summary>
    private static Tensor Distinct(Rng r, params int[] s)
    {
        var t = Tensor.Zeros(s);
        var p = r.Permutation(t.Length);
        for (int i = 0; i < p.Length; i++) t.Span[i] = (p[i] - p.Length / 2f) * 0.25f;
        return t;
    }

    private static readonly int[] Idx = [2, 0, 2, 1];

    /// <summary>Inputs of a fused Linear+ReLU whose pre-activations are all at least 0.1 from the kink (redrawn until they are).</summary>
    private static Tensor[] LinearReluInputs(Rng r, int rows, int inF, int outF, bool bias)
    {
        while (true)
        {
            Tensor x = rows == 6 ? R(r, 2, 3, inF) : R(r, rows, inF), w = R(r, outF, inF);
            Tensor? b = bias ? R(r, outF) : null;
            var pre = Tensor.Linear(x, w, b).Span;
            bool safe = true;
            foreach (float v in pre) safe &= MathF.Abs(v) >= 0.1f;
            if (safe) return b is null ? [x, w] : [x, w, b];
        }
    }

    public static readonly Case[] Cases =
    [
        new("add", x => x[0] + x[1], r => [R(r, 3, 4), R(r, 3, 4)]),
        new("add broadcast row", x => x[0] + x[1], r => [R(r, 3, 4), R(r, 4)]),
        new("add broadcast outer", x => x[0] + x[1], r => [R(r, 3, 1), R(r, 1, 4)]),
        new("add broadcast 3-D", x => x[0] + x[1], r => [R(r, 2, 3, 4), R(r, 3, 1)]),
        new("sub broadcast", x => x[0] - x[1], r => [R(r, 2, 1, 4), R(r, 3, 4)]),
        new("mul broadcast", x => x[0] * x[1], r => [R(r, 3, 4), R(r, 3, 1)]),
        new("div broadcast", x => x[0] / x[1], r => [R(r, 3, 4), Pos(r, 4)]),
        new("pow tensor", x => Tensor.Pow(x[0], x[1]), r => [Pos(r, 3, 4), R(r, 3, 4)]),
        new("pow scalar 3", x => x[0].Pow(3f), r => [R(r, 3, 4)]),
        new("pow scalar 0.5", x => x[0].Pow(0.5f), r => [Pos(r, 3, 4)]),
        new("neg", x => -x[0], r => [R(r, 5)]),
        new("add scalar", x => x[0] + 2.5f, r => [R(r, 5)]),
        new("mul scalar", x => 3f * x[0], r => [R(r, 5)]),
        new("rsub scalar", x => 1f - x[0], r => [R(r, 5)]),
        new("matmul", x => x[0].MatMul(x[1]), r => [R(r, 3, 4), R(r, 4, 5)]),
        new("matmul batched", x => x[0].MatMul(x[1]), r => [R(r, 2, 3, 4), R(r, 2, 4, 5)]),
        new("matmul batched x 2-D", x => x[0].MatMul(x[1]), r => [R(r, 2, 3, 4), R(r, 4, 5)]),
        new("matmul 2-D x batched", x => x[0].MatMul(x[1]), r => [R(r, 3, 4), R(r, 2, 4, 5)]),
        new("linear", x => Tensor.Linear(x[0], x[1], x[2]), r => [R(r, 3, 4), R(r, 5, 4), R(r, 5)]),
        new("linear no bias 3-D", x => Tensor.Linear(x[0], x[1], null), r => [R(r, 2, 3, 4), R(r, 5, 4)]),
        new("linear relu (fused)", x => Tensor.LinearRelu(x[0], x[1], x[2]), r => LinearReluInputs(r, 3, 4, 5, bias: true)),
        new("linear relu (fused) no bias 3-D", x => Tensor.LinearRelu(x[0], x[1], null), r => LinearReluInputs(r, 6, 4, 5, bias: false)),
        new("sum", x => x[0].Sum(), r => [R(r, 3, 4)]),
        new("sum axis 0", x => x[0].Sum(0), r => [R(r, 3, 4)]),
        new("sum axes keepdim", x => x[0].Sum([0, 2], keepDim: true), r => [R(r, 2, 3, 4)]),
        new("mean", x => x[0].Mean(), r => [R(r, 3, 4)]),
        new("mean axis -1", x => x[0].Mean(-1), r => [R(r, 3, 4)]),
        new("max axis 1", x => x[0].Max(1), r => [Distinct(r, 3, 4)]),
        new("max axis 0 keepdim", x => x[0].Max(0, keepDim: true), r => [Distinct(r, 3, 4)]),
        new("max all", x => x[0].Max(), r => [Distinct(r, 2, 3)]),
        new("exp", x => x[0].Exp(), r => [R(r, 3, 4)]),
        new("log", x => x[0].Log(), r => [Pos(r, 3, 4)]),
        new("sqrt", x => x[0].Sqrt(), r => [Pos(r, 3, 4)]),
        new("abs", x => x[0].Abs(), r => [Kinked(r, 3, 4)]),
        new("clamp", x => x[0].Clamp(-1f, 1f), r => [GradCheck.Rand(r, [4, 4], -0.9f, 0.9f).Add2(r)]),
        new("relu", x => x[0].Relu(), r => [Kinked(r, 3, 4)]),
        // odd lengths (37) run both the vector loop and the scalar tail of the branchy kernels
        new("abs, vector + tail", x => x[0].Abs(), r => [Kinked(r, 37)]),
        new("clamp, vector + tail", x => x[0].Clamp(-1f, 1f), r => [GradCheck.Rand(r, [37], -0.9f, 0.9f).Add2(r)]),
        new("leaky relu, vector + tail", x => x[0].LeakyRelu(0.1f), r => [Kinked(r, 37)]),
        new("elu, vector + tail", x => x[0].Elu(1.3f), r => [Kinked(r, 37)]),
        new("softplus, vector + tail", x => x[0].Softplus(), r => [GradCheck.Rand(r, [37], -6f, 6f)]),
        new("leaky relu", x => x[0].LeakyRelu(0.2f), r => [Kinked(r, 3, 4)]),
        new("elu", x => x[0].Elu(0.7f), r => [Kinked(r, 3, 4)]),
        new("gelu", x => x[0].Gelu(), r => [R(r, 3, 4)]),
        new("sigmoid", x => x[0].Sigmoid(), r => [R(r, 3, 4)]),
        new("tanh", x => x[0].Tanh(), r => [R(r, 3, 4)]),
        new("softplus", x => x[0].Softplus(), r => [R(r, 3, 4)]),
        new("softplus beta 2", x => x[0].Softplus(2f, 20f), r => [R(r, 3, 4)]),
        new("softmax last", x => x[0].Softmax(), r => [R(r, 3, 4)]),
        new("softmax axis 0", x => x[0].Softmax(0), r => [R(r, 3, 2, 4)]),
        new("log softmax last", x => x[0].LogSoftmax(), r => [R(r, 3, 4)]),
        new("log softmax axis 1", x => x[0].LogSoftmax(1), r => [R(r, 2, 3, 4)]),
        new("reshape", x => x[0].Reshape(4, -1) * x[1], r => [R(r, 2, 6), R(r, 4, 3)]),
        new("transpose", x => x[0].Transpose() * x[1], r => [R(r, 3, 4), R(r, 4, 3)]),
        new("permute", x => x[0].Permute(2, 0, 1), r => [R(r, 2, 3, 4)]),
        new("broadcast to", x => x[0].BroadcastTo(2, 3, 4), r => [R(r, 3, 1)]),
        new("concat axis 1", x => Tensor.Concat([x[0], x[1]], 1), r => [R(r, 2, 3), R(r, 2, 2)]),
        new("split", x => { var p = x[0].Split([1, 3], 1); return p[0] * 2f + p[1].Sum(1, keepDim: true); }, r => [R(r, 3, 4)]),
        new("slice", x => x[0].Slice(1, 1, 2), r => [R(r, 3, 4)]),
        new("index select repeats", x => x[0].IndexSelect(0, Idx), r => [R(r, 3, 4)]),
        new("gather", x => x[0].Gather(1, [0, 2, 2, 1, 0, 0], [2, 3]), r => [R(r, 2, 4)]),
        new("where", x => Tensor.Where(Tensor.FromArray([1, 0, 0, 1, 1, 0], 2, 3), x[0], x[1]), r => [R(r, 2, 3), R(r, 3)]),
        new("masked fill", x => x[0].MaskedFill(Tensor.FromArray([1, 0, 0, 1], 4), 0.5f), r => [R(r, 3, 4)]),
        new("dropout (fixed mask)", x => x[0].Dropout(0.4f, training: true, new Rng(7)), r => [R(r, 4, 5)]),
        new("batch norm train (N, C)", x => Tensor.BatchNorm(x[0], x[1], x[2], Tensor.Zeros(3), Tensor.Ones(3), training: true), r => [R(r, 5, 3), Pos(r, 3), R(r, 3)]),
        new("batch norm train (N, C, L)", x => Tensor.BatchNorm(x[0], x[1], x[2], null, null, training: true), r => [R(r, 3, 2, 4), Pos(r, 2), R(r, 2)]),
        new("batch norm eval", x => Tensor.BatchNorm(x[0], x[1], x[2], Tensor.FromArray([0.1f, -0.2f, 0.3f], 3), Tensor.FromArray([0.5f, 1.5f, 2f], 3), training: false), r => [R(r, 4, 3), Pos(r, 3), R(r, 3)]),
        new("layer norm", x => Tensor.LayerNorm(x[0], 5, x[1], x[2]), r => [R(r, 3, 5), Pos(r, 5), R(r, 5)]),
        new("layer norm no affine", x => Tensor.LayerNorm(x[0], 4, null, null), r => [R(r, 2, 3, 4)]),
        new("composite mlp", x => Tensor.Linear(Tensor.Linear(x[0], x[1], x[2]).Tanh(), x[3], null).Sigmoid().Mean(1),
            r => [R(r, 4, 3), R(r, 5, 3), R(r, 5), R(r, 2, 5)]),
        new("shared input", x => x[0] * x[0] + x[0].Exp() * x[0], r => [R(r, 6)]),
    ];

    public static IEnumerable<object[]> CaseData() => Cases.Select(c => new object[] { c });

    [Theory]
    [MemberData(nameof(CaseData))]
    public void AnalyticGradientMatchesCentralDifferences(Case c)
    {
        var inputs = c.Inputs(new Rng((ulong)c.Name.GetHashCode(StringComparison.Ordinal) & 0xFFFF));
        GradCheck.Check(c.Name, c.F, inputs);
    }

    [Fact]
    public void GradCheckCatchesAWrongFactor()
    {
        // A deliberately wrong backward (gradient doubled through a custom composition) must be rejected.
        var x = GradCheck.Rand(new Rng(1), [4]);
        var ex = Assert.ThrowsAny<Exception>(() => GradCheck.Check("wrong", t => BadDouble(t[0]), x));
        Assert.Contains("analytic", ex.Message);
    }

    // f(x) = x, but the recorded graph computes 2x's gradient: forward value detached and re-attached through mul by 2.
    private static Tensor BadDouble(Tensor x)
    {
        var y = x * 2f;                                 // gradient 2
        var correction = (x.Detach() * -1f);            // value −x, no gradient
        return y + correction;                          // value x, analytic gradient 2, numeric 1
    }
}

internal static class GradTestExtensions
{
    /// <summary>Pushes a few elements outside [−1, 1] (but away from ±1) so clamp's both branches are checked.</summary>
    public static Tensor Add2(this Tensor t, Rng r)
    {
        var s = t.Span;
        for (int i = 0; i < s.Length; i += 3) s[i] = s[i] > 0 ? 1.5f : -1.5f;
        return t;
    }
}
