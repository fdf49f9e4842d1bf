using Bottleneck.Tensors;

namespace Bottleneck.Data;

/// <summary>
/// Mini-batch index iteration over <see cref="Rows"/> rows. One permutation array is reused across epochs
/// (reshuffled in place by <see cref="NextEpoch"/> when shuffling), and each batch is a slice of it, so no
/// memory is allocated per batch or per epoch.
/// </summary>
/// <example><code>
/// var it = new BatchIterator(train.Rows, 64, shuffle: true, rng);
/// var buf = new float[64 * train.FeatureCount];
/// for (int epoch = 0; epoch &lt; 10; epoch++)
///     foreach (ReadOnlySpan&lt;int&gt; idx in it.NextEpoch())
///         train.CopyRows(idx, buf.AsSpan(0, idx.Length * train.FeatureCount));
/// </code></example>
public sealed class BatchIterator
{
    private readonly int[] _order;
    private readonly Rng? _rng;

    /// <summary>Creates the iterator; the order starts as the identity 0..rows-1.</summary>
    /// <param name="rows">Number of rows (≥ 0).</param>
    /// <param name="batchSize">Rows per batch (≥ 1); the last batch may be smaller unless <paramref name="dropLast"/>.</param>
    /// <param name="shuffle">Reshuffle the order at the start of every epoch.</param>
    /// <param name="rng">Seeded generator; required when <paramref name="shuffle"/> is true (default null).</param>
    /// <param name="dropLast">Skip the final incomplete batch (default false).</param>
    /// <exception cref="ArgumentOutOfRangeException">rows &lt; 0 or batchSize &lt; 1.</exception>
    /// <exception cref="ArgumentNullException">shuffle is true and rng is null.</exception>
    public BatchIterator(int rows, int batchSize, bool shuffle, Rng? rng = null, bool dropLast = false)
    {
        if (rows < 0) throw new ArgumentOutOfRangeException(nameof(rows), rows, "rows must be ≥ 0");
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, $"batch size must be ≥ 1, got {batchSize}");
        if (shuffle && rng == null) throw new ArgumentNullException(nameof(rng), "a seeded Rng is required when shuffle is true");
        _order = new int[rows];
        for (int i = 0; i < rows; i++) _order[i] = i;
        _rng = rng;
        Rows = rows;
        BatchSize = batchSize;
        Shuffle = shuffle;
        DropLast = dropLast;
    }

    /// <summary>Number of rows iterated.</summary>
    public int Rows { get; }

    /// <summary>Maximum rows per batch.</summary>
    public int BatchSize { get; }

    /// <summary>Whether each epoch reshuffles the order.</summary>
    public bool Shuffle { get; }

    /// <summary>Whether the final incomplete batch is skipped.</summary>
    public bool DropLast { get; }

    /// <summary>Batches per epoch.</summary>
    public int BatchCount => DropLast ? Rows / BatchSize : (Rows + BatchSize - 1) / BatchSize;

    /// <summary>The current row order (the permutation of this epoch).</summary>
    public ReadOnlySpan<int> Order => _order;

    /// <summary>Start offset into <see cref="Order"/> and row count of batch <paramref name="batch"/>.</summary>
    /// <param name="batch">0-based batch number, in [0, BatchCount).</param>
    public (int Start, int Count) BatchRange(int batch)
    {
        if ((uint)batch >= (uint)BatchCount) throw new ArgumentOutOfRangeException(nameof(batch), batch, $"batch must be in [0, {BatchCount})");
        int start = batch * BatchSize;
        return (start, Math.Min(BatchSize, Rows - start));
    }

    /// <summary>The row indices of batch <paramref name="batch"/> in the current order (a slice, no copy).</summary>
    /// <param name="batch">0-based batch number, in [0, BatchCount).</param>
    public ReadOnlySpan<int> Batch(int batch)
    {
        var (s, c) = BatchRange(batch);
        return _order.AsSpan(s, c);
    }

    /// <summary>Starts a new epoch: reshuffles the order in place when <see cref="Shuffle"/> is set, and returns the batches.</summary>
    /// <returns>An allocation-free enumerable of batch index spans.</returns>
    public Epoch NextEpoch()
    {
        if (Shuffle) _rng!.Shuffle<int>(_order);
        return new Epoch(this);
    }

    /// <summary>The batches of one epoch, for <c>foreach (ReadOnlySpan&lt;int&gt; idx in ...)</c>.</summary>
    public readonly struct Epoch
    {
        private readonly BatchIterator _it;
        internal Epoch(BatchIterator it) { _it = it; }

        /// <summary>Gets the enumerator.</summary>
        public Enumerator GetEnumerator() => new(_it);
    }

    /// <summary>Enumerates the batches of one epoch as slices of the order.</summary>
    public ref struct Enumerator
    {
        private readonly BatchIterator _it;
        private int _batch;

        internal Enumerator(BatchIterator it) { _it = it; _batch = -1; }

        /// <summary>Advances to the next batch.</summary>
        public bool MoveNext() => ++_batch < _it.BatchCount;

        /// <summary>Row indices of the current batch.</summary>
        public readonly ReadOnlySpan<int> Current => _it.Batch(_batch);
    }
}
