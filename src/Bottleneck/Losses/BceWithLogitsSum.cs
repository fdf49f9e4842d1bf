using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Bottleneck.Kernels;
using Bottleneck.Tensors;

namespace Bottleneck.Losses;

/// <summary>
/// Σᵢ ℓᵢ of BCE-with-logits, ℓ = max(x, 0) − x·y + ln(1 + e^(−|x|)), with the chunks of
/// <see cref="VectorMath.BceWithLogitsSum(ReadOnlySpan{float}, ReadOnlySpan{float})"/> (float partial sums of
/// <see cref="VectorMath.SumChunk"/> elements, widened to double) computed on the GEMM worker pool's threads and added in chunk
/// order on the calling thread: the same additions in the same order as the single-threaded pass, so the sum is bit-identical
/// to it for any thread count. Vector512 only (elsewhere, and below <see cref="MinElementsPerPart"/> per thread, it calls the
/// single-threaded pass). Nothing is allocated after a thread's first call at a given size.
/// </summary>
internal sealed class BceWithLogitsSum : IParallelJob
{
    /// <summary>Elements per thread below which the sum stays on the calling thread.</summary>
    public const int MinElementsPerPart = 1 << 15;

    [ThreadStatic] private static BceWithLogitsSum? _forThread;

    private float[] _x = [], _y = [];
    private int _xOff, _yOff, _vectorLength, _chunks, _parts;
    private Vector512<double>[] _partials = [];

    /// <summary>The sum of the elementwise loss of logits <paramref name="x"/> against targets <paramref name="y"/> (same length).</summary>
    public static float Run(Tensor x, Tensor y)
    {
        int n = x.Length;
        int parts = (int)Math.Min(Gemm.Threads, n / MinElementsPerPart);
        if (parts < 2 || !Vector512.IsHardwareAccelerated || y.Length != n)
            return VectorMath.BceWithLogitsSum(x.Span, y.Span);
        var job = _forThread ??= new BceWithLogitsSum();
        job._x = x.Buffer; job._xOff = x.Offset;
        job._y = y.Buffer; job._yOff = y.Offset;
        job._vectorLength = n / 16 * 16;
        job._chunks = (job._vectorLength + VectorMath.SumChunk - 1) / VectorMath.SumChunk;
        if (job._partials.Length < job._chunks) job._partials = new Vector512<double>[job._chunks];
        job._parts = parts;
        try
        {
            if (!GemmWorkerPool.Shared.TryRun(job, parts))
            {
                job._parts = 1;
                job.RunPart(0);
            }
            var acc = Vector512<double>.Zero;
            for (int c = 0; c < job._chunks; c++) acc += job._partials[c];
            double total = Vector512.Sum(acc);
            int tail = n - job._vectorLength;
            if (tail > 0) total += VectorMath.BceWithLogitsSum(x.Span.Slice(job._vectorLength), y.Span.Slice(job._vectorLength));
            return (float)total;
        }
        finally
        {
            job._x = job._y = [];   // release the storage references until the next call
        }
    }

    /// <summary>Chunks [chunks·index/parts, chunks·(index+1)/parts): each chunk's float partial, widened, into its slot.</summary>
    public void RunPart(int index)
    {
        int c0 = (int)((long)_chunks * index / _parts), c1 = (int)((long)_chunks * (index + 1) / _parts);
        ref float xs = ref MemoryMarshal.GetArrayDataReference(_x);
        ref float ys = ref MemoryMarshal.GetArrayDataReference(_y);
        for (int c = c0; c < c1; c++)
        {
            int i = c * VectorMath.SumChunk, end = Math.Min(_vectorLength, i + VectorMath.SumChunk);
            var part = Vector512<float>.Zero;
            for (; i < end; i += 16)
                part += VectorMath.BceCore(Vector512.LoadUnsafe(ref xs, (nuint)(_xOff + i)), Vector512.LoadUnsafe(ref ys, (nuint)(_yOff + i)));
            var (lo, hi) = Vector512.Widen(part);
            _partials[c] = lo + hi;
        }
    }
}
