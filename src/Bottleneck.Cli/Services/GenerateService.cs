using System.Globalization;
using Bottleneck.Autograd;
using Bottleneck.Data;
using Bottleneck.IO;
using Bottleneck.ModelFiles;
using Bottleneck.Models;
using Bottleneck.Models.Variational;
using Bottleneck.Cli.Commands;
using Bottleneck.Tensors;
using Spectre.Console;

namespace Bottleneck.Cli.Services;

/// <summary><c>bottleneck sample</c>, <c>interpolate</c> and <c>traverse</c>: decode codes drawn from the prior or along paths.</summary>
public sealed class GenerateService : CliService
{
    /// <summary>Creates the service.</summary>
    public GenerateService(IAnsiConsole console, TextWriter error, bool verbose = false) : base(console, error, verbose) { }

    /// <summary>Draws samples from the prior and writes them.</summary>
    /// <param name="s">What to draw.</param>
    /// <param name="cancellation">Ctrl+C or SIGTERM (exit 130; nothing is written).</param>
    /// <returns>0 on success, 2 for a user mistake, 130 when cancelled, 1 otherwise.</returns>
    public int Sample(SampleSettings s, CancellationToken cancellation = default) => Guard(() =>
    {
        CheckOut(s.Out, "--out");
        OutputPaths.Check("--out", s.Out, null, "test", s.ModelDir);
        OutputPaths.Check("--npy", s.Npy, null, "test", s.ModelDir);
        if (s.Npy != null && !s.Npy.EndsWith(".npy", StringComparison.OrdinalIgnoreCase)) throw new ArgumentException($"--npy must name a .npy file, got {s.Npy}");
        if (s.Count < 1) throw new ArgumentException($"-n must be ≥ 1, got {s.Count}");
        if (!(s.Temperature > 0 && float.IsFinite(s.Temperature))) throw new ArgumentException($"--temperature must be > 0, got {s.Temperature.ToString(CultureInfo.InvariantCulture)}");
        var saved = ModelStore.Load(s.ModelDir);
        var model = Variational(saved, "sample");
        if (!model.VariationalConfig.CanSample)
            throw new ArgumentException($"sample: a {model.Config.Kind} model has no prior to sample from (its codebook needs a learned prior); use reconstruct or interpolate");
        int[]? labels = null;
        if (model.Classes > 0)
        {
            if (s.Label is not int label) throw new ArgumentException($"--label is required for a conditional {model.Config.Kind} model: a class 0..{model.Classes - 1}");
            if (label < 0 || label >= model.Classes)
                throw new ArgumentException($"--label {label} is outside the {model.Classes} classes (0..{model.Classes - 1}) the model was trained on");
            labels = Enumerable.Repeat(label, s.Count).ToArray();
        }
        else if (s.Label != null) throw new ArgumentException($"--label applies to conditional kinds (cvae); a {model.Config.Kind} model has no classes");
        float[] values;
        int count = s.Count;
        Tensor codes;
        if (s.Grid is int side)
        {
            if (side < 2 || side > 100) throw new ArgumentException($"--grid must be between 2 and 100, got {side}");
            if (model.LatentDim < 2) throw new ArgumentException($"--grid needs a code of at least 2 dimensions; the model's has {model.LatentDim}");
            var (from, to) = ParseRange(s.Range);
            count = side * side;
            codes = Tensor.FromArray(LatentPaths.Grid(model.LatentDim, side, from, to), count, model.LatentDim);
            if (labels != null) labels = Enumerable.Repeat(labels[0], count).ToArray();
        }
        else codes = model.SamplePrior(s.Count, new Rng(s.Seed), s.Temperature);
        using (GradMode.NoGrad())
            values = model.Decode(codes, labels).ToArray();
        Write(saved, values, count, s.Out, s.Grid ?? Columns(count));
        if (s.Npy != null) Write(saved, values, count, s.Npy, 0);
        Line(s.Grid is int g ? $"decoded     a {g}x{g} grid over latent dimensions 0 and 1 in [{s.Range}]" + (labels != null ? $", class {labels[0]}" : "")
            : $"sampled     {s.Count} from N(0, {s.Temperature.ToString("G4", CultureInfo.InvariantCulture)}^2 I) (seed {s.Seed})" + (labels != null ? $", class {labels[0]}" : ""));
        Line($"written     {s.Out}" + (s.Npy != null ? $", {s.Npy}" : ""));
        return ExitCodes.Success;
    }, cancellation);

    /// <summary>Decodes an interpolation between two samples' codes and writes it.</summary>
    /// <param name="s">What to interpolate.</param>
    /// <param name="cancellation">Ctrl+C or SIGTERM (exit 130; nothing is written).</param>
    /// <returns>0 on success, 2 for a user mistake, 130 when cancelled, 1 otherwise.</returns>
    public int Interpolate(InterpolateSettings s, CancellationToken cancellation = default) => Guard(() =>
    {
        CheckOut(s.Out, "--out");
        OutputPaths.Check("--out", s.Out, DataSpec.Parse(s.Data), "test", s.ModelDir);
        var m = ModelData.Load(s.ModelDir, s.Data);
        var model = Variational(m.Saved, "interpolate");
        CheckRow(s.From, m.Scaled, "--from");
        CheckRow(s.To, m.Scaled, "--to");
        float[] values;
        using (GradMode.NoGrad())
        {
            var (codes, labels) = Codes(model, m.Scaled, [s.From, s.To]);
            int k = model.LatentDim;
            var path = LatentPaths.Interpolate(codes.AsSpan(0, k), codes.AsSpan(k, k), s.Steps, s.Slerp);
            int[]? pathLabels = labels is null ? null : Enumerable.Range(0, s.Steps).Select(i => i < s.Steps / 2 ? labels[0] : labels[1]).ToArray();
            values = model.Decode(Tensor.FromArray(path, s.Steps, k), pathLabels).ToArray();
        }
        Write(m.Saved, values, s.Steps, s.Out, s.Steps);
        Line($"interpolated {s.Steps} codes from row {s.From} to row {s.To} ({(s.Slerp ? "spherical" : "linear")})");
        Line($"written     {s.Out}");
        return ExitCodes.Success;
    }, cancellation);

    /// <summary>Decodes traversals of latent dimensions around one sample's code and writes them.</summary>
    /// <returns>0 on success, 2 for a user mistake, 130 when cancelled (Ctrl+C or SIGTERM; nothing is written), 1 otherwise.</returns>
    public int Traverse(string modelDir, string data, int index, string? dimsText, string rangeText, int steps, string output, CancellationToken cancellation = default) => Guard(() =>
    {
        CheckOut(output, "--out");
        OutputPaths.Check("--out", output, DataSpec.Parse(data), "test", modelDir);
        var (from, to) = ParseRange(rangeText);
        var m = ModelData.Load(modelDir, data);
        var model = Variational(m.Saved, "traverse");
        CheckRow(index, m.Scaled, "--index");
        int k = model.LatentDim;
        int[] dims = dimsText is null ? Enumerable.Range(0, k).ToArray() : dimsText.Split(',', StringSplitOptions.TrimEntries).Select(t =>
            int.TryParse(t, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v
                : throw new ArgumentException($"--dims takes comma-separated dimension indices (e.g. 0,1,2), got '{dimsText}'")).ToArray();
        foreach (int d in dims)
            if (d < 0 || d >= k) throw new ArgumentException($"--dims: dimension {d} is outside the code's 0..{k - 1}");
        if (dims.Length == 0) throw new ArgumentException("--dims names no dimension");
        float[] values;
        using (GradMode.NoGrad())
        {
            var (codes, labels) = Codes(model, m.Scaled, [index]);
            var grid = LatentPaths.Traverse(codes, dims, from, to, steps);
            int n = dims.Length * steps;
            values = model.Decode(Tensor.FromArray(grid, n, k), labels is null ? null : Enumerable.Repeat(labels[0], n).ToArray()).ToArray();
        }
        Write(m.Saved, values, dims.Length * steps, output, steps);
        Line($"traversed   dimensions {string.Join(",", dims)} of row {index}'s code over [{from.ToString(CultureInfo.InvariantCulture)}, {to.ToString(CultureInfo.InvariantCulture)}] in {steps} steps");
        Line($"written     {output}");
        return ExitCodes.Success;
    }, cancellation);

    private static (float From, float To) ParseRange(string text)
    {
        var range = text.Split(',');
        if (range.Length != 2 || !float.TryParse(range[0], NumberStyles.Float, CultureInfo.InvariantCulture, out float from)
            || !float.TryParse(range[1], NumberStyles.Float, CultureInfo.InvariantCulture, out float to) || !float.IsFinite(from) || !float.IsFinite(to))
            throw new ArgumentException($"--range must be two numbers A,B, got '{text}'");
        return (from, to);
    }

    private static VariationalAutoencoder Variational(SavedModel saved, string command) => saved.Model as VariationalAutoencoder
        ?? throw new ArgumentException($"{command} needs a model of a variational kind (vae, cvae, beta-tcvae, info-vae, wae-mmd, vq-vae); {saved.Folder} holds a {saved.Model.Config.Kind} model");

    private static void CheckRow(int row, Dataset data, string option)
    {
        if (row < 0 || row >= data.Rows) throw new ArgumentException($"{option} {row} is outside the {data.Rows} rows of {data.Source} (0..{data.Rows - 1})");
    }

    private static void CheckOut(string path, string option)
    {
        if (!path.EndsWith(".png", StringComparison.OrdinalIgnoreCase) && !path.EndsWith(".npy", StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException($"{option} must name a .png or .npy file, got {path}");
    }

    /// <summary>The posterior-mean codes (and labels for conditional models) of some rows.</summary>
    private static (float[] Codes, int[]? Labels) Codes(VariationalAutoencoder model, Dataset data, int[] rows)
    {
        var x = Tensor.Empty([rows.Length, data.FeatureCount]);
        data.CopyRows(rows, x.Span);
        int[]? labels = null;
        if (model.ConditionsOnLabels)
        {
            if (data.Labels is null) throw new ArgumentException($"{data.Source} has no labels; a conditional {model.Config.Kind} model encodes with them");
            labels = rows.Select(r => data.Labels[r]).ToArray();
        }
        return (model.Encode(new RowBatch(x, Labels: labels)).ToArray(), labels);
    }

    private static int Columns(int n) => Math.Max(1, (int)Math.Ceiling(Math.Sqrt(n)));

    /// <summary>Writes decoded values (model input space) as a PNG grid of <paramref name="columns"/> per row or an .npy in data space.</summary>
    private static void Write(SavedModel saved, float[] values, int n, string path, int columns)
    {
        var pre = new Preprocessor(saved.Preprocessing);
        if (pre.Kind != ScalingKind.None) pre.InverseTransform(values);
        int d = saved.Model.InputDim;
        if (path.EndsWith(".npy", StringComparison.OrdinalIgnoreCase))
        {
            NpyWriter.Write(path, values, [n, d]);
            return;
        }
        if (saved.Image is not { Channels: 1 } image || image.Size != d)
            throw new ArgumentException($"{path}: a PNG grid needs a model trained on grayscale images; write .npy instead");
        var rows = new List<IReadOnlyList<float[]>>();
        for (int start = 0; start < n; start += columns)
            rows.Add(Enumerable.Range(start, Math.Min(columns, n - start)).Select(i => values.AsSpan(i * d, d).ToArray()).ToList());
        ImageGrid.Write(path, rows, image.Height, image.Width, scale: image.Height < 64 ? 2 : 1);
    }
}
