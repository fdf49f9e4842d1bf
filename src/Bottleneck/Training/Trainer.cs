using System.Diagnostics;
using System.Globalization;
using Bottleneck.Data;
using Bottleneck.Models;
using Bottleneck.Optim;
using Bottleneck.Tensors;

namespace Bottleneck.Training;

/// <summary>
/// The gradient-descent fit procedure: mini-batch training of any <see cref="AutoencoderModel"/> through its
/// <see cref="AutoencoderModel.Step"/>: shuffling from a seed, one optimizer and schedule per parameter group, validation each
/// epoch, early stopping that restores the best weights, gradient clipping, a NaN/∞ guard, a checkpoint every epoch and exact
/// resume, cancellation, progress reports and a history with each loss term.
/// </summary>
/// <remarks>
/// <para>Per step: load the batch, zero every group's gradients, output = model.Step(batch, context), backward of the total
/// loss, clip (global norm over all parameters), step every group's optimizer, then <see cref="AutoencoderModel.AfterStep"/>.
/// The trainer never looks at the model's layers or kind.</para>
/// <para>Reproducibility: each epoch draws its shuffle and its noise generator from (seed, epoch): the shuffle generator first,
/// the noise generator (<see cref="StepContext.Noise"/>, shared by the epoch's steps) second. A run resumed from an epoch
/// checkpoint reaches the same weights as an uninterrupted one. Memory: each step runs inside a <see cref="TensorScope"/>,
/// so after the first step its buffers are reused.</para>
/// <para>Data-parallel (<see cref="FitContext.Communicator"/> of N &gt; 1 ranks): every rank starts from rank 0's state (weights,
/// optimizer, and the checkpoint rank 0 alone resumed from), takes its part of every global batch of <see cref="TrainingOptions.BatchSize"/>
/// samples, and the gradients are all-reduced between backward and clipping (one fused buffer per step), so N ranks reach the
/// weights one process reaches with the same batch size, up to the order of floating-point sums. Only rank 0 writes checkpoints and
/// reports progress. Each rank draws its own noise (rank 0 the single-process stream). See <see cref="DataParallel"/> and
/// docs/scale.md, "Distributed training".</para>
/// </remarks>
public sealed class Trainer : IFitProcedure
{
    private readonly TrainingOptions _options;

    /// <summary>Creates a trainer with <paramref name="options"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    public Trainer(TrainingOptions options) => _options = options ?? throw new ArgumentNullException(nameof(options));

    /// <summary>The options.</summary>
    public TrainingOptions Options => _options;

    /// <summary>Folder for the per-epoch checkpoint when training through <see cref="Fit(AutoencoderModel, Dataset, Dataset?, IProgress{TrainingProgress}?, CancellationToken)"/>; null disables checkpoints.</summary>
    public string? CheckpointDirectory { get; init; }

    /// <summary>
    /// With <see cref="CheckpointDirectory"/>: continue from its checkpoint if one exists. The run must use the same training
    /// options (batch size, learning rate, weight decay, schedule, patience, clipping, seed; else <see cref="IO.ModelFileException"/>);
    /// it may ask for more epochs than the checkpointed run had, to train for longer, unless the schedule depends on the epoch count.
    /// </summary>
    public bool Resume { get; init; }

    /// <summary>Stage name written into the history (default "train").</summary>
    public string Stage { get; init; } = "train";

    /// <inheritdoc/>
    public IReadOnlyList<(string Label, string Text)> Describe()
    {
        var o = _options;
        return [("training", $"{o.Epochs} epoch{(o.Epochs == 1 ? "" : "s")}, batch {o.BatchSize}, {o.Optimizer} lr {Num(o.LearningRate)}" +
            (o.Schedule != "none" ? $", {o.Schedule} schedule" : "") +
            (o.WeightDecay > 0 ? $", weight decay {Num(o.WeightDecay)}" : "") +
            (o.ClipNorm > 0 ? $", clip {Num(o.ClipNorm)}" : "") +
            (o.Patience > 0 ? $", patience {o.Patience}" : ""))];
    }

    /// <inheritdoc/>
    public IReadOnlyList<FitStage> Stages => [new FitStage(Stage, _options.Epochs)];

    /// <inheritdoc/>
    public string FinalStage => Stage;

    /// <inheritdoc/>
    public bool SupportsResume => true;

    /// <inheritdoc/>
    public bool SupportsDistributed => true;

    /// <summary>Trains <paramref name="model"/> on the rows of <paramref name="train"/>, validating on <paramref name="validation"/> if given,
    /// checkpointing into <see cref="CheckpointDirectory"/>.</summary>
    /// <exception cref="ShapeException">The data width differs from the model's input width.</exception>
    /// <exception cref="TrainingDivergedException">A loss or the weights became NaN or infinite (names epoch and step).</exception>
    public TrainingResult Fit(AutoencoderModel model, Dataset train, Dataset? validation = null,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(train);
        var trainSource = RowSource.For(model, train, "training data");
        var validationSource = validation is { Rows: > 0 } ? RowSource.For(model, validation, "validation data") : null;
        return Fit(model, trainSource, validationSource, new FitContext(progress, cancellation, CheckpointDirectory, Resume));
    }

    /// <inheritdoc/>
    /// <exception cref="TrainingDivergedException">A loss or the weights became NaN or infinite (names epoch and step).</exception>
    /// <exception cref="ArgumentException">The training source is empty.</exception>
    public TrainingResult Fit(AutoencoderModel model, IBatchSource train, IBatchSource? validation, FitContext context)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(context);
        if (train.Count == 0) throw new ArgumentException($"training data {train.Name} has no rows");
        if (validation is { Count: 0 }) validation = null;

        var o = _options;
        var groups = model.ParameterGroups();
        var optimizers = groups.Select(g => new OptimizerGroup(g.Name, o.CreateOptimizer(g.Parameters, g.LearningRateScale, g.Beta1))).ToArray();
        foreach (var g in optimizers) g.Schedule = o.CreateSchedule(g.Optimizer);
        var parameters = groups.Where(g => !g.SharesParameters).SelectMany(g => g.Parameters).ToList();   // each parameter once
        var phasePlan = model.TrainingPhases.Select(p =>
        {
            var stepped = p.Groups is null ? optimizers : optimizers.Where(g => p.Groups.Contains(g.Name)).ToArray();
            if (stepped.Length == 0) throw new ArgumentException($"training phase '{p.Name}' steps no parameter group of the model");
            var ps = p.Groups is null ? parameters : groups.Where(g => p.Groups.Contains(g.Name)).SelectMany(g => g.Parameters).Distinct().ToList();
            return (Phase: p, Stepped: stepped, Parameters: (IReadOnlyList<Tensor>)ps);
        }).ToArray();
        var history = new List<EpochRecord>();
        double bestVal = double.PositiveInfinity;
        int bestEpoch = 0, badEpochs = 0, startEpoch = 1;
        float[][]? bestWeights = null;
        var streamed = train as IStreamedBatchSource;   // data larger than memory: the next batch of the epoch, not rows at indices
        if (streamed != null && context.Communicator is { Size: > 1 })
            throw new ArgumentException($"training data {train.Name} is streamed; data-parallel training cuts each batch by index and needs the data in memory");
        var parallel = context.Communicator is { Size: > 1 } comm ? new DataParallel(comm, model, parameters) : null;
        bool root = parallel is null || parallel.IsRoot;
        // Rank 0 alone reads and writes checkpoints; the others get its state through the communicator.
        var checkpoint = context.CheckpointDirectory is null || !root ? null : new Checkpoint(context.CheckpointDirectory);
        int savedEpoch = 0;  // epoch of the checkpoint this run wrote or resumed from (0: none)

        CheckpointState? resumed = context.Resume && checkpoint != null && checkpoint.Exists ? checkpoint.Load(model, optimizers, o, context.Recipe) : null;
        if (parallel != null) resumed = parallel.Synchronize(model, optimizers, o, train.Count, resumed);
        if (resumed is { } state)
        {
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

        int bs = Math.Min(o.BatchSize, train.Count);
        var pool = new BufferPool();
        // Batch statistics cannot normalise a batch of one sample in training mode (PyTorch raises the same error), so a final
        // batch of exactly one sample is dropped for models with such layers; every other sample is still seen each epoch.
        bool dropLast = train.Count % bs == 1 && train.Count > 1 && model.Modules().Any(m => m.UsesBatchStatistics);
        int steps = new BatchIterator(train.Count, bs, shuffle: false, dropLast: dropLast).BatchCount;
        var terms = new TermAccumulator();
        bool stoppedEarly = false, cancelled = false;
        var cancellation = context.Cancellation;
        var progress = root ? context.Progress : null;

        for (int epoch = startEpoch; epoch <= o.Epochs; epoch++)
        {
            // Distributed: the ranks agree on stopping inside each step's all-reduce; one rank leaving alone here would hang the others.
            if (parallel is null && cancellation.IsCancellationRequested) { cancelled = true; break; }
            var sw = Stopwatch.StartNew();
            var epochRng = TrainingStreams.EpochGenerator(o.Seed, epoch);   // see TrainingStreams.ForEpoch
            var shuffleRng = epochRng.Fork();
            var iterator = streamed is null ? new BatchIterator(train.Count, bs, shuffle: true, shuffleRng, dropLast) : null;
            iterator?.NextEpoch();  // shuffles the order; Batch(b) only slices it
            using var epochStream = streamed?.OpenEpoch(shuffleRng.NextUInt64());   // streamed: the epoch's order from the same generator
            var noise = epochRng.Fork();
            for (int r = 0; r < (parallel?.Rank ?? 0); r++) noise = epochRng.Fork();   // rank r: the (r+1)-th stream; rank 0 the single-process one
            model.Train();
            terms.Clear();
            double lossSum = 0;
            int seen = 0, step = 0;
            float lr = optimizers[0].Optimizer.LearningRate;
            for (int b = 0; b < steps; b++)
            {
                var idx = iterator != null ? iterator.Batch(b) : default;
                int global = iterator != null ? idx.Length : Math.Min(bs, train.Count - b * bs);
                if (parallel != null) { var (start, count) = parallel.Shard(global); idx = idx.Slice(start, count); }
                int n = iterator != null ? idx.Length : global;
                double loss;
                bool stop = false;
                var stepContext = StepContext.ForTraining(epoch, (long)(epoch - 1) * steps + b, noise) with { EpochsDone = epoch - 1 + (double)b / steps };
                using (new TensorScope(pool))
                {
                    var batch = n <= 0 ? null : epochStream != null ? epochStream.Next(n) ?? throw new DataException($"{train.Name}: the data ended early (epoch {epoch}, step {b + 1} of {steps})", train.Name) : train.Load(idx);   // distributed: a rank's part of a small final batch may be empty
                    loss = 0;
                    foreach (var (phase, stepped, phaseParameters) in phasePlan)
                    {
                        foreach (var g in optimizers) g.Optimizer.ZeroGrad();
                        double phaseLoss = 0;
                        if (batch != null)
                        {
                            var output = phasePlan.Length == 1 ? model.Step(batch, stepContext) : model.StepPhase(batch, stepContext, phase);
                            phaseLoss = output.Loss.Item();
                            if (!double.IsFinite(phaseLoss))
                            {
                                string what = $"the loss became {phaseLoss} at epoch {epoch}, step {b + 1} of {steps}" +
                                              (phasePlan.Length > 1 ? $" ({phase.Name} phase)" : "") + TermText(output);
                                if (parallel is null) throw Diverged(what);
                                parallel.ReduceGradients(phaseParameters, 0, global, stop: false, diverged: true);
                                throw Diverged($"rank {parallel.Rank}: {what}");
                            }
                            terms.Add(output.Terms, n);
                            if (output.Metrics.Count > 0) terms.Add(output.Metrics, n);
                            output.Loss.Backward();
                        }
                        if (parallel != null)
                        {
                            // The all-reduce seam: between backward and clipping/stepping, every rank gets the gradient of the whole batch.
                            var (anyStop, diverged) = parallel.ReduceGradients(phaseParameters, n, global, cancellation.IsCancellationRequested, diverged: false);
                            if (diverged > 0)
                                throw Diverged($"the loss became non-finite on {diverged} other rank(s) at epoch {epoch}, step {b + 1} of {steps}");
                            stop |= anyStop;
                        }
                        if (o.ClipNorm > 0) GradClip.ClipByGlobalNorm(phaseParameters, o.ClipNorm);
                        foreach (var g in stepped) g.Optimizer.Step();
                        loss += phaseLoss;
                    }
                    model.AfterStep(stepContext);
                    parallel?.AverageBuffers(n, global);
                }
                lossSum += loss * n; seen += n; step++;
                if (progress != null && (step % 20 == 0 || step == steps))
                    progress.Report(new TrainingProgress(epoch, o.Epochs, step, steps, lossSum / Math.Max(1, seen), null));
                if (parallel is null ? cancellation.IsCancellationRequested : stop) { cancelled = true; break; }
            }
            if (cancelled) break;  // a partial epoch is not checkpointed: resume restarts this epoch from its beginning
            if (parallel != null)
            {
                // Every rank records the loss over the whole epoch, so early stopping and schedules decide alike everywhere.
                var sums = terms.Sums;
                var totals = new double[2 + sums.Count];
                totals[0] = lossSum; totals[1] = seen;
                sums.CopyTo(totals, 2);
                parallel.SumOverRanks(totals, "loss terms");
                lossSum = totals[0]; seen = (int)totals[1];
                for (int i = 0; i < sums.Count; i++) sums[i] = totals[2 + i];
            }

            double? val;
            // The evaluation loop checks the command's CancellationScope too: stopping there is a partial epoch, as above.
            try
            {
                val = validation == null ? null
                    : parallel != null ? parallel.ValidationLoss(model, validation, o.BatchSize)
                    : Batching.MeanLoss(model, validation, o.BatchSize);
            }
            catch (OperationCanceledException) when (cancellation.IsCancellationRequested) { cancelled = true; break; }
            parallel?.CheckSameWeights(model, epoch);
            // The last step's update is not followed by a loss check in this epoch: make sure no non-finite weights
            // (or a non-finite validation loss) are recorded as a good epoch and checkpointed.
            if (!model.StateDict().All(e => e.Value.AllFinite()))
                throw Diverged($"the weights became NaN or infinite at epoch {epoch}, step {steps} of {steps}");
            if (val is { } v && !double.IsFinite(v))
                throw Diverged($"the validation loss became {v} after epoch {epoch}");
            var record = new EpochRecord(epoch, Stage, lossSum / seen, val, lr, sw.Elapsed.TotalSeconds, terms.Means(seen));
            history.Add(record);

            double metric = val ?? record.TrainLoss;
            if (metric < bestVal - 1e-12)
            {
                bestVal = metric; bestEpoch = epoch; badEpochs = 0;
                if (o.Patience > 0) bestWeights = Snapshot(model);
            }
            else badEpochs++;

            foreach (var g in optimizers) g.Schedule?.Step((float)metric);

            if (o.Patience > 0 && badEpochs >= o.Patience)
            {
                if (bestWeights != null) Restore(model, bestWeights);
                stoppedEarly = true;
            }
            bool finished = stoppedEarly || epoch == o.Epochs;
            if (checkpoint != null)
            {
                checkpoint.Save(model, optimizers, new CheckpointState(epoch, history, bestVal, bestEpoch, badEpochs, bestWeights, finished, stoppedEarly), o, context.Recipe);
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

    /// <summary>Mean loss (per sample) of <paramref name="model"/> on <paramref name="data"/>: evaluation steps in eval mode, without autograd.</summary>
    /// <param name="model">The model.</param>
    /// <param name="data">Rows in the model's input space (not empty).</param>
    /// <param name="batchSize">Rows per batch (default 256).</param>
    /// <exception cref="ShapeException">The data width differs from the model's.</exception>
    public static double Evaluate(AutoencoderModel model, Dataset data, int batchSize = 256) =>
        Batching.MeanLoss(model, RowSource.For(model, data), batchSize);

    /// <summary>", terms: reconstruction 1.2, sparsity NaN" for a divergence message (which term went bad).</summary>
    private static string TermText(AutoencoderOutput output) => output.Terms.Count <= 1 ? "" :
        " (terms: " + string.Join(", ", output.Terms.Select(t => $"{t.Name} {t.Value.Item().ToString("G6", CultureInfo.InvariantCulture)}")) + ")";

    private static string Num(double v) => v.ToString("G6", CultureInfo.InvariantCulture);

    internal static float[][] Snapshot(NN.Module model) => model.StateDict().Select(e => e.Value.ToArray()).ToArray();

    internal static void Restore(NN.Module model, float[][] weights)
    {
        var entries = model.StateDict();
        for (int i = 0; i < entries.Count; i++) weights[i].CopyTo(entries[i].Value.Span);
    }

    /// <summary>Sums of each loss term over an epoch's steps (weighted by batch size), without allocating per step.</summary>
    private sealed class TermAccumulator
    {
        private readonly List<string> _names = [];
        private readonly List<double> _sums = [];

        /// <summary>The sums, in the order of first appearance (the same order on every rank of a distributed fit).</summary>
        public List<double> Sums => _sums;

        public void Clear()
        {
            _names.Clear();
            _sums.Clear();
        }

        public void Add(IReadOnlyList<LossTerm> terms, int n)
        {
            for (int i = 0; i < terms.Count; i++)
            {
                string name = terms[i].Name;
                int at = i < _names.Count && _names[i] == name ? i : _names.IndexOf(name);
                if (at < 0) { _names.Add(name); _sums.Add(0); at = _names.Count - 1; }
                _sums[at] += terms[i].Value.Item() * (double)n;
            }
        }

        public LossTermValues Means(int seen) =>
            new(_names.Select((name, i) => new KeyValuePair<string, double>(name, _sums[i] / Math.Max(1, seen))));
    }
}

/// <summary>A parameter group's optimizer and learning-rate schedule during a fit.</summary>
/// <param name="Name">The group name (<see cref="ParameterGroup.Name"/>).</param>
/// <param name="Optimizer">The group's optimizer.</param>
internal sealed record OptimizerGroup(string Name, Optimizer Optimizer)
{
    /// <summary>The group's schedule, or null.</summary>
    public LrScheduler? Schedule { get; set; }
}
