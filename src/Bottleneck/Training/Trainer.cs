using System.Diagnostics;
using Bottleneck.Autograd;
using Bottleneck.Data;
using Bottleneck.Models;
using Bottleneck.NN;
using Bottleneck.Optim;
using Bottleneck.Tensors;

namespace Bottleneck.Training;

/// <summary>One finished epoch (or pretraining stage epoch) of the history.</summary>
/// <param name="Epoch">1-based epoch number within its stage.</param>
/// <param name="Stage">"train" for end-to-end training; variants add their own stages (e.g. "pretrain-1").</param>
/// <param name="TrainLoss">Mean training loss over the epoch's batches (per sample, summed over features).</param>
/// <param name="ValidationLoss">Validation loss after the epoch, or null without validation data.</param>
/// <param name="LearningRate">Learning rate used during the epoch.</param>
/// <param name="Seconds">Wall-clock seconds of the epoch.</param>
public sealed record EpochRecord(int Epoch, string Stage, double TrainLoss, double? ValidationLoss, double LearningRate, double Seconds);

/// <summary>Progress report during training: every few steps and at each epoch's end (<see cref="Completed"/> set).</summary>
/// <param name="Epoch">1-based epoch.</param>
/// <param name="Epochs">Total epochs.</param>
/// <param name="Step">Steps done in this epoch.</param>
/// <param name="StepsPerEpoch">Steps per epoch.</param>
/// <param name="RunningLoss">Mean loss of this epoch so far.</param>
/// <param name="Completed">The epoch's record once it has finished, else null.</param>
public sealed record TrainingProgress(int Epoch, int Epochs, int Step, int StepsPerEpoch, double RunningLoss, EpochRecord? Completed);

/// <summary>
/// Raised when a step produces a NaN or infinite loss, or an epoch ends with non-finite weights or validation loss; training
/// stops, the diverged epoch is not checkpointed and the last good checkpoint is kept.
/// </summary>
public sealed class TrainingDivergedException(string message) : Exception(message);

/// <summary>What <see cref="Trainer.Fit"/> returns.</summary>
/// <param name="History">Per-epoch records, oldest first (including those restored from a checkpoint on resume).</param>
/// <param name="BestEpoch">Epoch with the lowest validation loss (or the last epoch without validation).</param>
/// <param name="StoppedEarly">True when early stopping ended training (the best weights were restored).</param>
/// <param name="Cancelled">True when the cancellation token ended training. The checkpoint (if any) is that of the last
/// completed epoch; a partly trained epoch is not saved, and resuming repeats it from its beginning.</param>
public sealed record TrainingResult(IReadOnlyList<EpochRecord> History, int BestEpoch, bool StoppedEarly, bool Cancelled);

/// <summary>
/// Mini-batch training of any <see cref="AutoencoderModel"/>: shuffling from a seed, optimizer and schedule by name,
/// validation each epoch, early stopping that restores the best weights, gradient clipping, a NaN/∞ guard, a checkpoint
/// every epoch and exact resume, cancellation, progress reports and a history.
/// </summary>
/// <remarks>
/// Reproducibility: shuffling, dropout masks and input corruption draw from generators reseeded at the start of every
/// epoch from (seed, epoch), so a run resumed from an epoch checkpoint reaches the same weights as an uninterrupted one.
/// Memory: each step runs inside a <see cref="TensorScope"/>, so after the first step its buffers are reused.
/// </remarks>
public sealed class Trainer
{
    private readonly TrainingOptions _options;

    /// <summary>Creates a trainer with <paramref name="options"/>.</summary>
    public Trainer(TrainingOptions options) => _options = options ?? throw new ArgumentNullException(nameof(options));

    /// <summary>
    /// Optional input corruption for denoising variants: (clean batch, generator) → corrupted batch; the loss is scored
    /// against the clean batch. Null uses the model's configured <see cref="AutoencoderModel.TrainingCorruption"/> (none for a
    /// plain autoencoder).
    /// </summary>
    public Func<Tensor, Rng, Tensor>? Corruption { get; init; }

    /// <summary>Folder for the per-epoch checkpoint (and resume); null disables checkpoints.</summary>
    public string? CheckpointDirectory { get; init; }

    /// <summary>
    /// Continue from the checkpoint in <see cref="CheckpointDirectory"/> if one exists. The run must use the same training options
    /// (batch size, learning rate, weight decay, schedule, patience, clipping, seed; else <see cref="IO.ModelFileException"/>); it may
    /// ask for more epochs than the checkpointed run had, to train for longer, unless the schedule depends on the epoch count.
    /// </summary>
    public bool Resume { get; init; }

    /// <summary>Stage name written into the history (default "train").</summary>
    public string Stage { get; init; } = "train";

    /// <summary>Trains <paramref name="model"/> on <paramref name="train"/>, validating on <paramref name="validation"/> if given.</summary>
    /// <exception cref="ShapeException">The data width differs from the model's input width.</exception>
    /// <exception cref="TrainingDivergedException">A loss or the weights became NaN or infinite (names epoch and step).</exception>
    public TrainingResult Fit(AutoencoderModel model, Dataset train, Dataset? validation = null,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellation = default)
    {
        if (train.FeatureCount != model.InputDim)
            throw new ShapeException($"training data {train.Source} has {train.FeatureCount} features, the model expects {model.InputDim}");
        if (validation != null && validation.Rows > 0 && validation.FeatureCount != model.InputDim)
            throw new ShapeException($"validation data {validation.Source} has {validation.FeatureCount} features, the model expects {model.InputDim}");
        if (train.Rows == 0) throw new ArgumentException($"training data {train.Source} has no rows");

        var o = _options;
        var parameters = model.Parameters();
        var optimizer = o.CreateOptimizer(parameters);
        var schedule = o.CreateSchedule(optimizer);
        var history = new List<EpochRecord>();
        double bestVal = double.PositiveInfinity;
        int bestEpoch = 0, badEpochs = 0, startEpoch = 1;
        float[][]? bestWeights = null;
        var checkpoint = CheckpointDirectory is null ? null : new Checkpoint(CheckpointDirectory);
        int savedEpoch = 0;  // epoch of the checkpoint this run wrote or resumed from (0: none)

        if (Resume && checkpoint != null && checkpoint.Exists)
        {
            var state = checkpoint.Load(model, optimizer, schedule, o);
            history.AddRange(state.History);
            bestVal = state.BestValidationLoss; bestEpoch = state.BestEpoch; badEpochs = state.BadEpochs;
            bestWeights = state.BestWeights;
            startEpoch = state.Epoch + 1;
            savedEpoch = state.Epoch;
            // A finished run is done unless this run asks for more epochs than it had (train for longer; the options check in
            // Checkpoint.Load forbids that only where the schedule depends on the epoch count). Early stopping is final, and a
            // checkpoint without recorded options (older versions) is not extended: nothing could check its schedule.
            if (state.Finished && (state.StoppedEarly || state.Epoch >= o.Epochs || !state.OptionsRecorded))
            {
                model.Eval();
                return new TrainingResult(history, bestEpoch == 0 ? history.Count : bestEpoch, state.StoppedEarly, false);
            }
        }

        int d = model.InputDim, bs = Math.Min(o.BatchSize, train.Rows);
        var batchData = new float[bs * d];
        var pool = new BufferPool();
        // Batch norm cannot normalise a batch of one sample in training mode (PyTorch raises the same error), so a final
        // batch of exactly one sample is dropped for models with batch norm; every other sample is still seen each epoch.
        bool dropLast = train.Rows % bs == 1 && train.Rows > 1 && model.Modules().Any(m => m is BatchNorm1d);
        var iterator = new BatchIterator(train.Rows, bs, shuffle: true, new Rng(o.Seed), dropLast);
        var corrupt = Corruption ?? (model.TrainingCorruption is { } configured ? configured.Apply : null);
        int steps = iterator.BatchCount;
        bool stoppedEarly = false, cancelled = false;

        for (int epoch = startEpoch; epoch <= o.Epochs; epoch++)
        {
            if (cancellation.IsCancellationRequested) { cancelled = true; break; }
            var sw = Stopwatch.StartNew();
            var epochRng = new Rng(Mix(o.Seed, (ulong)epoch));
            iterator = new BatchIterator(train.Rows, bs, shuffle: true, epochRng.Fork(), dropLast);
            iterator.NextEpoch();  // shuffles the order; Batch(b) only slices it
            ReseedNoise(model, epochRng);
            var noiseRng = epochRng.Fork();
            model.Train();
            double lossSum = 0;
            int seen = 0, step = 0;
            float lr = optimizer.LearningRate;
            for (int b = 0; b < steps; b++)
            {
                var idx = iterator.Batch(b);
                int n = idx.Length;
                train.CopyRows(idx, batchData.AsSpan(0, n * d));
                double loss;
                using (new TensorScope(pool))
                {
                    var clean = Tensor.FromArray(batchData.AsSpan(0, n * d), n, d);
                    var input = corrupt is null ? clean : corrupt(clean, noiseRng);
                    optimizer.ZeroGrad();
                    var output = model.Compute(input, clean);
                    loss = output.Loss.Item();
                    if (!double.IsFinite(loss))
                        throw Diverged($"the loss became {loss} at epoch {epoch}, step {b + 1} of {steps}");
                    output.Loss.Backward();
                    if (o.ClipNorm > 0) GradClip.ClipByGlobalNorm(parameters, o.ClipNorm);
                    optimizer.Step();
                }
                lossSum += loss * n; seen += n; step++;
                if (progress != null && (step % 20 == 0 || step == steps))
                    progress.Report(new TrainingProgress(epoch, o.Epochs, step, steps, lossSum / seen, null));
                if (cancellation.IsCancellationRequested) { cancelled = true; break; }
            }
            if (cancelled) break;  // a partial epoch is not checkpointed: resume restarts this epoch from its beginning

            double? val = validation is { Rows: > 0 } ? Evaluate(model, validation, o.BatchSize, pool) : null;
            // The last step's update is not followed by a loss check in this epoch: make sure no non-finite weights
            // (or a non-finite validation loss) are recorded as a good epoch and checkpointed.
            if (!model.StateDict().All(e => e.Value.AllFinite()))
                throw Diverged($"the weights became NaN or infinite at epoch {epoch}, step {steps} of {steps}");
            if (val is { } v && !double.IsFinite(v))
                throw Diverged($"the validation loss became {v} after epoch {epoch}");
            var record = new EpochRecord(epoch, Stage, lossSum / seen, val, lr, sw.Elapsed.TotalSeconds);
            history.Add(record);

            double metric = val ?? record.TrainLoss;
            if (metric < bestVal - 1e-12)
            {
                bestVal = metric; bestEpoch = epoch; badEpochs = 0;
                if (o.Patience > 0) bestWeights = Snapshot(model);
            }
            else badEpochs++;

            if (schedule is ReduceLrOnPlateau plateau) plateau.Step((float)metric);
            else schedule?.Step();

            if (o.Patience > 0 && badEpochs >= o.Patience)
            {
                if (bestWeights != null) Restore(model, bestWeights);
                stoppedEarly = true;
            }
            bool finished = stoppedEarly || epoch == o.Epochs;
            if (checkpoint != null)
            {
                checkpoint.Save(model, optimizer, schedule, new CheckpointState(epoch, history, bestVal, bestEpoch, badEpochs, bestWeights, finished, stoppedEarly), o);
                savedEpoch = epoch;
            }
            progress?.Report(new TrainingProgress(epoch, o.Epochs, steps, steps, record.TrainLoss, record));
            if (stoppedEarly) break;
        }
        model.Eval();
        return new TrainingResult(history, bestEpoch == 0 ? history.Count : bestEpoch, stoppedEarly, cancelled);

        TrainingDivergedException Diverged(string what) => new(what +
            (checkpoint != null && savedEpoch > 0 ? $"; the last good checkpoint (epoch {savedEpoch}) is kept in {checkpoint.Directory}" : "") +
            "; try a lower learning rate or gradient clipping (--clip-norm)");
    }

    /// <summary>Mean loss (per sample) of <paramref name="model"/> on <paramref name="data"/>, in eval mode, without autograd.</summary>
    public static double Evaluate(AutoencoderModel model, Dataset data, int batchSize = 256, BufferPool? pool = null)
    {
        bool wasTraining = model.Training;
        model.Eval();
        pool ??= new BufferPool();
        int d = model.InputDim;
        var buf = new float[Math.Min(batchSize, data.Rows) * d];
        var it = new BatchIterator(data.Rows, Math.Min(batchSize, data.Rows), shuffle: false);
        double sum = 0;
        using (GradMode.NoGrad())
            for (int b = 0; b < it.BatchCount; b++)
            {
                var idx = it.Batch(b);
                data.CopyRows(idx, buf.AsSpan(0, idx.Length * d));
                using var scope = new TensorScope(pool);
                var x = Tensor.FromArray(buf.AsSpan(0, idx.Length * d), idx.Length, d);
                sum += model.Compute(x).Loss.Item() * idx.Length;
            }
        model.Train(wasTraining);
        return sum / data.Rows;
    }

    private static void ReseedNoise(Module model, Rng rng)
    {
        foreach (var m in model.Modules())
            if (m is Dropout dropout) dropout.Reseed(rng.NextUInt64());
        if (model is AutoencoderModel ae) ae.ReseedNoise(rng);
    }

    internal static float[][] Snapshot(Module model) => model.StateDict().Select(e => e.Value.ToArray()).ToArray();

    internal static void Restore(Module model, float[][] weights)
    {
        var entries = model.StateDict();
        for (int i = 0; i < entries.Count; i++) weights[i].CopyTo(entries[i].Value.Span);
    }

    private static ulong Mix(ulong seed, ulong epoch)
    {
        ulong z = seed ^ (epoch * 0x9E3779B97F4A7C15UL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        return z ^ (z >> 27);
    }
}
