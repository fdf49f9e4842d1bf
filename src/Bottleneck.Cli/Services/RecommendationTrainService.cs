using System.Globalization;
using Bottleneck.Cli.Commands;
using Bottleneck.Cli.Kinds;
using Bottleneck.Data;
using Bottleneck.Evaluation;
using Bottleneck.IO;
using Bottleneck.Kernels;
using Bottleneck.ModelFiles;
using Bottleneck.Models.Recommendation;
using Bottleneck.Models.Registry;
using Bottleneck.Tensors;
using Bottleneck.Training;
using Spectre.Console;

namespace Bottleneck.Cli.Services;

/// <summary>
/// <c>bottleneck train --kind autorec|mult-dae|mult-vae --data ratings:…</c>: reads the ratings, holds out validation ratings
/// (autorec: a seeded share of the ratings) or validation users (mult-dae, mult-vae), trains the kind's model on the rating
/// matrix, saves the model folder with its training ratings (<see cref="RatingsSection"/>), and scores <c>--test</c> when given.
/// </summary>
public sealed class RecommendationTrainService : CliService
{
    /// <summary>Creates the service.</summary>
    /// <param name="console">Console for result lines.</param>
    /// <param name="error">Writer for error and warning lines.</param>
    /// <param name="verbose">Print stack traces of unexpected errors.</param>
    public RecommendationTrainService(IAnsiConsole console, TextWriter error, bool verbose = false) : base(console, error, verbose) { }

    /// <summary>Whether <paramref name="s"/> trains a recommendation kind or on ratings data (so this service, not the row trainer, runs it).</summary>
    public static bool Handles(TrainSettings s, DataSpec spec) => spec.Kind == DataKind.Ratings || s.Kind is IRatingsSettings;

    /// <summary>Trains; called inside the train command's error guard.</summary>
    /// <param name="s">The settings.</param>
    /// <param name="spec">The parsed --data.</param>
    /// <param name="cancellation">Stops training after the current step.</param>
    /// <returns>The exit code.</returns>
    /// <exception cref="ArgumentException">An option that does not apply, or data of the wrong form.</exception>
    public int Train(TrainSettings s, DataSpec spec, CancellationToken cancellation)
    {
        string kindName = s.Kind.Kind;
        if (s.Kind is not IRatingsSettings r)
            throw new ArgumentException($"ratings: data trains --kind autorec, mult-dae or mult-vae, not --kind {kindName}");
        if (spec.Kind != DataKind.Ratings)
            throw new ArgumentException($"--kind {kindName} trains on ratings:FILE[:sep=TAB|COMMA|PIPE][:implicit=THRESHOLD] data, not {spec.Kind.ToString().ToLowerInvariant()}: data");
        var options = spec.Ratings ?? new RatingsOptions();
        if (r.Explicit && options.Implicit)
            throw new ArgumentException($"--kind {kindName} models explicit ratings (RMSE): drop :implicit= from --data, or use --kind mult-dae or mult-vae for implicit feedback");
        if (!r.Explicit && !options.Implicit)
            throw new ArgumentException($"--kind {kindName} models implicit feedback: add :implicit=THRESHOLD to --data (e.g. ratings:u.data:implicit=4 keeps ratings ≥ 4 as clicks)");
        foreach (var (given, option) in new[] { (s.Resume, "--resume"), (s.NormalOnly != null, "--normal-only"), (s.Contaminated, "--contaminated"),
                     (s.Tabular != null, "--categorical/--impute"), (s.Threshold != null, "--threshold"), (s.TrainUntil != null, "--train-until"), (s.Scale != null, "--scale") })
            if (given) throw new ArgumentException($"{option} does not apply to --kind {kindName} (ratings are used as they are, and no checkpoint is written)");
        var trainingOptions = s.ToTrainingOptions();
        if (!double.IsNaN(s.ValSplit))
        {
            try { Dataset.CheckValidationFraction(s.ValSplit); }
            catch (ArgumentException e) { throw new ArgumentException("--val-split: " + OneLine(e), e); }
        }
        var testSpec = r.Test is { } t ? DataSpec.Parse(t) : null;
        if (testSpec is { Kind: not DataKind.Ratings }) throw new ArgumentException($"--test takes ratings:FILE data, got {testSpec}");
        // the test file is read with the training file's options (separator, threshold, scale) unless it gives its own
        testSpec = testSpec is null ? null : testSpec with { Ratings = (testSpec.Ratings ?? new RatingsOptions()).Inherit(options) };
        if (string.IsNullOrWhiteSpace(s.Out)) throw new ArgumentException("--out needs a folder name");
        OutputPaths.CheckModelFolder("--out", s.Out, spec);
        TempNames.CheckNameLength(s.Out, "--out");
        ModelStore.CheckReplaceable(s.Out, TrainService.CheckpointFolder);
        using var writer = AtomicDirectory.Begin(s.Out, "model");

        var table = spec.LoadRatings();
        var test = testSpec?.LoadRatings();
        if (test != null && r.Explicit) CheckScale(test, table);
        double valSplit = s.ResolveValSplit(test != null);
        var rng = new Rng(s.Seed);
        RatingMatrix train;
        IBatchSource? validationSource = null;
        string split;
        Bottleneck.Models.AutoencoderModel model;
        Bottleneck.Models.ModelConfig config;
        if (r.Explicit)
        {
            // a seeded share of the ratings held out; ids are those of the training part
            var isValidation = table.Rows.Select(_ => valSplit > 0 && rng.NextDouble() < valSplit).ToArray();
            var trainTable = Part(table, isValidation, false);
            train = RatingMatrix.From(trainTable);
            (config, model) = Build(s, r, train);
            if (isValidation.Any(v => v))
            {
                var validation = RatingMatrix.From(Part(table, isValidation, true), train.Users, train.Items);
                validationSource = RatingRows.For(model, train, validation);
                split = $"{train.Count} training ratings, {validation.Count} validation ratings ({validation.UnknownPairs} more name a user or item without training ratings and are left out)";
            }
            else split = $"{train.Count} training ratings, no validation";
        }
        else
        {
            var users = new IdIndex(table.Rows.Select(x => x.User));
            int heldOut = valSplit > 0 ? Math.Clamp((int)Math.Round(users.Count * valSplit), 1, users.Count - 1) : 0;
            var validationUsers = rng.Permutation(users.Count).Take(heldOut).Select(i => users.Ids[i]).ToHashSet(StringComparer.Ordinal);
            var isValidation = table.Rows.Select(x => validationUsers.Contains(x.User)).ToArray();
            train = RatingMatrix.From(Part(table, isValidation, false));
            (config, model) = Build(s, r, train);
            if (heldOut > 0)
            {
                var validationTable = Part(table, isValidation, true);
                var validation = RatingMatrix.From(validationTable, new IdIndex(validationTable.Rows.Select(x => x.User)), train.Items);
                validationSource = RatingRows.For(model, validation);
                split = $"{train.Users.Count} training users, {heldOut} validation users (their clicks scored as a whole: the validation loss)";
            }
            else split = $"{train.Users.Count} training users, no validation";
        }
        var kind = ModelRegistry.Get(kindName);
        var fit = kind.CreateFit(config, trainingOptions);
        var trainSource = RatingRows.For(model, train);
        if (trainingOptions.Optimizer == "rprop" && trainingOptions.BatchSize < trainSource.Count)
            Warn($"rprop uses the sign of the gradient and is meant for full batches: --batch-size {trainingOptions.BatchSize} is below the {trainSource.Count} training rows");

        Line($"data        {spec} ({table.Rows.Count} {(options.Implicit ? $"clicks, {table.Dropped} ratings below the threshold dropped" : "ratings")}, " +
             $"scale {Num(table.ScaleMin)}..{Num(table.ScaleMax)}{(options.ScaleMin is null ? " (observed)" : "")})");
        Line($"matrix      {train.Users.Count} users × {train.Items.Count} items; rows are {(r.ByItem ? "items" : "users")} ({trainSource.Count} × {trainSource.Width})");
        Line($"split       {split} (seed {s.Seed})");
        Line($"model       {config.Describe()}; {Output.Count(model.ParameterCount())} parameters");
        foreach (var (label, text) in fit.Describe()) Line($"{label,-11} {text}");
        Line($"backend     {Gemm.Describe()}");

        var progress = new LineProgress(this);
        var result = fit.Fit(model, trainSource, validationSource, new FitContext(progress, cancellation));
        if (result.Cancelled)
        {
            Error.WriteLine($"interrupted: --kind {kindName} writes no checkpoints; nothing was written (run the same command to start again)");
            return ExitCodes.Cancelled;
        }

        var saved = new SavedModel(model, new PreprocessorState(ScalingKind.None, new float[model.InputDim], Enumerable.Repeat(1f, model.InputDim).ToArray()),
            trainingOptions, result.History, null, spec.Resolved().ToString()) { DataFiles = spec.Files().Select(DataFileFingerprint.Of).ToArray() };
        var section = RatingsSection.Write(writer.Staging, train, table);
        ModelStore.Save(writer, section.AddTo(saved));
        writer.Commit();
        using var reported = CancellationScope.Install(CancellationToken.None);
        Console.WriteLine();
        if (result.History.Count > 0) Console.Write(Output.HistoryTable(result.History));
        if (test != null) Report(model, train, table, test, r.Explicit, s.Seed);
        Line($"model       written to {s.Out} ({ModelStore.WeightsFile}, {ModelStore.ConfigFile}, {RatingsSection.File})");
        return ExitCodes.Success;
    }

    /// <summary>Prints the test metrics (RMSE, or the ranking metrics) of a trained model.</summary>
    private void Report(Bottleneck.Models.AutoencoderModel model, RatingMatrix train, RatingsTable table, RatingsTable test, bool isExplicit, ulong seed)
    {
        if (isExplicit)
        {
            var rmse = RecommendationEvaluator.Rmse(model, train, test, table.ScaleMin, table.ScaleMax);
            Line($"test        {test.Source}: RMSE {Num(rmse.Rmse)} over {rmse.Pairs} ratings" +
                 (rmse.Fallbacks > 0 ? $" ({rmse.Fallbacks} name a user or item without training ratings: predicted {Num(rmse.Fallback)}, the scale's midpoint)" : ""));
        }
        else
        {
            var (report, knownUsers, newUsers, unknownItems) = ImplicitEvaluation.Run(model, train, test, seed);
            Line($"test        {test.Source}: NDCG@100 {Num(report.NdcgAt100)}, Recall@20 {Num(report.RecallAt20)}, Recall@50 {Num(report.RecallAt50)} " +
                 $"over {report.Users} users ({knownUsers} known users scored on their new clicks, {newUsers} new users folded in 80/20" +
                 (unknownItems > 0 ? $"; {unknownItems} clicks on items the model never saw left out" : "") + ")");
        }
    }

    /// <summary>Test ratings must lie on the training scale.</summary>
    private static void CheckScale(RatingsTable test, RatingsTable train)
    {
        foreach (var (row, line) in test.Rows.Select((x, k) => (x, k + 1)))
            if (row.Value < train.ScaleMin || row.Value > train.ScaleMax)
                throw new DataException($"{test.Source}, rating {line} (user {row.User}, item {row.Item}): {Num(row.Value)} is outside the training scale " +
                                        $"{Num(train.ScaleMin)}..{Num(train.ScaleMax)}; declare the scale with :scale=MIN..MAX", test.Source);
    }

    private static RatingsTable Part(RatingsTable table, bool[] isValidation, bool validation) =>
        RatingsTable.FromRows(table.Rows.Where((_, k) => isValidation[k] == validation), table.Options with { ImplicitThreshold = null }, table.Source);

    private static (Bottleneck.Models.ModelConfig, Bottleneck.Models.AutoencoderModel) Build(TrainSettings s, IRatingsSettings r, RatingMatrix train)
    {
        int width = r.ByItem ? train.Users.Count : train.Items.Count, rows = r.ByItem ? train.Items.Count : train.Users.Count;
        var config = s.Kind.Build(new KindData([width], false, s.Epochs, TrainingPurpose.Reconstruction) { Rows = rows });
        return (config, ModelRegistry.Create(config, new Rng(s.Seed)));
    }

    internal static string Num(double v) => v.ToString("0.####", CultureInfo.InvariantCulture);

    /// <summary>One line per finished epoch.</summary>
    private sealed class LineProgress(RecommendationTrainService service) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress p)
        {
            if (p.Completed is not { } c) return;
            service.Line($"epoch {c.Epoch}/{p.Epochs}  loss {Output.Num(c.TrainLoss)}" + (c.Terms is { Count: > 1 } t ? $" ({t})" : "") +
                         (c.ValidationLoss is double v ? $"  val {Output.Num(v)}" : "") + $"  {c.Seconds.ToString("0.0", CultureInfo.InvariantCulture)}s");
        }
    }
}
