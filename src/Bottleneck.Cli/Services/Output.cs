using System.Globalization;
using Bottleneck.Data;
using Bottleneck.Evaluation;
using Bottleneck.IO;
using Bottleneck.Training;
using Spectre.Console;
using SpectreColumn = Spectre.Console.TableColumn;

namespace Bottleneck.Cli.Services;

/// <summary>Formatting and file-output helpers shared by the commands.</summary>
internal static class Output
{
    /// <summary>Number of images per row in reconstruction grids.</summary>
    public const int GridImages = 10;

    /// <summary>A metric value: 6 significant digits, invariant culture; "-" for null.</summary>
    public static string Num(double? v) => v is double d ? d.ToString("G6", CultureInfo.InvariantCulture) : "-";

    /// <summary>A count with thousands separators.</summary>
    public static string Count(long v) => v.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>A file size in B/KiB/MiB.</summary>
    public static string Bytes(long b) => b switch
    {
        < 1024 => $"{b} B",
        < 1024 * 1024 => (b / 1024.0).ToString("0.0", CultureInfo.InvariantCulture) + " KiB",
        _ => (b / (1024.0 * 1024)).ToString("0.0", CultureInfo.InvariantCulture) + " MiB",
    };

    /// <summary>A table of reconstruction metrics with one value column per named report.</summary>
    public static Table MetricsTable(params (string Name, ReconstructionReport Report)[] reports)
    {
        var t = new Table().AddColumn("metric");
        foreach (var (name, _) in reports) t.AddColumn(new SpectreColumn(Markup.Escape(name)).RightAligned());
        void Row(string metric, Func<ReconstructionReport, double?> f) =>
            t.AddRow([metric, .. reports.Select(r => Num(f(r.Report)))]);
        Row("samples", r => r.Samples);
        Row("MSE / element", r => r.Mse);
        Row("MAE / element", r => r.Mae);
        Row("RMSE / element", r => r.Rmse);
        if (reports.Any(r => r.Report.Bce != null)) Row("BCE / element (nats)", r => r.Bce);
        Row("squared error / sample", r => r.SquaredErrorPerSample);
        Row("absolute error / sample", r => r.AbsoluteErrorPerSample);
        if (reports.Any(r => r.Report.BcePerSample != null)) Row("BCE / sample (nats)", r => r.BcePerSample);
        if (reports.Any(r => r.Report.Psnr != null)) Row("PSNR (dB)", r => r.Psnr);
        Row("compression ratio", r => r.CompressionRatio);
        return t;
    }

    /// <summary>
    /// Writes (name, value) pairs: as a two-column table on an interactive console, else as plain aligned "name  value" lines
    /// (easy to grep when the output is redirected).
    /// </summary>
    public static void KeyValues(IAnsiConsole console, bool live, Action<string> line, IReadOnlyList<(string Name, string Value)> rows)
    {
        if (live)
        {
            var t = new Table().AddColumn("property").AddColumn("value");
            foreach (var (k, v) in rows) t.AddRow(Markup.Escape(k), Markup.Escape(v));
            console.Write(t);
            return;
        }
        int w = rows.Max(r => r.Name.Length) + 2;
        foreach (var (k, v) in rows) line(k.PadRight(w) + v);
    }

    /// <summary>
    /// A table of the per-epoch history: a leading stage column when there are several stages (stacked: pretrain-1.., finetune),
    /// and a column per loss term when the model has more than the reconstruction term.
    /// </summary>
    public static Table HistoryTable(IReadOnlyList<EpochRecord> history)
    {
        bool stages = history.Select(h => h.Stage).Distinct().Count() > 1;
        var terms = history.Where(h => h.Terms is { Count: > 1 }).SelectMany(h => h.Terms!.Names).Distinct().ToList();
        var t = new Table();
        if (stages) t.AddColumn("stage");
        t.AddColumn("epoch").AddColumn(new SpectreColumn("train loss").RightAligned());
        foreach (var name in terms) t.AddColumn(new SpectreColumn(Markup.Escape(name)).RightAligned());
        t.AddColumn(new SpectreColumn("val loss").RightAligned()).AddColumn(new SpectreColumn("lr").RightAligned())
            .AddColumn(new SpectreColumn("seconds").RightAligned());
        foreach (var h in history)
        {
            string[] cells = [h.Epoch.ToString(CultureInfo.InvariantCulture), Num(h.TrainLoss), .. terms.Select(n => Num(h.Terms?[n])),
                Num(h.ValidationLoss), Num(h.LearningRate), h.Seconds.ToString("0.0", CultureInfo.InvariantCulture)];
            t.AddRow(stages ? [Markup.Escape(h.Stage), .. cells] : cells);
        }
        return t;
    }

    /// <summary>
    /// Writes a row-major matrix to a .csv/.tsv (with a leading <c>label</c> column when <paramref name="labels"/> is given)
    /// or .npy file (the matrix only; labels go to the sibling <c>NAME.labels.npy</c>, usable as <c>npy:NAME.npy:labels=NAME.labels.npy</c>).
    /// With <c>rowLengths</c> (padded sequences: the values each row really has, L_i·F) the cells after them are empty in CSV and NaN in .npy.
    /// </summary>
    /// <returns>The files written.</returns>
    public static IReadOnlyList<string> WriteTable(string path, float[] values, int rows, int cols, IReadOnlyList<string> header, int[]? labels,
        IReadOnlyList<int>? rowLengths = null)
    {
        CheckTablePath(path);
        bool npy = Path.GetExtension(path).Equals(".npy", StringComparison.OrdinalIgnoreCase);
        if (npy)
        {
            var labelsPath = Path.ChangeExtension(path, ".labels.npy");
            // Checked before the table is written, so a labels name above the limit leaves nothing behind.
            if (labels != null) TempNames.CheckNameLength(labelsPath, "the labels file written beside --out,");
            TableWriter.Write(path, values, rows, cols, rowLengths: rowLengths);
            if (labels == null) return [path];
            NpyWriter.Write(labelsPath, labels.Select(l => (float)l).ToArray(), [rows]);
            return [path, labelsPath];
        }
        var leading = labels == null ? null : new[] { new Bottleneck.IO.TableColumn("label", labels.Select(l => (double)l).ToArray()) };
        TableWriter.Write(path, values, rows, cols, header, leading, rowLengths);
        return [path];
    }

    /// <summary>The files written beside a table at <paramref name="path"/>: its labels (<c>.labels.npy</c>, for .npy tables) and, with
    /// <paramref name="png"/>, the image grid (<c>.png</c>).</summary>
    public static string[] DerivedFiles(string path, bool png) =>
    [
        .. Path.GetExtension(path).Equals(".npy", StringComparison.OrdinalIgnoreCase) ? [Path.ChangeExtension(path, ".labels.npy")] : Array.Empty<string>(),
        .. png ? [Path.ChangeExtension(path, ".png")] : Array.Empty<string>(),
    ];

    /// <summary>Rejects output paths whose extension is not .csv, .tsv or .npy, or whose name exceeds the file system's 255 bytes
    /// (before any work is done).</summary>
    /// <exception cref="ArgumentException">Unsupported extension.</exception>
    /// <exception cref="PathTooLongException">A name is too long.</exception>
    public static void CheckTablePath(string path)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new ArgumentException("--out needs a file name ending in .csv, .tsv or .npy");
        string ext = Path.GetExtension(path).ToLowerInvariant();
        if (ext is not (".csv" or ".tsv" or ".npy"))
            throw new ArgumentException($"--out {path}: unsupported format \"{ext}\"; use a file name ending in .csv, .tsv or .npy");
        TempNames.CheckNameLength(path, "--out");
    }

    /// <summary>
    /// Writes a PNG with up to <see cref="GridImages"/> originals in the top row and their reconstructions below, when the
    /// data are single-channel images.
    /// </summary>
    /// <param name="path">Target .png file.</param>
    /// <param name="image">Image shape of one sample, or null (nothing is written).</param>
    /// <param name="originals">Original rows in data space (values in [0, 1]).</param>
    /// <param name="reconstructions">Reconstructed rows in data space, same layout.</param>
    /// <param name="rows">Number of rows available.</param>
    /// <returns>True if the file was written.</returns>
    public static bool WriteGrid(string path, ImageShape? image, ReadOnlySpan<float> originals, ReadOnlySpan<float> reconstructions, int rows)
    {
        if (image == null || image.Channels != 1 || rows == 0) return false;
        int n = Math.Min(GridImages, rows), size = image.Size;
        var top = new List<float[]>();
        var bottom = new List<float[]>();
        for (int i = 0; i < n; i++)
        {
            top.Add(originals.Slice(i * size, size).ToArray());
            bottom.Add(reconstructions.Slice(i * size, size).ToArray());
        }
        ImageGrid.Write(path, [top, bottom], image.Height, image.Width, scale: image.Height < 64 ? 2 : 1);
        return true;
    }
}
