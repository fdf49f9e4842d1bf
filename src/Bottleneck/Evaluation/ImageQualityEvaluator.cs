using Bottleneck.Data;
using Bottleneck.Models;
using Bottleneck.Training;

namespace Bottleneck.Evaluation;

/// <summary>
/// Image quality of reconstructions against their originals, both in the data space (pixels in [0, 1], L = 1), image by image:
/// for patch data the images are the whole files, put back together from the patches (<see cref="ImageFolderData.Assemble"/>).
/// </summary>
/// <param name="Images">Number of images compared.</param>
/// <param name="Ssim">Mean over images of SSIM with scikit-image's default window (7 × 7 uniform, sample covariance; the
/// <c>structural_similarity(x, x̂, data_range=1)</c> the MNIST peer reports), or null when an image is smaller than 7 × 7.</param>
/// <param name="SsimGaussian">Mean over images of SSIM with Wang et al.'s 11 × 11 Gaussian window (σ = 1.5), or null when an image is smaller than 11 × 11.</param>
/// <param name="MsSsim">Mean over images of 5-scale MS-SSIM, or null when an image is smaller than 161 pixels a side.</param>
/// <param name="PsnrPerImage">Mean over images of 10·log₁₀(1 / MSE_image) dB (MSE_image floored at 1e-12, so an exact image counts 120 dB).</param>
/// <param name="Mse">Mean squared error over every pixel of every image.</param>
/// <param name="Psnr">10·log₁₀(1 / <paramref name="Mse"/>) dB, the PSNR of the mean squared error (floored at 1e-12).</param>
public sealed record ImageQualityReport(int Images, double? Ssim, double? SsimGaussian, double? MsSsim, double PsnrPerImage, double Mse, double Psnr);

/// <summary>Computes <see cref="ImageQualityReport"/>s: SSIM, MS-SSIM and PSNR per image (<see cref="ImageMetrics"/>).</summary>
public static class ImageQualityEvaluator
{
    /// <summary>Compares test images with reference images, one pair at a time.</summary>
    /// <param name="references">Reference images x, (C, H, W) row-major, values in [0, 1].</param>
    /// <param name="tests">Test images x̂, the same shapes.</param>
    /// <param name="shapes">Shape of each pair.</param>
    /// <returns>The means over the pairs.</returns>
    /// <exception cref="ArgumentException">No images, the counts differ, or an image's length does not match its shape.</exception>
    public static ImageQualityReport Compare(IReadOnlyList<float[]> references, IReadOnlyList<float[]> tests, IReadOnlyList<ImageShape> shapes)
    {
        ArgumentNullException.ThrowIfNull(references);
        ArgumentNullException.ThrowIfNull(tests);
        ArgumentNullException.ThrowIfNull(shapes);
        int n = references.Count;
        if (n == 0) throw new ArgumentException("there are no images to compare", nameof(references));
        if (tests.Count != n || shapes.Count != n)
            throw new ArgumentException($"{n} reference images, {tests.Count} test images and {shapes.Count} shapes: the counts must agree");
        int minSide = shapes.Min(s => Math.Min(s.Height, s.Width));
        bool uniform = minSide >= 2 * SsimOptions.ScikitImageDefault.Radius + 1;
        bool gaussian = minSide >= 2 * SsimOptions.Wang2004.Radius + 1;
        bool ms = minSide >= ImageMetrics.MsSsimMinimumSide();
        double ssim = 0, ssimG = 0, msSsim = 0, psnr = 0, se = 0;
        long count = 0;
        var partial = new (double Ssim, double SsimG, double Ms, double Psnr, double Se)[n];
        for (int i = 0; i < n; i++)
            if (references[i].Length != shapes[i].Size || tests[i].Length != shapes[i].Size)
                throw new ArgumentException($"image {i} has {references[i].Length} and {tests[i].Length} values, its shape {shapes[i]} needs {shapes[i].Size}");
        Parallel.For(0, n, i =>
        {
            var (x, y, shape) = (references[i], tests[i], shapes[i]);
            double s = 0;
            for (int j = 0; j < x.Length; j++) { double d = (double)x[j] - y[j]; s += d * d; }
            partial[i] = (uniform ? ImageMetrics.Ssim(x, y, shape, SsimOptions.ScikitImageDefault) : 0,
                          gaussian ? ImageMetrics.Ssim(x, y, shape, SsimOptions.Wang2004) : 0,
                          ms ? ImageMetrics.MsSsim(x, y, shape) : 0,
                          ImageMetrics.PsnrFromMse(Math.Max(s / x.Length, 1e-12)), s);
        });
        for (int i = 0; i < n; i++)
        {
            ssim += partial[i].Ssim; ssimG += partial[i].SsimG; msSsim += partial[i].Ms; psnr += partial[i].Psnr; se += partial[i].Se;
            count += shapes[i].Size;
        }
        double mse = se / count;
        return new ImageQualityReport(n, uniform ? ssim / n : null, gaussian ? ssimG / n : null, ms ? msSsim / n : null, psnr / n,
                                      mse, ImageMetrics.PsnrFromMse(Math.Max(mse, 1e-12)));
    }

    /// <summary>
    /// Reconstructs <paramref name="raw"/> with <paramref name="model"/> (scaling with <paramref name="preprocessor"/> on the way in
    /// and undoing it on the way out) and returns the reconstructed images in the data space with their originals and shapes:
    /// one per row, or one per file when <paramref name="layout"/> has patches (overlapping patches averaged).
    /// </summary>
    /// <param name="model">The model (eval mode for the duration).</param>
    /// <param name="raw">Image rows in the data space: <paramref name="layout"/>'s <see cref="ImageFolderData.Data"/>, or any dataset with an image shape.</param>
    /// <param name="preprocessor">The model's scaling.</param>
    /// <param name="layout">The image folder <paramref name="raw"/> came from, or null (default) for one image per row.</param>
    /// <param name="batchSize">Rows per batch (default 512).</param>
    /// <exception cref="ArgumentException">The data has no image shape or rows, or <paramref name="layout"/> is not <paramref name="raw"/>'s.</exception>
    public static (float[][] Originals, float[][] Reconstructions, ImageShape[] Shapes) Reconstruct(AutoencoderModel model, Dataset raw,
        Preprocessor preprocessor, ImageFolderData? layout = null, int batchSize = 512)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(raw);
        ArgumentNullException.ThrowIfNull(preprocessor);
        if (raw.Image is not { } shape) throw new ArgumentException($"{raw.Source}: the data are not images (no sample shape)", nameof(raw));
        if (raw.Rows == 0) throw new ArgumentException($"{raw.Source} has no images", nameof(raw));
        if (layout != null && layout.Data.Rows != raw.Rows)
            throw new ArgumentException($"the layout has {layout.Data.Rows} rows, the data {raw.Rows}", nameof(layout));
        var scaled = preprocessor.Kind == ScalingKind.None ? raw : preprocessor.Transform(raw);
        var rec = Batching.Reconstruct(model, scaled, batchSize);
        preprocessor.InverseTransform(rec);
        if (layout != null)
            return (layout.Assemble(raw.Features), layout.Assemble(rec), layout.Files.Select(f => f.Shape).ToArray());
        int d = raw.FeatureCount;
        var originals = new float[raw.Rows][];
        var recs = new float[raw.Rows][];
        for (int i = 0; i < raw.Rows; i++)
        {
            originals[i] = raw.Features.AsSpan(i * d, d).ToArray();
            recs[i] = rec.AsSpan(i * d, d).ToArray();
        }
        return (originals, recs, Enumerable.Repeat(shape, raw.Rows).ToArray());
    }

    /// <summary>Reconstructs the images (<see cref="Reconstruct"/>) and compares them with their originals (<see cref="Compare"/>).</summary>
    /// <param name="model">The model.</param>
    /// <param name="raw">Image rows in the data space, values in [0, 1].</param>
    /// <param name="preprocessor">The model's scaling.</param>
    /// <param name="layout">The image folder <paramref name="raw"/> came from, or null for one image per row.</param>
    /// <exception cref="ArgumentException">See <see cref="Reconstruct"/>.</exception>
    public static ImageQualityReport Evaluate(AutoencoderModel model, Dataset raw, Preprocessor preprocessor, ImageFolderData? layout = null)
    {
        var (x, xhat, shapes) = Reconstruct(model, raw, preprocessor, layout);
        return Compare(x, xhat, shapes);
    }
}
