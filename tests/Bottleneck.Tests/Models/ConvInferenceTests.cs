using Bottleneck.Autograd;
using Bottleneck.Kernels;
using Bottleneck.Models;
using Bottleneck.Models.Conv;
using Bottleneck.NN;
using Bottleneck.Tensors;

namespace Bottleneck.Tests.Models;

/// <summary>
/// The conv kind's fused channels-last inference path (im2row + packed GEMM with bias and activation on the tiles, direct kernels
/// for a small reduction and for a transposed convolution to few channels, NCHW ↔ NHWC folded into the Linear weights): equal to
/// the autograd path within 1e-5, bit-identical across thread counts, allocation-free after warm-up, a snapshot until refreshed,
/// and used by <see cref="AutoencoderModel.Encode(Tensor)"/> and <see cref="AutoencoderModel.Reconstruct(Tensor)"/> under no-grad.
/// </summary>
[Collection(Bottleneck.Tests.Autograd.GemmProviderCollection.Name)]
public sealed class ConvInferenceTests
{
    /// <summary>Configs that reach every step: the direct first layer (1 → 16) and last layer (16 → 1), im2row + GEMM, the
    /// permuted Linear layers, several input channels (the NCHW ↔ NHWC transposes), channel counts that are not multiples of 16,
    /// odd sizes, a spatial code (pad, crop, the code transposed back to NCHW), stride 1, a 5×5 and a 1×1 kernel.</summary>
    public static TheoryData<string, int> Configs() => new()
    {
        { "mnist", 1 },
        { "mnist", 37 },
        { "rgb-odd", 5 },
        { "spatial-grey", 3 },
        { "spatial-rgb-k5-s1", 2 },
        { "pointwise", 4 },
    };

    private static ConvConfig Config(string name) => name switch
    {
        "mnist" => new ConvConfig(1, 28, 28, [16, 32], latent: 32),
        "rgb-odd" => new ConvConfig(3, 13, 9, [5, 7], latent: 6, activation: Activation.Tanh),
        "spatial-grey" => new ConvConfig(1, 12, 10, [16, 32], latent: null, latentChannels: 3, activation: Activation.LeakyRelu),
        "spatial-rgb-k5-s1" => new ConvConfig(3, 9, 9, [8], kernelSize: 5, stride: 1, latent: null, latentChannels: 2, activation: Activation.Elu),
        "pointwise" => new ConvConfig(2, 8, 8, [16], kernelSize: 1, stride: 1, latent: 4, activation: Activation.Softplus),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    private static float[] Images(int n, int d, ulong seed = 9)
    {
        var x = new float[n * d];
        new Rng(seed).FillUniform(x, 0f, 1f);
        return x;
    }

    /// <summary>The autograd path: the layers with recording on, in eval mode.</summary>
    private static (float[] Codes, float[] Logits) Autograd(ConvAutoencoder m, float[] x, int n)
    {
        m.Eval();
        var t = Tensor.FromArray(x, [n, .. m.InputShape]);
        Assert.True(GradMode.IsEnabled);
        var z = m.Encode(t);
        return (z.ToArray(), m.DecodeLogits(z).ToArray());
    }

    [Theory]
    [MemberData(nameof(Configs))]
    public void FusedPath_EqualsTheAutogradPath_AndIsIdenticalForOneAndTwoThreads(string config, int n)
    {
        // Given a model and n images
        var m = new ConvAutoencoder(Config(config), new Rng(5));
        var x = Images(n, m.InputDim);
        var (codes, logits) = Autograd(m, x, n);
        var fast = m.CreateFastInference()!;
        Assert.NotNull(fast);
        int saved = Gemm.Threads;
        try
        {
            var byThreads = new List<(float[] Codes, float[] Logits)>();
            foreach (int threads in new[] { 1, 2 })
            {
                // When the fused path runs with 1 and 2 threads
                Gemm.Threads = threads;
                var c = new float[n * m.LatentDim];
                var l = new float[n * m.InputDim];
                fast.Codes(x, n, c);
                fast.Logits(x, n, l);
                byThreads.Add((c, l));
            }
            // Then it equals the autograd path to float tolerance, and the two thread counts agree bit for bit
            AssertClose(codes, byThreads[0].Codes);
            AssertClose(logits, byThreads[0].Logits);
            Assert.Equal(byThreads[0].Codes, byThreads[1].Codes);
            Assert.Equal(byThreads[0].Logits, byThreads[1].Logits);
        }
        finally { Gemm.Threads = saved; }
    }

    [Fact]
    public void MnistModel_TakesTheDirectKernelsAtBothEnds_AndNoLayoutPass()
    {
        var m = new ConvAutoencoder(Config("mnist"), new Rng(5));
        var steps = ((ConvInference)m.CreateFastInference()!).StepNames;
        Assert.Equal(6, steps.Count);
        Assert.Contains("direct", steps[0]);
        Assert.Contains("im2row + GEMM + Relu", steps[1]);
        Assert.Contains("NHWC in", steps[2]);
        Assert.Contains("NHWC out", steps[3]);
        Assert.Contains("GEMM + col2im + Relu", steps[4]);
        Assert.Contains("direct", steps[5]);
        Assert.DoesNotContain(steps, s => s.Contains("NCHW", StringComparison.Ordinal));
    }

    [Fact]
    public void DirectKernelsAndTheGemmPath_Agree()
    {
        // Given the MNIST model with the direct kernels on, and again with them off
        var m = new ConvAutoencoder(Config("mnist"), new Rng(3));
        var x = Images(9, m.InputDim, 4);
        var direct = new float[9 * m.InputDim];
        m.CreateFastInference()!.Logits(x, 9, direct);
        int k = ConvInference.DirectConvMaxK, c = ConvInference.DirectTransposedMaxCout;
        float[] gemm = new float[9 * m.InputDim];
        try
        {
            ConvInference.DirectConvMaxK = 0;
            ConvInference.DirectTransposedMaxCout = 0;
            var fast = (ConvInference)m.CreateFastInference()!;
            Assert.DoesNotContain(fast.StepNames, s => s.Contains("direct", StringComparison.Ordinal));
            fast.Logits(x, 9, gemm);
        }
        finally { (ConvInference.DirectConvMaxK, ConvInference.DirectTransposedMaxCout) = (k, c); }
        // Then both equal each other to float tolerance (and the theory above ties each to the autograd path)
        AssertClose(gemm, direct);
    }

    [Fact]
    public void DilatedSamePaddingAndDilatedTransposedLayers_EqualTheLayers()
    {
        // Given hand-built stacks with dilation, 'same' padding, an asymmetric output padding and a transposed layer to 3 channels
        var rng = new Rng(11);
        int h = 9, w = 7;
        var conv1 = new Conv2d(2, 16, 3, rng, dilation: 2, paddingMode: ConvPadding.Same);
        var conv2 = new Conv2d(16, 8, 3, rng, stride: 2, padding: 1, dilation: 2);
        var map = conv2.Forward(conv1.Forward(Tensor.Zeros(1, 2, h, w)));
        var encoder = new Sequential(conv1, new ActivationLayer(Activation.Relu), conv2, new Flatten());
        var decoder = new Sequential(new Unflatten(1, 8, map.Dim(2), map.Dim(3)),
            new ConvTranspose2d(8, 16, 3, rng, stride: 2, padding: 1, outputPadding: 1, dilation: 2), new ActivationLayer(Activation.Sigmoid),
            new ConvTranspose2d(16, 3, 3, rng, stride: 1, padding: 1));
        var fast = ConvInference.TryCreate(encoder, decoder, [2, h, w])!;
        Assert.NotNull(fast);
        var x = Images(3, 2 * h * w, 2);
        // When both run
        var t = Tensor.FromArray(x, 3, 2, h, w);
        var codes = encoder.Forward(t);
        var logits = decoder.Forward(codes).ToArray();
        var fc = new float[codes.Length];
        var fl = new float[logits.Length];
        fast.Codes(x, 3, fc);
        fast.Logits(x, 3, fl);
        // Then they agree
        AssertClose(codes.ToArray(), fc);
        AssertClose(logits, fl);
    }

    [Fact]
    public void ReconstructImages_OfAnotherSize_EqualsTheLayers()
    {
        // Given a spatial-code model made for 12 × 10 and a 17 × 23 image (padded to 20 × 24 inside, cropped back)
        var m = new ConvAutoencoder(Config("spatial-grey"), new Rng(8));
        var x = Tensor.FromArray(Images(2, 17 * 23, 3), 2, 1, 17, 23);
        // When it is reconstructed by the fused path and by the layers (eval mode, no-grad tensors)
        var fused = m.ReconstructImages(x).ToArray();
        var encoder = (Sequential)m.Encoder;
        var decoder = (Sequential)m.Decoder;
        float[] layers;
        using (GradMode.NoGrad())
        {
            var h = x;
            for (int i = 0; i < encoder.Layers.Count - 1; i++) h = encoder.Layers[i].Forward(h);
            for (int i = 1; i < decoder.Layers.Count - 1; i++) h = decoder.Layers[i].Forward(h);
            layers = m.LikelihoodHead.Mean(CropTo.Crop(h, 17, 23)).ToArray();
        }
        // Then they agree to float rounding
        Assert.Equal(2 * 17 * 23, fused.Length);
        AssertClose(layers, fused);
    }

    [Fact]
    public void UnsupportedLayers_GiveNoFastPath_AndTheLayersRunInstead()
    {
        var rng = new Rng(1);
        var decoder = new Sequential(new Unflatten(1, 4, 4, 4), new ConvTranspose2d(4, 1, 3, rng, stride: 2, padding: 1, outputPadding: 1));
        Assert.Null(ConvInference.TryCreate(new Sequential(new Conv2d(1, 4, 3, rng, stride: 2, padding: 1), new BatchNorm2d(4), new Flatten()), decoder, [1, 8, 8]));
        Assert.Null(ConvInference.TryCreate(new Sequential(new Conv2d(2, 4, 3, rng, stride: 2, padding: 1, groups: 2), new Flatten()), decoder, [2, 8, 8]));
        Assert.Null(ConvInference.TryCreate(new Sequential(new Conv2d(1, 4, 3, rng, stride: 2, padding: 1), new ActivationLayer(Activation.Gelu), new Flatten()), decoder, [1, 8, 8]));
    }

    [Fact]
    public void FusedPath_IsASnapshotOfTheWeightsUntilRefreshed()
    {
        // Given a fast path created before the weights change
        var m = new ConvAutoencoder(Config("mnist"), new Rng(5));
        var x = Images(4, m.InputDim);
        var fast = m.CreateFastInference()!;
        var before = new float[4 * m.InputDim];
        fast.Logits(x, 4, before);
        // When every parameter changes
        foreach (var p in m.Parameters()) { var s = p.Span; for (int i = 0; i < s.Length; i++) s[i] *= 1.25f; }
        var stale = new float[before.Length];
        fast.Logits(x, 4, stale);
        fast.Refresh();
        var refreshed = new float[before.Length];
        fast.Logits(x, 4, refreshed);
        // Then the snapshot gives the old logits until Refresh, and the new ones (equal to the autograd path) after it
        Assert.Equal(before, stale);
        Assert.NotEqual(before, refreshed);
        AssertClose(Autograd(m, x, 4).Logits, refreshed);
    }

    [Fact]
    public void FusedPath_SteadyState_AllocatesNothing()
    {
        var m = new ConvAutoencoder(Config("spatial-grey"), new Rng(5));
        var x = Images(64, m.InputDim);
        var fast = m.CreateFastInference()!;
        var l = new float[64 * m.InputDim];
        int saved = Gemm.Threads;
        try
        {
            Gemm.Threads = 2;
            for (int i = 0; i < 5; i++) { fast.Logits(x, 64, l); fast.Logits(x, 1, l); fast.Codes(x, 16, l); }
            long allocated = long.MaxValue;
            for (int round = 0; round < 3 && allocated > 0; round++)
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                for (int i = 0; i < 10; i++) { fast.Logits(x, 64, l); fast.Logits(x, 1, l); fast.Codes(x, 16, l); fast.Refresh(); }
                allocated = Math.Min(allocated, GC.GetAllocatedBytesForCurrentThread() - before);
            }
            Assert.Equal(0, allocated);
        }
        finally { Gemm.Threads = saved; }
    }

    [Fact]
    public void TensorApi_UnderNoGrad_UsesTheLiveWeights_AndEqualsTheAutogradPath()
    {
        // Given a model used under no-grad once
        var m = new ConvAutoencoder(Config("rgb-odd"), new Rng(6));
        var x = Images(7, m.InputDim);
        var t = Tensor.FromArray(x, [7, .. m.InputShape]);
        m.Eval();
        using (GradMode.NoGrad()) _ = m.Reconstruct(t);
        // When its weights change and it runs again under no-grad
        foreach (var p in m.Parameters()) p.Span[0] += 0.25f;
        float[] codes, recon;
        using (GradMode.NoGrad())
        {
            codes = m.Encode(t).ToArray();
            recon = m.Reconstruct(t).ToArray();
        }
        // Then it sees the new weights: equal to the autograd path
        var (refCodes, refLogits) = Autograd(m, x, 7);
        AssertClose(refCodes, codes);
        AssertClose(refLogits.Select(v => 1f / (1f + MathF.Exp(-v))).ToArray(), recon);
        // And bad shapes are still refused with the shapes in the message
        using (GradMode.NoGrad())
        {
            var e = Assert.Throws<ShapeException>(() => m.Encode(Tensor.Zeros(2, 3, 12, 9)));
            Assert.Contains("13", e.Message);
        }
    }

    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5f * (1 + Math.Abs(expected[i])), $"[{i}]: {actual[i]} vs {expected[i]}");
    }
}
