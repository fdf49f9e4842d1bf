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
/// outputs, by timing both on this machine as it runs. A trial is <see cref="Blocks"/> blocks of <see cref="BlockCalls"/>
/// consecutive calls, rows and columns in turn; the first call of each block pays for the switch (waking or parking the second
/// thread) and is not timed, so each split is timed in its steady state, as it runs when chosen. (Alternating single calls
/// measured the switch instead: at one row the column split, fastest when run steadily, lost every such trial.) The split with
/// the lower <see cref="Quantile"/>-th time is used for the next <see cref="Period"/> calls, then both are timed again (the load of
/// a shared machine changes, and with it which split wins: a second thread that waits for a core makes the column split slower
/// than one thread; a short period keeps one trial taken at a bad moment from deciding for long). The choice never changes a value, only the time. Not thread-safe (one per inference path, which is not either).
/// </summary>
internal sealed class InferenceSplitTuner
{
    /// <summary>Consecutive calls of one split in a trial block (the first of them untimed).</summary>
    internal const int BlockCalls = 8;

    /// <summary>Blocks in a trial: rows, columns, rows, columns, … (8 blocks, so a moment when the second core is busy elsewhere
    /// falls on both splits).</summary>
    internal const int Blocks = 8;

    /// <summary>Calls in a trial.</summary>
    internal const int TrialLength = BlockCalls * Blocks;

    /// <summary>Timed calls per split in a trial.</summary>
    internal const int TimedCallsPerSplit = Blocks / 2 * (BlockCalls - 1);

    /// <summary>The order statistic compared (the lower quartile of each split's timed calls): the delays of a shared machine
    /// (a descheduled second thread, another process's spinning threads) only ever lengthen a call, so a low quantile estimates
    /// what a split costs when it runs, while a split slower in most calls of the trial still loses.</summary>
    internal const int Quantile = TimedCallsPerSplit / 4;

    /// <summary>Calls between trials (a trial is 1/9 of the calls, half of them on the slower split).</summary>
    internal const int Period = 512;

    private readonly long[] _rows = new long[TimedCallsPerSplit], _columns = new long[TimedCallsPerSplit];
    private int _call;                 // calls since the current trial began
    private int _rowsTimed, _columnsTimed;
    private InferenceSplit _choice = InferenceSplit.Rows;

    /// <summary>Whether the call <see cref="Next"/> just returned is a trial call to time (<see cref="Record"/>).</summary>
    public bool Timing { get; private set; }

    /// <summary>The split chosen so far (<see cref="InferenceSplit.Rows"/> until the first trial ends).</summary>
    public InferenceSplit Choice => _choice;

    /// <summary>The split for the next call; sets <see cref="Timing"/>.</summary>
    public InferenceSplit Next()
    {
        if (_call >= TrialLength + Period)
        {
            _call = 0;
            _rowsTimed = _columnsTimed = 0;
        }
        bool trial = _call < TrialLength;
        Timing = trial && _call % BlockCalls != 0;
        var split = trial ? (_call / BlockCalls % 2 == 0 ? InferenceSplit.Rows : InferenceSplit.Columns) : _choice;
        _call++;
        return split;
    }

    /// <summary>Records the time of a timed trial call (<see cref="Stopwatch"/> ticks); after the trial's last one, chooses.</summary>
    public void Record(InferenceSplit split, long ticks)
    {
        if (split == InferenceSplit.Rows) { if (_rowsTimed < _rows.Length) _rows[_rowsTimed++] = ticks; }
        else if (_columnsTimed < _columns.Length) _columns[_columnsTimed++] = ticks;
        if (_rowsTimed == _rows.Length && _columnsTimed == _columns.Length && _call == TrialLength)
        {
            Array.Sort(_rows);
            Array.Sort(_columns);
            _choice = _columns[Quantile] < _rows[Quantile] ? InferenceSplit.Columns : InferenceSplit.Rows;
        }
    }
}
