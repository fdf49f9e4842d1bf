using Bottleneck.Autograd;
using Bottleneck.Data;
using Bottleneck.Models;
using Bottleneck.Tensors;

namespace Bottleneck.Evaluation;

/// <summary>
/// Reconstruction quality of a model on a dataset, in the model's input space (after preprocessing).
/// "Per element" averages over every value; "per sample" sums over a sample's D features and averages over samples
/// (for MNIST, the squared error per image over 784 pixels that Hinton &amp; Salakhutdinov report).
/// </summary>
/// <param name="Samples">N.</param>
/// <param name="Features">D.</param>
/// <param name="LatentDim">Code width.</param>
/// <param name="Mse">Mean squared error per element.</param>
/// <param name="Mae">Mean absolute error per element.</param>
/// <param name="Rmse">√MSE per element.</param>
/// <param name="Bce">Binary cross-entropy per element in nats (targets clamped to [0, 1], log terms at −100), or null when the output is not a sigmoid.</param>
/// <param name="SquaredErrorPerSample">Σ_features (x − x̂)², averaged over samples.</param>
/// <param name="AbsoluteErrorPerSample">Σ_features |x − x̂|, averaged over samples.</param>
/// <param name="BcePerSample">Σ_features BCE, averaged over samples, or null.</param>
/// <param name="CompressionRatio">D / latentDim.</param>
/// <param name="Psnr">10·log₁₀(1 / MSE) in dB for image data in [0, 1], or null for non-image data.</param>
public sealed record ReconstructionReport(int Samples, int Features, int LatentDim, double Mse, double Mae, double Rmse, double? Bce,
    double SquaredErrorPerSample, double AbsoluteErrorPerSample, double? BcePerSample, double CompressionRatio, double? Psnr);

/// <summary>Computes <see cref="ReconstructionReport"/>s in batches, without autograd.</summary>
public static class ReconstructionEvaluator
{
    /// <summary>Evaluates <paramref name="model"/> on <paramref name="data"/> (already preprocessed).</summary>
    /// <param name="model">The model; put in eval mode for the duration.</param>
    /// <param name="data">Samples (N, D).</param>
    /// <param name="isImage">Report PSNR (data in [0, 1]); defaults to whether <paramref name="data"/> has an image shape.</param>
    /// <param name="batchSize">Rows per batch (default 512).</param>
    /// <param name="perSampleSquaredError">If given (length N), receives each sample's summed squared error.</param>
    /// <exception cref="ShapeException">The data width differs from the model's.</exception>
    /// <exception cref="ArgumentException">The data has no rows, or <paramref name="perSampleSquaredError"/> is given with a length other than N.</exception>
    public static ReconstructionReport Evaluate(AutoencoderModel model, Dataset data, bool? isImage = null, int batchSize = 512, Span<float> perSampleSquaredError = default)
    {
        if (data.FeatureCount != model.InputDim)
            throw new ShapeException($"{data.Source} has {data.FeatureCount} features, the model expects {model.InputDim}");
        if (data.Rows == 0) throw new ArgumentException($"{data.Source} has no rows to evaluate");
        if (!perSampleSquaredError.IsEmpty && perSampleSquaredError.Length != data.Rows)
            throw new ArgumentException($"perSampleSquaredError has {perSampleSquaredError.Length} entries, {data.Source} has {data.Rows} rows", nameof(perSampleSquaredError));
        bool wasTraining = model.Training;
        model.Eval();
        int d = data.FeatureCount, bs = Math.Min(batchSize, data.Rows);
        var buf = new float[bs * d];
        var pool = new BufferPool();
        double se = 0, ae = 0, bce = 0;
        bool sigmoid = model.OutputKind == Reconstruction.SigmoidBce;
        using (GradMode.NoGrad())
            for (int start = 0; start < data.Rows; start += bs)
            {
                int n = Math.Min(bs, data.Rows - start);
                var rows = Enumerable.Range(start, n).ToArray();
                data.CopyRows(rows, buf.AsSpan(0, n * d));
                using var scope = new TensorScope(pool);
                var x = Tensor.FromArray(buf.AsSpan(0, n * d), n, d);
                var xhat = model.Reconstruct(x).Span;
                var xs = x.Span;
                for (int i = 0; i < n; i++)
                {
                    double rowSe = 0;
                    for (int j = i * d; j < (i + 1) * d; j++)
                    {
                        double diff = xs[j] - xhat[j];
                        rowSe += diff * diff;
                        ae += Math.Abs(diff);
                        if (sigmoid)
                        {
                            double t = Math.Clamp(xs[j], 0, 1), p = xhat[j];
                            bce -= t * Math.Max(Math.Log(p), -100) + (1 - t) * Math.Max(Math.Log(1 - p), -100);
                        }
                    }
                    se += rowSe;
                    if (!perSampleSquaredError.IsEmpty) perSampleSquaredError[start + i] = (float)rowSe;
                }
            }
        model.Train(wasTraining);
        long count = (long)data.Rows * d;
        double mse = se / count;
        bool image = isImage ?? data.Image != null;
        return new ReconstructionReport(data.Rows, d, model.LatentDim, mse, ae / count, Math.Sqrt(mse), sigmoid ? bce / count : null,
            se / data.Rows, ae / data.Rows, sigmoid ? bce / data.Rows : null, (double)d / model.LatentDim,
            image ? 10 * Math.Log10(1.0 / Math.Max(mse, 1e-12)) : null);
    }
}
