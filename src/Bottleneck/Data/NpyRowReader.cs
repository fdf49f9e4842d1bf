using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;
using Bottleneck.IO;

namespace Bottleneck.Data;

public static partial class NpyLoader
{
    /// <summary>
    /// An .npy file mapped into memory (<see cref="MemoryMappedFile"/>, read-only): the header is parsed and checked against the file
    /// size, and values are converted to float32 only for the elements asked for, through short-lived views, so the file is never
    /// read as a whole and its pages are the operating system's file cache, not the process's resident memory.
    /// </summary>
    internal sealed unsafe class Mapped : IDisposable
    {
        private readonly MemoryMappedFile _file;

        private Mapped(string path, NpyHeader header, MemoryMappedFile file)
        {
            Path = path; Header = header; _file = file;
        }

        public string Path { get; }

        public NpyHeader Header { get; }

        /// <summary>Opens and maps <paramref name="path"/>.</summary>
        /// <exception cref="DataException">Missing file, not a regular file, or a bad header (see <see cref="Read"/>).</exception>
        public static Mapped Open(string path)
        {
            Exception Error(string m, Exception? e) => new DataException(m, path, e);
            var fs = InputFile.OpenRead(path, Error, 1);
            try
            {
                long length = fs.Length;
                var preamble = new byte[(int)Math.Min(12, length)];
                fs.ReadExactly(preamble);
                int headerEnd = HeaderEnd(preamble, path, length);
                var head = new byte[headerEnd];
                preamble.AsSpan(0, Math.Min(preamble.Length, headerEnd)).CopyTo(head);
                if (headerEnd > preamble.Length) fs.ReadExactly(head.AsSpan(preamble.Length));
                var header = ParseHeader(head, path, length);
                return new Mapped(path, header, MemoryMappedFile.CreateFromFile(fs, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false));
            }
            catch (EndOfStreamException e) { fs.Dispose(); throw new DataException($"{path}: the file shrank while it was read", path, e); }
            catch (IOException e) { fs.Dispose(); throw new DataException($"{path}: cannot map file ({e.Message})", path, e); }
            catch { fs.Dispose(); throw; }
        }

        /// <summary>Converts elements [<paramref name="start"/>, start + destination.Length) to float32, through views of at most
        /// 64 MiB that are unmapped after use, so the file's pages never accumulate in the process's resident set.</summary>
        public void Convert(long start, Span<float> destination)
        {
            var h = Header;
            int slice = Math.Max(1, (64 << 20) / h.ItemSize);   // elements per view
            for (int done = 0; done < destination.Length; done += slice)
            {
                int n = Math.Min(slice, destination.Length - done);
                long offset = h.DataStart + (start + done) * h.ItemSize;
                using var view = _file.CreateViewAccessor(offset, (long)n * h.ItemSize, MemoryMappedFileAccess.Read);
                byte* p = null;
                view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
                try
                {
                    var src = new ReadOnlySpan<byte>(p + view.PointerOffset, n * h.ItemSize);
                    var dst = destination.Slice(done, n);
                    if (h.Kind == "f4" && h.BigEndian == !BitConverter.IsLittleEndian) MemoryMarshal.Cast<byte, float>(src).CopyTo(dst);
                    else for (int i = 0; i < n; i++) dst[i] = (float)Value(src, i, h, out _);
                }
                finally { view.SafeMemoryMappedViewHandle.ReleasePointer(); }
            }
        }

        public void Dispose() => _file.Dispose();
    }

    /// <summary>(rows, features, image shape) of an .npy shape, as <see cref="Load"/> reads it.</summary>
    internal static (long Rows, int Features, ImageShape? Image) RowsOfPublic(int[] shape, long count, string path)
    {
        if (shape.Length <= 1) return (1, (int)count, null);
        long f = 1;
        for (int i = 1; i < shape.Length; i++) f *= shape[i];
        if (f < 1 || f > Array.MaxLength) throw new DataException($"{path}: .npy array of shape ({string.Join(", ", shape)}) has {(f < 1 ? "no" : "too many")} values per row", path);
        ImageShape? image = shape.Length == 3 ? new ImageShape(1, shape[1], shape[2]) : shape.Length == 4 && shape[1] == 1 ? new ImageShape(1, shape[2], shape[3]) : null;
        return (shape[0], (int)f, image);
    }
}

/// <summary>
/// The rows of an .npy file, memory-mapped (<see cref="MemoryMappedFile"/>) and converted to float32 a chunk at a time: rows are
/// the first dimension, the other dimensions flattened (as <see cref="NpyLoader.Load"/>). Row numbers are 1-based sample numbers.
/// Memory is the chunk, whatever the file size (the mapped pages are the operating system's file cache).
/// </summary>
public sealed class NpyRowReader : IRowReader
{
    private readonly NpyLoader.Mapped _map;
    private readonly int[]? _labels;
    private long _next;

    /// <summary>Maps the file (and reads the labels file, 4 bytes per row, when given).</summary>
    /// <param name="path">The .npy file.</param>
    /// <param name="labelsPath">Optional .npy file of one integer label per row; default null.</param>
    /// <exception cref="DataException">A file is invalid (see <see cref="NpyLoader.Read"/>), or the labels do not match the rows.</exception>
    public NpyRowReader(string path, string? labelsPath = null)
    {
        _map = NpyLoader.Mapped.Open(path);
        try
        {
            (Rows, FeatureCount, Image) = NpyLoader.RowsOfPublic(_map.Header.Shape, _map.Header.Count, path);
            if (labelsPath != null)
            {
                if (Rows > int.MaxValue) throw new DataException($"{path}: {Rows} rows is too many for a labels file", path);
                _labels = NpyLoader.ReadLabels(labelsPath, (int)Rows, path);
            }
        }
        catch { _map.Dispose(); throw; }
        Source = path;
    }

    /// <inheritdoc/>
    public string Source { get; }

    /// <summary>Rows in the file.</summary>
    public long Rows { get; }

    /// <inheritdoc/>
    public int FeatureCount { get; }

    /// <summary>(1, H, W) for a 3-D (N, H, W) or 4-D (N, 1, H, W) array, else null.</summary>
    public ImageShape? Image { get; }

    /// <inheritdoc/>
    public bool HasLabels => _labels != null;

    /// <inheritdoc/>
    public int Read(Span<float> destination, int maxRows, List<string>? labels = null, List<long>? rows = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRows, 1);
        labels?.Clear(); rows?.Clear();
        int d = FeatureCount;
        int n = (int)Math.Min(maxRows, Rows - _next);
        if (n <= 0) return 0;
        if (destination.Length < (long)n * d) throw new ArgumentException($"destination needs {(long)n * d} floats", nameof(destination));
        CancellationScope.ThrowIfCancellationRequested();
        var dst = destination[..(n * d)];
        _map.Convert(_next * d, dst);
        for (int i = 0; i < dst.Length; i++)
            if (!float.IsFinite(dst[i]))
                throw new DataException($"{Source}: value {dst[i]} at row {_next + i / d}, column {i % d} (0-based) is not finite", Source);
        for (int i = 0; i < n; i++)
        {
            if (labels != null && _labels != null) labels.Add(_labels[_next + i].ToString(System.Globalization.CultureInfo.InvariantCulture));
            rows?.Add(_next + i + 1);
        }
        _next += n;
        return n;
    }

    /// <inheritdoc/>
    public void Dispose() => _map.Dispose();
}
