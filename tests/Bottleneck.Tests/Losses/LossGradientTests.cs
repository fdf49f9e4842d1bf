using Bottleneck.Losses;
using Bottleneck.Tensors;

namespace Bottleneck.Tests.Losses;

/// <summary>Table-driven central-difference checks of every loss's backward pass, for every reduction (see <see cref="LossGradCheck"/>).</summary>
public class LossGradientTests
{
    private const int N = 3, D = 4;

    /// <summary>One table row: builds fresh inputs from a seeded generator, says which are checked, and computes the loss.</summary>
    private sealed record Row(Func<Rng, Tensor[]> Inputs, bool[] Check, Func<Tensor[], Reduction, Tensor> Loss);

    private static Tensor Uniform(Rng rng, float lo, float hi, params int[] shape)
    {
        var t = Tensor.Zeros(shape);
        foreach (ref float v in t.Span) v = rng.Uniform(lo, hi);
        return t;
    }

    /// <summary>y = x + s·(gap + U(0, 1)) with random sign s: keeps |x − y| ≥ gap, out of the stencil's reach of the L1 kink.</summary>
    private static Tensor AwayFrom(Rng rng, Tensor x, float gap, Func<float, bool>? reject = null)
    {
        var y = Tensor.Zeros(x.ShapeToArray());
        var xs = x.Span; var ys = y.Span;
        for (int i = 0; i < ys.Length; i++)
        {
            float d;
            do { d = (rng.NextFloat() < 0.5f ? -1f : 1f) * (gap + rng.NextFloat() * 1.5f); } while (reject != null && reject(MathF.Abs(d)));
            ys[i] = xs[i] - d;
        }
        return y;
    }

    private static readonly int[] CeTargets = [2, 0, 3];

    private static readonly Dictionary<string, Row> Table = new()
    {
        ["mse"] = new(r => [Uniform(r, -2, 2, N, D), Uniform(r, -2, 2, N, D)], [true, true], (t, red) => Loss.Mse(t[0], t[1], red)),
        ["l1"] = new(r => { var x = Uniform(r, -2, 2, N, D); return [x, AwayFrom(r, x, 0.1f)]; }, [true, true], (t, red) => Loss.L1(t[0], t[1], red)),
        // |x − y| kept ≥ 0.1 away from δ: Huber's second derivative jumps there
        ["huber"] = new(r => { var x = Uniform(r, -2, 2, N, D); return [x, AwayFrom(r, x, 0.1f, d => MathF.Abs(d - 1f) < 0.1f)]; }, [true, true], (t, red) => Loss.Huber(t[0], t[1], 1f, red)),
        ["huber_d05"] = new(r => { var x = Uniform(r, -2, 2, N, D); return [x, AwayFrom(r, x, 0.1f, d => MathF.Abs(d - 0.5f) < 0.1f)]; }, [true, true], (t, red) => Loss.Huber(t[0], t[1], 0.5f, red)),
        ["bce"] = new(r => [Uniform(r, 0.1f, 0.9f, N, D), Uniform(r, 0, 1, N, D)], [true, true], (t, red) => Loss.Bce(t[0], t[1], red)),
        ["bce_with_logits"] = new(r => [Uniform(r, -4, 4, N, D), Uniform(r, 0, 1, N, D)], [true, true], (t, red) => Loss.BceWithLogits(t[0], t[1], red)),
        ["masked_mse"] = new(r =>
        {
            var m = Tensor.FromArray([1, 0, 1, 1, 0.5f, 1, 0, 1, 1, 1, 0, 1], N, D);
            return [Uniform(r, -2, 2, N, D), Uniform(r, -2, 2, N, D), m];
        }, [true, true, false], (t, red) => Loss.MaskedMse(t[0], t[1], t[2], red)),
        ["cross_entropy"] = new(r => [Uniform(r, -3, 3, N, D)], [true], (t, red) => Loss.CrossEntropy(t[0], CeTargets, red)),
        ["cross_entropy_probs"] = new(r => [Uniform(r, -3, 3, N, D), Uniform(r, 0, 3, N, D).Softmax(1)], [true, true], (t, red) => Loss.CrossEntropy(t[0], t[1], red)),
        ["kl_standard_normal"] = new(r => [Uniform(r, -1.5f, 1.5f, N, D), Uniform(r, -1.5f, 1.5f, N, D)], [true, true], (t, red) => Loss.KlDivergenceStandardNormal(t[0], t[1], red)),
    };

    public static TheoryData<string, Reduction> Cases()
    {
        var data = new TheoryData<string, Reduction>();
        foreach (var name in Table.Keys)
            foreach (var red in new[] { Reduction.Mean, Reduction.Sum, Reduction.None, Reduction.BatchMean })
                data.Add(name, red);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void BackwardMatchesCentralDifferences(string name, Reduction reduction)
    {
        var row = Table[name];
        var inputs = row.Inputs(new Rng(17));
        LossGradCheck.Check($"{name}/{reduction}", t => row.Loss(t, reduction), inputs, row.Check);
    }

    [Fact]
    public void BceWithLogitsBackwardIsStableForLargeLogits()
    {
        // far in the tails the loss is linear (or flat) in x and the fused backward must stay exact, not overflow
        var x = Tensor.FromArray([-60f, -25f, 25f, 60f], 4);
        var y = Tensor.FromArray([0.3f, 1f, 0f, 0.7f], 4);
        LossGradCheck.Check("bce_with_logits tails", t => Loss.BceWithLogits(t[0], t[1], Reduction.Sum), [x, y]);
        x.RequiresGrad = true;
        var loss = Loss.BceWithLogits(x, y, Reduction.None);
        Assert.Equal("bce_with_logits", loss.GradFnName);   // one fused node
        Assert.Equal(new[] { 18f, 25f, 25f, 18f }, loss.ToArray());
    }

    [Fact]
    public void CheckCatchesFactorOfTwo()
    {
        // x·detach(x) computes x² but back-propagates x instead of 2x: exactly a factor-of-2 error in a backward pass
        var failures = LossGradCheck.Run(t => (t[0] * t[0].Detach()).Sum(), [Tensor.FromArray([0.3f, -0.7f, 1.1f, 0.05f], 4)]);
        Assert.Equal(4, failures.Count);
        // and twice the true gradient: 4·x·detach(x) − 3·detach(x)² computes x² but back-propagates 4x instead of 2x
        var doubled = LossGradCheck.Run(t => (t[0] * t[0].Detach()).MulScalar(4f).Sum() - t[0].Detach().Pow(2f).MulScalar(3f).Sum(),
            [Tensor.FromArray([0.3f, -0.7f, 1.1f, 0.5f], 4)]);
        Assert.Equal(4, doubled.Count);
    }

    [Fact]
    public void CheckPassesACorrectGradient()
    {
        Assert.Empty(LossGradCheck.Run(t => (t[0] * t[0]).Sum(), [Tensor.FromArray([0.3f, -0.7f, 1.1f, 0.05f], 4)]));
    }
}
