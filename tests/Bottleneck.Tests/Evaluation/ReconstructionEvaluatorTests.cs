using Bottleneck.Data;
using Bottleneck.Evaluation;
using Bottleneck.Models;
using Bottleneck.Models.Dense;
using Bottleneck.Tensors;
using static Bottleneck.Tests.Models.ModelTestUtil;

namespace Bottleneck.Tests.Evaluation;

public class ReconstructionEvaluatorTests
{
    /// <summary>Metrics computed the obvious way from one Reconstruct call over all rows.</summary>
    private sealed record Reference(double Mse, double Mae, double Bce, double[] RowSe, double[] RowAe, double[] RowBce);

    private static Reference Compute(AutoencoderModel model, Dataset data)
    {
        int n = data.Rows, d = data.FeatureCount;
        model.Eval();
        var xhat = NoGrad(() => model.Reconstruct(Tensor.FromArray(data.Features, n, d)));
        var rowSe = new double[n]; var rowAe = new double[n]; var rowBce = new double[n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < d; j++)
            {
                double x = data.Features[i * d + j], p = xhat[i * d + j];
                rowSe[i] += (x - p) * (x - p);
                rowAe[i] += Math.Abs(x - p);
                // PyTorch's BCELoss: log terms clamped at −100
                rowBce[i] += -(x * Math.Max(Math.Log(p), -100) + (1 - x) * Math.Max(Math.Log(1 - p), -100));
            }
        double count = (double)n * d;
        return new Reference(rowSe.Sum() / count, rowAe.Sum() / count, rowBce.Sum() / count, rowSe, rowAe, rowBce);
    }

    [Theory]
    [InlineData(3)]    // several batches, the last one partial
    [InlineData(512)]  // one batch
    public void MetricsMatchAnIndependentComputation(int batchSize)
    {
        var model = new DenseAutoencoder(new DenseConfig(12, [6], 3), new Rng(1));
        var data = Dataset01(10, 12, 2, new ImageShape(1, 3, 4));
        var r = Compute(model, data);
        model.Train();
        var perSample = new float[10];
        var rep = ReconstructionEvaluator.Evaluate(model, data, batchSize: batchSize, perSampleSquaredError: perSample);
        Assert.True(model.Training, "the evaluator restores the mode");

        Assert.Equal(10, rep.Samples);
        Assert.Equal(12, rep.Features);
        Assert.Equal(3, rep.LatentDim);
        Assert.Equal(4.0, rep.CompressionRatio);
        const double tol = 1e-6;
        AssertClose(r.Mse, rep.Mse, tol, "MSE");
        AssertClose(r.Mae, rep.Mae, tol, "MAE");
        AssertClose(Math.Sqrt(r.Mse), rep.Rmse, tol, "RMSE");
        AssertClose(r.Bce, rep.Bce!.Value, tol, "BCE");
        AssertClose(r.RowSe.Average(), rep.SquaredErrorPerSample, tol, "SE per sample");
        AssertClose(r.RowAe.Average(), rep.AbsoluteErrorPerSample, tol, "AE per sample");
        AssertClose(r.RowBce.Average(), rep.BcePerSample!.Value, tol, "BCE per sample");
        AssertClose(r.Mse * 12, rep.SquaredErrorPerSample, tol, "SE per sample = D · MSE");
        for (int i = 0; i < 10; i++) AssertClose(r.RowSe[i], perSample[i], 1e-5, $"row {i} squared error");
        // image data: PSNR = 10·log10(1 / MSE) for a peak value of 1
        AssertClose(10 * Math.Log10(1 / r.Mse), rep.Psnr!.Value, tol, "PSNR");
    }

    [Fact]
    public void BceIsAbsentForNonSigmoidOutputsAndPsnrForNonImages()
    {
        var model = new DenseAutoencoder(new DenseConfig(5, [4], 2, output: Likelihood.Gaussian), new Rng(2));
        var data = Dataset01(7, 5, 3);
        var rep = ReconstructionEvaluator.Evaluate(model, data);
        var r = Compute(model, data);
        Assert.Null(rep.Bce);
        Assert.Null(rep.BcePerSample);
        Assert.Null(rep.Psnr);
        AssertClose(r.Mse, rep.Mse, 1e-6, "MSE");
        AssertClose(r.Mae, rep.Mae, 1e-6, "MAE");
        // PSNR can be requested for data without an image shape
        AssertClose(10 * Math.Log10(1 / r.Mse), ReconstructionEvaluator.Evaluate(model, data, isImage: true).Psnr!.Value, 1e-6, "PSNR");
        Assert.Null(ReconstructionEvaluator.Evaluate(model, Dataset01(7, 5, 3, new ImageShape(1, 1, 5)), isImage: false).Psnr);
    }

    [Fact]
    public void BceClampsSaturatedOutputs()
    {
        // Force saturation: a huge output bias makes σ(logit) round to exactly 1 in float, so log(1 − p) = −∞ is clamped to −100.
        var model = new DenseAutoencoder(new DenseConfig(3, [], 2), new Rng(3));
        var bias = model.StateDict().Single(e => e.Name == "decoder.0.bias").Value;
        bias.Span.Fill(50f);
        var data = new Dataset([0f, 0f, 0f, 1f, 1f, 1f], 2, 3);
        var rep = ReconstructionEvaluator.Evaluate(model, data);
        // row 0: three terms of −log(1 − 1) clamped to 100; row 1: −log(1) = 0
        AssertClose(100.0 * 3 / 6, rep.Bce!.Value, 1e-9, "BCE");
        AssertClose(150.0, rep.BcePerSample!.Value, 1e-9, "BCE per sample");
    }

    [Fact]
    public void WidthMismatchThrowsShapeException()
    {
        var model = new DenseAutoencoder(new DenseConfig(5, [4], 2), new Rng(2));
        var e = Assert.Throws<ShapeException>(() => ReconstructionEvaluator.Evaluate(model, Dataset01(3, 6, 1)));
        Assert.Contains("6", e.Message);
        Assert.Contains("5", e.Message);
    }

    [Fact]
    public void PerSampleBufferOfTheWrongLengthIsRejected()
    {
        var model = new DenseAutoencoder(new DenseConfig(5, [4], 2), new Rng(2));
        Assert.Throws<ArgumentException>(() => ReconstructionEvaluator.Evaluate(model, Dataset01(4, 5, 1), perSampleSquaredError: new float[3]));
    }
}
