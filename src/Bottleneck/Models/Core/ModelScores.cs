using Bottleneck.Tensors;

namespace Bottleneck.Models;

/// <summary>
/// A model whose anomaly score is its own, not a reconstruction error of <see cref="AutoencoderModel.DecodeLogits"/>: DAGMM's
/// sample energy, an ensemble's combined member scores. The anomaly scorer asks for this interface (score name "model"), so it
/// knows no concrete kind. Higher = more anomalous.
/// </summary>
public interface IAnomalyScoringModel
{
    /// <summary>One line naming the score and its units, e.g. "sample energy −ln Σₖ φₖ·N(z; μₖ, Σₖ), nats".</summary>
    string ScoreDescription { get; }

    /// <summary>Writes the anomaly score of each sample of <paramref name="x"/> into <paramref name="scores"/>, in eval mode, without
    /// autograd (the caller turns it off).</summary>
    /// <param name="x">Samples (N, …) with the model's sample shape, preprocessed as in training.</param>
    /// <param name="scores">Receives N scores.</param>
    /// <exception cref="ShapeException">The input does not have the sample shape.</exception>
    void AnomalyScores(Tensor x, Span<float> scores);
}

/// <summary>How standardised detector scores are combined into one score per sample.</summary>
public enum ScoreCombination
{
    /// <summary>The mean of the standardised scores (Aggarwal &amp; Sathe, "Theoretical foundations and algorithms for outlier
    /// ensembles", SIGKDD Explorations 2015: averaging reduces variance).</summary>
    Mean,
    /// <summary>The maximum (maximisation: keeps an outlier one detector sees clearly, at the cost of more variance).</summary>
    Max,
    /// <summary>The median (RandNet's combination, Chen et al. 2017: robust to a few poorly trained members).</summary>
    Median,
}

/// <summary>
/// Score normalisation and combination for ensembles of detectors: each detector's scores are z-scored with the mean and standard
/// deviation of its scores on the training rows, zₘ(x) = (sₘ(x) − μₘ)/σₘ, then combined per sample by <see cref="ScoreCombination"/>.
/// Standardising first puts detectors with different units (squared error, nats) on one scale (Aggarwal &amp; Sathe 2015).
/// </summary>
public static class ScoreEnsemble
{
    /// <summary>The floor of σₘ, so a detector whose training scores are all equal does not divide by zero.</summary>
    public const double MinStandardDeviation = 1e-12;

    /// <summary>The mean μ and standard deviation σ (population, floored at <see cref="MinStandardDeviation"/>) of training scores.</summary>
    /// <param name="trainingScores">One detector's scores on the training rows, at least one.</param>
    /// <exception cref="ArgumentException">No scores, or a score is NaN or infinite.</exception>
    public static (double Mean, double StandardDeviation) Fit(ReadOnlySpan<float> trainingScores)
    {
        if (trainingScores.IsEmpty) throw new ArgumentException("standardising scores needs at least one training score");
        double sum = 0;
        foreach (var s in trainingScores)
        {
            if (!float.IsFinite(s)) throw new ArgumentException($"a training score is {s}; scores must be finite to standardise them");
            sum += s;
        }
        double mean = sum / trainingScores.Length, ss = 0;
        foreach (var s in trainingScores) ss += (s - mean) * (s - mean);
        return (mean, Math.Max(MinStandardDeviation, Math.Sqrt(ss / trainingScores.Length)));
    }

    /// <summary>
    /// Combines M detectors' raw scores of N samples: out[i] = combine over m of (scores[m·N + i] − mean[m]) / sd[m].
    /// </summary>
    /// <param name="scores">M·N raw scores, detector-major (the N scores of detector 0 first).</param>
    /// <param name="mean">μₘ per detector (M).</param>
    /// <param name="standardDeviation">σₘ per detector (M), each &gt; 0.</param>
    /// <param name="combination">Mean, max or median.</param>
    /// <param name="output">Receives N combined scores.</param>
    /// <exception cref="ArgumentException">The lengths disagree, or there is no detector.</exception>
    public static void Combine(ReadOnlySpan<float> scores, ReadOnlySpan<float> mean, ReadOnlySpan<float> standardDeviation,
        ScoreCombination combination, Span<float> output)
    {
        int m = mean.Length, n = output.Length;
        if (m == 0) throw new ArgumentException("combining scores needs at least one detector");
        if (standardDeviation.Length != m || scores.Length != m * n)
            throw new ArgumentException($"combining scores: {scores.Length} scores, {mean.Length} means, {standardDeviation.Length} deviations do not fit {n} samples");
        Span<float> z = m <= 256 ? stackalloc float[m] : new float[m];
        for (int i = 0; i < n; i++)
        {
            for (int k = 0; k < m; k++) z[k] = (scores[k * n + i] - mean[k]) / standardDeviation[k];
            output[i] = combination switch
            {
                ScoreCombination.Mean => System.Numerics.Tensors.TensorPrimitives.Sum(z) / m,
                ScoreCombination.Max => System.Numerics.Tensors.TensorPrimitives.Max(z),
                _ => Median(z),
            };
        }
    }

    /// <summary>The median of <paramref name="values"/> (the mean of the two middle values for an even count); sorts them in place.</summary>
    public static float Median(Span<float> values)
    {
        values.Sort();
        int k = values.Length;
        return k % 2 == 1 ? values[k / 2] : 0.5f * (values[k / 2 - 1] + values[k / 2]);
    }
}
