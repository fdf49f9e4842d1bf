using System.Globalization;

namespace Bottleneck.Data;

/// <summary>
/// The options of <c>series:FILE.csv[:columns=a,b][:time=COL][:label=COL]:window=W[,stride=S][:until=TIME|FRACTION]</c>: one long,
/// possibly multivariate series cut into sliding windows.
/// </summary>
/// <param name="Window">W, steps per window, ≥ 1.</param>
/// <param name="Stride">S, steps between window starts, ≥ 1 (default 1).</param>
/// <param name="Columns">Value columns (header names), or null for every column but the time and label columns.</param>
/// <param name="TimeColumn">Time column (timestamps or numbers, strictly increasing), or null for none.</param>
/// <param name="Until">Time-ordered split point: a timestamp or number of the time column (windows whose last step is at or before it
/// form the training part), or a fraction in (0, 1) of the rows (a number in (0, 1) is read as a time only when the time column is numeric and
/// starts at or below it); null for none. Only the training split is cut.</param>
public sealed record SeriesOptions(int Window, int Stride = 1, string[]? Columns = null, string? TimeColumn = null, string? Until = null)
{
    /// <summary>The options as they appear in a SPEC, e.g. <c>:time=timestamp:window=64,stride=8</c>.</summary>
    /// <param name="labelColumn">The SPEC's label column, or null.</param>
    public string SpecSuffix(string? labelColumn) =>
        (Columns != null ? ":columns=" + string.Join(",", Columns) : "") + (TimeColumn != null ? ":time=" + TimeColumn : "") +
        (labelColumn != null ? ":label=" + labelColumn : "") + $":window={Window}" + (Stride != 1 ? $",stride={Stride}" : "") +
        (Until != null ? ":until=" + Until : "");
}

/// <summary>
/// Reads a CSV series (header required) and cuts it into sliding windows of W steps every S steps: each window is one (W, F) sample,
/// time-major, F the number of value columns. A labelled point (label column nonzero) marks every window that holds it. Bad input is an
/// error naming file, row and column: a missing or unparsable value (no silent imputation), an unparsable or non-increasing time, a
/// window longer than the series, an unknown column.
/// </summary>
public static class SeriesLoader
{
    /// <summary>The raw series before windowing.</summary>
    /// <param name="Values">Row-major values, Rows × F.</param>
    /// <param name="Rows">Number of readings.</param>
    /// <param name="Channels">The F value-column names.</param>
    /// <param name="Times">Time per row (timestamps as ticks, or the numbers), or null without a time column.</param>
    /// <param name="PointLabels">0/1 per row, or null without a label column.</param>
    /// <param name="Source">The file.</param>
    public sealed record Series(float[] Values, int Rows, string[] Channels, double[]? Times, int[]? PointLabels, string Source);

    /// <summary>Loads the windows; with <paramref name="trainingPart"/> and <see cref="SeriesOptions.Until"/> only the windows up to the split point.</summary>
    /// <param name="path">The CSV file.</param>
    /// <param name="options">Window, stride, columns, time column, split point.</param>
    /// <param name="labelColumn">Label column (0/1 per point), or null.</param>
    /// <param name="trainingPart">Keep only the windows ending at or before <see cref="SeriesOptions.Until"/> (default false: all).</param>
    /// <exception cref="DataException">Bad file content or options; the message names file, row and column.</exception>
    public static Dataset Load(string path, SeriesOptions options, string? labelColumn = null, bool trainingPart = false)
    {
        ArgumentNullException.ThrowIfNull(options);
        var s = Read(path, options, labelColumn);
        int w = options.Window, stride = options.Stride;
        if (w < 1) throw new DataException($"{path}: window must be ≥ 1, got {w}", path);
        if (stride < 1) throw new DataException($"{path}: stride must be ≥ 1, got {stride}", path);
        if (w > s.Rows) throw new DataException($"{path}: the window of {w} steps is longer than the series ({s.Rows} rows)", path);
        int lastRow = s.Rows - 1;
        if (trainingPart && options.Until is { } until) lastRow = SplitRow(s, until, path);
        int count = lastRow + 1 >= w ? (lastRow + 1 - w) / stride + 1 : 0;
        if (count == 0) throw new DataException($"{path}: no window of {w} steps ends at or before the split point {options.Until} (row {lastRow + 2})", path);
        int f = s.Channels.Length;
        var x = new float[(long)count * w * f];
        var labels = s.PointLabels != null ? new int[count] : null;
        for (int i = 0; i < count; i++)
        {
            int start = i * stride;
            Array.Copy(s.Values, (long)start * f, x, (long)i * w * f, (long)w * f);
            if (labels != null)
                for (int t = start; t < start + w; t++) if (s.PointLabels![t] != 0) { labels[i] = 1; break; }
        }
        var names = new string[w * f];
        for (int t = 0; t < w; t++)
            for (int c = 0; c < f; c++) names[t * f + c] = $"{s.Channels[c]}@t{t}";
        return new Dataset(x, count, w * f, labels, names, null, path) { Sequence = new SequenceShape(w, f) };
    }

    /// <summary>The index of the last row of the training part: the last row whose time is ≤ <paramref name="until"/>, or
    /// ⌊fraction·rows⌋ − 1 for a fraction in (0, 1).</summary>
    private static int SplitRow(Series s, string until, string path)
    {
        if (double.TryParse(until, NumberStyles.Float, CultureInfo.InvariantCulture, out double frac) && frac > 0 && frac < 1 &&
            (s.Times is null || frac < s.Times[0]))
            return Math.Max(0, (int)(frac * s.Rows)) - 1;
        if (s.Times is null)
            throw new DataException($"{path}: until={until} is neither a fraction in (0, 1) nor usable as a time (the SPEC names no time= column)", path);
        double cut = ParseTime(until) ?? throw new DataException($"{path}: until={until} is neither a fraction in (0, 1) nor a time like the time column's", path);
        int last = Array.FindLastIndex(s.Times, t => t <= cut);
        return last;
    }

    /// <summary>Reads the columns of the series (no windowing).</summary>
    /// <param name="path">The CSV file (header row).</param>
    /// <param name="options">Columns and time column (the window options are not used here).</param>
    /// <param name="labelColumn">Label column, or null.</param>
    /// <exception cref="DataException">See <see cref="Load"/>.</exception>
    public static Series Read(string path, SeriesOptions options, string? labelColumn)
    {
        using var reader = TabularEncoder.Open(path, null);
        if (!reader.Read()) throw new DataException($"{path}: the file is empty (no rows)", path);
        var header = new string[reader.FieldCount];
        for (int c = 0; c < header.Length; c++) header[c] = reader.GetString(c).Trim();
        int Find(string name, string what)
        {
            int i = Array.FindIndex(header, h => string.Equals(h, name.Trim(), StringComparison.OrdinalIgnoreCase));
            return i >= 0 ? i : throw new DataException($"{path}: {what} column \"{name}\" not found; columns are: {string.Join(", ", header.Select(h => $"\"{h}\""))}", path);
        }
        int time = options.TimeColumn is { } tc ? Find(tc, "time") : -1;
        int label = labelColumn is { } lc ? Find(lc, "label") : -1;
        int[] cols = options.Columns is { } given ? given.Select(c => Find(c, "value")).ToArray()
            : Enumerable.Range(0, header.Length).Where(c => c != time && c != label).ToArray();
        if (cols.Length == 0) throw new DataException($"{path}: no value columns (every column is the time or the label column)", path);
        var values = new List<float>();
        var times = time >= 0 ? new List<double>() : null;
        var labels = label >= 0 ? new List<int>() : null;
        int rows = 0;
        while (reader.Read())
        {
            long line = reader.LineNumber;
            if (reader.FieldCount != header.Length)
                throw new DataException($"{path}: row {line} has {reader.FieldCount} fields, the header has {header.Length}", path);
            foreach (int c in cols)
            {
                var text = reader.GetString(c).Trim();
                if (text.Length == 0 || text.Equals("nan", StringComparison.OrdinalIgnoreCase))
                    throw new DataException($"{path}: row {line}, column \"{header[c]}\": missing value; series: does not impute (fill or cut the series first)", path);
                if (!float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float v) || !float.IsFinite(v))
                    throw new DataException($"{path}: row {line}, column \"{header[c]}\": cannot read \"{text}\" as a number" +
                        (options.TimeColumn is null ? " (name a time column with time=COL)" : ""), path);
                values.Add(v);
            }
            if (times != null)
            {
                var text = reader.GetString(time).Trim();
                double t = ParseTime(text) ?? throw new DataException($"{path}: row {line}, column \"{header[time]}\": cannot read \"{text}\" as a time or number", path);
                if (times.Count > 0 && !(t > times[^1]))
                    throw new DataException($"{path}: row {line}, column \"{header[time]}\": time \"{text}\" is not after the previous row's (series: needs strictly increasing time)", path);
                times.Add(t);
            }
            if (labels != null)
            {
                var text = reader.GetString(label).Trim();
                if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double l) || !double.IsFinite(l))
                    throw new DataException($"{path}: row {line}, column \"{header[label]}\": label \"{text}\" is not a number (series labels are 0 = normal, nonzero = anomaly)", path);
                labels.Add(l != 0 ? 1 : 0);
            }
            rows++;
        }
        if (rows == 0) throw new DataException($"{path}: the series has no rows", path);
        return new Series(values.ToArray(), rows, cols.Select(c => header[c]).ToArray(), times?.ToArray(), labels?.ToArray(), path);
    }

    /// <summary>A timestamp as ticks (invariant culture, e.g. "2013-12-02 21:15:00") or a plain number; null if neither.</summary>
    private static double? ParseTime(string text)
    {
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double d)) return d;
        if (DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var dt)) return dt.Ticks;
        return null;
    }
}
