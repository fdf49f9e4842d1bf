using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Bottleneck.Data;

/// <summary>
/// Reader for NumPy <c>.npy</c> files (format versions 1.0, 2.0 and 3.0), C order only, with dtypes
/// float16/32/64, int8/16/32/64, uint8/16/32/64 and bool in little-, big- or no-endian form (e.g. &lt;f4, &gt;f8, |u1).
/// Values are converted to float32 without scaling.
/// </summary>
public static partial class NpyLoader
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Reads an .npy array as float32.</summary>
    /// <param name="path">The .npy file.</param>
    /// <returns>The shape (empty for a 0-d scalar) and the row-major values.</returns>
    /// <exception cref="DataException">Missing file, bad magic/version/header, unsupported dtype, Fortran order, or truncated data.</exception>
    public static (int[] Shape, float[] Data) Read(string path)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        { throw new DataException($"{path}: file not found", path, e); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        { throw new DataException($"{path}: cannot read file ({e.Message})", path, e); }
        return Parse(bytes, path);
    }

    /// <summary>Parses the bytes of an .npy file (see <see cref="Read"/>).</summary>
    /// <param name="bytes">The whole file.</param>
    /// <param name="source">Name used in messages.</param>
    /// <exception cref="DataException">The content is not a supported .npy array.</exception>
    public static (int[] Shape, float[] Data) Parse(ReadOnlySpan<byte> bytes, string source)
    {
        if (bytes.Length < 10 || !bytes[..6].SequenceEqual(Magic))
            throw new DataException($"{source}: not a NumPy .npy file (missing the \\x93NUMPY magic)", source);
        int major = bytes[6], minor = bytes[7];
        int headerLen, headerStart;
        if (major == 1) { headerLen = BinaryPrimitives.ReadUInt16LittleEndian(bytes[8..]); headerStart = 10; }
        else if (major is 2 or 3)
        {
            if (bytes.Length < 12) throw new DataException($"{source}: truncated .npy header", source);
            uint hl = BinaryPrimitives.ReadUInt32LittleEndian(bytes[8..]);
            if (hl > int.MaxValue) throw new DataException($"{source}: .npy header length {hl} is too large", source);
            headerLen = (int)hl; headerStart = 12;
        }
        else throw new DataException($"{source}: unsupported .npy format version {major}.{minor} (supported: 1.0, 2.0, 3.0)", source);
        if ((long)headerStart + headerLen > bytes.Length)
            throw new DataException($"{source}: truncated .npy file: header needs {headerLen} bytes but the file has {bytes.Length - headerStart} after the preamble", source);
        string header = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(bytes.Slice(headerStart, headerLen));

        var descrM = DescrRegex().Match(header);
        if (!descrM.Success)
        {
            if (header.Contains("'descr': [", StringComparison.Ordinal))
                throw new DataException($"{source}: structured .npy dtypes are not supported (header {header.Trim()})", source);
            throw new DataException($"{source}: .npy header has no 'descr' string: {header.Trim()}", source);
        }
        var fortM = FortranRegex().Match(header);
        if (!fortM.Success) throw new DataException($"{source}: .npy header has no 'fortran_order': {header.Trim()}", source);
        if (fortM.Groups[1].Value == "True")
            throw new DataException($"{source}: Fortran-ordered (column-major) .npy arrays are not supported; save with numpy.ascontiguousarray(a) first", source);
        var shapeM = ShapeRegex().Match(header);
        if (!shapeM.Success) throw new DataException($"{source}: .npy header has no 'shape' tuple: {header.Trim()}", source);
        var shapeParts = shapeM.Groups[1].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var shape = new int[shapeParts.Length];
        long count = 1;
        for (int i = 0; i < shape.Length; i++)
        {
            var part = shapeParts[i].TrimEnd('L');
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out shape[i]))
                throw new DataException($"{source}: .npy shape entry \"{shapeParts[i]}\" is not a valid dimension (shape ({shapeM.Groups[1].Value}))", source);
            count *= shape[i];
            if (count > Array.MaxLength) throw new DataException($"{source}: .npy shape ({shapeM.Groups[1].Value}) has too many values to load", source);
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
            throw new DataException($"{source}: unsupported .npy dtype '{descr}' (supported: f2, f4, f8, i1, i2, i4, i8, u1, u2, u4, u8, b1; any byte order)", source);

        int dataStart = headerStart + headerLen;
        long need = count * size;
        long have = bytes.Length - dataStart;
        if (have < need)
            throw new DataException($"{source}: truncated .npy file: shape ({string.Join(", ", shape)}) of '{descr}' needs {need} data bytes but only {have} are present", source);
        if (have > need)
            throw new DataException($"{source}: .npy file has {have - need} unexpected bytes after the data of shape ({string.Join(", ", shape)})", source);

        var src = bytes.Slice(dataStart, (int)need);
        var data = new float[count];
        for (int i = 0; i < data.Length; i++)
        {
            var b = src.Slice(i * size, size);
            data[i] = kind switch
            {
                "f2" => (float)(bigEndian ? BinaryPrimitives.ReadHalfBigEndian(b) : BinaryPrimitives.ReadHalfLittleEndian(b)),
                "f4" => bigEndian ? BinaryPrimitives.ReadSingleBigEndian(b) : BinaryPrimitives.ReadSingleLittleEndian(b),
                "f8" => (float)(bigEndian ? BinaryPrimitives.ReadDoubleBigEndian(b) : BinaryPrimitives.ReadDoubleLittleEndian(b)),
                "i1" => (sbyte)b[0],
                "u1" => b[0],
                "b1" => b[0] != 0 ? 1f : 0f,
                "i2" => bigEndian ? BinaryPrimitives.ReadInt16BigEndian(b) : BinaryPrimitives.ReadInt16LittleEndian(b),
                "u2" => bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(b) : BinaryPrimitives.ReadUInt16LittleEndian(b),
                "i4" => bigEndian ? BinaryPrimitives.ReadInt32BigEndian(b) : BinaryPrimitives.ReadInt32LittleEndian(b),
                "u4" => bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(b) : BinaryPrimitives.ReadUInt32LittleEndian(b),
                "i8" => bigEndian ? BinaryPrimitives.ReadInt64BigEndian(b) : BinaryPrimitives.ReadInt64LittleEndian(b),
                _ => bigEndian ? BinaryPrimitives.ReadUInt64BigEndian(b) : BinaryPrimitives.ReadUInt64LittleEndian(b),
            };
        }
        return (shape, data);
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
        int[]? labels = null;
        if (labelsPath != null)
        {
            var (lshape, ldata) = Read(labelsPath);
            if (ldata.Length != rows || lshape.Length > 2 || (lshape.Length == 2 && lshape[1] != 1))
                throw new DataException($"{labelsPath}: labels must have shape ({rows},) to match {path}, got ({string.Join(", ", lshape)})", labelsPath);
            labels = new int[rows];
            for (int i = 0; i < rows; i++)
            {
                if (ldata[i] != MathF.Floor(ldata[i])) throw new DataException($"{labelsPath}: label {i} has non-integer value {ldata[i]}", labelsPath);
                labels[i] = (int)ldata[i];
            }
        }
        return new Dataset(data, rows, features, labels, null, image, path);
    }

    [GeneratedRegex(@"['""]descr['""]\s*:\s*['""]([^'""]*)['""]")]
    private static partial Regex DescrRegex();

    [GeneratedRegex(@"['""]fortran_order['""]\s*:\s*(True|False)")]
    private static partial Regex FortranRegex();

    [GeneratedRegex(@"['""]shape['""]\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapeRegex();
}
