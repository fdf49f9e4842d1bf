using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using CsvHelper;

namespace Bottleneck.Data;

/// <summary>How missing numeric values are handled.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<NumericImpute>))]
public enum NumericImpute
{
    /// <summary>A missing value is an error (<see cref="DataException"/> naming file, row and column).</summary>
    None,
    /// <summary>Replace with the training mean (encodes to 0).</summary>
    Mean,
    /// <summary>Replace with the training median.</summary>
    Median,
}

/// <summary>How missing categorical values are handled.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<CategoricalImpute>))]
public enum CategoricalImpute
{
    /// <summary>A missing value is an error (<see cref="DataException"/> naming file, row and column).</summary>
    None,
    /// <summary>Replace with the most frequent training category (ties: the ordinally first).</summary>
    MostFrequent,
    /// <summary>Treat "missing" as a category of its own (feature <c>name=(missing)</c>, present when training data had missing values).</summary>
    Missing,
}

/// <summary>Whether a column is encoded as a number or one-hot.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ColumnKind>))]
public enum ColumnKind
{
    /// <summary>Standardized: (x − mean) / sd with the training mean and population sd (sd 1 for a constant column).</summary>
    Numeric,
    /// <summary>One-hot over the training vocabulary (sorted ordinally); unseen values encode as all zeros and are counted.</summary>
    Categorical,
}

/// <summary>Options of <see cref="TabularEncoder.Fit(string, TabularOptions?, Func{long, bool}?)"/>.</summary>
/// <param name="LabelColumn">Column holding the label (excluded from the features, read into <see cref="Dataset.Labels"/>); null (default) for none. May be absent at scoring time.</param>
/// <param name="Categorical">Columns to one-hot encode even if all their values are numeric (default none). A column is also categorical when any non-empty training value is not a number.</param>
/// <param name="Ignore">Columns left out of the features (ids, timestamps; default none).</param>
/// <param name="Impute">Missing numeric values: None (error, default), Mean or Median.</param>
/// <param name="CategoricalImpute">Missing categorical values: None (error, default), MostFrequent or Missing (own category).</param>
/// <param name="DropConstant">Drop columns that are constant in the training data (default false: keep them; a constant numeric column encodes as 0 with scale 1, a one-category column as a 1 that changes only for unseen values).</param>
/// <param name="HasHeader">Whether the first row is a header (default true). Without a header, columns are matched by position and named by <paramref name="ColumnNames"/> or <c>col0, col1, …</c>.</param>
/// <param name="ColumnNames">Names for a headerless file, one per column (default null).</param>
/// <param name="Delimiter">Field separator; null (default) = tab for .tsv/.tsv.gz, comma otherwise.</param>
/// <param name="MaxCategories">Largest vocabulary accepted for one categorical column (default 1000); more is a <see cref="DataException"/> suggesting <paramref name="Ignore"/>.</param>
public sealed record TabularOptions(string? LabelColumn = null, string[]? Categorical = null, string[]? Ignore = null,
    NumericImpute Impute = NumericImpute.None, CategoricalImpute CategoricalImpute = CategoricalImpute.None, bool DropConstant = false,
    bool HasHeader = true, string[]? ColumnNames = null, string? Delimiter = null, int MaxCategories = 1000);

/// <summary>The fitted encoding of one source column.</summary>
/// <param name="Name">Column name (header, given name, or col{index}).</param>
/// <param name="Kind">Numeric or categorical.</param>
/// <param name="Mean">Numeric: training mean of the non-missing values (raw units). Categorical: 0.</param>
/// <param name="Scale">Numeric: population sd of the training values, or 1 when it is 0 (constant column). Categorical: 1.</param>
/// <param name="Fill">Numeric: imputation value in raw units (mean or median), or null without imputation.</param>
/// <param name="Categories">Categorical: the vocabulary, ordinally sorted ("" stands for the missing category). Numeric: null.</param>
/// <param name="FillCategory">Categorical with MostFrequent imputation: the category used for missing values; else null.</param>
/// <param name="Dropped">Constant column dropped (<see cref="TabularOptions.DropConstant"/>): produces no features.</param>
public sealed record TabularColumnState(string Name, ColumnKind Kind, double Mean, double Scale, double? Fill, string[]? Categories,
    string? FillCategory, bool Dropped);

/// <summary>Serializable state of a <see cref="TabularEncoder"/> (saved as the <c>tabular</c> entry of a model's config.json).</summary>
/// <param name="Columns">Feature columns in source order (label and ignored columns excluded).</param>
/// <param name="Impute">Numeric imputation.</param>
/// <param name="CategoricalImpute">Categorical imputation.</param>
/// <param name="LabelColumn">Label column name, or null.</param>
/// <param name="HasHeader">Whether files have a header row.</param>
/// <param name="SourceColumns">All column names of the training file in order (for headerless files: positional matching).</param>
/// <param name="Delimiter">Delimiter given at fit time, or null for by-extension.</param>
/// <param name="TrainingRows">Rows the encoder was fitted on.</param>
public sealed record TabularEncoderState(TabularColumnState[] Columns, NumericImpute Impute, CategoricalImpute CategoricalImpute,
    string? LabelColumn, bool HasHeader, string[] SourceColumns, string? Delimiter, long TrainingRows);

/// <summary>Counts of what a transform had to work around.</summary>
/// <param name="Rows">Rows transformed.</param>
/// <param name="UnseenByColumn">Per categorical column, values not in the training vocabulary (encoded as all zeros).</param>
/// <param name="UnseenExamples">Per column, up to 5 distinct unseen values, for messages.</param>
/// <param name="ImputedByColumn">Per column, missing values filled by imputation.</param>
public sealed record TabularTransformReport(long Rows, IReadOnlyDictionary<string, long> UnseenByColumn,
    IReadOnlyDictionary<string, string[]> UnseenExamples, IReadOnlyDictionary<string, long> ImputedByColumn)
{
    /// <summary>Total unseen categorical values.</summary>
    public long UnseenTotal => UnseenByColumn.Values.Sum();

    /// <summary>One line per column with unseen values, e.g. <c>service: 12 unseen (e.g. "icmp_x")</c>; empty when none.</summary>
    public string Describe() => string.Join(Environment.NewLine, UnseenByColumn.Where(kv => kv.Value > 0).Select(kv =>
        $"{kv.Key}: {kv.Value} unseen categor{(kv.Value == 1 ? "y" : "ies")} encoded as all zeros" +
        (UnseenExamples.TryGetValue(kv.Key, out var ex) && ex.Length > 0 ? $" (e.g. {string.Join(", ", ex.Select(e => $"\"{e}\""))})" : "")));
}

/// <summary>
/// Turns mixed-type CSV into model input, fitted on training data only: numeric columns standardized with the training mean and
/// population sd, categorical columns one-hot encoded over the training vocabulary (features named <c>column=value</c>, e.g.
/// <c>protocol_type=tcp</c>). At scoring time unseen categories encode as all zeros and are counted (<see cref="Report"/>); missing
/// values raise a <see cref="DataException"/> naming file, row and column unless an imputation option is set. Its
/// <see cref="State"/> round-trips through JSON and is saved with the model so scoring applies exactly the same encoding.
/// </summary>
/// <remarks>
/// Column typing: a column is categorical if it is listed in <see cref="TabularOptions.Categorical"/> or any non-empty training value
/// fails to parse as an invariant-culture number; otherwise numeric. Rows are counted as lines of the file with the header as row 1.
/// Fitting streams the file once (memory: the vocabularies, plus the values of numeric columns when imputing by median).
/// Not thread-safe.
/// </remarks>
public sealed class TabularEncoder
{
    private readonly TabularEncoderState _state;
    private readonly Dictionary<string, int>[] _vocab;          // per column: category → offset within its one-hot block
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>>[] _lookup;
    private readonly int[] _featureOffset;                       // per column: first output feature, -1 if dropped
    private readonly long[] _unseen, _imputed;
    private readonly List<string>[] _unseenExamples;
    private long _rows;

    /// <summary>Restores an encoder from saved state.</summary>
    /// <exception cref="ArgumentException">The state is inconsistent (no columns, a categorical column without categories, a zero scale).</exception>
    public TabularEncoder(TabularEncoderState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Columns is null || state.SourceColumns is null) throw new ArgumentException("tabular encoder state has no columns", nameof(state));
        _state = state;
        int n = state.Columns.Length;
        _vocab = new Dictionary<string, int>[n];
        _lookup = new Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>>[n];
        _featureOffset = new int[n];
        _unseen = new long[n]; _imputed = new long[n];
        _unseenExamples = new List<string>[n];
        var names = new List<string>();
        for (int c = 0; c < n; c++)
        {
            var col = state.Columns[c];
            _unseenExamples[c] = [];
            _vocab[c] = new Dictionary<string, int>(StringComparer.Ordinal);
            _lookup[c] = _vocab[c].GetAlternateLookup<ReadOnlySpan<char>>();
            if (col.Dropped) { _featureOffset[c] = -1; continue; }
            _featureOffset[c] = names.Count;
            if (col.Kind == ColumnKind.Numeric)
            {
                if (!(col.Scale > 0) || !double.IsFinite(col.Scale) || !double.IsFinite(col.Mean))
                    throw new ArgumentException($"tabular encoder state: column \"{col.Name}\" has an invalid mean/scale {col.Mean}/{col.Scale}", nameof(state));
                if (col.Fill is double fill && !double.IsFinite(fill))
                    throw new ArgumentException($"tabular encoder state: column \"{col.Name}\" has a non-finite fill value {fill}", nameof(state));
                names.Add(col.Name);
            }
            else
            {
                if (col.Categories is null || col.Categories.Length == 0)
                    throw new ArgumentException($"tabular encoder state: categorical column \"{col.Name}\" has no categories", nameof(state));
                for (int k = 0; k < col.Categories.Length; k++)
                {
                    _vocab[c][col.Categories[k]] = k;
                    names.Add($"{col.Name}={(col.Categories[k].Length == 0 ? "(missing)" : col.Categories[k])}");
                }
            }
        }
        if (names.Count == 0) throw new ArgumentException("tabular encoder state produces no features", nameof(state));
        FeatureNames = names.ToArray();
    }

    /// <summary>The state, for saving (immutable record; safe to share).</summary>
    public TabularEncoderState State => _state;

    /// <summary>Output width: numeric columns plus the vocabulary sizes of categorical columns (dropped columns excluded).</summary>
    public int FeatureCount => FeatureNames.Length;

    /// <summary>Output feature names: the column name for numeric columns, <c>column=value</c> for one-hot features.</summary>
    public string[] FeatureNames { get; }

    /// <summary>The fitted columns.</summary>
    public IReadOnlyList<TabularColumnState> Columns => _state.Columns;

    /// <summary>What the transforms since creation (or the last <see cref="ResetReport"/>) had to work around.</summary>
    public TabularTransformReport Report
    {
        get
        {
            var unseen = new Dictionary<string, long>(); var ex = new Dictionary<string, string[]>(); var imp = new Dictionary<string, long>();
            for (int c = 0; c < _state.Columns.Length; c++)
            {
                var name = _state.Columns[c].Name;
                if (_unseen[c] > 0) { unseen[name] = _unseen[c]; ex[name] = _unseenExamples[c].ToArray(); }
                if (_imputed[c] > 0) imp[name] = _imputed[c];
            }
            return new TabularTransformReport(_rows, unseen, ex, imp);
        }
    }

    /// <summary>Clears the counters behind <see cref="Report"/>.</summary>
    public void ResetReport()
    {
        Array.Clear(_unseen); Array.Clear(_imputed); _rows = 0;
        foreach (var l in _unseenExamples) l.Clear();
    }

    /// <summary>Serializes the state to JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(_state, JsonOptions);

    /// <summary>Restores an encoder from <see cref="ToJson"/> output.</summary>
    /// <exception cref="JsonException">Malformed JSON.</exception>
    /// <exception cref="ArgumentException">Inconsistent state.</exception>
    public static TabularEncoder FromJson(string json) =>
        new(JsonSerializer.Deserialize<TabularEncoderState>(json, JsonOptions) ?? throw new ArgumentException("tabular encoder JSON is null"));

    internal static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    // ------------------------------------------------------------------ fitting

    /// <summary>Fits the encoder on a training CSV/TSV file (raw or gzip), in one streaming pass.</summary>
    /// <param name="path">The training file.</param>
    /// <param name="options">Options; default null = header row, no label, no imputation.</param>
    /// <exception cref="DataException">The file is missing, empty or malformed; a missing value without imputation (names row and column);
    /// a non-finite number; a categorical column with more than <see cref="TabularOptions.MaxCategories"/> values; an unknown column in the options.</exception>
    /// <param name="rowFilter">Optional: fit only on the data rows for which it returns true (0-based data row index, header excluded), e.g. the
    /// training split's normal rows; default null = all rows.</param>
    public static TabularEncoder Fit(string path, TabularOptions? options = null, Func<long, bool>? rowFilter = null)
    {
        options ??= new TabularOptions();
        using var reader = Open(path, options.Delimiter);
        return Fit(reader, path, options, rowFilter);
    }

    /// <summary>Fits the encoder on CSV text (comma-separated unless <see cref="TabularOptions.Delimiter"/> says otherwise).</summary>
    /// <param name="text">The text; not disposed.</param>
    /// <param name="sourceName">Name used in messages.</param>
    /// <param name="options">Options; default null.</param>
    /// <exception cref="DataException">See <see cref="Fit(string, TabularOptions?, Func{long, bool}?)"/>.</exception>
    public static TabularEncoder Fit(TextReader text, string sourceName, TabularOptions? options = null)
    {
        options ??= new TabularOptions();
        using var reader = CsvReader.Create(text, CsvLoader.MakeOptions(options.Delimiter ?? ",", sourceName), leaveOpen: true);
        return Fit(reader, sourceName, options, null);
    }

    private sealed class ColumnStats
    {
        public bool NonNumeric;
        public long FirstNonNumericRow;
        public string? FirstNonNumericValue;
        public bool CommaDecimalsOnly = true;   // every non-numeric value reads as a number with a decimal comma
        public long Count, Missing, FirstMissingRow;
        public double Mean, M2;
        public List<double>? Values;
        public Dictionary<string, long>? Distinct = new(StringComparer.Ordinal);
    }

    private static TabularEncoder Fit(CsvReader reader, string src, TabularOptions options, Func<long, bool>? rowFilter)
    {
        try
        {
            var (names, pending) = ReadHeader(reader, src, options.HasHeader, options.ColumnNames);
            int fieldCount = names.Length;
            int label = options.LabelColumn is null ? -1 : FindColumn(names, options.LabelColumn, src, "label column");
            var ignore = new HashSet<int>((options.Ignore ?? []).Select(n => FindColumn(names, n, src, "ignored column")));
            var forced = new HashSet<int>((options.Categorical ?? []).Select(n => FindColumn(names, n, src, "categorical column")));
            var stats = new ColumnStats[fieldCount];
            for (int c = 0; c < fieldCount; c++)
                stats[c] = new ColumnStats { Values = options.Impute == NumericImpute.Median ? [] : null };
            var lookups = stats.Select(s => s.Distinct!.GetAlternateLookup<ReadOnlySpan<char>>()).ToArray();
            Span<char> buf = stackalloc char[256];
            long rows = 0, dataRow = -1;
            while (pending || reader.Read())
            {
                pending = false;
                dataRow++;
                if (rowFilter != null && !rowFilter(dataRow)) continue;
                long line = reader.LineNumber;
                CheckFieldCount(reader, fieldCount, line, src);
                for (int c = 0; c < fieldCount; c++)
                {
                    if (c == label || ignore.Contains(c)) continue;
                    var s = stats[c];
                    if (reader.IsEmpty(c)) { if (s.Missing++ == 0) s.FirstMissingRow = line; continue; }
                    var cell = Cell(reader, c, ref buf);
                    if (s.Distinct != null)
                    {
                        if (lookups[c].TryGetValue(cell, out long cnt)) lookups[c][cell] = cnt + 1;
                        else if (s.Distinct.Count < options.MaxCategories) s.Distinct[cell.ToString()] = 1;
                        else s.Distinct = null;             // too many values to be categorical
                    }
                    if (forced.Contains(c)) continue;
                    if (s.NonNumeric)
                    {
                        if (s.CommaDecimalsOnly && !CsvLoader.TryParseNumber(cell, true, out _)) s.CommaDecimalsOnly = false;
                        continue;
                    }
                    if (double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out double v))
                    {
                        if (!float.IsFinite((float)v))
                            throw new DataException($"{src}: value \"{cell}\" at row {line}, {Describe(names, c)} is not a finite float32 number", src);
                        s.Count++;
                        double d = v - s.Mean;
                        s.Mean += d / s.Count;
                        s.M2 += d * (v - s.Mean);
                        s.Values?.Add(v);
                    }
                    else
                    {
                        s.NonNumeric = true; s.FirstNonNumericRow = line; s.FirstNonNumericValue = cell.ToString();
                        s.Values = null;
                        s.CommaDecimalsOnly = cell.Contains(',') && CsvLoader.TryParseNumber(cell, true, out _);
                    }
                }
                rows++;
            }
            if (rows == 0) throw new DataException($"{src}: no data rows to fit the tabular encoding on", src);

            var columns = new List<TabularColumnState>();
            for (int c = 0; c < fieldCount; c++)
            {
                if (c == label || ignore.Contains(c)) continue;
                var s = stats[c];
                string name = names[c];
                bool categorical = forced.Contains(c) || s.NonNumeric;
                if (s.NonNumeric && s.CommaDecimalsOnly && !forced.Contains(c))
                    throw CsvLoader.NotANumber(src, s.FirstNonNumericValue!, s.FirstNonNumericRow, Describe(names, c), false);
                if (s.Missing > 0)
                {
                    bool error = categorical ? options.CategoricalImpute == CategoricalImpute.None : options.Impute == NumericImpute.None;
                    if (error)
                        throw new DataException($"{src}: missing value at row {s.FirstMissingRow}, {Describe(names, c)} ({s.Missing} missing in this column); " +
                            (categorical ? "set categorical imputation (most-frequent or missing) to fill it" : "set numeric imputation (mean or median) to fill it") +
                            ", or fix the data", src);
                }
                if (categorical)
                {
                    if (s.Distinct is null)
                        throw new DataException($"{src}: {Describe(names, c)} is categorical" +
                            (s.NonNumeric ? $" (non-numeric value \"{s.FirstNonNumericValue}\" at row {s.FirstNonNumericRow})" : " (listed as categorical)") +
                            $" but has more than {options.MaxCategories} distinct values; ignore it (it is probably an id or free text) or raise MaxCategories", src);
                    var cats = s.Distinct.Keys.ToList();
                    if (s.Missing > 0 && options.CategoricalImpute == CategoricalImpute.Missing) cats.Add("");
                    cats.Sort(StringComparer.Ordinal);
                    string? fill = null;
                    if (options.CategoricalImpute == CategoricalImpute.MostFrequent && s.Distinct.Count > 0)
                        fill = s.Distinct.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).First().Key;
                    if (cats.Count == 0)
                        throw new DataException($"{src}: {Describe(names, c)} has only missing values", src);
                    bool constant = cats.Count == 1 && s.Missing == 0;
                    columns.Add(new TabularColumnState(name, ColumnKind.Categorical, 0, 1, null, cats.ToArray(), fill, constant && options.DropConstant));
                }
                else
                {
                    if (s.Count == 0) throw new DataException($"{src}: {Describe(names, c)} has only missing values", src);
                    double sd = Math.Sqrt(s.M2 / s.Count);
                    bool constant = !(sd > 1e-12 * Math.Max(1, Math.Abs(s.Mean)));
                    double? fillValue = s.Missing == 0 && options.Impute == NumericImpute.None ? null : options.Impute switch
                    {
                        NumericImpute.Mean => s.Mean,
                        NumericImpute.Median => Median(s.Values!),
                        _ => null,
                    };
                    columns.Add(new TabularColumnState(name, ColumnKind.Numeric, s.Mean, constant ? 1 : sd, fillValue, null, null, constant && options.DropConstant));
                }
            }
            if (columns.Count(c => !c.Dropped) == 0)
                throw new DataException($"{src}: no feature columns left (label, ignored and dropped constant columns excluded)", src);
            return new TabularEncoder(new TabularEncoderState(columns.ToArray(), options.Impute, options.CategoricalImpute,
                label >= 0 ? names[label] : null, options.HasHeader, names, options.Delimiter, rows));
        }
        catch (CsvFormatException e) { throw new DataException($"{src}: malformed CSV at row {e.LineNumber}: {e.Message.Split('\n')[0]}", src, e); }
        catch (InvalidDataException e) { throw new DataException($"{src}: corrupt gzip data ({e.Message})", src, e); }
    }

    private static double Median(List<double> v)
    {
        v.Sort();
        int n = v.Count;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }

    // ------------------------------------------------------------------ transforming

    /// <summary>Encodes a whole file into a dataset (features = <see cref="FeatureNames"/>; labels from the label column when present).</summary>
    /// <param name="path">CSV/TSV file (raw or gzip) with the training file's columns (by header name, or by position without a header).</param>
    /// <returns>The encoded rows; labels are integers when every label is an integer, else class indices in order of first appearance with <see cref="Dataset.ClassNames"/>.</returns>
    /// <exception cref="DataException">A missing column, a missing value without imputation, or a non-numeric value in a numeric column (names file, row and column).</exception>
    public Dataset Transform(string path)
    {
        using var rows = OpenRows(path);
        return rows.ReadAll();
    }

    /// <summary>Encodes CSV text into a dataset. See <see cref="Transform(string)"/>.</summary>
    public Dataset Transform(TextReader text, string sourceName)
    {
        using var rows = OpenRows(text, sourceName);
        return rows.ReadAll();
    }

    /// <summary>Opens a file for chunked encoding (streaming scoring of files larger than memory).</summary>
    /// <exception cref="DataException">The file is missing, empty, or lacks a fitted column.</exception>
    public TabularRowReader OpenRows(string path)
    {
        var reader = Open(path, _state.Delimiter);
        try { return new TabularRowReader(this, reader, path); }
        catch { reader.Dispose(); throw; }
    }

    /// <summary>Opens CSV text for chunked encoding; the text is not disposed.</summary>
    public TabularRowReader OpenRows(TextReader text, string sourceName)
    {
        var reader = CsvReader.Create(text, CsvLoader.MakeOptions(_state.Delimiter ?? ",", sourceName), leaveOpen: true);
        try { return new TabularRowReader(this, reader, sourceName); }
        catch { reader.Dispose(); throw; }
    }

    /// <summary>Encodes the current record of <paramref name="reader"/> into <paramref name="dest"/> (length <see cref="FeatureCount"/>).</summary>
    internal void EncodeRow(CsvReader reader, int[] sourceIndex, Span<float> dest, long line, string src, ref Span<char> buf)
    {
        dest.Clear();
        var cols = _state.Columns;
        for (int c = 0; c < cols.Length; c++)
        {
            int off = _featureOffset[c];
            if (off < 0) continue;
            var col = cols[c];
            int sc = sourceIndex[c];
            bool empty = reader.IsEmpty(sc);
            if (col.Kind == ColumnKind.Numeric)
            {
                double v;
                if (empty)
                {
                    if (col.Fill is not double fill)
                        throw new DataException($"{src}: missing value at row {line}, column \"{col.Name}\" (0-based index {sc}); the model was saved without numeric imputation", src);
                    v = fill; _imputed[c]++;
                }
                else
                {
                    var cell = Cell(reader, sc, ref buf);
                    if (!double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out v) || !double.IsFinite(v))
                        throw new DataException($"{src}: non-numeric value \"{Truncate(cell)}\" at row {line}, column \"{col.Name}\" (0-based index {sc}); the column is numeric in the training data", src);
                }
                double z = (v - col.Mean) / col.Scale;
                if (!float.IsFinite((float)z))
                    throw new DataException($"{src}: value \"{Truncate(Cell(reader, sc, ref buf))}\" at row {line}, column \"{col.Name}\" (0-based index {sc}) is too large: standardized it is not a finite float32 number", src);
                dest[off] = (float)z;
            }
            else
            {
                int k;
                if (empty)
                {
                    if (_state.CategoricalImpute == CategoricalImpute.None)
                        throw new DataException($"{src}: missing value at row {line}, column \"{col.Name}\" (0-based index {sc}); the model was saved without categorical imputation", src);
                    string key = _state.CategoricalImpute == CategoricalImpute.MostFrequent ? col.FillCategory ?? "" : "";
                    if (!_vocab[c].TryGetValue(key, out k)) { Unseen(c, "(missing)"); continue; }
                    _imputed[c]++;
                }
                else
                {
                    var cell = Cell(reader, sc, ref buf);
                    if (!_lookup[c].TryGetValue(cell, out k)) { Unseen(c, cell); continue; }
                }
                dest[off + k] = 1f;
            }
        }
        _rows++;
    }

    private void Unseen(int c, ReadOnlySpan<char> value)
    {
        _unseen[c]++;
        var ex = _unseenExamples[c];
        if (ex.Count < 5)
        {
            var s = value.ToString();
            if (!ex.Contains(s)) ex.Add(s);
        }
    }

    /// <summary>
    /// Whether a CSV file needs the tabular encoding: its first data row (the row after a header, or the first row of a headerless
    /// file) has a non-numeric or empty value outside the label column (name, 0-based index or "last").
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="labelColumn">The label column, or null.</param>
    /// <exception cref="DataException">The file cannot be read.</exception>
    public static bool NeedsEncoding(string path, string? labelColumn)
    {
        using var reader = Open(path, null);
        if (!reader.Read()) return false;
        var first = new string[reader.FieldCount];
        for (int c = 0; c < first.Length; c++) first[c] = reader.GetString(c);
        int label = labelColumn is null ? -1 : Array.FindIndex(first, h => string.Equals(h.Trim(), labelColumn, StringComparison.OrdinalIgnoreCase));
        if (label < 0 && labelColumn != null && int.TryParse(labelColumn, NumberStyles.Integer, CultureInfo.InvariantCulture, out int idx))
            label = idx < 0 ? first.Length + idx : idx;
        if (labelColumn != null && labelColumn.Equals("last", StringComparison.OrdinalIgnoreCase)) label = first.Length - 1;
        static bool Text(string v) => !double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out _);
        bool header = first.Where((_, c) => c != label).Any(Text);
        if (!header) return false;
        if (!reader.Read()) return false;
        for (int c = 0; c < reader.FieldCount; c++)
            if (c != label && Text(reader.GetString(c))) return true;
        return false;
    }

    /// <summary>Whether the header row of a CSV file has a column named <paramref name="column"/> (case-insensitive); false when unreadable.</summary>
    /// <param name="path">The file.</param>
    /// <param name="column">The column name.</param>
    public static bool HasColumn(string path, string column)
    {
        try
        {
            using var reader = Open(path, null);
            if (!reader.Read()) return false;
            for (int c = 0; c < reader.FieldCount; c++)
                if (string.Equals(reader.GetString(c).Trim(), column, StringComparison.OrdinalIgnoreCase)) return true;
            return false;
        }
        catch (DataException) { return false; }
    }

    /// <summary>Maps each fitted column to its index in a file with the given column names (or positions).</summary>
    internal int[] MapColumns(string[]? header, int fieldCount, string src, out int labelIndex)
    {
        var cols = _state.Columns;
        var map = new int[cols.Length];
        labelIndex = -1;
        if (header != null && _state.HasHeader)
        {
            var missing = new List<string>();
            for (int c = 0; c < cols.Length; c++)
            {
                map[c] = FindIndex(header, cols[c].Name);
                if (map[c] < 0 && !cols[c].Dropped) missing.Add(cols[c].Name);
                if (map[c] < 0) map[c] = 0;
            }
            if (missing.Count > 0)
                throw new DataException($"{src}: column(s) {string.Join(", ", missing.Select(m => $"\"{m}\""))} of the training data are missing; the file has: {string.Join(", ", header.Take(30).Select(h => $"\"{h}\""))}", src);
            if (_state.LabelColumn != null) labelIndex = FindIndex(header, _state.LabelColumn);
        }
        else
        {
            var source = _state.SourceColumns;
            if (fieldCount < source.Length - (_state.LabelColumn != null && Array.IndexOf(source, _state.LabelColumn) == source.Length - 1 ? 1 : 0))
                throw new DataException($"{src}: rows have {fieldCount} fields but the training data had {source.Length} columns ({string.Join(", ", source.Take(10))}…)", src);
            for (int c = 0; c < cols.Length; c++) map[c] = Array.IndexOf(source, cols[c].Name);
            if (_state.LabelColumn != null)
            {
                int li = Array.IndexOf(source, _state.LabelColumn);
                labelIndex = li < fieldCount ? li : -1;
            }
        }
        return map;
    }

    private static int FindIndex(string[] header, string name)
    {
        int i = Array.IndexOf(header, name);
        return i >= 0 ? i : Array.FindIndex(header, h => string.Equals(h, name, StringComparison.OrdinalIgnoreCase));
    }

    // ------------------------------------------------------------------ CSV helpers

    internal static CsvReader Open(string path, string? delimiter)
    {
        if (!File.Exists(path)) throw new DataException($"{path}: file not found", path);
        string d = delimiter ?? (path.EndsWith(".tsv", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".tsv.gz", StringComparison.OrdinalIgnoreCase) ? "\t" : ",");
        var stream = IdxLoader.OpenMaybeGzip(path);
        return CsvReader.Create(stream, CsvLoader.MakeOptions(d, path), leaveOpen: false);
    }


    /// <summary>Reads the first record; returns column names and whether that record is data (headerless).</summary>
    internal static (string[] Names, bool FirstIsData) ReadHeader(CsvReader reader, string src, bool hasHeader, string[]? given)
    {
        if (!reader.Read()) throw new DataException($"{src}: the file is empty (no rows)", src);
        int n = reader.FieldCount;
        if (hasHeader)
        {
            var names = new string[n];
            for (int c = 0; c < n; c++) names[c] = reader.GetString(c);
            CsvLoader.CheckUniqueNames(names, src);
            return (names, false);
        }
        if (given != null)
        {
            if (given.Length != n) throw new DataException($"{src}: {given.Length} column names were given but rows have {n} fields", src);
            return (given.ToArray(), true);
        }
        return (Enumerable.Range(0, n).Select(i => $"col{i}").ToArray(), true);
    }

    internal static void CheckFieldCount(CsvReader reader, int expected, long line, string src)
    {
        if (reader.FieldCount != expected)
            throw new DataException($"{src}: row {line} has {reader.FieldCount} fields but the first row has {expected} (ragged rows are not allowed)", src);
    }

    /// <summary>The field as chars, in <paramref name="buf"/> (grown on the heap for long fields).</summary>
    internal static ReadOnlySpan<char> Cell(CsvReader reader, int c, ref Span<char> buf)
    {
        var bytes = reader.GetSpan(c);
        if (bytes.Length > buf.Length) buf = new char[bytes.Length * 2];
        int len = System.Text.Encoding.UTF8.GetChars(bytes, buf);
        return buf[..len];
    }

    private static int FindColumn(string[] names, string name, string src, string what)
    {
        int i = FindIndex(names, name);
        if (i < 0 && int.TryParse(name, NumberStyles.Integer, CultureInfo.InvariantCulture, out int idx) && idx >= 0 && idx < names.Length) i = idx;
        if (i < 0) throw new DataException($"{src}: {what} \"{name}\" not found; columns are: {string.Join(", ", names.Take(30).Select(h => $"\"{h}\""))}", src);
        return i;
    }

    private static string Describe(string[] names, int c) => $"column \"{names[c]}\" (0-based index {c})";

    private static string Truncate(ReadOnlySpan<char> s) => s.Length <= 40 ? s.ToString() : s[..40].ToString() + "...";
}

/// <summary>
/// Chunked reader that encodes a CSV file with a fitted <see cref="TabularEncoder"/>: read a few thousand rows at a time into a
/// reusable buffer, so files larger than memory can be scored. Labels (the label column's raw text) are returned per chunk when
/// the file has the label column.
/// </summary>
public sealed class TabularRowReader : IRowReader
{
    private readonly TabularEncoder _encoder;
    private readonly CsvReader _reader;
    private readonly int[] _map;
    private readonly int _labelIndex, _fieldCount;
    private bool _pending, _done;
    private char[] _heap = new char[256];

    internal TabularRowReader(TabularEncoder encoder, CsvReader reader, string source)
    {
        _encoder = encoder; _reader = reader; Source = source;
        var st = encoder.State;
        if (!reader.Read()) throw new DataException($"{source}: the file is empty (no rows)", source);
        _fieldCount = reader.FieldCount;
        string[]? header = null;
        if (st.HasHeader)
        {
            header = new string[_fieldCount];
            for (int c = 0; c < _fieldCount; c++) header[c] = reader.GetString(c);
            CsvLoader.CheckUniqueNames(header, source);
        }
        else _pending = true;
        _map = encoder.MapColumns(header, _fieldCount, source, out _labelIndex);
    }

    /// <summary>File name used in messages.</summary>
    public string Source { get; }

    /// <summary>Whether the file has the label column.</summary>
    public bool HasLabels => _labelIndex >= 0;

    /// <summary>Width of one encoded row.</summary>
    public int FeatureCount => _encoder.FeatureCount;

    /// <summary>
    /// Reads up to <paramref name="maxRows"/> rows, encoding them into <paramref name="destination"/> (row-major).
    /// </summary>
    /// <param name="destination">At least maxRows × <see cref="FeatureCount"/> floats.</param>
    /// <param name="maxRows">Rows to read at most, ≥ 1.</param>
    /// <param name="labels">If not null, cleared and filled with each row's raw label text (when <see cref="HasLabels"/>).</param>
    /// <param name="lines">If not null, cleared and filled with each row's 1-based line number in the file.</param>
    /// <returns>Rows read; 0 at the end of the file.</returns>
    /// <exception cref="DataException">A malformed row (names file, row and column).</exception>
    public int Read(Span<float> destination, int maxRows, List<string>? labels = null, List<long>? lines = null)
    {
        int f = FeatureCount;
        if (maxRows < 1) throw new ArgumentOutOfRangeException(nameof(maxRows));
        if (destination.Length < (long)maxRows * f) throw new ArgumentException($"destination needs {(long)maxRows * f} floats", nameof(destination));
        labels?.Clear(); lines?.Clear();
        int n = 0;
        Span<char> buf = _heap;
        try
        {
            while (n < maxRows && !_done)
            {
                if (!_pending && !_reader.Read()) { _done = true; break; }
                _pending = false;
                long line = _reader.LineNumber;
                TabularEncoder.CheckFieldCount(_reader, _fieldCount, line, Source);
                _encoder.EncodeRow(_reader, _map, destination.Slice(n * f, f), line, Source, ref buf);
                if (labels != null && _labelIndex >= 0) labels.Add(_reader.GetString(_labelIndex));
                lines?.Add(line);
                n++;
            }
        }
        catch (CsvFormatException e) { throw new DataException($"{Source}: malformed CSV at row {e.LineNumber}: {e.Message.Split('\n')[0]}", Source, e); }
        catch (InvalidDataException e) { throw new DataException($"{Source}: corrupt gzip data ({e.Message})", Source, e); }
        return n;
    }

    /// <summary>Reads every remaining row into a dataset (labels parsed as in <see cref="CsvLoader"/>).</summary>
    public Dataset ReadAll()
    {
        int f = FeatureCount, chunk = 4096;
        var data = new List<float[]>();
        var labels = HasLabels ? new List<string>() : null;
        var part = new List<string>();
        long rows = 0;
        while (true)
        {
            var buf = new float[chunk * f];
            int n = Read(buf, chunk, labels != null ? part : null);
            if (n == 0) break;
            if (n < chunk) Array.Resize(ref buf, n * f);
            data.Add(buf); rows += n;
            labels?.AddRange(part);
        }
        if (rows == 0) throw new DataException($"{Source}: no data rows", Source);
        if (rows * f > Array.MaxLength) throw new DataException($"{Source}: too many values to load into memory ({rows} rows × {f} features); score it in chunks instead", Source);
        var all = new float[rows * f];
        long o = 0;
        foreach (var b in data) { b.CopyTo(all, o); o += b.Length; }
        int[]? lab = null; string[]? classes = null;
        if (labels != null) (lab, classes) = LabelParsing.Parse(labels);
        return new Dataset(all, (int)rows, f, lab, _encoder.FeatureNames, null, Source, classes);
    }

    /// <inheritdoc/>
    public void Dispose() => _reader.Dispose();
}
