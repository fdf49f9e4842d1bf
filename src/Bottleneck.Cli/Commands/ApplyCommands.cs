using System.CommandLine;
using Bottleneck.Cli.Services;

namespace Bottleneck.Cli.Commands;

/// <summary>What <c>bottleneck encode</c> needs.</summary>
/// <param name="ModelDir">Model folder written by train.</param>
/// <param name="Data">Data SPEC (mnist and demo default to the test split).</param>
/// <param name="Out">Output .csv, .tsv or .npy file.</param>
public sealed record EncodeSettings(string ModelDir, string Data, string Out)
{
    /// <summary>Encode only this round-robin shard of the rows, <c>i/N</c> (<see cref="Data.RowShard"/>); null (default) for every row.</summary>
    public string? Shard { get; init; }
}

/// <summary>What <c>bottleneck reconstruct</c> needs.</summary>
/// <param name="ModelDir">Model folder written by train.</param>
/// <param name="Data">Data SPEC (mnist and demo default to the test split).</param>
/// <param name="Out">Output .csv, .tsv or .npy file, or for images:DIR data an output folder.</param>
public sealed record ReconstructSettings(string ModelDir, string Data, string Out)
{
    /// <summary>Reconstruct only this round-robin shard of the rows, <c>i/N</c> (<see cref="Data.RowShard"/>); null (default) for every row.</summary>
    public string? Shard { get; init; }
}

/// <summary>What <c>bottleneck evaluate</c> needs.</summary>
/// <param name="ModelDir">Model folder written by train.</param>
/// <param name="Data">Data SPEC (mnist and demo default to the test split).</param>
/// <param name="Json">Print one JSON object instead of a table.</param>
/// <param name="Normal">Label value of normal rows for ROC-AUC and PR-AUC (anomaly = any other label); null = the value saved with a
/// model trained with <c>--normal-only</c>, else no anomaly metrics.</param>
public sealed record EvaluateSettings(string ModelDir, string Data, bool Json, string? Normal = null)
{
    /// <summary>Where to write the noisy/denoised/clean grid of a model trained with noise (null: MODEL/denoising.png).</summary>
    public string? Png { get; init; }

    /// <summary>k of the IWAE NLL of variational kinds (0: not computed).</summary>
    public int IwSamples { get; init; }

    /// <summary>Rows (the first ones) the IWAE NLL is computed over.</summary>
    public int IwLimit { get; init; } = 1000;

    /// <summary>Also compute the embedding metrics of the codes against the labels (silhouette, NMI, ARI, kNN and linear-probe accuracy).</summary>
    public bool LatentMetrics { get; init; }
}


/// <summary>What <c>bottleneck info</c> needs.</summary>
/// <param name="ModelDir">Model folder written by train.</param>
public sealed record InfoSettings(string ModelDir);

/// <summary>The <c>encode</c> command.</summary>
public static class EncodeCommand
{
    /// <summary>Help text, with examples.</summary>
    public const string Description =
        "Write the latent code of every sample.\n\n" +
        "CSV/TSV output has a header z0..z{k-1}, preceded by a 'label' column when the data has labels. NPY output holds the\n" +
        "codes only, shape (N, k); labels go to NAME.labels.npy next to it. mnist and demo data default to the test split.\n\n" +
        "Examples:\n" +
        "  bottleneck encode --model runs/model --data demo --out codes.csv\n" +
        "  bottleneck encode --model runs/mnist --data mnist:data/mnist:test --out codes.npy";

    /// <summary>Creates the command; its action runs an <see cref="EncodeService"/> on <paramref name="env"/>.</summary>
    public static Command Create(CliEnvironment env)
    {
        var (command, o) = ApplyOptions.Command("encode", Description, withOut: true);
        command.Add(o.Shard);
        command.SetAction((ParseResult r, CancellationToken ct) => Task.FromResult(new EncodeService(env.Console, env.Error, Cli.IsVerbose(r, env)).Run(Bind(r), ct)));
        return command;
    }

    /// <summary>Maps a parse result of an encode command to <see cref="EncodeSettings"/>, through its typed options.</summary>
    public static EncodeSettings Bind(ParseResult r)
    {
        var o = CommandParts.Of<ApplyOptions>(r);
        return new(r.GetValue(o.Model)!, DecimalOption.Apply(r.GetValue(o.Data)!, r.GetValue(o.Decimal)), r.GetValue(o.Out!)!) { Shard = r.GetValue(o.Shard) };
    }
}

/// <summary>The <c>reconstruct</c> command.</summary>
public static class ReconstructCommand
{
    /// <summary>Help text, with examples.</summary>
    public const string Description =
        "Write the reconstruction of every sample, in the original data space (the model's scaling is undone).\n\n" +
        "CSV/TSV output has the data's column names (or c0..), preceded by a 'label' column when the data has labels; NPY\n" +
        "output holds the values only, shape (N, D), labels in NAME.labels.npy. For image data a PNG grid (originals above\n" +
        "reconstructions, 10 images) is also written next to the output, with the extension .png. mnist and demo data\n" +
        "default to the test split. For images:DIR data, --out DIR/ (a folder: a trailing slash or no extension) writes one PNG\n" +
        "per input file, same relative names, patches put back together; the folder must be new or empty.\n\n" +
        "Examples:\n" +
        "  bottleneck reconstruct --model runs/model --data demo:100 --out recon.csv      # also writes recon.png\n" +
        "  bottleneck reconstruct --model runs/photos --data images:photos:patch=16,stride=8 --out recon/\n" +
        "  bottleneck reconstruct --model runs/cardio --data csv:cardio.csv:label=y --out recon.npy";

    /// <summary>Creates the command; its action runs a <see cref="ReconstructService"/> on <paramref name="env"/>.</summary>
    public static Command Create(CliEnvironment env)
    {
        var (command, o) = ApplyOptions.Command("reconstruct", Description, withOut: true);
        command.Add(o.Shard);
        command.SetAction((ParseResult r, CancellationToken ct) => Task.FromResult(new ReconstructService(env.Console, env.Error, Cli.IsVerbose(r, env)).Run(Bind(r), ct)));
        return command;
    }

    /// <summary>Maps a parse result of a reconstruct command to <see cref="ReconstructSettings"/>, through its typed options.</summary>
    public static ReconstructSettings Bind(ParseResult r)
    {
        var o = CommandParts.Of<ApplyOptions>(r);
        return new(r.GetValue(o.Model)!, DecimalOption.Apply(r.GetValue(o.Data)!, r.GetValue(o.Decimal)), r.GetValue(o.Out!)!) { Shard = r.GetValue(o.Shard) };
    }
}

/// <summary>The <c>evaluate</c> command.</summary>
public static class EvaluateCommand
{
    /// <summary>Help text, with examples.</summary>
    public const string Description =
        "Print reconstruction metrics of a model on a dataset.\n\n" +
        "MSE, MAE, RMSE (per element), squared/absolute error per sample, BCE (sigmoid-bce models), PSNR (image data) and\n" +
        "compression ratio, in the model's input space (after its scaling).\n" +
        "With labels and a normal label value (--normal VALUE, or the value saved by 'train --normal-only'), also the anomaly\n" +
        "ranking metrics ROC-AUC and PR-AUC (average precision) of the reconstruction-error score, anomaly = label != VALUE.\n" +
        "For a model trained with noise (denoising) the clean data are also corrupted with that noise (seed 0) and the\n" +
        "MSE and PSNR of the noisy and of the denoised data against the clean data are reported; for image data a PNG grid\n" +
        "of noisy, denoised and clean rows is written to MODEL/denoising.png (or --png FILE).\n" +
        "Variational kinds also report the negative ELBO (negElbo = reconstruction + kl, one seeded sample per row, nats),\n" +
        "active units, the KL of each latent dimension, with --iw-samples K the importance-weighted NLL (iwNll) over the first\n" +
        "--iw-limit rows, codebook perplexity (vq-vae) and label accuracy (cvae).\n" +
        "With --latent-metrics and labelled data, also the embedding metrics of the codes (docs/latent.md): silhouette of the\n" +
        "labels, NMI and ARI of a k-means clustering (k = number of labels) against them, and kNN (k = 5) and linear-probe\n" +
        "accuracy by stratified 5-fold cross-validation.\n" +
        "mnist and demo data default to the test split.\n\n" +
        "Examples:\n" +
        "  bottleneck evaluate --model runs/model --data demo\n" +
        "  bottleneck evaluate --model runs/vae --data mnist --iw-samples 200 --iw-limit 1000\n" +
        "  bottleneck evaluate --model runs/mnist --data mnist:data/mnist --json > metrics.json";

    /// <summary>Creates the command; its action runs an <see cref="EvaluateService"/> on <paramref name="env"/>.</summary>
    public static Command Create(CliEnvironment env)
    {
        var (command, o) = ApplyOptions.Command("evaluate", Description, withOut: false);
        foreach (var option in o.Evaluate) command.Add(option);
        command.SetAction((ParseResult r, CancellationToken ct) => Task.FromResult(new EvaluateService(env.Console, env.Error, Cli.IsVerbose(r, env)).Run(Bind(r), ct)));
        return command;
    }

    /// <summary>Maps a parse result of an evaluate command to <see cref="EvaluateSettings"/>, through its typed options.</summary>
    public static EvaluateSettings Bind(ParseResult r)
    {
        var o = CommandParts.Of<ApplyOptions>(r);
        return new(r.GetValue(o.Model)!, DecimalOption.Apply(r.GetValue(o.Data)!, r.GetValue(o.Decimal)), r.GetValue(o.Json), r.GetValue(o.Normal))
        { Png = r.GetValue(o.Png), IwSamples = r.GetValue(o.IwSamples), IwLimit = r.GetValue(o.IwLimit), LatentMetrics = r.GetValue(o.LatentMetrics) };
    }
}

/// <summary>The <c>info</c> command.</summary>
public static class InfoCommand
{
    /// <summary>Help text, with examples.</summary>
    public const string Description =
        "Describe a model folder.\n\n" +
        "Kind and architecture, parameter count, scaling, training options, history summary, library version and backend\n" +
        "it was trained with, and file sizes. Loading also verifies the files (checksum, shapes).\n\n" +
        "Example:\n" +
        "  bottleneck info --model runs/model";

    /// <summary>Creates the command; its action runs an <see cref="InfoService"/> on <paramref name="env"/>.</summary>
    public static Command Create(CliEnvironment env)
    {
        var model = ApplyOptions.ModelOption();
        var command = new Command("info", Description) { model };
        CommandParts.Attach(command, model);
        command.SetAction(r => new InfoService(env.Console, env.Error, Cli.IsVerbose(r, env)).Run(Bind(r)));
        return command;
    }

    /// <summary>Maps a parse result of an info command to <see cref="InfoSettings"/>, through its typed option.</summary>
    public static InfoSettings Bind(ParseResult r) => new(r.GetValue(CommandParts.Of<Option<string>>(r))!);
}

/// <summary>The options of encode, reconstruct and evaluate: the model folder and the data, and each command's own.</summary>
internal sealed class ApplyOptions
{
    public Option<string> Model { get; } = ModelOption();
    public Option<string> Data { get; } = CliOptions.Required("--data", "SPEC", $"Data (required): {CliOptions.SpecHelp}; mnist and demo default to the test split");
    public Option<string>? Out { get; private init; }
    public Option<string> Decimal { get; } = DecimalOption.Create();
    public Option<string?> Shard { get; } = ShardOption.Create();
    public Option<bool> Json { get; } = CliOptions.Flag("--json", "Print one JSON object instead of a table");
    public Option<string?> Normal { get; } = CliOptions.Optional("--normal", "VALUE",
        "Label value of normal rows for ROC-AUC/PR-AUC (anomaly = other labels); default: the model's --normal-only value, else none");
    public Option<string?> Png { get; } = DenoiseCommand.PngOption();
    public Option<int> IwSamples { get; } = new("--iw-samples")
    { Description = "Variational kinds: importance samples k of the IWAE negative log-likelihood (Burda et al. 2016); 0 to skip it", DefaultValueFactory = _ => 0, HelpName = "K" };
    public Option<int> IwLimit { get; } = new("--iw-limit")
    { Description = "Variational kinds: compute the IWAE NLL over the first N samples", DefaultValueFactory = _ => 1000, HelpName = "N" };

    public Option<bool> LatentMetrics { get; } = CliOptions.Flag("--latent-metrics",
        "Labelled data: embedding metrics of the codes (silhouette, k-means NMI and ARI, kNN and linear-probe accuracy by stratified 5-fold CV)");

    /// <summary>Evaluate's own options.</summary>
    public IEnumerable<Option> Evaluate => [Json, Normal, Png, IwSamples, IwLimit, LatentMetrics];

    /// <summary>A command with <c>--model</c>, <c>--data</c> and (for encode and reconstruct) <c>--out</c>, its options attached.</summary>
    public static (Command Command, ApplyOptions Options) Command(string name, string description, bool withOut)
    {
        var o = new ApplyOptions { Out = withOut ? OutOption() : null };
        var command = new Command(name, description) { o.Model, o.Data };
        if (o.Out != null) command.Add(o.Out);
        command.Add(o.Decimal);
        return (command, CommandParts.Attach(command, o));
    }

    /// <summary>The required <c>--model DIR</c> option.</summary>
    public static Option<string> ModelOption() => CliOptions.Required("--model", "DIR", "Model folder written by 'bottleneck train' (required)");

    /// <summary>The required <c>--out FILE</c> option of commands that write a table.</summary>
    public static Option<string> OutOption() => CliOptions.Required("--out", "FILE", "Output file: .csv, .tsv or .npy (required); reconstruct and denoise also take a folder DIR/ for images:DIR data");
}
