using System.Buffers.Binary;
using Bottleneck.IO;

namespace Bottleneck.Data;

/// <summary>
/// Reader for the IDX format used by MNIST (big-endian header: two zero bytes, a type code, the number of
/// dimensions, one uint32 per dimension, then the values). Files may be raw or gzip-compressed; gzip is
/// detected from the magic bytes 1F 8B, not from the extension.
/// </summary>
public static class IdxLoader
{
    /// <summary>
    /// Reads any IDX file as float32 values (type codes 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64).
    /// Values are returned unscaled (e.g. MNIST pixels are 0..255).
    /// </summary>
    /// <param name="path">IDX file, raw or .gz.</param>
    /// <returns>The shape (one entry per dimension) and the row-major values.</returns>
    /// <exception cref="DataException">The file is missing, not IDX, has bad dimensions, is truncated or has trailing bytes.</exception>
    public static (int[] Shape, float[] Data) Read(string path)
    {
        using var stream = OpenMaybeGzip(path);
        return Read(stream, path, stream is FileStream file ? file.Length : null);
    }

    /// <summary>Parses IDX data from <paramref name="stream"/> (see <see cref="Read(string)"/>).</summary>
    /// <param name="stream">The (decompressed) IDX bytes; not disposed.</param>
    /// <param name="path">Name used in messages.</param>
    /// <param name="length">The stream's total length when known (an uncompressed file): the header's claim is then checked against it
    /// before the data is allocated; null (compressed data) lets the buffer grow with the data actually read.</param>
    /// <exception cref="DataException">See <see cref="Read(string)"/>.</exception>
    internal static (int[] Shape, float[] Data) Read(Stream stream, string path, long? length)
    {
        try
        {
            Span<byte> head = stackalloc byte[4];
            ReadExactly(stream, head, path, "the 4-byte magic number");
            if (head[0] != 0 || head[1] != 0)
                throw new DataException($"{path}: not an IDX file (magic bytes {head[0]:X2} {head[1]:X2} {head[2]:X2} {head[3]:X2}; expected 00 00 <type> <dims>, e.g. 00 00 08 03 for MNIST images)", path);
            byte type = head[2];
            int ndims = head[3];
            int itemSize = type switch { 0x08 or 0x09 => 1, 0x0B => 2, 0x0C or 0x0D => 4, 0x0E => 8, _ => 0 };
            if (itemSize == 0)
                throw new DataException($"{path}: unsupported IDX type code 0x{type:X2} (expected 08 uint8, 09 int8, 0B int16, 0C int32, 0D float32 or 0E float64)", path);
            if (ndims < 1)
                throw new DataException($"{path}: IDX header declares {ndims} dimensions; at least 1 is needed", path);
            var dimBytes = new byte[4 * ndims];
            ReadExactly(stream, dimBytes, path, $"the {ndims} dimension sizes");
            var shape = new int[ndims];
            long count = 1;
            for (int i = 0; i < ndims; i++)
            {
                uint d = BinaryPrimitives.ReadUInt32BigEndian(dimBytes.AsSpan(4 * i));
                if (d > int.MaxValue) throw new DataException($"{path}: IDX dimension {i} has size {d}, which is too large", path);
                shape[i] = (int)d;
                count *= d;
                if (count > Array.MaxLength) throw new DataException($"{path}: IDX shape ({string.Join(", ", shape.Take(i + 1))}, ...) has too many values to load", path);
            }
            long need = count * itemSize;
            string shapeText = $"IDX shape ({string.Join(", ", shape)})";
            if (length is long total)
            {
                // Uncompressed: the header's claim must match the file size before anything is allocated.
                long have = total - 4 - 4L * ndims;
                if (have < need)
                    throw new DataException($"{path}: truncated IDX file: shape ({string.Join(", ", shape)}) needs {need} data bytes but the file has {have}", path);
                if (have > need)
                    throw new DataException($"{path}: IDX file has extra bytes after the {need} data bytes of shape ({string.Join(", ", shape)})", path);
            }
            InputFile.CheckAllocation(path, need + count * 4, long.MaxValue, shapeText, (m, e) => new DataException(m, path, e));
            // Compressed data cannot be sized in advance: the buffer grows with the data actually decompressed.
            var raw = new byte[length is not null ? need : Math.Min(need, 1 << 24)];
            int got = ReadUpTo(stream, raw);
            while (got == raw.Length && raw.Length < need)
            {
                Array.Resize(ref raw, (int)Math.Min(need, 2L * raw.Length));
                got += ReadUpTo(stream, raw.AsSpan(got));
            }
            if (got < need)
                throw new DataException($"{path}: truncated IDX file: shape ({string.Join(", ", shape)}) needs {need} data bytes but only {got} are present", path);
            if (stream.ReadByte() != -1)
                throw new DataException($"{path}: IDX file has extra bytes after the {raw.Length} data bytes of shape ({string.Join(", ", shape)})", path);
            var data = new float[count];
            switch (type)
            {
                case 0x08: for (long i = 0; i < count; i++) data[i] = raw[i]; break;
                case 0x09: for (long i = 0; i < count; i++) data[i] = (sbyte)raw[i]; break;
                case 0x0B: for (long i = 0; i < count; i++) data[i] = BinaryPrimitives.ReadInt16BigEndian(raw.AsSpan((int)(2 * i))); break;
                case 0x0C: for (long i = 0; i < count; i++) data[i] = BinaryPrimitives.ReadInt32BigEndian(raw.AsSpan((int)(4 * i))); break;
                case 0x0D: for (long i = 0; i < count; i++) data[i] = BinaryPrimitives.ReadSingleBigEndian(raw.AsSpan((int)(4 * i))); break;
                case 0x0E: for (long i = 0; i < count; i++) data[i] = (float)BinaryPrimitives.ReadDoubleBigEndian(raw.AsSpan((int)(8 * i))); break;
            }
            return (shape, data);
        }
        catch (InvalidDataException e)
        {
            throw new DataException($"{path}: corrupt gzip data ({e.Message})", path, e);
        }
    }

    /// <summary>
    /// Loads an IDX image file (N × H × W, or N × D) as a dataset of raw values (MNIST: 0..255, not scaled).
    /// </summary>
    /// <param name="path">IDX images file, raw or .gz.</param>
    /// <returns>N rows of H·W features, with <see cref="ImageShape"/>(1, H, W) for 3-D files.</returns>
    /// <exception cref="DataException">The file is invalid (see <see cref="Read(string)"/>), not 2-D/3-D, or holds a NaN or ±Inf (float types).</exception>
    public static Dataset LoadImages(string path)
    {
        var (shape, data) = Read(path);
        if (shape.Length is not (2 or 3))
            throw new DataException($"{path}: expected an IDX image file with 3 dimensions (count, height, width) or 2 (count, features), got shape ({string.Join(", ", shape)})", path);
        int rows = shape[0];
        int features = shape.Length == 3 ? shape[1] * shape[2] : shape[1];
        if (features < 1) throw new DataException($"{path}: IDX shape ({string.Join(", ", shape)}) has no values per sample", path);
        int bad = Array.FindIndex(data, v => !float.IsFinite(v));
        if (bad >= 0)
            throw new DataException($"{path}: value {data[bad]} at sample {bad / features}, feature {bad % features} (0-based) is not finite", path);
        return new Dataset(data, rows, features, image: shape.Length == 3 ? new ImageShape(1, shape[1], shape[2]) : null, source: path);
    }

    /// <summary>Loads an IDX label file (1-D, integer type) as class labels.</summary>
    /// <param name="path">IDX labels file, raw or .gz.</param>
    /// <returns>One label per sample.</returns>
    /// <exception cref="DataException">The file is invalid, not 1-D, or holds non-integer, non-finite or out-of-range values.</exception>
    public static int[] LoadLabels(string path)
    {
        var (shape, data) = Read(path);
        if (shape.Length != 1)
            throw new DataException($"{path}: expected a 1-D IDX label file, got shape ({string.Join(", ", shape)})", path);
        var labels = new int[data.Length];
        for (int i = 0; i < data.Length; i++)
        {
            float v = data[i];
            if (!float.IsFinite(v)) throw new DataException($"{path}: label {i} is {v}, not a finite number", path);
            if (v != MathF.Floor(v)) throw new DataException($"{path}: label {i} has non-integer value {v}", path);
            if (v < int.MinValue || v >= 2147483648f)
                throw new DataException($"{path}: label {i} is {v}, outside the 32-bit integer range of labels", path);
            labels[i] = (int)v;
        }
        return labels;
    }

    /// <summary>
    /// Loads an MNIST split from a folder holding the standard files (<c>train-images-idx3-ubyte[.gz]</c>,
    /// <c>train-labels-idx1-ubyte[.gz]</c>, <c>t10k-...</c>; the <c>train-images.idx3-ubyte</c> spelling is also found).
    /// Pixel values are divided by 255, so features lie in [0, 1] (the conventional MNIST input range).
    /// </summary>
    /// <param name="directory">Folder with the MNIST files.</param>
    /// <param name="split">"train" (60000 images) or "test" (10000 images); default "train".</param>
    /// <returns>Rows of 784 features in [0, 1], labels 0..9, <see cref="ImageShape"/>(1, 28, 28).</returns>
    /// <exception cref="DataException">The folder or a file is missing, invalid, or image and label counts differ.</exception>
    public static Dataset LoadMnist(string directory, string split = "train")
    {
        string prefix = split?.ToLowerInvariant() switch
        {
            "train" => "train",
            "test" or "t10k" => "t10k",
            _ => throw new DataException($"MNIST split must be \"train\" or \"test\", got \"{split}\"", directory),
        };
        var files = MnistFiles(directory, prefix);
        string imagesPath = files[0], labelsPath = files[1];
        var images = LoadImages(imagesPath);
        var labels = LoadLabels(labelsPath);
        if (labels.Length != images.Rows)
            throw new DataException($"{labelsPath}: has {labels.Length} labels but {imagesPath} has {images.Rows} images", labelsPath);
        var f = images.Features;
        // x / 255 correctly rounded, as PyTorch's x / 255.0 and torchvision's ToTensor give; x · (1/255f) would differ by one
        // ulp on 126 of the 256 grey levels.
        for (int i = 0; i < f.Length; i++) f[i] /= 255f;
        return new Dataset(f, images.Rows, images.FeatureCount, labels, null, images.Image, imagesPath,
                           Enumerable.Range(0, 10).Select(d => d.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray());
    }

    /// <summary>The images and labels files of an MNIST split in <paramref name="directory"/>.</summary>
    /// <param name="directory">The MNIST folder.</param>
    /// <param name="split">"train", or "test"/"t10k".</param>
    /// <exception cref="DataException">The folder or a file is missing.</exception>
    internal static string[] MnistFiles(string directory, string split)
    {
        string prefix = split == "train" ? "train" : "t10k";
        if (!Directory.Exists(directory)) throw new DataException($"{directory}: MNIST folder not found", directory);
        return [FindFile(directory, prefix, "images", "idx3"), FindFile(directory, prefix, "labels", "idx1")];
    }

    private static string FindFile(string dir, string prefix, string kind, string idx)
    {
        string[] names = [$"{prefix}-{kind}-{idx}-ubyte", $"{prefix}-{kind}.{idx}-ubyte", $"{prefix}-{kind}-{idx}", $"{prefix}-{kind}.{idx}"];
        foreach (var n in names)
            foreach (var ext in new[] { "", ".gz" })
            {
                var p = Path.Combine(dir, n + ext);
                if (File.Exists(p)) return p;
            }
        throw new DataException($"{dir}: MNIST {kind} file not found (looked for {names[0]}[.gz] and {names[1]}[.gz])", dir);
    }

    /// <summary>Opens a regular file (FIFOs and devices are refused before opening), transparently decompressing gzip (detected by the
    /// magic bytes 1F 8B) with a check of the gzip trailer at the end, so a truncated .gz is an error (InvalidDataException while reading).</summary>
    /// <exception cref="DataException">The file is missing, not a regular file, or cannot be opened.</exception>
    internal static Stream OpenMaybeGzip(string path)
    {
        var fs = InputFile.OpenRead(path, (m, e) => new DataException(m, path, e));
        int b0 = fs.ReadByte(), b1 = fs.ReadByte();
        fs.Position = 0;
        if (b0 == 0x1F && b1 == 0x8B) return new BufferedStream(new CheckedGzipStream(fs), 1 << 16);
        return fs;
    }

    /// <summary>Whether <paramref name="stream"/> (from <see cref="OpenMaybeGzip"/>) decompresses gzip.</summary>
    internal static bool IsGzip(Stream stream) => stream is BufferedStream { UnderlyingStream: CheckedGzipStream };

    private static void ReadExactly(Stream s, Span<byte> buf, string path, string what)
    {
        int got = ReadUpTo(s, buf);
        if (got < buf.Length) throw new DataException($"{path}: truncated IDX file: ended while reading {what} ({got} of {buf.Length} bytes)", path);
    }

    private static int ReadUpTo(Stream s, Span<byte> buf)
    {
        int total = 0;
        while (total < buf.Length)
        {
            int n = s.Read(buf[total..]);
            if (n == 0) break;
            total += n;
        }
        return total;
    }
}
