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
/// outputs, by timing both on this machine as it runs: the first <see cref="TrialCalls"/> calls alternate the two, the split with
/// the lower median time is used for the next <see cref="Period"/> calls, then both are timed again (the load of a shared
/// machine changes, and with it which split wins: a second thread that waits for a core makes the column split slower than one
/// thread). The choice never changes a value, only the time. Not thread-safe (one per inference path, which is not either).
/// </summary>
internal sealed class InferenceSplitTuner
{
    /// <summary>Timed calls per split in a trial.</summary>
    internal const int TrialCalls = 5;

    /// <summary>Calls between trials.</summary>
    internal const int Period = 2048;

    private readonly long[] _rows = new long[TrialCalls], _columns = new long[TrialCalls];
    private int _call;                 // calls since the current trial began
    private InferenceSplit _choice = InferenceSplit.Rows;

    /// <summary>Whether the call <see cref="Next"/> just returned is a trial call to time (<see cref="Record"/>).</summary>
    public bool Timing { get; private set; }

    /// <summary>The split chosen so far (<see cref="InferenceSplit.Rows"/> until the first trial ends).</summary>
    public InferenceSplit Choice => _choice;

    /// <summary>The split for the next call; sets <see cref="Timing"/>.</summary>
    public InferenceSplit Next()
    {
        if (_call >= 2 * TrialCalls + Period)
            _call = 0;
        Timing = _call < 2 * TrialCalls;
        var split = Timing ? (_call % 2 == 0 ? InferenceSplit.Rows : InferenceSplit.Columns) : _choice;
        _call++;
        return split;
    }

    /// <summary>Records the time of a trial call (<see cref="Stopwatch"/> ticks); after the last one, chooses.</summary>
    public void Record(InferenceSplit split, long ticks)
    {
        int i = (_call - 1) / 2;
        if (i >= TrialCalls)
            return;
        (split == InferenceSplit.Rows ? _rows : _columns)[i] = ticks;
        if (_call == 2 * TrialCalls)
        {
            Array.Sort(_rows);
            Array.Sort(_columns);
            _choice = _columns[TrialCalls / 2] < _rows[TrialCalls / 2] ? InferenceSplit.Columns : InferenceSplit.Rows;
        }
    }
}
