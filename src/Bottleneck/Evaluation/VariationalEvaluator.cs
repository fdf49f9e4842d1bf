using Bottleneck.Autograd;
using Bottleneck.Data;
using Bottleneck.Models;
using Bottleneck.Models.Variational;
using Bottleneck.Tensors;

namespace Bottleneck.Evaluation;

/// <summary>
/// What <see cref="VariationalEvaluator"/> measures on a dataset. Losses are per sample (summed over features and latent
/// dimensions) averaged over the samples, in nats for the Bernoulli and learned-variance likelihoods.
/// </summary>
/// <param name="Samples">Samples evaluated.</param>
/// <param name="NegElbo">−ELBO = reconstruction + KL, one z ~ q(z|x) per sample (seeded); for VQ-VAE and WAE the reconstruction alone.</param>
/// <param name="Reconstruction">−log p(x | z) with that z.</param>
/// <param name="Kl">The analytic KL(q(z|x) ‖ N(0, I)) (0 for latents without one).</param>
/// <param name="KlPerDimension">The KL of each latent dimension, averaged over samples (empty without a Gaussian latent).</param>
/// <param name="ActiveUnits">Latent dimensions u with Var_x(E_q[z_u | x]) &gt; 0.01 (Burda et al. 2016; for a ladder latent, of the
/// bottom layer's posterior mean at the top layer's mean), or null without a stochastic latent.</param>
/// <param name="IwNll">Importance-weighted −log p(x) over the first <paramref name="IwRows"/> samples with <paramref name="IwSamples"/>
/// samples each (Burda et al. 2016), or null when not asked for.</param>
/// <param name="IwSamples">k of <paramref name="IwNll"/> (0 when not computed).</param>
/// <param name="IwRows">Samples of <paramref name="IwNll"/> (0 when not computed).</param>
/// <param name="NegElboSameRows">−ELBO over the same rows as <paramref name="IwNll"/> (for comparing the two), or null.</param>
/// <param name="Perplexity">Codebook perplexity exp(−Σ p_k ln p_k) of the code usage over the data (VQ-VAE), or null.</param>
/// <param name="CodesUsed">Codebook entries used at least once over the data (VQ-VAE), or null.</param>
/// <param name="Accuracy">Conditional models on labelled data: the share of samples whose label is argmax q(y | x) (semi-supervised) or
/// maximises the ELBO over the classes (cvae); else null.</param>
/// <param name="MmdToPrior">MMD² (inverse multiquadric kernel, unbiased) between the codes (posterior means; for an adversarial autoencoder
/// the codes its discriminator is trained on, one z ~ q(z | x) each with a Gaussian posterior) of
/// <see cref="VariationalEvaluator.MmdRows"/> samples drawn at random from the data (<see cref="VariationalEvaluator.SampleRows"/>) and as many prior samples: how well the aggregate code distribution matches the prior.</param>
/// <param name="DiscriminatorAccuracy">Share of those codes and prior samples an adversarial autoencoder's discriminator classifies
/// correctly (0.5 = it cannot tell them apart), or null for other kinds.</param>
public sealed record VariationalReport(int Samples, double NegElbo, double Reconstruction, double Kl, double[] KlPerDimension, int? ActiveUnits,
    double? IwNll, int IwSamples, int IwRows, double? NegElboSameRows, double? Perplexity, int? CodesUsed, double? Accuracy,
    double? MmdToPrior = null, double? DiscriminatorAccuracy = null);

/// <summary>Evaluates a variational-family model: −ELBO and its terms, IWAE NLL, active units, codebook use, conditional accuracy.</summary>
public static class VariationalEvaluator
{
    /// <summary>Variance of the posterior mean above which a unit counts as active (Burda et al. 2016).</summary>
    public const double ActiveUnitThreshold = 0.01;

    /// <summary>Rows whose codes are compared with the prior (MMD, discriminator accuracy), a random sample of the data (<see cref="SampleRows"/>).</summary>
    public const int MmdRows = 2000;

    /// <summary>
    /// min(m, n) distinct row indices of n drawn uniformly without replacement (a seeded permutation's first m), in increasing order; all rows
    /// when m ≥ n. A sample of the whole data rather than its first rows or every (n/m)-th, which need not be representative: MNIST's test set
    /// holds 5,000 images of NIST's SD-3 writers, then 5,000 of SD-1's, and its training set alternates the two row by row (the SD-1 images
    /// carry 13–17% more ink).
    /// </summary>
    /// <param name="n">Rows of the data, ≥ 0.</param>
    /// <param name="m">Rows wanted, ≥ 0.</param>
    /// <param name="seed">Seed of the draw; the same seed gives the same rows.</param>
    /// <exception cref="ArgumentOutOfRangeException">n or m is negative.</exception>
    public static int[] SampleRows(int n, int m, ulong seed)
    {
        if (n < 0) throw new ArgumentOutOfRangeException(nameof(n), n, $"n must be ≥ 0, got {n}");
        if (m < 0) throw new ArgumentOutOfRangeException(nameof(m), m, $"m must be ≥ 0, got {m}");
        if (m >= n) return Enumerable.Range(0, n).ToArray();
        var rows = new Rng(seed).Permutation(n)[..m];
        Array.Sort(rows);
        return rows;
    }

    /// <summary>Evaluates <paramref name="model"/> on <paramref name="data"/> (in the model's input space, labels used by conditional models).</summary>
    /// <param name="model">The model.</param>
    /// <param name="data">Samples, not empty.</param>
    /// <param name="iwSamples">k of the importance-weighted NLL; 0 (default) to skip it.</param>
    /// <param name="iwLimit">Rows the NLL is computed over (the first ones), default 1000.</param>
    /// <param name="seed">Seed of the latent samples (default 0); the same seed gives the same figures.</param>
    /// <param name="batchSize">Rows per batch (default 500).</param>
    /// <exception cref="ArgumentException">Empty data, a negative k, or a conditional model on unlabelled data.</exception>
    public static VariationalReport Evaluate(VariationalAutoencoder model, Dataset data, int iwSamples = 0, int iwLimit = 1000, ulong seed = 0, int batchSize = 500)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        if (data.Rows == 0) throw new ArgumentException($"{data.Source} has no samples to evaluate", nameof(data));
        if (iwSamples < 0) throw new ArgumentOutOfRangeException(nameof(iwSamples), iwSamples, $"iwSamples must be ≥ 0, got {iwSamples}");
        if (iwLimit < 1) throw new ArgumentOutOfRangeException(nameof(iwLimit), iwLimit, $"iwLimit must be ≥ 1, got {iwLimit}");
        if (model.ConditionsOnLabels && !model.LabelsOptional && data.Labels is null)
            throw new ArgumentException($"{data.Source} has no labels; a conditional {model.Config.Kind} model needs them", nameof(data));
        model.Eval();
        int n = data.Rows, d = data.FeatureCount, k = model.LatentDim;
        var rng = new Rng(seed);
        double rec = 0, kl = 0;
        var recRows = new double[n];
        var klRows = new double[n];
        var klDim = new double[k];
        var meanSum = new double[k];
        var meanSq = new double[k];
        var codeCounts = model.Quantizer is { } q ? new long[q.CodebookSize] : null;
        int correct = 0;
        bool accuracy = model.ConditionsOnLabels && data.Labels != null;
        using (GradMode.NoGrad())
        {
            var pool = new BufferPool();
            for (int start = 0; start < n; start += batchSize)
            {
                using var scope = new TensorScope(pool);
                int b = Math.Min(batchSize, n - start);
                var idx = Enumerable.Range(start, b).ToArray();
                var x = Tensor.Empty([b, d]);
                data.CopyRows(idx, x.Span);
                int[]? labels = model.ConditionsOnLabels && data.Labels != null ? idx.Select(i => data.Labels[i]).ToArray() : null;
                var (r, kRow, mean) = model.ElboTerms(x, labels, rng);
                for (int i = 0; i < b; i++) { recRows[start + i] = r[i]; klRows[start + i] = kRow[i]; rec += r[i]; kl += kRow[i]; }
                if (model.Latent is IStochasticLatent)
                {
                    var m = mean.Span;
                    for (int i = 0; i < b; i++)
                        for (int j = 0; j < k; j++) { double mj = m[i * k + j]; meanSum[j] += mj; meanSq[j] += mj * mj; }
                }
                if (model.Gaussian is { } g)
                {
                    var (mu, logVar) = g.Posterior(model.Encoder.Forward(model.ConditionsOnLabels
                        ? Tensor.Concat([x, model.OneHot(model.ResolveLabels(x, labels), b)], 1) : x));
                    var perElement = GaussianLatent.KlPerElement(mu, logVar).Span;
                    for (int i = 0; i < b; i++)
                        for (int j = 0; j < k; j++) klDim[j] += perElement[i * k + j];
                }
                if (codeCounts != null) foreach (int c in model.Quantizer!.Assign(model.Encoder.Forward(x))) codeCounts[c]++;
                if (accuracy) correct += CountCorrect(model, x, labels!);
            }
        }
        int? active = null;
        double[] perDim = [];
        if (model.Latent is IStochasticLatent)
        {
            active = 0;
            for (int j = 0; j < k; j++)
            {
                double mean = meanSum[j] / n, variance = meanSq[j] / n - mean * mean;
                if (variance > ActiveUnitThreshold) active++;
            }
            if (model.Gaussian != null) perDim = klDim.Select(v => v / n).ToArray();
        }
        double? iw = null, same = null;
        int iwRows = 0;
        if (iwSamples > 0 && model.Latent is IStochasticLatent)
        {
            iwRows = Math.Min(iwLimit, n);
            var iwRng = new Rng(seed ^ 0x1A3E_5EEDUL);
            double sum = 0;
            for (int start = 0; start < iwRows; start += 50)
            {
                int b = Math.Min(50, iwRows - start);
                var idx = Enumerable.Range(start, b).ToArray();
                var x = Tensor.Empty([b, d]);
                data.CopyRows(idx, x.Span);
                int[]? labels = model.ConditionsOnLabels && data.Labels != null ? idx.Select(i => data.Labels[i]).ToArray() : null;
                sum += model.ImportanceWeightedNll(x, labels, iwSamples, iwRng).Sum();
            }
            iw = sum / iwRows;
            same = Enumerable.Range(0, iwRows).Sum(i => recRows[i] + klRows[i]) / iwRows;
        }
        double? perplexity = null;
        int? used = null;
        if (codeCounts != null)
        {
            long total = codeCounts.Sum();
            double entropy = 0;
            foreach (long c in codeCounts) if (c > 0) { double p = (double)c / total; entropy -= p * Math.Log(p); }
            perplexity = Math.Exp(entropy);
            used = codeCounts.Count(c => c > 0);
        }
        double? mmd = null, discriminator = null;
        if (model.VariationalConfig.CanSample && !model.ConditionsOnLabels)
            using (GradMode.NoGrad())
            {
                int m = Math.Min(MmdRows, n);
                var x = Tensor.Empty([m, d]);
                data.CopyRows(SampleRows(n, m, seed ^ 0x5A3B1EUL), x.Span);
                // an adversarial autoencoder matches the codes its discriminator sees in training: z ~ q(z | x) for a Gaussian posterior
                var codes = model.Discriminator != null ? model.EncodeSample(x, new Rng(seed ^ 0xC0DEUL)) : model.Encode(x);
                var prior = model.SamplePrior(m, new Rng(seed ^ 0x4D4DUL));
                if (m >= 2) mmd = MmdPenalty.Estimate(codes, prior, MmdKernel.Imq).Item();
                if (model.Discriminator is { } disc)
                {
                    var fake = disc.Forward(codes).Span;
                    var real = disc.Forward(prior).Span;
                    int right = 0;
                    for (int i = 0; i < m; i++) { if (fake[i] < 0) right++; if (real[i] >= 0) right++; }
                    discriminator = right / (2.0 * m);
                }
            }
        return new VariationalReport(n, (rec + kl) / n, rec / n, kl / n, perDim, active, iw, iw is null ? 0 : iwSamples, iwRows, same,
            perplexity, used, accuracy ? (double)correct / n : null, mmd, discriminator);
    }

    /// <summary>Samples whose label maximises the posterior-mean ELBO −[−log p(x | μ(x, y), y) + KL] over the classes.</summary>
    private static int CountCorrect(VariationalAutoencoder model, Tensor x, int[] labels)
    {
        if (model.Classifier != null)
            return model.Predict(x).Where((p, i) => p == labels[i]).Count();
        int b = x.Dim(0), classes = model.Classes;
        var best = new double[b];
        var arg = new int[b];
        Array.Fill(best, double.NegativeInfinity);
        for (int c = 0; c < classes; c++)
        {
            var y = Enumerable.Repeat(c, b).ToArray();
            var (r, kl, _) = model.ElboTerms(x, y, null);
            for (int i = 0; i < b; i++)
            {
                double elbo = -(r[i] + kl[i]);
                if (elbo > best[i]) { best[i] = elbo; arg[i] = c; }
            }
        }
        int correct = 0;
        for (int i = 0; i < b; i++) if (arg[i] == labels[i]) correct++;
        return correct;
    }
}
