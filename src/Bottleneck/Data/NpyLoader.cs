using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Bottleneck.IO;

namespace Bottleneck.Data;

/// <summary>
/// Reader for NumPy <c>.npy</c> files (format versions 1.0, 2.0 and 3.0), C order only, with dtypes
/// float16/32/64, int8/16/32/64, uint8/16/32/64 and bool in little-, big- or no-endian form (e.g. &lt;f4, &gt;f8, |u1).
/// Values are converted to float32 without scaling.
/// </summary>
public static partial class NpyLoader
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Reads an .npy array as float32. Only regular files are read; the header's shape is checked against the file size and
    /// the memory budget (<see cref="InputFile.MemoryBudgetBytes"/>) before the data is allocated.</summary>
    /// <param name="path">The .npy file.</param>
    /// <returns>The shape (empty for a 0-d scalar) and the row-major values.</returns>
    /// <exception cref="DataException">Missing file, not a regular file, bad magic/version/header, unsupported dtype, Fortran order,
    /// a shape that does not match the file size, or more data than the memory budget.</exception>
    public static (int[] Shape, float[] Data) Read(string path)
    {
        // Memory-mapped: the file's bytes are never copied into the heap, only the float32 values (see Mapped).
        using var map = Mapped.Open(path);
        var header = map.Header;
        InputFile.CheckAllocation(path, header.Count * 4, long.MaxValue, $".npy shape ({string.Join(", ", header.Shape)}) of '{header.Descr}' as float32",
            (m, e) => new DataException(m, path, e));
        var data = new float[header.Count];
        map.Convert(0, data);
        return (header.Shape, data);
    }

    /// <summary>Reads the header, checks it against the file and the memory budget, then reads the whole file.</summary>
    private static (NpyHeader Header, byte[] Bytes) ReadRaw(string path)
    {
        Exception Error(string m, Exception? e) => new DataException(m, path, e);
        using var fs = InputFile.OpenRead(path, Error, 1);
        long length = fs.Length;
        try
        {
            var preamble = new byte[(int)Math.Min(12, length)];
            fs.ReadExactly(preamble);
            int headerEnd = HeaderEnd(preamble, path, length);
            var head = new byte[headerEnd];
            preamble.AsSpan(0, Math.Min(preamble.Length, headerEnd)).CopyTo(head);
            if (headerEnd > preamble.Length) fs.ReadExactly(head.AsSpan(preamble.Length));
            var header = ParseHeader(head, path, length);
            InputFile.CheckAllocation(path, length + header.Count * 4, long.MaxValue, $".npy shape ({string.Join(", ", header.Shape)}) of '{header.Descr}'", Error);
            var bytes = new byte[length];
            head.CopyTo(bytes, 0);
            fs.ReadExactly(bytes.AsSpan(head.Length));
            return (header, bytes);
        }
        catch (EndOfStreamException e) { throw new DataException($"{path}: the file shrank while it was read", path, e); }
        catch (IOException e) { throw new DataException($"{path}: cannot read file ({e.Message})", path, e); }
    }

    /// <summary>Parses the bytes of an .npy file (see <see cref="Read"/>).</summary>
    /// <param name="bytes">The whole file.</param>
    /// <param name="source">Name used in messages.</param>
    /// <exception cref="DataException">The content is not a supported .npy array.</exception>
    public static (int[] Shape, float[] Data) Parse(ReadOnlySpan<byte> bytes, string source)
    {
        int headerEnd = HeaderEnd(bytes, source, bytes.Length);
        var header = ParseHeader(bytes[..headerEnd], source, bytes.Length);
        return (header.Shape, Convert(bytes[header.DataStart..], header));
    }

    /// <summary>A parsed .npy header: shape, element count, dtype and where the data starts.</summary>
    internal sealed record NpyHeader(int[] Shape, long Count, string Descr, string Kind, int ItemSize, bool BigEndian, int DataStart);

    /// <summary>Where the header ends (preamble + header length), checked against the file length.</summary>
    private static int HeaderEnd(ReadOnlySpan<byte> bytes, string source, long fileLength)
    {
        if (bytes.Length < 10 || !bytes[..6].SequenceEqual(Magic))
            throw new DataException($"{source}: not a NumPy .npy file (missing the \\x93NUMPY magic)", source);
        int major = bytes[6], minor = bytes[7];
        long headerLen, headerStart;
        if (major == 1) { headerLen = BinaryPrimitives.ReadUInt16LittleEndian(bytes[8..]); headerStart = 10; }
        else if (major is 2 or 3)
        {
            if (bytes.Length < 12) throw new DataException($"{source}: truncated .npy header", source);
            headerLen = BinaryPrimitives.ReadUInt32LittleEndian(bytes[8..]); headerStart = 12;
        }
        else throw new DataException($"{source}: unsupported .npy format version {major}.{minor} (supported: 1.0, 2.0, 3.0)", source);
        if (headerStart + headerLen > fileLength)
            throw new DataException($"{source}: truncated .npy file: header needs {headerLen} bytes but the file has {fileLength - headerStart} after the preamble", source);
        if (headerLen > 1 << 20)
            throw new DataException($"{source}: .npy header length {headerLen} is larger than the 1 MiB a header of a plain array can need", source);
        return (int)(headerStart + headerLen);
    }

    private static NpyHeader ParseHeader(ReadOnlySpan<byte> head, string source, long fileLength)
    {
        int major = head[6];
        int headerStart = major == 1 ? 10 : 12;
        string header = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(head[headerStart..]);

        var descrM = DescrRegex().Match(header);
        if (!descrM.Success)
        {
            if (header.Contains("'descr': [", StringComparison.Ordinal))
                throw new DataException($"{source}: structured .npy dtypes are not supported (header {Short(header)})", source);
            throw new DataException($"{source}: .npy header has no 'descr' string: {Short(header)}", source);
        }
        var fortM = FortranRegex().Match(header);
        if (!fortM.Success) throw new DataException($"{source}: .npy header has no 'fortran_order': {Short(header)}", source);
        if (fortM.Groups[1].Value == "True")
            throw new DataException($"{source}: Fortran-ordered (column-major) .npy arrays are not supported; save with numpy.ascontiguousarray(a) first", source);
        var shapeM = ShapeRegex().Match(header);
        if (!shapeM.Success) throw new DataException($"{source}: .npy header has no 'shape' tuple: {Short(header)}", source);
        var shapeParts = shapeM.Groups[1].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var shape = new int[shapeParts.Length];
        long count = 1;
        for (int i = 0; i < shape.Length; i++)
        {
            var part = shapeParts[i].TrimEnd('L');
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out shape[i]))
                throw new DataException($"{source}: .npy shape entry \"{Short(shapeParts[i])}\" is not a valid dimension (shape ({Short(shapeM.Groups[1].Value)}))", source);
            count *= shape[i];
            if (count > Array.MaxLength) throw new DataException($"{source}: .npy shape ({Short(shapeM.Groups[1].Value)}) has too many values to load", source);
        }

        string descr = descrM.Groups[1].Value;
        char order = descr.Length > 0 ? descr[0] : '?';
        string kind = descr.Length > 1 ? descr[1..] : "";
        bool bigEndian = order == '>' || (order == '=' && !BitConverter.IsLittleEndian);
        if (order is not ('<' or '>' or '|' or '='))
        { kind = descr; bigEndian = false; }
        int size = kind switch
        {
            "f2" or "i2" or "u2" => 2,
            "f4" or "i4" or "u4" => 4,
            "f8" or "i8" or "u8" => 8,
            "i1" or "u1" or "b1" => 1,
            _ => 0,
        };
        if (size == 0)
            throw new DataException($"{source}: unsupported .npy dtype '{Short(descr)}' (supported: f2, f4, f8, i1, i2, i4, i8, u1, u2, u4, u8, b1; any byte order)", source);

        int dataStart = head.Length;
        long need = count * size;
        long have = fileLength - dataStart;
        if (have < need)
            throw new DataException($"{source}: truncated .npy file: shape ({string.Join(", ", shape)}) of '{descr}' needs {need} data bytes but only {have} are present", source);
        if (have > need)
            throw new DataException($"{source}: .npy file has {have - need} unexpected bytes after the data of shape ({string.Join(", ", shape)})", source);
        return new NpyHeader(shape, count, descr, kind, size, bigEndian, dataStart);
    }

    private static string Short(string s) => s.Length <= 200 ? s.Trim() : s[..200].Trim() + "...";

    private static float[] Convert(ReadOnlySpan<byte> src, NpyHeader h)
    {
        var data = new float[h.Count];
        for (int i = 0; i < data.Length; i++) data[i] = (float)Value(src, i, h, out _);
        return data;
    }

    /// <summary>Element <paramref name="i"/> as a double; integers (which a double may round above 2⁵³) also exactly in <paramref name="exact"/>.</summary>
    private static double Value(ReadOnlySpan<byte> src, long i, NpyHeader h, out Int128 exact)
    {
        int size = h.ItemSize;
        bool be = h.BigEndian;
        var b = src.Slice((int)(i * size), size);
        exact = 0;
        switch (h.Kind)
        {
            case "f2": return (double)(be ? BinaryPrimitives.ReadHalfBigEndian(b) : BinaryPrimitives.ReadHalfLittleEndian(b));
            case "f4": return be ? BinaryPrimitives.ReadSingleBigEndian(b) : BinaryPrimitives.ReadSingleLittleEndian(b);
            case "f8": return be ? BinaryPrimitives.ReadDoubleBigEndian(b) : BinaryPrimitives.ReadDoubleLittleEndian(b);
            case "i1": exact = (sbyte)b[0]; break;
            case "u1": exact = b[0]; break;
            case "b1": exact = b[0] != 0 ? 1 : 0; break;
            case "i2": exact = be ? BinaryPrimitives.ReadInt16BigEndian(b) : BinaryPrimitives.ReadInt16LittleEndian(b); break;
            case "u2": exact = be ? BinaryPrimitives.ReadUInt16BigEndian(b) : BinaryPrimitives.ReadUInt16LittleEndian(b); break;
            case "i4": exact = be ? BinaryPrimitives.ReadInt32BigEndian(b) : BinaryPrimitives.ReadInt32LittleEndian(b); break;
            case "u4": exact = be ? BinaryPrimitives.ReadUInt32BigEndian(b) : BinaryPrimitives.ReadUInt32LittleEndian(b); break;
            case "i8": exact = be ? BinaryPrimitives.ReadInt64BigEndian(b) : BinaryPrimitives.ReadInt64LittleEndian(b); break;
            default: exact = be ? BinaryPrimitives.ReadUInt64BigEndian(b) : BinaryPrimitives.ReadUInt64LittleEndian(b); break;
        }
        return (double)exact;
    }

    /// <summary>
    /// Reads a 1-D (or (N, 1)) .npy file of class labels as exact 32-bit integers: integer dtypes are read without passing through
    /// float (int64 16777217 stays 16777217); float dtypes must hold finite integral values. Nothing is clamped.
    /// </summary>
    /// <param name="path">The labels file.</param>
    /// <param name="rows">The number of rows the labels must match.</param>
    /// <param name="dataPath">The data file the labels belong to (for messages).</param>
    /// <returns>One label per row.</returns>
    /// <exception cref="DataException">The file is invalid, has another shape, or a label is not finite, not an integer, or outside
    /// −2³¹ … 2³¹−1; the message names the file, the row and the value.</exception>
    public static int[] ReadLabels(string path, int rows, string dataPath)
    {
        var (h, bytes) = ReadRaw(path);
        if (h.Count != rows || h.Shape.Length > 2 || (h.Shape.Length == 2 && h.Shape[1] != 1))
            throw new DataException($"{path}: labels must have shape ({rows},) to match {dataPath}, got ({string.Join(", ", h.Shape)})", path);
        var src = bytes.AsSpan(h.DataStart);
        bool floating = h.Kind is "f2" or "f4" or "f8";
        var labels = new int[rows];
        for (int i = 0; i < rows; i++)
        {
            double d = Value(src, i, h, out Int128 exact);
            if (floating)
            {
                if (!double.IsFinite(d)) throw new DataException($"{path}: label at row {i} (0-based) is {d.ToString(CultureInfo.InvariantCulture)}, not a finite number", path);
                if (d != Math.Floor(d)) throw new DataException($"{path}: label at row {i} (0-based) has non-integer value {d.ToString("R", CultureInfo.InvariantCulture)}", path);
                if (d < int.MinValue || d > int.MaxValue)
                    throw new DataException($"{path}: label at row {i} (0-based) is {d.ToString("R", CultureInfo.InvariantCulture)}, outside the 32-bit integer range of labels ({int.MinValue} … {int.MaxValue})", path);
                labels[i] = (int)d;
            }
            else
            {
                if (exact < int.MinValue || exact > int.MaxValue)
                    throw new DataException($"{path}: label at row {i} (0-based) is {exact}, outside the 32-bit integer range of labels ({int.MinValue} … {int.MaxValue})", path);
                labels[i] = (int)exact;
            }
        }
        return labels;
    }

    /// <summary>
    /// Loads an .npy array as a dataset: a 0-d or 1-D array is one row; a 2-D array is rows × features; an N-D array
    /// has rows = first dimension and the rest flattened. A 3-D array (N, H, W) or a 4-D array (N, 1, H, W) also sets
    /// <see cref="Dataset.Image"/> = (1, H, W) (e.g. MNIST-like (N, 28, 28)).
    /// </summary>
    /// <param name="path">The .npy file with the features.</param>
    /// <param name="labelsPath">Optional .npy file with one integer label per row; default null.</param>
    /// <returns>The dataset (values unscaled).</returns>
    /// <exception cref="DataException">A file is invalid (see <see cref="Read"/>), has zero-sized feature dimensions, non-finite
    /// values, or the labels are not integers or do not match the row count.</exception>
    public static Dataset Load(string path, string? labelsPath = null)
    {
        var (shape, data) = Read(path);
        int rows, features;
        ImageShape? image = null;
        if (shape.Length <= 1) { rows = 1; features = data.Length; }
        else
        {
            rows = shape[0];
            long f = 1;
            for (int i = 1; i < shape.Length; i++) f *= shape[i];
            features = (int)f;
            if (shape.Length == 3) image = new ImageShape(1, shape[1], shape[2]);
            else if (shape.Length == 4 && shape[1] == 1) image = new ImageShape(1, shape[2], shape[3]);
        }
        if (features < 1) throw new DataException($"{path}: .npy array of shape ({string.Join(", ", shape)}) has no values per row", path);
        for (int i = 0; i < data.Length; i++)
            if (!float.IsFinite(data[i]))
                throw new DataException($"{path}: value {data[i]} at row {i / features}, column {i % features} (0-based) is not finite", path);
        int[]? labels = labelsPath != null ? ReadLabels(labelsPath, rows, path) : null;
        return new Dataset(data, rows, features, labels, null, image, path);
    }

    [GeneratedRegex(@"['""]descr['""]\s*:\s*['""]([^'""]*)['""]")]
    private static partial Regex DescrRegex();

    [GeneratedRegex(@"['""]fortran_order['""]\s*:\s*(True|False)")]
    private static partial Regex FortranRegex();

    [GeneratedRegex(@"['""]shape['""]\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapeRegex();
}
