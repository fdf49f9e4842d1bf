using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;

namespace Bottleneck.IO;

/// <summary>
/// Decompresses a gzip file and, at the end of the data, checks it against the file's gzip trailer (CRC-32 and length of the last
/// member, RFC 1952 §2.3.1), so that a file cut short is an error instead of silently shorter data: .NET's
/// <see cref="GZipStream"/> returns end-of-stream when the compressed input runs out, even in the middle of a member.
/// Multi-member files (concatenated gzip) are accepted when their last member's trailer matches the data it decompressed to.
/// </summary>
public sealed class CheckedGzipStream : Stream
{
    private readonly FileStream _file;
    private readonly GZipStream _gzip;
    private readonly System.IO.Hashing.Crc32 _crc = new();
    private long _length;
    private bool _checked;

    /// <summary>Wraps <paramref name="file"/> (positioned at the gzip magic; owned and disposed by this stream).</summary>
    /// <param name="file">The open gzip file (seekable).</param>
    public CheckedGzipStream(FileStream file)
    {
        _file = file ?? throw new ArgumentNullException(nameof(file));
        _gzip = new GZipStream(file, CompressionMode.Decompress);
    }

    /// <summary>Reads decompressed bytes; at the end of the data checks the trailer.</summary>
    /// <exception cref="InvalidDataException">The data is corrupt, or the file ends before its trailer (truncated).</exception>
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <inheritdoc cref="Read(byte[], int, int)"/>
    public override int Read(Span<byte> buffer)
    {
        int n = _gzip.Read(buffer);
        if (n > 0)
        {
            _crc.Append(buffer[..n]);
            _length += n;
        }
        else if (buffer.Length > 0 && !_checked)
        {
            _checked = true;
            CheckTrailer();
        }
        return n;
    }

    private void CheckTrailer()
    {
        const string Truncated = "the file is truncated or damaged: the gzip data ends without a matching trailer (CRC-32 and size)";
        long size = _file.Length;
        if (size < 18) throw new InvalidDataException(Truncated);
        Span<byte> trailer = stackalloc byte[8];
        RandomAccess.Read(_file.SafeFileHandle, trailer, size - 8);
        uint crc = BinaryPrimitives.ReadUInt32LittleEndian(trailer);
        uint isize = BinaryPrimitives.ReadUInt32LittleEndian(trailer[4..]);
        if (crc == _crc.GetCurrentHashAsUInt32() && isize == (uint)_length) return;
        // Several members: the trailer describes only the last one, whose data is the last ISIZE bytes of the output.
        if (isize < _length && LastMemberCrc(_length - isize) == crc) return;
        throw new InvalidDataException(Truncated);
    }

    private uint LastMemberCrc(long skip)
    {
        using var again = new FileStream(_file.Name, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        using var gzip = new GZipStream(again, CompressionMode.Decompress);
        var buffer = new byte[1 << 16];
        var crc = new System.IO.Hashing.Crc32();
        long position = 0;
        int n;
        while ((n = gzip.Read(buffer)) > 0)
        {
            long from = Math.Max(0, skip - position);
            if (from < n) crc.Append(buffer.AsSpan((int)from, n - (int)from));
            position += n;
        }
        return crc.GetCurrentHashAsUInt32();
    }

    /// <inheritdoc/>
    public override bool CanRead => true;
    /// <inheritdoc/>
    public override bool CanSeek => false;
    /// <inheritdoc/>
    public override bool CanWrite => false;
    /// <inheritdoc/>
    public override long Length => throw new NotSupportedException();
    /// <inheritdoc/>
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    /// <inheritdoc/>
    public override void Flush() { }
    /// <inheritdoc/>
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    /// <inheritdoc/>
    public override void SetLength(long value) => throw new NotSupportedException();
    /// <inheritdoc/>
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing) _gzip.Dispose();
        base.Dispose(disposing);
    }
}
