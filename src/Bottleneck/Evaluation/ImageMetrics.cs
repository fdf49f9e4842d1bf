using Bottleneck.Data;

namespace Bottleneck.Evaluation;

/// <summary>The sliding window SSIM weighs each pixel's neighbourhood with.</summary>
public enum SsimWindow
{
    /// <summary>A flat W × W window (scikit-image's default, W = 7).</summary>
    Uniform,
    /// <summary>A normalized Gaussian of standard deviation σ truncated at radius r = ⌊3.5σ + 0.5⌋ (11 × 11 for σ = 1.5; Wang et al. 2004).</summary>
    Gaussian,
}

/// <summary>
/// Parameters of SSIM, with scikit-image's names (<c>structural_similarity</c>): <c>gaussian_weights</c> → <see cref="Window"/>,
/// <c>win_size</c> → <see cref="WindowSize"/>, <c>sigma</c>, <c>data_range</c>, <c>K1</c>, <c>K2</c>, <c>use_sample_covariance</c>.
/// </summary>
/// <param name="Window">Window shape; default <see cref="SsimWindow.Uniform"/>.</param>
/// <param name="WindowSize">Side of the uniform window, odd, ≥ 3; default 7 (ignored for the Gaussian window, whose side is 2⌊3.5σ + 0.5⌋ + 1).</param>
/// <param name="Sigma">σ of the Gaussian window in pixels, &gt; 0; default 1.5.</param>
/// <param name="DataRange">L, the dynamic range of the pixel values (max − min possible), &gt; 0; default 1 (images in [0, 1]). Note that
/// scikit-image's default for float arrays is 2 (the range of [−1, 1]): pass <c>data_range=1</c> there to compare.</param>
/// <param name="K1">Luminance constant, C₁ = (K₁L)²; default 0.01.</param>
/// <param name="K2">Contrast constant, C₂ = (K₂L)²; default 0.03.</param>
/// <param name="SampleCovariance">Normalize (co)variances by NP − 1 instead of NP (NP = window pixels); default true, as scikit-image.</param>
/// <exception cref="ArgumentOutOfRangeException">A value is out of range.</exception>
public sealed record SsimOptions(SsimWindow Window = SsimWindow.Uniform, int WindowSize = 7, double Sigma = 1.5, double DataRange = 1.0,
                                 double K1 = 0.01, double K2 = 0.03, bool SampleCovariance = true)
{
    /// <summary>Uniform window side (odd, ≥ 3).</summary>
    public int WindowSize { get; init; } = WindowSize >= 3 && WindowSize % 2 == 1 ? WindowSize
        : throw new ArgumentOutOfRangeException(nameof(WindowSize), WindowSize, $"windowSize must be odd and ≥ 3, got {WindowSize}");

    /// <summary>Gaussian σ in pixels.</summary>
    public double Sigma { get; init; } = Sigma > 0 && double.IsFinite(Sigma) ? Sigma : throw new ArgumentOutOfRangeException(nameof(Sigma), Sigma, $"sigma must be > 0, got {Sigma}");

    /// <summary>Dynamic range L.</summary>
    public double DataRange { get; init; } = DataRange > 0 && double.IsFinite(DataRange) ? DataRange : throw new ArgumentOutOfRangeException(nameof(DataRange), DataRange, $"dataRange must be > 0, got {DataRange}");

    /// <summary>K₁ ≥ 0.</summary>
    public double K1 { get; init; } = K1 >= 0 ? K1 : throw new ArgumentOutOfRangeException(nameof(K1), K1, $"K1 must be ≥ 0, got {K1}");

    /// <summary>K₂ ≥ 0.</summary>
    public double K2 { get; init; } = K2 >= 0 ? K2 : throw new ArgumentOutOfRangeException(nameof(K2), K2, $"K2 must be ≥ 0, got {K2}");

    /// <summary>scikit-image's defaults: 7 × 7 uniform window, sample covariance, L = 1.</summary>
    public static SsimOptions ScikitImageDefault { get; } = new();

    /// <summary>Wang et al. (2004): 11 × 11 Gaussian window of σ = 1.5, population covariance, L = 1 (scikit-image
    /// <c>gaussian_weights=True, sigma=1.5, use_sample_covariance=False</c>).</summary>
    public static SsimOptions Wang2004 { get; } = new(SsimWindow.Gaussian, SampleCovariance: false);

    /// <summary>The window radius r: (W − 1)/2 for the uniform window, ⌊3.5σ + 0.5⌋ for the Gaussian.</summary>
    public int Radius => Window == SsimWindow.Uniform ? (WindowSize - 1) / 2 : (int)(3.5 * Sigma + 0.5);

    /// <summary>The separable 1-D window weights (length 2r + 1, summing to 1).</summary>
    public double[] Weights()
    {
        int r = Radius;
        var w = new double[2 * r + 1];
        if (Window == SsimWindow.Uniform) { Array.Fill(w, 1.0 / w.Length); return w; }
        double sum = 0;
        for (int k = -r; k <= r; k++) sum += w[k + r] = Math.Exp(-0.5 * k * k / (Sigma * Sigma));
        for (int k = 0; k < w.Length; k++) w[k] /= sum;
        return w;
    }
}

/// <summary>
/// Image quality metrics between a reference image x and a test image y of shape (C, H, W): SSIM (Wang, Bovik, Sheikh &amp;
/// Simoncelli 2004), MS-SSIM (Wang, Simoncelli &amp; Bovik 2003) and PSNR. Computed in double precision.
/// </summary>
/// <remarks>
/// SSIM compares local means μ, variances σ² and the covariance σ_xy under a sliding window:
/// SSIM(x, y) = ((2μ_xμ_y + C₁)(2σ_xy + C₂)) / ((μ_x² + μ_y² + C₁)(σ_x² + σ_y² + C₂)), averaged over the window positions
/// that lie wholly inside the image (scikit-image crops r pixels at each border), then over channels. It is 1 for identical
/// images and falls with changes in luminance, contrast and structure that a squared error weighs alike.
/// </remarks>
public static class ImageMetrics
{
    /// <summary>MS-SSIM weights of the five scales, finest first (Wang et al. 2003): 0.0448, 0.2856, 0.3001, 0.2363, 0.1333.</summary>
    public static readonly IReadOnlyList<double> MsSsimWeights = [0.0448, 0.2856, 0.3001, 0.2363, 0.1333];

    /// <summary>Mean SSIM over the window positions inside the image and over channels (scikit-image's <c>structural_similarity</c>
    /// with <c>channel_axis=0</c>).</summary>
    /// <param name="x">Reference image, (C, H, W) row-major.</param>
    /// <param name="y">Test image, same shape.</param>
    /// <param name="shape">(C, H, W).</param>
    /// <param name="options">Window and constants; default <see cref="SsimOptions.ScikitImageDefault"/>.</param>
    /// <returns>SSIM in [−1, 1].</returns>
    /// <exception cref="ArgumentException">The lengths do not match the shape, or H or W is smaller than the window.</exception>
    public static double Ssim(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ImageShape shape, SsimOptions? options = null)
    {
        options ??= SsimOptions.ScikitImageDefault;
        Check(x, y, shape, options);
        var w = options.Weights();
        double sum = 0;
        int hw = shape.Height * shape.Width;
        for (int c = 0; c < shape.Channels; c++)
            sum += Channel(ToDouble(x.Slice(c * hw, hw)), ToDouble(y.Slice(c * hw, hw)), shape.Height, shape.Width, options, w).Ssim;
        return sum / shape.Channels;
    }

    /// <summary>
    /// MS-SSIM = Π_{j=1}^{M−1} max(cs_j, 0)^{w_j} · max(ssim_M, 0)^{w_M} per channel, averaged over channels, where cs_j is the mean
    /// contrast-structure term (2σ_xy + C₂)/(σ_x² + σ_y² + C₂) at scale j, ssim_M the mean SSIM at the coarsest scale, and each
    /// scale halves the image with a 2 × 2 mean (an odd last row or column is averaged with itself, as Wang's reference msssim.m).
    /// </summary>
    /// <param name="x">Reference image, (C, H, W) row-major.</param>
    /// <param name="y">Test image, same shape.</param>
    /// <param name="shape">(C, H, W).</param>
    /// <param name="options">Window and constants; default <see cref="SsimOptions.Wang2004"/> (11 × 11 Gaussian).</param>
    /// <param name="weights">Scale weights, finest first; default <see cref="MsSsimWeights"/> (M = 5).</param>
    /// <returns>MS-SSIM in [0, 1].</returns>
    /// <exception cref="ArgumentException">The lengths do not match, or the coarsest scale is smaller than the window
    /// (with the defaults H and W must be ≥ 161).</exception>
    public static double MsSsim(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ImageShape shape, SsimOptions? options = null, IReadOnlyList<double>? weights = null)
    {
        options ??= SsimOptions.Wang2004;
        weights ??= MsSsimWeights;
        if (weights.Count < 1) throw new ArgumentException("weights must have at least one scale", nameof(weights));
        int m = weights.Count;
        Check(x, y, shape, options, m);
        var w = options.Weights();
        int hw = shape.Height * shape.Width;
        double total = 0;
        for (int c = 0; c < shape.Channels; c++)
        {
            var a = ToDouble(x.Slice(c * hw, hw));
            var b = ToDouble(y.Slice(c * hw, hw));
            int h = shape.Height, wd = shape.Width;
            double product = 1;
            for (int j = 0; j < m; j++)
            {
                var (ssim, cs) = Channel(a, b, h, wd, options, w);
                product *= Math.Pow(Math.Max(j == m - 1 ? ssim : cs, 0), weights[j]);
                if (j < m - 1) { a = Halve(a, h, wd); b = Halve(b, h, wd); h = (h + 1) / 2; wd = (wd + 1) / 2; }
            }
            total += product;
        }
        return total / shape.Channels;
    }

    /// <summary>Smallest side MS-SSIM accepts: the window side W, doubled for each of the M − 1 halvings (⌈s/2⌉ each), i.e. (W − 1)·2^{M−1} + 1.</summary>
    /// <param name="options">Window; default <see cref="SsimOptions.Wang2004"/>.</param>
    /// <param name="scales">M; default 5.</param>
    public static int MsSsimMinimumSide(SsimOptions? options = null, int scales = 5)
    {
        options ??= SsimOptions.Wang2004;
        return (2 * options.Radius) * (1 << (scales - 1)) + 1;
    }

    /// <summary>PSNR = 10·log₁₀(L² / MSE) in dB, MSE the mean of (x − y)² over every value (scikit-image's <c>peak_signal_noise_ratio</c>);
    /// +∞ for identical images.</summary>
    /// <param name="x">Reference values.</param>
    /// <param name="y">Test values, same length.</param>
    /// <param name="dataRange">L; default 1 (data in [0, 1]).</param>
    /// <exception cref="ArgumentException">The lengths differ or are 0, or L ≤ 0.</exception>
    public static double Psnr(ReadOnlySpan<float> x, ReadOnlySpan<float> y, double dataRange = 1.0)
    {
        if (x.Length != y.Length || x.Length == 0) throw new ArgumentException($"PSNR needs two non-empty images of the same size, got {x.Length} and {y.Length} values");
        double se = 0;
        for (int i = 0; i < x.Length; i++) { double d = (double)x[i] - y[i]; se += d * d; }
        return PsnrFromMse(se / x.Length, dataRange);
    }

    /// <summary>PSNR = 10·log₁₀(L² / MSE) dB from a mean squared error (+∞ when MSE = 0).</summary>
    /// <param name="mse">Mean squared error, ≥ 0.</param>
    /// <param name="dataRange">L; default 1.</param>
    /// <exception cref="ArgumentOutOfRangeException">MSE &lt; 0 or NaN, or L ≤ 0.</exception>
    public static double PsnrFromMse(double mse, double dataRange = 1.0)
    {
        if (!(mse >= 0)) throw new ArgumentOutOfRangeException(nameof(mse), mse, $"mse must be ≥ 0, got {mse}");
        if (!(dataRange > 0)) throw new ArgumentOutOfRangeException(nameof(dataRange), dataRange, $"dataRange must be > 0, got {dataRange}");
        return 10 * Math.Log10(dataRange * dataRange / mse);
    }

    private static void Check(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ImageShape shape, SsimOptions options, int scales = 1)
    {
        ArgumentNullException.ThrowIfNull(shape);
        if (x.Length != shape.Size || y.Length != shape.Size)
            throw new ArgumentException($"images have {x.Length} and {y.Length} values, shape {shape} needs {shape.Size}");
        int need = scales == 1 ? 2 * options.Radius + 1 : MsSsimMinimumSide(options, scales);
        if (shape.Height < need || shape.Width < need)
            throw new ArgumentException(scales == 1
                ? $"image {shape.Height}x{shape.Width} is smaller than the {need}x{need} SSIM window"
                : $"image {shape.Height}x{shape.Width} is too small for {scales}-scale MS-SSIM with a {2 * options.Radius + 1}x{2 * options.Radius + 1} window (needs ≥ {need} pixels a side)");
    }

    private static double[] ToDouble(ReadOnlySpan<float> v)
    {
        var d = new double[v.Length];
        for (int i = 0; i < v.Length; i++) d[i] = v[i];
        return d;
    }

    /// <summary>2 × 2 mean with ⌈h/2⌉ × ⌈w/2⌉ outputs; an odd last row/column pairs with itself.</summary>
    private static double[] Halve(double[] a, int h, int w)
    {
        int h2 = (h + 1) / 2, w2 = (w + 1) / 2;
        var o = new double[h2 * w2];
        for (int i = 0; i < h2; i++)
        {
            int y0 = 2 * i, y1 = Math.Min(2 * i + 1, h - 1);
            for (int j = 0; j < w2; j++)
            {
                int x0 = 2 * j, x1 = Math.Min(2 * j + 1, w - 1);
                o[i * w2 + j] = 0.25 * (a[y0 * w + x0] + a[y0 * w + x1] + a[y1 * w + x0] + a[y1 * w + x1]);
            }
        }
        return o;
    }

    /// <summary>Mean SSIM and mean contrast-structure term of one channel over the window positions inside the image.</summary>
    private static (double Ssim, double Cs) Channel(double[] x, double[] y, int h, int w, SsimOptions o, double[] weights)
    {
        int r = o.Radius, oh = h - 2 * r, ow = w - 2 * r, k = weights.Length;
        // horizontal pass over every row for the ow valid columns, for x, y, x², y², xy
        var hx = new double[h * ow]; var hy = new double[h * ow];
        var hxx = new double[h * ow]; var hyy = new double[h * ow]; var hxy = new double[h * ow];
        for (int i = 0; i < h; i++)
            for (int j = 0; j < ow; j++)
            {
                double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
                int b = i * w + j;
                for (int t = 0; t < k; t++)
                {
                    double a = x[b + t], c = y[b + t], wt = weights[t];
                    sx += wt * a; sy += wt * c; sxx += wt * a * a; syy += wt * c * c; sxy += wt * a * c;
                }
                int q = i * ow + j;
                hx[q] = sx; hy[q] = sy; hxx[q] = sxx; hyy[q] = syy; hxy[q] = sxy;
            }
        double np = (double)k * k;
        double covNorm = o.SampleCovariance ? np / (np - 1) : 1.0;
        double c1 = Math.Pow(o.K1 * o.DataRange, 2), c2 = Math.Pow(o.K2 * o.DataRange, 2);
        double ssimSum = 0, csSum = 0;
        for (int i = 0; i < oh; i++)
            for (int j = 0; j < ow; j++)
            {
                double ux = 0, uy = 0, uxx = 0, uyy = 0, uxy = 0;
                for (int t = 0; t < k; t++)
                {
                    int q = (i + t) * ow + j;
                    double wt = weights[t];
                    ux += wt * hx[q]; uy += wt * hy[q]; uxx += wt * hxx[q]; uyy += wt * hyy[q]; uxy += wt * hxy[q];
                }
                double vx = covNorm * (uxx - ux * ux), vy = covNorm * (uyy - uy * uy), vxy = covNorm * (uxy - ux * uy);
                double cs = (2 * vxy + c2) / (vx + vy + c2);
                ssimSum += (2 * ux * uy + c1) / (ux * ux + uy * uy + c1) * cs;
                csSum += cs;
            }
        double n = (double)oh * ow;
        return (ssimSum / n, csSum / n);
    }
}
