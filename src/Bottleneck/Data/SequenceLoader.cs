using System.Globalization;

namespace Bottleneck.Data;

/// <summary>
/// Reads <c>sequences:FILE[:label=COL][:pad]</c>: one univariate sequence per row (the UCR archive's format: whitespace-, tab- or
/// comma-separated numbers, no header, e.g. ECG5000 with its class in column 0). Without <c>pad</c> every row must have the same length;
/// a ragged row, an unparsable or missing value (empty, NaN) is an error naming the file, row and column, never silent padding. With
/// <c>pad</c> (variable-length sequences, opted into) rows may differ in length: each is post-padded with zeros to the longest, T, and
/// its real length is kept in <see cref="Dataset.StepCounts"/>, so the batch mask hides the padding from training and scoring.
/// </summary>
public static class SequenceLoader
{
    /// <summary>Loads the file as a dataset of (T, 1) sequences (<see cref="Dataset.Sequence"/>), with labels from column
    /// <paramref name="labelColumn"/> when given.</summary>
    /// <param name="path">The file.</param>
    /// <param name="labelColumn">0-based column index of the label (negative counts from the end; "first" or "last" also work), or null
    /// (default) when every column is a value.</param>
    /// <param name="pad">Accept rows of different lengths and post-pad them with zeros to the longest, recording each row's length in
    /// <see cref="Dataset.StepCounts"/> (default false: a ragged row is an error). The label column is resolved per row (<c>last</c> is each
    /// row's own last column).</param>
    /// <exception cref="DataException">The file is missing, empty, ragged (without <paramref name="pad"/>), has a bad value, a row without
    /// sequence values, or the label column does not exist.</exception>
    public static Dataset Load(string path, string? labelColumn = null, bool pad = false)
    {
        if (!File.Exists(path)) throw new DataException($"{path}: file not found (sequences:FILE)", path);
        if (pad) return LoadPadded(path, labelColumn);
        var values = new List<float>();
        var labels = labelColumn != null ? new List<string>() : null;
        int width = -1, label = -1, rows = 0, line = 0;
        foreach (var raw in File.ReadLines(path))
        {
            line++;
            var text = raw.Trim();
            if (text.Length == 0) continue;
            var fields = text.Contains(',') ? text.Split(',') : text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (width < 0)
            {
                width = fields.Length;
                if (labelColumn != null) label = LabelIndex(path, labelColumn, width);
                if (width - (label >= 0 ? 1 : 0) < 1) throw new DataException($"{path}: row {line} has no sequence values", path);
            }
            else if (fields.Length != width)
                throw new DataException($"{path}: row {line} has {fields.Length} values, the first row has {width} (sequences of different lengths: add :pad to the spec, sequences:FILE:pad, to pad them and mask the padding)", path);
            for (int c = 0; c < fields.Length; c++)
            {
                var f = fields[c].Trim();
                if (c == label) { labels!.Add(f); continue; }
                if (f.Length == 0 || f.Equals("nan", StringComparison.OrdinalIgnoreCase))
                    throw new DataException($"{path}: row {line}, column {c}: missing value{(f.Length > 0 ? $" \"{f}\"" : "")}; sequences: does not impute", path);
                if (!float.TryParse(f, NumberStyles.Float, CultureInfo.InvariantCulture, out float v) || !float.IsFinite(v))
                    throw new DataException($"{path}: row {line}, column {c}: cannot read \"{f}\" as a number", path);
                values.Add(v);
            }
            rows++;
        }
        if (rows == 0) throw new DataException($"{path}: the file is empty (no rows)", path);
        int steps = width - (label >= 0 ? 1 : 0);
        int[]? ints = null; string[]? names = null;
        if (labels != null) (ints, names) = LabelParsing.Parse(labels);
        var featureNames = Enumerable.Range(0, steps).Select(s => "t" + s.ToString(CultureInfo.InvariantCulture)).ToArray();
        return new Dataset(values.ToArray(), rows, steps, ints, featureNames, null, path, names) { Sequence = new SequenceShape(steps, 1) };
    }

    /// <summary>The <c>pad</c> form: rows of any length ≥ 1 value, post-padded with zeros to the longest.</summary>
    private static Dataset LoadPadded(string path, string? labelColumn)
    {
        var sequences = new List<float[]>();
        var labels = labelColumn != null ? new List<string>() : null;
        int line = 0, longest = 0;
        foreach (var raw in File.ReadLines(path))
        {
            line++;
            var text = raw.Trim();
            if (text.Length == 0) continue;
            var fields = text.Contains(',') ? text.Split(',') : text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            int label = labelColumn != null ? LabelIndex(path, labelColumn, fields.Length, line) : -1;
            if (fields.Length - (label >= 0 ? 1 : 0) < 1) throw new DataException($"{path}: row {line} has no sequence values", path);
            var row = new float[fields.Length - (label >= 0 ? 1 : 0)];
            int k = 0;
            for (int c = 0; c < fields.Length; c++)
            {
                var f = fields[c].Trim();
                if (c == label) { labels!.Add(f); continue; }
                if (f.Length == 0 || f.Equals("nan", StringComparison.OrdinalIgnoreCase))
                    throw new DataException($"{path}: row {line}, column {c}: missing value{(f.Length > 0 ? $" \"{f}\"" : "")}; sequences: does not impute (with :pad, end a shorter row early instead)", path);
                if (!float.TryParse(f, NumberStyles.Float, CultureInfo.InvariantCulture, out float v) || !float.IsFinite(v))
                    throw new DataException($"{path}: row {line}, column {c}: cannot read \"{f}\" as a number", path);
                row[k++] = v;
            }
            sequences.Add(row);
            longest = Math.Max(longest, row.Length);
        }
        if (sequences.Count == 0) throw new DataException($"{path}: the file is empty (no rows)", path);
        var values = new float[(long)sequences.Count * longest];     // zeros after each row's last real step
        var counts = new int[sequences.Count];
        for (int i = 0; i < sequences.Count; i++)
        {
            sequences[i].CopyTo(values, (long)i * longest);
            counts[i] = sequences[i].Length;
        }
        int[]? ints = null; string[]? names = null;
        if (labels != null) (ints, names) = LabelParsing.Parse(labels);
        var featureNames = Enumerable.Range(0, longest).Select(s => "t" + s.ToString(CultureInfo.InvariantCulture)).ToArray();
        return new Dataset(values, sequences.Count, longest, ints, featureNames, null, path, names)
            { Sequence = new SequenceShape(longest, 1), StepCounts = counts };
    }

    private static int LabelIndex(string path, string column, int width, int row = 1)
    {
        string c = column.Trim().ToLowerInvariant();
        int idx = c == "first" ? 0 : c == "last" ? -1
            : int.TryParse(c, NumberStyles.Integer, CultureInfo.InvariantCulture, out int k) ? k
            : throw new DataException($"{path}: label column \"{column}\" must be a 0-based index, first or last (sequence files have no header)", path);
        int resolved = idx < 0 ? width + idx : idx;
        if (resolved < 0 || resolved >= width)
            throw new DataException($"{path}: label column {column} is outside the {width} columns of row {row}", path);
        return resolved;
    }
}
