using System.Buffers.Binary;
using Google.Protobuf;

namespace Bottleneck.IO;

/// <summary>
/// Writes a TensorBoard event file (<c>events.out.tfevents.{seconds}.{host}</c>) of scalar summaries. Each record is TFRecord
/// framed: length (uint64 LE), masked CRC-32C of the length (uint32 LE), the serialized <c>Event</c> protobuf, masked CRC-32C of
/// the data; the first event carries <c>file_version = "brain.Event:2"</c>. Messages are serialized by Google.Protobuf from
/// <c>IO/TensorBoard/events.proto</c> (TensorFlow's field numbers). The file is appended to and flushed after every
/// <see cref="Flush"/>, so TensorBoard can read it while training runs; it is not written atomically (an interrupted run
/// leaves the records flushed so far, each of them whole or detected by its CRC).
/// </summary>
public sealed class TensorBoardWriter : IDisposable
{
    /// <summary>The file_version string TensorBoard expects in the first record.</summary>
    public const string FileVersion = "brain.Event:2";

    private readonly FileStream _stream;
    private readonly Func<double> _clock;

    /// <summary>Path of the event file.</summary>
    public string Path { get; }

    /// <summary>Creates <paramref name="directory"/> if needed and a new event file in it, and writes the file-version record.</summary>
    /// <param name="directory">Log folder (TensorBoard's <c>--logdir</c>, or a run folder inside it).</param>
    /// <param name="clock">Wall time in seconds since the Unix epoch (default: the system clock); tests pass a fixed one.</param>
    /// <exception cref="IOException">The folder or file cannot be created (the message names it).</exception>
    /// <exception cref="UnauthorizedAccessException">No permission to write there.</exception>
    public TensorBoardWriter(string directory, Func<double>? clock = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        _clock = clock ?? (() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0);
        Directory.CreateDirectory(directory);
        double now = _clock();
        string host = System.Net.Dns.GetHostName();
        string name = $"events.out.tfevents.{(long)now}.{(string.IsNullOrEmpty(host) ? "localhost" : host)}";
        string path = System.IO.Path.Combine(directory, name);
        for (int k = 1; File.Exists(path); k++) path = System.IO.Path.Combine(directory, $"{name}.{k}");
        Path = path;
        _stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read);
        Write(new Event { WallTime = now, Step = 0, FileVersion = FileVersion });
        Flush();
    }

    /// <summary>Writes one event holding the scalars (tag, value) at <paramref name="step"/>.</summary>
    /// <param name="step">Global step (x axis in TensorBoard).</param>
    /// <param name="scalars">(tag, value) pairs, e.g. ("loss/train", 0.12); stored as float32 (TensorBoard's simple_value).</param>
    /// <exception cref="ArgumentException">A tag is empty.</exception>
    public void AddScalars(long step, IEnumerable<(string Tag, double Value)> scalars)
    {
        var summary = new Summary();
        foreach (var (tag, value) in scalars)
        {
            if (string.IsNullOrWhiteSpace(tag)) throw new ArgumentException("a TensorBoard tag must not be empty");
            summary.Value.Add(new Summary.Types.Value { Tag = tag, SimpleValue = (float)value });
        }
        Write(new Event { WallTime = _clock(), Step = step, Summary = summary });
    }

    /// <summary>Pushes the records written so far to the file.</summary>
    public void Flush() => _stream.Flush(flushToDisk: false);

    /// <summary>Flushes and closes the file.</summary>
    public void Dispose()
    {
        _stream.Flush();
        _stream.Dispose();
    }

    private void Write(Event e)
    {
        var data = e.ToByteArray();
        Span<byte> header = stackalloc byte[12];
        BinaryPrimitives.WriteUInt64LittleEndian(header, (ulong)data.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], Crc32C.Masked(header[..8]));
        Span<byte> footer = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(footer, Crc32C.Masked(data));
        _stream.Write(header);
        _stream.Write(data);
        _stream.Write(footer);
    }
}

/// <summary>CRC-32C (Castagnoli, reflected polynomial 0x82F63B78) and TFRecord's masking ((crc ≫ 15 | crc ≪ 17) + 0xA282EAD8).</summary>
internal static class Crc32C
{
    private static readonly uint[] Table = BuildTable();

    private static uint[] BuildTable()
    {
        var t = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            uint c = i;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0x82F63B78u ^ (c >> 1) : c >> 1;
            t[i] = c;
        }
        return t;
    }

    /// <summary>CRC-32C of the bytes (check value of "123456789": 0xE3069283).</summary>
    public static uint Compute(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFFu;
        foreach (var b in data) crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return crc ^ 0xFFFFFFFFu;
    }

    /// <summary>The masked CRC TFRecord stores.</summary>
    public static uint Masked(ReadOnlySpan<byte> data)
    {
        uint crc = Compute(data);
        return ((crc >> 15) | (crc << 17)) + 0xA282EAD8u;
    }
}
