using System.Globalization;
using CsvHelper;

namespace Bottleneck.IO;

/// <summary>An extra leading column for <see cref="TableWriter"/> (e.g. the label or row index), written before the matrix columns.</summary>
/// <param name="Name">Header name.</param>
/// <param name="Values">One value per row (integers print without a decimal point).</param>
public sealed record TableColumn(string Name, double[] Values);

/// <summary>
/// Writes a float matrix (rows × cols) as CSV/TSV (invariant culture, shortest round-trippable floats, LF line ends,
/// header row) or as NumPy <c>.npy</c> (&lt;f4, shape (rows, leading + cols)), chosen by the file extension. Atomic.
/// </summary>
public static class TableWriter
{
    /// <summary>Writes the table.</summary>
    /// <param name="path">Target file; extension <c>.csv</c>, <c>.tsv</c> or <c>.npy</c> (case-insensitive).</param>
    /// <param name="values">Row-major values, length rows × cols.</param>
    /// <param name="rows">Number of rows (≥ 0).</param>
    /// <param name="cols">Number of matrix columns (≥ 1).</param>
    /// <param name="header">Optional names for the matrix columns (length <paramref name="cols"/>); default null means c0, c1, ...
    /// Ignored for .npy (which has no names).</param>
    /// <param name="leading">Optional extra columns written first (each with <paramref name="rows"/> values); default null.
    /// In .npy they are stored as float32 columns before the matrix.</param>
    /// <param name="rowLengths">Optional: how many of its matrix columns each row really has (padded sequences, trimmed to their
    /// length): in a CSV row the rest are empty cells, in an .npy row NaN. Default null (every column).</param>
    /// <exception cref="ArgumentException">Unknown extension (the message lists the supported ones), or inconsistent lengths.</exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static void Write(string path, ReadOnlySpan<float> values, int rows, int cols, IReadOnlyList<string>? header = null, IReadOnlyList<TableColumn>? leading = null,
        IReadOnlyList<int>? rowLengths = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string ext = Path.GetExtension(path).ToLowerInvariant();
        if (ext is not (".csv" or ".tsv" or ".npy"))
            throw new ArgumentException($"{path}: unsupported table format \"{ext}\"; use a .csv, .tsv or .npy file name", nameof(path));
        if (rows < 0 || cols < 1) throw new ArgumentException($"table size must be rows ≥ 0 and cols ≥ 1, got {rows} x {cols}");
        if (values.Length != (long)rows * cols) throw new ArgumentException($"values has {values.Length} entries but {rows} x {cols} needs {(long)rows * cols}", nameof(values));
        if (header != null && header.Count != cols) throw new ArgumentException($"header has {header.Count} names but there are {cols} columns", nameof(header));
        leading ??= [];
        if (rowLengths != null && rowLengths.Count != rows) throw new ArgumentException($"rowLengths has {rowLengths.Count} entries but there are {rows} rows", nameof(rowLengths));
        foreach (var c in leading)
            if (c.Values.Length != rows) throw new ArgumentException($"leading column \"{c.Name}\" has {c.Values.Length} values but there are {rows} rows", nameof(leading));

        int total = leading.Count + cols;
        if (ext == ".npy")
        {
            var all = new float[(long)rows * total];
            for (int r = 0; r < rows; r++)
            {
                for (int c = 0; c < leading.Count; c++) all[(long)r * total + c] = (float)leading[c].Values[r];
                values.Slice(r * cols, cols).CopyTo(all.AsSpan(r * total + leading.Count, cols));
                if (rowLengths != null) all.AsSpan(r * total + leading.Count + rowLengths[r], cols - rowLengths[r]).Fill(float.NaN);
            }
            NpyWriter.Write(path, all, [rows, total]);
            return;
        }

        var copy = values.ToArray();
        var lead = leading;
        AtomicFile.Write(path, stream =>
        {
            var opts = new CsvWriterOptions { NewLine = "\n", Separator = ext == ".tsv" ? '\t' : ',', FormatProvider = CultureInfo.InvariantCulture };
            using var w = CsvWriter.Create(stream, opts, leaveOpen: true);
            var names = new string[total];
            for (int c = 0; c < lead.Count; c++) names[c] = lead[c].Name;
            for (int c = 0; c < cols; c++) names[lead.Count + c] = header?[c] ?? $"c{c}";
            w.WriteHeader(names);
            for (int r = 0; r < rows; r++)
            {
                for (int c = 0; c < lead.Count; c++) w.WriteField(lead[c].Values[r].ToString("R", CultureInfo.InvariantCulture));
                int real = rowLengths?[r] ?? cols;
                for (int c = 0; c < cols; c++) w.WriteField(c < real ? copy[r * cols + c].ToString("R", CultureInfo.InvariantCulture) : "");
                w.EndRecord();
            }
            w.Flush();
        });
    }
}
