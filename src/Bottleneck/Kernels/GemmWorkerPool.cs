using System.Runtime.ExceptionServices;

namespace Bottleneck.Kernels;

/// <summary>A piece of work split into parts that <see cref="GemmWorkerPool"/> runs at once, one part per thread.</summary>
internal interface IParallelJob
{
    /// <summary>Runs part <paramref name="index"/> (0 on the calling thread); must not use the pool itself.</summary>
    void RunPart(int index);
}

/// <summary>
/// Persistent threads for <see cref="ManagedGemm"/> (and other kernels' <see cref="IParallelJob"/>s, e.g. a fused inference pass
/// split by rows). A call publishes its arguments in fields, wakes the workers it
/// needs through their reusable events, computes block 0 on the calling thread and waits for a countdown; nothing is
/// allocated per call. One call uses the pool at a time: a concurrent caller gets <c>false</c> from
/// <see cref="TryRun(ManagedGemm, in GemmArgs, int, int)"/> and computes on its own thread instead.
/// </summary>
internal sealed class GemmWorkerPool
{
    /// <summary>The process-wide pool.</summary>
    public static readonly GemmWorkerPool Shared = new();

    private const int SpinCount = 2000;

    private readonly object _gate = new();
    private readonly ManualResetEventSlim _done = new(false, SpinCount);
    private Worker[] _workers = [];
    private int _pending;
    private Exception? _error;

    // The job being run (valid while _gate is held).
    private ManagedGemm? _gemm;
    private IParallelJob? _job;
    private GemmArgs _args;
    private int _tm, _tn;
    private int _sharedParts;   // > 0: a cooperative product (ManagedGemm.RunSharedPart) on this many threads
    private readonly SharedPanels _panels = new();
    private int _kSplitParts;   // > 0: a k-split product (ManagedGemm.RunKSplitPart) on this many threads
    private unsafe float* _partials;
    private long _partialsLength;

    /// <summary>
    /// Runs the tm×tn block grid of one GEMM on the calling thread plus tm·tn − 1 workers.
    /// </summary>
    /// <returns>False (nothing done) when another call holds the pool.</returns>
    public bool TryRun(ManagedGemm gemm, in GemmArgs args, int tm, int tn)
    {
        if (!Monitor.TryEnter(_gate))
            return false;
        try
        {
            _gemm = gemm;
            _args = args;
            _tm = tm;
            _tn = tn;
            StartWorkers(tm * tn - 1);
            try
            {
                gemm.RunPart(PackBuffers.ForCurrentThread, args, tm, tn, 0);
            }
            finally
            {
                // The workers read C/A/B through the caller's pointers: never return before they are done.
                _done.Wait();
                _gemm = null;
            }
            ThrowWorkerError();
            return true;
        }
        finally
        {
            Monitor.Exit(_gate);
        }
    }

    /// <summary>
    /// Runs one GEMM cooperatively on the calling thread plus <paramref name="parts"/> − 1 workers: A and B packed once into
    /// buffers all of them read, the tiles of each block split (<see cref="ManagedGemm.RunSharedPart"/>).
    /// </summary>
    /// <returns>False (nothing done) when another call holds the pool.</returns>
    public bool TryRunShared(ManagedGemm gemm, in GemmArgs args, int parts)
    {
        if (!Monitor.TryEnter(_gate))
            return false;
        try
        {
            _gemm = gemm;
            _args = args;
            _sharedParts = parts;
            _panels.Reset(parts);
            StartWorkers(parts - 1);
            try
            {
                gemm.RunSharedPart(args, parts, 0, _panels);
            }
            catch
            {
                _panels.Abort();
                throw;
            }
            finally
            {
                _done.Wait();
                _gemm = null;
                _sharedParts = 0;
            }
            ThrowWorkerError();
            return true;
        }
        finally
        {
            Monitor.Exit(_gate);
        }
    }

    /// <summary>
    /// Runs one GEMM split over k on the calling thread plus <paramref name="parts"/> − 1 workers
    /// (<see cref="ManagedGemm.RunKSplitPart"/>), then adds the workers' partial sums to C in pass order on the calling thread
    /// (<see cref="ManagedGemm.MergePartials"/>). At most one part per k pass (a single pass runs on the calling thread).
    /// </summary>
    /// <returns>False (nothing done) when another call holds the pool.</returns>
    public unsafe bool TryRunKSplit(ManagedGemm gemm, in GemmArgs args, int parts)
    {
        if (!Monitor.TryEnter(_gate))
            return false;
        try
        {
            int kPasses = (args.K + ManagedGemm.KcMax - 1) / ManagedGemm.KcMax;
            parts = Math.Min(parts, kPasses);   // every part runs at least one pass (part 0 the first, with beta)
            if (parts < 2)
            {
                gemm.RunBlock(PackBuffers.ForCurrentThread, args);
                return true;
            }
            long need = (long)args.M * args.N * (kPasses - ManagedGemm.KSplitPasses(args.K, parts, 0).P1);
            if (need > _partialsLength)
            {
                if (_partials != null)
                    System.Runtime.InteropServices.NativeMemory.AlignedFree(_partials);
                _partials = (float*)System.Runtime.InteropServices.NativeMemory.AlignedAlloc((nuint)need * sizeof(float), 64);
                _partialsLength = need;
            }
            _gemm = gemm;
            _args = args;
            _kSplitParts = parts;
            StartWorkers(parts - 1);
            try
            {
                gemm.RunKSplitPart(args, parts, 0, _partials);
            }
            finally
            {
                _done.Wait();
                _gemm = null;
                _kSplitParts = 0;
            }
            ThrowWorkerError();
            ManagedGemm.MergePartials(args, parts, _partials);
            return true;
        }
        finally
        {
            Monitor.Exit(_gate);
        }
    }

    /// <summary>Runs parts 0 … <paramref name="parts"/> − 1 of <paramref name="job"/>: part 0 on the calling thread, the others on workers.</summary>
    /// <returns>False (nothing done) when another call holds the pool.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="parts"/> &lt; 2.</exception>
    public bool TryRun(IParallelJob job, int parts)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(parts, 2);
        if (!Monitor.TryEnter(_gate))
            return false;
        try
        {
            _job = job;
            StartWorkers(parts - 1);
            try
            {
                job.RunPart(0);
            }
            finally
            {
                _done.Wait();
                _job = null;
            }
            ThrowWorkerError();
            return true;
        }
        finally
        {
            Monitor.Exit(_gate);
        }
    }

    /// <summary>Wakes <paramref name="helpers"/> workers for the job set in the fields (the caller holds the gate).</summary>
    private void StartWorkers(int helpers)
    {
        EnsureWorkers(helpers);
        _error = null;
        _done.Reset();
        Volatile.Write(ref _pending, helpers);
        for (int i = 0; i < helpers; i++)
            _workers[i].Start.Set();
    }

    /// <summary>Rethrows, on the calling thread, the first exception a worker caught (after every worker is done).</summary>
    private void ThrowWorkerError()
    {
        if (_error is { } error)
        {
            _error = null;
            ExceptionDispatchInfo.Capture(error).Throw();
        }
    }

    private void EnsureWorkers(int count)
    {
        if (_workers.Length >= count)
            return;
        var grown = new Worker[count];
        Array.Copy(_workers, grown, _workers.Length);
        for (int i = _workers.Length; i < count; i++)
            grown[i] = new Worker(this, i + 1);
        _workers = grown;
    }

    private void Execute(int index)
    {
        try
        {
            if (_job is { } job)
                job.RunPart(index);
            else if (_sharedParts > 0)
                _gemm!.RunSharedPart(_args, _sharedParts, index, _panels);
            else if (_kSplitParts > 0)
                RunKSplitPart(index);
            else
                _gemm!.RunPart(PackBuffers.ForCurrentThread, _args, _tm, _tn, index);
        }
        catch (Exception e)
        {
            if (_sharedParts > 0)
                _panels.Abort();   // the other threads wait at the barrier for this one
            // Handed to the calling thread, which rethrows it after all blocks have finished.
            Interlocked.CompareExchange(ref _error, e, null);
        }
        finally
        {
            if (Interlocked.Decrement(ref _pending) == 0)
                _done.Set();
        }
    }

    private unsafe void RunKSplitPart(int index) => _gemm!.RunKSplitPart(_args, _kSplitParts, index, _partials);

    /// <summary>A background thread that computes block <c>index</c> each time <see cref="Start"/> is set.</summary>
    private sealed class Worker
    {
        private readonly GemmWorkerPool _pool;
        private readonly int _index;

        public Worker(GemmWorkerPool pool, int index)
        {
            _pool = pool;
            _index = index;
            var thread = new Thread(Loop) { IsBackground = true, Name = $"Bottleneck GEMM worker {index}" };
            thread.Start();
        }

        public ManualResetEventSlim Start { get; } = new(false, SpinCount);

        private void Loop()
        {
            while (true)
            {
                Start.Wait();
                Start.Reset();
                _pool.Execute(_index);
            }
        }
    }
}
