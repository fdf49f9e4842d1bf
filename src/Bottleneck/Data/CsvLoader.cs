using System.Globalization;
using CsvHelper;

namespace Bottleneck.Data;

/// <summary>Options for <see cref="CsvLoader"/>.</summary>
/// <param name="LabelColumn">
/// Column holding the class label, or null (default) for none. An integer is a 0-based column index (negative counts
/// from the end, -1 = last); "last" is the last column; anything else is a header name (which requires a header row).
/// </param>
/// <param name="HasHeader">true/false to force; null (default) detects it: the first row is a header when any of its
/// feature cells is not a number (or when the label column is given by name).</param>
/// <param name="Delimiter">Field separator; null (default) means tab for <c>.tsv</c>/<c>.tsv.gz</c> files and comma otherwise.</param>
/// <param name="DecimalComma">Numbers use a decimal comma (<c>0,5</c>) instead of the invariant culture's decimal point; default false.
/// Only when asked for explicitly: a cell that is not an invariant-culture number is otherwise an error, never re-read.</param>
public sealed record CsvOptions(string? LabelColumn = null, bool? HasHeader = null, string? Delimiter = null, bool DecimalComma = false);

/// <summary>
/// Loads delimited text (CSV/TSV, optionally gzip-compressed) into a <see cref="Dataset"/> using CsvHelper with the
/// invariant culture: quoted fields are supported, blank lines are skipped, every non-label column must be numeric.
/// </summary>
public static class CsvLoader
{
    /// <summary>Loads a CSV/TSV file (raw or gzip, detected from magic bytes).</summary>
    /// <param name="path">The file.</param>
    /// <param name="options">Label column, header and delimiter options; default null = no label, auto header, delimiter by extension.</param>
    /// <returns>The dataset; labels are the integer label values when every label is an integer, otherwise
    /// class indices in order of first appearance with <see cref="Dataset.ClassNames"/> set.</returns>
    /// <exception cref="DataException">
    /// The file is missing or empty; a cell is empty ("missing value") or non-numeric (message names the file, the 1-based row
    /// counted as a line of the file with the header as row 1, the column name and 0-based index, and the value); a row has a
    /// different number of fields than the first; the quoting is malformed; or the label column does not exist.
    /// </exception>
    public static Dataset Load(string path, CsvOptions? options = null)
    {
        options ??= new CsvOptions();
        string delimiter = options.Delimiter ?? (path.EndsWith(".tsv", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".tsv.gz", StringComparison.OrdinalIgnoreCase) ? "\t" : ",");
        var stream = IdxLoader.OpenMaybeGzip(path);
        using var reader = CsvReader.Create(stream, MakeOptions(delimiter, path), leaveOpen: false);
        return Load(reader, path, options);
    }

    /// <summary>Loads delimited text from a reader.</summary>
    /// <param name="text">The text; not disposed.</param>
    /// <param name="sourceName">Name used in messages and <see cref="Dataset.Source"/> (usually the file path).</param>
    /// <param name="options">Options; default null = no label, auto header, comma delimiter.</param>
    /// <returns>The dataset.</returns>
    /// <exception cref="DataException">See <see cref="Load(string, CsvOptions?)"/>.</exception>
    public static Dataset Load(TextReader text, string sourceName, CsvOptions? options = null)
    {
        options ??= new CsvOptions();
        using var reader = CsvReader.Create(text, MakeOptions(options.Delimiter ?? ",", sourceName), leaveOpen: true);
        return Load(reader, sourceName, options);
    }

    /// <summary>The CsvHelper reader settings every CSV reader of the library uses (invariant culture, line numbers kept for messages).</summary>
    internal static CsvReaderOptions MakeOptions(string delimiter, string src)
    {
        if (delimiter.Length != 1 || delimiter[0] > 127)
            throw new DataException($"{src}: the CSV delimiter must be a single ASCII character, got \"{delimiter}\"", src);
        return new CsvReaderOptions
        {
            HasHeader = false,
            Separator = delimiter[0],
            SkipEmptyLines = true,
            TrimWhitespace = true,
            MalformedData = CsvMalformedDataHandling.Throw,
            FieldCountMismatch = CsvFieldCountHandling.Allow,
            TrackLineNumbers = true,
            FormatProvider = CultureInfo.InvariantCulture,
        };
    }

    private static Dataset Load(CsvReader reader, string src, CsvOptions options)
    {
        try
        {
            if (!reader.Read()) throw new DataException($"{src}: the file is empty (no rows)", src);
            int fieldCount = reader.FieldCount;
            var first = new string[fieldCount];
            for (int c = 0; c < fieldCount; c++) first[c] = reader.GetString(c);

            // Resolve the label column and the header.
            int labelIndex = -1;
            bool? hasHeader = options.HasHeader;
            string? lc = options.LabelColumn;
            if (!string.IsNullOrWhiteSpace(lc) && !lc.Equals("none", StringComparison.OrdinalIgnoreCase))
            {
                if (lc.Equals("last", StringComparison.OrdinalIgnoreCase)) labelIndex = fieldCount - 1;
                else if (int.TryParse(lc, NumberStyles.Integer, CultureInfo.InvariantCulture, out int idx))
                {
                    labelIndex = idx < 0 ? fieldCount + idx : idx;
                    if (labelIndex < 0 || labelIndex >= fieldCount)
                        throw new DataException($"{src}: label column index {lc} is out of range: the first row has {fieldCount} columns (valid: 0..{fieldCount - 1}, or -1 for the last)", src);
                }
                else
                {
                    if (hasHeader == false)
                        throw new DataException($"{src}: label column \"{lc}\" is a name, but the file is read without a header; give a 0-based column index instead", src);
                    labelIndex = Array.IndexOf(first, lc);
                    if (labelIndex < 0) labelIndex = Array.FindIndex(first, h => string.Equals(h, lc, StringComparison.OrdinalIgnoreCase));
                    if (labelIndex < 0)
                        throw new DataException($"{src}: label column \"{lc}\" not found in the header row; columns are: {string.Join(", ", first.Take(30).Select(h => $"\"{h}\""))}{(first.Length > 30 ? ", ..." : "")}", src);
                    hasHeader = true;
                }
            }
            if (hasHeader == null)
            {
                hasHeader = false;
                for (int c = 0; c < fieldCount; c++)
                    if (c != labelIndex && !TryParseNumber(first[c], options.DecimalComma, out _)) { hasHeader = true; break; }
            }
            int featureCount = fieldCount - (labelIndex >= 0 ? 1 : 0);
            if (featureCount < 1)
                throw new DataException($"{src}: no feature columns (the first row has {fieldCount} column(s){(labelIndex >= 0 ? ", one of which is the label" : "")})", src);
            string[]? header = hasHeader == true ? first : null;
            if (header != null) CheckUniqueNames(header, src);
            string[]? featureNames = header?.Where((_, i) => i != labelIndex).ToArray();

            var data = new float[Math.Max(featureCount * 1024, 1024)];
            long used = 0;
            var labelStrings = labelIndex >= 0 ? new List<string>() : null;
            int rows = 0;
            bool pending = hasHeader == false; // the first record is data
            while (pending || reader.Read())
            {
                pending = false;
                long row = reader.LineNumber;
                if (reader.FieldCount != fieldCount)
                    throw new DataException($"{src}: row {row} has {reader.FieldCount} fields but the first row has {fieldCount} (ragged rows are not allowed)", src);
                if (used + featureCount > data.Length)
                {
                    long newSize = Math.Min((long)data.Length * 2, Array.MaxLength);
                    if (newSize < used + featureCount) throw new DataException($"{src}: too many values to load into memory (row {row})", src);
                    Array.Resize(ref data, (int)newSize);
                }
                for (int c = 0; c < fieldCount; c++)
                {
                    if (reader.IsEmpty(c))
                        throw new DataException($"{src}: missing value at row {row}, {ColumnName(header, c)}{(c == labelIndex ? " (the label column)" : "")}", src);
                    if (c == labelIndex)
                    {
                        labelStrings!.Add(reader.GetString(c));
                        continue;
                    }
                    if (!TryParseNumber(reader.GetSpan(c), options.DecimalComma, out double v))
                        throw NotANumber(src, reader.GetString(c), row, ColumnName(header, c), options.DecimalComma);
                    if (!float.IsFinite((float)v))
                        throw new DataException($"{src}: value \"{Truncate(reader.GetString(c))}\" at row {row}, {ColumnName(header, c)} is not a finite float32 number", src);
                    data[used++] = (float)v;
                }
                rows++;
            }
            if (rows == 0) throw new DataException($"{src}: the file has a header but no data rows", src);
            Array.Resize(ref data, (int)used);

            int[]? labels = null;
            string[]? classNames = null;
            if (labelStrings != null) (labels, classNames) = LabelParsing.Parse(labelStrings);
            return new Dataset(data, rows, featureCount, labels, featureNames, null, src, classNames);
        }
        catch (CsvFormatException e)
        {
            throw new DataException($"{src}: malformed CSV at row {e.LineNumber}: {FirstLine(e.Message)}", src, e);
        }
        catch (InvalidDataException e)
        {
            throw new DataException($"{src}: corrupt gzip data ({e.Message})", src, e);
        }
    }

    /// <summary>Parses a cell as a number: invariant culture (decimal point, optional exponent, no thousands separators), or with
    /// <paramref name="decimalComma"/> a decimal comma (a cell that also has a point is then not a number).</summary>
    internal static bool TryParseNumber(ReadOnlySpan<char> s, bool decimalComma, out double v)
    {
        if (!decimalComma) return double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out v);
        v = 0;
        if (s.Contains('.') || s.Length > 512) return false;
        Span<char> copy = stackalloc char[s.Length];
        s.CopyTo(copy);
        copy.Replace(',', '.');
        return double.TryParse(copy, NumberStyles.Float, CultureInfo.InvariantCulture, out v);
    }

    /// <inheritdoc cref="TryParseNumber(ReadOnlySpan{char}, bool, out double)"/>
    internal static bool TryParseNumber(ReadOnlySpan<byte> utf8, bool decimalComma, out double v)
    {
        if (!decimalComma) return double.TryParse(utf8, NumberStyles.Float, CultureInfo.InvariantCulture, out v);
        if (utf8.Length > 512) { v = 0; return false; }
        Span<char> chars = stackalloc char[utf8.Length];
        if (!System.Text.Unicode.Utf8.IsValid(utf8)) { v = 0; return false; }
        int n = System.Text.Encoding.UTF8.GetChars(utf8, chars);
        return TryParseNumber(chars[..n], true, out v);
    }

    /// <summary>The error for a feature cell that is not a number, naming file, row, column and value; when the value reads as a
    /// number with a decimal comma, the message says how to ask for that.</summary>
    internal static DataException NotANumber(string src, string value, long row, string column, bool decimalComma)
    {
        string hint = !decimalComma && TryParseNumber(value, true, out _) && value.Contains(',')
            ? " (it is not a number in the invariant culture, which uses a decimal point and no thousands separators; if the file uses decimal commas, read it with --decimal comma)"
            : decimalComma ? " (read with decimal commas)" : "";
        return new DataException($"{src}: non-numeric value \"{Truncate(value)}\" at row {row}, {column}{hint}", src);
    }

    /// <summary>Refuses a header with a repeated column name (case-insensitive: names are matched that way), naming both columns.</summary>
    /// <exception cref="DataException">Two columns share a name.</exception>
    internal static void CheckUniqueNames(IReadOnlyList<string> header, string src)
    {
        var seen = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (int c = 0; c < header.Count; c++)
        {
            if (seen.TryGetValue(header[c], out int first))
                throw new DataException($"{src}: duplicate column name \"{header[c]}\" in the header (0-based columns {first} and {c}); column names must be unique", src);
            seen[header[c]] = c;
        }
    }

    private static string ColumnName(string[]? header, int c) =>
        header != null ? $"column \"{header[c]}\" (0-based index {c})" : $"column index {c} (0-based)";

    private static string Truncate(string s) => s.Length <= 40 ? s : s[..40] + "...";

    private static string FirstLine(string s)
    {
        int i = s.IndexOfAny(['\r', '\n']);
        return i < 0 ? s : s[..i];
    }
}
