using System.CommandLine;
using Bottleneck.Anomaly;
using Bottleneck.Cli.Kinds;
using Bottleneck.Cli.Services;
using Bottleneck.Data;
using Bottleneck.Models.Registry;
using Bottleneck.Training;

namespace Bottleneck.Cli.Commands;

/// <summary>Everything <c>bottleneck train</c> needs, mapped from the command line (named values; defaults as in <c>train --help</c>).</summary>
public sealed record TrainSettings
{
    /// <summary>Data SPEC of the training data (its train split).</summary>
    public string Data { get; init; } = "demo";
    /// <summary>The kind and its option values.</summary>
    public KindSettings Kind { get; init; } = new DenseBinder.Settings(DenseArchitecture.None);
    /// <summary>Passes over the training data.</summary>
    public int Epochs { get; init; } = 10;
    /// <summary>Samples per step.</summary>
    public int BatchSize { get; init; } = 128;
    /// <summary>Initial learning rate.</summary>
    public float LearningRate { get; init; } = 1e-3f;
    /// <summary>adam, adamw, sgd or rmsprop.</summary>
    public string Optimizer { get; init; } = "adam";
    /// <summary>Learning-rate schedule name.</summary>
    public string Schedule { get; init; } = "none";
    /// <summary>Optimizer weight decay.</summary>
    public float WeightDecay { get; init; }
    /// <summary>Global gradient-norm clip (0 = off).</summary>
    public float ClipNorm { get; init; }
    /// <summary>Fraction of the training data held out for validation; NaN = automatic (see <see cref="ResolveValSplit"/>).</summary>
    public double ValSplit { get; init; } = double.NaN;
    /// <summary>Early-stopping patience (0 = off).</summary>
    public int Patience { get; init; }
    /// <summary>Feature scaling, or null for the automatic choice (see <see cref="ResolveScale"/>).</summary>
    public ScalingKind? Scale { get; init; }
    /// <summary>Seed for the split, initialisation, shuffling and noise.</summary>
    public ulong Seed { get; init; }
    /// <summary>Model folder to write.</summary>
    public string Out { get; init; } = Path.Combine("runs", "model");
    /// <summary>Continue from <c>OUT/checkpoint</c> if present.</summary>
    public bool Resume { get; init; }
    /// <summary>Train only on the CSV rows whose label column holds this value (one-class anomaly detection); null = all rows.</summary>
    public NormalLabel? NormalOnly { get; init; }
    /// <summary>The training rows may contain anomalies: the unsupervised recipe of <see cref="AnomalyDefaults"/>, whose training
    /// values <see cref="TrainCommand.Bind"/> has already put wherever the user gave none.</summary>
    public bool Contaminated { get; init; }
    /// <summary><see cref="Contaminated"/> was not given but assumed: CSV rows, the dense kind with no architecture option, no
    /// <c>--normal-only</c> (see <see cref="TrainCommand.AssumesContamination"/>).</summary>
    public bool ContaminationAssumed { get; init; }
    /// <summary>Tabular-encoding options (<c>--categorical</c>, <c>--impute</c>, <c>--categorical-impute</c>), or null when none was given.</summary>
    public TabularOptions? Tabular { get; init; }
    /// <summary>Anomaly-threshold rule fitted on the training scores and saved (<see cref="Anomaly.Threshold.Parse"/> form); null = p99 for anomaly training, none otherwise.</summary>
    public string? Threshold { get; init; }
    /// <summary>Time-ordered split of a series: train on the windows up to this time (or fraction of the rows); null = the SPEC's until=, else every window.</summary>
    public string? TrainUntil { get; init; }
    /// <summary>Where to write the HTML report of the trained model (<c>--report FILE.html</c>), or null for none.</summary>
    public string? Report { get; init; }
    /// <summary>Folder for TensorBoard event files of the per-epoch losses, terms and learning rate; null = none.</summary>
    public string? TensorBoard { get; init; }
    /// <summary>Data-parallel training: "none" (default, one process) or "mpi" (every process started by mpirun is a rank).</summary>
    public string Distributed { get; init; } = "none";
    /// <summary>Train on csv:, parquet: or npy: data read from the file a chunk at a time (data larger than memory) through a shuffle
    /// buffer of <see cref="ShuffleBuffer"/> rows, rather than loaded into memory (<c>--stream</c>).</summary>
    public bool Stream { get; init; }
    /// <summary>Rows in the shuffle buffer of <c>--stream</c> (<c>--shuffle-buffer</c>, default 65,536).</summary>
    public int ShuffleBuffer { get; init; } = 65536;
    /// <summary>The ranks of a distributed run (set by the command from <see cref="Distributed"/>), or null for one process.</summary>
    public ICommunicator? Communicator { get; init; }

    /// <summary>The training options (validated by <see cref="TrainingOptions"/>; an invalid value names its option).</summary>
    /// <exception cref="ArgumentException">A value is out of range or unknown.</exception>
    public TrainingOptions ToTrainingOptions()
    {
        try { return new(Epochs, BatchSize, Optimizer, LearningRate, WeightDecay, Schedule, Patience, ClipNorm, Seed); }
        catch (ArgumentException e) when (e.ParamName is { } p && TrainingOption(p) is { } option)
        {
            throw new ArgumentException(KindSettings.NameTheOption(CliService.OneLine(e), p, option), e);
        }
    }

    private static string? TrainingOption(string parameter) => parameter switch
    {
        "epochs" => "--epochs",
        "batchSize" => "--batch-size",
        "optimizer" => "--optimizer",
        "learningRate" => "--lr",
        "weightDecay" => "--weight-decay",
        "schedule" => "--schedule",
        "patience" => "--patience",
        "clipNorm" => "--clip-norm",
        _ => null,
    };

    /// <summary>
    /// The validation fraction: <see cref="ValSplit"/> when given, else 0 when the data comes with its own test split and
    /// nothing needs a validation loss (no early stopping, no plateau schedule), so every training sample is trained on,
    /// else 0.1.
    /// </summary>
    public double ResolveValSplit(bool hasTestSplit) =>
        !double.IsNaN(ValSplit) ? ValSplit : hasTestSplit && Patience == 0 && Schedule != "plateau" ? 0.0 : 0.1;

    /// <summary>The scaling for data that is (or is not) image data and a model with likelihood <paramref name="output"/>: the given one,
    /// else none for images, else the likelihood's default (standardize for the Gaussians, min-max to [0, 1] otherwise).</summary>
    public ScalingKind ResolveScale(bool isImage, Models.Likelihood output) => Scale ?? (isImage ? ScalingKind.None : output.DefaultScaling);
}

/// <summary>The <c>train</c> command.</summary>
public static class TrainCommand
{
    /// <summary>Help text, with examples; the kinds are listed from the registry.</summary>
    public static string Description(IReadOnlyList<KindBinder> binders) =>
        "Train an autoencoder and save it as a model folder.\n\n" +
        "Loads the training split of --data, holds out --val-split of it for validation (seeded), fits the scaling on the\n" +
        "training part only, trains with a progress bar, checkpoints every epoch into OUT/checkpoint (Ctrl+C stops after the\n" +
        "current step; rerun with --resume to continue), then writes OUT (model.safetensors + config.json), prints the history\n" +
        "with each loss term and reconstruction metrics on the validation data (and the test split for demo/mnist), and for image\n" +
        "data writes OUT/reconstructions.png (originals above reconstructions).\n\n" +
        "Kinds (--kind KIND; an option of another kind is an error):\n" +
        string.Concat(binders.Select(b => $"  {b.Kind,-12}{b.Registration.Description}\n")) + "\n" +
        "Examples:\n" +
        "  bottleneck train                                   # demo glyphs, 784-512-128-32, 10 epochs, into runs/model\n" +
        "  bottleneck train --data mnist:data/mnist --hidden 1000,500,250 --latent 30 --epochs 20 --out runs/mnist\n" +
        "  bottleneck train --data csv:cardio.csv:label=y --hidden 16 --latent 4 --output linear-mse --patience 5\n" +
        "  bottleneck train --out runs/mnist --data mnist:data/mnist --resume   # continue an interrupted run\n" +
        "  bottleneck train --data csv:cardio.csv:label=label --normal-only label=0 --epochs 20 --out runs/cardio   # anomaly detection\n" +
        "  bottleneck train --data csv:cardio.csv:label=label --contaminated --out runs/cardio-u   # rows may include anomalies\n" +
        "  bottleneck train --kind denoising --noise mask:0.25 --out runs/dae\n" +
        "  bottleneck train --kind stacked --hidden 256,64 --pretrain-epochs 3 --pretrain-noise gaussian:0.3 --out runs/sdae\n" +
        "  bottleneck train --kind pca --components 30 --out runs/pca\n" +
        "  bottleneck train --kind autorec --data ratings:u1.base:scale=1..5 --test ratings:u1.test --optimizer rprop --lr 0.01 --batch-size 2000 --epochs 200 --out runs/autorec\n" +
        "  bottleneck train --kind mult-vae --data ratings:u.data:implicit=4 --val-split 0.1 --epochs 100 --batch-size 100 --out runs/ml-vae\n\n" +
        "Anomaly detection: --normal-only COLUMN=VALUE trains only on the CSV rows whose label column holds VALUE; --contaminated\n" +
        "trains on all rows, which may include anomalies, with the unsupervised recipe (bounded tanh output, batch norm, dropout,\n" +
        "short training, threshold contamination:0.1 on mean absolute errors; see docs/anomaly.md). With no flag at all on CSV rows\n" +
        "(dense kind, no architecture option, no --normal-only) --contaminated is assumed, and a line says so. CSV files with non-numeric\n" +
        "columns (or --categorical) are one-hot encoded and standardized by a tabular encoding fitted on the training rows and\n" +
        "saved with the model. Without --contaminated, when --hidden/--latent/--output are not given, the model is D-h-z-h-D\n" +
        "with h = clamp(ceil(D/2), 8, 256), z = clamp(round(D/8), 2, 32), linear-mse output. After training a threshold\n" +
        "(--threshold, default p99) is fitted on the scores of the training rows and saved, for 'bottleneck detect'.\n\n" +
        "--model KIND is the old name of --kind and still works for this release (it prints a deprecation line).";

    /// <summary>The train command's own options (the kinds' options come from their binders).</summary>
    internal sealed class Options
    {
        public Option<string> Data { get; } = CliOptions.Text("--data", "SPEC", $"Training data: {CliOptions.SpecHelp}", "demo");
        public Option<string> Decimal { get; } = DecimalOption.Create();
        public Option<string> Kind { get; } = CliOptions.Text("--kind", "KIND", $"Model kind: {string.Join(", ", ModelRegistry.All.Select(k => k.Name))}", "dense");
        public Option<string?> Model { get; } = new("--model") { Description = "Deprecated name of --kind", HelpName = "KIND", Hidden = true };
        public Option<int> Epochs { get; } = CliOptions.Value("--epochs", "N", "Passes over the training data (aae: 20 unless given)", 10);
        public Option<int> BatchSize { get; } = CliOptions.Value("--batch-size", "N", "Samples per optimizer step", 128);
        public Option<float> Lr { get; } = CliOptions.Value("--lr", "X", "Initial learning rate", 1e-3f);
        public Option<string> Optimizer { get; } = CliOptions.Choice("--optimizer", "Optimizer: adam, adamw, sgd (momentum 0.9), rmsprop, rprop (full batch: --batch-size at least the rows; autorec)",
            "adam", [.. TrainingOptions.OptimizerNames]);
        public Option<string> Schedule { get; } = CliOptions.Choice("--schedule",
            "Learning-rate schedule: none, step (x0.5 every epochs/3), exponential (x0.95 per epoch), cosine, warmup (linear over 5 epochs), plateau (x0.5 after 3 epochs without improvement)",
            "none", [.. TrainingOptions.ScheduleNames]);
        public Option<float> WeightDecay { get; } = CliOptions.Value("--weight-decay", "X", "Optimizer weight decay (decoupled for adamw)", 0f);
        public Option<float> ClipNorm { get; } = CliOptions.Value("--clip-norm", "X", "Clip the global gradient L2 norm to this value; 0 = off", 0f);
        public Option<double> ValSplit { get; } = CliOptions.Value("--val-split", "X",
            "Fraction of the training data held out for validation, in [0,1). Default: 0 when the data has its own test split " +
            "(demo, mnist) and neither --patience nor --schedule plateau needs a validation loss, else 0.1", 0.1);
        public Option<int> Patience { get; } = CliOptions.Value("--patience", "N", "Early stopping: stop after N epochs without a better validation loss and keep the best weights; 0 = off", 0);
        public Option<string> Scale { get; } = CliOptions.Choice("--scale",
            "Feature scaling fitted on the training part: none, minmax, standardize, robust (median and IQR/1.349 per feature; flat rows in memory). auto = none for image data (demo, mnist: already in [0,1]), otherwise the output's: standardize for linear-mse and gaussian-nll, minmax for the others",
            "auto", "auto", "none", "minmax", "standardize", "robust");
        public Option<ulong> Seed { get; } = CliOptions.Value("--seed", "N", "Seed for the validation split, initialisation, shuffling and noise", 0UL);
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

        public Option<string?> TrainUntil { get; } = CliOptions.Optional("--train-until", "TIME|FRACTION",
            "series: data only: train on the windows that end at or before this time of the time column (or this fraction of the rows, e.g. 0.5); " +
            "the later windows are never trained on (the same as the SPEC's :until=)");

        public Option<string?> Report { get; } = CliOptions.Optional("--report", "FILE.html",
            "After training, write the model's self-contained HTML report here (as 'bottleneck report' with the training data; outside the model folder)");
        public Option<string> Distributed { get; } = CliOptions.Choice("--distributed",
            "Data-parallel training: none (one process) or mpi (launch with 'mpirun -np N bottleneck train --distributed mpi ...': " +
            "each rank takes its part of every batch of --batch-size samples, gradients are summed over the ranks, rank 0 alone prints and writes)",
            "none", "none", "mpi");
        public Option<string?> TensorBoard { get; } = CliOptions.Optional("--tensorboard", "DIR",
            "Also write every epoch's losses, loss terms, validation loss and learning rate as TensorBoard event files in DIR (tensorboard --logdir DIR)");

        public Option<bool> Stream { get; } = CliOptions.Flag("--stream",
            "Train on csv:, parquet: or npy: data larger than memory: read the file a chunk at a time every epoch through a shuffle buffer of " +
            "--shuffle-buffer rows (not a full shuffle: a row moves forward by less than the buffer), validate on every k-th row (k = 1/--val-split), " +
            "fit the scaling and the threshold in streamed passes (dense rows; docs/scale.md)");
        public Option<int> ShuffleBuffer { get; } = CliOptions.Value("--shuffle-buffer", "N",
            "With --stream: rows in the shuffle buffer (memory N x D x 4 bytes); 1 = file order", 65536);

        public IReadOnlyList<Option> Before => [Data, Kind, Model];

        public IReadOnlyList<Option> After => [Epochs, BatchSize, Lr, Optimizer, Schedule, WeightDecay, ClipNorm, ValSplit, Patience, Scale, Seed, Out, Resume,
            NormalOnly, Contaminated, Categorical, Impute, CategoricalImpute, Threshold, TrainUntil, Report, Decimal, TensorBoard, Distributed,
            Stream, ShuffleBuffer];

        private static Option<string?> NormalOnlyOption()
        {
            var o = CliOptions.Optional("--normal-only", "COLUMN=VALUE",
                "Anomaly detection: train only on the CSV rows whose label column COLUMN holds VALUE (e.g. label=0, label=normal.); " +
                "the column is the SPEC's label column or becomes it");
            o.Validators.Add(r =>
            {
                try { if (r.GetValueOrDefault<string?>() is { } v) NormalLabel.Parse(v); }
                catch (ArgumentException e) { r.AddError(e.Message); }
            });
            return o;
        }
    }

    /// <summary>The option objects and binders of a train command.</summary>
    private sealed record Parts(Options Options, IReadOnlyList<KindBinder> Binders);

    /// <summary>Creates the command; its action runs a <see cref="TrainService"/> on <paramref name="env"/>.</summary>
    public static Command Create(CliEnvironment env)
    {
        var binders = KindBinders.Create();
        var o = new Options();
        var command = new Command("train", Description(binders));
        foreach (var option in o.Before) command.Add(option);
        foreach (var option in binders.SelectMany(b => b.Options).Distinct()) command.Add(option);
        foreach (var option in o.After) command.Add(option);
        command.Validators.Add(r => CheckKindOptions(r, o, binders));
        CommandParts.Attach(command, new Parts(o, binders));
        command.SetAction((ParseResult r, CancellationToken ct) =>
        {
            if (r.GetValue(o.Model) is { } old)
                env.Error.WriteLine($"warning: 'train --model {old}' is deprecated and will be removed in the next release: use --kind {old} " +
                                    "(--model names a model folder in every other command)");
            var settings = Bind(r);
            if (settings.Distributed == "mpi") return Task.FromResult(DistributedTrain.RunMpi(env, settings, Cli.IsVerbose(r, env), ct));
            return Task.FromResult(new TrainService(env.Console, env.Error, Cli.IsVerbose(r, env)).Run(settings, ct));
        });
        return command;
    }

    /// <summary>The kind named by <c>--kind</c> (or the deprecated <c>--model</c>).</summary>
    private static string KindName(Func<Option<string?>, string?> model, Func<Option<string>, string?> kind, Options o) =>
        (model(o.Model) ?? kind(o.Kind) ?? "dense").Trim().ToLowerInvariant();

    /// <summary>Parse-time checks: a known kind that the CLI can train, --kind and --model not both given, and no option of another kind.</summary>
    private static void CheckKindOptions(System.CommandLine.Parsing.CommandResult r, Options o, IReadOnlyList<KindBinder> binders)
    {
        if (r.GetResult(o.Model) is { Implicit: false } && r.GetResult(o.Kind) is { Implicit: false })
        {
            r.AddError("--model is the old name of --kind: give only --kind");
            return;
        }
        string kind = KindName(m => r.GetValue(m), k => r.GetValue(k), o);
        var binder = binders.FirstOrDefault(b => b.Kind == kind);
        if (binder is null)
        {
            r.AddError(ModelRegistry.All.Any(k => k.Name == kind)
                ? $"model kind '{kind}' cannot be trained from the command line yet"
                : $"unknown model kind '{kind}'; known kinds: {string.Join(", ", binders.Select(b => b.Kind))}");
            return;
        }
        var own = binder.Options.ToHashSet();
        foreach (var option in binders.SelectMany(b => b.Options).Distinct())
        {
            if (own.Contains(option) || r.GetResult(option) is not { Implicit: false }) continue;
            var owners = binders.Where(b => b.Options.Contains(option)).Select(b => b.Kind);
            r.AddError($"{option.Name} applies to --kind {string.Join(", ", owners)}, not --kind {kind}");
            return;
        }
    }

    /// <summary>Maps a parse result of a train command made by <see cref="Create"/> to <see cref="TrainSettings"/>, through its typed options.</summary>
    /// <exception cref="ArgumentException">The parse result is not of a train command made by <see cref="Create"/>.</exception>
    public static TrainSettings Bind(ParseResult r)
    {
        var (o, binders) = CommandParts.Of<Parts>(r);
        string kind = KindName(m => r.GetValue(m), k => r.GetValue(k), o);
        var binder = binders.First(b => b.Kind == kind);
        string scale = r.GetValue(o.Scale)!;
        var kindSettings = binder.Bind(r);
        var s = new TrainSettings
        {
            Data = DecimalOption.Apply(r.GetValue(o.Data)!, r.GetValue(o.Decimal)),
            Kind = kindSettings,
            Epochs = KindBinder.IsGiven(r, o.Epochs) ? r.GetValue(o.Epochs) : kindSettings.DefaultEpochs ?? r.GetValue(o.Epochs),
            BatchSize = r.GetValue(o.BatchSize),
            LearningRate = r.GetValue(o.Lr),
            Optimizer = r.GetValue(o.Optimizer)!.ToLowerInvariant(),
            Schedule = (KindBinder.IsGiven(r, o.Schedule) ? r.GetValue(o.Schedule)! : kindSettings.DefaultSchedule ?? r.GetValue(o.Schedule)!).ToLowerInvariant(),
            WeightDecay = r.GetValue(o.WeightDecay),
            ClipNorm = r.GetValue(o.ClipNorm),
            ValSplit = KindBinder.IsGiven(r, o.ValSplit) ? r.GetValue(o.ValSplit) : double.NaN,
            Patience = r.GetValue(o.Patience),
            Scale = scale.Equals("auto", StringComparison.OrdinalIgnoreCase) ? null : Preprocessor.ParseKind(scale),
            Seed = r.GetValue(o.Seed),
            Out = r.GetValue(o.Out)!,
            Resume = r.GetValue(o.Resume),
            NormalOnly = r.GetValue(o.NormalOnly) is { } n ? NormalLabel.Parse(n) : null,
            Contaminated = r.GetValue(o.Contaminated),
            Tabular = BindTabular(r, o),
            Threshold = r.GetValue(o.Threshold),
            TrainUntil = r.GetValue(o.TrainUntil),
            Report = r.GetValue(o.Report),
            TensorBoard = r.GetValue(o.TensorBoard),
            Distributed = r.GetValue(o.Distributed)!.ToLowerInvariant(),
            Stream = r.GetValue(o.Stream),
            ShuffleBuffer = r.GetValue(o.ShuffleBuffer),
        };
        if (!s.Contaminated && AssumesContamination(s)) s = s with { Contaminated = true, ContaminationAssumed = true };
        if (!s.Contaminated && s.NormalOnly == null && s.Kind.AssumesContaminatedRows) s = s with { Contaminated = true };
        if (!s.Contaminated) return s;
        // The unsupervised recipe's training values wherever the user gave none (its architecture is the kind's, by purpose).
        return s with
        {
            Epochs = KindBinder.IsGiven(r, o.Epochs) ? s.Epochs : AnomalyDefaults.UnsupervisedEpochs,
            BatchSize = KindBinder.IsGiven(r, o.BatchSize) ? s.BatchSize : AnomalyDefaults.UnsupervisedBatchSize,
            WeightDecay = KindBinder.IsGiven(r, o.WeightDecay) ? s.WeightDecay : AnomalyDefaults.UnsupervisedWeightDecay,
            ValSplit = KindBinder.IsGiven(r, o.ValSplit) ? s.ValSplit : 0.0,   // as PyOD: every row trains and the threshold sees them all
            Threshold = s.Threshold ?? AnomalyDefaults.UnsupervisedThreshold,
        };
    }

    /// <summary>
    /// Whether <c>train</c> assumes the training rows may contain anomalies although <c>--contaminated</c> was not given: rows of a
    /// <c>csv:</c> SPEC, the dense kind with no architecture option (<c>--hidden</c>, <c>--latent</c>, <c>--output</c>, …), no
    /// <c>--normal-only</c> and no <c>--threshold f1</c>. Nothing is then known about the rows, and an autoencoder trained to
    /// convergence on rows that hold anomalies learns them too (issue 17: mean ROC-AUC 0.51 over ten ODDS/ADBench sets, four below
    /// chance); the unsupervised recipe is the benchmark's best path for them (docs/anomaly.md). An architecture option, another
    /// kind or a non-CSV SPEC keeps the plain reconstruction defaults.
    /// </summary>
    internal static bool AssumesContamination(TrainSettings s)
    {
        if (s.NormalOnly != null || s.Kind is not DenseBinder.Settings { Architecture: var a } || a != DenseArchitecture.None) return false;
        if (s.Threshold is { } t && t.Trim().Equals("f1", StringComparison.OrdinalIgnoreCase)) return false;
        try { return DataSpec.Parse(s.Data).Kind == DataKind.Csv; }
        catch (Exception e) when (e is DataException or ArgumentException or FormatException) { return false; }   // the service reports it
    }

    private static TabularOptions? BindTabular(ParseResult r, Options o)
    {
        string cat = r.GetValue(o.Categorical) ?? "none";
        string[] columns = cat.Trim().Equals("none", StringComparison.OrdinalIgnoreCase) ? []
            : cat.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var impute = ParseImpute(r.GetValue(o.Impute)!);
        var catImpute = ParseCategoricalImpute(r.GetValue(o.CategoricalImpute)!);
        return columns.Length == 0 && impute == NumericImpute.None && catImpute == Data.CategoricalImpute.None
            ? null : new TabularOptions(Categorical: columns.Length > 0 ? columns : null, Impute: impute, CategoricalImpute: catImpute);
    }

    private static NumericImpute ParseImpute(string name) => name.Trim().ToLowerInvariant() switch
    {
        "mean" => NumericImpute.Mean,
        "median" => NumericImpute.Median,
        _ => NumericImpute.None,
    };

    private static CategoricalImpute ParseCategoricalImpute(string name) => name.Trim().ToLowerInvariant() switch
    {
        "most-frequent" => Data.CategoricalImpute.MostFrequent,
        "missing" => Data.CategoricalImpute.Missing,
        _ => Data.CategoricalImpute.None,
    };
}
