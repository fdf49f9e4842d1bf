using System.Globalization;
using System.Numerics.Tensors;
using System.Text;
using Bottleneck.Autograd;

namespace Bottleneck.Tensors;

/// <summary>
/// An N-dimensional float32 tensor: contiguous row-major storage, NumPy broadcasting, and
/// define-by-run reverse-mode autodiff (<see cref="Backward"/>).
/// </summary>
/// <remarks>
/// Storage is always contiguous; <see cref="Reshape"/> is a view that shares the buffer, while
/// movement ops (<see cref="Permute"/>, <see cref="Transpose"/>, <see cref="Slice"/>) copy.
/// Shape legend used in the docs: N batch, D features, T time, C channels, H×W height × width.
/// </remarks>
public sealed partial class Tensor
{
    internal float[] Buffer;
    internal readonly int Offset;
    internal readonly int[] ShapeArray;
    internal Function? GradFn;
    internal bool Kept;
    private bool _requiresGrad;

    internal Tensor(float[] buffer, int offset, int[] shape)
    {
        Buffer = buffer;
        Offset = offset;
        ShapeArray = shape;
        Length = ShapeUtil.Size(shape);
    }

    /// <summary>Number of elements (product of the shape).</summary>
    public int Length { get; }

    /// <summary>The shape, outermost dimension first.</summary>
    public ReadOnlySpan<int> Shape => ShapeArray;

    /// <summary>Number of dimensions.</summary>
    public int Rank => ShapeArray.Length;

    /// <summary>Size of dimension <paramref name="axis"/> (negative counts from the end).</summary>
    public int Dim(int axis) => ShapeArray[ShapeUtil.NormalizeAxis(axis, Rank, "Dim")];

    /// <summary>The shape as a new array.</summary>
    public int[] ShapeToArray() => (int[])ShapeArray.Clone();

    /// <summary>The shape formatted like <c>(256, 784)</c>.</summary>
    public string ShapeString => ShapeUtil.Format(ShapeArray);

    /// <summary>Optional name, used in error messages and state dicts.</summary>
    public string? Name { get; set; }

    /// <summary>The elements as a writable span (row-major).</summary>
    public Span<float> Span => new(Buffer, Offset, Length);

    /// <summary>Accumulated gradient ∂loss/∂this after <see cref="Backward"/>; null until then. Kept only for leaves.</summary>
    public Tensor? Grad { get; internal set; }

    /// <summary>Whether gradients flow to this tensor. Setting it is allowed on leaves only.</summary>
    /// <exception cref="InvalidOperationException">Set on a tensor produced by a differentiable op.</exception>
    public bool RequiresGrad
    {
        get => _requiresGrad;
        set
        {
            if (GradFn != null && !value)
                throw new InvalidOperationException("RequiresGrad can only be changed on leaf tensors; use Detach() instead");
            _requiresGrad = value;
        }
    }

    internal void MarkRequiresGrad() => _requiresGrad = true;

    /// <summary>True when this tensor was not produced by a recorded op (a parameter or an input).</summary>
    public bool IsLeaf => GradFn == null;

    /// <summary>The name of the op that produced this tensor, or null for a leaf.</summary>
    public string? GradFnName => GradFn?.Name;

    // ---------------------------------------------------------------- creation

    /// <summary>An uninitialised tensor: pooled inside a <see cref="TensorScope"/>, a fresh array otherwise.</summary>
    internal static Tensor Empty(int[] shape)
    {
        int n = ShapeUtil.Size(shape);
        var scope = TensorScope.Current;
        if (scope is null) return new Tensor(n == 0 ? [] : GC.AllocateUninitializedArray<float>(n), 0, shape);
        var t = new Tensor([], 0, shape);
        t.Buffer = scope.Rent(t, n);
        return t;
    }

    internal static Tensor EmptyLike(Tensor t) => Empty((int[])t.ShapeArray.Clone());

    /// <summary>A tensor of zeros with the given shape.</summary>
    public static Tensor Zeros(params int[] shape)
    {
        var t = Empty((int[])shape.Clone());
        t.Span.Clear();
        return t;
    }

    /// <summary>A tensor of ones with the given shape.</summary>
    public static Tensor Ones(params int[] shape) => Full(1f, shape);

    /// <summary>A tensor filled with <paramref name="value"/>.</summary>
    public static Tensor Full(float value, params int[] shape)
    {
        var t = Empty((int[])shape.Clone());
        t.Span.Fill(value);
        return t;
    }

    /// <summary>A 0-d (scalar) tensor.</summary>
    public static Tensor Scalar(float value) => Full(value);

    /// <summary>A tensor holding a copy of <paramref name="data"/> with the given shape.</summary>
    /// <exception cref="ShapeException">The data length differs from the product of the shape.</exception>
    public static Tensor FromArray(ReadOnlySpan<float> data, params int[] shape)
    {
        var t = Empty((int[])shape.Clone());
        if (data.Length != t.Length)
            throw new ShapeException($"FromArray: {data.Length} values do not fill shape {ShapeUtil.Format(shape)} ({t.Length} elements)");
        data.CopyTo(t.Span);
        return t;
    }

    /// <summary>A tensor that uses <paramref name="data"/> as its storage without copying.</summary>
    /// <exception cref="ShapeException">The data length differs from the product of the shape.</exception>
    public static Tensor Wrap(float[] data, params int[] shape)
    {
        int n = ShapeUtil.Size(shape);
        if (data.Length != n)
            throw new ShapeException($"Wrap: {data.Length} values do not fill shape {ShapeUtil.Format(shape)} ({n} elements)");
        return new Tensor(data, 0, (int[])shape.Clone());
    }

    /// <summary>Samples from U[<paramref name="low"/>, <paramref name="high"/>).</summary>
    public static Tensor Uniform(Rng rng, float low, float high, params int[] shape)
    {
        var t = Empty((int[])shape.Clone());
        rng.FillUniform(t.Span, low, high);
        return t;
    }

    /// <summary>Samples from N(<paramref name="mean"/>, <paramref name="std"/>²).</summary>
    public static Tensor Normal(Rng rng, float mean, float std, params int[] shape)
    {
        var t = Empty((int[])shape.Clone());
        rng.FillNormal(t.Span, mean, std);
        return t;
    }

    /// <summary>Samples from N(0, 1) — the ε of the reparameterization trick.</summary>
    public static Tensor RandN(Rng rng, params int[] shape) => Normal(rng, 0f, 1f, shape);

    /// <summary>Bernoulli(<paramref name="p"/>) samples as 0/1.</summary>
    public static Tensor Bernoulli(Rng rng, double p, params int[] shape)
    {
        var t = Empty((int[])shape.Clone());
        rng.FillBernoulli(t.Span, p);
        return t;
    }

    /// <summary>0, 1, …, <paramref name="n"/>−1 as floats.</summary>
    public static Tensor Arange(int n)
    {
        var t = Empty([n]);
        var s = t.Span;
        for (int i = 0; i < n; i++) s[i] = i;
        return t;
    }

    // ---------------------------------------------------------------- access

    /// <summary>Element at the given multi-index (for tests and small tensors; not a hot path).</summary>
    [System.Runtime.CompilerServices.IndexerName("At")]
    public float this[params int[] index]
    {
        get => Buffer[Offset + FlatIndex(index)];
        set => Buffer[Offset + FlatIndex(index)] = value;
    }

    private int FlatIndex(int[] index)
    {
        if (index.Length != Rank)
            throw new ArgumentException($"index has {index.Length} coordinates, tensor {ShapeString} has rank {Rank}");
        int flat = 0;
        for (int i = 0; i < index.Length; i++)
        {
            int d = ShapeArray[i], k = index[i] < 0 ? index[i] + d : index[i];
            if (k < 0 || k >= d) throw new IndexOutOfRangeException($"index {index[i]} is out of range for dimension {i} of size {d} in {ShapeString}");
            flat = flat * d + k;
        }
        return flat;
    }

    /// <summary>The single value of a one-element tensor.</summary>
    /// <exception cref="InvalidOperationException">The tensor has more than one element.</exception>
    public float Item()
    {
        if (Length != 1) throw new InvalidOperationException($"Item() needs a one-element tensor, got shape {ShapeString}");
        return Buffer[Offset];
    }

    /// <summary>A copy of the elements.</summary>
    public float[] ToArray() => Span.ToArray();

    /// <summary>A copy with its own storage, not connected to the graph.</summary>
    public Tensor Clone()
    {
        var t = Empty(ShapeToArray());
        Span.CopyTo(t.Span);
        return t;
    }

    /// <summary>The same storage, cut from the graph (no gradient flows through it).</summary>
    public Tensor Detach() => new(Buffer, Offset, ShapeArray) { Name = Name };

    /// <summary>Sets the accumulated gradient to zero (keeps its storage).</summary>
    public void ZeroGrad() => Grad?.Span.Clear();

    /// <summary>Drops the accumulated gradient.</summary>
    public void ClearGrad() => Grad = null;

    /// <summary>Copies the values of <paramref name="source"/> (same shape) into this tensor, outside autograd.</summary>
    /// <exception cref="ShapeException">The shapes differ.</exception>
    public void CopyFrom(Tensor source)
    {
        if (!ShapeUtil.SameShape(ShapeArray, source.ShapeArray))
            throw new ShapeException($"CopyFrom: source shape {source.ShapeString} differs from target shape {ShapeString}");
        source.Span.CopyTo(Span);
    }

    /// <summary>True when every element is finite (no NaN or ±∞).</summary>
    public bool AllFinite()
    {
        var s = Span;
        float acc = TensorPrimitives.Sum(s);
        if (float.IsFinite(acc)) return true;
        foreach (float v in s) if (!float.IsFinite(v)) return false;
        return true;
    }

    // ---------------------------------------------------------------- autodiff

    /// <summary>
    /// Reverse-mode autodiff from this tensor: accumulates ∂this/∂x into <see cref="Grad"/> of every leaf x
    /// with <see cref="RequiresGrad"/>. A non-scalar tensor needs an upstream <paramref name="gradient"/> of its shape.
    /// </summary>
    /// <exception cref="InvalidOperationException">The tensor does not require grad, is not a scalar and no gradient was given, or holds NaN/∞.</exception>
    public void Backward(Tensor? gradient = null) => Backprop.Run(this, gradient);

    /// <inheritdoc/>
    public override string ToString()
    {
        var sb = new StringBuilder();
        sb.Append("Tensor").Append(ShapeString);
        if (GradFn != null) sb.Append(" grad_fn=").Append(GradFn.Name);
        else if (RequiresGrad) sb.Append(" requires_grad");
        sb.Append(" [");
        var s = Span;
        int shown = Math.Min(s.Length, 8);
        for (int i = 0; i < shown; i++)
        {
            if (i > 0) sb.Append(", ");
            sb.Append(s[i].ToString("G6", CultureInfo.InvariantCulture));
        }
        if (s.Length > shown) sb.Append(", …");
        return sb.Append(']').ToString();
    }
}
