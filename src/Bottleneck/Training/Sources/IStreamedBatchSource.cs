using Bottleneck.Models;

namespace Bottleneck.Training;

/// <summary>
/// A batch source that cannot gather samples at arbitrary indices (a stream larger than memory) and instead hands out the next
/// batch of an epoch. The trainer asks it for each epoch's batches in turn (<see cref="OpenEpoch"/>, shuffled as the source can:
/// <see cref="StreamedRowSource"/> through a bounded shuffle buffer) and evaluation reads it in order (<see cref="OpenInOrder"/>).
/// <see cref="IBatchSource.Count"/> is known (counted by a first pass); <see cref="IBatchSource.Load"/> throws.
/// </summary>
public interface IStreamedBatchSource : IBatchSource
{
    /// <summary>The samples of one epoch in this source's shuffled order, a function of <paramref name="seed"/> alone.</summary>
    /// <param name="seed">Seed of the epoch's order (the trainer draws it from the training seed and the epoch).</param>
    IBatchStream OpenEpoch(ulong seed);

    /// <summary>The samples in their stored order (for evaluation and scoring).</summary>
    IBatchStream OpenInOrder();
}

/// <summary>One pass over a streamed source, a batch at a time; dispose it to close the underlying file.</summary>
public interface IBatchStream : IDisposable
{
    /// <summary>The next batch of up to <paramref name="maxSamples"/> samples, created in the current <see cref="Tensors.TensorScope"/>;
    /// null at the end.</summary>
    /// <param name="maxSamples">Samples at most, ≥ 1.</param>
    Batch? Next(int maxSamples);
}
