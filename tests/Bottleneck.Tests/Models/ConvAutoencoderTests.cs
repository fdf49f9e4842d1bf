using Bottleneck.Models;
using Bottleneck.Models.Conv;
using Bottleneck.Models.Registry;
using Bottleneck.NN;
using Bottleneck.Tensors;
using static Bottleneck.Tests.Models.ModelTestUtil;

namespace Bottleneck.Tests.Models;

/// <summary>The conv kind: PyTorch parity of the peer's architecture, sizes, the spatial code on any image size, config errors.</summary>
public class ConvAutoencoderTests
{
    [Fact]
    public void ThePeersArchitectureMatchesPyTorch()
    {
        // Given PyTorch's ConvAE (peers/conv_ae.py at 1x12x12, channels 4,8, latent 5) state dict, input, loss and gradients
        var c = TorchFixture.Load("conv_layers.json").GetProperty("model");
        var model = new ConvAutoencoder(new ConvConfig(1, 12, 12, [4, 8], latent: 5), new Rng(0));
        var state = c.GetProperty("state").EnumerateObject().ToDictionary(p => p.Name, p => TorchFixture.Array(p.Value));
        model.LoadStateDict(state);   // the same state-dict names as PyTorch's nn.Sequential layout

        // When one step runs
        var output = model.Compute(TorchFixture.Tensor(c.GetProperty("input")));
        output.Loss.Backward();

        // Then logits, loss and every parameter gradient agree with PyTorch
        TorchFixture.AssertClose("logits", output.Logits.Span, TorchFixture.Array(c.GetProperty("logits")));
        Assert.Equal(c.GetProperty("loss").GetDouble(), output.Loss.Item(), 1e-3);
        var named = model.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter);
        Assert.Equal(state.Keys.Order(), named.Keys.Order());
        foreach (var g in c.GetProperty("grad_params").EnumerateObject())
            TorchFixture.AssertClose($"dL/d{g.Name}", named[g.Name].Grad!.Span, TorchFixture.Array(g.Value), rtol: 1e-4);
    }

    [Theory]
    [InlineData(28, 28, 2, 2)]   // MNIST: 28 → 14 → 7 and back
    [InlineData(13, 13, 2, 3)]   // odd sizes: 13 → 7 → 4 → 2 and back through different output paddings
    [InlineData(20, 20, 3, 2)]   // stride 3: 20 → 7 → 3
    public void TheDecoderRestoresTheInputSize(int h, int w, int stride, int layers)
    {
        var config = new ConvConfig(1, h, w, Enumerable.Repeat(3, layers).ToArray(), stride: stride, latent: 4);
        var model = new ConvAutoencoder(config, new Rng(1));
        var x = Tensor.FromArray(Uniform01(2, h * w, 2), 2, 1, h, w);
        var y = NoGradTensor(() => model.Reconstruct(x));
        Assert.Equal([2, 1, h, w], y.ShapeToArray());
        Assert.Equal([2, 4], NoGradTensor(() => model.Encode(x)).ShapeToArray());
    }

    [Fact]
    public void ASpatialCodeReconstructsImagesOfAnySize()
    {
        // Given a fully convolutional model made for 12 x 12 images (total stride 4)
        var config = new ConvConfig(3, 12, 12, [4, 6], latent: null, latentChannels: 2);
        var model = new ConvAutoencoder(config, new Rng(3));
        model.Eval();   // Reconstruct in eval mode under no-grad takes the fused path, as ReconstructImages does
        Assert.Equal(2 * 3 * 3, config.LatentDim);

        // When it reconstructs a 17 x 10 image (not a multiple of 4) and a 12 x 12 one
        var odd = Tensor.FromArray(Uniform01(1, 3 * 17 * 10, 4), 1, 3, 17, 10);
        var y = model.ReconstructImages(odd);
        var same = Tensor.FromArray(Uniform01(2, 3 * 12 * 12, 5), 2, 3, 12, 12);

        // Then the output has the input's size, values in (0, 1), and at the training size it equals Reconstruct
        Assert.Equal([1, 3, 17, 10], y.ShapeToArray());
        Assert.All(y.ToArray(), v => Assert.InRange(v, 0f, 1f));
        AssertBitEqual(NoGrad(() => model.Reconstruct(same)), model.ReconstructImages(same).ToArray(), "any-size path at the training size");
    }

    [Fact]
    public void ASpatialCodePadsSizesThatAreNotAMultipleOfTheTotalStride()
    {
        var config = new ConvConfig(1, 10, 9, [2, 2, 2], latent: null, latentChannels: 1);   // total stride 8: pads to 16 x 16
        var model = new ConvAutoencoder(config, new Rng(6));
        Assert.Equal((2, 2), (config.CodeHeight, config.CodeWidth));
        var x = Tensor.FromArray(Uniform01(2, 90, 7), 2, 1, 10, 9);
        var output = model.Compute(x);
        Assert.Equal([2, 1, 10, 9], output.Logits.ShapeToArray());
        Assert.True(float.IsFinite(output.Loss.Item()));
    }

    [Fact]
    public void ADenseCodeRefusesOtherImageSizes()
    {
        var model = new ConvAutoencoder(new ConvConfig(1, 8, 8, [2], latent: 3), new Rng(1));
        var ex = Assert.Throws<InvalidOperationException>(() => model.ReconstructImages(Tensor.Zeros(1, 1, 9, 9)));
        Assert.Contains("dense code", ex.Message);
        Assert.Throws<ShapeException>(() => model.Compute(Tensor.Zeros(1, 1, 9, 9)));
    }

    [Theory]
    [InlineData(4, "kernelSize must be odd")]
    [InlineData(0, "kernelSize must be ≥ 1")]
    public void BadKernelsAreRefusedByName(int kernel, string message)
    {
        var ex = Assert.ThrowsAny<ArgumentException>(() => new ConvConfig(1, 8, 8, [2], kernelSize: kernel));
        Assert.Contains(message, ex.Message);
        Assert.Equal("kernelSize", ex.ParamName);
    }

    [Fact]
    public void OneCodeMustBeGiven()
    {
        Assert.Contains("not both", Assert.Throws<ArgumentException>(() => new ConvConfig(1, 8, 8, [2], latent: 3, latentChannels: 2)).Message);
        Assert.Contains("give a code", Assert.Throws<ArgumentException>(() => new ConvConfig(1, 8, 8, [2], latent: null)).Message);
        Assert.Contains("channels must list", Assert.Throws<ArgumentOutOfRangeException>(() => new ConvConfig(1, 8, 8, [])).Message);
    }

    [Fact]
    public void TheConfigSurvivesJsonWithASpatialCodeAndNoise()
    {
        var config = new ConvConfig(3, 16, 12, [8, 16], 5, 2, latent: null, latentChannels: 4, Activation.LeakyRelu, Likelihood.Gaussian,
            new GaussianNoise(0.1f, 0f, 1f));
        var back = (ConvConfig)ModelRegistry.FromJson("conv", ModelRegistry.ToJson(config));
        Assert.Equal(config, back);
        Assert.Equal(config.LatentDim, back.LatentDim);
        Assert.Contains("4x4x3 spatial code", back.Describe());
    }

    [Fact]
    public void NoiseMakesItADenoisingModel()
    {
        var config = new ConvConfig(1, 8, 8, [2], latent: 3, corruption: new GaussianNoise(0.2f, 0f, 1f));
        var model = new ConvAutoencoder(config, new Rng(1));
        Assert.IsType<GaussianNoise>(model.InputCorruption);
    }

    private static Tensor NoGradTensor(Func<Tensor> f)
    {
        using (Bottleneck.Autograd.GradMode.NoGrad()) return f();
    }
}
