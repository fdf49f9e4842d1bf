using System.CommandLine;
using Bottleneck.Cli.Services;

namespace Bottleneck.Cli.Commands;

/// <summary>What <c>bottleneck denoise</c> needs.</summary>
/// <param name="ModelDir">Model folder written by train (typically a denoising model).</param>
/// <param name="Data">Data SPEC of the noisy data (mnist and demo default to the test split).</param>
/// <param name="Out">Output .csv, .tsv or .npy file, or for images:DIR data an output folder.</param>
public sealed record DenoiseSettings(string ModelDir, string Data, string Out);

/// <summary>The <c>denoise</c> command.</summary>
public static class DenoiseCommand
{
    /// <summary>Help text, with examples.</summary>
    public const string Description =
        "Clean noisy data with a model and write the result in the original data space.\n\n" +
        "Applies the model's scaling to the given (noisy) data, reconstructs it, undoes the scaling and writes the denoised\n" +
        "values: CSV/TSV with the data's column names (or c0..), preceded by a 'label' column when the data has labels; NPY\n" +
        "holds the values only, shape (N, D), labels in NAME.labels.npy. For image data a PNG grid (the noisy input above the\n" +
        "denoised output, 10 images) is also written next to the output, with the extension .png. Works with any model; a\n" +
        "model trained with --kind denoising (or --noise) is the typical case, for others a note says so. mnist and demo data\n" +
        "default to the test split. To measure denoising on clean data, use 'bottleneck evaluate' on a denoising model.\n" +
        "For images:DIR data, --out DIR/ (a folder: a trailing slash or no extension) writes one PNG per input file, same\n" +
        "relative names, patches put back together (overlaps averaged); the folder must be new or empty.\n\n" +
        "Examples:\n" +
        "  bottleneck denoise --model runs/photo-dae --data images:noisy:channels=1:patch=16,stride=8 --out denoised/\n" +
        "  bottleneck denoise --model runs/dae --data npy:noisy.npy --out clean.npy\n" +
        "  bottleneck denoise --model runs/dae --data csv:scans.csv:label=y --out cleaned.csv   # also cleaned.png for images";

    private sealed record Options(Option<string> Model, Option<string> Data, Option<string> Out);

    /// <summary>Creates the command; its action runs a <see cref="DenoiseService"/> on <paramref name="env"/>.</summary>
    public static Command Create(CliEnvironment env)
    {
        var o = new Options(ApplyOptions.ModelOption(), CliOptions.Required("--data", "SPEC", $"Noisy data to clean (required): {CliOptions.SpecHelp}; mnist and demo default to the test split"),
            ApplyOptions.OutOption());
        var command = new Command("denoise", Description) { o.Model, o.Data, o.Out };
        CommandParts.Attach(command, o);
        command.SetAction((ParseResult r, CancellationToken ct) => Task.FromResult(new DenoiseService(env.Console, env.Error, Cli.IsVerbose(r, env)).Run(Bind(r), ct)));
        return command;
    }

    /// <summary>Maps a parse result of a denoise command to <see cref="DenoiseSettings"/>, through its typed options.</summary>
    public static DenoiseSettings Bind(ParseResult r)
    {
        var o = CommandParts.Of<Options>(r);
        return new(r.GetValue(o.Model)!, r.GetValue(o.Data)!, r.GetValue(o.Out)!);
    }

    /// <summary>Evaluate's <c>--png FILE</c> option (the denoising grid of a model trained with noise).</summary>
    internal static Option<string?> PngOption() => new(PngOptionName)
    {
        Description = "For a model trained with noise on image data: where to write the PNG grid of noisy, denoised and clean images " +
                      $"[default: MODEL/{DenoisingEvaluation.GridFile}]",
        HelpName = "FILE",
    };

    /// <summary>Name of evaluate's PNG option.</summary>
    internal const string PngOptionName = "--png";
}
