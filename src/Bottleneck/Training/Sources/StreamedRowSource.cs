using Bottleneck.Data;
using Bottleneck.IO;
using Bottleneck.Models;
using Bottleneck.Tensors;

namespace Bottleneck.Training;

/// <summary>
/// The rows of a streamed <see cref="IRowReader"/> (CSV, .csv.gz, Parquet, .npy: data larger than memory) as
/// <see cref="RowBatch"/>es of shape (n, sample shape), scaled by a <see cref="Preprocessor"/>, for training through the trainer's
/// next-batch path (<see cref="IStreamedBatchSource"/>). Each epoch reopens the file and reads it through a
/// <see cref="ShuffledRowReader"/> of <see cref="ShuffleBuffer"/> rows seeded by the epoch's seed: every row once per epoch, in an
/// order that is a function of the seed alone, but <b>not a full shuffle</b> (a row moves forward by at most K − 1 places).
/// Memory: K × D floats for the buffer plus one batch, whatever the file's size.
/// </summary>
public sealed class StreamedRowSource : IStreamedBatchSource
{
    private readonly Func<IRowReader> _open;
    private readonly int[] _batchShape;

    /// <summary>Creates the source.</summary>
    /// <param name="open">Opens a new reader of the rows in file order (called once per pass; each reader is disposed after it).</param>
    /// <param name="count">Number of rows the reader returns (counted by a first pass, <see cref="Split"/>), ≥ 0.</param>
    /// <param name="featureCount">D, the width of one row.</param>
    /// <param name="scaling">Applied to every row read; null = none.</param>
    /// <param name="shuffleBuffer">K, rows in the shuffle buffer, ≥ 1 (1 = file order).</param>
    /// <param name="name">Where the rows come from, for messages.</param>
    /// <param name="sampleShape">Shape of one sample (product D); null (default) = [D].</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> &lt; 0 or <paramref name="shuffleBuffer"/> &lt; 1.</exception>
    /// <exception cref="ShapeException">The sample shape does not hold D values, or the scaling is for another width.</exception>
    public StreamedRowSource(Func<IRowReader> open, int count, int featureCount, Preprocessor? scaling, int shuffleBuffer, string name, int[]? sampleShape = null)
    {
        _open = open ?? throw new ArgumentNullException(nameof(open));
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(shuffleBuffer, 1);
        SampleShape = sampleShape ?? [featureCount];
        long size = 1;
        foreach (int s in SampleShape) size *= s;
        if (size != featureCount) throw new ShapeException($"{name} has {featureCount} features, the sample shape ({string.Join(", ", SampleShape)}) holds {size}");
        if (scaling != null && scaling.FeatureCount != featureCount) throw new ShapeException($"{name} has {featureCount} features, the scaling was fitted on {scaling.FeatureCount}");
        Count = count; FeatureCount = featureCount; Scaling = scaling; ShuffleBuffer = shuffleBuffer; Name = name ?? "";
        _batchShape = [0, .. SampleShape];
    }

    /// <summary>
    /// One streamed pass over <paramref name="open"/>'s rows that splits them without a shuffle (row r, counted from 0, is for
    /// validation when r mod k = k − 1: <see cref="HoldoutRowReader"/>), counts both parts and fits the scaling on the training part
    /// (<see cref="StreamedScalingFit"/>); returns the two sources over the same file. Memory O(chunk × D).
    /// </summary>
    /// <param name="open">Opens a new reader of all rows in file order.</param>
    /// <param name="scaling">The scaling to fit on the training rows.</param>
    /// <param name="validationEvery">k ≥ 2 to hold out every k-th row, or 0 for no validation part.</param>
    /// <param name="shuffleBuffer">K, rows in the training source's shuffle buffer, ≥ 1.</param>
    /// <param name="sampleShape">Shape of one sample; null = [D].</param>
    /// <returns>The training source, the validation source (null when k = 0 or no row is held out) and the fitted scaling.</returns>
    /// <exception cref="DataException">A bad value in the file, no training rows, or more than 2³¹ − 1 rows.</exception>
    public static (StreamedRowSource Train, StreamedRowSource? Validation, Preprocessor Scaling) Split(Func<IRowReader> open, ScalingKind scaling,
        int validationEvery, int shuffleBuffer, int[]? sampleShape = null)
    {
        ArgumentNullException.ThrowIfNull(open);
        if (validationEvery is 1 or < 0) throw new ArgumentOutOfRangeException(nameof(validationEvery), validationEvery, "validationEvery must be 0 or ≥ 2");
        string name; int d;
        long trainRows = 0, validationRows = 0, ordinal = 0;
        StreamedScalingFit fit;
        using (var reader = open())
        {
            name = reader.Source; d = reader.FeatureCount;
            fit = new StreamedScalingFit(d, scaling);
            int chunk = Math.Max(1, Math.Min(8192, (1 << 22) / d));
            var buffer = new float[chunk * d];
            int n;
            while ((n = reader.Read(buffer, chunk)) > 0)
            {
                CancellationScope.ThrowIfCancellationRequested();
                for (int i = 0; i < n; i++, ordinal++)
                {
                    if (validationEvery >= 2 && HoldoutRowReader.IsHeldOut(ordinal, validationEvery)) { validationRows++; continue; }
                    fit.Add(buffer.AsSpan(i * d, d));
                    trainRows++;
                }
            }
        }
        if (trainRows == 0) throw new DataException($"{name}: no training rows", name);
        if (ordinal > int.MaxValue) throw new DataException($"{name}: {ordinal} rows; streamed training counts at most {int.MaxValue} rows", name);
        var pre = fit.Result(name);
        var train = new StreamedRowSource(validationEvery >= 2 ? () => new HoldoutRowReader(open(), validationEvery, heldOut: false) : open,
            (int)trainRows, d, pre, shuffleBuffer, name, sampleShape);
        var validation = validationRows == 0 ? null
            : new StreamedRowSource(() => new HoldoutRowReader(open(), validationEvery, heldOut: true), (int)validationRows, d, pre, 1, name, sampleShape);
        return (train, validation, pre);
    }

    /// <inheritdoc/>
    public int Count { get; }

    /// <inheritdoc/>
    public string Name { get; }

    /// <summary>D, the width of one row.</summary>
    public int FeatureCount { get; }

    /// <summary>The shape of one sample.</summary>
    public int[] SampleShape { get; }

    /// <summary>The scaling applied to every row read, or null.</summary>
    public Preprocessor? Scaling { get; }

    /// <summary>K, rows in the shuffle buffer of <see cref="OpenEpoch"/>.</summary>
    public int ShuffleBuffer { get; }

    /// <summary>Not supported: a stream cannot gather rows at arbitrary indices; use <see cref="OpenEpoch"/> or <see cref="OpenInOrder"/>.</summary>
    /// <exception cref="NotSupportedException">Always.</exception>
    public Batch Load(ReadOnlySpan<int> indices) =>
        throw new NotSupportedException($"{Name} is streamed: its rows are read a batch at a time (OpenEpoch), not at arbitrary indices");

    /// <inheritdoc/>
    public IBatchStream OpenEpoch(ulong seed) => new Stream(this, ShuffleBuffer > 1 ? new ShuffledRowReader(_open(), ShuffleBuffer, seed) : _open());

    /// <inheritdoc/>
    public IBatchStream OpenInOrder() => new Stream(this, _open());

    /// <summary>Calls <paramref name="body"/> with every row, scaled, in file order, up to <paramref name="chunkRows"/> rows at a time
    /// (row-major, n × D); for streamed scoring passes. Checks the current <see cref="CancellationScope"/> per chunk.</summary>
    /// <param name="body">Receives the scaled rows of one chunk (valid during the call only).</param>
    /// <param name="chunkRows">Rows per chunk, ≥ 1 (default 8,192).</param>
    /// <exception cref="DataException">The file now holds a different number of rows than when it was counted.</exception>
    public void ForEachChunk(Action<ReadOnlySpan<float>> body, int chunkRows = 8192)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkRows, 1);
        using var reader = _open();
        var buffer = new float[(long)chunkRows * FeatureCount];
        long total = 0;
        int n;
        while ((n = reader.Read(buffer, chunkRows)) > 0)
        {
            CancellationScope.ThrowIfCancellationRequested();
            var rows = buffer.AsSpan(0, n * FeatureCount);
            Scaling?.Transform(rows);
            body(rows);
            total += n;
        }
        if (total != Count) throw Changed(total);
    }

    private DataException Changed(long seen) => new($"{Name}: the file changed while training: {seen} rows read now, {Count} when it was counted", Name);

    private sealed class Stream(StreamedRowSource source, IRowReader reader) : IBatchStream
    {
        private long _seen;

        public Batch? Next(int maxSamples)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(maxSamples, 1);
            int want = (int)Math.Min(maxSamples, source.Count - _seen);
            if (want <= 0) return null;
            var shape = (int[])source._batchShape.Clone();
            shape[0] = want;
            var x = Tensor.Empty(shape);
            int n = 0, d = source.FeatureCount, got;
            while (n < want && (got = reader.Read(x.Span[(n * d)..], want - n)) > 0) n += got;   // a reader may return fewer rows per call
            if (n != want) throw source.Changed(_seen + n);
            source.Scaling?.Transform(x.Span);
            _seen += n;
            return new RowBatch(x);
        }

        public void Dispose() => reader.Dispose();
    }
}
