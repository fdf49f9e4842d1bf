using Bottleneck.Tensors;

namespace Bottleneck.Data;

/// <summary>
/// Rows of a streamed <see cref="IRowReader"/> in a shuffled order drawn through a bounded buffer (the shuffle buffer of
/// TensorFlow's <c>tf.data.Dataset.shuffle(buffer_size)</c>): the first K rows fill the buffer; then each incoming row replaces a
/// uniformly chosen buffered row, which is emitted; at the end the rest of the buffer is emitted in a random order. Every input row
/// is emitted exactly once, and the order is a function of the seed only (deterministic).
/// </summary>
/// <remarks>
/// Not a full shuffle: a row can move back by any amount but forward by at most K − 1 places (it is emitted no earlier than K − 1
/// rows before it was read), so with K much smaller than the file a row from the end of the file cannot reach the first
/// batches. Data sorted by time or class should be shuffled once on disk, or read with a K of at least a few class runs.
/// Memory is K × D floats plus the labels and row numbers of the buffered rows. Row numbers and labels travel with their rows.
/// </remarks>
public sealed class ShuffledRowReader : IRowReader
{
    private readonly IRowReader _inner;
    private readonly Rng _rng;
    private readonly int _capacity, _d;
    private readonly float[] _rows;
    private readonly string?[] _labels;
    private readonly long[] _numbers;
    private readonly float[] _incoming;
    private readonly List<string> _inLabels = [];
    private readonly List<long> _inNumbers = [];
    private int _count, _inCount, _inNext;
    private bool _innerDone;

    /// <summary>Wraps <paramref name="inner"/> (disposed with this reader).</summary>
    /// <param name="inner">The rows in file order.</param>
    /// <param name="capacity">Buffer size K in rows, ≥ 1 (K = 1 keeps the file order).</param>
    /// <param name="seed">Seed of the order; e.g. mix the training seed with the epoch for a new order per epoch.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="capacity"/> &lt; 1, or K × D exceeds one array.</exception>
    public ShuffledRowReader(IRowReader inner, int capacity, ulong seed)
    {
        _inner = inner ?? throw new ArgumentNullException(nameof(inner));
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _d = inner.FeatureCount;
        if ((long)capacity * _d > Array.MaxLength) throw new ArgumentOutOfRangeException(nameof(capacity), capacity, $"{capacity} rows × {_d} features exceed one array");
        _capacity = capacity;
        _rng = new Rng(seed);
        _rows = new float[capacity * _d];
        _labels = new string?[capacity];
        _numbers = new long[capacity];
        _incoming = new float[Math.Min(capacity, 4096) * _d];
    }

    /// <inheritdoc/>
    public string Source => _inner.Source;

    /// <inheritdoc/>
    public int FeatureCount => _d;

    /// <inheritdoc/>
    public bool HasLabels => _inner.HasLabels;

    /// <summary>The buffer size K in rows.</summary>
    public int Capacity => _capacity;

    /// <inheritdoc/>
    public int Read(Span<float> destination, int maxRows, List<string>? labels = null, List<long>? rows = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRows, 1);
        labels?.Clear(); rows?.Clear();
        int n = 0;
        while (n < maxRows)
        {
            // Fill the buffer first; then swap each incoming row for a random buffered one.
            if (!TryNextIncoming(out int at))
            {
                if (_count == 0) break;
                int j = _rng.NextInt(_count);
                Emit(j, destination, n, labels, rows);
                _count--;
                Move(_count, j);
                n++;
                continue;
            }
            if (_count < _capacity)
            {
                Store(at, _count++);
                continue;
            }
            int k = _rng.NextInt(_capacity);
            Emit(k, destination, n, labels, rows);
            Store(at, k);
            n++;
        }
        return n;
    }

    /// <summary>The next row read from the inner reader (its index in the incoming chunk), or false at its end.</summary>
    private bool TryNextIncoming(out int at)
    {
        at = -1;
        if (_inNext == _inCount)
        {
            if (_innerDone) return false;
            _inCount = _inner.Read(_incoming, _incoming.Length / _d, _inner.HasLabels ? _inLabels : null, _inNumbers);
            _inNext = 0;
            if (_inCount == 0) { _innerDone = true; return false; }
        }
        at = _inNext++;
        return true;
    }

    private void Store(int incoming, int slot)
    {
        _incoming.AsSpan(incoming * _d, _d).CopyTo(_rows.AsSpan(slot * _d, _d));
        _labels[slot] = HasLabels ? _inLabels[incoming] : null;
        _numbers[slot] = _inNumbers[incoming];
    }

    private void Emit(int slot, Span<float> destination, int n, List<string>? labels, List<long>? rows)
    {
        _rows.AsSpan(slot * _d, _d).CopyTo(destination.Slice(n * _d, _d));
        if (labels != null && HasLabels) labels.Add(_labels[slot]!);
        rows?.Add(_numbers[slot]);
    }

    private void Move(int from, int to)
    {
        if (from == to) return;
        _rows.AsSpan(from * _d, _d).CopyTo(_rows.AsSpan(to * _d, _d));
        _labels[to] = _labels[from];
        _numbers[to] = _numbers[from];
    }

    /// <inheritdoc/>
    public void Dispose() => _inner.Dispose();
}
