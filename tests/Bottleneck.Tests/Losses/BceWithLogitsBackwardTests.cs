using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using Bottleneck.Kernels;
using Bottleneck.Losses;
using Bottleneck.Tensors;

namespace Bottleneck.Tests.Losses;

/// <summary>
/// The blocked, threaded BCE-with-logits input gradient (<see cref="BceWithLogitsBackward"/>) against the three whole-input
/// passes it replaced (σ(x), − y, × upstream): bit for bit, at 1 and 2 threads, for a scalar and an elementwise upstream.
/// </summary>
[Collection(Bottleneck.Tests.Autograd.GemmProviderCollection.Name)]
public class BceWithLogitsBackwardTests
{
    [Theory]
    [InlineData(256 * 784 + 13, false)]   // the dense bench's batch, plus an odd tail: split over two threads
    [InlineData(256 * 784 + 13, true)]
    [InlineData(1000, false)]             // small: one thread, one partial block
    [InlineData(5, true)]
    public void BlockedThreadedGradientIsBitIdenticalToThreeWholePasses(int n, bool elementwise)
    {
        // Given logits spanning saturation (|x| up to 40), targets in [0, 1] and an upstream gradient
        var rng = new Rng(5);
        var x = Tensor.Normal(rng, 0, 8, n);
        for (int i = 0; i < n; i += 101) x.Span[i] *= 5f;
        var y = Tensor.Zeros(n);
        var ys = y.Span;
        for (int i = 0; i < n; i++) ys[i] = (i % 7) / 6f;
        var u = Tensor.Normal(rng, 0, 1, n);
        const float scalar = 1f / 3f;
        var expected = new float[n];
        VectorMath.Sigmoid(x.Span, expected);
        TensorPrimitives.Subtract(expected, y.Span, expected);
        if (elementwise) TensorPrimitives.Multiply(expected, u.Span, expected);
        else TensorPrimitives.Multiply(expected, scalar, expected);
        int saved = Gemm.Threads;
        try
        {
            foreach (int threads in new[] { 1, 2 })
            {
                // When the gradient is computed at this thread count
                Gemm.Threads = threads;
                var d = Tensor.Zeros(n);
                BceWithLogitsBackward.Run(x, y, d, elementwise ? u : null, elementwise ? 0f : scalar);
                // Then every element has the reference's bits
                var ds = d.Span;
                for (int i = 0; i < n; i++)
                    if (BitConverter.SingleToInt32Bits(ds[i]) != BitConverter.SingleToInt32Bits(expected[i]))
                        Assert.Fail($"{threads} thread(s), element {i} of {n}: {ds[i]:R}, expected {expected[i]:R}");
            }
        }
        finally { Gemm.Threads = saved; }
    }
}

/// <summary>The threaded BCE-with-logits sum (<see cref="BceWithLogitsSum"/>) against the single-threaded pass: bit for bit.</summary>
[Collection(Bottleneck.Tests.Autograd.GemmProviderCollection.Name)]
public class BceWithLogitsSumTests
{
    [Theory]
    [InlineData(256 * 784)]        // the dense bench's batch: split over two threads
    [InlineData(256 * 784 + 13)]   // plus a scalar tail
    [InlineData(70_000 + 1000)]    // a partial last chunk
    [InlineData(100)]              // small: the single-threaded pass itself
    public void ThreadedSumIsBitIdenticalToTheSingleThreadedPass(int n)
    {
        // Given logits spanning saturation and targets in [0, 1]
        var rng = new Rng(9);
        var x = Tensor.Normal(rng, 0, 8, n);
        var y = Tensor.Zeros(n);
        var ys = y.Span;
        for (int i = 0; i < n; i++) ys[i] = (i % 5) / 4f;
        float expected = VectorMath.BceWithLogitsSum(x.Span, y.Span);
        int saved = Gemm.Threads;
        try
        {
            foreach (int threads in new[] { 1, 2 })
            {
                // When summed at this thread count
                Gemm.Threads = threads;
                float actual = BceWithLogitsSum.Run(x, y);
                // Then the bits match
                Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(actual),
                    $"{threads} thread(s), n = {n}: {actual:R}, expected {expected:R}");
            }
        }
        finally { Gemm.Threads = saved; }
    }
}
