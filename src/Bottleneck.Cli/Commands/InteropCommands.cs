using System.CommandLine;
using Bottleneck.Cli.Services;
using Bottleneck.Interop;

namespace Bottleneck.Cli.Commands;

/// <summary>What <c>bottleneck export</c> needs.</summary>
/// <param name="ModelDir">Model folder written by train or import.</param>
/// <param name="Format">Output format; "onnx" is the one there is.</param>
/// <param name="Part">full, encoder, decoder or score.</param>
/// <param name="Out">The .onnx file written (replaced atomically).</param>
public sealed record ExportSettings(string ModelDir, string Format, string Part, string Out);

/// <summary>What <c>bottleneck import</c> needs.</summary>
/// <param name="From">Input format; "safetensors" is the one there is.</param>
/// <param name="Weights">The weights file.</param>
/// <param name="Config">A JSON file with the kind and its config (a model folder's config.json is one).</param>
/// <param name="Out">The model folder written.</param>
public sealed record ImportSettings(string From, string Weights, string Config, string Out);

/// <summary>The <c>export</c> command.</summary>
public static class ExportCommand
{
    /// <summary>Help text, with examples.</summary>
    public const string Description =
        "Write a model as ONNX (opset 17, float32, dynamic batch dimension N) for ONNX Runtime in any language or engine.\n\n" +
        "The graph takes raw rows and includes the model's scaling, its tabular encoding (one input per CSV column: double for\n" +
        "numeric columns, string for categorical ones) and the output's mean function, so it returns what encode, reconstruct\n" +
        "and detect return. Parts: full (input -> code, reconstruction), encoder (input -> code), decoder (code ->\n" +
        "reconstruction), score (input -> score per row, and flag = score > the saved threshold when the model has one).\n" +
        "A layer or kind without an ONNX mapping is an error naming it. See docs/interop.md.\n\n" +
        "Examples:\n" +
        "  bottleneck export --model runs/model --format onnx --out model.onnx\n" +
        "  bottleneck export --model runs/cardio --format onnx --part score --out cardio-score.onnx";

    /// <summary>Creates the command; its action runs an <see cref="ExportService"/> on <paramref name="env"/>.</summary>
    public static Command Create(CliEnvironment env)
    {
        var o = new Options();
        var command = new Command("export", Description) { o.Model, o.Format, o.Part, o.Out };
        CommandParts.Attach(command, o);
        command.SetAction((ParseResult r, CancellationToken ct) => Task.FromResult(new ExportService(env.Console, env.Error, Cli.IsVerbose(r, env)).Run(Bind(r), ct)));
        return command;
    }

    /// <summary>Maps a parse result of an export command to <see cref="ExportSettings"/>, through its typed options.</summary>
    public static ExportSettings Bind(ParseResult r)
    {
        var o = CommandParts.Of<Options>(r);
        return new(r.GetValue(o.Model)!, r.GetValue(o.Format)!.Trim().ToLowerInvariant(), r.GetValue(o.Part)!.Trim().ToLowerInvariant(), r.GetValue(o.Out)!);
    }

    private sealed class Options
    {
        public Option<string> Model { get; } = ApplyOptions.ModelOption();
        public Option<string> Format { get; } = CliOptions.Choice("--format", "Output format", "onnx", "onnx");
        public Option<string> Part { get; } = CliOptions.Choice("--part", "What the file holds: full, encoder, decoder or score", "full", [.. OnnxExporter.PartNames]);
        public Option<string> Out { get; } = CliOptions.Required("--out", "FILE", "The .onnx file written (required; replaced if it exists)");
    }
}

/// <summary>The <c>import</c> command.</summary>
public static class ImportCommand
{
    /// <summary>Help text, with examples.</summary>
    public const string Description =
        "Make a model folder from weights trained elsewhere, e.g. a PyTorch module's state_dict saved with safetensors.\n\n" +
        "The tensors are matched by their state-dict names (encoder.0.weight, decoder.2.bias, ...), with PyTorch's shapes; every\n" +
        "tensor of the model must be there and no other. --config is a JSON file with \"kind\" and \"config\" as in a model\n" +
        "folder's config.json (which is such a file), and optionally \"preprocessing\", \"tabular\" and \"featureNames\".\n" +
        "The folder written is an ordinary model folder: encode, reconstruct, detect and export use it. See docs/interop.md.\n\n" +
        "Examples:\n" +
        "  bottleneck import --from safetensors torch-model.safetensors --config runs/model/config.json --out runs/from-torch";

    /// <summary>Creates the command; its action runs an <see cref="ImportService"/> on <paramref name="env"/>.</summary>
    public static Command Create(CliEnvironment env)
    {
        var o = new Options();
        var command = new Command("import", Description) { o.From, o.Config, o.Out };
        CommandParts.Attach(command, o);
        command.SetAction((ParseResult r, CancellationToken ct) => Task.FromResult(new ImportService(env.Console, env.Error, Cli.IsVerbose(r, env)).Run(Bind(r), ct)));
        return command;
    }

    /// <summary>Maps a parse result of an import command to <see cref="ImportSettings"/>, through its typed options.</summary>
    public static ImportSettings Bind(ParseResult r)
    {
        var o = CommandParts.Of<Options>(r);
        var from = r.GetValue(o.From)!;
        return new("safetensors", from[1], r.GetValue(o.Config)!, r.GetValue(o.Out)!);
    }

    private sealed class Options
    {
        public Option<string[]> From { get; } = FromOption();
        public Option<string> Config { get; } = CliOptions.Required("--config", "CONFIG.json", "JSON with the model's kind and config, e.g. a model folder's config.json (required)");
        public Option<string> Out { get; } = CliOptions.Required("--out", "DIR", "The model folder written (required; a new or empty folder, or a model folder, which is replaced)");

        private static Option<string[]> FromOption()
        {
            var o = new Option<string[]>("--from")
            {
                Description = "The format and the file: --from safetensors FILE (required)", Required = true, HelpName = "FORMAT FILE",
                Arity = new ArgumentArity(2, 2), AllowMultipleArgumentsPerToken = true,
            };
            o.Validators.Add(r =>
            {
                var v = r.GetValueOrDefault<string[]>();
                if (v is { Length: 2 } && !string.Equals(v[0], "safetensors", StringComparison.OrdinalIgnoreCase))
                    r.AddError($"--from: unknown format \"{v[0]}\"; use --from safetensors FILE");
            });
            return o;
        }
    }
}
