using Bottleneck.Anomaly;
using Bottleneck.Data;
using Bottleneck.Models;
using Bottleneck.Models.Conv;
using Bottleneck.Tensors;
using static Bottleneck.Tests.Models.ModelTestUtil;

namespace Bottleneck.Tests.Models;

/// <summary>The conv kind's residual learning (DnCNN): reconstruction = input + decoder output, on every path that reconstructs.</summary>
public class ConvResidualTests
{
    private static ConvAutoencoder Model(ulong seed = 4) =>
        new(new ConvConfig(1, 8, 8, [3, 3], stride: 1, latent: null, latentChannels: 3, output: Likelihood.Gaussian,
            corruption: new GaussianNoise(0.1f, 0f, 1f), residual: true), new Rng(seed));

    [Fact]
    public void TheReconstructionIsTheInputPlusTheDecoderOutput()
    {
        // Given a residual conv model and a batch of images
        var model = Model();
        var x = Tensor.FromArray(Uniform01(3, 64, 2), 3, 1, 8, 8);

        // When it reconstructs them, through the layers (training mode) and in eval mode (where a plain model takes the fused path)
        var decoded = NoGrad(() => model.DecodeLogits(model.Encode(x)));
        var rec = NoGrad(() => model.Reconstruct(x));
        model.Eval();
        var recEval = NoGrad(() => model.Reconstruct(x));

        // Then x̂ = x + decoder(encoder(x)) on both, and the whole-image path agrees
        var expected = x.ToArray().Zip(decoded, (a, b) => a + b).ToArray();
        AssertCloseAll(expected, rec, 1e-6, "layers");
        AssertCloseAll(expected, recEval, 1e-5, "eval mode");
        AssertCloseAll(expected, model.ReconstructImages(x).ToArray(), 1e-5, "ReconstructImages");
        var fastLogits = new float[expected.Length];
        model.CreateFastInference()!.Logits(x.ToArray(), 3, fastLogits);
        AssertCloseAll(expected, fastLogits, 1e-5, "fused path");
    }

    [Fact]
    public void TheLossIsTheSquaredErrorOfTheResidualReconstruction()
    {
        var model = Model();
        var x = Tensor.FromArray(Uniform01(2, 64, 5), 2, 1, 8, 8);
        var rec = NoGrad(() => model.Reconstruct(x));
        double expected = x.ToArray().Zip(rec, (a, b) => (double)(a - b) * (a - b)).Sum() / 2;   // summed per image, mean over the batch
        AssertClose(expected, model.Compute(x).Loss.Item(), 1e-4, "evaluation loss");
    }

    [Fact]
    public void TrainingTakesTheReconstructionCloserToTheCleanImagesThanTheNoisyInput()
    {
        // Given a residual model and smooth images (a denoiser can remove the noise from them)
        var model = Model(7);
        var rows = new float[32 * 64];
        for (int i = 0; i < 32; i++)
            for (int p = 0; p < 64; p++) rows[i * 64 + p] = 0.5f + 0.3f * MathF.Sin(0.3f * (p % 8) + 0.2f * (p / 8) + i);
        var clean = Tensor.FromArray(rows, 32, 1, 8, 8);
        var optimizer = new Bottleneck.Optim.Adam(model.Parameters(), 1e-2f);
        float first = 0, last = 0;
        for (int step = 0; step < 40; step++)
        {
            optimizer.ZeroGrad();
            var output = model.Step(new RowBatch(clean), StepContext.ForTraining(1, step, new Rng(100)));   // the same noise every step
            output.Loss.Backward();
            optimizer.Step();
            if (step == 0) first = output.Loss.Item();
            last = output.Loss.Item();
        }
        // the loss of the identity map: the squared error of the noisy input itself (the step's corruption is the first draw of its generator)
        var noisy = model.Corruption!.Apply(clean, new Rng(100)).ToArray();
        double identity = rows.Zip(noisy, (a, b) => (double)(a - b) * (a - b)).Sum() / 32;
        Assert.True(last < first && last < 0.9 * identity, $"loss {first} → {last}; noisy input {identity}");
    }

    [Fact]
    public void AnomalyScoresUseTheResidualReconstruction()
    {
        var model = Model();
        model.Eval();
        var x = Uniform01(4, 64, 8);
        var rec = NoGrad(() => model.Reconstruct(Tensor.FromArray(x, 4, 1, 8, 8)));
        var scores = new AnomalyScorer(model, ReconstructionError.Mse).Score(new Dataset(x, 4, 64));
        for (int i = 0; i < 4; i++)
        {
            double mse = Enumerable.Range(0, 64).Sum(j => (double)(x[i * 64 + j] - rec[i * 64 + j]) * (x[i * 64 + j] - rec[i * 64 + j])) / 64;
            AssertClose(mse, scores[i], 1e-5, $"score {i}");
        }
    }

    [Fact]
    public void ResidualNeedsAnIdentityMean()
    {
        var ex = Assert.Throws<ArgumentException>(() => new ConvConfig(1, 8, 8, [2], latent: 3, residual: true));
        Assert.Contains("sigmoid-bce", ex.Message);
        Assert.Equal("residual", ex.ParamName);
    }
}
