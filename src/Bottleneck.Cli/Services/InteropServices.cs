using Bottleneck.Interop;
using Bottleneck.Interop.Onnx;
using Bottleneck.Cli.Commands;
using Bottleneck.ModelFiles;
using Spectre.Console;

namespace Bottleneck.Cli.Services;

/// <summary><c>bottleneck export</c>: writes a model folder as an ONNX file.</summary>
public sealed class ExportService : CliService
{
    /// <summary>Creates the service.</summary>
    public ExportService(IAnsiConsole console, TextWriter error, bool verbose = false) : base(console, error, verbose) { }

    /// <summary>Exports the model.</summary>
    /// <param name="s">What to do.</param>
    /// <param name="cancellation">Stops the command before it writes (Ctrl+C, SIGTERM).</param>
    /// <returns>0 on success, 2 for a user mistake (including a model that has no ONNX mapping), 130 when cancelled, 1 otherwise.</returns>
    public int Run(ExportSettings s, CancellationToken cancellation = default) => Guard(() =>
    {
        if (s.Format != "onnx") throw new ArgumentException($"--format: unknown format \"{s.Format}\"; use onnx");
        var part = OnnxExporter.ParsePart(s.Part);
        if (string.IsNullOrWhiteSpace(s.Out) || Directory.Exists(s.Out)) throw new ArgumentException($"--out must be a file, got \"{s.Out}\"");
        OutputPaths.Check("--out", s.Out, null, "test", s.ModelDir);
        var saved = ModelStore.Load(s.ModelDir);
        long bytes;
        try { bytes = OnnxExporter.Save(saved, s.Out, part); }
        catch (OnnxExportException e) { throw new ArgumentException($"{s.ModelDir}: cannot export as ONNX: {e.Message}"); }
        Line($"exported the {part.ToString().ToLowerInvariant()} part of the {saved.Model.Config.Kind} model in {s.ModelDir} to {s.Out} " +
             $"({Output.Bytes(bytes)}, ONNX opset 17, batch dimension N)");
        if (saved.DataSource.StartsWith("sequences:", StringComparison.Ordinal) && saved.DataSource.EndsWith(":pad", StringComparison.Ordinal))
            Warn($"{s.ModelDir} was trained on padded sequences ({saved.DataSource}); the ONNX graph has no mask input, so it reconstructs " +
                 "every step it is given: feed it full-length sequences, or score shorter ones with 'bottleneck detect', which ignores the padding");
        return ExitCodes.Success;
    }, cancellation);
}

/// <summary><c>bottleneck import</c>: makes a model folder from a safetensors file and a config.</summary>
public sealed class ImportService : CliService
{
    /// <summary>Creates the service.</summary>
    public ImportService(IAnsiConsole console, TextWriter error, bool verbose = false) : base(console, error, verbose) { }

    /// <summary>Imports the weights and saves the model folder.</summary>
    /// <param name="s">What to do.</param>
    /// <param name="cancellation">Stops the command before it writes (Ctrl+C, SIGTERM).</param>
    /// <returns>0 on success, 2 for a user mistake, 130 when cancelled, 1 otherwise.</returns>
    public int Run(ImportSettings s, CancellationToken cancellation = default) => Guard(() =>
    {
        var saved = SafetensorsImport.Load(s.Weights, s.Config);
        cancellation.ThrowIfCancellationRequested();
        ModelStore.Save(s.Out, saved);
        Line($"imported {s.Weights} as a {saved.Model.Config.Kind} model ({saved.Model.Config.Describe()}, {Output.Count(saved.Model.ParameterCount())} parameters) to {s.Out}");
        return ExitCodes.Success;
    }, cancellation);
}
