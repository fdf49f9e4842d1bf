using System.Globalization;
using Bottleneck.Anomaly;
using Bottleneck.Data;
using Bottleneck.Models;
using Bottleneck.Models.Dense;
using Bottleneck.Tensors;
using Bottleneck.Tests.Data;
using Bottleneck.Tests.Models;
using Bottleneck.Training;

namespace Bottleneck.Tests.Training;

/// <summary>Training on data larger than memory: <see cref="StreamedRowSource"/> through the trainer's next-batch path.</summary>
public class StreamedTrainingTests
{
    private static Func<IRowReader> Csv(string path, string? label = "label") =>
        () => AnomalyDetector.PassThroughEncoder(path, new CsvScoringOptions(label)).OpenRows(path);

    private static DenseAutoencoder Model(int d, ulong seed = 3, float dropout = 0.1f) =>
        new(new DenseConfig(d, [16], 4, dropout: dropout), new Rng(seed));

    /// <summary>In memory, serves the rows in stored order whatever indices the trainer asks for: the in-memory path fed the
    /// batches a streamed source with a buffer of one row (file order) yields, so the two trainer paths can be compared.</summary>
    private sealed class FileOrderSource(RowSource inner) : IBatchSource
    {
        private int _next;
        public int Count => inner.Count;
        public string Name => inner.Name;
        public Batch Load(ReadOnlySpan<int> indices)
        {
            var order = new int[indices.Length];
            for (int i = 0; i < order.Length; i++) order[i] = (_next + i) % Count;
            _next = (_next + indices.Length) % Count;
            return inner.LoadRows(order);
        }
    }

    private static float[][] Weights(AutoencoderModel m) => m.StateDict().Select(e => e.Value.ToArray()).ToArray();

    [Theory]
    [InlineData(ScalingKind.Standardize)]
    [InlineData(ScalingKind.MinMax)]
    public void StreamedScalingFit_OnARealFile_EqualsTheInMemoryFitBitForBit(ScalingKind kind)
    {
        var path = SharedData.Find("odds/cardio.csv");
        if (path is null) return;   // ../shared data absent
        var data = CsvLoader.Load(path, new CsvOptions("label"));
        var fit = new StreamedScalingFit(data.FeatureCount, kind);
        using (var reader = Csv(path)())
        {
            var buffer = new float[100 * data.FeatureCount];
            int n;
            while ((n = reader.Read(buffer, 100)) > 0) fit.Add(buffer.AsSpan(0, n * data.FeatureCount));
        }
        var streamed = fit.Result(path).State;
        var memory = Preprocessor.Fit(data, kind).State;
        Assert.Equal(data.Rows, fit.Rows);
        Assert.Equal(memory.Offset, streamed.Offset);
        Assert.Equal(memory.Scale, streamed.Scale);
    }

    [Fact]
    public void HoldoutRowReader_SplitsEveryKthRow_DisjointAndComplete()
    {
        var data = new Dataset(Enumerable.Range(0, 103 * 2).Select(i => (float)i).ToArray(), 103, 2);
        List<long> Rows(bool heldOut, int chunk)
        {
            using var r = new HoldoutRowReader(new DatasetRowReader(data), 4, heldOut);
            var all = new List<long>(); var rows = new List<long>(); var buf = new float[chunk * 2];
            int n;
            while ((n = r.Read(buf, chunk, rows: rows)) > 0)
            {
                Assert.InRange(n, 1, chunk);
                for (int i = 0; i < n; i++) Assert.Equal((rows[i] - 1) * 2, buf[i * 2]);   // values travel with their row
                all.AddRange(rows);
            }
            return all;
        }
        foreach (int chunk in new[] { 1, 3, 64, 1000 })
        {
            var validation = Rows(true, chunk);
            var train = Rows(false, chunk);
            Assert.Equal(Enumerable.Range(1, 25).Select(i => (long)(4 * i)), validation);   // rows 4, 8, …, 100 (ordinal 3, 7, …)
            Assert.Equal(78, train.Count);
            Assert.Empty(train.Intersect(validation));
            Assert.Equal(Enumerable.Range(1, 103).Select(i => (long)i), train.Concat(validation).Order());
        }
        Assert.Equal(10, HoldoutRowReader.EveryFor(0.1));
        Assert.Throws<ArgumentOutOfRangeException>(() => HoldoutRowReader.EveryFor(0.7));
    }

    [Fact]
    public void StreamedTraining_InFileOrder_EqualsInMemoryTrainingOnTheSameBatches_BitForBit()
    {
        // Given a real CSV file, split every 5th row for validation, standardized on the training rows
        var path = SharedData.Find("odds/cardio.csv");
        if (path is null) return;
        var data = CsvLoader.Load(path, new CsvOptions("label"));
        int d = data.FeatureCount;
        var trainIdx = Enumerable.Range(0, data.Rows).Where(r => !HoldoutRowReader.IsHeldOut(r, 5)).ToArray();
        var valIdx = Enumerable.Range(0, data.Rows).Where(r => HoldoutRowReader.IsHeldOut(r, 5)).ToArray();
        Dataset Subset(int[] idx) { var x = new float[idx.Length * d]; data.CopyRows(idx, x); return new Dataset(x, idx.Length, d, source: path); }
        var pre = Preprocessor.Fit(Subset(trainIdx), ScalingKind.Standardize);
        var memTrain = pre.Transform(Subset(trainIdx));
        var memVal = pre.Transform(Subset(valIdx));
        var options = new TrainingOptions(epochs: 3, batchSize: 64, learningRate: 3e-3f, seed: 7);

        // When the in-memory path gets the rows in file order and the streamed path reads the file with a buffer of one row
        var memModel = Model(d);
        var memResult = new Trainer(options).Fit(memModel, new FileOrderSource(new RowSource(memTrain)), new RowSource(memVal), new FitContext());
        var (train, validation, scaling) = StreamedRowSource.Split(Csv(path), ScalingKind.Standardize, 5, shuffleBuffer: 1);
        var streamModel = Model(d);
        var streamResult = new Trainer(options).Fit(streamModel, train, validation, new FitContext());

        // Then the scaling, every epoch's losses and the final weights are identical
        Assert.Equal(trainIdx.Length, train.Count);
        Assert.Equal(valIdx.Length, validation!.Count);
        Assert.Equal(pre.State.Offset, scaling.State.Offset);
        Assert.Equal(pre.State.Scale, scaling.State.Scale);
        Assert.Equal(memResult.History.Select(h => (h.TrainLoss, h.ValidationLoss)), streamResult.History.Select(h => (h.TrainLoss, h.ValidationLoss)));
        Assert.Equal(Weights(memModel), Weights(streamModel));
        Assert.True(streamResult.History[^1].TrainLoss < streamResult.History[0].TrainLoss);
    }

    [Theory]
    [InlineData("p99")]
    [InlineData("p90")]
    [InlineData("contamination:0.05")]
    [InlineData("mean+3sd")]
    public void StreamedThreshold_OnARealFile_EqualsTheInMemoryFit(string rule)
    {
        // Given a model and the ODDS cardio rows, standardized on all rows, once streamed and once in memory
        var path = SharedData.Find("odds/cardio.csv");
        if (path is null) return;
        var (train, _, scaling) = StreamedRowSource.Split(Csv(path), ScalingKind.Standardize, 0, 1);
        var model = Model(train.FeatureCount, dropout: 0);
        var memory = scaling.Transform(CsvLoader.Load(path, new CsvOptions("label")));
        // When the threshold is fitted by a streamed scoring pass and by the in-memory detector
        var streamed = StreamedThreshold.Fit(new AnomalyDetector(model, scaling), Threshold.Parse(rule), train);
        var inMemory = new AnomalyDetector(model, scaling).FitThreshold(Threshold.Parse(rule), memory);
        // Then the value is the same (the scores are the same floats), and so are the training scores' mean and sd
        Assert.Equal(inMemory.Value, streamed.Value);
        Assert.Equal(inMemory.TrainingScoreMean!.Value, streamed.TrainingScoreMean!.Value, 1e-9);
        Assert.Equal(inMemory.TrainingScoreSd!.Value, streamed.TrainingScoreSd!.Value, 1e-9);
        Assert.Throws<ArgumentException>(() => StreamedThreshold.Fit(new AnomalyDetector(model, scaling), Threshold.Parse("f1"), train));
    }

    [Fact]
    public void StreamedTraining_IsDeterministic_AndTheShuffleBufferChangesTheOrder()
    {
        var path = SharedData.Find("odds/cardio.csv");
        if (path is null) return;
        var options = new TrainingOptions(epochs: 2, batchSize: 32, learningRate: 3e-3f, seed: 11);
        float[][] Run(int buffer)
        {
            var (train, validation, _) = StreamedRowSource.Split(Csv(path), ScalingKind.MinMax, 10, buffer);
            var model = Model(train.FeatureCount);
            new Trainer(options).Fit(model, train, validation, new FitContext());
            return Weights(model);
        }
        var a = Run(256);
        Assert.Equal(a, Run(256));                 // the same seed and buffer: the same weights, bit for bit
        Assert.NotEqual(a[0], Run(1)[0]);          // the buffer shuffles (file order trains other weights)
    }

    [Fact]
    public void StreamedSource_RefusesIndexedLoads_AndDataParallelTraining()
    {
        var data = DemoDataset.Generate(40, 1);
        var source = new StreamedRowSource(() => new DatasetRowReader(data), data.Rows, data.FeatureCount, null, 8, "demo");
        Assert.Throws<NotSupportedException>(() => source.Load([0]));
        // every row comes once per epoch, in a seeded order
        int Total(IBatchStream s) { int n = 0; while (s.Next(7) is RowBatch b) n += b.Count; return n; }
        using (var e = source.OpenEpoch(5)) Assert.Equal(40, Total(e));
    }
}

/// <summary>Runs alone (no other test allocates meanwhile), so the managed heap it samples is its own.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class StreamedMemoryCollection { public const string Name = "streamed training memory"; }

[Collection(StreamedMemoryCollection.Name)]
public class StreamedTrainingMemoryTests
{
    [Fact]
    public void StreamedTraining_OverAFileManyTimesTheBuffer_KeepsTheManagedHeapBelowTheData()
    {
        // Given a generated CSV of 150,000 rows × 16 features (9.6 MB as floats) and a shuffle buffer of 512 rows (32 KB)
        using var dir = new TempDir();
        string path = dir.File("big.csv");
        const int rows = 150_000, d = 16;
        var rng = new Rng(1);
        using (var w = new StreamWriter(path))
        {
            w.WriteLine(string.Join(",", Enumerable.Range(0, d).Select(j => $"x{j}")));
            var sb = new System.Text.StringBuilder();
            for (int r = 0; r < rows; r++)
            {
                sb.Clear();
                for (int j = 0; j < d; j++) { if (j > 0) sb.Append(','); sb.Append(rng.NextNormal().ToString("G6", CultureInfo.InvariantCulture)); }
                w.WriteLine(sb);
            }
        }
        long dataBytes = (long)rows * d * sizeof(float);
        Func<IRowReader> open = () => AnomalyDetector.PassThroughEncoder(path, new CsvScoringOptions()).OpenRows(path);

        // When it trains streamed, sampling the live managed heap every 20 steps
        GC.Collect(); GC.WaitForPendingFinalizers();
        long baseline = GC.GetTotalMemory(true), peak = 0;
        var (train, validation, _) = StreamedRowSource.Split(open, ScalingKind.Standardize, 10, shuffleBuffer: 512);
        var model = new DenseAutoencoder(new DenseConfig(d, [8], 2), new Rng(1));
        var progress = new SyncProgress<TrainingProgress>(_ => peak = Math.Max(peak, GC.GetTotalMemory(true) - baseline));
        new Trainer(new TrainingOptions(epochs: 1, batchSize: 256, seed: 1)).Fit(model, train, validation, new FitContext(progress));

        // Then the heap grew by far less than the data (the in-memory load, measured the same way, holds at least the data)
        Assert.True(peak > 0);
        Assert.True(peak < dataBytes / 4, $"peak managed growth {peak:N0} bytes while training streamed, data {dataBytes:N0} bytes");
        long before = GC.GetTotalMemory(true);
        var loaded = CsvLoader.Load(path);
        long inMemory = GC.GetTotalMemory(true) - before;
        Assert.True(inMemory >= dataBytes * 9 / 10, $"in memory {inMemory:N0} bytes < 90% of the data {dataBytes:N0}");
        GC.KeepAlive(loaded);
        // The streamed run's objects stay live across both in-memory samples: once the JIT's optimised code treats them as dead
        // after their last use, what they held was collected between the two and made the in-memory growth look smaller.
        GC.KeepAlive(train); GC.KeepAlive(validation); GC.KeepAlive(model); GC.KeepAlive(progress);
    }
}
