namespace Bottleneck.Data;

/// <summary>
/// A source of feature rows read a chunk at a time, so data larger than memory can be scored, encoded or reconstructed in
/// O(chunk × D) memory: CSV files through a <see cref="TabularRowReader"/>, Parquet files by row group
/// (<see cref="ParquetRowReader"/>), .npy files memory-mapped (<see cref="NpyRowReader"/>), data in memory through
/// <see cref="DatasetRowReader"/>, and one shard of any of them through <see cref="ShardedRowReader"/>.
/// </summary>
public interface IRowReader : IDisposable
{
    /// <summary>Where the rows come from (a file path), for messages.</summary>
    string Source { get; }

    /// <summary>Width D of one row.</summary>
    int FeatureCount { get; }

    /// <summary>Whether each row has a label (returned as text by <see cref="Read"/>).</summary>
    bool HasLabels { get; }

    /// <summary>Reads up to <paramref name="maxRows"/> rows into <paramref name="destination"/> (row-major).</summary>
    /// <param name="destination">At least maxRows × <see cref="FeatureCount"/> floats.</param>
    /// <param name="maxRows">Rows to read at most, ≥ 1.</param>
    /// <param name="labels">If not null, cleared and filled with each row's label text (when <see cref="HasLabels"/>).</param>
    /// <param name="rows">If not null, cleared and filled with each row's number: the 1-based line in a CSV file (header = 1),
    /// else the 1-based row number (sample number).</param>
    /// <returns>Rows read; 0 at the end.</returns>
    /// <exception cref="DataException">A bad value (the message names file, row and column).</exception>
    int Read(Span<float> destination, int maxRows, List<string>? labels = null, List<long>? rows = null);
}

/// <summary>The rows of a <see cref="Dataset"/> in memory as an <see cref="IRowReader"/> (row numbers 1..N; labels as
/// <see cref="Dataset.LabelText"/>).</summary>
/// <param name="data">The rows.</param>
public sealed class DatasetRowReader(Dataset data) : IRowReader
{
    private int _next;

    /// <summary>The dataset.</summary>
    public Dataset Data { get; } = data ?? throw new ArgumentNullException(nameof(data));

    /// <inheritdoc/>
    public string Source => Data.Source;

    /// <inheritdoc/>
    public int FeatureCount => Data.FeatureCount;

    /// <inheritdoc/>
    public bool HasLabels => Data.Labels != null;

    /// <inheritdoc/>
    public int Read(Span<float> destination, int maxRows, List<string>? labels = null, List<long>? rows = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRows, 1);
        labels?.Clear(); rows?.Clear();
        int n = Math.Min(maxRows, Data.Rows - _next), d = FeatureCount;
        if (n <= 0) return 0;
        Data.Features.AsSpan(_next * d, n * d).CopyTo(destination);
        for (int i = 0; i < n; i++)
        {
            if (labels != null && HasLabels) labels.Add(Data.LabelText(_next + i));
            rows?.Add(_next + i + 1);
        }
        _next += n;
        return n;
    }

    /// <inheritdoc/>
    public void Dispose() { }
}

/// <summary>
/// The rows of <paramref name="inner"/> that belong to one <see cref="RowShard"/> (data rows i, i+N, …, counted from 1 in the
/// order the inner reader returns them). Row numbers are the inner reader's, so the outputs of the N shards merge by row number
/// into the unsharded output. The inner reader still reads every row.
/// </summary>
/// <param name="inner">The reader of all rows; disposed with this one.</param>
/// <param name="shard">Which rows to keep.</param>
public sealed class ShardedRowReader(IRowReader inner, RowShard shard) : IRowReader
{
    private readonly List<string> _labels = [];
    private readonly List<long> _rows = [];
    private float[] _buffer = [];
    private long _ordinal;
    private bool _done;

    /// <summary>The shard kept.</summary>
    public RowShard Shard { get; } = shard ?? throw new ArgumentNullException(nameof(shard));

    /// <inheritdoc/>
    public string Source => inner.Source;

    /// <inheritdoc/>
    public int FeatureCount => inner.FeatureCount;

    /// <inheritdoc/>
    public bool HasLabels => inner.HasLabels;

    /// <inheritdoc/>
    public int Read(Span<float> destination, int maxRows, List<string>? labels = null, List<long>? rows = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRows, 1);
        labels?.Clear(); rows?.Clear();
        int d = FeatureCount, kept = 0;
        // Read about maxRows × N inner rows at a time, so about maxRows are kept per call.
        int ask = (int)Math.Min(Math.Max(1L, (long)maxRows * Shard.Count), Math.Max(maxRows, 1 << 16));
        while (kept < maxRows && !_done)
        {
            ask = Math.Min(ask, Math.Max(1, (maxRows - kept) * Shard.Count));
            if (_buffer.Length < (long)ask * d) _buffer = new float[(long)ask * d];
            int n = inner.Read(_buffer, ask, labels != null ? _labels : null, _rows);
            if (n == 0) { _done = true; break; }
            for (int i = 0; i < n; i++, _ordinal++)
            {
                if (!Shard.Contains(_ordinal)) continue;
                _buffer.AsSpan(i * d, d).CopyTo(destination.Slice(kept * d, d));
                if (labels != null && HasLabels) labels.Add(_labels[i]);
                rows?.Add(_rows[i]);
                kept++;
            }
        }
        return kept;
    }

    /// <inheritdoc/>
    public void Dispose() => inner.Dispose();
}
