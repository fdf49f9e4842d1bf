using System.Text;

namespace Bottleneck.Tensors;

/// <summary>Shape arithmetic shared by every op: sizes, strides, axis normalisation, broadcasting and formatting.</summary>
internal static class ShapeUtil
{
    public static int Size(ReadOnlySpan<int> shape)
    {
        long n = 1;
        foreach (int d in shape)
        {
            if (d < 0) throw new ArgumentException($"shape {Format(shape)} has a negative dimension");
            n *= d;
            if (n > int.MaxValue) throw new ArgumentException($"shape {Format(shape)} has more than {int.MaxValue} elements");
        }
        return (int)n;
    }

    public static string Format(ReadOnlySpan<int> shape)
    {
        var sb = new StringBuilder("(");
        for (int i = 0; i < shape.Length; i++)
        {
            if (i > 0) sb.Append(", ");
            sb.Append(shape[i]);
        }
        if (shape.Length == 1) sb.Append(',');
        return sb.Append(')').ToString();
    }

    public static bool SameShape(ReadOnlySpan<int> a, ReadOnlySpan<int> b) => a.SequenceEqual(b);

    public static int NormalizeAxis(int axis, int rank, string op)
    {
        int r = Math.Max(rank, 1);
        int a = axis < 0 ? axis + r : axis;
        if (a < 0 || a >= r)
            throw new ArgumentOutOfRangeException(nameof(axis), $"{op}: axis {axis} is out of range for a tensor of rank {rank}");
        return a;
    }

    /// <summary>Row-major strides of a contiguous tensor.</summary>
    public static void Strides(ReadOnlySpan<int> shape, Span<int> strides)
    {
        int s = 1;
        for (int i = shape.Length - 1; i >= 0; i--) { strides[i] = s; s *= shape[i]; }
    }

    /// <summary>NumPy broadcasting of two shapes; throws naming the op and both shapes.</summary>
    public static int[] Broadcast(ReadOnlySpan<int> a, ReadOnlySpan<int> b, string op)
    {
        int r = Math.Max(a.Length, b.Length);
        var result = new int[r];
        for (int i = 0; i < r; i++)
        {
            int da = i < r - a.Length ? 1 : a[i - (r - a.Length)];
            int db = i < r - b.Length ? 1 : b[i - (r - b.Length)];
            if (da == db || db == 1) result[i] = da;
            else if (da == 1) result[i] = db;
            else throw new ShapeException($"{op}: shapes {Format(a)} and {Format(b)} cannot be broadcast (dimension {i}: {da} vs {db})");
        }
        return result;
    }

    /// <summary>
    /// Strides of <paramref name="shape"/> viewed as broadcast to <paramref name="outShape"/> (0 on broadcast dimensions).
    /// </summary>
    public static void BroadcastStrides(ReadOnlySpan<int> shape, ReadOnlySpan<int> outShape, Span<int> strides)
    {
        int r = outShape.Length, off = r - shape.Length;
        int s = 1;
        for (int i = r - 1; i >= 0; i--)
        {
            if (i < off) { strides[i] = 0; continue; }
            int d = shape[i - off];
            strides[i] = d == 1 && outShape[i] != 1 ? 0 : s;
            s *= d;
        }
    }
}

/// <summary>Thrown when tensor shapes do not fit an operation; the message names the op and the shapes.</summary>
public sealed class ShapeException : ArgumentException
{
    /// <summary>Creates the exception with a message that names the op and the shapes involved.</summary>
    public ShapeException(string message) : base(message) { }
}
