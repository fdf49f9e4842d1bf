using System.CommandLine;
using Bottleneck.Anomaly;
using Bottleneck.Cli.Services;
using Bottleneck.Models;
using ActivationKind = Bottleneck.NN.Activation;
using Bottleneck.Data;
using Bottleneck.ModelFiles;
using Bottleneck.Training;

namespace Bottleneck.Cli.Commands;

/// <summary>Everything <c>bottleneck train</c> needs, mapped from the command line.</summary>
/// <param name="Data">Data SPEC of the training data (its train split).</param>
/// <param name="Model">Model kind name (registry).</param>
/// <param name="Architecture">Architecture values.</param>
/// <param name="Epochs">Passes over the training data.</param>
/// <param name="BatchSize">Samples per step.</param>
/// <param name="LearningRate">Initial learning rate.</param>
/// <param name="Optimizer">adam, adamw, sgd or rmsprop.</param>
/// <param name="Schedule">Learning-rate schedule name.</param>
/// <param name="WeightDecay">Optimizer weight decay.</param>
/// <param name="ClipNorm">Global gradient-norm clip (0 = off).</param>
/// <param name="ValSplit">Fraction of the training data held out for validation; NaN = automatic (see <see cref="TrainSettings.ResolveValSplit"/>).</param>
/// <param name="Patience">Early-stopping patience (0 = off).</param>
/// <param name="Scale">Feature scaling, or null for the automatic choice (none for images, else minmax, or standardize with linear-mse).</param>
/// <param name="Seed">Seed for the split, initialisation, shuffling and dropout.</param>
/// <param name="Out">Model folder to write.</param>
/// <param name="Resume">Continue from <c>OUT/checkpoint</c> if present.</param>
/// <param name="NormalOnly">Train only on the CSV rows whose label column holds this value (one-class anomaly detection); null = all rows.</param>
/// <param name="Tabular">Tabular-encoding options (<c>--categorical</c>, <c>--impute</c>, <c>--categorical-impute</c>), or null when none was given.</param>
/// <param name="Threshold">Anomaly-threshold rule fitted on the training scores and saved with the model (<see cref="Anomaly.Threshold.Parse"/>
/// form); null = p99 for anomaly training, no threshold otherwise.</param>
/// <param name="HiddenGiven">Whether <c>--hidden</c> was given (otherwise anomaly training uses the default-architecture rule).</param>
/// <param name="LatentGiven">Whether <c>--latent</c> was given.</param>
/// <param name="OutputGiven">Whether <c>--output</c> was given (otherwise anomaly training uses linear-mse).</param>
/// <param name="Contaminated">The training rows may contain anomalies (<c>--contaminated</c>): anomaly training with the unsupervised
/// recipe of <see cref="AnomalyDefaults"/>, whose values <see cref="TrainCommand.Bind"/> has already put into the other settings
/// wherever the user gave none, and a threshold scored by the recipe's error.</param>
public sealed record TrainSettings(string Data, string Model, ArchitectureSettings Architecture, int Epochs, int BatchSize,
    float LearningRate, string Optimizer, string Schedule, float WeightDecay, float ClipNorm, double ValSplit, int Patience,
    ScalingKind? Scale, ulong Seed, string Out, bool Resume, NormalLabel? NormalOnly = null, TabularSettings? Tabular = null,
    string? Threshold = null, bool HiddenGiven = false, bool LatentGiven = false, bool OutputGiven = false, bool Contaminated = false)
{
    /// <summary>The defaults of <c>bottleneck train</c> with no options.</summary>
    public static TrainSettings Default { get; } = new("demo", "dense", ArchitectureSettings.Default, 10, 128, 1e-3f, "adam", "none",
        0f, 0f, double.NaN, 0, null, 0, Path.Combine("runs", "model"), false);

    /// <summary>The training options (validated by <see cref="TrainingOptions"/>).</summary>
    public TrainingOptions ToTrainingOptions() =>
        new(Epochs, BatchSize, Optimizer, LearningRate, WeightDecay, Schedule, Patience, ClipNorm, Seed);

    /// <summary>
    /// The validation fraction: <see cref="ValSplit"/> when given, else 0 when the data comes with its own test split and
    /// nothing needs a validation loss (no early stopping, no plateau schedule), so every training sample is trained on,
    /// else 0.1.
    /// </summary>
    public double ResolveValSplit(bool hasTestSplit) =>
        !double.IsNaN(ValSplit) ? ValSplit : hasTestSplit && Patience == 0 && Schedule != "plateau" ? 0.0 : 0.1;

    /// <summary>The scaling to use for data that is (or is not) image data.</summary>
    public ScalingKind ResolveScale(bool isImage) => Scale ?? (isImage ? ScalingKind.None
        : Architecture.Output == Models.Reconstruction.LinearMse ? ScalingKind.Standardize : ScalingKind.MinMax);
}

/// <summary>How a tabular CSV (non-numeric columns) is encoded before training (<see cref="TabularEncoder"/>).</summary>
/// <param name="Categorical">Columns one-hot encoded even if their values are numbers.</param>
/// <param name="Impute">Missing numeric values: none (an error naming row and column), mean or median of the training rows.</param>
/// <param name="CategoricalImpute">Missing categorical values: none (an error), the most frequent training category, or a category of its own.</param>
public sealed record TabularSettings(IReadOnlyList<string> Categorical, NumericImpute Impute, CategoricalImpute CategoricalImpute)
{
    /// <summary>The encoder options for a file whose label column is <paramref name="labelColumn"/>.</summary>
    public TabularOptions ToOptions(string? labelColumn) =>
        new(LabelColumn: labelColumn, Categorical: Categorical.Count > 0 ? [.. Categorical] : null, Impute: Impute, CategoricalImpute: CategoricalImpute);

    /// <inheritdoc/>
    public bool Equals(TabularSettings? other) => other is not null && Categorical.SequenceEqual(other.Categorical)
        && Impute == other.Impute && CategoricalImpute == other.CategoricalImpute;

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(string.Join(",", Categorical), Impute, CategoricalImpute);

    /// <summary>Parses an <c>--impute</c> value: none, mean or median.</summary>
    /// <exception cref="ArgumentException">Unknown name.</exception>
    public static NumericImpute ParseImpute(string name) => name?.Trim().ToLowerInvariant() switch
    {
        "none" => NumericImpute.None,
        "mean" => NumericImpute.Mean,
        "median" => NumericImpute.Median,
        _ => throw new ArgumentException($"--impute must be one of none, mean, median; got \"{name}\""),
    };

    /// <summary>Parses a <c>--categorical-impute</c> value: none, most-frequent or missing.</summary>
    /// <exception cref="ArgumentException">Unknown name.</exception>
    public static CategoricalImpute ParseCategoricalImpute(string name) => name?.Trim().ToLowerInvariant() switch
    {
        "none" => CategoricalImpute.None,
        "most-frequent" => CategoricalImpute.MostFrequent,
        "missing" => CategoricalImpute.Missing,
        _ => throw new ArgumentException($"--categorical-impute must be one of none, most-frequent, missing; got \"{name}\""),
    };
}

/// <summary>The <c>train</c> command.</summary>
public static class TrainCommand
{
    /// <summary>Help text, with examples.</summary>
    public const string Description =
        "Train an autoencoder and save it as a model folder.\n\n" +
        "Loads the training split of --data, holds out --val-split of it for validation (seeded), fits the scaling on the\n" +
        "training part only, trains with a progress bar, checkpoints every epoch into OUT/checkpoint (Ctrl+C stops after the\n" +
        "current step; rerun with --resume to continue), then writes OUT (model.safetensors + config.json), prints the history\n" +
        "and reconstruction metrics on the validation data (and the test split for demo/mnist), and for image data writes\n" +
        "OUT/reconstructions.png (originals above reconstructions).\n\n" +
        "Regularized kinds: sparse (--sparsity kl|l1, --sparsity-target, --sparsity-weight), denoising (--noise, default\n" +
        "gaussian:0.5), contractive (--contractive-weight, --contractive-method), stacked (--pretrain-epochs, --pretrain-noise;\n" +
        "greedy layer-wise pretraining, then --epochs of fine-tuning), linear, and pca (--components; fitted in closed form, no\n" +
        "epochs; prints the explained variance). An option of another kind is an error.\n\n" +
        "Examples:\n" +
        "  bottleneck train                                   # demo glyphs, 784-512-128-32, 10 epochs, into runs/model\n" +
        "  bottleneck train --data mnist:data/mnist --hidden 1000,500,250 --latent 30 --epochs 20 --out runs/mnist\n" +
        "  bottleneck train --data csv:cardio.csv:label=y --hidden 16 --latent 4 --output linear-mse --patience 5\n" +
        "  bottleneck train --out runs/mnist --data mnist:data/mnist --resume   # continue an interrupted run\n" +
        "  bottleneck train --data csv:cardio.csv:label=label --normal-only label=0 --epochs 20 --out runs/cardio   # anomaly detection\n" +
        "  bottleneck train --data csv:cardio.csv:label=label --contaminated --out runs/cardio-u   # rows may include anomalies\n" +
        "  bottleneck train --model denoising --noise mask:0.25 --out runs/dae\n" +
        "  bottleneck train --model stacked --hidden 256,64 --pretrain-epochs 3 --pretrain-noise gaussian:0.3 --out runs/sdae\n" +
        "  bottleneck train --model pca --components 30 --out runs/pca\n\n" +
        "Anomaly detection: --normal-only COLUMN=VALUE trains only on the CSV rows whose label column holds VALUE; --contaminated\n" +
        "trains on all rows, which may include anomalies, with the unsupervised recipe (bounded tanh output, batch norm, dropout,\n" +
        "short training, threshold contamination:0.1 on mean absolute errors; see docs/anomaly.md). CSV files with non-numeric\n" +
        "columns (or --categorical) are one-hot encoded and standardized by a tabular encoding fitted on the training rows and\n" +
        "saved with the model. Without --contaminated, when --hidden/--latent/--output are not given, the model is D-h-z-h-D\n" +
        "with h = clamp(ceil(D/2), 8, 256), z = clamp(round(D/8), 2, 32), linear-mse output. After training a threshold\n" +
        "(--threshold, default p99) is fitted on the scores of the training rows and saved, for 'bottleneck detect'.";

    private sealed class Options
    {
        public Option<string> Data { get; } = CliOptions.Text("--data", "SPEC", $"Training data: {CliOptions.SpecHelp}", "demo");
        public ModelOptions Model { get; } = new();
        public Option<int> Epochs { get; } = CliOptions.Int("--epochs", "Passes over the training data", 10, 1);
        public Option<int> BatchSize { get; } = CliOptions.Int("--batch-size", "Samples per optimizer step", 128, 1);
        public Option<float> Lr { get; } = CliOptions.Float("--lr", "Initial learning rate", 1e-3f, 0f, minExclusive: true);
        public Option<string> Optimizer { get; } = CliOptions.Choice("--optimizer", "Optimizer: adam, adamw, sgd (momentum 0.9), rmsprop",
            "adam", TrainingOptions.OptimizerNames);
        public Option<string> Schedule { get; } = CliOptions.Choice("--schedule",
            "Learning-rate schedule: none, step (x0.5 every epochs/3), exponential (x0.95 per epoch), cosine, warmup (linear over 5 epochs), plateau (x0.5 after 3 epochs without improvement)",
            "none", TrainingOptions.ScheduleNames);
        public Option<float> WeightDecay { get; } = CliOptions.Float("--weight-decay", "Optimizer weight decay (decoupled for adamw)", 0f, 0f);
        public Option<float> ClipNorm { get; } = CliOptions.Float("--clip-norm", "Clip the global gradient L2 norm to this value; 0 = off", 0f, 0f);
        public Option<double> ValSplit { get; } = CliOptions.Fraction("--val-split",
            "Fraction of the training data held out for validation, in [0,1). Default: 0 when the data has its own test split " +
            "(demo, mnist) and neither --patience nor --schedule plateau needs a validation loss, else 0.1", 0.1);
        public Option<int> Patience { get; } = CliOptions.Int("--patience", "Early stopping: stop after N epochs without a better validation loss and keep the best weights; 0 = off", 0, 0);
        public Option<string> Scale { get; } = CliOptions.Choice("--scale",
            "Feature scaling fitted on the training part: none, minmax, standardize. auto = none for image data (demo, mnist: already in [0,1]), otherwise minmax, or standardize with --output linear-mse",
            "auto", "auto", "none", "minmax", "standardize");
        public Option<ulong> Seed { get; } = new("--seed") { Description = "Seed for the validation split, initialisation, shuffling and dropout", DefaultValueFactory = _ => 0UL, HelpName = "N" };
        public Option<string> Out { get; } = CliOptions.Text("--out", "DIR", "Model folder to write (created; files replaced)", Path.Combine("runs", "model"));
        public Option<bool> Resume { get; } = CliOptions.Flag("--resume", "Continue from the checkpoint in OUT/checkpoint (same data and options)");
        public Option<string?> NormalOnly { get; } = NormalOnlyOption();
        public Option<bool> Contaminated { get; } = CliOptions.Flag("--contaminated",
            "The training rows may contain anomalies (unsupervised detection): train on all of them with the unsupervised recipe (D-64-32-64-D, " +
            "batch norm, dropout 0.2, relu code, tanh output on standardized data, 10 epochs of batch 32, weight decay 1e-5, no validation split; " +
            "--hidden, --latent, --latent-activation, --output, --dropout, --scale, --epochs, --batch-size, --weight-decay and --val-split replace " +
            "their part) and fit the threshold (default contamination:0.1) on mean-absolute-error scores");
        public Option<string> Categorical { get; } = CliOptions.Text("--categorical", "COL1,COL2,...",
            "CSV columns to one-hot encode even if their values are numbers (columns with non-numeric values always are); none = only those", "none");
        public Option<string> Impute { get; } = CliOptions.Choice("--impute",
            "Missing numeric CSV values: none (error naming row and column), mean or median of the training rows", "none", "none", "mean", "median");
        public Option<string> CategoricalImpute { get; } = CliOptions.Choice("--categorical-impute",
            "Missing categorical CSV values: none (error naming row and column), most-frequent (training category), missing (a category of its own)",
            "none", "none", "most-frequent", "missing");
        public Option<string?> Threshold { get; } = CliOptions.ThresholdRule("--threshold",
            "Anomaly threshold fitted on the training rows' scores after training and saved with the model: pQ (e.g. p99), mean+Ksd, " +
            "contamination:C, f1 (best F1 on the whole labelled file, anomalies included), or a number. Default: p99 when training with " +
            "--normal-only or on tabular CSV, else none");

        public IEnumerable<Option> All => [Data, .. Model.All, Epochs, BatchSize, Lr, Optimizer, Schedule, WeightDecay, ClipNorm, ValSplit, Patience, Scale, Seed, Out, Resume,
            NormalOnly, Contaminated, Categorical, Impute, CategoricalImpute, Threshold];

        private static Option<string?> NormalOnlyOption()
        {
            var o = CliOptions.Optional("--normal-only", "COLUMN=VALUE",
                "Anomaly detection: train only on the CSV rows whose label column COLUMN holds VALUE (e.g. label=0, label=normal.); " +
                "the column is the SPEC's label column or becomes it");
            o.Validators.Add(r =>
            {
                try { NormalLabel.Parse(r.GetValueOrDefault<string?>() ?? ""); }
                catch (ArgumentException e) { r.AddError(e.Message); }
            });
            return o;
        }
    }

    /// <summary>Creates the command; its action runs a <see cref="TrainService"/> on <paramref name="env"/>.</summary>
    public static Command Create(CliEnvironment env)
    {
        var o = new Options();
        var command = new Command("train", Description);
        foreach (var option in o.All) command.Add(option);
        command.SetAction((ParseResult r, CancellationToken ct) =>
            Task.FromResult(new TrainService(env.Console, env.Error, Cli.IsVerbose(r, env)).Run(Bind(r), ct)));
        return command;
    }

    /// <summary>Maps a parse result of a train command to <see cref="TrainSettings"/> (options are looked up by name).</summary>
    /// <exception cref="ArgumentException">A value cannot be mapped (e.g. an unknown scaling name).</exception>
    public static TrainSettings Bind(ParseResult r)
    {
        T V<T>(string name) => r.GetValue<T>(name)!;
        string scale = V<string>("--scale");
        var settings = new TrainSettings(V<string>("--data"), V<string>("--model"), ModelOptions.Bind(r), V<int>("--epochs"), V<int>("--batch-size"),
            V<float>("--lr"), V<string>("--optimizer").ToLowerInvariant(), V<string>("--schedule").ToLowerInvariant(), V<float>("--weight-decay"),
            V<float>("--clip-norm"), Given(r, "--val-split") ? V<double>("--val-split") : double.NaN, V<int>("--patience"),
            scale.Equals("auto", StringComparison.OrdinalIgnoreCase) ? null : Preprocessor.ParseKind(scale),
            V<ulong>("--seed"), V<string>("--out"), V<bool>("--resume"),
            r.GetValue<string?>("--normal-only") is { } n ? NormalLabel.Parse(n) : null,
            BindTabular(r), r.GetValue<string?>("--threshold"),
            Given(r, "--hidden"), Given(r, "--latent"), Given(r, "--output"), V<bool>("--contaminated"));
        return settings.Contaminated ? WithUnsupervisedRecipe(settings, name => Given(r, name)) : settings;
    }

    /// <summary>
    /// Fills in the unsupervised recipe of <see cref="AnomalyDefaults"/> (D-64-32-64-D, ReLU code, batch norm, dropout 0.2, tanh
    /// output, 10 epochs of batch 32, weight decay 1e-5, no validation split, threshold contamination:0.1) for every one of those
    /// options the user did not give; batch norm is always on. <see cref="TrainService"/> standardizes the data unless --scale is
    /// given (tabular CSVs keep their encoding's standardization).
    /// </summary>
    /// <remarks>Settings that conflict with the recipe (--normal-only, a --model other than dense) are returned unchanged, for
    /// <see cref="TrainService"/> to report as a usage error.</remarks>
    internal static TrainSettings WithUnsupervisedRecipe(TrainSettings s, Func<string, bool> given)
    {
        if (s.NormalOnly != null || !s.Model.Equals("dense", StringComparison.OrdinalIgnoreCase)) return s;   // TrainService reports the conflict
        var a = s.Architecture;
        a = a with
        {
            Hidden = given("--hidden") ? a.Hidden : [AnomalyDefaults.UnsupervisedHidden],
            Latent = given("--latent") ? a.Latent : AnomalyDefaults.UnsupervisedLatent,
            Output = given("--output") ? a.Output : Reconstruction.TanhMse,
            Dropout = given("--dropout") ? a.Dropout : AnomalyDefaults.UnsupervisedDropout,
            BatchNorm = true,   // a flag cannot be given as off

            Regularized = a.Regularized with { LatentActivation = a.Regularized.LatentActivation ?? ActivationKind.Relu },
        };
        return s with
        {
            Architecture = a,
            Epochs = given("--epochs") ? s.Epochs : AnomalyDefaults.UnsupervisedEpochs,
            BatchSize = given("--batch-size") ? s.BatchSize : AnomalyDefaults.UnsupervisedBatchSize,
            WeightDecay = given("--weight-decay") ? s.WeightDecay : AnomalyDefaults.UnsupervisedWeightDecay,
            ValSplit = given("--val-split") ? s.ValSplit : 0.0,   // as PyOD: every row trains and the threshold sees them all
            Threshold = s.Threshold ?? AnomalyDefaults.UnsupervisedThreshold,
            HiddenGiven = true, LatentGiven = true, OutputGiven = true,   // the recipe, not the default-architecture rule
        };
    }

    /// <summary>Whether an option was typed on the command line (not just defaulted).</summary>
    private static bool Given(ParseResult r, string name) => r.GetResult(name) is System.CommandLine.Parsing.OptionResult { Implicit: false };

    private static TabularSettings? BindTabular(ParseResult r)
    {
        string cat = r.GetValue<string>("--categorical") ?? "none";
        var columns = cat.Trim().Equals("none", StringComparison.OrdinalIgnoreCase) ? []
            : cat.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var impute = TabularSettings.ParseImpute(r.GetValue<string>("--impute")!);
        var catImpute = TabularSettings.ParseCategoricalImpute(r.GetValue<string>("--categorical-impute")!);
        return columns.Length == 0 && impute == NumericImpute.None && catImpute == Bottleneck.Data.CategoricalImpute.None
            ? null : new TabularSettings(columns, impute, catImpute);
    }
}
