using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

namespace Bottleneck.IO;

/// <summary>
/// A model, checkpoint or safetensors file that is missing, truncated, corrupt or inconsistent. The message names the file
/// (and tensor). Derives from <see cref="IOException"/> because <see cref="InvalidDataException"/> is sealed.
/// </summary>
public sealed class ModelFileException : IOException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">Complete, user-facing message naming the file.</param>
    /// <param name="file">The file involved.</param>
    /// <param name="inner">Underlying exception, default null.</param>
    public ModelFileException(string message, string file, Exception? inner = null) : base(message, inner) { FilePath = file; }

    /// <summary>The file the problem was found in.</summary>
    public string FilePath { get; }
}

/// <summary>One tensor read from a safetensors file, converted to float32.</summary>
/// <param name="Name">Tensor name.</param>
/// <param name="Shape">Dimensions (empty for a scalar).</param>
/// <param name="Data">Row-major values as float32.</param>
/// <param name="DType">The dtype stored in the file (F32, F64, F16, BF16, I64, I32, I16, I8, U8, BOOL).</param>
public sealed record SafeTensor(string Name, int[] Shape, float[] Data, string DType);

/// <summary>The contents of a safetensors file.</summary>
public sealed class SafeTensorsFile
{
    private readonly Dictionary<string, SafeTensor> _byName;

    internal SafeTensorsFile(string path, List<SafeTensor> tensors, Dictionary<string, string> metadata)
    {
        Path = path;
        Tensors = tensors;
        Metadata = metadata;
        _byName = tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
    }

    /// <summary>The file that was read.</summary>
    public string Path { get; }

    /// <summary>All tensors in the order of their data offsets (which is the writing order for files from <see cref="SafeTensors.Write"/>).</summary>
    public IReadOnlyList<SafeTensor> Tensors { get; }

    /// <summary>The <c>__metadata__</c> string map (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Looks a tensor up by name.</summary>
    /// <param name="name">Tensor name.</param>
    /// <param name="tensor">The tensor, when found.</param>
    public bool TryGet(string name, out SafeTensor tensor) => _byName.TryGetValue(name, out tensor!);

    /// <summary>Gets a tensor by name, optionally checking its shape.</summary>
    /// <param name="name">Tensor name.</param>
    /// <param name="expectedShape">When not null (default null), the tensor's shape must equal it.</param>
    /// <exception cref="ModelFileException">The tensor is missing or has a different shape.</exception>
    public SafeTensor Get(string name, int[]? expectedShape = null)
    {
        if (!_byName.TryGetValue(name, out var t))
            throw new ModelFileException($"{Path}: tensor \"{name}\" is missing (the file has: {string.Join(", ", _byName.Keys.Take(20))}{(_byName.Count > 20 ? ", ..." : "")})", Path);
        if (expectedShape != null && !expectedShape.AsSpan().SequenceEqual(t.Shape))
            throw new ModelFileException($"{Path}: tensor \"{name}\" has shape [{string.Join(", ", t.Shape)}] but [{string.Join(", ", expectedShape)}] was expected", Path);
        return t;
    }
}

/// <summary>
/// Reader and writer of the safetensors format: an 8-byte little-endian header length N, N bytes of UTF-8 JSON
/// (<c>{"name": {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, ..., "__metadata__": {...}}</c>,
/// padded with spaces to a multiple of 8), then the little-endian tensor data, with offsets relative to the data start.
/// </summary>
public static class SafeTensors
{
    /// <summary>Largest header accepted when reading (100 MB, as in the reference implementation).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    /// <summary>Encodes float32 tensors as safetensors bytes; tensors are laid out in the given order.</summary>
    /// <param name="tensors">(Name, Shape, Data) triples; names must be unique, non-empty and not "__metadata__"; Data.Length must equal the shape product.</param>
    /// <param name="metadata">Optional string map stored as <c>__metadata__</c>; default null.</param>
    /// <returns>The complete file content.</returns>
    /// <exception cref="ArgumentException">A name is invalid or duplicated, or a shape does not match its data.</exception>
    public static byte[] Encode(IReadOnlyList<(string Name, int[] Shape, float[] Data)> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var names = new HashSet<string>(StringComparer.Ordinal);
        long offset = 0;
        var json = new MemoryStream();
        using (var w = new Utf8JsonWriter(json))
        {
            w.WriteStartObject();
            if (metadata != null && metadata.Count > 0)
            {
                w.WriteStartObject("__metadata__");
                foreach (var (k, v) in metadata) w.WriteString(k, v);
                w.WriteEndObject();
            }
            foreach (var (name, shape, data) in tensors)
            {
                if (string.IsNullOrEmpty(name) || name == "__metadata__") throw new ArgumentException($"invalid tensor name \"{name}\"", nameof(tensors));
                if (!names.Add(name)) throw new ArgumentException($"duplicate tensor name \"{name}\"", nameof(tensors));
                ArgumentNullException.ThrowIfNull(shape); ArgumentNullException.ThrowIfNull(data);
                long count = 1;
                foreach (var d in shape) { if (d < 0) throw new ArgumentException($"tensor \"{name}\": negative dimension in shape [{string.Join(", ", shape)}]", nameof(tensors)); count *= d; }
                if (count != data.Length) throw new ArgumentException($"tensor \"{name}\": shape [{string.Join(", ", shape)}] holds {count} values but data has {data.Length}", nameof(tensors));
                w.WriteStartObject(name);
                w.WriteString("dtype", "F32");
                w.WriteStartArray("shape"); foreach (var d in shape) w.WriteNumberValue(d); w.WriteEndArray();
                w.WriteStartArray("data_offsets"); w.WriteNumberValue(offset); w.WriteNumberValue(offset + 4 * count); w.WriteEndArray();
                w.WriteEndObject();
                offset += 4 * count;
            }
            w.WriteEndObject();
        }
        int headerLen = (int)((json.Length + 7) / 8 * 8);
        var bytes = new byte[8 + headerLen + offset];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)headerLen);
        json.GetBuffer().AsSpan(0, (int)json.Length).CopyTo(bytes.AsSpan(8));
        bytes.AsSpan(8 + (int)json.Length, headerLen - (int)json.Length).Fill((byte)' ');
        var dst = bytes.AsSpan(8 + headerLen);
        int p = 0;
        foreach (var (_, _, data) in tensors)
        {
            if (BitConverter.IsLittleEndian) System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan()).CopyTo(dst[p..]);
            else for (int i = 0; i < data.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(dst[(p + 4 * i)..], data[i]);
            p += 4 * data.Length;
        }
        return bytes;
    }

    /// <summary>Writes float32 tensors (dtype F32) and optional metadata to a safetensors file, atomically.</summary>
    /// <param name="path">Target file (conventionally <c>.safetensors</c>).</param>
    /// <param name="tensors">(Name, Shape, Data) triples, stored in this order.</param>
    /// <param name="metadata">Optional string map stored as <c>__metadata__</c>; default null.</param>
    /// <exception cref="ArgumentException">See <see cref="Encode"/>.</exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static void Write(string path, IReadOnlyList<(string Name, int[] Shape, float[] Data)> tensors, IReadOnlyDictionary<string, string>? metadata = null) =>
        AtomicFile.WriteAllBytes(path, Encode(tensors, metadata));

    /// <summary>Reads and validates a safetensors file, converting every tensor to float32.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The tensors and metadata.</returns>
    /// <exception cref="ModelFileException">
    /// The file is missing or not a regular file (a FIFO or device), too short, its header is not UTF-8, its header length exceeds the file, the header is not valid JSON or not a JSON object,
    /// a tensor entry is malformed (dtype, shape, offsets), offsets overlap, leave gaps or run past the data, a byte length
    /// does not equal shape product × dtype size, or the dtype is unsupported. Messages name the file and the tensor.
    /// </exception>
    public static SafeTensorsFile Read(string path)
    {
        var bytes = InputFile.ReadAllBytes(path, (m, e) => new ModelFileException(m, path, e));
        return Parse(bytes, path);
    }

    /// <summary>Parses safetensors bytes (see <see cref="Read"/>).</summary>
    /// <param name="bytes">The whole file.</param>
    /// <param name="path">Name used in messages.</param>
    /// <exception cref="ModelFileException">See <see cref="Read"/>.</exception>
    public static SafeTensorsFile Parse(byte[] bytes, string path)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        // Reading a JSON string with an unpaired surrogate escape (\uD800) throws InvalidOperationException, not JsonException.
        try { return ParseChecked(bytes, path); }
        catch (InvalidOperationException e) { throw new ModelFileException($"{path}: header is not valid safetensors JSON ({e.Message})", path, e); }
    }

    private static SafeTensorsFile ParseChecked(byte[] bytes, string path)
    {
        ModelFileException Bad(string msg, Exception? inner = null) => new($"{path}: {msg}", path, inner);
        if (bytes.Length < 8) throw Bad($"not a safetensors file: {bytes.Length} bytes is shorter than the 8-byte header length");
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if (n > MaxHeaderBytes) throw Bad($"header length {n} is larger than the {MaxHeaderBytes}-byte limit (not a safetensors file?)");
        if (n > (ulong)(bytes.Length - 8)) throw Bad($"truncated or not a safetensors file: header length {n} runs past the end of the {bytes.Length}-byte file");
        int headerLen = (int)n;
        long dataStart = 8 + headerLen;
        long dataLen = bytes.Length - dataStart;

        if (!System.Text.Unicode.Utf8.IsValid(bytes.AsSpan(8, headerLen))) throw Bad("header is not valid UTF-8 text (not a safetensors file?)");
        JsonDocument doc;
        try { doc = JsonDocument.Parse(bytes.AsMemory(8, headerLen), new JsonDocumentOptions { MaxDepth = 64 }); }
        catch (JsonException e) { throw Bad($"header is not valid JSON ({e.Message})", e); }
        using var _ = doc;
        if (doc.RootElement.ValueKind != JsonValueKind.Object) throw Bad($"header must be a JSON object, got {doc.RootElement.ValueKind}");

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var entries = new List<(string Name, string DType, int[] Shape, long Begin, long End)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var prop in doc.RootElement.EnumerateObject())
        {
            if (!seen.Add(prop.Name)) throw Bad($"header has duplicate key \"{prop.Name}\"");
            if (prop.Name == "__metadata__")
            {
                if (prop.Value.ValueKind != JsonValueKind.Object) throw Bad("__metadata__ must be an object of strings");
                foreach (var m in prop.Value.EnumerateObject())
                {
                    if (m.Value.ValueKind != JsonValueKind.String) throw Bad($"__metadata__ value for \"{m.Name}\" must be a string, got {m.Value.ValueKind}");
                    metadata[m.Name] = m.Value.GetString()!;
                }
                continue;
            }
            string t = prop.Name;
            var v = prop.Value;
            if (v.ValueKind != JsonValueKind.Object) throw Bad($"tensor \"{t}\": entry must be an object");
            if (!v.TryGetProperty("dtype", out var dtE) || dtE.ValueKind != JsonValueKind.String) throw Bad($"tensor \"{t}\": missing string \"dtype\"");
            if (!v.TryGetProperty("shape", out var shE) || shE.ValueKind != JsonValueKind.Array) throw Bad($"tensor \"{t}\": missing array \"shape\"");
            if (!v.TryGetProperty("data_offsets", out var ofE) || ofE.ValueKind != JsonValueKind.Array || ofE.GetArrayLength() != 2)
                throw Bad($"tensor \"{t}\": \"data_offsets\" must be an array [begin, end]");
            var shape = new int[shE.GetArrayLength()];
            int k = 0;
            long count = 1;
            foreach (var d in shE.EnumerateArray())
            {
                if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt32(out int dim) || dim < 0)
                    throw Bad($"tensor \"{t}\": shape entry {d} is not a non-negative 32-bit integer");
                shape[k++] = dim;
                count *= dim;
                if (count > Array.MaxLength) throw Bad($"tensor \"{t}\": shape [{string.Join(", ", shape.Take(k))}...] is too large");
            }
            long[] off = new long[2];
            k = 0;
            foreach (var o in ofE.EnumerateArray())
            {
                if (o.ValueKind != JsonValueKind.Number || !o.TryGetInt64(out off[k]) || off[k] < 0)
                    throw Bad($"tensor \"{t}\": data_offsets entry {o} is not a non-negative integer");
                k++;
            }
            string dtype = dtE.GetString()!;
            int size = DTypeSize(dtype);
            if (size == 0) throw Bad($"tensor \"{t}\": unsupported dtype \"{dtype}\" (supported: F32, F64, F16, BF16, I64, I32, I16, I8, U8, BOOL)");
            if (off[1] < off[0]) throw Bad($"tensor \"{t}\": data_offsets [{off[0]}, {off[1]}] end before they begin");
            if (off[1] > dataLen) throw Bad($"tensor \"{t}\": data_offsets [{off[0]}, {off[1]}] run past the end of the data ({dataLen} bytes; file truncated?)");
            if (off[1] - off[0] != count * size)
                throw Bad($"tensor \"{t}\": shape [{string.Join(", ", shape)}] of {dtype} needs {count * size} bytes but data_offsets [{off[0]}, {off[1]}] span {off[1] - off[0]}");
            entries.Add((t, dtype, shape, off[0], off[1]));
        }

        entries.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        long expected = 0;
        string? prev = null;
        foreach (var e in entries)
        {
            if (e.Begin < expected) throw Bad($"tensor \"{e.Name}\": data_offsets [{e.Begin}, {e.End}] overlap tensor \"{prev}\" (which ends at {expected})");
            if (e.Begin > expected) throw Bad($"tensor \"{e.Name}\": data_offsets begin at {e.Begin} but the previous data ends at {expected} (gap in the data buffer)");
            expected = e.End;
            prev = e.Name;
        }
        if (expected != dataLen) throw Bad($"data section has {dataLen} bytes but the tensors cover {expected} (extra or missing bytes)");

        long floats = entries.Sum(e => (e.End - e.Begin) / DTypeSize(e.DType));
        InputFile.CheckAllocation(path, 4 * floats, long.MaxValue, "the tensors converted to float32", (m, e) => new ModelFileException(m, path, e));
        var tensors = new List<SafeTensor>(entries.Count);
        foreach (var e in entries)
            tensors.Add(new SafeTensor(e.Name, e.Shape, Convert(bytes.AsSpan((int)(dataStart + e.Begin), (int)(e.End - e.Begin)), e.DType), e.DType));
        return new SafeTensorsFile(path, tensors, metadata);
    }

    private static int DTypeSize(string dtype) => dtype switch
    {
        "F64" or "I64" => 8,
        "F32" or "I32" => 4,
        "F16" or "BF16" or "I16" => 2,
        "I8" or "U8" or "BOOL" => 1,
        _ => 0,
    };

    private static float[] Convert(ReadOnlySpan<byte> src, string dtype)
    {
        int size = DTypeSize(dtype);
        var dst = new float[src.Length / size];
        for (int i = 0; i < dst.Length; i++)
        {
            var b = src.Slice(i * size, size);
            dst[i] = dtype switch
            {
                "F32" => BinaryPrimitives.ReadSingleLittleEndian(b),
                "F64" => (float)BinaryPrimitives.ReadDoubleLittleEndian(b),
                "F16" => (float)BinaryPrimitives.ReadHalfLittleEndian(b),
                "BF16" => BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(b) << 16),
                "I64" => BinaryPrimitives.ReadInt64LittleEndian(b),
                "I32" => BinaryPrimitives.ReadInt32LittleEndian(b),
                "I16" => BinaryPrimitives.ReadInt16LittleEndian(b),
                "I8" => (sbyte)b[0],
                "U8" => b[0],
                _ => b[0] != 0 ? 1f : 0f,
            };
        }
        return dst;
    }
}
