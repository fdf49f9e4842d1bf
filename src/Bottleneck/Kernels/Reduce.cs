using System.Numerics.Tensors;
using Bottleneck.Tensors;

namespace Bottleneck.Kernels;

/// <summary>Reduction kernels over one axis, viewed as (outer, n, inner), and the sum back to a broadcast source shape.</summary>
internal static class Reduce
{
    /// <summary>Splits <paramref name="shape"/> around <paramref name="axis"/> into outer × n × inner.</summary>
    public static (int Outer, int N, int Inner) Split(ReadOnlySpan<int> shape, int axis)
    {
        int outer = 1, inner = 1;
        for (int i = 0; i < axis; i++) outer *= shape[i];
        for (int i = axis + 1; i < shape.Length; i++) inner *= shape[i];
        return (outer, shape[axis], inner);
    }

    /// <summary>dst[o, i] = Σ_k src[o, k, i].</summary>
    public static void SumAxis(ReadOnlySpan<float> src, Span<float> dst, int outer, int n, int inner)
    {
        if (inner == 1)
        {
            for (int o = 0; o < outer; o++) dst[o] = TensorPrimitives.Sum(src.Slice(o * n, n));
            return;
        }
        for (int o = 0; o < outer; o++)
        {
            var d = dst.Slice(o * inner, inner);
            if (n == 0) { d.Clear(); continue; }
            var block = src.Slice(o * n * inner, n * inner);
            block.Slice(0, inner).CopyTo(d);
            for (int k = 1; k < n; k++) TensorPrimitives.Add(d, block.Slice(k * inner, inner), d);
        }
    }

    /// <summary>
    /// Sums <paramref name="grad"/> (a broadcast shape) down to <paramref name="target"/>, the shape it was
    /// broadcast from: over leading dimensions the target lacks and over dimensions where the target has 1.
    /// </summary>
    /// <exception cref="ShapeException">The target cannot broadcast to the gradient's shape.</exception>
    public static Tensor SumToShape(Tensor grad, int[] target)
    {
        var gs = grad.ShapeArray;
        ShapeUtil.Broadcast(target, gs, "sum-to-shape");
        var result = Tensor.Zeros(target);
        var dst = result.Span;
        var src = grad.Span;
        if (result.Length == 1) { dst[0] = TensorPrimitives.Sum(src); return result; }

        int r = gs.Length;
        Span<int> st = stackalloc int[r], sg = stackalloc int[r];
        ShapeUtil.BroadcastStrides(target, gs, st);
        ShapeUtil.Strides(gs, sg);
        Span<int> len = stackalloc int[r], rt = stackalloc int[r], rg = stackalloc int[r];
        int runs = Broadcasting.Plan(gs, st, sg, len, rt, rg);
        int inner = len[0];
        bool reduceInner = rt[0] == 0;
        Span<int> idx = stackalloc int[runs];
        idx.Clear();
        int offT = 0, offG = 0, total = grad.Length;
        while (offG < total)
        {
            var g = src.Slice(offG, inner);
            if (reduceInner) dst[offT] += TensorPrimitives.Sum(g);
            else { var d = dst.Slice(offT, inner); TensorPrimitives.Add(d, g, d); }
            offG += inner;
            for (int d = 1; d < runs; d++)
            {
                offT += rt[d];
                if (++idx[d] < len[d]) break;
                offT -= rt[d] * len[d]; idx[d] = 0;
            }
        }
        return result;
    }
}
