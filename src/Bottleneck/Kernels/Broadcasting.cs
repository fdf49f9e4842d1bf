using System.Numerics.Tensors;
using Bottleneck.Tensors;

namespace Bottleneck.Kernels;

/// <summary>An elementwise binary kernel over an innermost run: both operands contiguous, or one broadcast as a scalar.</summary>
internal interface IBinaryKernel
{
    static abstract void Both(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> o);
    static abstract void ScalarA(float a, ReadOnlySpan<float> b, Span<float> o);
    static abstract void ScalarB(ReadOnlySpan<float> a, float b, Span<float> o);
}

internal readonly struct AddKernel : IBinaryKernel
{
    public static void Both(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> o) => TensorPrimitives.Add(a, b, o);
    public static void ScalarA(float a, ReadOnlySpan<float> b, Span<float> o) => TensorPrimitives.Add(b, a, o);
    public static void ScalarB(ReadOnlySpan<float> a, float b, Span<float> o) => TensorPrimitives.Add(a, b, o);
}

internal readonly struct SubKernel : IBinaryKernel
{
    public static void Both(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> o) => TensorPrimitives.Subtract(a, b, o);
    public static void ScalarA(float a, ReadOnlySpan<float> b, Span<float> o) => TensorPrimitives.Subtract(a, b, o);
    public static void ScalarB(ReadOnlySpan<float> a, float b, Span<float> o) => TensorPrimitives.Subtract(a, b, o);
}

internal readonly struct MulKernel : IBinaryKernel
{
    public static void Both(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> o) => TensorPrimitives.Multiply(a, b, o);
    public static void ScalarA(float a, ReadOnlySpan<float> b, Span<float> o) => TensorPrimitives.Multiply(b, a, o);
    public static void ScalarB(ReadOnlySpan<float> a, float b, Span<float> o) => TensorPrimitives.Multiply(a, b, o);
}

internal readonly struct DivKernel : IBinaryKernel
{
    public static void Both(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> o) => TensorPrimitives.Divide(a, b, o);
    public static void ScalarA(float a, ReadOnlySpan<float> b, Span<float> o) => TensorPrimitives.Divide(a, b, o);
    public static void ScalarB(ReadOnlySpan<float> a, float b, Span<float> o) => TensorPrimitives.Divide(a, b, o);
}

internal readonly struct PowKernel : IBinaryKernel
{
    public static void Both(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> o) => TensorPrimitives.Pow(a, b, o);
    public static void ScalarA(float a, ReadOnlySpan<float> b, Span<float> o) => TensorPrimitives.Pow(a, b, o);
    public static void ScalarB(ReadOnlySpan<float> a, float b, Span<float> o) => TensorPrimitives.Pow(a, b, o);
}

/// <summary>Copies the first operand (used to expand a tensor to a broadcast shape).</summary>
internal readonly struct CopyKernel : IBinaryKernel
{
    public static void Both(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> o) => a.CopyTo(o);
    public static void ScalarA(float a, ReadOnlySpan<float> b, Span<float> o) => o.Fill(a);
    public static void ScalarB(ReadOnlySpan<float> a, float b, Span<float> o) => a.CopyTo(o);
}

/// <summary>
/// NumPy-style broadcasting loops. Dimensions of size 1 are dropped and adjacent dimensions that are
/// contiguous in both operands are merged, so the innermost run is as long as possible and handed to a
/// TensorPrimitives kernel; the outer runs are walked with an odometer.
/// </summary>
internal static class Broadcasting
{
    private const int MaxRank = 16;

    /// <summary>o = a ⊙ b with broadcasting; <paramref name="o"/> has the broadcast shape and is contiguous.</summary>
    public static void Binary<TKernel>(Tensor a, Tensor b, Tensor o) where TKernel : IBinaryKernel
    {
        var oa = a.Span; var ob = b.Span; var oo = o.Span;
        if (a.Length == o.Length && b.Length == o.Length && ShapeUtil.SameShape(a.ShapeArray, b.ShapeArray)) { TKernel.Both(oa, ob, oo); return; }
        if (b.Length == 1 && a.Length == o.Length) { TKernel.ScalarB(oa, ob[0], oo); return; }
        if (a.Length == 1 && b.Length == o.Length) { TKernel.ScalarA(oa[0], ob, oo); return; }

        int r = o.Rank;
        if (r > MaxRank) throw new ShapeException($"broadcasting supports rank ≤ {MaxRank}, got {o.ShapeString}");
        Span<int> sa = stackalloc int[r], sb = stackalloc int[r];
        ShapeUtil.BroadcastStrides(a.ShapeArray, o.ShapeArray, sa);
        ShapeUtil.BroadcastStrides(b.ShapeArray, o.ShapeArray, sb);
        Span<int> len = stackalloc int[r], ra = stackalloc int[r], rb = stackalloc int[r];
        int runs = Plan(o.ShapeArray, sa, sb, len, ra, rb);
        if (runs == 0) { TKernel.Both(oa, ob, oo); return; }

        int inner = len[0];
        bool aScalar = ra[0] == 0, bScalar = rb[0] == 0;
        Span<int> idx = stackalloc int[runs];
        idx.Clear();
        int offA = 0, offB = 0, offO = 0, total = o.Length;
        while (offO < total)
        {
            var dst = oo.Slice(offO, inner);
            if (aScalar) TKernel.ScalarA(oa[offA], ob.Slice(offB, inner), dst);
            else if (bScalar) TKernel.ScalarB(oa.Slice(offA, inner), ob[offB], dst);
            else TKernel.Both(oa.Slice(offA, inner), ob.Slice(offB, inner), dst);
            offO += inner;
            for (int d = 1; d < runs; d++)
            {
                offA += ra[d]; offB += rb[d];
                if (++idx[d] < len[d]) break;
                offA -= ra[d] * len[d]; offB -= rb[d] * len[d]; idx[d] = 0;
            }
        }
    }

    /// <summary>Copies <paramref name="src"/> broadcast to the shape of <paramref name="o"/>.</summary>
    public static void Expand(Tensor src, Tensor o) => Binary<CopyKernel>(src, o, o);  // b = o only fixes the iteration shape; CopyKernel never reads it

    /// <summary>
    /// Builds the merged runs, innermost first: run lengths and the strides of each operand per run.
    /// Returns the number of runs (0 when the output has one element).
    /// </summary>
    internal static int Plan(ReadOnlySpan<int> shape, ReadOnlySpan<int> sa, ReadOnlySpan<int> sb, Span<int> len, Span<int> ra, Span<int> rb)
    {
        int runs = 0;
        for (int i = shape.Length - 1; i >= 0; i--)
        {
            int n = shape[i];
            if (n == 1) continue;
            if (runs > 0 && sa[i] == ra[runs - 1] * len[runs - 1] && sb[i] == rb[runs - 1] * len[runs - 1])
            {
                len[runs - 1] *= n;
                continue;
            }
            len[runs] = n; ra[runs] = sa[i]; rb[runs] = sb[i];
            runs++;
        }
        return runs;
    }
}
