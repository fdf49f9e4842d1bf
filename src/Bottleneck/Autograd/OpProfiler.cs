using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Bottleneck.Autograd;

/// <summary>
/// Wall time per op kind (the recorded <see cref="Function.Name"/>: <c>MatMul</c>, <c>Relu</c>, <c>BceWithLogits</c> …), forward and
/// backward, on the thread that started it, while it is <see cref="Current"/>: the forward time of an op is the time since the
/// previous recorded op (or since <see cref="Mark"/>), so work between ops that records nothing (allocation, unrecorded
/// arithmetic) is charged to the next op; the backward time is measured around each node's backward. For benchmarks
/// (<c>bench dense --profile</c>); when no profiler is running the cost is one thread-static read per recorded op.
/// </summary>
public sealed class OpProfiler : IDisposable
{
    [ThreadStatic] private static OpProfiler? t_current;

    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly OpProfiler? _previous;
    private long _last;

    private struct Entry
    {
        public long ForwardTicks, BackwardTicks, ForwardCalls, BackwardCalls;
    }

    private OpProfiler()
    {
        _previous = t_current;
        t_current = this;
        _last = Stopwatch.GetTimestamp();
    }

    /// <summary>Starts profiling on this thread (nests: the previous profiler resumes on <see cref="Dispose"/>).</summary>
    public static OpProfiler Start() => new();

    /// <summary>The profiler running on this thread, or null.</summary>
    public static OpProfiler? Current => t_current;

    /// <summary>Starts the clock of the next forward op now (call it before a step's forward pass, after loading the batch).</summary>
    public void Mark() => _last = Stopwatch.GetTimestamp();

    internal void Forward(string name)
    {
        long now = Stopwatch.GetTimestamp();
        ref Entry e = ref CollectionsMarshal.GetValueRefOrAddDefault(_entries, name, out _);
        e.ForwardTicks += now - _last;
        e.ForwardCalls++;
        _last = now;
    }

    internal void Backward(string name, long ticks)
    {
        ref Entry e = ref CollectionsMarshal.GetValueRefOrAddDefault(_entries, name, out _);
        e.BackwardTicks += ticks;
        e.BackwardCalls++;
    }

    /// <summary>The totals so far, largest forward + backward time first.</summary>
    /// <returns>One row per op kind: name, forward and backward seconds and calls.</returns>
    public IReadOnlyList<OpTime> Results() => _entries
        .Select(kv => new OpTime(kv.Key, (double)kv.Value.ForwardTicks / Stopwatch.Frequency, (double)kv.Value.BackwardTicks / Stopwatch.Frequency,
            kv.Value.ForwardCalls, kv.Value.BackwardCalls))
        .OrderByDescending(t => t.ForwardSeconds + t.BackwardSeconds)
        .ToArray();

    /// <summary>Stops profiling on this thread (the results stay readable).</summary>
    public void Dispose()
    {
        if (t_current == this) t_current = _previous;
    }
}

/// <summary>Time spent in one op kind while an <see cref="OpProfiler"/> ran.</summary>
/// <param name="Op">The op's name (<see cref="Function.Name"/>).</param>
/// <param name="ForwardSeconds">Forward wall time, seconds.</param>
/// <param name="BackwardSeconds">Backward wall time, seconds.</param>
/// <param name="ForwardCalls">Recorded forward calls.</param>
/// <param name="BackwardCalls">Backward calls.</param>
public sealed record OpTime(string Op, double ForwardSeconds, double BackwardSeconds, long ForwardCalls, long BackwardCalls);
