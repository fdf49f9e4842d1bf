using Bottleneck.Models;

namespace Bottleneck.Training;

/// <summary>
/// Where a fit procedure's batches come from: <see cref="Count"/> samples, any subset of which <see cref="Load"/> turns into a
/// typed <see cref="Batch"/>. Shuffling and batching are the trainer's; the source only gathers. <see cref="RowSource"/> serves
/// the rows of a <see cref="Data.Dataset"/>; image, sequence, graph and rating sources are added by the kinds that need them.
/// </summary>
public interface IBatchSource
{
    /// <summary>Number of samples (the unit of shuffling and batching).</summary>
    int Count { get; }

    /// <summary>Where the samples come from, for messages (a file path, "demo", …).</summary>
    string Name { get; }

    /// <summary>
    /// The batch of the samples at <paramref name="indices"/>, in that order. Tensors are created in the current
    /// <see cref="Tensors.TensorScope"/>, so a training step that wraps the call in its scope reuses their buffers.
    /// </summary>
    /// <param name="indices">0-based sample indices in [0, <see cref="Count"/>).</param>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside [0, Count).</exception>
    Batch Load(ReadOnlySpan<int> indices);
}
