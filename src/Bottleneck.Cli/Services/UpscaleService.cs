using Bottleneck.Cli.Commands;
using Bottleneck.Data;
using Bottleneck.IO;
using Bottleneck.ModelFiles;
using Bottleneck.Models;
using Bottleneck.Tensors;
using Spectre.Console;

namespace Bottleneck.Cli.Services;

/// <summary><c>bottleneck upscale</c>: enlarges each image of a folder with a super-resolution model and writes an image folder.</summary>
public sealed class UpscaleService : CliService
{
    /// <summary>Creates the service.</summary>
    public UpscaleService(IAnsiConsole console, TextWriter error, bool verbose = false) : base(console, error, verbose) { }

    /// <summary>Enlarges the images and writes them.</summary>
    /// <param name="s">What to do.</param>
    /// <param name="cancellation">Stops the command between images (Ctrl+C, SIGTERM); nothing is written then.</param>
    /// <returns>0 on success, 2 for a user mistake, 130 when cancelled, 1 otherwise.</returns>
    public int Run(UpscaleSettings s, CancellationToken cancellation = default) => Guard(() =>
    {
        var spec = DataSpec.Parse(s.Data);
        if (spec.Kind != DataKind.Images)
            throw new ArgumentException($"--data {s.Data}: upscale reads an image folder (images:DIR)");
        ImageFolderOutput.CheckTarget(s.Out);
        OutputPaths.Check("--out", s.Out, spec, "test", s.ModelDir, []);
        var saved = ModelStore.Load(s.ModelDir);
        if (saved.Model is not IImageUpscaler upscaler)
            throw new ArgumentException($"--model {s.ModelDir}: is a '{saved.Model.Config.Kind}' model; upscale needs a super-resolution model (train --kind super-resolution)");
        if (saved.Preprocessing.Kind != ScalingKind.None)
            throw new ArgumentException($"--model {s.ModelDir}: was trained with --scale {saved.Preprocessing.Kind.ToString().ToLowerInvariant()}; " +
                                        "upscale takes images in [0, 1] as they are (train with --scale none, the default for images)");
        var options = spec.Images ?? new ImageFolderOptions();
        if (options.Channels is int c && c != upscaler.Channels)
            throw new ArgumentException($"--data {s.Data}: channels={c}, but the model takes {upscaler.Channels} channel{(upscaler.Channels == 1 ? "" : "s")}");
        if (options.Height != null)
            throw new ArgumentException($"--data {s.Data}: size= does not apply to upscale (each image is enlarged from its own size)");
        var (images, skipped) = ImageFolder.LoadEach(spec.Path!, options with { Channels = upscaler.Channels });
        foreach (var k in skipped) Warn($"skipped {k.Path}: {k.Reason}");
        int r = upscaler.Scale;
        var outputs = new List<float[]>(images.Count);
        var files = new List<ImageFile>(images.Count);
        long pixels = 0;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        foreach (var (values, file) in images)
        {
            CancellationScope.ThrowIfCancellationRequested();
            var x = Tensor.FromArray(values, 1, file.Channels, file.Height, file.Width);
            var y = upscaler.Upscale(x).ToArray();
            for (int i = 0; i < y.Length; i++) y[i] = Math.Clamp(y[i], 0f, 1f);
            outputs.Add(y);
            files.Add(file with { Height = file.Height * r, Width = file.Width * r });
            pixels += (long)file.Height * file.Width * r * r;
        }
        int n = ImageFolderOutput.Write(s.Out, files, outputs);
        Line($"model       {s.ModelDir}: {saved.Model.Config.Describe()}");
        Line($"upscaled    {Output.Count(n)} image{(n == 1 ? "" : "s")} x{r} ({pixels / 1e6:F2} Mpixel out) in {watch.Elapsed.TotalSeconds:F1} s -> {s.Out}");
        return ExitCodes.Success;
    }, cancellation);
}
