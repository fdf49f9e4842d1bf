using System.Globalization;
using Bottleneck.Data;
using Bottleneck.ModelFiles;

namespace Bottleneck.Anomaly;

/// <summary>
/// The rows an anomaly model trains on, after the optional tabular encoding and the normal-row selection.
/// </summary>
/// <param name="Spec">The data SPEC as used (for CSV with a normal label, with the label column set); saved as the model's data source.</param>
/// <param name="Full">The rows to train on (the normal rows only with a normal label), before the scaling.</param>
/// <param name="Encoder">The tabular encoding fitted on <paramref name="Full"/>, or null for numeric data.</param>
/// <param name="Normal">The normal label, or null.</param>
/// <param name="AllRows">With a normal label: every row of the file (encoded like <paramref name="Full"/>), else null.</param>
/// <param name="AllAnomalyFlags">With a normal label: 1 for the rows of <paramref name="AllRows"/> that are not normal, else null.</param>
public sealed record AnomalyTrainingData(DataSpec Spec, Dataset Full, TabularEncoder? Encoder, NormalLabel? Normal, Dataset? AllRows, int[]? AllAnomalyFlags)
{
    /// <summary>
    /// Loads training data for anomaly detection (its train split). CSV files go through a <see cref="TabularEncoder"/> when
    /// <paramref name="tabular"/> is given or the first data row has a non-numeric feature value; the encoder is fitted on the
    /// normal rows only. With <paramref name="normal"/>, only the rows whose label column holds the normal value are kept
    /// (semi-supervised, one-class training); the others are returned in <see cref="AllRows"/> for thresholds that need them.
    /// </summary>
    /// <param name="spec">The data.</param>
    /// <param name="normal">The normal label column and value, or null (default) for every row.</param>
    /// <param name="tabular">Tabular-encoding options (their label column is set from the SPEC or the normal label), or null (default).</param>
    /// <exception cref="DataException">Unreadable data, a missing column, a missing value without imputation, or no normal rows.</exception>
    /// <exception cref="ArgumentException">Options that do not fit the data (tabular options for non-CSV data, conflicting label columns).</exception>
    public static AnomalyTrainingData Load(DataSpec spec, NormalLabel? normal = null, TabularOptions? tabular = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Kind != DataKind.Csv)
        {
            if (tabular != null) throw new ArgumentException("tabular encoding options apply to csv: data only");
            var loaded = spec.Load("train");
            if (normal == null) return new AnomalyTrainingData(spec, loaded, null, null, null, null);
            if (loaded.Labels == null) throw new DataException($"{loaded.Source}: --normal-only needs labelled data, and this data has no labels", loaded.Source);
            var keep = Enumerable.Range(0, loaded.Rows).Select(i => normal.Matches(loaded.LabelText(i))).ToArray();
            return Select(spec, loaded, null, normal, keep);
        }

        string path = spec.Path!;
        string? labelColumn = spec.LabelColumn;
        if (normal != null)
        {
            if (labelColumn != null && !labelColumn.Equals(normal.Column, StringComparison.OrdinalIgnoreCase))
                throw new ArgumentException($"--normal-only names column \"{normal.Column}\" but the data SPEC's label column is \"{labelColumn}\"; use the same column");
            labelColumn ??= normal.Column;
            spec = spec with { LabelColumn = labelColumn };
        }
        bool[]? normalRows = normal != null ? NormalRows(path, normal) : null;
        Dataset all;
        TabularEncoder? encoder = null;
        if (spec.DecimalComma && tabular != null)
            throw new ArgumentException("a decimal comma (--decimal comma) is supported for numeric CSV data only, not with the tabular encoding (--categorical, --impute, --categorical-impute)");
        if (tabular != null || (!spec.DecimalComma && TabularEncoder.NeedsEncoding(path, labelColumn)))
        {
            var options = (tabular ?? new TabularOptions()) with { LabelColumn = labelColumn };
            encoder = TabularEncoder.Fit(path, options, normalRows is null ? null : row => row < normalRows.Length && normalRows[row]);
            all = encoder.Transform(path);
        }
        else all = CsvLoader.Load(path, new CsvOptions(labelColumn, DecimalComma: spec.DecimalComma));
        if (normalRows == null) return new AnomalyTrainingData(spec, all, encoder, null, null, null);
        if (all.Rows != normalRows.Length)
            throw new DataException($"{path}: read {all.Rows} data rows but the label column has {normalRows.Length} values", path);
        return Select(spec, all, encoder, normal!, normalRows);
    }

    private static AnomalyTrainingData Select(DataSpec spec, Dataset all, TabularEncoder? encoder, NormalLabel normal, bool[] keep)
    {
        var idx = Enumerable.Range(0, all.Rows).Where(i => keep[i]).ToArray();
        if (idx.Length == 0)
        {
            var seen = all.Labels == null ? [] : Enumerable.Range(0, all.Rows).Select(i => all.LabelText(i)).Distinct().Take(10).ToArray();
            throw new DataException($"{all.Source}: no row has {normal.Column} = \"{normal.Value}\" (--normal-only); values seen: {string.Join(", ", seen.Select(v => $"\"{v}\""))}", all.Source);
        }
        var flags = keep.Select(k => k ? 0 : 1).ToArray();
        return new AnomalyTrainingData(spec, all.Subset(idx), encoder, normal, all, flags);
    }

    /// <summary>
    /// For each data row of a CSV file, whether its column <see cref="NormalLabel.Column"/> (header name, case-insensitive, or
    /// 0-based index) holds the normal value.
    /// </summary>
    /// <exception cref="DataException">The column does not exist (the message names it and lists the columns) or the file is empty.</exception>
    public static bool[] NormalRows(string path, NormalLabel normal)
    {
        using var reader = TabularEncoder.Open(path, null);
        if (!reader.Read()) throw new DataException($"{path}: the file is empty (no rows)", path);
        var first = new string[reader.FieldCount];
        for (int c = 0; c < first.Length; c++) first[c] = reader.GetString(c);
        int col = Array.FindIndex(first, h => string.Equals(h.Trim(), normal.Column, StringComparison.OrdinalIgnoreCase));
        bool headerRow = true;
        if (col < 0 && int.TryParse(normal.Column, NumberStyles.Integer, CultureInfo.InvariantCulture, out int idx) && idx >= -first.Length && idx < first.Length)
        {
            col = idx < 0 ? first.Length + idx : idx;
            headerRow = first.Where((_, c) => c != col).Any(v => !double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out _));
        }
        if (col < 0)
            throw new DataException($"{path}: --normal-only column \"{normal.Column}\" not found; columns are: " +
                string.Join(", ", first.Take(30).Select(h => $"\"{h}\"")) + (first.Length > 30 ? ", ..." : ""), path);
        var flags = new List<bool>();
        if (!headerRow) flags.Add(normal.Matches(first[col]));
        try
        {
            while (reader.Read())
            {
                if (col >= reader.FieldCount)
                    throw new DataException($"{path}: row {reader.LineNumber} has {reader.FieldCount} fields but the first row has {first.Length} (ragged rows are not allowed)", path);
                flags.Add(normal.Matches(reader.GetString(col)));
            }
        }
        catch (InvalidDataException e) { throw new DataException($"{path}: corrupt gzip data ({e.Message})", path, e); }
        return flags.ToArray();
    }

    /// <summary>Checks, before training, that <see cref="FitThreshold"/> can fit <paramref name="rule"/> on these rows.</summary>
    /// <param name="rule">The threshold rule.</param>
    /// <exception cref="ArgumentException">The rule needs labelled anomalies (f1) and these rows have none (no normal label, or every row normal).</exception>
    public void CheckThreshold(Threshold rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        if (rule.NeedsLabels && (AllRows == null || (AllAnomalyFlags?.Sum() ?? 0) == 0))
            throw new ArgumentException("threshold rule f1 needs labelled anomalies: train on the normal rows of a labelled file (--normal-only; f1 is then " +
                                        "fitted on all its rows), or fit f1 on labelled scored data ('bottleneck detect --threshold f1 --label COLUMN --normal VALUE')", nameof(rule));
    }

    /// <summary>
    /// Fits <paramref name="rule"/> for a model trained on these rows and keeps it in <paramref name="detector"/>: on the
    /// scores of <paramref name="trainingRows"/>, or, for a rule that needs labelled anomalies (f1), on every row of the
    /// labelled file (<see cref="AllRows"/>, the training rows included), which the saved "fitted on" text says.
    /// </summary>
    /// <param name="rule">The threshold rule.</param>
    /// <param name="detector">The detector of the trained model.</param>
    /// <param name="trainingRows">The training part, prepared (scaled) as the model saw it.</param>
    /// <returns>The fitted state.</returns>
    /// <exception cref="ArgumentException">The rule needs labels and these rows have no labelled anomalies (no normal label, or every row normal).</exception>
    public ThresholdState FitThreshold(Threshold rule, AnomalyDetector detector, Dataset trainingRows)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(detector);
        if (!rule.NeedsLabels) return detector.FitThreshold(rule, trainingRows);
        CheckThreshold(rule);
        int anomalies = AllAnomalyFlags!.Sum();
        var all = detector.Prepare(AllRows!);
        string n(long v) => v.ToString("N0", CultureInfo.InvariantCulture);
        return detector.FitThreshold(rule, all, AllAnomalyFlags,
            $"every row of the labelled training file ({n(all.Rows)} rows, {n(anomalies)} anomalies; includes the training rows, so metrics at it are optimistic)");
    }

    /// <summary>
    /// Reloads the rows a model was trained on (its data source, only the normal rows when it was trained with <c>--normal-only</c>)
    /// and prepares them for <paramref name="detector"/>, to fit a threshold on training scores. Both the training and the validation
    /// part are returned (the split is not repeated).
    /// </summary>
    /// <param name="saved">The model folder.</param>
    /// <param name="detector">The detector built from it.</param>
    /// <param name="description">What the rows are, for the saved threshold's "fitted on" text.</param>
    /// <param name="why">Why the rows could not be loaded, when null is returned.</param>
    /// <returns>The prepared rows, or null when the training data is not available any more (models that did not record their files).</returns>
    /// <exception cref="DataException">The model recorded its training files (<see cref="SavedModel.DataFiles"/>) and one of them is
    /// missing or has changed (size or SHA-256).</exception>
    public static Dataset? ReloadTrainingRows(SavedModel saved, AnomalyDetector detector, out string description, out string why)
    {
        description = why = "";
        DataSpec spec;
        try { spec = DataSpec.Parse(saved.DataSource); }
        catch (DataException) { why = $"the model's data source \"{saved.DataSource}\" is not a data SPEC"; return null; }
        // A model that recorded its files re-reads exactly those: a missing or changed file is refused, never replaced by whatever
        // now has that name (a relative path of an older model resolves against the current folder).
        foreach (var file in saved.DataFiles ?? [])
            if (file.Mismatch() is { } problem)
                throw new DataException($"cannot re-read the model's training data to fit the threshold: {file.Path} {problem}; " +
                                        "restore the file, give the threshold as a number, or retrain the model", file.Path);
        if (saved.DataFiles is { Count: > 0 } recorded)
        {
            IReadOnlyList<string> now;
            try { now = spec.Files("train").Select(DataFileFingerprint.Canonical).ToArray(); }
            catch (DataException e) { throw new DataException($"cannot re-read the model's training data to fit the threshold: {e.Message}", e.FilePath, e); }
            var expected = recorded.Select(f => f.Path).ToArray();
            if (!now.SequenceEqual(expected, StringComparer.Ordinal))
                throw new DataException($"cannot re-read the model's training data to fit the threshold: its SPEC {spec} now reads " +
                                        $"{string.Join(", ", now)}, but the model was trained on {string.Join(", ", expected)}", expected[0]);
        }
        try
        {
            Dataset raw;
            if (spec.Kind == DataKind.Csv)
                raw = detector.Tabular != null ? detector.Tabular.Transform(spec.Path!) : CsvLoader.Load(spec.Path!, new CsvOptions(spec.LabelColumn, DecimalComma: spec.DecimalComma));
            else raw = spec.Load("train");
            if (saved.Normal is { } normal)
            {
                if (raw.Labels == null) { why = $"{spec} has no labels to select the normal rows"; return null; }
                var idx = Enumerable.Range(0, raw.Rows).Where(i => normal.Matches(raw.LabelText(i))).ToArray();
                if (idx.Length == 0) { why = $"{spec} has no row with {normal}"; return null; }
                raw = raw.Subset(idx);
            }
            description = $"training data ({(saved.Normal != null ? $"rows with {saved.Normal} of " : "")}{spec}, " +
                          $"{raw.Rows.ToString("N0", CultureInfo.InvariantCulture)} rows incl. the validation part)";
            return detector.Prepare(raw);
        }
        catch (DataException e)
        {
            why = e.Message.ReplaceLineEndings(" ");
            return null;
        }
    }
}
