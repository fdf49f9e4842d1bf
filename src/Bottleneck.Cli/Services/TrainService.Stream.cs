using System.Globalization;
using Bottleneck.Anomaly;
using Bottleneck.Cli.Commands;
using Bottleneck.Cli.Kinds;
using Bottleneck.Data;
using Bottleneck.IO;
using Bottleneck.Kernels;
using Bottleneck.ModelFiles;
using Bottleneck.Models;
using Bottleneck.Models.Registry;
using Spectre.Console;
using Bottleneck.Tensors;
using Bottleneck.Training;

namespace Bottleneck.Cli.Services;

/// <summary><c>bottleneck train --stream</c>: training on csv:, parquet: or npy: data larger than memory.</summary>
public sealed partial class TrainService
{
    /// <summary>Usage errors of <c>--stream</c> that need no data: where it cannot apply (one line each).</summary>
    /// <exception cref="ArgumentException">The data kind or an option does not combine with --stream.</exception>
    private static void CheckStream(TrainSettings s, DataSpec spec)
    {
        if (spec.Kind is not (DataKind.Csv or DataKind.Parquet or DataKind.Npy))
            throw new ArgumentException($"--stream reads csv:, parquet: and npy: files a chunk at a time; {spec.Kind.ToString().ToLowerInvariant()}: data is read into memory (train it without --stream)");
        if (s.ShuffleBuffer < 1) throw new ArgumentException($"--shuffle-buffer must be ≥ 1, got {s.ShuffleBuffer}");
        string? refused = s.Communicator is { Size: > 1 } || s.Distributed != "none" ? "--distributed (each rank cuts every batch by index, which needs the data in memory)"
            : s.NormalOnly != null ? "--normal-only"
            : s.Tabular != null ? "--categorical, --impute and --categorical-impute (the tabular encoding is fitted in memory)"
            : spec.DecimalComma ? "decimal=comma"
            : s.Report != null ? "--report (the report reads the data into memory; run 'bottleneck report' afterwards)"
            : s.TrainUntil != null ? "--train-until"
            : null;
        if (refused != null) throw new ArgumentException($"--stream does not combine with {refused}");
        if (!double.IsNaN(s.ValSplit) && s.ValSplit > 0.5)
            throw new ArgumentException($"--val-split {s.ValSplit.ToString(CultureInfo.InvariantCulture)} with --stream: every k-th row is held out (k = round(1/val-split) ≥ 2), so it must be at most 0.5");
    }

    /// <summary>Opens the rows of <paramref name="spec"/> in file order (a new reader per call), with their column names.</summary>
    private static (Func<IRowReader> Open, string[]? Names) StreamedReader(DataSpec spec)
    {
        string path = spec.Path!;
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: file not found", path);
        switch (spec.Kind)
        {
            case DataKind.Csv:
            {
                var encoder = AnomalyDetector.PassThroughEncoder(path, new CsvScoringOptions(spec.LabelColumn));
                return (() => encoder.OpenRows(path), encoder.State.HasHeader ? encoder.FeatureNames.ToArray() : null);
            }
            case DataKind.Parquet:
            {
                string[] names;
                using (var probe = new ParquetRowReader(path, spec.LabelColumn)) names = probe.FeatureNames;
                return (() => new ParquetRowReader(path, spec.LabelColumn), names);
            }
            default:
            {
                using (var probe = new NpyRowReader(path, spec.LabelsPath))
                    if (probe.Image is { } image)
                        throw new ArgumentException($"--stream trains dense rows; {path} holds images {image} (train it without --stream)");
                return (() => new NpyRowReader(path, spec.LabelsPath), null);
            }
        }
    }

    private int TrainStreamed(TrainSettings s, DataSpec spec, ModelKind kind, TrainingOptions options, IFitProcedure probe, CancellationToken cancellation)
    {
        if (probe is not Trainer)
            throw new ArgumentException($"--stream trains by mini-batch gradient descent; --kind {kind.Name} is fitted by another procedure ({probe.Describe()[0].Text}), which needs the data in memory");
        var rule = s.Threshold is null ? null : ParseThreshold(s.Threshold);
        if (rule is { NeedsLabels: true }) throw new ArgumentException($"--threshold {rule} needs labelled rows; with --stream the threshold is fitted on the training rows' scores (e.g. p99)");
        if (s.Contaminated) rule ??= Threshold.Default;
        TempNames.CheckNameLength(s.Out, "--out");
        ModelStore.CheckReplaceable(s.Out, CheckpointFolder);
        using var writer = AtomicDirectory.Begin(s.Out, "model");
        cancellation.ThrowIfCancellationRequested();
        using var scope = CancellationScope.Install(cancellation);

        var (open, names) = StreamedReader(spec);
        var dataFiles = spec.Files("train").Select(DataFileFingerprint.Of).ToArray();
        var purpose = s.Contaminated ? TrainingPurpose.AnomalyContaminated : TrainingPurpose.Reconstruction;
        int d;
        using (var first = open()) d = first.FeatureCount;
        var output = s.Kind.Output(new KindData([d], false, s.Epochs, purpose));
        var scale = s.Contaminated ? s.Scale ?? ScalingKind.Standardize : s.ResolveScale(false, output);
        double valSplit = s.ResolveValSplit(false);
        int every = valSplit > 0 ? HoldoutRowReader.EveryFor(valSplit) : 0;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var (train, validation, preprocessor) = StreamedRowSource.Split(open, scale, every, s.ShuffleBuffer);
        Line($"data        {train.Name}: {Output.Count(train.Count + (validation?.Count ?? 0))} rows × {d} features, streamed " +
             $"(counted and scaling fitted in one pass, {watch.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s)");

        var kindData = new KindData([d], scale == ScalingKind.MinMax, s.Epochs, purpose) { Rows = train.Count };
        var config = s.Kind.Build(kindData);
        var model = ModelRegistry.Create(config, new Rng(s.Seed));
        if (model.InputShape is not [_] || model.ConditionsOnLabels)
            throw new ArgumentException($"--stream trains dense rows without labels; this {kind.Name} model takes {(model.ConditionsOnLabels ? "class labels" : "samples of shape (" + string.Join(", ", model.InputShape) + ")")}");
        var fit = kind.CreateFit(config, options);
        Line($"split       {Output.Count(train.Count)} train, {Output.Count(validation?.Count ?? 0)} validation " +
             (every > 0 ? $"(every {every}th row)" : "(none)") + $"; scaling {scale.ToString().ToLowerInvariant()}");
        Line($"shuffle     buffer of {Output.Count(train.ShuffleBuffer)} rows ({Output.Bytes((long)train.ShuffleBuffer * d * sizeof(float))}), " +
             "seeded per epoch; not a full shuffle (a row moves forward by less than the buffer)");
        Line($"model       {config.Describe()}; {Output.Count(model.ParameterCount())} parameters");
        foreach (var (label, text) in fit.Describe()) Line($"{label,-11} {text}");
        Line($"backend     {Gemm.Describe()}");

        string checkpoint = Path.Combine(s.Out, CheckpointFolder);
        if (s.Resume)
        {
            AtomicDirectory.Recover(checkpoint);
            if (File.Exists(Path.Combine(checkpoint, "trainer.json"))) Line($"resuming    from {checkpoint}");
            else Warn($"--resume: no checkpoint in {checkpoint}; starting from scratch");
        }
        var recipe = Recipe(kind.Name, config, spec.Resolved(), dataFiles, scale, valSplit, s);
        recipe.Add(new("--shuffle-buffer", train.ShuffleBuffer.ToString(CultureInfo.InvariantCulture)));
        using var board = s.TensorBoard != null ? new TensorBoardLog(s.TensorBoard) : null;
        var metrics = new MetricsLog(Path.Combine(s.Out, MetricsLog.FileName), append: s.Resume);
        var result = Live
            ? TrainLive(fit, p => fit.Fit(model, train, validation, new FitContext(metrics.Tee(board?.Around(p) ?? p), cancellation, checkpoint, s.Resume, recipe)))
            : TrainPlain(p => fit.Fit(model, train, validation, new FitContext(metrics.Tee(board?.Around(p) ?? p), cancellation, checkpoint, s.Resume, recipe)));
        FitEndedTogether = true;
        if (result.Cancelled)
        {
            int done = result.History.Count;
            Error.WriteLine(done > 0
                ? $"interrupted during epoch {done + 1}/{options.Epochs}: the checkpoint of epoch {done} is in {checkpoint}; run the same command with --resume to continue"
                : "interrupted during the first epoch: no epoch finished, nothing to resume; run the same command to start again");
            return ExitCodes.Cancelled;
        }

        ThresholdState? threshold = null;
        AnomalyDetector? detector = null;
        if (rule != null)
        {
            detector = new AnomalyDetector(model, preprocessor, null, error: s.Contaminated ? AnomalyDefaults.UnsupervisedError : null);
            threshold = StreamedThreshold.Fit(detector, rule, train);   // one scoring pass; 4 bytes a row
        }
        var saved = new SavedModel(model, preprocessor.State, options, result.History, null, spec.Resolved().ToString())
            .WithAnomaly(threshold, null) with { DataFiles = dataFiles, FeatureNames = names };
        ModelStore.Save(writer, saved);
        CommitRun(writer, s.Out, result.History, () => 0);
        using var reported = CancellationScope.Install(CancellationToken.None);
        Console.WriteLine();
        if (result.History.Count > 0) Console.Write(Output.HistoryTable(result.History));
        var best = result.History.FirstOrDefault(h => h.Epoch == result.BestEpoch);
        if (best != null)
            Line($"best epoch  {best.Epoch} ({(best.ValidationLoss is double v ? "validation loss " + Output.Num(v) : "train loss " + Output.Num(best.TrainLoss))})" +
                 (result.StoppedEarly ? "; stopped early and kept the best weights" : ""));
        if (threshold != null)
            Line($"threshold   {threshold.Rule} = {Output.Num(threshold.Value)} ({detector!.Scorer.ScoreName} score; flagged = score > threshold), " +
                 $"fitted on {threshold.FittedOn}; training scores mean {Output.Num(threshold.TrainingScoreMean)}, sd {Output.Num(threshold.TrainingScoreSd)}");
        Line($"model       written to {s.Out} ({ModelStore.WeightsFile} {Output.Bytes(new FileInfo(Path.Combine(s.Out, ModelStore.WeightsFile)).Length)}, {ModelStore.ConfigFile})");
        if (result.History.Count > 0) Line($"metrics     {Path.Combine(s.Out, MetricsLog.FileName)} (one JSON line per epoch)");
        return ExitCodes.Success;
    }
}
