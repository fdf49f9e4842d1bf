using System.Diagnostics;

namespace Bottleneck.Models;

/// <summary>How a fused inference pass spreads a call over the GEMM worker pool's threads.</summary>
internal enum InferenceSplit
{
    /// <summary>The rows over the threads, each running every layer on its rows (one thread when the call is small).</summary>
    Rows,
    /// <summary>Every layer's output columns over the threads, a barrier between layers: each thread streams only its share of
    /// each weight.</summary>
    Columns,
}

/// <summary>
/// Picks, for one recurring call shape (a fused inference pass on n rows), the faster of two splits that give bit-identical
/// outputs, by timing both on this machine as it runs. A trial is <see cref="Blocks"/> blocks, rows and columns in turn, each of
/// consecutive calls of one split; the first call of each block pays for the switch (waking or parking the second thread) and is
/// not timed, so each split is timed in its steady state, as it runs when chosen. (Alternating single calls measured the switch
/// instead: at one row the column split, fastest when run steadily, lost every such trial.) A block ends once its timed calls
/// add up to <see cref="BlockBudgetTicks"/> (a quarter of a millisecond) or it has <see cref="MaxBlockCalls"/> calls, so a trial
/// costs about the same time whatever the call's size: 8 calls per block for a single row (microseconds each, where one timed call
/// says little), 2 for a few hundred rows (a fraction of a millisecond each; with 8 calls a block, a trial was 64 calls — all the
/// calls of encoding a few thousand rows, half of them on the slower split). The split with the lower <see cref="Quantile"/> of
/// its timed calls is used for the next <see cref="Period"/> calls, then both are timed again (the load of a shared machine
/// changes, and with it which split wins: a second thread that waits for a core makes the column split slower than one thread; a
/// short period keeps one trial taken at a bad moment from deciding for long). The choice never changes a value, only the time.
/// Not thread-safe (one per inference path, which is not either).
/// </summary>
internal sealed class InferenceSplitTuner
{
    /// <summary>Most calls of one split in a trial block (the first of them untimed).</summary>
    internal const int MaxBlockCalls = 8;

    /// <summary>Blocks in a trial: rows, columns, rows, columns, … (8 blocks, so a moment when the second core is busy elsewhere
    /// falls on both splits).</summary>
    internal const int Blocks = 8;

    /// <summary>Most timed calls per split in a trial.</summary>
    internal const int MaxTimedCallsPerSplit = Blocks / 2 * (MaxBlockCalls - 1);

    /// <summary>Timed <see cref="Stopwatch"/> ticks after which a trial block ends (0.25 ms; at least one timed call per block).</summary>
    internal static readonly long BlockBudgetTicks = Stopwatch.Frequency / 4000;

    /// <summary>Calls between trials.</summary>
    internal const int Period = 512;

    /// <summary>The order statistic compared, as a fraction of a split's timed calls: the lower quartile (index ⌊count / 4⌋ of the
    /// sorted times; the second fastest of 4, the eighth of 28). The delays of a shared machine (a descheduled second thread,
    /// another process's spinning threads) only ever lengthen a call, so a low quantile estimates what a split costs when it runs,
    /// while a split slower in most calls of the trial still loses.</summary>
    internal static int Quantile(int timedCalls) => timedCalls / 4;

    private readonly long[] _rows = new long[MaxTimedCallsPerSplit], _columns = new long[MaxTimedCallsPerSplit];
    private int _rowsTimed, _columnsTimed;
    private int _block;              // block of the current trial; Blocks once the trial is over
    private int _inBlock;            // calls made in the current block
    private long _blockTicks;        // timed ticks in the current block
    private int _sinceTrial;         // calls since the last trial ended
    private InferenceSplit _choice = InferenceSplit.Rows;

    /// <summary>Whether the call <see cref="Next"/> just returned is a trial call to time (<see cref="Record"/>).</summary>
    public bool Timing { get; private set; }

    /// <summary>Whether the trial begun by the last <see cref="Next"/> (or, for a new tuner, the first trial) is still under way.</summary>
    internal bool InTrial => _block < Blocks;

    /// <summary>The split chosen so far (<see cref="InferenceSplit.Rows"/> until the first trial ends).</summary>
    public InferenceSplit Choice => _choice;

    /// <summary>The split for the next call; sets <see cref="Timing"/>.</summary>
    public InferenceSplit Next()
    {
        if (_block >= Blocks)
        {
            if (_sinceTrial < Period)
            {
                _sinceTrial++;
                Timing = false;
                return _choice;
            }
            _block = _inBlock = 0;
            _blockTicks = 0;
            _rowsTimed = _columnsTimed = 0;
        }
        Timing = _inBlock != 0;
        _inBlock++;
        return _block % 2 == 0 ? InferenceSplit.Rows : InferenceSplit.Columns;
    }

    /// <summary>Records the time of a timed trial call (<see cref="Stopwatch"/> ticks); ends the block when its budget or call
    /// count is reached, and after the last block chooses.</summary>
    public void Record(InferenceSplit split, long ticks)
    {
        if (_block >= Blocks)
            return;
        if (split == InferenceSplit.Rows) { if (_rowsTimed < _rows.Length) _rows[_rowsTimed++] = ticks; }
        else if (_columnsTimed < _columns.Length) _columns[_columnsTimed++] = ticks;
        _blockTicks += Math.Max(ticks, 0);
        if (_inBlock < MaxBlockCalls && _blockTicks < BlockBudgetTicks)
            return;
        _block++;
        _inBlock = 0;
        _blockTicks = 0;
        if (_block < Blocks)
            return;
        Array.Sort(_rows, 0, _rowsTimed);
        Array.Sort(_columns, 0, _columnsTimed);
        if (_rowsTimed > 0 && _columnsTimed > 0)
            _choice = _columns[Quantile(_columnsTimed)] < _rows[Quantile(_rowsTimed)] ? InferenceSplit.Columns : InferenceSplit.Rows;
        _sinceTrial = 0;
    }
}
