using System.Globalization;
using System.Numerics;
using Bottleneck.IO;
using Parquet;
using Parquet.Schema;

namespace Bottleneck.Data;

/// <summary>
/// Reads a Parquet file (through Parquet.Net) one row group at a time as float32 feature rows: every flat numeric column
/// (float, double, signed and unsigned integers of 8–64 bits, decimal, half) is a feature in schema order, except the label column.
/// Memory is one row group's values (rows × features × 4 bytes) plus one column's decoded values, whatever the file size.
/// </summary>
/// <remarks>
/// Refused with a <see cref="DataException"/> naming the file (and the column and row group): a missing or unreadable file, a
/// column that is not numeric (string, date, bool, binary), a repeated (list) or nested column, a null value (row group and row
/// named), a non-finite value, or a label column that does not exist. Each Parquet.Net call runs under a watchdog (30 s plus one per
/// MiB of the file): on a corrupt file that makes Parquet.Net loop, the reader throws a <see cref="DataException"/> and abandons the
/// looping thread, which ends with the process.
/// </remarks>
public sealed class ParquetRowReader : IRowReader
{
    private readonly FileStream _stream;
    private readonly ParquetReader _reader;
    private readonly DataField[] _features;
    private readonly DataField? _label;
    private float[][] _columns = [];
    private string[]? _labels;
    private int _group = -1;
    private long _groupRows, _inGroup, _before;

    /// <summary>Opens a Parquet file and checks its schema.</summary>
    /// <param name="path">The .parquet file.</param>
    /// <param name="labelColumn">Label column: a name, a 0-based index over the columns (negative from the end), "last", or null (default) for none.</param>
    /// <exception cref="DataException">Missing or unreadable file, or a schema that cannot give numeric rows (see the class remarks).</exception>
    public ParquetRowReader(string path, string? labelColumn = null) : this(path, labelColumn, DefaultWatchdogSeconds) { }

    /// <summary>As the public constructor, with the watchdog's base seconds (tests and the fuzzer use a short one).</summary>
    internal ParquetRowReader(string path, string? labelColumn, double watchdogSeconds)
    {
        _watchdogSeconds = watchdogSeconds;
        Source = path;
        _stream = InputFile.OpenRead(path, (m, e) => new DataException(m, path, e));
        try
        {
            ParquetFooterCheck.Check(_stream, path);
            _reader = Guarded("cannot read the Parquet footer", () => ParquetReader.CreateAsync(_stream, ReaderOptions, leaveStreamOpen: true).GetAwaiter().GetResult());
            var fields = Guarded("cannot read the Parquet schema", () => _reader.Schema.GetDataFields());
            if (fields.Length == 0) throw new DataException($"{path}: the Parquet file has no columns", path);
            int labelIndex = -1;
            if (!string.IsNullOrWhiteSpace(labelColumn) && !labelColumn.Equals("none", StringComparison.OrdinalIgnoreCase))
            {
                if (labelColumn.Equals("last", StringComparison.OrdinalIgnoreCase)) labelIndex = fields.Length - 1;
                else if (int.TryParse(labelColumn, NumberStyles.Integer, CultureInfo.InvariantCulture, out int idx))
                {
                    labelIndex = idx < 0 ? fields.Length + idx : idx;
                    if (labelIndex < 0 || labelIndex >= fields.Length)
                        throw new DataException($"{path}: label column index {labelColumn} is out of range: the file has {fields.Length} columns (valid: 0..{fields.Length - 1}, or -1 for the last)", path);
                }
                else
                {
                    labelIndex = Array.FindIndex(fields, f => f.Name == labelColumn);
                    if (labelIndex < 0) labelIndex = Array.FindIndex(fields, f => string.Equals(f.Name, labelColumn, StringComparison.OrdinalIgnoreCase));
                    if (labelIndex < 0)
                        throw new DataException($"{path}: label column \"{labelColumn}\" not found; columns are: {string.Join(", ", fields.Take(30).Select(f => $"\"{f.Name}\""))}{(fields.Length > 30 ? ", ..." : "")}", path);
                }
            }
            var features = new List<DataField>();
            for (int c = 0; c < fields.Length; c++)
            {
                var f = fields[c];
                if (f.IsArray || f.Path.ToList().Count > 1)
                    throw new DataException($"{path}: column \"{f.Path}\" (0-based index {c}) is {(f.IsArray ? "a repeated (list)" : "a nested")} column; only flat columns can be read", path);
                if (c == labelIndex) { _label = f; continue; }
                if (!IsNumeric(f.ClrType))
                    throw new DataException($"{path}: column \"{f.Name}\" (0-based index {c}) has type {TypeName(f.ClrType)}, not a number; every column except the label must be numeric (give the label with :label=COLUMN)", path);
                features.Add(f);
            }
            if (features.Count == 0) throw new DataException($"{path}: no feature columns (the file has {fields.Length} column(s){(labelIndex >= 0 ? ", one of which is the label" : "")})", path);
            _features = features.ToArray();
            FeatureNames = _features.Select(f => f.Name).ToArray();
            RowGroupCount = _reader.RowGroupCount;
        }
        catch { _reader?.DisposeAsync().AsTask().GetAwaiter().GetResult(); _stream.Dispose(); throw; }
    }

    /// <summary>Parquet.Net's options: its stream pools may keep at most 16 MiB (small) and 64 MiB (large) of free buffers, where
    /// the default keeps every buffer ever used.</summary>
    private static readonly ParquetOptions ReaderOptions = new() { MaximumSmallPoolFreeBytes = 16 << 20, MaximumLargePoolFreeBytes = 64 << 20 };

    /// <inheritdoc/>
    public string Source { get; }

    /// <inheritdoc/>
    public int FeatureCount => _features.Length;

    /// <summary>The feature columns' names, in schema order.</summary>
    public string[] FeatureNames { get; }

    /// <summary>Number of row groups in the file.</summary>
    public int RowGroupCount { get; }

    /// <inheritdoc/>
    public bool HasLabels => _label != null;

    /// <inheritdoc/>
    public int Read(Span<float> destination, int maxRows, List<string>? labels = null, List<long>? rows = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRows, 1);
        int d = FeatureCount;
        if (destination.Length < (long)maxRows * d) throw new ArgumentException($"destination needs {(long)maxRows * d} floats", nameof(destination));
        labels?.Clear(); rows?.Clear();
        int n = 0;
        while (n < maxRows)
        {
            if (_inGroup == _groupRows && !NextGroup()) break;
            int take = (int)Math.Min(maxRows - n, _groupRows - _inGroup);
            int start = (int)_inGroup;
            for (int c = 0; c < d; c++)
            {
                var col = _columns[c];
                for (int i = 0; i < take; i++) destination[(n + i) * d + c] = col[start + i];
            }
            for (int i = 0; i < take; i++)
            {
                if (labels != null && _labels != null) labels.Add(_labels[start + i]);
                rows?.Add(_before + start + i + 1);
            }
            _inGroup += take;
            n += take;
        }
        return n;
    }

    /// <summary>Reads the whole file into a dataset (labels parsed as in <see cref="CsvLoader"/>: integers, or class indices in order of first appearance).</summary>
    /// <exception cref="DataException">See the class remarks; also when the file holds more values than one array can.</exception>
    public Dataset ReadAll()
    {
        int d = FeatureCount, chunk = 8192;
        var parts = new List<float[]>();
        var labelText = HasLabels ? new List<string>() : null;
        var part = new List<string>();
        long total = 0;
        while (true)
        {
            var buf = new float[chunk * d];
            int n = Read(buf, chunk, labelText != null ? part : null);
            if (n == 0) break;
            if (n < chunk) Array.Resize(ref buf, n * d);
            parts.Add(buf); total += n;
            labelText?.AddRange(part);
            if (total * d > Array.MaxLength) throw new DataException($"{Source}: too many values to load into memory ({total}+ rows × {d} features); score it in chunks instead", Source);
        }
        if (total == 0) throw new DataException($"{Source}: the Parquet file has no rows", Source);
        var all = new float[total * d];
        long o = 0;
        foreach (var b in parts) { b.CopyTo(all, o); o += b.Length; }
        int[]? lab = null; string[]? classes = null;
        if (labelText != null) (lab, classes) = LabelParsing.Parse(labelText);
        return new Dataset(all, (int)total, d, lab, FeatureNames, null, Source, classes);
    }

    /// <summary>Decodes the next row group into <see cref="_columns"/>; false at the end of the file.</summary>
    private bool NextGroup()
    {
        _before += _groupRows;
        _inGroup = _groupRows = 0;
        while (++_group < RowGroupCount)
        {
            CancellationScope.ThrowIfCancellationRequested();
            int g = _group;
            using var rg = Guarded($"cannot open row group {g}", () => _reader.OpenRowGroupReader(g));
            long rows = rg.RowCount;
            if (rows == 0) continue;
            if (rows * FeatureCount > Array.MaxLength || rows > Array.MaxLength)
                throw new DataException($"{Source}: row group {g} has {rows} rows × {FeatureCount} columns, more than one array can hold; write the file with smaller row groups", Source);
            InputFile.CheckAllocation(Source, rows * FeatureCount * 4L, long.MaxValue, $"row group {g} ({rows} rows × {FeatureCount} columns of float32)", (m, e) => new DataException(m, Source, e));
            if (_columns.Length != FeatureCount || _columns[0].Length < rows)
                _columns = Enumerable.Range(0, FeatureCount).Select(_ => new float[rows]).ToArray();
            for (int c = 0; c < FeatureCount; c++) ReadColumn(rg, _features[c], g, (int)rows, _columns[c]);
            if (_label != null) _labels = ReadLabels(rg, _label, g, (int)rows);
            _groupRows = rows;
            return true;
        }
        return false;
    }

    private void ReadColumn(ParquetRowGroupReader rg, DataField f, int g, int rows, float[] dest)
    {
        var t = f.ClrType;
        if (t == typeof(double)) Numeric<double>(rg, f, g, rows, dest);
        else if (t == typeof(float)) Numeric<float>(rg, f, g, rows, dest);
        else if (t == typeof(int)) Numeric<int>(rg, f, g, rows, dest);
        else if (t == typeof(long)) Numeric<long>(rg, f, g, rows, dest);
        else if (t == typeof(short)) Numeric<short>(rg, f, g, rows, dest);
        else if (t == typeof(sbyte)) Numeric<sbyte>(rg, f, g, rows, dest);
        else if (t == typeof(byte)) Numeric<byte>(rg, f, g, rows, dest);
        else if (t == typeof(ushort)) Numeric<ushort>(rg, f, g, rows, dest);
        else if (t == typeof(uint)) Numeric<uint>(rg, f, g, rows, dest);
        else if (t == typeof(ulong)) Numeric<ulong>(rg, f, g, rows, dest);
        else if (t == typeof(decimal)) Numeric<decimal>(rg, f, g, rows, dest);
        else if (t == typeof(Half)) Numeric<Half>(rg, f, g, rows, dest);
        else throw new DataException($"{Source}: column \"{f.Name}\" has type {TypeName(t)}, not a number", Source);
    }

    private void Numeric<TNumber>(ParquetRowGroupReader rg, DataField f, int g, int rows, float[] dest) where TNumber : struct, INumberBase<TNumber>
    {
        if (f.IsNullable)
        {
            var values = Scratch<TNumber?>(rows);
            Guarded($"cannot read column \"{f.Name}\" of row group {g}", () => rg.ReadAsync<TNumber>(f, values.AsMemory(0, rows), null).AsTask().GetAwaiter().GetResult());
            for (int i = 0; i < rows; i++)
            {
                if (values[i] is not TNumber v) throw new DataException($"{Source}: null value in column \"{f.Name}\" at row {_before + i + 1} (row group {g}); missing values are not allowed", Source);
                dest[i] = Check(float.CreateSaturating(v), f, g, i);
            }
        }
        else
        {
            var values = Scratch<TNumber>(rows);
            Guarded($"cannot read column \"{f.Name}\" of row group {g}", () => rg.ReadAsync<TNumber>(f, values.AsMemory(0, rows), null).AsTask().GetAwaiter().GetResult());
            for (int i = 0; i < rows; i++) dest[i] = Check(float.CreateSaturating(values[i]), f, g, i);
        }
    }

    /// <summary>A reused buffer of at least <paramref name="rows"/> values of type <typeparamref name="TValue"/> (one per element type), so
    /// decoding a row group allocates no new column arrays after the first (large arrays would otherwise pile up until a full GC).</summary>
    private TValue[] Scratch<TValue>(int rows)
    {
        if (_scratch.TryGetValue(typeof(TValue), out var a) && a.Length >= rows) return (TValue[])a;
        var fresh = new TValue[rows];
        _scratch[typeof(TValue)] = fresh;
        return fresh;
    }

    private readonly Dictionary<Type, Array> _scratch = [];

    private float Check(float v, DataField f, int g, int i) => float.IsFinite(v) ? v
        : throw new DataException($"{Source}: value {v.ToString(CultureInfo.InvariantCulture)} in column \"{f.Name}\" at row {_before + i + 1} (row group {g}) is not a finite float32 number", Source);

    private string[] ReadLabels(ParquetRowGroupReader rg, DataField f, int g, int rows)
    {
        var text = new string[rows];
        if (IsText(f.ClrType))
        {
            var read = new string?[rows];
            Guarded($"cannot read label column \"{f.Name}\" of row group {g}", () => rg.ReadAsync(f, read.AsMemory(), null).AsTask().GetAwaiter().GetResult());
            for (int i = 0; i < rows; i++)
                text[i] = read[i] ?? throw new DataException($"{Source}: null label in column \"{f.Name}\" at row {_before + i + 1} (row group {g})", Source);
            return text;
        }
        if (!IsNumeric(f.ClrType) && f.ClrType != typeof(bool))
            throw new DataException($"{Source}: label column \"{f.Name}\" has type {TypeName(f.ClrType)}; labels must be strings, integers or numbers", Source);
        if (f.ClrType == typeof(bool))
        {
            var b = new bool?[rows];
            Guarded($"cannot read label column \"{f.Name}\" of row group {g}", () => rg.ReadAsync<bool>(f, b.AsMemory(), null).AsTask().GetAwaiter().GetResult());
            for (int i = 0; i < rows; i++) text[i] = b[i] is bool v ? (v ? "1" : "0") : throw new DataException($"{Source}: null label in column \"{f.Name}\" at row {_before + i + 1} (row group {g})", Source);
            return text;
        }
        // numeric labels: read as doubles through the typed path, then printed invariantly
        var asDouble = new double[rows];
        ReadLabelNumbers(rg, f, g, rows, asDouble);
        for (int i = 0; i < rows; i++) text[i] = asDouble[i].ToString("R", CultureInfo.InvariantCulture);
        return text;
    }

    private void ReadLabelNumbers(ParquetRowGroupReader rg, DataField f, int g, int rows, double[] dest)
    {
        void Read<TLabel>() where TLabel : struct, INumberBase<TLabel>
        {
            var values = new TLabel?[rows];
            Guarded($"cannot read label column \"{f.Name}\" of row group {g}", () => rg.ReadAsync<TLabel>(f, values.AsMemory(), null).AsTask().GetAwaiter().GetResult());
            for (int i = 0; i < rows; i++)
                dest[i] = values[i] is TLabel v ? double.CreateSaturating(v) : throw new DataException($"{Source}: null label in column \"{f.Name}\" at row {_before + i + 1} (row group {g})", Source);
        }
        var t = f.ClrType;
        if (t == typeof(double)) Read<double>(); else if (t == typeof(float)) Read<float>(); else if (t == typeof(int)) Read<int>();
        else if (t == typeof(long)) Read<long>(); else if (t == typeof(short)) Read<short>(); else if (t == typeof(sbyte)) Read<sbyte>();
        else if (t == typeof(byte)) Read<byte>(); else if (t == typeof(ushort)) Read<ushort>(); else if (t == typeof(uint)) Read<uint>();
        else if (t == typeof(ulong)) Read<ulong>(); else if (t == typeof(decimal)) Read<decimal>(); else Read<Half>();
    }

    private static bool IsText(Type t) => t == typeof(string) || t == typeof(ReadOnlyMemory<char>);

    /// <summary>A column type as users know it (Parquet.Net reads UTF-8 columns as <see cref="ReadOnlyMemory{T}"/> of char).</summary>
    private static string TypeName(Type t) => IsText(t) ? "string" : t.Name;

    private static bool IsNumeric(Type t) =>
        t == typeof(double) || t == typeof(float) || t == typeof(int) || t == typeof(long) || t == typeof(short) || t == typeof(sbyte) ||
        t == typeof(byte) || t == typeof(ushort) || t == typeof(uint) || t == typeof(ulong) || t == typeof(decimal) || t == typeof(Half);

    /// <summary>
    /// Runs a Parquet.Net call, turning its exceptions on a corrupt file into one <see cref="DataException"/> naming the file. The call
    /// runs on its own background thread under a watchdog of <see cref="DefaultWatchdogSeconds"/> seconds plus one per MiB of the file: fuzzing
    /// found corrupt footers on which Parquet.Net 6.1.0 loops forever (its Thrift reader mis-skips fields of corrupt or unknown structs,
    /// aloneguid/parquet-dotnet issues 640 and 723), and a loop cannot be interrupted in .NET, so the reader gives up on it with an
    /// error (the looping thread is abandoned and keeps a core busy until the process ends).
    /// </summary>
    private TResult Guarded<TResult>(string what, Func<TResult> call)
    {
        TResult result = default!;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try { result = call(); }
            catch (Exception e) { error = e; }
        }) { IsBackground = true, Name = "parquet-read" };
        thread.Start();
        double limit = _watchdogSeconds + (_stream.Length >> 20);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (!thread.Join(200))
        {
            CancellationScope.ThrowIfCancellationRequested();
            if (watch.Elapsed.TotalSeconds > limit)
                throw new DataException($"{Source}: {what}: Parquet.Net did not finish within {limit:0} s; the file is probably corrupt", Source);
        }
        if (error is null) return result;
        if (error is DataException or OperationCanceledException) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
        if (error is OutOfMemoryException)   // Parquet.Net allocates what the file's metadata claims: a corrupt size fails here
            throw new DataException($"{Source}: {what}: the file claims more data than memory can hold (a size in it is probably corrupt: {FirstLine(error.Message)})", Source, error);
        throw new DataException($"{Source}: {what}: not a valid Parquet file or an unsupported encoding ({FirstLine(error.Message)})", Source, error);
    }

    /// <summary>Seconds a single Parquet.Net call (footer, row group, column chunk) may take, plus one per MiB of the file.</summary>
    internal const double DefaultWatchdogSeconds = 30;

    private readonly double _watchdogSeconds;

    private void Guarded(string what, Action call) => Guarded(what, () => { call(); return 0; });

    private static string FirstLine(string s)
    {
        int i = s.IndexOfAny(['\r', '\n']);
        s = i < 0 ? s : s[..i];
        return s.Length <= 200 ? s : s[..200] + "...";
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _reader.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _stream.Dispose();
    }
}
