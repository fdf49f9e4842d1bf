using Bottleneck.Autograd;
using Bottleneck.Data;
using Bottleneck.Models;
using Bottleneck.Tensors;
using Bottleneck.Training;

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
/// <param name="Bce">Binary cross-entropy per element in nats (targets clamped to [0, 1], log terms at −100), or null when the reconstructions are not in (0, 1) (a likelihood other than Bernoulli).</param>
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
    /// <param name="data">Samples (N, D); for padded sequences (<see cref="Dataset.StepCounts"/>) only the real values count (the means
    /// divide by Σ L_i·F).</param>
    /// <param name="isImage">Report PSNR (data in [0, 1]); defaults to whether <paramref name="data"/> has an image shape.</param>
    /// <param name="batchSize">Rows per batch (default 512).</param>
    /// <param name="perSampleSquaredError">If given (length N), receives each sample's summed squared error.</param>
    /// <exception cref="ShapeException">The data width differs from the model's.</exception>
    /// <exception cref="ArgumentException">The data has no rows, or <paramref name="perSampleSquaredError"/> is given with a length other than N.</exception>
    public static ReconstructionReport Evaluate(AutoencoderModel model, Dataset data, bool? isImage = null, int batchSize = 512, Span<float> perSampleSquaredError = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        var source = RowSource.For(model, data);
        if (data.Rows == 0) throw new ArgumentException($"{data.Source} has no rows to evaluate");
        if (!perSampleSquaredError.IsEmpty && perSampleSquaredError.Length != data.Rows)
            throw new ArgumentException($"perSampleSquaredError has {perSampleSquaredError.Length} entries, {data.Source} has {data.Rows} rows", nameof(perSampleSquaredError));
        int d = data.FeatureCount;
        double se = 0, ae = 0, bce = 0;
        bool unit = model.Likelihood.MeanInUnitInterval;
        var perSample = perSampleSquaredError.IsEmpty ? null : new float[data.Rows];
        Batching.InOrder(model, source, batchSize, (batch, start) =>
        {
            var rows = (RowBatch)batch;
            var x = rows.Input;
            var xhat = model.Reconstruct(rows).Span;
            var xs = x.Span;
            var mask = rows.Mask;   // padded sequences: only the real values count
            for (int i = 0; i < batch.Count; i++)
            {
                double rowSe = 0;
                for (int j = i * d; j < (i + 1) * d; j++)
                {
                    if (mask != null && mask.Span[j] == 0f) continue;
                    double diff = xs[j] - xhat[j];
                    rowSe += diff * diff;
                    ae += Math.Abs(diff);
                    if (unit)
                    {
                        double t = Math.Clamp(xs[j], 0, 1), p = xhat[j];
                        bce -= t * Math.Max(Math.Log(p), -100) + (1 - t) * Math.Max(Math.Log(1 - p), -100);
                    }
                }
                se += rowSe;
                if (perSample != null) perSample[start + i] = (float)rowSe;
            }
        });
        perSample?.CopyTo(perSampleSquaredError);
        long count = data.StepCounts is { } steps ? steps.Sum(l => (long)l) * data.Sequence!.Channels : (long)data.Rows * d;
        double mse = se / count;
        bool image = isImage ?? data.Image != null;
        return new ReconstructionReport(data.Rows, d, model.LatentDim, mse, ae / count, Math.Sqrt(mse), unit ? bce / count : null,
            se / data.Rows, ae / data.Rows, unit ? bce / data.Rows : null, (double)d / model.LatentDim,
            image ? 10 * Math.Log10(1.0 / Math.Max(mse, 1e-12)) : null);
    }
}
