using System.CommandLine;
using Bottleneck.Cli.Services;
using Bottleneck.Data;
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
/// <param name="ValSplit">Fraction of the training data held out for validation.</param>
/// <param name="Patience">Early-stopping patience (0 = off).</param>
/// <param name="Scale">Feature scaling, or null for the automatic choice (none for images, else minmax, or standardize with linear-mse).</param>
/// <param name="Seed">Seed for the split, initialisation, shuffling and dropout.</param>
/// <param name="Out">Model folder to write.</param>
/// <param name="Resume">Continue from <c>OUT/checkpoint</c> if present.</param>
public sealed record TrainSettings(string Data, string Model, ArchitectureSettings Architecture, int Epochs, int BatchSize,
    float LearningRate, string Optimizer, string Schedule, float WeightDecay, float ClipNorm, double ValSplit, int Patience,
    ScalingKind? Scale, ulong Seed, string Out, bool Resume)
{
    /// <summary>The defaults of <c>bottleneck train</c> with no options.</summary>
    public static TrainSettings Default { get; } = new("demo", "dense", ArchitectureSettings.Default, 10, 128, 1e-3f, "adam", "none",
        0f, 0f, 0.1, 0, null, 0, Path.Combine("runs", "model"), false);

    /// <summary>The training options (validated by <see cref="TrainingOptions"/>).</summary>
    public TrainingOptions ToTrainingOptions() =>
        new(Epochs, BatchSize, Optimizer, LearningRate, WeightDecay, Schedule, Patience, ClipNorm, Seed);

    /// <summary>The scaling to use for data that is (or is not) image data.</summary>
    public ScalingKind ResolveScale(bool isImage) => Scale ?? (isImage ? ScalingKind.None
        : Architecture.Output == Models.Reconstruction.LinearMse ? ScalingKind.Standardize : ScalingKind.MinMax);
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
        "  bottleneck train --model denoising --noise mask:0.25 --out runs/dae\n" +
        "  bottleneck train --model stacked --hidden 256,64 --pretrain-epochs 3 --pretrain-noise gaussian:0.3 --out runs/sdae\n" +
        "  bottleneck train --model pca --components 30 --out runs/pca";

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
        public Option<double> ValSplit { get; } = CliOptions.Fraction("--val-split", "Fraction of the training data held out for validation, in [0,1)", 0.1);
        public Option<int> Patience { get; } = CliOptions.Int("--patience", "Early stopping: stop after N epochs without a better validation loss and keep the best weights; 0 = off", 0, 0);
        public Option<string> Scale { get; } = CliOptions.Choice("--scale",
            "Feature scaling fitted on the training part: none, minmax, standardize. auto = none for image data (demo, mnist: already in [0,1]), otherwise minmax, or standardize with --output linear-mse",
            "auto", "auto", "none", "minmax", "standardize");
        public Option<ulong> Seed { get; } = new("--seed") { Description = "Seed for the validation split, initialisation, shuffling and dropout", DefaultValueFactory = _ => 0UL, HelpName = "N" };
        public Option<string> Out { get; } = CliOptions.Text("--out", "DIR", "Model folder to write (created; files replaced)", Path.Combine("runs", "model"));
        public Option<bool> Resume { get; } = CliOptions.Flag("--resume", "Continue from the checkpoint in OUT/checkpoint (same data and options)");

        public IEnumerable<Option> All => [Data, .. Model.All, Epochs, BatchSize, Lr, Optimizer, Schedule, WeightDecay, ClipNorm, ValSplit, Patience, Scale, Seed, Out, Resume];
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
        return new TrainSettings(V<string>("--data"), V<string>("--model"), ModelOptions.Bind(r), V<int>("--epochs"), V<int>("--batch-size"),
            V<float>("--lr"), V<string>("--optimizer").ToLowerInvariant(), V<string>("--schedule").ToLowerInvariant(), V<float>("--weight-decay"),
            V<float>("--clip-norm"), V<double>("--val-split"), V<int>("--patience"),
            scale.Equals("auto", StringComparison.OrdinalIgnoreCase) ? null : Preprocessor.ParseKind(scale),
            V<ulong>("--seed"), V<string>("--out"), V<bool>("--resume"));
    }
}
