using Bottleneck.Kernels;
using Bottleneck.Tensors;

namespace Bottleneck.Tests.Kernels;

/// <summary>
/// The training Linear with the bias and ReLU in the GEMM's epilogue (<see cref="GemmEpilogue"/>, <c>Tensor.LinearRelu</c>): equal
/// to the unfused ops value for value (forward and every gradient), identical at 1 and 2 threads, and close to a double-precision
/// reference on every provider.
/// </summary>
[Collection(Bottleneck.Tests.Autograd.GemmProviderCollection.Name)]
public sealed class GemmEpilogueTests
{
    public static readonly TheoryData<int, int, int> Shapes = new()
    {
        { 256, 784, 512 },   // the dense autoencoder's first layer: several k passes, threaded
        { 37, 300, 70 },     // edge tiles in both directions, two k passes
        { 5, 1000, 33 },     // a few rows, a ragged column sliver
        { 1, 3, 1 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void LinearRelu_EqualsLinearThenRelu_BitForBit_ForwardAndGradients_AtOneAndTwoThreads(int rows, int inF, int outF)
    {
        int saved = Gemm.Threads;
        try
        {
            var results = new List<float[][]>();
            foreach (int threads in new[] { 1, 2 })
            {
                Gemm.Threads = threads;
                // Given the same inputs and upstream gradient
                var (x1, w1, b1, g) = Inputs(rows, inF, outF);
                var (x2, w2, b2, _) = Inputs(rows, inF, outF);
                // When the fused op and the two separate ops run forward and backward
                var fused = Tensor.LinearRelu(x1, w1, b1);
                (fused * g).Sum().Backward();
                var apart = Tensor.Linear(x2, w2, b2).Relu();
                (apart * g).Sum().Backward();
                // Then every value agrees bit for bit
                Assert.Equal(apart.ToArray(), fused.ToArray());
                Assert.Equal(x2.Grad!.ToArray(), x1.Grad!.ToArray());
                Assert.Equal(w2.Grad!.ToArray(), w1.Grad!.ToArray());
                Assert.Equal(b2.Grad!.ToArray(), b1.Grad!.ToArray());
                if (rows * outF > 16) Assert.Contains(fused.ToArray(), v => v == 0f);   // the ReLU did cut something
                results.Add([fused.ToArray(), x1.Grad!.ToArray(), w1.Grad!.ToArray(), b1.Grad!.ToArray()]);
            }
            // And the two thread counts agree bit for bit
            for (int i = 0; i < results[0].Length; i++)
                Assert.Equal(results[0][i], results[1][i]);
        }
        finally
        {
            Gemm.Threads = saved;
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Linear_WithTheBiasInTheEpilogue_MatchesADoubleReference_OnEveryProvider(int rows, int inF, int outF)
    {
        foreach (var provider in Gemm.Available())
        {
            using var _ = Bottleneck.Tests.Autograd.GemmProviderCollection.Use(provider.Name);
            // Given inputs without gradients
            var (x, w, b, _) = Inputs(rows, inF, outF, requiresGrad: false);
            // When the layer runs with ReLU and without
            var y = Tensor.Linear(x, w, b).ToArray();
            var yr = Tensor.LinearRelu(x, w, b).ToArray();
            // Then both are the double-precision x·Wᵀ + b (and its positive part) to float accuracy
            float[] xs = x.ToArray(), ws = w.ToArray(), bs = b.ToArray();
            for (int r = 0; r < rows; r++)
                for (int j = 0; j < outF; j++)
                {
                    double s = bs[j], mag = Math.Abs(bs[j]);
                    for (int p = 0; p < inF; p++) { s += (double)xs[r * inF + p] * ws[j * inF + p]; mag += Math.Abs((double)xs[r * inF + p] * ws[j * inF + p]); }
                    double tol = 1e-5 * mag + 1e-6;
                    Assert.True(Math.Abs(y[r * outF + j] - s) <= tol, $"{provider.Name} y[{r},{j}] = {y[r * outF + j]}, expected {s}");
                    Assert.True(Math.Abs(yr[r * outF + j] - Math.Max(s, 0)) <= tol, $"{provider.Name} relu y[{r},{j}] = {yr[r * outF + j]}, expected {Math.Max(s, 0)}");
                }
        }
    }

    private static (Tensor X, Tensor W, Tensor B, Tensor G) Inputs(int rows, int inF, int outF, bool requiresGrad = true)
    {
        var rng = new Rng(17);
        Tensor Make(params int[] shape)
        {
            var t = Tensor.Zeros(shape);
            var s = t.Span;
            for (int i = 0; i < s.Length; i++) s[i] = (float)(rng.NextDouble() * 2 - 1);
            return t;
        }
        var x = Make(rows, inF);
        var w = Make(outF, inF);
        var b = Make(outF);
        var g = Make(rows, outF);
        if (requiresGrad)
        {
            x.RequiresGrad = true;
            w.RequiresGrad = true;
            b.RequiresGrad = true;
        }
        return (x, w, b, g);
    }
}
