using System.Globalization;

namespace Bottleneck.Optim;

/// <summary>
/// Base class of learning-rate schedules. A schedule drives <see cref="Optimizer.LearningRate"/>; call <see cref="Step()"/>
/// once per epoch (after the epoch's optimizer steps), or <see cref="Step(float)"/> with a validation metric.
/// </summary>
/// <remarks>
/// Follows PyTorch 1.13's convention: constructing the schedule counts as epoch 0 and sets the epoch-0 learning rate, and each
/// <see cref="Step()"/> advances <see cref="LastEpoch"/> by one. Epoch-indexed schedules use closed forms of the base learning
/// rate captured at construction (so they are exact at any epoch and survive checkpoint/restore).
/// </remarks>
public abstract class LrScheduler
{
    /// <summary>Attaches the schedule to <paramref name="optimizer"/>; its current learning rate becomes <see cref="BaseLearningRate"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="optimizer"/> is null.</exception>
    protected LrScheduler(Optimizer optimizer)
    {
        Optimizer = optimizer ?? throw new ArgumentNullException(nameof(optimizer));
        BaseLearningRate = optimizer.LearningRate;
    }

    /// <summary>The optimizer whose learning rate is scheduled.</summary>
    public Optimizer Optimizer { get; }

    /// <summary>Stable short name: "step", "exponential", "cosine", "warmup" or "plateau".</summary>
    public abstract string Name { get; }

    /// <summary>The optimizer's learning rate when the schedule was created (η₀).</summary>
    public float BaseLearningRate { get; private set; }

    /// <summary>The number of <see cref="Step()"/> calls so far (0 right after construction).</summary>
    public int LastEpoch { get; protected set; }

    /// <summary>The optimizer's current learning rate.</summary>
    public float LearningRate => Optimizer.LearningRate;

    /// <summary>Advances one epoch and updates the optimizer's learning rate.</summary>
    /// <exception cref="InvalidOperationException">The schedule needs a metric (<see cref="ReduceLrOnPlateau"/>).</exception>
    public virtual void Step()
    {
        LastEpoch++;
        Optimizer.LearningRate = (float)LearningRateAt(LastEpoch);
    }

    /// <summary>
    /// Advances one epoch given a validation metric. Epoch-indexed schedules ignore the metric (so a training loop can always
    /// call this form); <see cref="ReduceLrOnPlateau"/> uses it.
    /// </summary>
    public virtual void Step(float metric) => Step();

    /// <summary>The closed-form learning rate at <paramref name="epoch"/> (epoch-indexed schedules).</summary>
    protected abstract double LearningRateAt(int epoch);

    /// <summary>Sets the epoch-0 learning rate; derived constructors call it after validating their arguments.</summary>
    protected void Initialize()
    {
        LastEpoch = 0;
        Optimizer.LearningRate = (float)LearningRateAt(0);
    }

    /// <summary>The schedule's state for a checkpoint.</summary>
    public virtual SchedulerState SaveState() => new(Name, LastEpoch, BaseLearningRate, float.NaN, 0, 0);

    /// <summary>Restores a state saved by <see cref="SaveState"/> of a schedule of the same kind, and re-applies the learning rate
    /// of the restored epoch (epoch-indexed schedules; the plateau schedule leaves the optimizer's rate, which the optimizer's own state restores).</summary>
    /// <exception cref="ArgumentException">The state was saved by another kind of schedule or has a negative epoch.</exception>
    public virtual void LoadState(SchedulerState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Name != Name) throw new ArgumentException($"{Name}: cannot load the state of schedule '{state.Name}'", nameof(state));
        if (state.LastEpoch < 0) throw new ArgumentException($"{Name}: negative epoch {state.LastEpoch}", nameof(state));
        LastEpoch = state.LastEpoch;
        BaseLearningRate = state.BaseLearningRate;
        ApplyLoaded();
    }

    /// <summary>Applies the learning rate after <see cref="LoadState"/>.</summary>
    protected virtual void ApplyLoaded() => Optimizer.LearningRate = (float)LearningRateAt(LastEpoch);

    internal static string F(float v) => v.ToString(CultureInfo.InvariantCulture);

    internal static void Require(bool ok, string paramName, string message)
    {
        if (!ok) throw new ArgumentOutOfRangeException(paramName, message);
    }
}

/// <summary>A schedule's checkpointable state.</summary>
/// <param name="Name">The schedule's <see cref="LrScheduler.Name"/>.</param>
/// <param name="LastEpoch">Epochs stepped so far.</param>
/// <param name="BaseLearningRate">η₀, the rate at construction.</param>
/// <param name="Best">Plateau: best metric so far (NaN for other schedules).</param>
/// <param name="NumBadEpochs">Plateau: epochs since the last improvement.</param>
/// <param name="CooldownCounter">Plateau: epochs of cooldown left.</param>
public sealed record SchedulerState(string Name, int LastEpoch, float BaseLearningRate, float Best, int NumBadEpochs, int CooldownCounter);

/// <summary>Step decay (PyTorch's StepLR): η = η₀ · γ^⌊epoch / stepSize⌋.</summary>
public sealed class StepLr : LrScheduler
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="optimizer">The optimizer to drive.</param>
    /// <param name="stepSize">Epochs between decays, ≥ 1.</param>
    /// <param name="gamma">Multiplicative decay γ ≥ 0 (default 0.1).</param>
    /// <exception cref="ArgumentOutOfRangeException">stepSize &lt; 1 or γ negative/not finite.</exception>
    public StepLr(Optimizer optimizer, int stepSize, float gamma = 0.1f) : base(optimizer)
    {
        Require(stepSize >= 1, nameof(stepSize), $"step: stepSize must be ≥ 1, got {stepSize}");
        Require(gamma >= 0f && float.IsFinite(gamma), nameof(gamma), $"step: gamma must be ≥ 0, got {F(gamma)}");
        StepSize = stepSize; Gamma = gamma;
        Initialize();
    }

    /// <inheritdoc/>
    public override string Name => "step";
    /// <summary>Epochs between decays.</summary>
    public int StepSize { get; }
    /// <summary>Decay factor γ.</summary>
    public float Gamma { get; }

    /// <inheritdoc/>
    protected override double LearningRateAt(int epoch) => BaseLearningRate * Math.Pow(Gamma, epoch / StepSize);
}

/// <summary>Exponential decay (PyTorch's ExponentialLR): η = η₀ · γ^epoch.</summary>
public sealed class ExponentialLr : LrScheduler
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="optimizer">The optimizer to drive.</param>
    /// <param name="gamma">Per-epoch factor γ ≥ 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">γ negative or not finite.</exception>
    public ExponentialLr(Optimizer optimizer, float gamma) : base(optimizer)
    {
        Require(gamma >= 0f && float.IsFinite(gamma), nameof(gamma), $"exponential: gamma must be ≥ 0, got {F(gamma)}");
        Gamma = gamma;
        Initialize();
    }

    /// <inheritdoc/>
    public override string Name => "exponential";
    /// <summary>Per-epoch factor γ.</summary>
    public float Gamma { get; }

    /// <inheritdoc/>
    protected override double LearningRateAt(int epoch) => BaseLearningRate * Math.Pow(Gamma, epoch);
}

/// <summary>
/// Cosine annealing (Loshchilov &amp; Hutter, 2017, SGDR without restarts; PyTorch's CosineAnnealingLR closed form):
/// η = η_min + (η₀ − η_min)(1 + cos(π·epoch / T_max)) / 2. Past T_max the cosine continues (the rate rises again), as PyTorch.
/// </summary>
public sealed class CosineAnnealingLr : LrScheduler
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="optimizer">The optimizer to drive.</param>
    /// <param name="tMax">Half-period T_max in epochs, ≥ 1: the rate reaches η_min at epoch T_max.</param>
    /// <param name="etaMin">The minimum rate η_min ≥ 0 (default 0).</param>
    /// <exception cref="ArgumentOutOfRangeException">T_max &lt; 1 or η_min negative/not finite.</exception>
    public CosineAnnealingLr(Optimizer optimizer, int tMax, float etaMin = 0f) : base(optimizer)
    {
        Require(tMax >= 1, nameof(tMax), $"cosine: tMax must be ≥ 1, got {tMax}");
        Require(etaMin >= 0f && float.IsFinite(etaMin), nameof(etaMin), $"cosine: etaMin must be ≥ 0, got {F(etaMin)}");
        TMax = tMax; EtaMin = etaMin;
        Initialize();
    }

    /// <inheritdoc/>
    public override string Name => "cosine";
    /// <summary>Half-period in epochs.</summary>
    public int TMax { get; }
    /// <summary>Minimum learning rate.</summary>
    public float EtaMin { get; }

    /// <inheritdoc/>
    protected override double LearningRateAt(int epoch) =>
        EtaMin + ((double)BaseLearningRate - EtaMin) * (1.0 + Math.Cos(Math.PI * epoch / TMax)) / 2.0;
}

/// <summary>
/// Linear warm-up (PyTorch's LinearLR with end factor 1): η = η₀ · (f₀ + (1 − f₀) · min(epoch, W) / W), ramping the factor from
/// f₀ = <see cref="StartFactor"/> at epoch 0 to 1 at epoch W = <see cref="WarmupSteps"/>, then constant.
/// </summary>
public sealed class LinearWarmup : LrScheduler
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="optimizer">The optimizer to drive.</param>
    /// <param name="warmupSteps">Length W ≥ 1 of the ramp in steps (epochs, or batches if stepped per batch).</param>
    /// <param name="startFactor">Initial factor f₀ ∈ (0, 1] (PyTorch's default is 1/3).</param>
    /// <exception cref="ArgumentOutOfRangeException">W &lt; 1 or f₀ outside (0, 1].</exception>
    public LinearWarmup(Optimizer optimizer, int warmupSteps, float startFactor = 1f / 3f) : base(optimizer)
    {
        Require(warmupSteps >= 1, nameof(warmupSteps), $"warmup: warmupSteps must be ≥ 1, got {warmupSteps}");
        Require(startFactor > 0f && startFactor <= 1f, nameof(startFactor), $"warmup: startFactor must be in (0, 1], got {F(startFactor)}");
        WarmupSteps = warmupSteps; StartFactor = startFactor;
        Initialize();
    }

    /// <inheritdoc/>
    public override string Name => "warmup";
    /// <summary>Ramp length W.</summary>
    public int WarmupSteps { get; }
    /// <summary>Initial factor f₀.</summary>
    public float StartFactor { get; }

    /// <inheritdoc/>
    protected override double LearningRateAt(int epoch) =>
        BaseLearningRate * (StartFactor + (1.0 - StartFactor) * Math.Min(epoch, WarmupSteps) / WarmupSteps);
}

/// <summary>Whether a monitored metric should go down (a loss) or up (an accuracy).</summary>
public enum PlateauMode
{
    /// <summary>Lower is better.</summary>
    Min,
    /// <summary>Higher is better.</summary>
    Max,
}

/// <summary>How <see cref="ReduceLrOnPlateau.Threshold"/> defines a significant improvement.</summary>
public enum ThresholdMode
{
    /// <summary>Relative: better than best·(1 ∓ threshold).</summary>
    Rel,
    /// <summary>Absolute: better than best ∓ threshold.</summary>
    Abs,
}

/// <summary>
/// Reduce-on-plateau (PyTorch's ReduceLROnPlateau): after more than <see cref="Patience"/> epochs without a significant
/// improvement of the metric, η ← max(η·factor, minLr), then wait <see cref="Cooldown"/> epochs before counting again.
/// Acts on the optimizer's current rate; call <see cref="Step(float)"/> once per epoch with the validation metric.
/// </summary>
public sealed class ReduceLrOnPlateau : LrScheduler
{
    private const double MinDecrease = 1e-8;  // PyTorch's eps: smaller reductions are ignored

    /// <summary>Creates the schedule.</summary>
    /// <param name="optimizer">The optimizer to drive.</param>
    /// <param name="mode"><see cref="PlateauMode.Min"/> (default) for a loss, <see cref="PlateauMode.Max"/> for a score.</param>
    /// <param name="factor">Reduction factor ∈ [0, 1) (default 0.1).</param>
    /// <param name="patience">Epochs without improvement tolerated before reducing, ≥ 0 (default 10).</param>
    /// <param name="threshold">Significance threshold ≥ 0 (default 10⁻⁴).</param>
    /// <param name="thresholdMode">Relative (default) or absolute threshold.</param>
    /// <param name="cooldown">Epochs to wait after a reduction, ≥ 0 (default 0).</param>
    /// <param name="minLr">Lower bound on the rate, ≥ 0 (default 0).</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of range.</exception>
    public ReduceLrOnPlateau(Optimizer optimizer, PlateauMode mode = PlateauMode.Min, float factor = 0.1f, int patience = 10,
        float threshold = 1e-4f, ThresholdMode thresholdMode = ThresholdMode.Rel, int cooldown = 0, float minLr = 0f) : base(optimizer)
    {
        Require(factor >= 0f && factor < 1f, nameof(factor), $"plateau: factor must be in [0, 1), got {F(factor)}");
        Require(patience >= 0, nameof(patience), $"plateau: patience must be ≥ 0, got {patience}");
        Require(threshold >= 0f && float.IsFinite(threshold), nameof(threshold), $"plateau: threshold must be ≥ 0, got {F(threshold)}");
        Require(cooldown >= 0, nameof(cooldown), $"plateau: cooldown must be ≥ 0, got {cooldown}");
        Require(minLr >= 0f && float.IsFinite(minLr), nameof(minLr), $"plateau: minLr must be ≥ 0, got {F(minLr)}");
        Require(mode is PlateauMode.Min or PlateauMode.Max, nameof(mode), $"plateau: unknown mode {(int)mode}");
        Require(thresholdMode is ThresholdMode.Rel or ThresholdMode.Abs, nameof(thresholdMode), $"plateau: unknown threshold mode {(int)thresholdMode}");
        Mode = mode; Factor = factor; Patience = patience; Threshold = threshold; ThresholdMode = thresholdMode; Cooldown = cooldown; MinLr = minLr;
        Best = mode == PlateauMode.Min ? float.PositiveInfinity : float.NegativeInfinity;
        LastEpoch = 0;
    }

    /// <inheritdoc/>
    public override string Name => "plateau";
    /// <summary>Whether lower or higher metrics are better.</summary>
    public PlateauMode Mode { get; }
    /// <summary>Reduction factor.</summary>
    public float Factor { get; }
    /// <summary>Tolerated epochs without improvement.</summary>
    public int Patience { get; }
    /// <summary>Significance threshold.</summary>
    public float Threshold { get; }
    /// <summary>Relative or absolute threshold.</summary>
    public ThresholdMode ThresholdMode { get; }
    /// <summary>Epochs to wait after a reduction.</summary>
    public int Cooldown { get; }
    /// <summary>Lower bound on the rate.</summary>
    public float MinLr { get; }
    /// <summary>The best metric seen so far (±∞ before the first step).</summary>
    public float Best { get; private set; }
    /// <summary>Consecutive epochs without a significant improvement.</summary>
    public int NumBadEpochs { get; private set; }
    /// <summary>Cooldown epochs left.</summary>
    public int CooldownCounter { get; private set; }

    /// <summary>Not available: this schedule needs the metric.</summary>
    /// <exception cref="InvalidOperationException">Always.</exception>
    public override void Step() =>
        throw new InvalidOperationException("plateau: ReduceLrOnPlateau needs the monitored metric; call Step(metric)");

    /// <summary>Records one epoch's <paramref name="metric"/> and reduces the learning rate if it has plateaued. A NaN metric counts as no improvement.</summary>
    public override void Step(float metric)
    {
        LastEpoch++;
        if (IsBetter(metric)) { Best = metric; NumBadEpochs = 0; }
        else NumBadEpochs++;
        if (CooldownCounter > 0) { CooldownCounter--; NumBadEpochs = 0; }
        if (NumBadEpochs > Patience)
        {
            double old = Optimizer.LearningRate;
            double next = Math.Max(old * Factor, MinLr);
            if (old - next > MinDecrease) Optimizer.LearningRate = (float)next;
            CooldownCounter = Cooldown;
            NumBadEpochs = 0;
        }
    }

    private bool IsBetter(float a)
    {
        double best = Best;
        return (Mode, ThresholdMode) switch
        {
            (PlateauMode.Min, ThresholdMode.Rel) => a < best * (1.0 - Threshold),
            (PlateauMode.Min, ThresholdMode.Abs) => a < best - Threshold,
            (PlateauMode.Max, ThresholdMode.Rel) => a > best * (1.0 + Threshold),
            _ => a > best + Threshold,
        };
    }

    /// <summary>Not used: the plateau schedule is not a function of the epoch.</summary>
    protected override double LearningRateAt(int epoch) => Optimizer.LearningRate;

    /// <inheritdoc/>
    public override SchedulerState SaveState() => new(Name, LastEpoch, BaseLearningRate, Best, NumBadEpochs, CooldownCounter);

    /// <inheritdoc/>
    public override void LoadState(SchedulerState state)
    {
        base.LoadState(state);
        if (state.NumBadEpochs < 0 || state.CooldownCounter < 0)
            throw new ArgumentException($"plateau: negative counters in state ({state.NumBadEpochs} bad epochs, cooldown {state.CooldownCounter})", nameof(state));
        Best = state.Best;
        NumBadEpochs = state.NumBadEpochs;
        CooldownCounter = state.CooldownCounter;
    }

    /// <inheritdoc/>
    protected override void ApplyLoaded() { }
}
