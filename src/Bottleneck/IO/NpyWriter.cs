using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace Bottleneck.IO;

/// <summary>Writer for NumPy <c>.npy</c> files (format 1.0, or 2.0 for huge headers; dtype &lt;f4, C order).</summary>
public static class NpyWriter
{
    /// <summary>Encodes float32 data as .npy bytes.</summary>
    /// <param name="data">Row-major values; length must equal the product of <paramref name="shape"/>.</param>
    /// <param name="shape">Dimensions (empty for a scalar), each ≥ 0.</param>
    /// <returns>The complete file content.</returns>
    /// <exception cref="ArgumentException">The shape does not match the data length or has a negative entry.</exception>
    public static byte[] Encode(ReadOnlySpan<float> data, int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        long count = 1;
        foreach (var d in shape)
        {
            if (d < 0) throw new ArgumentException($"shape entries must be ≥ 0, got ({string.Join(", ", shape)})", nameof(shape));
            count *= d;
        }
        if (count != data.Length)
            throw new ArgumentException($"shape ({string.Join(", ", shape)}) holds {count} values but data has {data.Length}", nameof(shape));
        string shapeText = shape.Length == 1 ? $"({shape[0]},)" : $"({string.Join(", ", shape)})";
        string dict = $"{{'descr': '<f4', 'fortran_order': False, 'shape': {shapeText}, }}";
        int preamble = 10;
        int total = preamble + dict.Length + 1;
        int padded = (total + 63) / 64 * 64;
        int headerLen = padded - preamble;
        bool v2 = headerLen > ushort.MaxValue;
        if (v2) { preamble = 12; total = preamble + dict.Length + 1; padded = (total + 63) / 64 * 64; headerLen = padded - preamble; }
        var bytes = new byte[padded + 4L * data.Length];
        bytes[0] = 0x93; "NUMPY"u8.CopyTo(bytes.AsSpan(1));
        bytes[6] = v2 ? (byte)2 : (byte)1; bytes[7] = 0;
        if (v2) BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), (uint)headerLen);
        else BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), (ushort)headerLen);
        int p = preamble;
        foreach (char ch in dict) bytes[p++] = (byte)ch;
        while (p < padded - 1) bytes[p++] = (byte)' ';
        bytes[p] = (byte)'\n';
        var dst = bytes.AsSpan(padded);
        for (int i = 0; i < data.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(dst.Slice(4 * i), data[i]);
        return bytes;
    }

    /// <summary>Writes float32 data as an .npy file (dtype &lt;f4, C order), atomically.</summary>
    /// <param name="path">Target file.</param>
    /// <param name="data">Row-major values; length must equal the product of <paramref name="shape"/>.</param>
    /// <param name="shape">Dimensions, e.g. [rows, features].</param>
    /// <exception cref="ArgumentException">The shape does not match the data length.</exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static void Write(string path, float[] data, int[] shape) =>
        AtomicFile.WriteAllBytes(path, Encode(data, shape));
}
