using Bottleneck.Tensors;

namespace Bottleneck.NN;

/// <summary>
/// Flattens dimensions from <see cref="StartDim"/> on, as PyTorch's <c>nn.Flatten</c> (a view, no copy).
/// Shape: (N, C, H, W) → (N, C·H·W) with the default start dimension 1.
/// </summary>
/// <param name="startDim">The first dimension flattened (default 1; negative counts from the end).</param>
public sealed class Flatten(int startDim = 1) : Module
{
    /// <summary>The first dimension flattened.</summary>
    public int StartDim { get; } = startDim;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => input.Flatten(StartDim);
}

/// <summary>
/// Splits one dimension into several, as PyTorch's <c>nn.Unflatten</c> (a view). Shape: (N, C·H·W) → (N, C, H, W) for
/// dim 1 and sizes (C, H, W).
/// </summary>
public sealed class Unflatten : Module
{
    /// <summary>Creates the layer.</summary>
    /// <param name="dim">The dimension split (negative counts from the end).</param>
    /// <param name="sizes">The sizes it becomes, each ≥ 1.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size below 1 or no sizes.</exception>
    public Unflatten(int dim, params int[] sizes)
    {
        if (sizes.Length == 0 || sizes.Any(s => s < 1))
            throw new ArgumentOutOfRangeException(nameof(sizes), $"Unflatten: sizes must be ≥ 1, got ({string.Join(", ", sizes)})");
        Dim = dim; Sizes = (int[])sizes.Clone();
    }

    /// <summary>The dimension split.</summary>
    public int Dim { get; }
    /// <summary>The sizes it becomes.</summary>
    public IReadOnlyList<int> Sizes { get; }

    /// <inheritdoc/>
    /// <exception cref="ShapeException">The dimension's size is not the product of the sizes.</exception>
    public override Tensor Forward(Tensor input)
    {
        int d = Dim < 0 ? Dim + input.Rank : Dim;
        if (d < 0 || d >= input.Rank) throw new ShapeException($"Unflatten: dimension {Dim} is out of range for {input.ShapeString}");
        int prod = Sizes.Aggregate(1, (a, b) => a * b);
        if (input.Dim(d) != prod)
            throw new ShapeException($"Unflatten: dimension {Dim} of {input.ShapeString} has {input.Dim(d)} values, sizes ({string.Join(", ", Sizes)}) need {prod}");
        var shape = new List<int>(input.Rank + Sizes.Count);
        for (int i = 0; i < input.Rank; i++)
            if (i == d) shape.AddRange(Sizes); else shape.Add(input.Dim(i));
        return input.Reshape(shape.ToArray());
    }
}

/// <summary>
/// Zero-pads the bottom and right of images so height and width become multiples of <see cref="Multiple"/> (a no-op when they
/// already are). Shape: (N, C, H, W) → (N, C, ⌈H/m⌉·m, ⌈W/m⌉·m). Used before a fully convolutional encoder whose total stride is m.
/// </summary>
public sealed class PadToMultiple : Module
{
    /// <summary>Creates the layer.</summary>
    /// <param name="multiple">m ≥ 1.</param>
    /// <exception cref="ArgumentOutOfRangeException">m below 1.</exception>
    public PadToMultiple(int multiple)
    {
        if (multiple < 1) throw new ArgumentOutOfRangeException(nameof(multiple), $"multiple must be ≥ 1, got {multiple}");
        Multiple = multiple;
    }

    /// <summary>m.</summary>
    public int Multiple { get; }

    /// <summary>⌈n/m⌉·m.</summary>
    public int Padded(int n) => (n + Multiple - 1) / Multiple * Multiple;

    /// <inheritdoc/>
    /// <exception cref="ShapeException">The input is not 4-D.</exception>
    public override Tensor Forward(Tensor input)
    {
        if (input.Rank != 4) throw new ShapeException($"PadToMultiple: input must be (N, C, H, W), got {input.ShapeString}");
        int h = input.Dim(2), w = input.Dim(3);
        return Tensor.ZeroPad2d(input, new Padding2d(0, Padded(h) - h, 0, Padded(w) - w));
    }
}

/// <summary>Keeps the top-left <see cref="Height"/> × <see cref="Width"/> of images. Shape: (N, C, H, W) → (N, C, Height, Width) (a no-op when equal).</summary>
public sealed class CropTo : Module
{
    /// <summary>Creates the layer.</summary>
    /// <param name="height">Rows kept, ≥ 1.</param>
    /// <param name="width">Columns kept, ≥ 1.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size below 1.</exception>
    public CropTo(int height, int width)
    {
        if (height < 1 || width < 1) throw new ArgumentOutOfRangeException(nameof(height), $"crop size must be ≥ 1, got {height} × {width}");
        Height = height; Width = width;
    }

    /// <summary>Rows kept.</summary>
    public int Height { get; }
    /// <summary>Columns kept.</summary>
    public int Width { get; }

    /// <summary>The top-left <paramref name="height"/> × <paramref name="width"/> of <paramref name="x"/> (N, C, H, W).</summary>
    /// <exception cref="ShapeException">The input is not 4-D or smaller than the crop.</exception>
    public static Tensor Crop(Tensor x, int height, int width)
    {
        if (x.Rank != 4 || x.Dim(2) < height || x.Dim(3) < width)
            throw new ShapeException($"crop: input {x.ShapeString} must be (N, C, H ≥ {height}, W ≥ {width})");
        if (x.Dim(2) > height) x = x.Slice(2, 0, height);
        if (x.Dim(3) > width) x = x.Slice(3, 0, width);
        return x;
    }

    /// <inheritdoc/>
    /// <exception cref="ShapeException">The input is not 4-D or smaller than the crop.</exception>
    public override Tensor Forward(Tensor input) => Crop(input, Height, Width);
}
