using Bottleneck.Autograd;
using Bottleneck.Tensors;

namespace Bottleneck.Tests.Autograd;

public class EngineTests
{
    [Fact]
    public void BroadcastingFollowsNumPyRules()
    {
        // Given (2, 1, 3) + (4, 1): When added, Then the shape is (2, 4, 3) and each element is the sum of its sources.
        var a = Tensor.FromArray([1, 2, 3, 4, 5, 6], 2, 1, 3);
        var b = Tensor.FromArray([10, 20, 30, 40], 4, 1);
        var c = a + b;
        Assert.Equal([2, 4, 3], c.ShapeToArray());
        Assert.Equal(5 + 30, c[1, 2, 1]);
        Assert.Equal(1 + 10, c[0, 0, 0]);
    }

    [Fact]
    public void IncompatibleBroadcastNamesOpAndBothShapes()
    {
        var ex = Assert.Throws<ShapeException>(() => Tensor.Zeros(3, 4) + Tensor.Zeros(5));
        Assert.Contains("add", ex.Message);
        Assert.Contains("(3, 4)", ex.Message);
        Assert.Contains("(5,)", ex.Message);
    }

    [Fact]
    public void MatMulInnerMismatchNamesBothShapes()
    {
        var ex = Assert.Throws<ShapeException>(() => Tensor.Zeros(2, 3).MatMul(Tensor.Zeros(4, 5)));
        Assert.Contains("matmul", ex.Message);
        Assert.Contains("(2, 3)", ex.Message);
        Assert.Contains("(4, 5)", ex.Message);
    }

    [Fact]
    public void LinearWidthMismatchNamesFeatures()
    {
        var ex = Assert.Throws<ShapeException>(() => Tensor.Linear(Tensor.Zeros(8, 780), Tensor.Zeros(16, 784), null));
        Assert.Contains("780", ex.Message);
        Assert.Contains("784", ex.Message);
    }

    [Fact]
    public void BackwardThroughNaNLossThrowsNamingTheValue()
    {
        var x = Tensor.FromArray([-1f, 2f], 2);
        x.RequiresGrad = true;
        var loss = x.Log().Sum();  // ln(−1) = NaN
        var ex = Assert.Throws<InvalidOperationException>(() => loss.Backward());
        Assert.Contains("NaN", ex.Message);
        Assert.Contains("sum", ex.Message);
    }

    [Fact]
    public void BackwardOnNonScalarWithoutGradientExplains()
    {
        var x = Tensor.Ones(3); x.RequiresGrad = true;
        var ex = Assert.Throws<InvalidOperationException>(() => (x * 2f).Backward());
        Assert.Contains("(3,)", ex.Message);
    }

    [Fact]
    public void GradientsAccumulateAcrossBackwardCallsUntilZeroed()
    {
        var x = Tensor.FromArray([3f], 1); x.RequiresGrad = true;
        (x * x).Sum().Backward();
        (x * x).Sum().Backward();
        Assert.Equal(12f, x.Grad!.Span[0]);  // 2·3 twice
        x.ZeroGrad();
        (x * 5f).Sum().Backward();
        Assert.Equal(5f, x.Grad!.Span[0]);
    }

    [Fact]
    public void NoGradRecordsNothingAndDetachCutsTheGraph()
    {
        var x = Tensor.Ones(2); x.RequiresGrad = true;
        using (GradMode.NoGrad())
        {
            var y = x * 3f;
            Assert.False(y.RequiresGrad);
            Assert.True(y.IsLeaf);
        }
        var d = (x * 3f).Detach();
        Assert.False(d.RequiresGrad);
        Assert.Equal("mul", (x * 3f).GradFnName);
    }

    [Fact]
    public void BackwardOnAGraphTenThousandNodesDeepDoesNotRecurse()
    {
        // Unrolled sequence models make deep graphs; the walk is iterative, so this must not overflow the stack.
        var x = Tensor.FromArray([0.5f], 1); x.RequiresGrad = true;
        var y = x;
        for (int i = 0; i < 10_000; i++) y = y * 1.0001f + 0f;
        y.Sum().Backward();
        Assert.Equal(MathF.Pow(1.0001f, 10_000), x.Grad!.Span[0], 2);
    }

    [Fact]
    public void DiamondGraphAccumulatesBothPaths()
    {
        var x = Tensor.FromArray([2f], 1); x.RequiresGrad = true;
        var a = x * 3f; var b = x.Exp();
        (a * b).Sum().Backward();  // d/dx 3x·eˣ = 3eˣ + 3x·eˣ
        Assert.Equal(3 * MathF.Exp(2) * 3, x.Grad!.Span[0], 3);
    }

    [Fact]
    public void ScopeReturnsBuffersSoTheNextStepReusesThem()
    {
        var pool = new BufferPool();
        var w = Tensor.Ones(64, 64); w.RequiresGrad = true;
        void Step()
        {
            using var scope = new TensorScope(pool);
            var x = Tensor.Full(0.5f, 32, 64);
            Tensor.Linear(x, w, null).Relu().Sum().Backward();
        }
        Step();
        long pooled = pool.PooledBytes;
        Assert.True(pooled > 0);
        Step();
        Assert.Equal(pooled, pool.PooledBytes);        // same buffers came back, none were added
        Assert.Equal(2 * 32 * 0.5f, w.Grad!.Span[0]); // two steps accumulated into the (unscoped) leaf gradient
    }

    [Fact]
    public void KeptTensorsSurviveTheirScope()
    {
        var pool = new BufferPool();
        Tensor kept;
        using (new TensorScope(pool)) kept = TensorScope.Keep(Tensor.Full(7f, 3));
        using (new TensorScope(pool)) _ = Tensor.Full(1f, 3);
        Assert.Equal(7f, kept.Span[2]);
    }

    [Fact]
    public void ReshapeIsAViewAndValidatesCounts()
    {
        var x = Tensor.Arange(6);
        var v = x.Reshape(2, -1);
        v[1, 0] = 42f;
        Assert.Equal(42f, x[3]);
        Assert.Throws<ShapeException>(() => x.Reshape(4, -1));
    }

    [Fact]
    public void RngIsReproducibleFromASeedAndRestorable()
    {
        var a = new Rng(99); var b = new Rng(99);
        Assert.Equal(a.NextNormal(), b.NextNormal());
        var state = a.SaveState();
        float next = a.NextFloat();
        b.Restore(state);
        Assert.Equal(next, b.NextFloat());
        var perm = new Rng(5).Permutation(100);
        Assert.Equal(Enumerable.Range(0, 100), perm.OrderBy(i => i));
    }

    [Fact]
    public void SoftmaxIsStableForLargeLogits()
    {
        var x = Tensor.FromArray([1000f, 1001f, 1002f], 1, 3);
        var p = x.Softmax();
        Assert.Equal(1f, p.Sum().Item(), 5);
        Assert.True(x.LogSoftmax().AllFinite());
    }
}
