using System.Numerics.Tensors;
using Bottleneck.Kernels;
using Bottleneck.Tensors;

namespace Bottleneck.Losses;

/// <summary>
/// The input gradient of BCE-with-logits, ∂L/∂x = (σ(x) − y)·u with u the upstream gradient (elementwise, or the scalar g·scale
/// of a reduced loss), computed block by block so σ(x), the subtraction and the scaling of one block stay in L1, and split in
/// contiguous ranges over the GEMM worker pool's threads (<see cref="Gemm.Threads"/>) for large inputs. Block and range
/// boundaries are multiples of <see cref="Align"/> elements, so every element goes through the same vector code as one pass
/// over the whole input: the result is bit-identical for any thread count. Nothing is allocated after a thread's first call.
/// </summary>
internal sealed class BceWithLogitsBackward : IParallelJob
{
    /// <summary>Elements per thread below which the pass stays on the calling thread.</summary>
    public const int MinElementsPerPart = 1 << 15;
    private const int Block = 4096;
    private const int Align = 64;

    [ThreadStatic] private static BceWithLogitsBackward? _forThread;

    private float[] _x = [], _y = [], _d = [], _u = [];
    private int _xOff, _yOff, _dOff, _uOff, _n, _parts;
    private float _scalar;
    private bool _elementwise;

    /// <summary>d ← (σ(x) − y)·u, with u = <paramref name="upstream"/> elementwise when it is not null, else <paramref name="scalar"/>.</summary>
    /// <param name="x">Logits (any shape, n elements).</param>
    /// <param name="y">Targets, n elements.</param>
    /// <param name="d">Destination, n elements (may not alias x or y).</param>
    /// <param name="upstream">The upstream gradient for <c>Reduction.None</c> (n elements), or null.</param>
    /// <param name="scalar">The scalar upstream factor g·scale when <paramref name="upstream"/> is null.</param>
    public static void Run(Tensor x, Tensor y, Tensor d, Tensor? upstream, float scalar)
    {
        var job = _forThread ??= new BceWithLogitsBackward();
        job._x = x.Buffer; job._xOff = x.Offset;
        job._y = y.Buffer; job._yOff = y.Offset;
        job._d = d.Buffer; job._dOff = d.Offset;
        job._elementwise = upstream is not null;
        if (upstream is not null) { job._u = upstream.Buffer; job._uOff = upstream.Offset; }
        job._scalar = scalar;
        job._n = x.Length;
        int parts = (int)Math.Min(Gemm.Threads, x.Length / MinElementsPerPart);
        try
        {
            job._parts = parts;
            if (parts >= 2 && GemmWorkerPool.Shared.TryRun(job, parts))
                return;
            job._parts = 1;
            job.RunPart(0);
        }
        finally
        {
            job._x = job._y = job._d = job._u = [];   // release the storage references until the next call
        }
    }

    /// <summary>Elements [lo, hi) of part <paramref name="index"/>, the cuts rounded down to multiples of <see cref="Align"/>.</summary>
    public void RunPart(int index)
    {
        int lo = Cut(index), hi = index + 1 == _parts ? _n : Cut(index + 1);
        for (int a = lo; a < hi; a += Block)
        {
            int len = Math.Min(Block, hi - a);
            var d = _d.AsSpan(_dOff + a, len);
            VectorMath.Sigmoid(_x.AsSpan(_xOff + a, len), d);                 // σ(x): saturates to 0 or 1, never overflows
            TensorPrimitives.Subtract(d, _y.AsSpan(_yOff + a, len), d);        // σ(x) − y
            if (_elementwise) TensorPrimitives.Multiply(d, _u.AsSpan(_uOff + a, len), d);
            else TensorPrimitives.Multiply(d, _scalar, d);
        }
    }

    private int Cut(int index) => (int)((long)_n * index / _parts / Align * Align);
}
