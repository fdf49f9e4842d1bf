using System.Text.Json.Serialization;
using Bottleneck.Autograd;
using Bottleneck.Data;
using Bottleneck.IO;
using Bottleneck.Models;
using Bottleneck.Tensors;

namespace Bottleneck.Anomaly;

/// <summary>The per-sample reconstruction error used as the anomaly score.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ReconstructionError>))]
public enum ReconstructionError
{
    /// <summary>Mean squared error over the D features: (1/D)·Σⱼ (xⱼ − x̂ⱼ)². Squared input units.</summary>
    Mse,
    /// <summary>Mean absolute error over the D features: (1/D)·Σⱼ |xⱼ − x̂ⱼ|. Input units.</summary>
    Mae,
    /// <summary>
    /// Mean binary cross-entropy over the D features, from the logits lⱼ (stable form):
    /// (1/D)·Σⱼ [max(lⱼ, 0) − lⱼ·xⱼ + ln(1 + e^−|lⱼ|)], in nats. Only for models with a Bernoulli likelihood (sigmoid output, data in [0, 1]),
    /// where it is <see cref="Nll"/>.
    /// </summary>
    Bce,
    /// <summary>
    /// Mean over the D features of the model's own per-element loss, the negative log-likelihood of its likelihood
    /// (<see cref="LikelihoodHead.ElementLoss"/>): BCE for Bernoulli, squared error for the fixed-variance Gaussians, and for a
    /// learned variance ½·[(x − μ)²/σ² + ln σ² + ln 2π], which weighs each feature by its learned precision. Any likelihood.
    /// </summary>
    Nll,
    /// <summary>
    /// Variational kinds: the negative ELBO per sample, −log p(x | z) + KL(q(z | x) ‖ p(z)) in nats, with the reconstruction term
    /// averaged over <see cref="AnomalyScorer.VariationalSamples"/> draws z ~ q(z | x) (seeded). Not divided by D. Contributions:
    /// each feature's share of the reconstruction term (the KL is not attributed to features).
    /// </summary>
    NegElbo,
    /// <summary>Variational kinds: the analytic KL(q(z | x) ‖ N(0, I)) per sample in nats (how far the code is from the prior).
    /// No feature contributions.</summary>
    Kl,
    /// <summary>
    /// Variational kinds: the negative reconstruction probability of An &amp; Cho (2015), −(1/L) Σ_l log p(x | z_l) with
    /// z_l ~ q(z | x), L = <see cref="AnomalyScorer.VariationalSamples"/> (seeded), in nats per sample, not divided by D.
    /// </summary>
    ReconstructionProbability,
    /// <summary>
    /// The squared Mahalanobis distance of the sample's absolute-error vector e = |x − x̂| (D values) from a Gaussian N(μ, Σ) of the
    /// error vectors of normal samples, d² = (e − μ)ᵀ Σ⁻¹ (e − μ) with a Ledoit–Wolf shrunk Σ (<see cref="ErrorGaussian"/>, Malhotra
    /// et al. 2016). Needs <see cref="AnomalyScorer.FitErrorGaussian"/> on normal rows first. Dimensionless, not divided by D.
    /// Contributions: each element's share (eⱼ − μⱼ)·[Σ⁻¹(e − μ)]ⱼ (they sum to d²; one can be negative). Not for padded sequences.
    /// </summary>
    Mahalanobis,
    /// <summary>
    /// <see cref="Mahalanobis"/> with a diagonal Σ: d² = Σⱼ ((eⱼ − μⱼ)/σⱼ)², every element's absolute error normalised by its own mean
    /// and standard deviation over the normal rows (for sequences: the per-step error scale of the training windows). Contributions:
    /// ((eⱼ − μⱼ)/σⱼ)² ≥ 0.
    /// </summary>
    MahalanobisDiagonal,
    /// <summary>
    /// The model's own anomaly score, for kinds whose score is not a reconstruction error (<see cref="IAnomalyScoringModel"/>:
    /// DAGMM's sample energy, RandNet's median of standardised member errors). Units are the kind's; no feature contributions.
    /// The default score of such kinds.
    /// </summary>
    Model,
}

/// <summary>
/// Anomaly scores by reconstruction error: score(x) = (1/D)·Σⱼ eⱼ(x, x̂) with the error e of <see cref="Error"/>, on inputs that
/// are already preprocessed the way the model was trained. Higher = more anomalous. The contribution of feature j to a sample's
/// score is eⱼ/D, so the contributions of a sample sum to its score (attribution).
/// </summary>
/// <remarks>
/// Scoring runs in eval mode without autograd (<see cref="GradMode.NoGrad"/>): through the model kind's kernel-level path
/// (<see cref="AutoencoderModel.CreateFastInference"/>) when it has one — which prepares the weights when the scorer is created, so
/// a scorer made before the weights change scores with the old ones until <see cref="Refresh"/> —, else in batches of <see cref="BatchSize"/> rows inside a
/// <see cref="TensorScope"/> over one <see cref="BufferPool"/>, so after the first batch no tensor memory is allocated. The error is
/// computed from the decoder logits per row: the likelihood's mean function (vectorized), then the error and the row sum.
/// Not thread-safe (one scorer per thread). Sources: the reconstruction-error score of PyOD's AutoEncoder (Zhao, Nasrullah &amp; Li,
/// JMLR 2019) and of Sakurada &amp; Yairi (MLSDA 2014).
/// </remarks>
public sealed class AnomalyScorer
{
    private readonly BufferPool _pool = new();
    private readonly IFastInference? _fast;
    private float[] _logits = [];
    private float[] _mean = [];

    /// <summary>Creates a scorer for <paramref name="model"/>.</summary>
    /// <param name="model">The trained model.</param>
    /// <param name="error">The error; null (default) = <see cref="DefaultError"/> of the model's likelihood (BCE for Bernoulli, else MSE).</param>
    /// <param name="batchSize">Rows per forward pass, ≥ 1 (default 8192; large batches amortize per-call overhead).</param>
    /// <exception cref="ArgumentException">BCE was asked for a model without a Bernoulli likelihood.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batchSize"/> &lt; 1.</exception>
    public AnomalyScorer(AutoencoderModel model, ReconstructionError? error = null, int batchSize = 8192)
    {
        Model = model ?? throw new ArgumentNullException(nameof(model));
        Error = error ?? (model is IAnomalyScoringModel ? ReconstructionError.Model : DefaultError(model.Likelihood));
        if (Error == ReconstructionError.Model && model is not IAnomalyScoringModel)
            throw new ArgumentException($"the model score needs a kind with its own anomaly score (dagmm, randnet); this is a {model.Config.Kind} model: use mse or mae", nameof(error));
        if (Error == ReconstructionError.Bce && model.Likelihood is not BernoulliLikelihood)
            throw new ArgumentException($"BCE scores need a sigmoid-output model (data in [0, 1]); this model's output is {model.Likelihood.Name}: use mse or mae", nameof(error));
        BatchSize = batchSize >= 1 ? batchSize : throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batchSize must be ≥ 1");
        if (model.ConditionsOnLabels)
            throw new ArgumentException($"a conditional {model.Config.Kind} model needs each row's label to reconstruct it; anomaly scoring of conditional kinds is not supported", nameof(model));
        if (IsVariational(Error) && model is not IGaussianLatentModel { Gaussian: not null })
            throw new ArgumentException($"the {Name(Error)} score needs a variational model with a Gaussian latent (vae, beta-tcvae, info-vae, lstm/gru/tcn with --variational); this is a {(model.Config.Kind)}{(model is IGaussianLatentModel ? " model without --variational" : " model")}", nameof(error));
        _fast = IsVariational(Error) || IsMahalanobis(Error) || Error == ReconstructionError.Model ? null : model.CreateFastInference();
        if (IsMahalanobis(Error))
        {
            if (model.InputDim > MaxMahalanobisDimension)
                throw new ArgumentException($"the {Name(Error)} score models the {model.InputDim} errors of a sample jointly and takes at most {MaxMahalanobisDimension}; use mse or mae", nameof(error));
            _absolute = new AnomalyScorer(model, ReconstructionError.Mae, batchSize);
        }
    }

    private readonly AnomalyScorer? _absolute;   // the absolute errors the Mahalanobis scores are computed from

    /// <summary>The largest D the <see cref="ReconstructionError.Mahalanobis"/> scores accept (Σ is D×D doubles: 128 MB at 4,096).</summary>
    public const int MaxMahalanobisDimension = 4096;

    /// <summary>Whether <paramref name="error"/> is one of the Mahalanobis scores of the reconstruction-error vector.</summary>
    public static bool IsMahalanobis(ReconstructionError error) => error is ReconstructionError.Mahalanobis or ReconstructionError.MahalanobisDiagonal;

    /// <summary>The Gaussian of normal rows' absolute-error vectors the Mahalanobis scores use, or null before
    /// <see cref="FitErrorGaussian"/>.</summary>
    public ErrorGaussian? ErrorGaussian { get; private set; }

    /// <summary>
    /// Fits the Gaussian N(μ, Σ) of the absolute-error vectors |x − x̂| of <paramref name="normal"/> (Malhotra et al. 2016 use held-out
    /// normal samples; <c>detect</c> uses the model's training rows), for the <see cref="ReconstructionError.Mahalanobis"/> scores.
    /// </summary>
    /// <param name="normal">Normal rows (N ≥ 2, D), preprocessed as in training; not padded.</param>
    /// <returns>The fitted Gaussian (also kept in <see cref="ErrorGaussian"/>).</returns>
    /// <exception cref="InvalidOperationException">The scorer's error is not a Mahalanobis score.</exception>
    /// <exception cref="ArgumentException">Fewer than 2 rows, padded sequences, or non-finite errors.</exception>
    /// <exception cref="ShapeException">The width differs from the model's.</exception>
    public ErrorGaussian FitErrorGaussian(Dataset normal)
    {
        ArgumentNullException.ThrowIfNull(normal);
        if (_absolute is null) throw new InvalidOperationException($"FitErrorGaussian is for the mahalanobis scores; this scorer's score is {Name(Error)}");
        CheckWidth(normal.FeatureCount, normal.Source);
        if (normal.StepCounts != null) throw new ArgumentException($"the {Name(Error)} score needs sequences of one length; {normal.Source} is padded (:pad)", nameof(normal));
        var errors = AbsoluteErrors(normal.Features);
        return ErrorGaussian = ErrorGaussian.Fit(errors, FeatureCount,
            Error == ReconstructionError.MahalanobisDiagonal ? ErrorCovariance.Diagonal : ErrorCovariance.Full);
    }

    /// <summary>|x − x̂| of every value of <paramref name="rows"/> (N·D), through the absolute-error scorer.</summary>
    private float[] AbsoluteErrors(ReadOnlySpan<float> rows)
    {
        var errors = new float[rows.Length];
        var scores = new float[rows.Length / FeatureCount];
        _absolute!.Score(rows, scores, errors);     // contributions |xⱼ − x̂ⱼ|/D
        System.Numerics.Tensors.TensorPrimitives.Multiply(errors, FeatureCount, errors);
        return errors;
    }

    /// <summary>
    /// Whether the model kind's kernel-level inference path is used (<see cref="AutoencoderModel.CreateFastInference"/>; for dense
    /// models without tied weights, batch norm or GELU: GEMM into reused buffers, bias and activation fused, no tensor
    /// allocations). Other models go through <see cref="AutoencoderModel.Encode(Tensor)"/> and <see cref="AutoencoderModel.DecodeLogits"/>
    /// inside a <see cref="TensorScope"/>.
    /// </summary>
    public bool UsesFastPath => _fast != null || _absolute?.UsesFastPath == true;

    /// <summary>Re-reads the model's weights into the kernel-level path after they changed (training, loading); allocates nothing. A
    /// fitted <see cref="ErrorGaussian"/> is not refitted: call <see cref="FitErrorGaussian"/> again.</summary>
    public void Refresh()
    {
        _fast?.Refresh();
        _absolute?.Refresh();
    }

    /// <summary>The model scored.</summary>
    public AutoencoderModel Model { get; }

    /// <summary>The error used for scores.</summary>
    public ReconstructionError Error { get; }

    /// <summary>Rows per forward pass.</summary>
    public int BatchSize { get; }

    /// <summary>D, the width of one input row.</summary>
    public int FeatureCount => Model.InputDim;

    /// <summary>The error matching a model's training loss: BCE for a Bernoulli likelihood, the NLL for a learned variance, otherwise MSE.</summary>
    public static ReconstructionError DefaultError(Likelihood likelihood) => likelihood switch
    {
        BernoulliLikelihood => ReconstructionError.Bce,
        GaussianLikelihood { LearnedVariance: true } => ReconstructionError.Nll,
        _ => ReconstructionError.Mse,
    };

    /// <summary>Parses "mse", "mae", "bce", "nll", "neg-elbo", "kl", "reconstruction-probability", "mahalanobis", "mahalanobis-diagonal"
    /// or "model" (case-insensitive).</summary>
    /// <exception cref="FormatException">Unknown name; the message lists the accepted ones.</exception>
    public static ReconstructionError ParseError(string name) => name?.Trim().ToLowerInvariant() switch
    {
        "mse" => ReconstructionError.Mse,
        "mae" => ReconstructionError.Mae,
        "bce" => ReconstructionError.Bce,
        "nll" => ReconstructionError.Nll,
        "neg-elbo" => ReconstructionError.NegElbo,
        "kl" => ReconstructionError.Kl,
        "reconstruction-probability" => ReconstructionError.ReconstructionProbability,
        "model" => ReconstructionError.Model,
        "mahalanobis" => ReconstructionError.Mahalanobis,
        "mahalanobis-diagonal" => ReconstructionError.MahalanobisDiagonal,
        _ => throw new FormatException($"unknown score \"{name}\"; use mse, mae, bce, nll, mahalanobis, mahalanobis-diagonal, for variational kinds neg-elbo, kl, reconstruction-probability, or model (the kind's own score: dagmm, randnet)"),
    };

    /// <summary>Draws z ~ q(z | x) per sample of the <see cref="ReconstructionError.NegElbo"/> and
    /// <see cref="ReconstructionError.ReconstructionProbability"/> scores.</summary>
    public const int VariationalSamples = 10;

    /// <summary>The seed of the draws of the variational scores (each call of <see cref="Score(ReadOnlySpan{float}, Span{float}, Span{float}, ReadOnlySpan{int})"/>
    /// starts from it, so the same rows in the same blocks score the same).</summary>
    public const ulong VariationalSeed = 0xA0C5;

    /// <summary>Whether <paramref name="error"/> is one of the variational scores (negative ELBO, KL, reconstruction probability).</summary>
    public static bool IsVariational(ReconstructionError error) =>
        error is ReconstructionError.NegElbo or ReconstructionError.Kl or ReconstructionError.ReconstructionProbability;

    /// <summary>The command-line name of <paramref name="error"/> ("mse", …, "neg-elbo", "reconstruction-probability").</summary>
    public static string Name(ReconstructionError error) => error switch
    {
        ReconstructionError.NegElbo => "neg-elbo",
        ReconstructionError.ReconstructionProbability => "reconstruction-probability",
        ReconstructionError.MahalanobisDiagonal => "mahalanobis-diagonal",
        _ => error.ToString().ToLowerInvariant(),
    };

    /// <summary>Scores every row of <paramref name="data"/> (already preprocessed).</summary>
    /// <param name="data">Rows (N, D).</param>
    /// <returns>N scores.</returns>
    /// <exception cref="ShapeException">The width differs from the model's.</exception>
    public float[] Score(Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        CheckWidth(data.FeatureCount, data.Source);
        var scores = new float[data.Rows];
        Score(data.Features, scores, default, data.StepCounts);
        return scores;
    }

    /// <summary>
    /// Scores row-major rows, optionally writing each feature's contribution; with a <see cref="Distance"/> for this error, the
    /// combined score (<see cref="DistanceScore.Combine"/>).
    /// </summary>
    /// <param name="rows">N·D values (N whole rows), preprocessed.</param>
    /// <param name="scores">Receives N scores.</param>
    /// <param name="contributions">Empty (default) for none, or N·D values receiving eᵢⱼ/D (each row sums to its score).</param>
    /// <param name="stepCounts">Empty (default), or for padded sequences (<see cref="Dataset.StepCounts"/>) the real steps L_i of each of
    /// the N rows: the model sees the batch mask, row i scores (1/(L_i·F))·Σ eᵢⱼ over its real values only, its contributions are
    /// eᵢⱼ/(L_i·F) on them and 0 on the padding; the variational scores encode the code with the padding ignored and sum their
    /// reconstruction term over the L_i·F real values (not divided, as without padding).</param>
    /// <exception cref="ArgumentException">A length is inconsistent; step counts for a model that does not take sequences or cannot ignore
    /// padding, or with a Mahalanobis score.</exception>
    public void Score(ReadOnlySpan<float> rows, Span<float> scores, Span<float> contributions = default, ReadOnlySpan<int> stepCounts = default)
    {
        ScoreErrors(rows, scores, contributions, stepCounts);
        if (Distance is { } distance && distance.State.Error == Error)
        {
            if (!stepCounts.IsEmpty) throw new ArgumentException("a score combined with the Mahalanobis distance is not defined for padded sequences", nameof(stepCounts));
            int n = rows.Length / FeatureCount;
            distance.Combine(rows, scores.Slice(0, n), contributions.IsEmpty ? default : contributions.Slice(0, rows.Length));
        }
    }

    /// <summary>
    /// The combined score with the robust Mahalanobis distance (<see cref="DistanceScore"/>), or null (default): when set and its
    /// <see cref="DistanceScoreState.Error"/> is <see cref="Error"/>, <see cref="Score(ReadOnlySpan{float}, Span{float}, Span{float}, ReadOnlySpan{int})"/>
    /// returns ½·[(e − μ_e)/σ_e + (d² − μ_d)/σ_d] instead of the error e; with another error it is not used.
    /// </summary>
    /// <exception cref="ArgumentException">Set to a score of another width than the model's.</exception>
    public DistanceScore? Distance
    {
        get => _distance;
        set => _distance = value is null || value.Features == FeatureCount ? value
            : throw new ArgumentException($"the distance score has {value.Features} features, the model expects {FeatureCount}", nameof(value));
    }

    private DistanceScore? _distance;

    /// <summary>Whether the scores are the combined score of <see cref="Distance"/> rather than the plain error.</summary>
    public bool Combined => Distance is { } c && c.State.Error == Error;

    /// <summary>The score's name for messages: <see cref="Name"/> of the error, with "+row-mahalanobis" when <see cref="Combined"/> (e.g. "mae+row-mahalanobis").</summary>
    public string ScoreName => Combined ? Name(Error) + "+row-mahalanobis" : Name(Error);

    private void ScoreErrors(ReadOnlySpan<float> rows, Span<float> scores, Span<float> contributions, ReadOnlySpan<int> stepCounts)
    {
        int d = FeatureCount;
        if (rows.Length % d != 0) throw new ArgumentException($"{rows.Length} values are not whole rows of {d} features", nameof(rows));
        int n = rows.Length / d;
        if (scores.Length < n) throw new ArgumentException($"scores has room for {scores.Length} rows, {n} are needed", nameof(scores));
        if (!contributions.IsEmpty && contributions.Length < rows.Length)
            throw new ArgumentException($"contributions has {contributions.Length} values, {rows.Length} are needed", nameof(contributions));
        if (!stepCounts.IsEmpty) CheckPadded(stepCounts.Length, n);
        if (_absolute != null)
        {
            ScoreMahalanobis(rows, scores, contributions);
            return;
        }
        bool wasTraining = Model.Training;
        Model.Eval();
        try
        {
            if (!stepCounts.IsEmpty)
            {
                ScorePadded(rows, stepCounts, scores, contributions);
                return;
            }
            if (_fast != null)
            {
                int block = Math.Min(_fast.BlockRows * 4, Math.Max(n, 1));
                if (_logits.Length < block * d) _logits = new float[block * d];
                for (int start = 0; start < n; start += block)
                {
                    CancellationScope.ThrowIfCancellationRequested();
                    int m = Math.Min(block, n - start);
                    var xs = rows.Slice(start * d, m * d);
                    _fast.Logits(xs, m, _logits);
                    ComputeErrors(Error, xs, _logits.AsSpan(0, m * d), d, scores.Slice(start, m),
                        contributions.IsEmpty ? default : contributions.Slice(start * d, m * d));
                }
                return;
            }
            Rng? rng = null;
            using (GradMode.NoGrad())
                for (int start = 0; start < n; start += BatchSize)
                {
                    CancellationScope.ThrowIfCancellationRequested();
                    int m = Math.Min(BatchSize, n - start);
                    using var scope = new TensorScope(_pool);
                    var x = Tensor.FromArray(rows.Slice(start * d, m * d), [m, .. Model.InputShape]);
                    if (Error == ReconstructionError.Model)
                    {
                        ((IAnomalyScoringModel)Model).AnomalyScores(x, scores.Slice(start, m));
                        if (!contributions.IsEmpty) contributions.Slice(start * d, m * d).Clear();
                        continue;
                    }
                    if (IsVariational(Error))
                    {
                        VariationalScores((IGaussianLatentModel)Model, x, scores.Slice(start, m),
                            contributions.IsEmpty ? default : contributions.Slice(start * d, m * d), rng ??= new Rng(VariationalSeed));
                        continue;
                    }
                    var logits = Model.ReconstructLogits(x);
                    ComputeErrors(Error, rows.Slice(start * d, m * d), logits.Span, d, scores.Slice(start, m),
                        contributions.IsEmpty ? default : contributions.Slice(start * d, m * d));
                }
        }
        finally { Model.Train(wasTraining); }
    }

    /// <summary>The Mahalanobis scores: the absolute errors of a block of rows, then d² of each row's error vector.</summary>
    private void ScoreMahalanobis(ReadOnlySpan<float> rows, Span<float> scores, Span<float> contributions)
    {
        var g = ErrorGaussian ?? throw new InvalidOperationException($"the {Name(Error)} score needs the Gaussian of normal rows' errors: call FitErrorGaussian first");
        int d = FeatureCount, n = rows.Length / d;
        for (int start = 0; start < n; start += BatchSize)
        {
            int m = Math.Min(BatchSize, n - start);
            var errors = AbsoluteErrors(rows.Slice(start * d, m * d));
            g.Score(errors, scores.Slice(start, m), contributions.IsEmpty ? default : contributions.Slice(start * d, m * d));
        }
    }

    private void CheckPadded(int counts, int n)
    {
        if (counts != n) throw new ArgumentException($"{counts} step counts for {n} rows", "stepCounts");
        if (Model.InputShape.Length != 2)
            throw new ArgumentException($"step counts (padded sequences) need a sequence model; this {Model.Config.Kind} model takes samples of shape ({string.Join(", ", Model.InputShape)})", "stepCounts");
        if (!Model.IgnoresPadding)
            throw new ArgumentException($"this {Model.Config.Kind} model cannot ignore padded steps; padded sequences (:pad) are scored by lstm or gru (not bidirectional), tcn or transformer models", "stepCounts");
        if (IsMahalanobis(Error))
            throw new ArgumentException($"the {Name(Error)} score models error vectors of one length; padded sequences are scored by mse, mae or nll", "stepCounts");
    }

    /// <summary>Padded sequences: the code from the masked batch, then each row's errors over its L_i·F real values only.</summary>
    private void ScorePadded(ReadOnlySpan<float> rows, ReadOnlySpan<int> stepCounts, Span<float> scores, Span<float> contributions)
    {
        int d = FeatureCount, t = Model.InputShape[0], f = Model.InputShape[1], n = rows.Length / d;
        var element = new float[Math.Min(BatchSize, Math.Max(n, 1)) * d];
        Rng? rng = null;
        using (GradMode.NoGrad())
            for (int start = 0; start < n; start += BatchSize)
            {
                CancellationScope.ThrowIfCancellationRequested();
                int m = Math.Min(BatchSize, n - start);
                using var scope = new TensorScope(_pool);
                var xs = rows.Slice(start * d, m * d);
                var x = Tensor.FromArray(xs, [m, t, f]);
                var mask = Tensor.Zeros(m, t, f);
                SequencePadding.FillMask(stepCounts.Slice(start, m), t, f, mask.Span);
                if (IsVariational(Error))
                {
                    VariationalScores((IGaussianLatentModel)Model, x, scores.Slice(start, m),
                        contributions.IsEmpty ? default : contributions.Slice(start * d, m * d), rng ??= new Rng(VariationalSeed), mask, stepCounts.Slice(start, m));
                    continue;
                }
                var logits = Model.DecodeLogits(Model.Encode(new RowBatch(x, null, mask)));
                var e = element.AsSpan(0, m * d);
                ComputeErrors(Error, xs, logits.Span, d, scores.Slice(start, m), e);   // e = eᵢⱼ/D
                for (int i = 0; i < m; i++)
                {
                    int real = stepCounts[start + i] * f;
                    var row = e.Slice(i * d, d);
                    double sum = 0;
                    for (int j = 0; j < real; j++) sum += row[j];
                    float rescale = (float)d / real;                      // eᵢⱼ/D → eᵢⱼ/(L_i·F)
                    scores[start + i] = (float)(sum * rescale);
                    if (contributions.IsEmpty) continue;
                    var c = contributions.Slice((start + i) * d, d);
                    for (int j = 0; j < real; j++) c[j] = row[j] * rescale;
                    c[real..].Clear();
                }
            }
    }

    /// <summary>The variational scores of one batch x (m, …): KL, reconstruction probability or negative ELBO per row; contributions
    /// (when asked) are each feature's mean element loss over the draws (0 for the KL score). For padded sequences (a mask and the real
    /// steps L_i of each row) the code is encoded with the padding ignored and the reconstruction term sums over the L_i·F real values
    /// only (the contributions are 0 on the padding).</summary>
    private void VariationalScores(IGaussianLatentModel model, Tensor x, Span<float> scores, Span<float> contributions, Rng rng,
        Tensor? mask = null, ReadOnlySpan<int> stepCounts = default)
    {
        int m = x.Dim(0), d = FeatureCount;
        var g = model.Gaussian!;
        var (mu, logVar) = g.Posterior(mask is null ? model.EncodeHidden(x) : model.EncodeHidden(new RowBatch(x, null, mask)));
        var kl = GaussianLatent.KlPerElement(mu, logVar).Sum(1).Span;
        if (Error == ReconstructionError.Kl)
        {
            kl.CopyTo(scores);
            contributions.Clear();
            return;
        }
        var rec = new double[m];
        var element = new float[m * d];
        var sum = contributions.IsEmpty ? null : new float[m * d];
        var sigma = (logVar * 0.5f).Exp();
        for (int l = 0; l < VariationalSamples; l++)
        {
            var z = mu + sigma * Tensor.RandN(rng, mu.ShapeArray);
            Model.LikelihoodHead.ElementLoss(Model.DecodeLogits(z).Span, x.Span, element);
            if (!stepCounts.IsEmpty)
            {
                int f = Model.InputShape[1];
                for (int i = 0; i < m; i++) element.AsSpan(i * d + stepCounts[i] * f, d - stepCounts[i] * f).Clear();   // the padding adds nothing
            }
            for (int i = 0; i < m; i++) rec[i] += System.Numerics.Tensors.TensorPrimitives.Sum(element.AsSpan(i * d, d));
            if (sum != null) System.Numerics.Tensors.TensorPrimitives.Add(sum, element, sum);
        }
        for (int i = 0; i < m; i++)
            scores[i] = (float)(rec[i] / VariationalSamples + (Error == ReconstructionError.NegElbo ? kl[i] : 0));
        if (sum != null) System.Numerics.Tensors.TensorPrimitives.Multiply(sum, 1f / VariationalSamples, contributions);
    }

    /// <summary>
    /// Scores and attributes: the score of each row plus its <paramref name="topK"/> largest feature contributions.
    /// </summary>
    /// <param name="data">Rows (N, D), preprocessed.</param>
    /// <param name="topK">Contributions to keep per row, 0 ≤ topK ≤ D (default 3).</param>
    /// <returns>The scores and, per row, the top contributions (feature index and eᵢⱼ/D), largest first.</returns>
    /// <exception cref="ShapeException">The width differs from the model's.</exception>
    public ScoredRows ScoreWithAttribution(Dataset data, int topK = 3)
    {
        ArgumentNullException.ThrowIfNull(data);
        CheckWidth(data.FeatureCount, data.Source);
        int d = FeatureCount;
        topK = Math.Clamp(topK, 0, d);
        var scores = new float[data.Rows];
        var top = new FeatureContribution[data.Rows][];
        int chunk = Math.Max(1, Math.Min(BatchSize, data.Rows));
        var contrib = new float[chunk * d];
        for (int start = 0; start < data.Rows; start += chunk)
        {
            int m = Math.Min(chunk, data.Rows - start);
            Score(data.Features.AsSpan(start * d, m * d), scores.AsSpan(start, m), contrib.AsSpan(0, m * d),
                data.StepCounts is { } counts ? counts.AsSpan(start, m) : default);
            for (int i = 0; i < m; i++) top[start + i] = TopContributions(contrib.AsSpan(i * d, d), topK);
        }
        return new ScoredRows(scores, top, data.FeatureNames);
    }

    /// <summary>The <paramref name="k"/> largest entries of one row's contributions, largest first (ties: lower index first).</summary>
    /// <param name="contributions">D contributions of one row.</param>
    /// <param name="k">How many, clamped to [0, D].</param>
    public static FeatureContribution[] TopContributions(ReadOnlySpan<float> contributions, int k)
    {
        k = Math.Clamp(k, 0, contributions.Length);
        var result = new FeatureContribution[k];
        int count = 0;
        for (int j = 0; j < contributions.Length; j++)
        {
            float v = contributions[j];
            if (count == k && (k == 0 || v <= result[k - 1].Contribution)) continue;
            int pos = count < k ? count++ : k - 1;
            while (pos > 0 && result[pos - 1].Contribution < v) { result[pos] = result[pos - 1]; pos--; }
            result[pos] = new FeatureContribution(j, v);
        }
        return result;
    }

    /// <summary>
    /// The error kernel: from inputs x and decoder logits l (both N·D, row-major) writes each row's score and, if
    /// <paramref name="contributions"/> is not empty, eᵢⱼ/D per element. BCE is computed from the logits (stable form); MSE and
    /// MAE from the likelihood's mean of the logits, taken one row at a time into a reused buffer.
    /// </summary>
    private void ComputeErrors(ReconstructionError error, ReadOnlySpan<float> x, ReadOnlySpan<float> logits, int d, Span<float> scores, Span<float> contributions)
    {
        int n = x.Length / d;
        float invD = 1f / d;
        bool keep = !contributions.IsEmpty;
        var head = Model.LikelihoodHead;
        bool identity = head.MeanIsIdentity;
        if (!keep && identity && error == ReconstructionError.Mse)
        {
            // the hot path: identity mean, squared error, no attribution: ‖x − l‖² per row, vectorized
            for (int i = 0; i < n; i++) scores[i] = (float)(SquaredDistance(x.Slice(i * d, d), logits.Slice(i * d, d)) * invD);
            return;
        }
        if (_mean.Length < d) _mean = new float[d];
        var mean = _mean.AsSpan(0, d);
        for (int i = 0; i < n; i++)
        {
            var xr = x.Slice(i * d, d);
            var lr = logits.Slice(i * d, d);
            double sum = 0;
            if (error is ReconstructionError.Bce or ReconstructionError.Nll)
            {
                // the likelihood's own per-element loss (BCE from the logits for Bernoulli)
                head.ElementLoss(lr, xr, mean);
                for (int j = 0; j < d; j++)
                {
                    float e = mean[j];
                    sum += e;
                    if (keep) contributions[i * d + j] = e * invD;
                }
                scores[i] = (float)(sum * invD);
                continue;
            }
            ReadOnlySpan<float> xhat = lr;
            if (!identity) { head.Mean(lr, mean); xhat = mean; }
            if (!keep && error == ReconstructionError.Mse) sum = SquaredDistance(xr, xhat);   // vectorized ‖x − x̂‖²
            else
                for (int j = 0; j < d; j++)
                {
                    float diff = xr[j] - xhat[j];
                    float e = error == ReconstructionError.Mse ? diff * diff : MathF.Abs(diff);
                    sum += e;
                    if (keep) contributions[i * d + j] = e * invD;
                }
            scores[i] = (float)(sum * invD);
        }
    }

    private static double SquaredDistance(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        // System.Numerics.Tensors' vectorized distance: ‖a − b‖²
        float dist = System.Numerics.Tensors.TensorPrimitives.Distance(a, b);
        return (double)dist * dist;
    }

    private void CheckWidth(int width, string source)
    {
        if (width != FeatureCount)
            throw new ShapeException($"{source} has {width} features, the model expects {FeatureCount}");
    }
}

/// <summary>One feature's share of a sample's anomaly score.</summary>
/// <param name="Feature">0-based feature index (into the model's input, e.g. a one-hot column).</param>
/// <param name="Contribution">eⱼ/D in score units; a sample's contributions over all features sum to its score.</param>
public readonly record struct FeatureContribution(int Feature, float Contribution);

/// <summary>Scores with per-row top contributions.</summary>
/// <param name="Scores">One score per row.</param>
/// <param name="TopFeatures">Per row, the largest contributions, largest first.</param>
/// <param name="FeatureNames">Names of the model's input features, or null.</param>
public sealed record ScoredRows(float[] Scores, FeatureContribution[][] TopFeatures, string[]? FeatureNames)
{
    /// <summary>The name of feature <paramref name="index"/> (from <see cref="FeatureNames"/>, else "feature_{index}").</summary>
    public string NameOf(int index) => FeatureNames != null && index < FeatureNames.Length ? FeatureNames[index] : $"feature_{index}";
}
