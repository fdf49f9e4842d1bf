using Bottleneck.Autograd;
using Bottleneck.Data;
using Bottleneck.Models;
using Bottleneck.Tensors;
using Bottleneck.Training;

namespace Bottleneck.Evaluation;

/// <summary>
/// How well a model removes a corruption: mean squared errors and PSNR of the corrupted inputs and of the model's
/// reconstructions from them, both against the clean data. PSNR = 10·log₁₀(1 / MSE) in dB assumes data in [0, 1].
/// </summary>
/// <param name="Samples">N.</param>
/// <param name="NoisyMse">Mean over all values of (x̃ − x)².</param>
/// <param name="DenoisedMse">Mean over all values of (x̂(x̃) − x)².</param>
/// <param name="NoisyPsnr">10·log₁₀(1 / <paramref name="NoisyMse"/>), dB.</param>
/// <param name="DenoisedPsnr">10·log₁₀(1 / <paramref name="DenoisedMse"/>), dB.</param>
public sealed record DenoisingReport(int Samples, double NoisyMse, double DenoisedMse, double NoisyPsnr, double DenoisedPsnr)
{
    /// <summary>PSNR improvement DenoisedPsnr − NoisyPsnr, dB.</summary>
    public double PsnrGain => DenoisedPsnr - NoisyPsnr;
}

/// <summary>Evaluates denoising (Vincent et al. 2008/2010) in batches, without autograd.</summary>
public static class DenoisingEvaluator
{
    /// <summary>
    /// Corrupts <paramref name="cleanData"/> with <paramref name="corruption"/> (generator seeded with <paramref name="seed"/>, so the
    /// noise is reproducible), reconstructs the corrupted inputs with <paramref name="model"/> (in eval mode) and compares both
    /// with the clean data.
    /// </summary>
    /// <param name="model">The (denoising) autoencoder.</param>
    /// <param name="cleanData">Clean samples (N, D), already preprocessed; values in [0, 1] for PSNR to be meaningful.</param>
    /// <param name="corruption">The corruption (e.g. the model config's <c>Corruption</c>).</param>
    /// <param name="seed">Seed of the noise generator (default 0).</param>
    /// <param name="batchSize">Rows per batch (default 512).</param>
    /// <exception cref="ShapeException">The data width differs from the model's.</exception>
    /// <exception cref="ArgumentException">The dataset is empty.</exception>
    public static DenoisingReport Evaluate(AutoencoderModel model, Dataset cleanData, Corruption corruption, ulong seed = 0, int batchSize = 512)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(cleanData);
        ArgumentNullException.ThrowIfNull(corruption);
        var source = RowSource.For(model, cleanData);
        if (cleanData.Rows == 0) throw new ArgumentException($"{cleanData.Source} has no rows to evaluate");
        var rng = new Rng(seed);
        double noisySe = 0, denoisedSe = 0;
        Batching.InOrder(model, source, batchSize, (batch, _) =>
        {
            var x = ((RowBatch)batch).Input;
            var noisy = corruption.Apply(x, rng);
            var xhat = model.Reconstruct(noisy).Span;
            var xs = x.Span; var ns = noisy.Span;
            for (int i = 0; i < xs.Length; i++)
            {
                double a = ns[i] - xs[i], b = xhat[i] - xs[i];
                noisySe += a * a; denoisedSe += b * b;
            }
        });
        long count = (long)cleanData.Rows * cleanData.FeatureCount;
        double nm = noisySe / count, dm = denoisedSe / count;
        return new DenoisingReport(cleanData.Rows, nm, dm, Psnr(nm), Psnr(dm));
    }

    /// <summary>10·log₁₀(1 / mse) dB (mse floored at 1e-12).</summary>
    public static double Psnr(double mse) => 10 * Math.Log10(1.0 / Math.Max(mse, 1e-12));
}
