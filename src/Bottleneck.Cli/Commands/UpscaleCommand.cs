using System.CommandLine;
using Bottleneck.Cli.Services;

namespace Bottleneck.Cli.Commands;

/// <summary>What <c>bottleneck upscale</c> needs.</summary>
/// <param name="ModelDir">Model folder of a super-resolution model.</param>
/// <param name="Data">images:DIR SPEC of the low-resolution images (any sizes; channels= converts).</param>
/// <param name="Out">Output folder (new or empty).</param>
public sealed record UpscaleSettings(string ModelDir, string Data, string Out);

/// <summary>The <c>upscale</c> command.</summary>
public static class UpscaleCommand
{
    /// <summary>Help text, with examples.</summary>
    public const string Description =
        "Enlarge images with a super-resolution model (train --kind super-resolution).\n\n" +
        "Reads every image of an images:DIR folder at its own size, converts it to the model's channel count (grey or RGB),\n" +
        "enlarges it by the model's factor r (h x w -> rh x rw) and writes one PNG per input file under --out DIR/, same\n" +
        "relative names with the extension .png, values clipped to [0, 1]. The folder is written completely or not at all,\n" +
        "and must be new or empty. To measure a model against bicubic upsampling on high-resolution images, use\n" +
        "'bottleneck evaluate' (it shrinks them, enlarges them again and reports PSNR and SSIM).\n\n" +
        "Examples:\n" +
        "  bottleneck upscale --model runs/sr --data images:small/ --out large/\n" +
        "  bottleneck upscale --model runs/sr-rgb --data images:photos:channels=3 --out photos-x2/";

    private sealed record Options(Option<string> Model, Option<string> Data, Option<string> Out);

    /// <summary>Creates the command; its action runs an <see cref="UpscaleService"/> on <paramref name="env"/>.</summary>
    public static Command Create(CliEnvironment env)
    {
        var o = new Options(ApplyOptions.ModelOption(),
            CliOptions.Required("--data", "SPEC", "Low-resolution images to enlarge (required): images:DIR[:channels=1|3][:skip-bad]; any sizes"),
            CliOptions.Required("--out", "DIR", "Output folder for the enlarged PNG images (required; new or empty)"));
        var command = new Command("upscale", Description) { o.Model, o.Data, o.Out };
        CommandParts.Attach(command, o);
        command.SetAction((ParseResult r, CancellationToken ct) => Task.FromResult(new UpscaleService(env.Console, env.Error, Cli.IsVerbose(r, env)).Run(Bind(r), ct)));
        return command;
    }

    /// <summary>Maps a parse result of an upscale command to <see cref="UpscaleSettings"/>, through its typed options.</summary>
    public static UpscaleSettings Bind(ParseResult r)
    {
        var o = CommandParts.Of<Options>(r);
        return new(r.GetValue(o.Model)!, r.GetValue(o.Data)!, r.GetValue(o.Out)!);
    }
}
