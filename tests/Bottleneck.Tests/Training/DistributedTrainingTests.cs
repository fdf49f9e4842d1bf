using Bottleneck.Data;
using Bottleneck.Models;
using Bottleneck.Models.Dense;
using Bottleneck.Tensors;
using Bottleneck.Tests.Models;
using Bottleneck.Training;

namespace Bottleneck.Tests.Training;

/// <summary>
/// Data-parallel training through the all-reduce seam, with N ranks as threads (<see cref="InProcessGroup"/>): N ranks with a global
/// batch B reach the weights of one process with batch B; resume, cancellation, divergence and a failed peer stop every rank.
/// The same equivalence over real MPI processes is <c>Cli/MpiTrainTests</c>.
/// </summary>
public class DistributedTrainingTests
{
    private static readonly Lazy<Dataset> Demo = new(() => DemoDataset.Generate(192, 11));
    private static readonly Lazy<Dataset> DemoVal = new(() => DemoDataset.Generate(48, 12));

    private static DenseAutoencoder Small(ulong seed = 1) => new(new DenseConfig(784, [16], 4), new Rng(seed));

    private static float[] Weights(AutoencoderModel m) => m.StateDict().SelectMany(e => e.Value.ToArray()).ToArray();

    private static double MaxDifference(float[] a, float[] b)
    {
        Assert.Equal(a.Length, b.Length);
        double max = 0;
        for (int i = 0; i < a.Length; i++) max = Math.Max(max, Math.Abs((double)a[i] - b[i]));
        return max;
    }

    private static (float[] Weights, TrainingResult Result)[] RunRanks(int ranks, TrainingOptions options, Func<int, FitContext>? context = null,
        Func<int, IBatchSource, IBatchSource>? source = null, Func<int, TrainingOptions>? perRank = null) =>
        InProcessGroup.Run(ranks, comm =>
        {
            var model = Small();
            IBatchSource train = RowSource.For(model, Demo.Value, "training data");
            if (source != null) train = source(comm.Rank, train);
            var fitContext = (context?.Invoke(comm.Rank) ?? new FitContext()) with { Communicator = comm };
            var result = new Trainer(perRank?.Invoke(comm.Rank) ?? options).Fit(model, train, RowSource.For(model, DemoVal.Value, "validation"), fitContext);
            return (Weights(model), result);
        });

    [Theory]
    [InlineData(2, 32)]   // halves of 16
    [InlineData(3, 32)]   // parts of 10, 11 and 11 samples
    [InlineData(2, 50)]   // 192 = 3 × 50 + 42: a smaller final batch
    public void NRanksWithGlobalBatchReachTheWeightsOfOneProcess(int ranks, int batch)
    {
        // Given one process and N ranks with the same options (global batch size `batch`)
        var options = new TrainingOptions(epochs: 1, batchSize: batch, learningRate: 3e-3f, seed: 5);
        var single = Small();
        var expected = new Trainer(options).Fit(single, RowSource.For(single, Demo.Value), RowSource.For(single, DemoVal.Value), new FitContext());

        // When the ranks train one epoch
        var runs = RunRanks(ranks, options);

        // Then every rank holds exactly the same weights, and they equal the single process's to 1e-5 (sums in another order)
        foreach (var run in runs.Skip(1)) Assert.Equal(runs[0].Weights, run.Weights);
        double diff = MaxDifference(Weights(single), runs[0].Weights);
        Assert.True(diff < 1e-5, $"max |Δw| = {diff:G3} between 1 process and {ranks} ranks");
        Assert.True(diff > 0 || ranks == 1, "identical to the last bit: the ranks probably did not split the batch");
        // and the same losses are recorded
        ModelTestUtil.AssertClose(expected.History[0].TrainLoss, runs[0].Result.History[0].TrainLoss, 1e-6 * expected.History[0].TrainLoss, "train loss");
        ModelTestUtil.AssertClose(expected.History[0].ValidationLoss!.Value, runs[0].Result.History[0].ValidationLoss!.Value, 1e-6 * expected.History[0].TrainLoss, "validation loss");
        Assert.All(runs, r => Assert.Equal(runs[0].Result.History[0].TrainLoss, r.Result.History[0].TrainLoss));
    }

    [Fact]
    public void BatchNormStatisticsAndPerRankNoiseKeepEveryRankIdentical()
    {
        // Given a model with batch norm (running statistics: state that is not a parameter) and dropout (noise drawn per rank)
        // on 3 ranks with batch 30 (parts of 10 rows: weights of 1/3, not exact in binary)
        var runs = InProcessGroup.Run(3, comm =>
        {
            var model = new DenseAutoencoder(new DenseConfig(784, [16], 4, dropout: 0.2f, batchNorm: true), new Rng(1));
            var result = new Trainer(new TrainingOptions(epochs: 2, batchSize: 30, seed: 4))
                .Fit(model, RowSource.For(model, Demo.Value), null, new FitContext(Communicator: comm));
            var state = model.StateDict();
            return (Weights(model), result, state.First(e => e.Name.EndsWith("running_mean", StringComparison.Ordinal)).Value.ToArray(),
                state.First(e => e.Name.EndsWith("num_batches_tracked", StringComparison.Ordinal)).Value.Item());
        });
        // Then the ranks end with the same weights and running statistics (the per-epoch weight check would have thrown otherwise)
        Assert.Equal(runs[0].Item1, runs[1].Item1);
        Assert.Equal(runs[0].Item1, runs[2].Item1);
        Assert.Equal(runs[0].Item3, runs[2].Item3);
        Assert.Contains(runs[0].Item3, v => v != 0f);
        Assert.Equal(2, runs[0].result.History.Count);
        // and the batch counter stays an exact count: 2 epochs of ⌈192 / 30⌉ = 7 steps
        Assert.All(runs, r => Assert.Equal(14f, r.Item4));
    }

    [Theory]
    [InlineData(32, 2, new[] { 0, 16, 32 })]
    [InlineData(32, 3, new[] { 0, 10, 21, 32 })]
    [InlineData(1, 2, new[] { 0, 0, 1 })]
    public void EachRankTakesAContiguousPartOfTheBatch(int n, int ranks, int[] bounds)
    {
        var parts = InProcessGroup.Run(ranks, comm => { var m = Small(); return new DataParallel(comm, m, m.Parameters()).Shard(n); });
        for (int r = 0; r < ranks; r++) Assert.Equal((bounds[r], bounds[r + 1] - bounds[r]), parts[r]);
    }

    [Fact]
    public void ResumeFromRankZerosCheckpointContinuesTheDistributedRun()
    {
        var dir = Path.Combine(Path.GetTempPath(), "bn-dist-" + Guid.NewGuid().ToString("N"));
        try
        {
            var three = new TrainingOptions(epochs: 3, batchSize: 32, learningRate: 3e-3f, seed: 2);
            var uninterrupted = RunRanks(2, three);

            // Given a 2-rank run stopped in its second epoch (rank 0 cancels when the first ends; the ranks agree in the next all-reduce)
            using var cts = new CancellationTokenSource();
            var stopped = RunRanks(2, three, rank => new FitContext(
                Progress: rank == 0 ? new SyncProgress<TrainingProgress>(p => { if (p.Completed is { Epoch: 1 }) cts.Cancel(); }) : null,
                Cancellation: rank == 0 ? cts.Token : default, CheckpointDirectory: dir));
            Assert.All(stopped, r => Assert.True(r.Result.Cancelled));
            Assert.All(stopped, r => Assert.Single(r.Result.History));
            Assert.Equal(stopped[0].Weights, stopped[1].Weights);
            Assert.True(File.Exists(Path.Combine(dir, "trainer.json")));

            // When the ranks resume (only rank 0 reads the checkpoint)
            var resumed = RunRanks(2, three, rank => new FitContext(CheckpointDirectory: dir, Resume: true));

            // Then they end with the uninterrupted run's weights and history
            Assert.All(resumed, r => Assert.Equal(3, r.Result.History.Count));
            Assert.Equal(uninterrupted[0].Weights, resumed[0].Weights);
            Assert.Equal(uninterrupted[0].Weights, resumed[1].Weights);
            Assert.Equal(uninterrupted[0].Result.History.Select(h => h.TrainLoss), resumed[1].Result.History.Select(h => h.TrainLoss));
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, true); }
    }

    [Fact]
    public void ARunCheckpointedOnTwoRanksResumesOnThree()
    {
        var dir = Path.Combine(Path.GetTempPath(), "bn-dist-" + Guid.NewGuid().ToString("N"));
        try
        {
            // Given one epoch on 2 ranks, checkpointed by rank 0
            RunRanks(2, new TrainingOptions(epochs: 1, batchSize: 32, learningRate: 3e-3f, seed: 6), _ => new FitContext(CheckpointDirectory: dir));
            // When 3 ranks resume it for a second epoch (the global batch is the same, so are the batches)
            var two = new TrainingOptions(epochs: 2, batchSize: 32, learningRate: 3e-3f, seed: 6);
            var resumed = RunRanks(3, two, _ => new FitContext(CheckpointDirectory: dir, Resume: true));
            // Then they reach one process's two epochs to 1e-5
            var single = Small();
            new Trainer(two).Fit(single, RowSource.For(single, Demo.Value), RowSource.For(single, DemoVal.Value), new FitContext());
            Assert.All(resumed, r => Assert.Equal(2, r.Result.History.Count));
            double diff = MaxDifference(Weights(single), resumed[2].Weights);
            Assert.True(diff < 1e-5, $"max |Δw| = {diff:G3}");
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, true); }
    }

    [Fact]
    public void CancellationOnOneRankStopsEveryRankAfterTheSameStep()
    {
        // Given rank 1 alone sees the cancellation, at its third step (rank 0 reports progress, so its callback cannot be used)
        using var cts = new CancellationTokenSource();
        var runs = RunRanks(2, new TrainingOptions(epochs: 2, batchSize: 16, seed: 3),
            rank => new FitContext(Cancellation: rank == 1 ? cts.Token : default),
            source: (rank, s) => rank == 1 ? new CancelAtLoad(s, 3, cts) : s);
        // Then both stop after that step, with the same weights and no finished epoch
        Assert.All(runs, r => Assert.True(r.Result.Cancelled));
        Assert.All(runs, r => Assert.Empty(r.Result.History));
        Assert.Equal(runs[0].Weights, runs[1].Weights);
    }

    [Fact]
    public void ANonFiniteLossOnOneRankStopsEveryRankWithDivergence()
    {
        var e = Assert.Throws<AggregateException>(() => RunRanks(2, new TrainingOptions(epochs: 1, batchSize: 32, seed: 3),
            source: (rank, s) => rank == 1 ? new PoisonedSource(s) : s));
        var failures = e.InnerExceptions.Cast<RankFailedException>().ToList();
        Assert.Equal([0, 1], failures.Select(f => f.Rank).Order());
        Assert.All(failures, f => Assert.IsType<TrainingDivergedException>(f.InnerException));
        Assert.Contains("rank 1: the loss became NaN", failures.Single(f => f.Rank == 1).InnerException!.Message);
        Assert.Contains("on 1 other rank(s)", failures.Single(f => f.Rank == 0).InnerException!.Message);
    }

    [Fact]
    public void AFailedPeerAbortsTheOthersInsteadOfLeavingThemWaiting()
    {
        var e = Assert.Throws<AggregateException>(() => RunRanks(2, new TrainingOptions(epochs: 1, batchSize: 32, seed: 3),
            source: (rank, s) => rank == 1 ? new FailingSource(s) : s));
        var failure = Assert.IsType<RankFailedException>(Assert.Single(e.InnerExceptions));
        Assert.Equal(1, failure.Rank);
        Assert.IsType<IOException>(failure.InnerException);
    }

    [Fact]
    public void RanksWithDifferentSettingsAreRefusedOnEveryRank()
    {
        var e = Assert.Throws<AggregateException>(() => RunRanks(2, null!,
            perRank: rank => new TrainingOptions(epochs: 1, batchSize: 32, seed: (ulong)rank)));
        Assert.Equal(2, e.InnerExceptions.Count);
        Assert.All(e.InnerExceptions, x => Assert.Contains("do not agree on the training setup", x.InnerException!.Message));
    }

    [Fact]
    public void AllReduceSumsInRankOrderAndBroadcastCopiesTheRoot()
    {
        var results = InProcessGroup.Run(3, comm =>
        {
            Span<float> f = [comm.Rank + 1f, 10f * comm.Rank];
            comm.AllReduceSum(f);
            Span<double> d = [0.5 * comm.Rank];
            comm.AllReduceSum(d);
            var bytes = new byte[] { (byte)comm.Rank, 7 };
            comm.Broadcast(bytes, root: 2);
            return (f.ToArray(), d[0], bytes);
        });
        Assert.All(results, r =>
        {
            Assert.Equal([6f, 30f], r.Item1);
            Assert.Equal(1.5, r.Item2);
            Assert.Equal([2, 7], r.bytes);
        });
    }

    /// <summary>Rows of NaN: the loss of every batch is NaN.</summary>
    private sealed class PoisonedSource(IBatchSource inner) : IBatchSource
    {
        public int Count => inner.Count;
        public string Name => inner.Name;
        public Batch Load(ReadOnlySpan<int> indices)
        {
            var batch = (RowBatch)inner.Load(indices);
            batch.Input.Span.Fill(float.NaN);
            return batch;
        }
    }

    /// <summary>Cancels <paramref name="cts"/> when batch <paramref name="at"/> is loaded.</summary>
    private sealed class CancelAtLoad(IBatchSource inner, int at, CancellationTokenSource cts) : IBatchSource
    {
        private int _loads;
        public int Count => inner.Count;
        public string Name => inner.Name;
        public Batch Load(ReadOnlySpan<int> indices)
        {
            if (++_loads == at) cts.Cancel();
            return inner.Load(indices);
        }
    }

    /// <summary>Fails on the second batch, as a rank whose disk fails would.</summary>
    private sealed class FailingSource(IBatchSource inner) : IBatchSource
    {
        private int _loads;
        public int Count => inner.Count;
        public string Name => inner.Name;
        public Batch Load(ReadOnlySpan<int> indices) =>
            ++_loads == 2 ? throw new IOException("disk failed") : inner.Load(indices);
    }
}
