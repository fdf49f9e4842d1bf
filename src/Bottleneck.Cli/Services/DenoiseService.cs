using System.Text.Json.Nodes;
using Bottleneck.Autograd;
using Bottleneck.Cli.Commands;
using Bottleneck.Data;
using Bottleneck.Evaluation;
using Bottleneck.IO;
using Bottleneck.Models;
using Bottleneck.Tensors;
using Bottleneck.Training;
using Spectre.Console;
using SpectreColumn = Spectre.Console.TableColumn;

namespace Bottleneck.Cli.Services;

/// <summary><c>bottleneck denoise</c>: cleans noisy data with a model (preprocess, reconstruct, undo the scaling, write).</summary>
public sealed class DenoiseService : CliService
{
    /// <summary>Creates the service.</summary>
    public DenoiseService(IAnsiConsole console, TextWriter error, bool verbose = false) : base(console, error, verbose) { }

    /// <summary>Denoises the data and writes the result (and a PNG grid for images).</summary>
    /// <param name="s">What to do.</param>
    /// <param name="cancellation">Stops the command between batches (Ctrl+C, SIGTERM); nothing is written then.</param>
    /// <returns>0 on success, 2 for a user mistake, 130 when cancelled, 1 otherwise.</returns>
    public int Run(DenoiseSettings s, CancellationToken cancellation = default) => Guard(() =>
    {
        bool folder = ImageFolderOutput.IsFolder(s.Out);
        if (folder) ImageFolderOutput.CheckTarget(s.Out, s.Data); else Output.CheckTablePath(s.Out);
        OutputPaths.Check("--out", s.Out, DataSpec.Parse(s.Data), "test", s.ModelDir, folder ? [] : Output.DerivedFiles(s.Out, png: true));
        var m = ModelData.Load(s.ModelDir, s.Data);
        var model = m.Saved.Model;
        if (model.InputCorruption is { } noise)
            Line($"model       {s.ModelDir}: {model.Config.Kind}, trained with noise {noise.Describe()}");
        else
            Line($"note: {s.ModelDir} is a '{model.Config.Kind}' model that was not trained as a denoiser (no training noise); " +
                 "the output is its plain reconstruction (train with --kind denoising for a denoiser)");
        if (folder) ImageFolderOutput.WriteReconstructions(m, s.Out, "denoised", Line);
        else ReconstructService.WriteReconstructions(m, s.Out, "denoised", "noisy input above denoised output", Line);
        return ExitCodes.Success;
    }, cancellation);
}

/// <summary>
/// The denoising part of <c>bottleneck evaluate</c> for models trained with noise: corrupt the clean data with the model's
/// own noise (seed <see cref="Seed"/>), compare noisy and denoised with clean (<see cref="DenoisingEvaluator"/>), and for
/// image data write a PNG grid of noisy, denoised and clean rows.
/// </summary>
/// <param name="Corruption">The model's training noise, re-applied to the clean data.</param>
/// <param name="Report">MSE and PSNR of the noisy and the denoised data against the clean data.</param>
/// <param name="ShowPsnr">Whether PSNR is meaningful (the model's inputs are not standardized, so they lie in about [0, 1]).</param>
/// <param name="Png">The grid written, or null.</param>
internal sealed record DenoisingEvaluation(Corruption Corruption, DenoisingReport Report, bool ShowPsnr, string? Png)
{
    /// <summary>Default file name of the grid, inside the model folder.</summary>
    public const string GridFile = "denoising.png";

    /// <summary>Seed of the noise generator (fixed, so evaluations are reproducible and comparable).</summary>
    public const ulong Seed = 0;

    /// <summary>
    /// Runs the denoising evaluation when the model was trained with noise; otherwise returns null (and warns when a PNG
    /// path was asked for).
    /// </summary>
    /// <param name="m">Model and (clean) data.</param>
    /// <param name="modelDir">Model folder (default location of the grid).</param>
    /// <param name="png">Requested grid path, or null for <c>MODEL/denoising.png</c>.</param>
    /// <param name="warn">Receives warnings.</param>
    public static DenoisingEvaluation? Run(ModelData m, string modelDir, string? png, Action<string> warn)
    {
        var model = m.Saved.Model;
        if (model.InputCorruption is not { } noise)
        {
            if (png != null) warn($"{DenoiseCommand.PngOptionName}: the model was not trained with noise, so there is no denoising grid to write");
            return null;
        }
        var report = DenoisingEvaluator.Evaluate(model, m.Scaled, noise, Seed);
        string path = png ?? Path.Combine(modelDir, GridFile);
        string? written = WriteGrid(path, m, noise) ? path : null;
        if (written == null && png != null) warn($"{DenoiseCommand.PngOptionName}: the data are not single-channel images; no PNG written");
        return new DenoisingEvaluation(noise, report, m.Preprocessor.Kind.KeepsUnitRange(), written);
    }

    /// <summary>Writes noisy (top), denoised (middle) and clean (bottom) images of the first rows, in the original data space.</summary>
    private static bool WriteGrid(string path, ModelData m, Corruption noise)
    {
        var image = m.Image;
        if (image == null || image.Channels != 1 || m.Raw.Rows == 0) return false;
        int n = Math.Min(Output.GridImages, m.Raw.Rows), d = m.Raw.FeatureCount;
        float[] noisy;
        using (GradMode.NoGrad())   // the same generator and order as the evaluator, so these are the images it scored
            noisy = noise.Apply(Tensor.FromArray(m.Scaled.Features.AsSpan(0, n * d), n, d), new Rng(Seed)).ToArray();
        var denoised = Batching.Reconstruct(m.Saved.Model, new Dataset(noisy.ToArray(), n, d));
        m.Preprocessor.InverseTransform(noisy);
        m.Preprocessor.InverseTransform(denoised);
        float[] Row(float[] values, int i) => values.AsSpan(i * d, d).ToArray();
        var clean = m.Raw.Features;
        var rows = new List<IReadOnlyList<float[]>>
        {
            Enumerable.Range(0, n).Select(i => Row(noisy, i)).ToList(),
            Enumerable.Range(0, n).Select(i => Row(denoised, i)).ToList(),
            Enumerable.Range(0, n).Select(i => Row(clean, i)).ToList(),
        };
        ImageGrid.Write(path, rows, image.Height, image.Width, scale: image.Height < 64 ? 2 : 1);
        return true;
    }

    /// <summary>The report as a table (noise, samples, MSE and PSNR of noisy and denoised data, PSNR gain).</summary>
    public Table ToTable()
    {
        var t = new Table().AddColumn("denoising").AddColumn(new SpectreColumn("noisy").RightAligned())
            .AddColumn(new SpectreColumn("denoised").RightAligned());
        t.AddRow("MSE / element vs clean", Output.Num(Report.NoisyMse), Output.Num(Report.DenoisedMse));
        if (ShowPsnr) t.AddRow("PSNR vs clean (dB)", Output.Num(Report.NoisyPsnr), Output.Num(Report.DenoisedPsnr));
        return t;
    }

    /// <summary>Summary lines under the table: noise, seed, gain and grid.</summary>
    public IEnumerable<string> Lines()
    {
        yield return $"(clean data corrupted with the model's training noise, {Corruption.Describe()}, seed {Seed}; " +
                     $"{Report.Samples} samples" + (ShowPsnr ? $"; PSNR gain {Output.Num(Report.PsnrGain)} dB)" : ")");
        if (Png != null) yield return $"images: {Png} (noisy, denoised and clean rows)";
    }

    /// <summary>The report as the <c>denoising</c> member of evaluate's JSON.</summary>
    public JsonObject ToJson() => new()
    {
        ["noise"] = Corruption.Describe(),
        ["seed"] = Seed,
        ["samples"] = Report.Samples,
        ["noisyMse"] = Report.NoisyMse,
        ["denoisedMse"] = Report.DenoisedMse,
        ["noisyPsnr"] = ShowPsnr ? Report.NoisyPsnr : null,
        ["denoisedPsnr"] = ShowPsnr ? Report.DenoisedPsnr : null,
        ["psnrGain"] = ShowPsnr ? Report.PsnrGain : null,
        ["png"] = Png,
    };
}
