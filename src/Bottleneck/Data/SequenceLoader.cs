using System.Globalization;

namespace Bottleneck.Data;

/// <summary>
/// Reads <c>sequences:FILE[:label=COL]</c>: one univariate sequence per row (the UCR archive's format: whitespace-, tab- or
/// comma-separated numbers, no header, e.g. ECG5000 with its class in column 0). Every row must have the same length; a ragged row,
/// an unparsable or missing value (empty, NaN) is an error naming the file, row and column, never silent padding.
/// </summary>
public static class SequenceLoader
{
    /// <summary>Loads the file as a dataset of (T, 1) sequences (<see cref="Dataset.Sequence"/>), with labels from column
    /// <paramref name="labelColumn"/> when given.</summary>
    /// <param name="path">The file.</param>
    /// <param name="labelColumn">0-based column index of the label (negative counts from the end; "first" or "last" also work), or null
    /// (default) when every column is a value.</param>
    /// <exception cref="DataException">The file is missing, empty, ragged, has a bad value or the label column does not exist.</exception>
    public static Dataset Load(string path, string? labelColumn = null)
    {
        if (!File.Exists(path)) throw new DataException($"{path}: file not found (sequences:FILE)", path);
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
                throw new DataException($"{path}: row {line} has {fields.Length} values, the first row has {width} (ragged rows: sequences: needs sequences of equal length; pad them yourself and pass a mask, or cut them)", path);
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

    private static int LabelIndex(string path, string column, int width)
    {
        string c = column.Trim().ToLowerInvariant();
        int idx = c == "first" ? 0 : c == "last" ? -1
            : int.TryParse(c, NumberStyles.Integer, CultureInfo.InvariantCulture, out int k) ? k
            : throw new DataException($"{path}: label column \"{column}\" must be a 0-based index, first or last (sequence files have no header)", path);
        int resolved = idx < 0 ? width + idx : idx;
        if (resolved < 0 || resolved >= width)
            throw new DataException($"{path}: label column {column} is outside the {width} columns of row 1", path);
        return resolved;
    }
}
