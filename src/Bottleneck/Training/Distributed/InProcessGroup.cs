namespace Bottleneck.Training;

/// <summary>
/// N ranks as threads of one process, for tests of data-parallel training without MPI: <see cref="Run{T}"/> starts one thread
/// per rank, each with its own <see cref="ICommunicator"/>. A collective waits until every rank has called it, then the last
/// one to arrive computes the result in rank order (a deterministic sum: rank 0's values + rank 1's + …) and every rank copies it.
/// </summary>
/// <remarks>
/// A rank that throws aborts the group: every rank waiting in, or later entering, a collective throws
/// <see cref="CommunicatorAbortedException"/> naming the failed rank, so no thread waits forever (what MPI_Abort does to the
/// processes of an MPI job).
/// </remarks>
public sealed class InProcessGroup
{
    private readonly object _gate = new();
    private readonly object?[] _slots;
    private object? _result;
    private int _arrived;
    private long _generation;
    private string? _abortReason;

    private InProcessGroup(int size) => _slots = new object?[size];

    /// <summary>Number of ranks.</summary>
    public int Size => _slots.Length;

    /// <summary>
    /// Runs <paramref name="body"/> on <paramref name="size"/> threads, rank r getting a communicator with Rank = r, and returns
    /// each rank's result in rank order.
    /// </summary>
    /// <param name="size">Number of ranks, ≥ 1.</param>
    /// <param name="body">What each rank runs; it receives its communicator.</param>
    /// <returns>The ranks' results, index = rank.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="size"/> &lt; 1.</exception>
    /// <exception cref="AggregateException">A rank threw: the exceptions of the ranks that failed first (not those that were
    /// only aborted because of them), each wrapped in a <see cref="RankFailedException"/> naming its rank.</exception>
    public static T[] Run<T>(int size, Func<ICommunicator, T> body)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        ArgumentNullException.ThrowIfNull(body);
        var group = new InProcessGroup(size);
        var results = new T[size];
        var errors = new Exception?[size];
        var threads = Enumerable.Range(0, size).Select(r => new Thread(() =>
        {
            try { results[r] = body(new Member(group, r)); }
            catch (Exception e)
            {
                errors[r] = e;
                group.AbortWith($"rank {r} failed: {e.GetType().Name}: {e.Message}");
            }
        }, 16 << 20) { IsBackground = true, Name = $"rank {r}" }).ToArray();
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();
        var primary = errors.Select((e, r) => (e, r)).Where(p => p.e is not null and not CommunicatorAbortedException).ToList();
        if (primary.Count == 0) primary = errors.Select((e, r) => (e, r)).Where(p => p.e is not null).ToList();
        if (primary.Count > 0) throw new AggregateException(primary.Select(p => new RankFailedException(p.r, p.e!)));
        return results;
    }

    private void AbortWith(string reason)
    {
        lock (_gate)
        {
            _abortReason ??= reason;
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>Deposits this rank's payload; the last rank to arrive combines all payloads; every rank gets the combined result.</summary>
    private object Exchange(int rank, object payload, Func<object?[], object> combine)
    {
        lock (_gate)
        {
            if (_abortReason is { } reason) throw new CommunicatorAbortedException(reason);
            _slots[rank] = payload;
            if (++_arrived == _slots.Length)
            {
                _result = combine(_slots);
                Array.Clear(_slots);
                _arrived = 0;
                _generation++;
                Monitor.PulseAll(_gate);
                return _result;
            }
            long generation = _generation;
            while (_generation == generation)
            {
                if (_abortReason is { } r) throw new CommunicatorAbortedException(r);
                Monitor.Wait(_gate);
            }
            return _result!;
        }
    }

    private static T[] Sum<T>(object?[] slots) where T : struct, System.Numerics.IAdditionOperators<T, T, T>
    {
        var sum = (T[])((T[])slots[0]!).Clone();
        for (int r = 1; r < slots.Length; r++)
        {
            var x = (T[])slots[r]!;
            if (x.Length != sum.Length) throw new InvalidOperationException($"all-reduce: rank {r} gave {x.Length} values, rank 0 gave {sum.Length}");
            for (int i = 0; i < sum.Length; i++) sum[i] += x[i];
        }
        return sum;
    }

    /// <summary>One rank's view of the group.</summary>
    private sealed class Member(InProcessGroup group, int rank) : ICommunicator
    {
        public int Rank => rank;
        public int Size => group.Size;
        public string Describe() => $"in-process threads, {group.Size} rank{(group.Size == 1 ? "" : "s")}";

        public void AllReduceSum(Span<float> buffer) => ((float[])group.Exchange(rank, buffer.ToArray(), Sum<float>)).CopyTo(buffer);

        public void AllReduceSum(Span<double> buffer) => ((double[])group.Exchange(rank, buffer.ToArray(), Sum<double>)).CopyTo(buffer);

        public void Broadcast(Span<byte> buffer, int root = 0)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(root);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(root, group.Size);
            var result = (byte[])group.Exchange(rank, buffer.ToArray(), slots => slots[root]!);
            if (result.Length != buffer.Length) throw new InvalidOperationException($"broadcast: rank {rank} has room for {buffer.Length} bytes, root {root} sent {result.Length}");
            result.CopyTo(buffer);
        }

        public void Abort(int errorCode)
        {
            group.AbortWith($"rank {rank} aborted the group (code {errorCode})");
            throw new CommunicatorAbortedException($"rank {rank} aborted the group (code {errorCode})");
        }
    }
}

/// <summary>A rank of an <see cref="InProcessGroup"/> failed; <see cref="Exception.InnerException"/> is what it threw.</summary>
public sealed class RankFailedException(int rank, Exception inner) : Exception($"rank {rank}: {inner.Message}", inner)
{
    /// <summary>The rank that failed.</summary>
    public int Rank { get; } = rank;
}
