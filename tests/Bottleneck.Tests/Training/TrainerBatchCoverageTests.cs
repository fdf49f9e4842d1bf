using Bottleneck.Data;
using Bottleneck.Models;
using Bottleneck.Models.Dense;
using Bottleneck.Tensors;
using Bottleneck.Training;

namespace Bottleneck.Tests.Training;

/// <summary>
/// What a fit trains on, as PyTorch's DataLoader(shuffle=True, drop_last=False) does it: every row exactly once per epoch,
/// the last partial batch kept, a new order every epoch.
/// </summary>
public class TrainerBatchCoverageTests
{
    /// <summary>Records the row indices of every batch the trainer loads.</summary>
    private sealed class RecordingSource(RowSource inner) : IBatchSource
    {
        public List<int[]> Batches { get; } = [];
        public int Count => inner.Count;
        public string Name => inner.Name;
        public Batch Load(ReadOnlySpan<int> indices)
        {
            Batches.Add(indices.ToArray());
            return inner.Load(indices);
        }
    }

    [Fact]
    public void EveryEpochTrainsOnEveryRowOnce_KeepsTheLastPartialBatch_AndReshuffles()
    {
        // Given 100 rows, batches of 32 (the last one 4 rows, as MNIST's 60,000 / 128 leaves 96), and 3 epochs
        var data = DemoDataset.Generate(100, 5);
        var model = new DenseAutoencoder(new DenseConfig(784, [8], 2), new Rng(1));
        var source = new RecordingSource(RowSource.For(model, data));

        // When the trainer fits
        new Trainer(new TrainingOptions(epochs: 3, batchSize: 32, seed: 4)).Fit(model, source, null, new FitContext());

        // Then each epoch is four batches of 32, 32, 32 and 4 rows that together hold every row once
        Assert.Equal(12, source.Batches.Count);
        var epochs = source.Batches.Chunk(4).Select(e => e.SelectMany(b => b).ToArray()).ToArray();
        for (int e = 0; e < 3; e++)
        {
            Assert.Equal([32, 32, 32, 4], source.Batches.Skip(4 * e).Take(4).Select(b => b.Length));
            Assert.Equal(Enumerable.Range(0, 100), epochs[e].Order());
        }
        // and the order is shuffled, and different in every epoch
        Assert.NotEqual(Enumerable.Range(0, 100), epochs[0]);
        Assert.NotEqual(epochs[0], epochs[1]);
        Assert.NotEqual(epochs[1], epochs[2]);
    }
}
