using System.CommandLine;
using Bottleneck.Cli.Services;

namespace Bottleneck.Cli.Commands;

/// <summary>What <c>bottleneck sample</c> needs.</summary>
/// <param name="ModelDir">Model folder of a variational kind.</param>
/// <param name="Count">Samples to draw, ≥ 1.</param>
/// <param name="Label">Class to generate (conditional kinds), or null.</param>
/// <param name="Temperature">Scale T of the prior's standard deviation, &gt; 0.</param>
/// <param name="Seed">Seed of the prior draws.</param>
/// <param name="Out">Output .png (image models) or .npy.</param>
/// <param name="Npy">Also write the samples as .npy, or null.</param>
public sealed record SampleSettings(string ModelDir, int Count, int? Label, float Temperature, ulong Seed, string Out, string? Npy)
{
    /// <summary>With a value N: decode an N × N grid over latent dimensions 0 and 1 (the others 0) instead of prior draws.</summary>
    public int? Grid { get; init; }

    /// <summary>The values the grid spans, "A,B".</summary>
    public string Range { get; init; } = "-3,3";
}

/// <summary>What <c>bottleneck interpolate</c> needs.</summary>
/// <param name="ModelDir">Model folder.</param>
/// <param name="Data">Data SPEC the two endpoints come from.</param>
/// <param name="From">Row index of the start.</param>
/// <param name="To">Row index of the end.</param>
/// <param name="Steps">Codes along the path, ≥ 2.</param>
/// <param name="Slerp">Spherical instead of linear interpolation.</param>
/// <param name="Out">Output .png (image models) or .npy.</param>
public sealed record InterpolateSettings(string ModelDir, string Data, int From, int To, int Steps, bool Slerp, string Out);

/// <summary>What <c>bottleneck traverse</c> needs.</summary>
/// <param name="ModelDir">Model folder.</param>
/// <param name="Data">Data SPEC the encoded row comes from.</param>
/// <param name="Index">Row index of the sample whose code is varied.</param>
/// <param name="Dims">Latent dimensions to vary, or null for all.</param>
/// <param name="From">First value of each varied dimension.</param>
/// <param name="To">Last value.</param>
/// <param name="Steps">Values per dimension, ≥ 2.</param>
/// <param name="Out">Output .png (image models) or .npy.</param>
public sealed record TraverseSettings(string ModelDir, string Data, int Index, int[]? Dims, float From, float To, int Steps, string Out);

/// <summary>The generative commands of the variational kinds: <c>sample</c>, <c>interpolate</c>, <c>traverse</c>.</summary>
public static class GenerateCommands
{
    /// <summary>Help text of <c>sample</c>.</summary>
    public const string SampleDescription =
        "Draw samples from a variational model's prior N(0, T^2 I) and decode them (the decoder's mean).\n\n" +
        "Image models write a PNG grid; any model writes .npy (values in the data's original space). Conditional kinds (cvae)\n" +
        "generate the class given by --label. The same --seed gives the same samples.\n\n" +
        "Examples:\n" +
        "  bottleneck sample --model runs/vae -n 64 --out samples.png\n" +
        "  bottleneck sample --model runs/cvae -n 16 --label 3 --temperature 0.8 --out threes.png --npy threes.npy\n" +
        "  bottleneck sample --model runs/vae2d --grid 15 --range -3,3 --out manifold.png   # the decoder over a 2-D latent";

    /// <summary>Help text of <c>interpolate</c>.</summary>
    public const string InterpolateDescription =
        "Decode a path between the codes of two samples (rows --from and --to of --data): linear, or spherical with --slerp.\n\n" +
        "Writes a strip of --steps images (image models) or an .npy of shape (steps, D).\n\n" +
        "Example:\n" +
        "  bottleneck interpolate --model runs/vae --data mnist --from 0 --to 1 --steps 10 --out strip.png";

    /// <summary>Help text of <c>traverse</c>.</summary>
    public const string TraverseDescription =
        "Vary one latent dimension at a time around the code of one sample and decode: one row per dimension, --steps values\n" +
        "evenly spaced over --range. Shows what each dimension encodes (and which ones are unused).\n\n" +
        "Example:\n" +
        "  bottleneck traverse --model runs/vae --data mnist --index 0 --dims 0,1,2 --range -3,3 --steps 9 --out traverse.png";

    private static Option<string> Out() => CliOptions.Required("--out", "FILE", "Output: .png (grid, image models) or .npy (required)");

    /// <summary>Creates <c>sample</c>.</summary>
    public static Command Sample(CliEnvironment env)
    {
        var model = Commands.ApplyOptions.ModelOption();
        var count = CliOptions.Int("-n", "Number of samples", 64, 1);
        count.Aliases.Add("--count");
        var label = new Option<int?>("--label") { Description = "Class to generate (conditional kinds)", HelpName = "K" };
        var temperature = CliOptions.Value("--temperature", "T", "Scale of the prior's standard deviation (> 0)", 1f);
        var seed = CliOptions.Value("--seed", "S", "Seed of the prior draws", 0UL);
        var output = Out();
        var npy = CliOptions.Optional("--npy", "FILE", "Also write the samples as .npy");
        var grid = new Option<int?>("--grid") { Description = "Decode an N x N grid over latent dimensions 0 and 1 (the others 0) instead of prior draws", HelpName = "N" };
        var range = CliOptions.Text("--range", "A,B", "Values the --grid spans along each of the two dimensions", "-3,3");
        var command = new Command("sample", SampleDescription) { model, count, label, temperature, seed, output, npy, grid, range };
        command.SetAction((ParseResult r, CancellationToken ct) => Task.FromResult(new GenerateService(env.Console, env.Error, Cli.IsVerbose(r, env)).Sample(new SampleSettings(
            r.GetValue(model)!, r.GetValue(count), r.GetValue(label), r.GetValue(temperature), r.GetValue(seed), r.GetValue(output)!, r.GetValue(npy))
            { Grid = r.GetValue(grid), Range = r.GetValue(range)! }, ct)));
        return command;
    }

    /// <summary>Creates <c>interpolate</c>.</summary>
    public static Command Interpolate(CliEnvironment env)
    {
        var model = Commands.ApplyOptions.ModelOption();
        var data = CliOptions.Required("--data", "SPEC", $"Data (required): {CliOptions.SpecHelp}; mnist and demo default to the test split");
        var from = CliOptions.Int("--from", "Row index of the start", 0, 0);
        var to = CliOptions.Int("--to", "Row index of the end", 1, 0);
        var steps = CliOptions.Int("--steps", "Codes along the path, ends included", 10, 2);
        var slerp = CliOptions.Flag("--slerp", "Spherical interpolation (the path keeps the codes' norm)");
        var output = Out();
        var command = new Command("interpolate", InterpolateDescription) { model, data, from, to, steps, slerp, output };
        command.SetAction((ParseResult r, CancellationToken ct) => Task.FromResult(new GenerateService(env.Console, env.Error, Cli.IsVerbose(r, env)).Interpolate(new InterpolateSettings(
            r.GetValue(model)!, r.GetValue(data)!, r.GetValue(from), r.GetValue(to), r.GetValue(steps), r.GetValue(slerp), r.GetValue(output)!), ct)));
        return command;
    }

    /// <summary>Creates <c>traverse</c>.</summary>
    public static Command Traverse(CliEnvironment env)
    {
        var model = Commands.ApplyOptions.ModelOption();
        var data = CliOptions.Required("--data", "SPEC", $"Data (required): {CliOptions.SpecHelp}; mnist and demo default to the test split");
        var index = CliOptions.Int("--index", "Row index of the sample whose code is varied", 0, 0);
        var dims = CliOptions.Optional("--dims", "LIST", "Latent dimensions to vary, comma-separated (default: all)");
        var range = CliOptions.Text("--range", "A,B", "Values of each varied dimension, from A to B", "-3,3");
        var steps = CliOptions.Int("--steps", "Values per dimension", 9, 2);
        var output = Out();
        var command = new Command("traverse", TraverseDescription) { model, data, index, dims, range, steps, output };
        command.SetAction((ParseResult r, CancellationToken ct) =>
        {
            var service = new GenerateService(env.Console, env.Error, Cli.IsVerbose(r, env));
            return Task.FromResult(service.Traverse(r.GetValue(model)!, r.GetValue(data)!, r.GetValue(index), r.GetValue(dims), r.GetValue(range)!, r.GetValue(steps), r.GetValue(output)!, ct));
        });
        return command;
    }
}
