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
