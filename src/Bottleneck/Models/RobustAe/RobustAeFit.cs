using Bottleneck.Data;
using Bottleneck.NN;
using Bottleneck.Tensors;
using Bottleneck.Training;

namespace Bottleneck.Models.RobustAe;

/// <summary>
/// The fit procedure of the kind "robust-ae", the alternating optimisation of Zhou &amp; Paffenroth (KDD 2017, Algorithm 1 and 2):
/// the training rows X are split as X = L_D + S with S = 0 at the start; each iteration (1) trains the autoencoder on L_D = X − S
/// for its share of the epochs (a <see cref="Trainer"/>), (2) reconstructs L_D ← D(E(X − S)), and (3) takes the proximal step of
/// the sparsity norm on the residual, S ← prox_λ(X − L_D) (elementwise shrinkage for ℓ1, group shrinkage of rows or columns for ℓ2,1;
/// <see cref="OutlierNorm"/>).
/// </summary>
/// <remarks>
/// <para>History stages: "iteration-1", "iteration-2", …; the options' epochs are split evenly over the
/// <see cref="RobustAeConfig.Iterations"/> (at least one each), the seed of iteration k is seed + k. No checkpoints (an interrupted
/// fit starts again).</para>
/// <para>Score. On the training rows the paper flags the rows where S is non-zero. New rows have no S; the autoencoder, trained on
/// the cleaned part, reconstructs normal rows and not outliers, and for a row group the proximal step on a new row's residual r
/// gives ‖S‖₂ = max(0, ‖r‖₂ − λ√D), a non-decreasing function of its reconstruction error. So the kind scores rows by their
/// reconstruction error (the anomaly scorer's default for the likelihood: squared error for a linear output), which ranks as the
/// row norm of S does while S is non-zero and still orders the rows below the threshold. <see cref="OutlierRowNorms"/> holds ‖Sᵢ‖₂
/// of the training rows after the fit.</para>
/// </remarks>
public sealed class RobustAeFit : IFitProcedure
{
    private readonly RobustAeConfig _config;
    private readonly TrainingOptions _options;

    /// <summary>Creates the procedure.</summary>
    /// <param name="config">The model's config (norm, λ, iterations).</param>
    /// <param name="options">Training options; their epochs are the total over all iterations.</param>
    public RobustAeFit(RobustAeConfig config, TrainingOptions options)
    {
        _config = config ?? throw new ArgumentNullException(nameof(config));
        _options = options ?? throw new ArgumentNullException(nameof(options));
    }

    private int EpochsPerIteration => Math.Max(1, (_options.Epochs + _config.Iterations - 1) / _config.Iterations);

    /// <summary>The row norms ‖Sᵢ,:‖₂ of the outlier part of the training rows after the last fit (N), or null before one.</summary>
    public float[]? OutlierRowNorms { get; private set; }

    /// <summary>The fraction of training rows with a non-zero row of S after the last fit (NaN before one).</summary>
    public double OutlierFraction => OutlierRowNorms is { Length: > 0 } s ? s.Count(v => v > 0) / (double)s.Length : double.NaN;

    /// <inheritdoc/>
    public IReadOnlyList<(string Label, string Text)> Describe() =>
    [
        ("robust fit", $"{_config.Iterations} alternating iteration{(_config.Iterations == 1 ? "" : "s")} of {EpochsPerIteration} epoch{(EpochsPerIteration == 1 ? "" : "s")} " +
            $"on X - S, then the {RobustAeConfig.NormName(_config.Norm)} proximal step with lambda {_config.Lambda.ToString("G6", System.Globalization.CultureInfo.InvariantCulture)}"),
        .. new Trainer(_options).Describe(),
    ];

    /// <inheritdoc/>
    public IReadOnlyList<FitStage> Stages => [.. Enumerable.Range(1, _config.Iterations).Select(k => new FitStage($"iteration-{k}", EpochsPerIteration))];

    /// <inheritdoc/>
    public string FinalStage => $"iteration-{_config.Iterations}";

    /// <inheritdoc/>
    public bool SupportsResume => false;

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">The source is not a <see cref="RowSource"/> (the rows must be in memory).</exception>
    public TrainingResult Fit(AutoencoderModel model, IBatchSource train, IBatchSource? validation, FitContext context)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(context);
        var rows = train as RowSource ?? throw new ArgumentException("the robust autoencoder's fit needs the training rows in memory (a RowSource)", nameof(train));
        var x = rows.Data;
        if (x.FeatureCount != model.InputDim)
            throw new ShapeException($"{x.Source} has {x.FeatureCount} features, the model expects {model.InputDim}");
        int n = x.Rows, d = x.FeatureCount;
        var s = new float[n * d];
        var clean = new float[n * d];
        var history = new List<EpochRecord>();
        var stageContext = context with { CheckpointDirectory = null, Resume = false };
        var o = _options;
        TrainingResult? last = null;
        for (int k = 1; k <= _config.Iterations; k++)
        {
            System.Numerics.Tensors.TensorPrimitives.Subtract(x.Features, s, clean);
            var cleaned = new Dataset(clean, n, d, source: $"{x.Source} minus its outlier part");
            var stage = new TrainingOptions(EpochsPerIteration, o.BatchSize, o.Optimizer, o.LearningRate, o.WeightDecay, o.Schedule,
                patience: 0, o.ClipNorm, o.Seed + (ulong)k);
            last = new Trainer(stage) { Stage = $"iteration-{k}" }.Fit(model, RowSource.For(model, cleaned, "training data"), null, stageContext);
            history.AddRange(last.History);
            if (last.Cancelled) return new TrainingResult(history, 0, false, true);
            var reconstruction = Batching.Reconstruct(model, cleaned);
            // residual r = X − L_D, then S = prox(r)
            System.Numerics.Tensors.TensorPrimitives.Subtract(x.Features, reconstruction, s);
            Shrink(s, n, d, _config.Norm, _config.Lambda);
        }
        var norms = new float[n];
        for (int i = 0; i < n; i++) norms[i] = System.Numerics.Tensors.TensorPrimitives.Norm(s.AsSpan(i * d, d));
        OutlierRowNorms = norms;
        model.Eval();
        return new TrainingResult(history, last?.BestEpoch ?? 0, false, false);
    }

    /// <summary>
    /// The proximal step of λ·‖S‖ on a residual r (N×D, row-major), in place: ℓ1 shrinks each value, sign(r)·max(0, |r| − λ); ℓ2,1
    /// shrinks each row, r·max(0, 1 − λ√D/‖r‖₂), or each column, r·max(0, 1 − λ√N/‖r‖₂).
    /// </summary>
    /// <param name="r">The residual, overwritten by S.</param>
    /// <param name="n">N rows.</param>
    /// <param name="d">D features.</param>
    /// <param name="norm">The norm.</param>
    /// <param name="lambda">λ &gt; 0 per standardised value.</param>
    public static void Shrink(Span<float> r, int n, int d, OutlierNorm norm, float lambda)
    {
        switch (norm)
        {
            case OutlierNorm.L1:
                for (int i = 0; i < r.Length; i++)
                {
                    float a = MathF.Abs(r[i]) - lambda;
                    r[i] = a > 0 ? MathF.CopySign(a, r[i]) : 0f;
                }
                break;
            case OutlierNorm.L21:
            {
                float t = lambda * MathF.Sqrt(d);
                for (int i = 0; i < n; i++)
                {
                    var row = r.Slice(i * d, d);
                    float norm2 = System.Numerics.Tensors.TensorPrimitives.Norm(row);
                    float f = norm2 > t ? 1f - t / norm2 : 0f;
                    System.Numerics.Tensors.TensorPrimitives.Multiply(row, f, row);
                }
                break;
            }
            default:
            {
                float t = lambda * MathF.Sqrt(n);
                for (int j = 0; j < d; j++)
                {
                    double ss = 0;
                    for (int i = 0; i < n; i++) ss += (double)r[i * d + j] * r[i * d + j];
                    double norm2 = Math.Sqrt(ss);
                    float f = norm2 > t ? (float)(1 - t / norm2) : 0f;
                    for (int i = 0; i < n; i++) r[i * d + j] *= f;
                }
                break;
            }
        }
    }
}
