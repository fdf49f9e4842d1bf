namespace Bottleneck.Anomaly;

/// <summary>
/// The saved state of a <see cref="DistanceScore"/> (the model folder's <c>distanceScore</c> entry).
/// </summary>
/// <param name="Error">The reconstruction error it combines with (the scorer's <see cref="AnomalyScorer.Error"/>).</param>
/// <param name="ErrorMean">μ_e, mean reconstruction error on the training rows.</param>
/// <param name="ErrorSd">σ_e, its population sd (floored at <see cref="Models.ScoreEnsemble.MinStandardDeviation"/>).</param>
/// <param name="Mean">μ of the robust Mahalanobis distance (D), in preprocessed units.</param>
/// <param name="Precision">Σ⁻¹ of the robust Mahalanobis distance, row-major (D·D).</param>
/// <param name="DistanceMean">μ_d, mean squared distance on the training rows.</param>
/// <param name="DistanceSd">σ_d, its population sd (floored).</param>
public sealed record DistanceScoreState(ReconstructionError Error, double ErrorMean, double ErrorSd, double[] Mean, double[] Precision,
    double DistanceMean, double DistanceSd);

/// <summary>
/// A combined anomaly score: the reconstruction error e(x) and the robust Mahalanobis distance d²(x) of the preprocessed row
/// (<see cref="RobustMahalanobis"/>), each z-scored with its mean and sd on the training rows, then averaged:
/// s(x) = ½·[(e(x) − μ_e)/σ_e + (d²(x) − μ_d)/σ_d]. Unitless (training-score standard deviations).
/// </summary>
/// <remarks>
/// <para>Why: the two see different anomalies. The autoencoder's error grows with what the code cannot represent (a row off the
/// non-linear manifold of the bulk); the Mahalanobis distance grows with a row's distance from the bulk along directions of little
/// variance, which a bounded decoder output reconstructs poorly only when the values are extreme. Standardising each score on the
/// training rows and averaging is the score normalisation and combination of outlier ensembles (Aggarwal &amp; Sathe, "Theoretical
/// foundations and algorithms for outlier ensembles", SIGKDD Explorations 2015); the Mahalanobis distance with a robust covariance
/// is the classical multivariate outlier detector (Rousseeuw &amp; van Zomeren, JASA 1990). Chosen for the unsupervised recipe by
/// the wide benchmark's leave-one-dataset-out selection (docs/anomaly.md).</para>
/// <para>Contributions: s(x) = Σⱼ cⱼ with cⱼ = ½·[eⱼ/σ_e + rⱼ/σ_d] − ½·(μ_e/σ_e + μ_d/σ_d)/D, where eⱼ is feature j's share of the
/// error (<see cref="AnomalyScorer"/>) and rⱼ = (xⱼ − μⱼ)·(Σ⁻¹(x − μ))ⱼ its share of d² (the rⱼ sum to d², and may be negative).</para>
/// <para>Shape: rows (N, D) preprocessed as at training time → N scores.</para>
/// </remarks>
public sealed class DistanceScore
{
    private readonly RobustMahalanobis _distance;
    private float[] _d2 = [];

    /// <summary>Creates the score from its saved state.</summary>
    /// <exception cref="ArgumentException">The state's lengths disagree, or a value is not finite, or an sd is not positive.</exception>
    public DistanceScore(DistanceScoreState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (!(double.IsFinite(state.ErrorMean) && double.IsFinite(state.DistanceMean) && state.ErrorSd > 0 && state.DistanceSd > 0
              && double.IsFinite(state.ErrorSd) && double.IsFinite(state.DistanceSd)))
            throw new ArgumentException("distanceScore: errorMean and distanceMean must be finite, errorSd and distanceSd finite and > 0");
        if (state.Mean is null || state.Precision is null || state.Mean.Any(v => !double.IsFinite(v)) || state.Precision.Any(v => !double.IsFinite(v)))
            throw new ArgumentException("distanceScore: mean and precision must be present and finite");
        _distance = RobustMahalanobis.FromState(state.Mean, state.Precision);
        State = state;
    }

    /// <summary>The state (for saving).</summary>
    public DistanceScoreState State { get; }

    /// <summary>D.</summary>
    public int Features => _distance.Features;

    /// <summary>Fits the distance and both calibrations on the preprocessed training rows, with <paramref name="scorer"/>'s error.</summary>
    /// <param name="scorer">The trained model's scorer (its <see cref="AnomalyScorer.Distance"/> is ignored: the raw error is used).</param>
    /// <param name="trainingRows">Training rows (N ≥ 2, D), preprocessed.</param>
    /// <exception cref="ArgumentException">Fewer than 2 rows, a width other than the model's, or values that are not finite.</exception>
    public static DistanceScore Fit(AnomalyScorer scorer, Data.Dataset trainingRows)
    {
        ArgumentNullException.ThrowIfNull(scorer);
        ArgumentNullException.ThrowIfNull(trainingRows);
        if (trainingRows.FeatureCount != scorer.FeatureCount)
            throw new ArgumentException($"{trainingRows.Source} has {trainingRows.FeatureCount} features, the model expects {scorer.FeatureCount}");
        var keep = scorer.Distance;
        scorer.Distance = null;
        float[] errors;
        try { errors = scorer.Score(trainingRows); }
        finally { scorer.Distance = keep; }
        var distance = RobustMahalanobis.Fit(trainingRows.Features, trainingRows.FeatureCount);
        var d2 = new float[trainingRows.Rows];
        distance.Score(trainingRows.Features, d2);
        var (me, se) = Models.ScoreEnsemble.Fit(errors);
        var (md, sd) = Models.ScoreEnsemble.Fit(d2);
        return new DistanceScore(new DistanceScoreState(scorer.Error, me, se, distance.Mean, distance.Precision, md, sd));
    }

    /// <summary>
    /// Turns reconstruction errors into combined scores in place: scores[i] = ½·[(scores[i] − μ_e)/σ_e + (d²(rowᵢ) − μ_d)/σ_d];
    /// contributions (when given, the error's eᵢⱼ/D on entry) become the cⱼ of the remarks.
    /// </summary>
    /// <param name="rows">N·D preprocessed values.</param>
    /// <param name="scores">N reconstruction errors on entry, combined scores on return.</param>
    /// <param name="contributions">Empty, or N·D error contributions on entry, combined contributions on return.</param>
    /// <exception cref="ArgumentException">The lengths do not fit D.</exception>
    public void Combine(ReadOnlySpan<float> rows, Span<float> scores, Span<float> contributions)
    {
        int d = Features, n = scores.Length;
        if (rows.Length != n * d) throw new ArgumentException($"{rows.Length} values are not {n} rows of {d} features");
        if (_d2.Length < n) _d2 = new float[n];
        var d2 = _d2.AsSpan(0, n);
        _distance.Score(rows, d2);
        var s = State;
        double ie = 0.5 / s.ErrorSd, id = 0.5 / s.DistanceSd, shift = 0.5 * (s.ErrorMean / s.ErrorSd + s.DistanceMean / s.DistanceSd);
        for (int i = 0; i < n; i++) scores[i] = (float)(ie * scores[i] + id * d2[i] - shift);
        if (contributions.IsEmpty) return;
        var mean = s.Mean;
        var c = new double[d];
        for (int i = 0; i < n; i++)
        {
            var row = rows.Slice(i * d, d);
            for (int j = 0; j < d; j++) c[j] = row[j] - mean[j];
            var ci = contributions.Slice(i * d, d);
            for (int j = 0; j < d; j++)
            {
                double r = 0;
                int o = j * d;
                for (int k = 0; k < d; k++) r += s.Precision[o + k] * c[k];
                ci[j] = (float)(ie * ci[j] + id * c[j] * r - shift / d);
            }
        }
    }
}
