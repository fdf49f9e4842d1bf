namespace Bottleneck.Kernels;

/// <summary>
/// A sense-reversing barrier for the few threads of one <see cref="GemmWorkerPool"/> job (a cooperative GEMM, a layer-by-layer
/// inference pass): cheaper than a hand-off through events when the threads are already running. A waiting thread spins, then
/// yields its core, so on a busy machine a descheduled partner gets to run. Reusable; <see cref="Reset"/> before each job.
/// </summary>
internal sealed class SpinBarrier
{
    private int _parties, _waiting;
    private volatile int _sense;
    private volatile bool _aborted;

    /// <summary>Prepares the barrier for <paramref name="parties"/> threads (before any of them starts; each starts with its sense at 0).</summary>
    public void Reset(int parties)
    {
        _parties = parties;
        _waiting = parties;
        _sense = 0;
        _aborted = false;
    }

    /// <summary>Makes the other threads leave their barrier wait with false (a thread failed).</summary>
    public void Abort() => _aborted = true;

    /// <summary>Waits until all parties have arrived. <paramref name="sense"/> is the caller's own flag, 0 at the start of the job.</summary>
    /// <returns>False when the barrier was aborted.</returns>
    public bool Wait(ref int sense)
    {
        sense ^= 1;
        if (Interlocked.Decrement(ref _waiting) == 0)
        {
            _waiting = _parties;
            _sense = sense;
            return !_aborted;
        }
        var spin = new SpinWait();
        while (_sense != sense)
        {
            if (_aborted)
                return false;
            spin.SpinOnce(sleep1Threshold: -1);
        }
        return !_aborted;
    }
}
