using System.Buffers.Binary;

namespace Bottleneck.Data;

/// <summary>
/// Walks a Parquet file's footer (the Thrift compact-protocol <c>FileMetaData</c> struct between the data and the closing
/// <c>len PAR1</c>) before Parquet.Net parses it, with every length, count and nesting depth checked against the bytes that
/// remain. Fuzzing found corrupt footers on which Parquet.Net 6.1.0's Thrift reader loops forever in memory, beyond the reach
/// of any stream wrapper or cancellation (aloneguid/parquet-dotnet issues 640 and 723); a footer that is not well-formed compact
/// protocol is refused here with a <see cref="DataException"/> instead. The watchdog in <see cref="ParquetRowReader"/> stays as
/// the backstop for what is well-formed but still confuses Parquet.Net.
/// </summary>
/// <remarks>Thrift compact protocol (Apache Thrift, <c>doc/specs/thrift-compact-protocol.md</c>): field headers carry a 4-bit type
/// and a field-id delta; types 1–2 booleans (no payload), 3 byte, 4–6 zigzag varints, 7 double (8 bytes), 8 binary (varint
/// length), 9–10 list/set (size in the header's high nibble, 15 = a varint follows), 11 map (varint size, key/value type byte),
/// 12 struct (fields until a 0 stop byte).</remarks>
internal static class ParquetFooterCheck
{
    private const int MaxDepth = 64;

    /// <summary>Checks the footer of <paramref name="stream"/> (positioned anywhere; restored to 0).</summary>
    /// <param name="stream">The file, seekable.</param>
    /// <param name="source">The file name, for messages.</param>
    /// <exception cref="DataException">Too short, no closing magic, a footer length past the data, or malformed Thrift.</exception>
    public static void Check(Stream stream, string source)
    {
        long length = stream.Length;
        if (length < 12) throw new DataException($"{source}: not a Parquet file: {length} bytes, fewer than the 12 of an empty one", source);
        Span<byte> tail = stackalloc byte[8];
        stream.Position = length - 8;
        stream.ReadExactly(tail);
        if (tail[4] != 'P' || tail[5] != 'A' || tail[6] != 'R' || tail[7] != '1')
            throw new DataException($"{source}: not a Parquet file: it does not end with the magic bytes PAR1", source);
        int footer = BinaryPrimitives.ReadInt32LittleEndian(tail);
        if (footer <= 0 || footer > length - 12)
            throw new DataException($"{source}: corrupt Parquet file: the footer length {footer} does not fit in the file's {length} bytes", source);
        var bytes = new byte[footer];
        stream.Position = length - 8 - footer;
        stream.ReadExactly(bytes);
        stream.Position = 0;
        int pos = 0;
        try
        {
            SkipStruct(bytes, ref pos, 0);
        }
        catch (FormatException e)
        {
            throw new DataException($"{source}: corrupt Parquet file: the footer is not well-formed Thrift ({e.Message} at byte {pos} of {footer})", source, e);
        }
    }

    private static void SkipStruct(byte[] b, ref int pos, int depth)
    {
        if (depth > MaxDepth) throw new FormatException($"structs nested deeper than {MaxDepth}");
        while (true)
        {
            byte header = Byte(b, ref pos);
            if (header == 0) return;   // stop
            int type = header & 0x0F;
            if (header >> 4 == 0) Varint(b, ref pos);   // explicit field id (zigzag i16)
            SkipValue(b, ref pos, type, depth, inList: false);
        }
    }

    private static void SkipValue(byte[] b, ref int pos, int type, int depth, bool inList)
    {
        switch (type)
        {
            case 1 or 2:
                if (inList) Byte(b, ref pos);   // list elements of type bool take a byte; field booleans live in the header
                break;
            case 3: Byte(b, ref pos); break;
            case 4 or 5 or 6: Varint(b, ref pos); break;
            case 7: Advance(b, ref pos, 8); break;
            case 8: Advance(b, ref pos, Size(b, ref pos)); break;
            case 9 or 10:
            {
                byte h = Byte(b, ref pos);
                long size = h >> 4 == 15 ? Size(b, ref pos) : h >> 4;
                int elem = h & 0x0F;
                if (size > b.Length - pos && elem is not (1 or 2)) throw new FormatException($"a list of {size} elements in {b.Length - pos} bytes");
                for (long i = 0; i < size; i++) SkipValue(b, ref pos, elem, depth + 1, inList: true);
                break;
            }
            case 11:
            {
                long size = Size(b, ref pos);
                if (size == 0) break;
                if (size > b.Length - pos) throw new FormatException($"a map of {size} entries in {b.Length - pos} bytes");
                byte kv = Byte(b, ref pos);
                for (long i = 0; i < size; i++)
                {
                    SkipValue(b, ref pos, kv >> 4, depth + 1, inList: true);
                    SkipValue(b, ref pos, kv & 0x0F, depth + 1, inList: true);
                }
                break;
            }
            case 12: SkipStruct(b, ref pos, depth + 1); break;
            default: throw new FormatException($"unknown Thrift type {type}");
        }
    }

    private static byte Byte(byte[] b, ref int pos) => pos < b.Length ? b[pos++] : throw new FormatException("the footer ends inside a value");

    private static void Advance(byte[] b, ref int pos, long count)
    {
        if (count < 0 || count > b.Length - pos) throw new FormatException($"a length of {count} with {b.Length - pos} bytes left");
        pos += (int)count;
    }

    private static ulong Varint(byte[] b, ref int pos)
    {
        ulong value = 0;
        for (int shift = 0; shift < 70; shift += 7)
        {
            byte x = Byte(b, ref pos);
            value |= (ulong)(x & 0x7F) << shift;
            if ((x & 0x80) == 0) return value;
        }
        throw new FormatException("a varint longer than 10 bytes");
    }

    private static long Size(byte[] b, ref int pos)
    {
        ulong v = Varint(b, ref pos);
        return v > int.MaxValue ? throw new FormatException($"a size of {v}") : (long)v;
    }
}
