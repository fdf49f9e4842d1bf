namespace Bottleneck.Data;

/// <summary>
/// A deterministic validation split of a streamed reader by row position, with no shuffle: of the data rows counted 0, 1, 2, … in
/// the order the inner reader returns them, row r is held out when r mod k = k − 1 (every k-th row, a fraction 1/k). The
/// training reader keeps the other rows, the validation reader those rows, so the two are disjoint and together every row.
/// </summary>
/// <param name="inner">The reader of all rows; disposed with this one.</param>
/// <param name="every">k ≥ 2: hold out every k-th row.</param>
/// <param name="heldOut">True: keep the held-out rows (validation); false: keep the others (training).</param>
/// <exception cref="ArgumentOutOfRangeException"><paramref name="every"/> &lt; 2.</exception>
public sealed class HoldoutRowReader(IRowReader inner, int every, bool heldOut) : IRowReader
{
    private readonly IRowReader _inner = inner ?? throw new ArgumentNullException(nameof(inner));
    private readonly List<string> _labels = [];
    private readonly List<long> _rows = [];
    private float[] _buffer = [];
    private long _ordinal;
    private bool _done;

    /// <summary>k: every k-th row is held out.</summary>
    public int Every { get; } = every >= 2 ? every : throw new ArgumentOutOfRangeException(nameof(every), every, "every must be ≥ 2");

    /// <summary>Whether this reader returns the held-out rows (true) or the others (false).</summary>
    public bool HeldOut { get; } = heldOut;

    /// <summary>Whether the row at 0-based position <paramref name="ordinal"/> is held out: ordinal mod k = k − 1.</summary>
    /// <param name="ordinal">0-based position of the row in the inner reader's order.</param>
    /// <param name="every">k ≥ 2.</param>
    public static bool IsHeldOut(long ordinal, int every) => ordinal % every == every - 1;

    /// <summary>The k for a validation fraction f: round(1/f), at least 2 (f = 0.1 → every 10th row).</summary>
    /// <param name="fraction">Validation fraction in (0, 0.5].</param>
    /// <exception cref="ArgumentOutOfRangeException">The fraction is not in (0, 0.5].</exception>
    public static int EveryFor(double fraction) =>
        fraction > 0 && fraction <= 0.5 ? Math.Max(2, (int)Math.Round(1 / fraction)) : throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "a streamed validation fraction must be in (0, 0.5]");

    /// <inheritdoc/>
    public string Source => _inner.Source;

    /// <inheritdoc/>
    public int FeatureCount => _inner.FeatureCount;

    /// <inheritdoc/>
    public bool HasLabels => _inner.HasLabels;

    /// <inheritdoc/>
    public int Read(Span<float> destination, int maxRows, List<string>? labels = null, List<long>? rows = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRows, 1);
        labels?.Clear(); rows?.Clear();
        int d = FeatureCount, kept = 0;
        while (kept < maxRows && !_done)
        {
            // m × k consecutive rows hold exactly m held-out rows, and m rows at most m others: neither read keeps more than fits.
            int ask = (int)Math.Min((long)(maxRows - kept) * (HeldOut ? Every : 1), 1 << 16);
            if (_buffer.Length < (long)ask * d) _buffer = new float[(long)ask * d];
            int n = _inner.Read(_buffer, ask, labels != null && HasLabels ? _labels : null, _rows);
            if (n == 0) { _done = true; break; }
            int i = 0;
            for (; i < n; i++, _ordinal++)
            {
                if (IsHeldOut(_ordinal, Every) != HeldOut) continue;
                _buffer.AsSpan(i * d, d).CopyTo(destination.Slice(kept * d, d));
                if (labels != null && HasLabels) labels.Add(_labels[i]);
                rows?.Add(_rows[i]);
                kept++;
            }
        }
        return kept;
    }

    /// <inheritdoc/>
    public void Dispose() => _inner.Dispose();
}
