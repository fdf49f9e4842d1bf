namespace Bottleneck.Kernels;

/// <summary>
/// dst[i·width … (i+1)·width) = src[rows[i]·width …) for every i: a batch gathered from a row-major table, with the rows split over
/// the <see cref="GemmWorkerPool"/>'s threads when the batch is large. A gather of random rows from a table much larger than the
/// caches waits on memory (a TLB miss and a cache-line stream per row), so two cores gather close to twice as fast. A copy: the
/// result does not depend on the thread count. Allocation-free (one job object per calling thread).
/// </summary>
internal sealed unsafe class RowGather : IParallelJob
{
    [ThreadStatic] private static RowGather? t_job;

    /// <summary>Batches of at least this many floats are split over the threads (below it the hand-off costs more than it saves).</summary>
    internal const int ParallelFloats = 64 * 1024;

    private float* _src, _dst;
    private int* _rows;
    private int _count, _width, _parts;

    /// <summary>Gathers <paramref name="count"/> rows of <paramref name="width"/> floats (the indices are not checked here).</summary>
    public static void Copy(float* src, int width, int* rows, int count, float* dst)
    {
        int threads = Gemm.Threads;
        if (threads < 2 || (long)count * width < ParallelFloats || count < 2)
        {
            CopyRange(src, width, rows, 0, count, dst);
            return;
        }
        var job = t_job ??= new RowGather();
        int parts = Math.Min(threads, count);
        job._src = src;
        job._dst = dst;
        job._rows = rows;
        job._count = count;
        job._width = width;
        job._parts = parts;
        try
        {
            if (!GemmWorkerPool.Shared.TryRun(job, parts))
                CopyRange(src, width, rows, 0, count, dst);
        }
        finally
        {
            job._src = job._dst = null;
            job._rows = null;
        }
    }

    void IParallelJob.RunPart(int index)
    {
        int i0 = (int)((long)_count * index / _parts), i1 = (int)((long)_count * (index + 1) / _parts);
        CopyRange(_src, _width, _rows, i0, i1, _dst);
    }

    private static void CopyRange(float* src, int width, int* rows, int i0, int i1, float* dst)
    {
        for (int i = i0; i < i1; i++)
            new ReadOnlySpan<float>(src + (nint)rows[i] * width, width).CopyTo(new Span<float>(dst + (nint)i * width, width));
    }
}
