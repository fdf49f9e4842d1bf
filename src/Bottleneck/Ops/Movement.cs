using System.Numerics.Tensors;
using Bottleneck.Autograd;
using Bottleneck.Kernels;
using Bottleneck.Ops;

namespace Bottleneck.Tensors
{
    public sealed partial class Tensor
    {
        /// <summary>
        /// A view with a new shape and the same elements (no copy). One dimension may be −1 (inferred).
        /// </summary>
        /// <exception cref="ShapeException">The element counts differ or more than one −1 is given.</exception>
        public Tensor Reshape(params int[] shape)
        {
            var s = (int[])shape.Clone();
            int infer = -1, known = 1;
            for (int i = 0; i < s.Length; i++)
            {
                if (s[i] == -1)
                {
                    if (infer >= 0) throw new ShapeException($"reshape: only one dimension may be -1, got {ShapeUtil.Format(shape)}");
                    infer = i;
                }
                else known *= s[i];
            }
            if (infer >= 0)
            {
                if (known == 0 || Length % known != 0)
                    throw new ShapeException($"reshape: cannot reshape {ShapeString} ({Length} elements) to {ShapeUtil.Format(shape)}");
                s[infer] = Length / known;
            }
            if (ShapeUtil.Size(s) != Length)
                throw new ShapeException($"reshape: cannot reshape {ShapeString} ({Length} elements) to {ShapeUtil.Format(shape)}");
            var o = new Tensor(Buffer, Offset, s);
            return Function.Needs(this) ? Function.Record(new ReshapeFn(), o, this) : o;
        }

        /// <summary>Flattens dimensions from <paramref name="startAxis"/> on: (N, C, H, W) → (N, C·H·W) by default.</summary>
        public Tensor Flatten(int startAxis = 1)
        {
            int a = ShapeUtil.NormalizeAxis(startAxis, Rank, "flatten");
            var s = new int[a + 1];
            for (int i = 0; i < a; i++) s[i] = ShapeArray[i];
            s[a] = -1;
            return Reshape(s);
        }

        /// <summary>Inserts a size-1 dimension at <paramref name="axis"/>.</summary>
        public Tensor Unsqueeze(int axis)
        {
            int a = ShapeUtil.NormalizeAxis(axis, Rank + 1, "unsqueeze");
            var s = new int[Rank + 1];
            for (int i = 0, j = 0; i < s.Length; i++) s[i] = i == a ? 1 : ShapeArray[j++];
            return Reshape(s);
        }

        /// <summary>Removes the size-1 dimension at <paramref name="axis"/>.</summary>
        /// <exception cref="ShapeException">The dimension is not 1.</exception>
        public Tensor Squeeze(int axis)
        {
            int a = ShapeUtil.NormalizeAxis(axis, Rank, "squeeze");
            if (ShapeArray[a] != 1) throw new ShapeException($"squeeze: dimension {axis} of {ShapeString} has size {ShapeArray[a]}, not 1");
            return Reshape(RemoveAxis(ShapeArray, a));
        }

        /// <summary>A copy broadcast to <paramref name="shape"/> (NumPy rules); the gradient is summed back.</summary>
        /// <exception cref="ShapeException">This shape cannot broadcast to <paramref name="shape"/>.</exception>
        public Tensor BroadcastTo(params int[] shape)
        {
            var b = ShapeUtil.Broadcast(ShapeArray, shape, "broadcast_to");
            if (!ShapeUtil.SameShape(b, shape)) throw new ShapeException($"broadcast_to: {ShapeString} cannot broadcast to {ShapeUtil.Format(shape)}");
            var o = Empty((int[])shape.Clone());
            Broadcasting.Expand(this, o);
            return Function.Needs(this) ? Function.Record(new ExpandFn(), o, this) : o;
        }

        /// <summary>Reorders dimensions: output dim i is input dim <paramref name="perm"/>[i]. Copies.</summary>
        /// <exception cref="ArgumentException"><paramref name="perm"/> is not a permutation of 0..rank−1.</exception>
        public Tensor Permute(params int[] perm)
        {
            if (perm.Length != Rank) throw new ArgumentException($"permute: {perm.Length} axes given for a tensor of rank {Rank} {ShapeString}");
            var p = new int[Rank];
            var seen = new bool[Rank];
            for (int i = 0; i < Rank; i++)
            {
                p[i] = ShapeUtil.NormalizeAxis(perm[i], Rank, "permute");
                if (seen[p[i]]) throw new ArgumentException($"permute: axis {perm[i]} repeated in ({string.Join(", ", perm)})");
                seen[p[i]] = true;
            }
            var o = Empty(MovementKernels.PermutedShape(ShapeArray, p));
            MovementKernels.Permute(this, p, o);
            return Function.Needs(this) ? Function.Record(new PermuteFn(p), o, this) : o;
        }

        /// <summary>Swaps two dimensions (default the last two). Copies.</summary>
        public Tensor Transpose(int axis0 = -2, int axis1 = -1)
        {
            int a = ShapeUtil.NormalizeAxis(axis0, Rank, "transpose"), b = ShapeUtil.NormalizeAxis(axis1, Rank, "transpose");
            var p = new int[Rank];
            for (int i = 0; i < Rank; i++) p[i] = i;
            (p[a], p[b]) = (p[b], p[a]);
            return Permute(p);
        }

        /// <summary>Elements [<paramref name="start"/>, <paramref name="start"/>+<paramref name="length"/>) along <paramref name="axis"/>. Copies.</summary>
        /// <exception cref="ArgumentOutOfRangeException">The range is outside the dimension.</exception>
        public Tensor Slice(int axis, int start, int length)
        {
            int a = ShapeUtil.NormalizeAxis(axis, Rank, "slice");
            int n = ShapeArray[a];
            if (start < 0 || length < 0 || start + length > n)
                throw new ArgumentOutOfRangeException(nameof(start), $"slice: range [{start}, {start + length}) is outside dimension {axis} of size {n} in {ShapeString}");
            var s = ShapeToArray(); s[a] = length;
            var o = Empty(s);
            var (outer, _, inner) = Reduce.Split(ShapeArray, a);
            MovementKernels.CopyBlock(Span, n * inner, start * inner, o.Span, length * inner, 0, length * inner, outer);
            return Function.Needs(this) ? Function.Record(new SliceFn(a, start), o, this) : o;
        }

        /// <summary>Splits along <paramref name="axis"/> into pieces of the given sizes (which must sum to the dimension).</summary>
        /// <exception cref="ArgumentException">The sizes do not sum to the dimension.</exception>
        public Tensor[] Split(int[] sizes, int axis = 0)
        {
            int a = ShapeUtil.NormalizeAxis(axis, Rank, "split");
            if (sizes.Sum() != ShapeArray[a])
                throw new ArgumentException($"split: sizes ({string.Join(", ", sizes)}) sum to {sizes.Sum()}, dimension {axis} of {ShapeString} is {ShapeArray[a]}");
            var parts = new Tensor[sizes.Length];
            for (int i = 0, start = 0; i < sizes.Length; start += sizes[i], i++) parts[i] = Slice(a, start, sizes[i]);
            return parts;
        }

        /// <summary>Joins tensors along <paramref name="axis"/>; all other dimensions must match.</summary>
        /// <exception cref="ShapeException">Ranks or non-concatenated dimensions differ.</exception>
        public static Tensor Concat(IReadOnlyList<Tensor> tensors, int axis = 0)
        {
            if (tensors.Count == 0) throw new ArgumentException("concat: no tensors given");
            var first = tensors[0];
            int a = ShapeUtil.NormalizeAxis(axis, first.Rank, "concat");
            int total = 0;
            bool needs = false;
            foreach (var t in tensors)
            {
                if (t.Rank != first.Rank) throw new ShapeException($"concat: shapes {first.ShapeString} and {t.ShapeString} have different ranks");
                for (int i = 0; i < t.Rank; i++)
                    if (i != a && t.ShapeArray[i] != first.ShapeArray[i])
                        throw new ShapeException($"concat: shapes {first.ShapeString} and {t.ShapeString} differ outside axis {axis}");
                total += t.ShapeArray[a];
                needs |= t.RequiresGrad;
            }
            var s = first.ShapeToArray(); s[a] = total;
            var o = Empty(s);
            var (outer, _, inner) = Reduce.Split(s, a);
            int offset = 0;
            foreach (var t in tensors)
            {
                int w = t.ShapeArray[a] * inner;
                MovementKernels.CopyBlock(t.Span, w, 0, o.Span, total * inner, offset, w, outer);
                offset += w;
            }
            return needs && GradMode.IsEnabled ? Function.Record(new ConcatFn(a), o, tensors.ToArray()) : o;
        }

        /// <summary>Picks entries <paramref name="indices"/> along <paramref name="axis"/> (repeats allowed); gradients are scatter-added.</summary>
        /// <exception cref="IndexOutOfRangeException">An index is outside the dimension.</exception>
        public Tensor IndexSelect(int axis, ReadOnlySpan<int> indices)
        {
            int a = ShapeUtil.NormalizeAxis(axis, Rank, "index_select");
            int n = ShapeArray[a];
            foreach (int i in indices)
                if (i < 0 || i >= n) throw new IndexOutOfRangeException($"index_select: index {i} is out of range for dimension {axis} of size {n} in {ShapeString}");
            var s = ShapeToArray(); s[a] = indices.Length;
            var o = Empty(s);
            var (outer, _, inner) = Reduce.Split(ShapeArray, a);
            var x = Span; var y = o.Span;
            for (int p = 0; p < outer; p++)
                for (int k = 0; k < indices.Length; k++)
                    x.Slice((p * n + indices[k]) * inner, inner).CopyTo(y.Slice((p * indices.Length + k) * inner, inner));
            return Function.Needs(this) ? Function.Record(new IndexSelectFn(a, indices.ToArray()), o, this) : o;
        }

        /// <summary>
        /// PyTorch's gather: out[…, i, …] = x[…, index[…, i, …], …] along <paramref name="axis"/>; <paramref name="index"/> has the
        /// output's shape <paramref name="indexShape"/>, equal to this shape except along <paramref name="axis"/>.
        /// </summary>
        /// <exception cref="ShapeException">The index shape does not fit.</exception>
        /// <exception cref="IndexOutOfRangeException">An index is outside the dimension.</exception>
        public Tensor Gather(int axis, int[] index, int[] indexShape)
        {
            int a = ShapeUtil.NormalizeAxis(axis, Rank, "gather");
            if (indexShape.Length != Rank || ShapeUtil.Size(indexShape) != index.Length)
                throw new ShapeException($"gather: index shape {ShapeUtil.Format(indexShape)} does not fit input {ShapeString} ({index.Length} indices)");
            for (int i = 0; i < Rank; i++)
                if (i != a && indexShape[i] != ShapeArray[i])
                    throw new ShapeException($"gather: index shape {ShapeUtil.Format(indexShape)} must equal input shape {ShapeString} outside axis {axis}");
            int n = ShapeArray[a];
            foreach (int i in index)
                if (i < 0 || i >= n) throw new IndexOutOfRangeException($"gather: index {i} is out of range for dimension {axis} of size {n} in {ShapeString}");
            var o = Empty((int[])indexShape.Clone());
            var (outer, m, inner) = Reduce.Split(indexShape, a);
            var x = Span; var y = o.Span;
            for (int p = 0; p < outer; p++)
                for (int k = 0; k < m; k++)
                    for (int i = 0; i < inner; i++)
                    {
                        int oi = (p * m + k) * inner + i;
                        y[oi] = x[(p * n + index[oi]) * inner + i];
                    }
            return Function.Needs(this) ? Function.Record(new GatherFn(a, index, m), o, this) : o;
        }

        /// <summary>
        /// Elementwise choice: <paramref name="condition"/> ≠ 0 ? <paramref name="a"/> : <paramref name="b"/>, all three broadcast together.
        /// The condition gets no gradient.
        /// </summary>
        /// <exception cref="ShapeException">The shapes cannot be broadcast.</exception>
        public static Tensor Where(Tensor condition, Tensor a, Tensor b)
        {
            var s = ShapeUtil.Broadcast(ShapeUtil.Broadcast(condition.ShapeArray, a.ShapeArray, "where"), b.ShapeArray, "where");
            var mask = ExpandedData(condition, s);
            var c = mask.Span; var av = ExpandedData(a, s).Span; var bv = ExpandedData(b, s).Span;
            var o = Empty(s);
            var y = o.Span;
            for (int i = 0; i < y.Length; i++) y[i] = c[i] != 0 ? av[i] : bv[i];
            return Function.Needs(a, b) ? Function.Record(new WhereFn(mask), o, a, b) : o;
        }

        /// <summary>x where <paramref name="mask"/> is 0, <paramref name="value"/> where it is not (mask broadcasts to x).</summary>
        public Tensor MaskedFill(Tensor mask, float value) => Where(mask, Full(value), this);

        private static Tensor ExpandedData(Tensor t, int[] shape)
        {
            if (ShapeUtil.SameShape(t.ShapeArray, shape)) return t;
            var o = Empty((int[])shape.Clone());
            Broadcasting.Expand(t, o);
            return o;
        }

        /// <summary>
        /// Inverted dropout (Srivastava et al., 2014): in training, zeroes each element with probability <paramref name="p"/>
        /// and scales the rest by 1/(1−p); the identity when not <paramref name="training"/> or p = 0.
        /// </summary>
        /// <exception cref="ArgumentOutOfRangeException">p outside [0, 1).</exception>
        public Tensor Dropout(float p, bool training, Rng rng)
        {
            if (!(p >= 0f && p < 1f)) throw new ArgumentOutOfRangeException(nameof(p), $"dropout probability must be in [0, 1), got {p}");
            if (!training || p == 0f) return this;
            var mask = Empty(ShapeToArray());
            var m = mask.Span;
            float scale = 1f / (1f - p);
            for (int i = 0; i < m.Length; i++) m[i] = rng.NextFloat() >= p ? scale : 0f;
            var o = EmptyLike(this);
            TensorPrimitives.Multiply(Span, m, o.Span);
            return Function.Needs(this) ? Function.Record(new DropoutFn(mask), o, this) : o;
        }
    }
}

namespace Bottleneck.Ops
{
    using Bottleneck.Tensors;

    internal static class MovementKernels
    {
        /// <summary>For each of <paramref name="rows"/> rows: copy <paramref name="width"/> elements between row-strided buffers.</summary>
        public static void CopyBlock(ReadOnlySpan<float> src, int srcRow, int srcOff, Span<float> dst, int dstRow, int dstOff, int width, int rows)
        {
            if (width == 0) return;
            for (int r = 0; r < rows; r++) src.Slice(r * srcRow + srcOff, width).CopyTo(dst.Slice(r * dstRow + dstOff, width));
        }

        public static void AddBlock(ReadOnlySpan<float> src, int srcRow, int srcOff, Span<float> dst, int dstRow, int dstOff, int width, int rows)
        {
            if (width == 0) return;
            for (int r = 0; r < rows; r++)
            {
                var d = dst.Slice(r * dstRow + dstOff, width);
                TensorPrimitives.Add(d, src.Slice(r * srcRow + srcOff, width), d);
            }
        }

        public static int[] PermutedShape(int[] shape, int[] perm)
        {
            var s = new int[perm.Length];
            for (int i = 0; i < perm.Length; i++) s[i] = shape[perm[i]];
            return s;
        }

        /// <summary>o[i₀…] = x[permuted index]: an odometer over the output, a 32×32-blocked path for 2-D transposes.</summary>
        public static void Permute(Tensor x, int[] perm, Tensor o)
        {
            int r = x.Rank;
            var xs = x.Span; var ys = o.Span;
            if (x.Length == 0) return;
            if (r == 2 && perm[0] == 1)
            {
                int rows = x.ShapeArray[0], cols = x.ShapeArray[1];
                const int B = 32;
                for (int i0 = 0; i0 < rows; i0 += B)
                    for (int j0 = 0; j0 < cols; j0 += B)
                    {
                        int i1 = Math.Min(i0 + B, rows), j1 = Math.Min(j0 + B, cols);
                        for (int i = i0; i < i1; i++)
                            for (int j = j0; j < j1; j++) ys[j * rows + i] = xs[i * cols + j];
                    }
                return;
            }
            Span<int> inStride = stackalloc int[r];
            ShapeUtil.Strides(x.ShapeArray, inStride);
            Span<int> st = stackalloc int[r], len = stackalloc int[r], idx = stackalloc int[r];
            for (int i = 0; i < r; i++) { st[i] = inStride[perm[i]]; len[i] = o.ShapeArray[i]; }
            idx.Clear();
            int inner = len[r - 1], innerStride = st[r - 1], off = 0;
            for (int outOff = 0; outOff < ys.Length; outOff += inner)
            {
                if (innerStride == 1) xs.Slice(off, inner).CopyTo(ys.Slice(outOff, inner));
                else for (int k = 0, p = off; k < inner; k++, p += innerStride) ys[outOff + k] = xs[p];
                for (int d = r - 2; d >= 0; d--)
                {
                    off += st[d];
                    if (++idx[d] < len[d]) break;
                    off -= st[d] * len[d]; idx[d] = 0;
                }
            }
        }
    }

    internal sealed class ReshapeFn : Function
    {
        public override string Name => "reshape";
        protected internal override void Backward(Tensor g) =>
            Accumulate(Inputs[0], new Tensor(g.Buffer, g.Offset, Inputs[0].ShapeArray), fresh: false);
    }

    internal sealed class ExpandFn : Function
    {
        public override string Name => "broadcast_to";
        protected internal override void Backward(Tensor g) => Accumulate(Inputs[0], g, fresh: false);
    }

    internal sealed class PermuteFn(int[] perm) : Function
    {
        public override string Name => "permute";
        protected internal override void Backward(Tensor g)
        {
            var inv = new int[perm.Length];
            for (int i = 0; i < perm.Length; i++) inv[perm[i]] = i;
            var gx = Tensor.Empty(Inputs[0].ShapeToArray());
            MovementKernels.Permute(g, inv, gx);
            Accumulate(Inputs[0], gx, true);
        }
    }

    internal sealed class SliceFn(int axis, int start) : Function
    {
        public override string Name => "slice";
        protected internal override void Backward(Tensor g)
        {
            var x = Inputs[0];
            var gx = Tensor.Zeros(x.ShapeToArray());
            var (outer, n, inner) = Reduce.Split(x.ShapeArray, axis);
            int len = g.ShapeArray[axis];
            MovementKernels.CopyBlock(g.Span, len * inner, 0, gx.Span, n * inner, start * inner, len * inner, outer);
            Accumulate(x, gx, true);
        }
    }

    internal sealed class ConcatFn(int axis) : Function
    {
        public override string Name => "concat";
        protected internal override void Backward(Tensor g)
        {
            var (outer, total, inner) = Reduce.Split(g.ShapeArray, axis);
            int offset = 0;
            foreach (var t in Inputs)
            {
                int w = t.ShapeArray[axis] * inner;
                if (t.RequiresGrad)
                {
                    var gt = Tensor.Empty(t.ShapeToArray());
                    MovementKernels.CopyBlock(g.Span, total * inner, offset, gt.Span, w, 0, w, outer);
                    Accumulate(t, gt, true);
                }
                offset += w;
            }
        }
    }

    internal sealed class IndexSelectFn(int axis, int[] indices) : Function
    {
        public override string Name => "index_select";
        protected internal override void Backward(Tensor g)
        {
            var x = Inputs[0];
            var gx = Tensor.Zeros(x.ShapeToArray());
            var (outer, n, inner) = Reduce.Split(x.ShapeArray, axis);
            var gs = g.Span; var d = gx.Span;
            for (int p = 0; p < outer; p++)
                for (int k = 0; k < indices.Length; k++)
                {
                    var dst = d.Slice((p * n + indices[k]) * inner, inner);
                    TensorPrimitives.Add(dst, gs.Slice((p * indices.Length + k) * inner, inner), dst);
                }
            Accumulate(x, gx, true);
        }
    }

    internal sealed class GatherFn(int axis, int[] index, int m) : Function
    {
        public override string Name => "gather";
        protected internal override void Backward(Tensor g)
        {
            var x = Inputs[0];
            var gx = Tensor.Zeros(x.ShapeToArray());
            var (outer, n, inner) = Reduce.Split(x.ShapeArray, axis);
            var gs = g.Span; var d = gx.Span;
            for (int p = 0; p < outer; p++)
                for (int k = 0; k < m; k++)
                    for (int i = 0; i < inner; i++)
                    {
                        int oi = (p * m + k) * inner + i;
                        d[(p * n + index[oi]) * inner + i] += gs[oi];
                    }
            Accumulate(x, gx, true);
        }
    }

    internal sealed class WhereFn(Tensor mask) : Function
    {
        public override string Name => "where";
        protected internal override void Backward(Tensor g)
        {
            var c = mask.Span; var gs = g.Span;
            if (Inputs[0].RequiresGrad)
            {
                var ga = Tensor.EmptyLike(g); var d = ga.Span;
                for (int i = 0; i < d.Length; i++) d[i] = c[i] != 0 ? gs[i] : 0f;
                Accumulate(Inputs[0], ga, true);
            }
            if (Inputs[1].RequiresGrad)
            {
                var gb = Tensor.EmptyLike(g); var d = gb.Span;
                for (int i = 0; i < d.Length; i++) d[i] = c[i] != 0 ? 0f : gs[i];
                Accumulate(Inputs[1], gb, true);
            }
        }
    }

    internal sealed class DropoutFn(Tensor mask) : Function
    {
        public override string Name => "dropout";
        protected internal override void Backward(Tensor g)
        {
            var gx = Tensor.EmptyLike(g);
            TensorPrimitives.Multiply(g.Span, mask.Span, gx.Span);
            Accumulate(Inputs[0], gx, true);
        }
    }
}
