using Bottleneck.Tensors;

namespace Bottleneck.Models;

/// <summary>
/// A typed mini-batch handed to <see cref="AutoencoderModel.Step"/>. Each model kind consumes the batch type of its data:
/// <see cref="RowBatch"/> for samples that are tensors (rows, images, sequences); a graph or a batch of masked rating rows
/// is a type of its own, added by the kind that needs it.
/// </summary>
public abstract record Batch
{
    /// <summary>Number of samples in the batch (the unit the loss is averaged over).</summary>
    public abstract int Count { get; }
}

/// <summary>
/// A batch of samples that are tensors of one shape: rows (N, D), images (N, C, H, W) or sequences (N, T, F).
/// The leading dimension is the batch.
/// </summary>
/// <param name="Input">What the encoder sees, shape (N, …) (before any corruption the model applies itself).</param>
/// <param name="Target">What the reconstruction is scored against, shape of <paramref name="Input"/>; null (default) = the input.</param>
/// <param name="Mask">Which target values count in the loss, 1 or 0, shape of the target; null (default) = every value.</param>
/// <param name="Labels">Class label per sample (N), or null (default).</param>
/// <param name="Condition">A conditioning tensor (N, …) for conditional models, or null (default).</param>
public sealed record RowBatch(Tensor Input, Tensor? Target = null, Tensor? Mask = null, int[]? Labels = null, Tensor? Condition = null) : Batch
{
    /// <inheritdoc/>
    public override int Count => Input.Rank == 0 ? 1 : Input.Dim(0);

    /// <summary>The target of the reconstruction: <see cref="Target"/>, or the input when none was given.</summary>
    public Tensor ReconstructionTarget => Target ?? Input;
}
