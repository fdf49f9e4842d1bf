using Bottleneck.Anomaly;
using Bottleneck.Autograd;
using Bottleneck.Data;
using Bottleneck.Kernels;
using Bottleneck.Models;
using Bottleneck.Models.Conv;
using Bottleneck.NN;
using Bottleneck.Tensors;
using Bottleneck.Training;
using static Bottleneck.Tests.Models.ModelTestUtil;

namespace Bottleneck.Tests.Models;

/// <summary>
/// The fused inference path of a residual conv model (DnCNN's skip, x̂ = x̃ + decoder(encoder(x̃))): the fixed-size path
/// (<see cref="AutoencoderModel.CreateFastInference"/>, <c>Reconstruct</c> under no-grad, the anomaly scorer) and the pad-to-stride/crop
/// path of whole photographs (<see cref="ConvAutoencoder.ReconstructImages"/>) add the input inside the fused pass and equal the layers'
/// x + decoder(encoder(x)) to float rounding, on models trained from a seed on patches of a real photograph.
/// </summary>
[Collection(Bottleneck.Tests.Autograd.GemmProviderCollection.Name)]
public sealed class ConvResidualInferenceTests
{
    /// <summary>chelsea.png (a photograph, 300 × 451) in grey, or null when ../shared/data/images is absent.</summary>
    internal static (float[] Values, int Height, int Width)? Photograph(string name = "chelsea.png")
    {
        var path = Bottleneck.Tests.Data.SharedData.Find("images/" + name);
        if (path is null) return null;
        var (values, file) = ImageFolder.LoadFile(path, new ImageFolderOptions(Channels: 1));
        return (values, file.Height, file.Width);
    }

    /// <summary>h × w patches of a grey image every <paramref name="step"/> pixels, as image rows (N, 1, h, w).</summary>
    internal static Dataset Patches((float[] Values, int Height, int Width) image, int h, int w, int step)
    {
        var rows = new List<float>();
        int n = 0;
        for (int y0 = 0; y0 + h <= image.Height; y0 += step)
            for (int x0 = 0; x0 + w <= image.Width; x0 += step, n++)
                for (int y = 0; y < h; y++) rows.AddRange(image.Values.AsSpan((y0 + y) * image.Width + x0, w).ToArray());
        return new Dataset(rows.ToArray(), n, h * w, image: new ImageShape(1, h, w), source: $"{h}x{w} patches");
    }

    /// <summary>The two residual shapes: the photo denoiser's (stride 1, full-resolution grid) and a strided one whose patch size is not a
    /// multiple of the total stride 4 (so the spatial code pads 14 × 11 to 16 × 12 and crops back).</summary>
    public static TheoryData<string> Shapes() => ["stride1", "stride2-14x11"];

    private static ConvConfig Config(string shape) => shape switch
    {
        "stride1" => new ConvConfig(1, 16, 16, [8, 8], stride: 1, latent: null, latentChannels: 8, output: Likelihood.Gaussian,
            corruption: new GaussianNoise(0.1f, 0f, 1f), residual: true),
        "stride2-14x11" => new ConvConfig(1, 14, 11, [6, 8], stride: 2, latent: null, latentChannels: 4, output: Likelihood.Gaussian,
            corruption: new GaussianNoise(0.1f, 0f, 1f), residual: true),
        _ => throw new ArgumentOutOfRangeException(nameof(shape)),
    };

    /// <summary>A residual model of <paramref name="shape"/> trained one epoch from seed 5 on patches of the photograph.</summary>
    private static (ConvAutoencoder Model, Dataset Patches) Trained(string shape, (float[] Values, int Height, int Width) photo)
    {
        var config = Config(shape);
        var data = Patches(photo, config.Height, config.Width, 24);
        var model = new ConvAutoencoder(config, new Rng(5));
        new Trainer(new TrainingOptions(epochs: 1, batchSize: 32, learningRate: 3e-3f, seed: 5)).Fit(model, RowSource.For(model, data), null, new FitContext());
        model.Eval();
        return (model, data);
    }

    /// <summary>The layers: x + decoder(encoder(x)) with autograd recording (the fused path does not run then), eval mode.</summary>
    private static float[] Layers(ConvAutoencoder model, Tensor x)
    {
        Assert.True(GradMode.IsEnabled);
        var decoded = model.Decoder.Forward(model.Encoder.Forward(x)).ToArray();
        var input = x.ToArray();
        for (int i = 0; i < decoded.Length; i++) decoded[i] = input[i] + decoded[i];
        return decoded;
    }

    [SkippableTheory]
    [MemberData(nameof(Shapes))]
    public void FixedSizePath_AddsTheSkip_AndEqualsTheLayers(string shape)
    {
        // Given a residual model trained from a seed on patches of a photograph, and 40 of those patches
        var photo = Photograph();
        Skip.If(photo is null, "../shared/data/images not found");
        var (model, data) = Trained(shape, photo!.Value);
        int n = 40, d = model.InputDim;
        var x = data.Features.AsSpan(0, n * d).ToArray();
        var t = Tensor.FromArray(x, [n, .. model.InputShape]);
        var layers = Layers(model, t);

        // When the fused path computes the reconstruction logits with one and two threads, and Reconstruct runs under no-grad
        var fast = Assert.IsType<ConvInference>(model.CreateFastInference());
        Assert.True(fast.Skip);
        int saved = Gemm.Threads;
        var byThreads = new List<float[]>();
        try
        {
            foreach (int threads in new[] { 1, 2 })
            {
                Gemm.Threads = threads;
                var l = new float[n * d];
                fast.Logits(x, n, l);
                byThreads.Add(l);
            }
        }
        finally { Gemm.Threads = saved; }
        var reconstructed = NoGrad(() => model.Reconstruct(t));

        // Then the logits are x + decoder(encoder(x)) to float rounding (not the decoder output alone), the thread counts agree bit for
        // bit, and Reconstruct (linear-mse: the mean is the logits) is that same path
        AssertCloseAll(layers, byThreads[0], 1e-5, $"{shape}: fused vs layers");
        AssertBitEqual(byThreads[0], byThreads[1], $"{shape}: 1 vs 2 threads");
        AssertBitEqual(byThreads[0], reconstructed, $"{shape}: Reconstruct under no-grad");
        // and one whole run, which leaves out the spatial code's NHWC → NCHW → NHWC round trip, gives the bits of the two halves plus x
        Assert.Contains(fast.StepNames, s => s.StartsWith("NHWC→NCHW", StringComparison.Ordinal));
        Assert.True(fast.BypassesCodeLayout);
        var codes = new float[n * model.LatentDim];
        var halves = new float[n * d];
        fast.Codes(x, n, codes);
        fast.DecoderLogits(codes, n, halves);
        for (int i = 0; i < halves.Length; i++) halves[i] = x[i] + halves[i];
        AssertBitEqual(halves, byThreads[0], $"{shape}: whole run vs encoder and decoder halves");
        var decoderOnly = NoGrad(() => model.DecodeLogits(model.Encode(t)));
        double gap = layers.Zip(decoderOnly, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(gap > 0.1, $"{shape}: the skip adds the input (max |x̂ − decoder output| {gap})");

        // And the anomaly scorer takes the fused path and scores the residual reconstruction
        var scorer = new AnomalyScorer(model, ReconstructionError.Mse);
        Assert.True(scorer.UsesFastPath);
        var scores = scorer.Score(new Dataset(x, n, d));
        for (int i = 0; i < n; i++)
        {
            double mse = 0;
            for (int j = 0; j < d; j++) { double e = x[i * d + j] - layers[i * d + j]; mse += e * e; }
            AssertClose(mse / d, scores[i], 1e-5, $"{shape}: score {i}");
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Shapes))]
    public void WholePhotograph_PadToStrideAndCropPath_AddsTheSkip_AndEqualsTheLayers(string shape)
    {
        // Given a residual model trained on patches and the whole photograph (300 × 451: 451 is not a multiple of 4)
        var photo = Photograph();
        Skip.If(photo is null, "../shared/data/images not found");
        var (model, _) = Trained(shape, photo!.Value);
        var (values, h, w) = photo.Value;
        var x = Tensor.FromArray(values, 1, 1, h, w);

        // When ReconstructImages runs it (the fused pad-to-stride/crop path compiled for 300 × 451), and the layers do
        var fused = model.ReconstructImages(x).ToArray();
        float[] layers;
        var encoder = (Sequential)model.Encoder;
        var decoder = (Sequential)model.Decoder;
        using (GradMode.NoGrad())
        {
            var t = x;
            for (int i = 0; i < encoder.Layers.Count - 1; i++) t = encoder.Layers[i].Forward(t);
            for (int i = 1; i < decoder.Layers.Count - 1; i++) t = decoder.Layers[i].Forward(t);
            layers = (x + CropTo.Crop(t, h, w)).ToArray();
        }

        // Then they agree to float rounding
        AssertCloseAll(layers, fused, 1e-5, $"{shape}: whole photograph, fused vs layers");
        // and the path ReconstructImages ran is the fused one with the skip compiled in (the same bits as that path called directly)
        var stack = new List<Module>();
        for (int i = 0; i < encoder.Layers.Count - 1; i++) stack.Add(encoder.Layers[i]);
        for (int i = 1; i < decoder.Layers.Count - 1; i++) stack.Add(decoder.Layers[i]);
        stack.Add(new CropTo(h, w));
        var path = ConvInference.TryCreateImages(stack, 1, h, w, residual: true);
        Assert.NotNull(path);
        Assert.True(path!.Skip);
        var direct = new float[h * w];
        path.Logits(values, 1, direct);
        AssertBitEqual(direct, fused, $"{shape}: ReconstructImages is the fused path");
    }

    [Fact]
    public void APathWhoseOutputIsNotTheInputsShape_HasNoSkip()
    {
        // a stack that halves the image cannot add its input: no fused residual path (the layers would refuse the addition too)
        var rng = new Rng(1);
        var layers = new List<Module> { new Conv2d(1, 2, 3, rng, stride: 2, padding: 1) };
        Assert.NotNull(ConvInference.TryCreateImages(layers, 1, 8, 8));
        Assert.Null(ConvInference.TryCreateImages(layers, 1, 8, 8, residual: true));
    }
}
