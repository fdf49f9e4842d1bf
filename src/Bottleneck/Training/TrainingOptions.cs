using Bottleneck.Optim;

namespace Bottleneck.Training;

/// <summary>
/// How a model is trained. Validated in the constructor; saved in config.json with the model.
/// </summary>
public sealed record TrainingOptions
{
    /// <summary>Optimizer names accepted by <see cref="Optimizer"/>.</summary>
    public static readonly string[] OptimizerNames = ["adam", "adamw", "sgd", "rmsprop", "rprop"];
    /// <summary>Schedule names accepted by <see cref="Schedule"/>.</summary>
    public static readonly string[] ScheduleNames = ["none", "step", "exponential", "cosine", "warmup", "plateau"];

    /// <summary>Creates and validates the options.</summary>
    /// <param name="epochs">Passes over the training data, ≥ 1 (default 10).</param>
    /// <param name="batchSize">Samples per step, ≥ 1 (default 128).</param>
    /// <param name="optimizer">adam (default), adamw, sgd (momentum 0.9), rmsprop or rprop (full batch: give a batch size ≥ the rows; no weight decay).</param>
    /// <param name="learningRate">Initial learning rate, &gt; 0 (default 1e-3).</param>
    /// <param name="weightDecay">Optimizer weight decay (L2 for adam/sgd/rmsprop, decoupled for adamw), ≥ 0 (default 0).</param>
    /// <param name="schedule">Learning-rate schedule: none (default), step (×0.5 every max(1, epochs/3) epochs), exponential (γ = 0.95), cosine (to 0 over the run), warmup (linear over the first epoch's steps… applied per epoch: over min(5, epochs) epochs), plateau (×0.5 after 3 epochs without validation improvement).</param>
    /// <param name="patience">Early stopping: stop after this many epochs without a better validation loss and restore the best weights; 0 disables (default 0).</param>
    /// <param name="clipNorm">Clip the global gradient L2 norm to this value; 0 disables (default 0).</param>
    /// <param name="seed">Seed for shuffling, dropout and corruption (default 0).</param>
    /// <exception cref="ArgumentOutOfRangeException">A value out of range; the message names it.</exception>
    /// <exception cref="ArgumentException">An unknown optimizer or schedule name.</exception>
    public TrainingOptions(int epochs = 10, int batchSize = 128, string optimizer = "adam", float learningRate = 1e-3f,
        float weightDecay = 0f, string schedule = "none", int patience = 0, float clipNorm = 0f, ulong seed = 0)
    {
        Epochs = epochs >= 1 ? epochs : throw new ArgumentOutOfRangeException(nameof(epochs), epochs, $"epochs must be ≥ 1, got {epochs}");
        BatchSize = batchSize >= 1 ? batchSize : throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, $"batchSize must be ≥ 1, got {batchSize}");
        Optimizer = OptimizerNames.Contains(optimizer?.ToLowerInvariant()) ? optimizer!.ToLowerInvariant()
            : throw new ArgumentException($"unknown optimizer '{optimizer}'; use one of {string.Join(", ", OptimizerNames)}", nameof(optimizer));
        LearningRate = learningRate > 0 && float.IsFinite(learningRate) ? learningRate
            : throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, $"learningRate must be > 0, got {learningRate}");
        WeightDecay = weightDecay >= 0 && float.IsFinite(weightDecay) ? weightDecay
            : throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, $"weightDecay must be ≥ 0, got {weightDecay}");
        if (Optimizer == "rprop" && WeightDecay > 0)
            throw new ArgumentException($"weightDecay does not apply to rprop (torch.optim.Rprop has none); use the model's L2 penalty instead, got {weightDecay}", nameof(weightDecay));
        Schedule = ScheduleNames.Contains(schedule?.ToLowerInvariant()) ? schedule!.ToLowerInvariant()
            : throw new ArgumentException($"unknown schedule '{schedule}'; use one of {string.Join(", ", ScheduleNames)}", nameof(schedule));
        Patience = patience >= 0 ? patience : throw new ArgumentOutOfRangeException(nameof(patience), patience, $"patience must be ≥ 0, got {patience}");
        ClipNorm = clipNorm >= 0 && float.IsFinite(clipNorm) ? clipNorm : throw new ArgumentOutOfRangeException(nameof(clipNorm), clipNorm, $"clipNorm must be ≥ 0, got {clipNorm}");
        Seed = seed;
    }

    /// <summary>Passes over the training data.</summary>
    public int Epochs { get; }
    /// <summary>Samples per step.</summary>
    public int BatchSize { get; }
    /// <summary>Optimizer name.</summary>
    public string Optimizer { get; }
    /// <summary>Initial learning rate.</summary>
    public float LearningRate { get; }
    /// <summary>Optimizer weight decay.</summary>
    public float WeightDecay { get; }
    /// <summary>Learning-rate schedule name.</summary>
    public string Schedule { get; }
    /// <summary>Early-stopping patience in epochs (0 = off).</summary>
    public int Patience { get; }
    /// <summary>Global gradient-norm clip (0 = off).</summary>
    public float ClipNorm { get; }
    /// <summary>Seed for shuffling, dropout and corruption.</summary>
    public ulong Seed { get; }

    /// <summary>Builds the optimizer named by <see cref="Optimizer"/> over <paramref name="parameters"/>.</summary>
    /// <param name="parameters">The parameters it updates.</param>
    /// <param name="learningRateScale">Factor on <see cref="LearningRate"/> for this optimizer (a parameter group's scale), &gt; 0 (default 1).</param>
    /// <param name="beta1">β₁, the first-moment decay of Adam and AdamW for this optimizer (a parameter group's, e.g. 0.5 for the adversarial
    /// phases of a GAN, Radford et al. 2016), in [0, 1); null (default) = 0.9. The other optimizers have no β₁ and ignore it.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="learningRateScale"/> is not a positive finite number, or
    /// <paramref name="beta1"/> is outside [0, 1).</exception>
    public Optimizer CreateOptimizer(IEnumerable<Tensor> parameters, float learningRateScale = 1f, float? beta1 = null)
    {
        if (!(learningRateScale > 0 && float.IsFinite(learningRateScale)))
            throw new ArgumentOutOfRangeException(nameof(learningRateScale), learningRateScale, $"learningRateScale must be > 0, got {learningRateScale}");
        if (beta1 is { } b && !(b >= 0 && b < 1))
            throw new ArgumentOutOfRangeException(nameof(beta1), b, $"beta1 must be in [0, 1), got {b}");
        float lr = learningRateScale == 1f ? LearningRate : LearningRate * learningRateScale;
        float b1 = beta1 ?? 0.9f;
        return Optimizer switch
        {
            "adamw" => new AdamW(parameters, lr, beta1: b1, weightDecay: WeightDecay),
            "sgd" => new Sgd(parameters, lr, momentum: 0.9f, weightDecay: WeightDecay),
            "rmsprop" => new RmsProp(parameters, lr, weightDecay: WeightDecay),
            "rprop" => new Rprop(parameters, lr),
            _ => new Adam(parameters, lr, beta1: b1, weightDecay: WeightDecay),
        };
    }

    /// <summary>Builds the schedule named by <see cref="Schedule"/>, or null for none.</summary>
    public LrScheduler? CreateSchedule(Optimizer optimizer) => Schedule switch
    {
        "step" => new StepLr(optimizer, Math.Max(1, Epochs / 3), 0.5f),
        "exponential" => new ExponentialLr(optimizer, 0.95f),
        "cosine" => new CosineAnnealingLr(optimizer, Epochs),
        "warmup" => new LinearWarmup(optimizer, Math.Min(5, Epochs)),
        "plateau" => new ReduceLrOnPlateau(optimizer, factor: 0.5f, patience: 3),
        _ => null,
    };
}
