using System.Globalization;
using Bottleneck.Anomaly;
using Bottleneck.Cli.Commands;
using Bottleneck.Cli.Kinds;
using Bottleneck.Data;
using Bottleneck.Evaluation;
using Bottleneck.IO;
using Bottleneck.Kernels;
using Bottleneck.ModelFiles;
using Bottleneck.Models;
using Bottleneck.Models.Registry;
using Bottleneck.Tensors;
using Bottleneck.Training;
using Spectre.Console;

namespace Bottleneck.Cli.Services;

/// <summary>
/// <c>bottleneck train</c>: load and split the data, fit the scaling on the training part, build the kind's config and model,
/// run the kind's fit procedure with progress and per-epoch checkpoints, save the model folder and report history, metrics and a
/// reconstruction grid. Nothing here depends on the kind: the binder builds the config, the registry the model and procedure.
/// </summary>
public sealed partial class TrainService : CliService
{
    /// <summary>File name of the reconstruction grid written into the model folder for image data.</summary>
    public const string GridFile = "reconstructions.png";

    /// <summary>Name of the checkpoint subfolder of the model folder.</summary>
    public const string CheckpointFolder = "checkpoint";

    /// <summary>Creates the service.</summary>
    /// <param name="console">Console for progress, tables and result lines.</param>
    /// <param name="error">Writer for error and warning lines.</param>
    /// <param name="verbose">Print stack traces of unexpected errors.</param>
    public TrainService(IAnsiConsole console, TextWriter error, bool verbose = false) : base(console, error, verbose) { }

    /// <summary>Whether the last <see cref="Run"/> got through the fit procedure (finished or stopped by cancellation that every rank
    /// of a distributed run agreed on), so the ranks may end together; false when it failed before or inside the fit.</summary>
    internal bool FitEndedTogether { get; private set; }

    /// <summary>Trains and saves a model.</summary>
    /// <param name="settings">What to train.</param>
    /// <param name="cancellation">Stops training after the current step (Ctrl+C).</param>
    /// <returns>0 on success, 2 for a user mistake, 130 when cancelled, 1 otherwise.</returns>
    public int Run(TrainSettings settings, CancellationToken cancellation = default) => Guard(() => Train(settings, cancellation), cancellation);

    private int Train(TrainSettings s, CancellationToken cancellation)
    {
        // Validate everything cheap before loading data: the training options, the kind's values (its config built for a probe
        // width) and its fit procedure. An option's value error points to the help.
        var spec = DataSpec.Parse(s.Data);
        if (s.Stream) CheckStream(s, spec);   // TrainService.Stream.cs
        bool root = s.Communicator is not { Rank: > 0 };   // distributed: rank 0 alone prints and writes
        if (s.Communicator is { Size: > 1 } && (spec.Kind == DataKind.Graph || s.Kind is GraphBinder.Settings || RecommendationTrainService.Handles(s, spec)))
            throw new ArgumentException("--distributed trains rows by gradient descent; graph and ratings data train in one process");
        if (spec.Kind == DataKind.Graph || s.Kind is GraphBinder.Settings) return new GraphTrainService(Console, Error, Verbose).Train(s, spec, cancellation);
        if (RecommendationTrainService.Handles(s, spec)) return new RecommendationTrainService(Console, Error, Verbose).Train(s, spec, cancellation);
        if (s.TrainUntil != null)
            spec = spec.Series is { } series ? spec with { Series = series with { Until = s.TrainUntil } }
                : throw new ArgumentException($"--train-until applies to series: data (a time-ordered split), not {spec.Kind.ToString().ToLowerInvariant()}:");
        var kind = ModelRegistry.Get(s.Kind.Kind);
        TrainingOptions options;
        IFitProcedure probe;
        try
        {
            options = s.ToTrainingOptions();
            probe = kind.CreateFit(s.Kind.Build(KindData.Probe(s.Epochs)), options);
        }
        catch (ArgumentException e) { throw new ArgumentException(OneLine(e) + " (see 'bottleneck train --help')", e); }
        if (s.Communicator is { Size: > 1 } && !probe.SupportsDistributed)
            throw new ArgumentException($"--distributed: --kind {kind.Name} is fitted by a procedure that does not train data-parallel ({probe.Describe()[0].Text}); train it without --distributed");
        if (s.Resume && !probe.SupportsResume)
            throw new ArgumentException($"--resume is not supported for --kind {kind.Name}: its fit procedure writes no checkpoints, there is nothing to resume");
        if (!double.IsNaN(s.ValSplit))
        {
            try { Dataset.CheckValidationFraction(s.ValSplit); }
            catch (ArgumentException e) { throw new ArgumentException("--val-split: " + OneLine(e), e); }
        }
        if (string.IsNullOrWhiteSpace(s.Out)) throw new ArgumentException("--out needs a folder name");
        OutputPaths.CheckModelFolder("--out", s.Out, spec);
        if (s.Contaminated) CheckContaminated(s);
        if (s.Stream) return TrainStreamed(s, spec, kind, options, probe, cancellation);   // TrainService.Stream.cs

        if (s.Report != null) ReportService.CheckOut(s.Report, "--report", s.Out, s.Data);
        var rule = s.Threshold is null ? null : ParseThreshold(s.Threshold);
        if (s.Tabular != null && spec.Kind != DataKind.Csv)
            throw new ArgumentException("--categorical, --impute and --categorical-impute apply to csv: data only");
        // One writer per model folder, from before the data is read to the swap of the finished folder (a second one is refused
        // here, naming the process that writes it); a folder that is not a model folder is never replaced.
        TempNames.CheckNameLength(s.Out, "--out");
        ModelStore.CheckReplaceable(s.Out, CheckpointFolder);
        using var writer = root ? AtomicDirectory.Begin(s.Out, "model") : null;
        cancellation.ThrowIfCancellationRequested();
        var data = AnomalyTrainingData.Load(spec, s.NormalOnly, s.Tabular);
        if (rule != null)
        {
            try { data.CheckThreshold(rule); }
            catch (ArgumentException e) { throw new ArgumentException("--threshold: " + OneLine(e), e); }
        }

        var full = data.Full;
        // Fingerprinted now, right after reading: a file replaced during training is then found when the model re-reads it.
        var dataFiles = data.Spec.Files("train").Select(DataFileFingerprint.Of).ToArray();
        // Anomaly training: --contaminated, --normal-only, or a tabular CSV (already standardized by its encoding).
        var purpose = s.Contaminated ? TrainingPurpose.AnomalyContaminated
            : data.Normal != null || data.Encoder != null ? TrainingPurpose.AnomalyNormalRows
            : TrainingPurpose.Reconstruction;
        bool anomaly = purpose != TrainingPurpose.Reconstruction;
        if (anomaly || rule != null) rule ??= Threshold.Default;
        var test = data.Normal == null ? LoadTestSplit(spec, full) : null;
        double valSplit = s.ResolveValSplit(test != null);
        var (train, validation) = full.Split(valSplit, new Rng(s.Seed));
        int[] sampleShape = full.Image is { } im ? [im.Channels, im.Height, im.Width]
            : full.Sequence is { } sq ? [sq.Steps, sq.Channels] : [full.FeatureCount];
        var output = s.Kind.Output(new KindData(sampleShape, false, s.Epochs, purpose));
        // Tabular encodings standardize numeric columns themselves; the unsupervised recipe wants data on a unit scale (its tanh
        // output bounds reconstructions to ±1 sd): robust-scaled for the dense recipe (AnomalyDefaults.UnsupervisedScaling),
        // standardized for a kind built for contaminated rows (robust-ae, as measured), which the automatic choice would not give.
        var scale = data.Encoder != null ? s.Scale ?? ScalingKind.None
            : s.Contaminated ? s.Scale ?? (s.Kind.AssumesContaminatedRows ? ScalingKind.Standardize : AnomalyDefaults.UnsupervisedScaling)
            : s.ResolveScale(full.Image != null, output);
        if (!scale.KeepsUnitRange() && output.MeanInUnitInterval)
            Warn($"standardized data is not in [0, 1], which {output.Name} expects; consider --output linear-mse or --scale minmax");
        var preprocessor = SequenceScaling.Fit(train, scale);   // per channel for sequence data, else per feature
        var trainX = preprocessor.Transform(train);
        var validationX = validation.Rows > 0 ? preprocessor.Transform(validation) : null;
        var testX = test != null ? preprocessor.Transform(test) : null;

        bool unitRange = scale == ScalingKind.MinMax || (full.Image != null && scale == ScalingKind.None);
        int classes = full.Labels is { Length: > 0 } labels ? Math.Max(full.ClassNames?.Length ?? 0, labels.Max() + 1) : 0;
        var kindData = new KindData(sampleShape, unitRange, s.Epochs, purpose) { Rows = train.Rows, Classes = classes };
        var config = s.Kind.Build(kindData);
        trainX = s.Kind.PrepareTraining(trainX, kindData, s.Seed);
        var model = ModelRegistry.Create(config, new Rng(s.Seed));
        var fit = kind.CreateFit(config, options);
        // The model folder appears only with the first checkpoint or the finished model: a command that fails before leaves none.

        Line($"data        {full}");
        if (data.Normal != null)
            Line($"normal-only {data.Normal}: {Output.Count(full.Rows)} of {Output.Count(data.AllRows!.Rows)} rows ({Output.Count(data.AllAnomalyFlags!.Sum())} others left out)");
        if (data.Encoder is { } enc)
        {
            int categorical = enc.Columns.Count(c => c.Kind == ColumnKind.Categorical && !c.Dropped);
            Line($"encoding    tabular: {enc.Columns.Count(c => c.Kind == ColumnKind.Numeric && !c.Dropped)} numeric column(s) standardized, " +
                 $"{categorical} categorical column(s) one-hot -> {enc.FeatureCount} features (fitted on the training rows)");
            var unseen = enc.Report.Describe();
            if (unseen.Length > 0) Line("            categories of other rows not in the training rows: " + unseen.Replace(Environment.NewLine, "; "));
        }
        if (s.ContaminationAssumed)
            Line("recipe      unsupervised, assumed: nothing says these CSV rows are all normal, so they may contain anomalies (as --contaminated); " +
                 "robust scaling (median, IQR), bounded tanh output, batch norm, dropout, short training; score: mean absolute error and robust Mahalanobis distance, z-scored and averaged. " +
                 (data.Spec.LabelColumn is { } lc ? $"The data has a label column \"{lc}\" but no normal value: give --normal-only {lc}=VALUE to train on its normal rows, "
                     : "Give --normal-only COLUMN=VALUE to train on known normal rows, ") + "or an architecture (--hidden, --latent, --output) for a plain autoencoder");
        else if (s.Contaminated && s.Kind.AssumesContaminatedRows)
            Line($"recipe      unsupervised (--kind {s.Kind.Kind} is built for rows that contain anomalies): the recipe's short training " +
                 $"({AnomalyDefaults.UnsupervisedEpochs} epochs of batch {AnomalyDefaults.UnsupervisedBatchSize}, weight decay {AnomalyDefaults.UnsupervisedWeightDecay:G}, every row trains) " +
                 "on standardized data; threshold on mean-absolute-error scores. Give --normal-only COLUMN=VALUE to train on known normal rows");
        else if (s.Contaminated)
            Line("recipe      unsupervised (--contaminated: the training rows may contain anomalies): robust scaling (median, IQR), bounded tanh output, " +
                 "batch norm, dropout, short training; score: mean absolute error and robust Mahalanobis distance, z-scored and averaged");
        else if (purpose == TrainingPurpose.AnomalyNormalRows)
            Line($"anomaly     defaults for D = {full.FeatureCount} where not given: code clamp(round(D/8), 2, 32)" +
                 (s.Kind.TakesUnsupervisedRecipe ? ", hidden clamp(ceil(D/2), 8, 256), linear-mse output" : ""));
        if (data.Normal == null && s.Kind.ContaminationCaveat is { } caveat) Warn(caveat);
        Line($"split       {train.Rows} train, {validation.Rows} validation{(test != null ? $", {test.Rows} test" : "")} (seed {s.Seed}); scaling {scale.ToString().ToLowerInvariant()}");
        Line($"model       {config.Describe()}; {Output.Count(model.ParameterCount())} parameters");
        foreach (var (label, text) in fit.Describe()) Line($"{label,-11} {text}");
        Line($"backend     {Gemm.Describe()}");

        string checkpoint = Path.Combine(s.Out, CheckpointFolder);
        if (s.Communicator is { } comm) Line($"distributed {comm.Describe()}; each rank takes its part of every batch of {options.BatchSize}");
        if (s.Resume && root)
        {
            AtomicDirectory.Recover(checkpoint);   // a checkpoint save killed between its two renames
            if (File.Exists(Path.Combine(checkpoint, "trainer.json"))) Line($"resuming    from {checkpoint}");
            else Warn($"--resume: no checkpoint in {checkpoint}; starting from scratch");
        }
        var recipe = Recipe(kind.Name, config, data.Spec.Resolved(), dataFiles, scale, valSplit, s);
        var trainSource = RowSource.For(model, trainX, "training data");
        var validationSource = validationX != null ? RowSource.For(model, validationX, "validation data") : null;
        if (s.TensorBoard is { } tb && (Path.GetFullPath(tb) + Path.DirectorySeparatorChar).StartsWith(Path.GetFullPath(s.Out).TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new ArgumentException($"--tensorboard {tb} is inside --out {s.Out}, which is replaced as a unit when training ends; give a folder outside it");
        using var board = s.TensorBoard != null && root ? new TensorBoardLog(s.TensorBoard) : null;
        if (board != null) Line($"tensorboard {board.Path}");
        var watch = System.Diagnostics.Stopwatch.StartNew();
        // Every finished epoch is appended to OUT/metrics.jsonl as it happens (tail -f); the finished folder gets it from the history.
        var metrics = new MetricsLog(Path.Combine(s.Out, MetricsLog.FileName), append: s.Resume);
        var result = Live
            ? TrainLive(fit, p => fit.Fit(model, trainSource, validationSource, new FitContext(metrics.Tee(board?.Around(p) ?? p), cancellation, checkpoint, s.Resume, recipe, s.Communicator)))
            : TrainPlain(p => fit.Fit(model, trainSource, validationSource, new FitContext(metrics.Tee(board?.Around(p) ?? p), cancellation, checkpoint, s.Resume, recipe, s.Communicator)));
        FitEndedTogether = true;
        if (!root) return result.Cancelled ? ExitCodes.Cancelled : ExitCodes.Success;   // rank 0 saves the model and reports
        System.Diagnostics.Debug.Assert(writer != null);
        if (result.History.Count == 0 && !result.Cancelled)
            Line($"fitted      on {Output.Count(train.Rows)} samples in {watch.Elapsed.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture)} s");

        if (result.Cancelled)
        {
            int done = result.History.Count(h => h.Stage == fit.FinalStage);
            Error.WriteLine(done > 0 && fit.SupportsResume
                ? $"interrupted during epoch {done + 1}/{options.Epochs}: the checkpoint of epoch {done} is in {checkpoint}; run the same command with --resume to continue"
                : !fit.SupportsResume
                ? $"interrupted: --kind {kind.Name} writes no checkpoints, so there is nothing to resume; run the same command to start again"
                : "interrupted during the first epoch: no epoch finished, nothing to resume; run the same command to start again");
            return ExitCodes.Cancelled;
        }

        int trained = result.History.Count(h => h.Stage == fit.FinalStage);
        if (trained > options.Epochs)
            Warn($"the checkpoint already holds {trained} epochs, more than --epochs {options.Epochs}; no further epochs were trained");
        else if (s.Resume && trained > 0 && trained < options.Epochs && !result.StoppedEarly)
            Warn($"the checkpoint is from a finished run of {trained} epochs saved by an older version, which did not record its training options, " +
                 "so it is not extended; nothing was trained (train without --resume to start a longer run)");

        var anomalyDetector = rule == null ? null : new AnomalyDetector(model, preprocessor, data.Encoder, error: s.Contaminated ? AnomalyDefaults.UnsupervisedError : null);
        // The unsupervised recipe scores by its error combined with the robust Mahalanobis distance (AnomalyDefaults.UnsupervisedDistance).
        if (anomalyDetector != null && s.Contaminated && !s.Kind.AssumesContaminatedRows && AnomalyDefaults.UnsupervisedDistance)
            anomalyDetector.Scorer.Distance = DistanceScore.Fit(anomalyDetector.Scorer, trainX);
        ThresholdState? threshold = rule == null ? null : data.FitThreshold(rule, anomalyDetector!, trainX);
        // How clear the cut is in the training scores (ThresholdCheck): reported with the threshold, a warning when there is none.
        double? margin = threshold != null && rule!.Kind != ThresholdKind.Fixed ? ThresholdCheck.Margin(anomalyDetector!.Scorer.Score(trainX), threshold.Value) : null;
        var saved = new SavedModel(model, preprocessor.State, options, result.History, full.Image, data.Spec.Resolved().ToString(), data.Encoder?.State)
            .WithAnomaly(threshold, data.Normal).WithDistanceScore(anomalyDetector?.Scorer.Distance) with { DataFiles = dataFiles, FeatureNames = data.Encoder == null ? full.FeatureNames : null };
        // The new folder is complete (model, grid, this run's checkpoint) before it replaces the old one in one swap.
        ModelStore.Save(writer, saved);
        string? gridCaption = CommitRun(writer, s.Out, result.History,
            () => WriteGrid(writer.Staging, full, test, testX, validation, validationX, train, trainX, preprocessor, model));
        // Written: what follows only reports (a Ctrl+C now must not say that nothing was written).
        using var reported = CancellationScope.Install(CancellationToken.None);

        Console.WriteLine();
        if (result.History.Count > 0) Console.Write(Output.HistoryTable(result.History));
        else
        {
            Output.KeyValues(Console, Live, Line, [.. model.Summary()]);
            Line();
        }
        var reports = new List<(string, ReconstructionReport)>();
        bool psnr = full.Image != null && scale.KeepsUnitRange();
        if (validationX != null) reports.Add(("validation", ReconstructionEvaluator.Evaluate(model, validationX, psnr)));
        if (testX != null) reports.Add(("test", ReconstructionEvaluator.Evaluate(model, testX, psnr)));
        if (reports.Count > 0)
        {
            Console.Write(Output.MetricsTable([.. reports]));
            Line("(metrics in the model's input space, after scaling)");
        }

        Line();
        var best = result.History.FirstOrDefault(h => h.Epoch == result.BestEpoch && h.Stage == fit.FinalStage);
        if (best != null)
            Line($"best epoch  {best.Epoch} ({(best.ValidationLoss is double v ? "validation loss " + Output.Num(v) : "train loss " + Output.Num(best.TrainLoss))})" +
                 (result.StoppedEarly ? "; stopped early and kept the best weights" : ""));
        Line($"parameters  {Output.Count(model.ParameterCount())}");
        Line($"backend     {Gemm.Describe()}");
        if (threshold != null)
            Line($"threshold   {threshold.Rule} = {Output.Num(threshold.Value)} ({anomalyDetector!.Scorer.ScoreName} score; flagged = score > threshold), " +
                 $"fitted on {threshold.FittedOn}; training scores mean {Output.Num(threshold.TrainingScoreMean)}, sd {Output.Num(threshold.TrainingScoreSd)}" +
                 (margin is double mg ? $"; margin share {Output.Num(mg)}" : ""));
        if (margin > ThresholdCheck.UnclearMargin)
            Warn($"the training scores give no clear cut at the threshold (margin share {Output.Num(margin.Value)} > {ThresholdCheck.UnclearMargin.ToString(CultureInfo.InvariantCulture)}: " +
                 $"the training rows within {ThresholdCheck.MarginWidth.ToString(CultureInfo.InvariantCulture)} IQR of it number that many per flagged row); " +
                 "the flags follow the rule's share rather than a gap in the scores, and their false-positive rate on new rows moves with small shifts of the scores");
        Line($"model       written to {s.Out} ({ModelStore.WeightsFile} {Output.Bytes(new FileInfo(Path.Combine(s.Out, ModelStore.WeightsFile)).Length)}, {ModelStore.ConfigFile})");

        if (gridCaption != null) Line($"images      {Path.Combine(s.Out, GridFile)} ({gridCaption})");
        if (result.History.Count > 0) Line($"metrics     {Path.Combine(s.Out, MetricsLog.FileName)} (one JSON line per epoch)");
        if (s.Report != null) new ReportService(Console, Error, Verbose).Write(new ReportSettings(s.Out, s.Data, s.Report));
        return ExitCodes.Success;
    }

    /// <summary>
    /// The settings that shape the model and the data, recorded in the checkpoint so that <c>--resume</c> refuses a run that differs:
    /// the kind, every entry of the model config (architecture, activation, output, noise, regularizer, …), the data SPEC (absolute
    /// paths) and the SHA-256 of its files, the scaling, the validation split, the normal-row selection and the tabular options.
    /// </summary>
    private static List<KeyValuePair<string, string>> Recipe(string kind, ModelConfig config, DataSpec spec, DataFileFingerprint[] files,
        ScalingKind scale, double valSplit, TrainSettings s)
    {
        var list = new List<KeyValuePair<string, string>>
        {
            new("--kind", kind),
            new("--data", spec.ToString()),
            new("data files", files.Length == 0 ? "none" : string.Join(", ", files.Select(f => $"{f.Path} (sha256 {f.Sha256[..12]}…)"))),
            new("--scale", scale.ToString().ToLowerInvariant()),
            new("--val-split", valSplit.ToString("R", CultureInfo.InvariantCulture)),
            new("--normal-only", s.NormalOnly?.ToString() ?? "none"),
            new("--contaminated", s.Contaminated ? "on" : "off"),
            new("tabular options (--categorical, --impute, --categorical-impute)", s.Tabular is null ? "none"
                : System.Text.Json.JsonSerializer.Serialize(s.Tabular, TabularEncoder.JsonOptions)),
        };
        foreach (var p in ModelRegistry.ToJson(config).EnumerateObject())
            list.Add(new($"model {p.Name}", System.Text.Json.JsonSerializer.Serialize(p.Value)));
        return list;
    }

    /// <summary>
    /// Writes the reconstruction grid of image data into <paramref name="folder"/> from the evaluation data (test split when there
    /// is one, else validation, else training data); returns its caption, or null when nothing was written.
    /// </summary>
    private static string? WriteGrid(string folder, Dataset full, Dataset? test, Dataset? testX, Dataset validation, Dataset? validationX,
        Dataset train, Dataset trainX, Preprocessor preprocessor, AutoencoderModel model)
    {
        if (full.Image == null) return null;
        var (raw, scaled) = test != null ? (test, testX!) : validationX != null ? (validation, validationX) : (train, trainX);
        int n = Math.Min(Output.GridImages, raw.Rows);
        var first = scaled.Subset(Enumerable.Range(0, n).ToArray());
        var rec = Batching.Reconstruct(model, first);
        preprocessor.InverseTransform(rec);
        return Output.WriteGrid(Path.Combine(folder, GridFile), full.Image, raw.Features, rec, n)
            ? $"originals above reconstructions, {(test != null ? "test" : validationX != null ? "validation" : "training")} data"
            : null;
    }

    /// <summary>
    /// Completes a staged model folder and swaps it in: <paramref name="stage"/> writes its extra files (e.g. the reconstruction
    /// grid), the metrics log is written and this run's checkpoint moves into the staged folder, then the folder replaces the
    /// old one in one swap. When the swap fails the old folder is back in place and the run's checkpoint is given back to it, so
    /// <c>--resume</c> still works.
    /// </summary>
    /// <returns>What <paramref name="stage"/> returned.</returns>
    /// <exception cref="IOException">The swap failed (named by the writer).</exception>
    private T CommitRun<T>(AtomicDirectory writer, string outDir, IReadOnlyList<EpochRecord> history, Func<T> stage)
    {
        string runCheckpoint = Path.Combine(outDir, CheckpointFolder), stagedCheckpoint = Path.Combine(writer.Staging, CheckpointFolder);
        try
        {
            var staged = stage();
            if (history.Count > 0) MetricsLog.Write(Path.Combine(writer.Staging, MetricsLog.FileName), history);
            if (Directory.Exists(runCheckpoint)) Directory.Move(runCheckpoint, stagedCheckpoint);
            writer.Commit();
            return staged;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            if (Directory.Exists(stagedCheckpoint) && !Directory.Exists(runCheckpoint))
            {
                try { Directory.CreateDirectory(outDir); Directory.Move(stagedCheckpoint, runCheckpoint); }
                catch (Exception back) when (back is IOException or UnauthorizedAccessException) { Warn($"the checkpoint could not be put back into {runCheckpoint}: {OneLine(back)}"); }
            }
            throw writer.Named(e);
        }
    }

    /// <summary>Usage errors of <c>--contaminated</c>, found before anything is loaded or written.</summary>
    /// <exception cref="ArgumentException">With --normal-only, a kind that does not take the recipe, or --threshold f1.</exception>
    private static void CheckContaminated(TrainSettings s)
    {
        if (s.NormalOnly != null)
            throw new ArgumentException("--contaminated (the training rows may contain anomalies) and --normal-only (train on normal rows only) exclude each other: use one");
        if (!s.Kind.TakesUnsupervisedRecipe)
            throw new ArgumentException($"--contaminated sets up a dense autoencoder; it does not combine with --kind {s.Kind.Kind}");
        if (s.Threshold is { } t && ParseThreshold(t).NeedsLabels)
            throw new ArgumentException("--threshold f1 needs rows known to be anomalies, which --contaminated training does not have: keep the default " +
                                        $"({AnomalyDefaults.UnsupervisedThreshold}) or another rule, and fit f1 when scoring with 'bottleneck detect --threshold f1 --label COLUMN --normal VALUE'");
    }

    /// <summary>Parses a threshold rule; a bad form is a usage error whose message lists the accepted forms.</summary>
    internal static Threshold ParseThreshold(string text)
    {
        try { return Threshold.Parse(text); }
        catch (FormatException e) { throw new ArgumentException("--threshold: " + e.Message, e); }
    }

    /// <summary>The test split for demo and mnist when training on their train split; null otherwise or when it is unavailable.</summary>
    private Dataset? LoadTestSplit(DataSpec spec, Dataset train)
    {
        if (spec.Kind is not (DataKind.Demo or DataKind.Mnist) || (spec.Split ?? "train") != "train") return null;
        try
        {
            var test = (spec with { Split = "test" }).Load("test");
            return test.FeatureCount == train.FeatureCount ? test : null;
        }
        catch (DataException e)
        {
            Warn($"no test split, evaluating on validation data only: {OneLine(e)}");
            return null;
        }
    }

    /// <summary>One line per finished epoch (redirected output).</summary>
    private TrainingResult TrainPlain(Func<IProgress<TrainingProgress>, TrainingResult> fit)
    {
        var progress = new SyncProgress<TrainingProgress>(p =>
        {
            if (p.Completed is not { } c) return;
            Line((c.Stage == "train" ? "" : c.Stage + " ") + $"epoch {c.Epoch.ToString(CultureInfo.InvariantCulture).PadLeft(p.Epochs.ToString(CultureInfo.InvariantCulture).Length)}/{p.Epochs}" +
                 $"  loss {Output.Num(c.TrainLoss)}" + (c.Terms is { Count: > 1 } t ? $" ({t})" : "") + (c.ValidationLoss is double v ? $"  val {Output.Num(v)}" : "") +
                 $"  lr {Output.Num(c.LearningRate)}  {c.Seconds.ToString("0.0", CultureInfo.InvariantCulture)}s");
        });
        return fit(progress);
    }

    /// <summary>A live progress bar over the fit procedure's stages.</summary>
    private TrainingResult TrainLive(IFitProcedure procedure, Func<IProgress<TrainingProgress>, TrainingResult> fit)
    {
        var stages = procedure.Stages.Where(st => st.Epochs > 0).ToList();
        if (stages.Count == 0) return fit(new SyncProgress<TrainingProgress>(_ => { }));
        int epochs = stages.Sum(st => st.Epochs);
        return Console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(),
                     new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(Markup.Escape($"epoch 1/{epochs}"), maxValue: epochs);
                double? lastValidation = null;
                int completed = 0;   // epochs finished in earlier stages and this one (stages other than the last run all their epochs)
                var progress = new SyncProgress<TrainingProgress>(p =>
                {
                    int stage = 0, offset = 0;
                    while (stage < stages.Count - 1 && completed - offset >= stages[stage].Epochs) offset += stages[stage++].Epochs;
                    if (p.Completed is { } c) { lastValidation = c.ValidationLoss; completed++; }
                    string label = stages.Count > 1 ? stages[stage].Name + " " : "";
                    task.Value = offset + p.Epoch - 1 + (double)p.Step / Math.Max(1, p.StepsPerEpoch);
                    task.Description = Markup.Escape($"{label}epoch {p.Epoch}/{p.Epochs}  loss {Output.Num(p.RunningLoss)}" +
                                                     (lastValidation is double v ? $"  val {Output.Num(v)}" : ""));
                });
                var result = fit(progress);
                if (!result.Cancelled) task.Value = task.MaxValue;
                task.StopTask();
                return result;
            });
    }

    /// <summary>An <see cref="IProgress{T}"/> that reports synchronously on the training thread (unlike <see cref="Progress{T}"/>).</summary>
    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
