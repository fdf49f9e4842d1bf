using System.Diagnostics;
using System.Numerics.Tensors;
using Bottleneck.Kernels;
using Bottleneck.NN;
using Bottleneck.Ops;

namespace Bottleneck.Models.Dense;

/// <summary>
/// The dense kind's fused inference path (<see cref="IFastInference"/>) for an untied <see cref="DenseAutoencoder"/> without batch
/// norm or GELU: y_l = act_l(y_(l−1)·W_lᵀ + b_l) layer by layer, no autograd bookkeeping and no tensors. With the managed GEMM
/// each weight is packed once into the micro-kernel's panel layout (a snapshot, see <see cref="Refresh()"/>), the bias and the
/// activation are applied to each micro-tile right after its last k pass (while it is in L1), the rows go through all layers
/// in chunks sized from the L2 cache (<see cref="CacheInfo"/>) so the activations between layers stay in cache, and a call is
/// spread over <see cref="Gemm.Threads"/> threads of the GEMM worker pool either by rows (each thread runs every layer on its own
/// rows; one thread for small calls) or by columns (each layer's output columns split, a barrier between layers, so each thread
/// streams only its share of every weight), whichever is faster for that call shape as timed at run time
/// (<see cref="InferenceSplitTuner"/>). A single row runs four weight slivers at a time (<see cref="GemvKernels"/>). Every row's
/// arithmetic is the same whatever the thread count, split and chunking (same k blocking, same order of the k passes), so outputs are
/// bit-identical across thread counts, and equal to the autograd path's with the managed GEMM. With another GEMM provider the
/// layers run through <see cref="Gemm.Sgemm"/> on the live weights, bias and activation in one pass per layer. After the first
/// call of a size no managed memory is allocated. Dropout is the identity (eval mode). Not thread-safe.
/// </summary>
internal sealed unsafe class DenseInference : ILiveInferencePath, IParallelJob
{
    private readonly (Linear Layer, Activation Act)[] _layers;
    private readonly int _encoderLayers;
    private readonly int _maxWidth;
    private readonly ManagedGemm? _gemm;
    private readonly PackedMatrix[]? _packed;
    private float[][] _bufA = [], _bufB = [];

    // The call being run by RunPart (valid during Run).
    private float* _x, _y;
    private int _n, _parts, _first, _end;
    private int _columnLayer = -1;   // ≥ 0: RunPart computes a column range of this layer (small batches)

    private DenseInference((Linear, Activation)[] layers, int encoderLayers)
    {
        _layers = layers;
        _encoderLayers = encoderLayers;
        _maxWidth = layers.Max(l => Math.Max(l.Item1.InFeatures, l.Item1.OutFeatures));
        ChunkRows = ChunkRowsFor(_maxWidth);
        if (Gemm.Provider is ManagedGemm gemm)
        {
            _gemm = gemm;
            _packed = layers.Select(l => new PackedMatrix(gemm, l.Item1.InFeatures, l.Item1.OutFeatures)).ToArray();
            Refresh();
        }
    }

    /// <summary>Rows per chunk: input and output of the widest layer take about a third of L2 each (a multiple of 12, 12 … 1024).</summary>
    internal int ChunkRows { get; set; }

    /// <summary>Whether the packed-weight path is used (the managed GEMM is the provider).</summary>
    internal bool Packed => _packed != null;

    /// <inheritdoc/>
    public int BlockRows => Math.Max(ChunkRows * Math.Max(1, Gemm.Threads), 256);

    /// <summary>The fused path for the layers of <paramref name="encoder"/> then <paramref name="decoder"/>, or null when a layer is not supported.</summary>
    public static DenseInference? TryCreate(Sequential encoder, Sequential decoder)
    {
        var list = new List<(Linear, Activation)>();
        int encoderLayers = 0;
        foreach (var seq in new[] { encoder, decoder })
        {
            foreach (var m in seq.Layers)
            {
                switch (m)
                {
                    case Linear lin: list.Add((lin, Activation.Identity)); break;
                    case ActivationLayer act when act.Kind != Activation.Gelu && list.Count > 0 && list[^1].Item2 == Activation.Identity:
                        list[^1] = (list[^1].Item1, act.Kind); break;
                    case Dropout: break;
                    default: return null;
                }
            }
            if (seq == encoder) encoderLayers = list.Count;
        }
        return list.Count == 0 || encoderLayers == 0 ? null : new DenseInference(list.ToArray(), encoderLayers);
    }

    /// <summary>The GEMM provider the packed weights were made for (null: the unpacked path).</summary>
    internal IGemmProvider? Provider => _gemm;

    /// <summary>Layers of the encoder (the first ones); the decoder's follow.</summary>
    internal int EncoderLayerCount => _encoderLayers;

    /// <summary>All layers.</summary>
    internal int LayerCount => _layers.Length;

    IGemmProvider? ILiveInferencePath.Provider => _gemm;
    int ILiveInferencePath.EncoderParts => _encoderLayers;
    int ILiveInferencePath.Parts => _layers.Length;
    void ILiveInferencePath.Refresh(int first, int end) => Refresh(first, end);
    void ILiveInferencePath.DecoderLogits(ReadOnlySpan<float> z, int n, Span<float> logits) => DecoderLogits(z, n, logits);

    /// <inheritdoc/>
    public void Refresh() => Refresh(0, _layers.Length);

    /// <summary>Repacks the weights of layers [<paramref name="first"/>, <paramref name="end"/>) from the live tensors.</summary>
    internal void Refresh(int first, int end)
    {
        if (_packed == null) return;
        for (int i = first; i < end; i++)
        {
            var w = _layers[i].Layer.Weight;
            fixed (float* pw = w.Span)
                _packed[i].PackTransposed(pw, _layers[i].Layer.InFeatures);
        }
    }

    /// <inheritdoc/>
    public void Logits(ReadOnlySpan<float> x, int n, Span<float> logits) => Run(x, n, logits, 0, _layers.Length);

    /// <inheritdoc/>
    public void Codes(ReadOnlySpan<float> x, int n, Span<float> codes) => Run(x, n, codes, 0, _encoderLayers);

    /// <summary>Decoder logits (n × D) of <paramref name="n"/> codes (n × latentDim).</summary>
    internal void DecoderLogits(ReadOnlySpan<float> z, int n, Span<float> logits) => Run(z, n, logits, _encoderLayers, _layers.Length);

    /// <summary>Runs layers [first, end) on n rows of x into output.</summary>
    private void Run(ReadOnlySpan<float> x, int n, Span<float> output, int first, int end)
    {
        int d = _layers[first].Layer.InFeatures, outD = _layers[end - 1].Layer.OutFeatures;
        if (n < 0 || x.Length < (long)n * d)
            throw new ArgumentException($"{n} rows of {d} features need {(long)n * d} values, x has {x.Length}", nameof(x));
        if (output.Length < (long)n * outD)
            throw new ArgumentException($"{n} rows need {(long)n * outD} output values, the output has {output.Length}", nameof(output));
        if (n == 0) return;
        if (_packed == null)
        {
            Unpacked(x, n, output, first, end);
            return;
        }
        int threads = Gemm.Threads;
        if (threads > 1 && ColumnsWorthTrying(n, first, end))
        {
            // Rows over the threads (or one thread) against every layer's columns over the threads: both give the same values,
            // so the faster one, timed on this machine under its present load, is used (InferenceSplitTuner).
            var split = ForcedSplit;
            long start = 0;
            InferenceSplitTuner? tuner = null;
            if (split is null)
            {
                tuner = TunerFor(n, first, end);
                split = tuner.Next();
                if (tuner.Timing)
                    start = Stopwatch.GetTimestamp();
            }
            if (split == InferenceSplit.Columns)
                RunColumns(x, n, output, first, end);
            else
                RunRows(x, n, output, first, end);
            if (tuner is { Timing: true })
                tuner.Record(split.Value, Stopwatch.GetTimestamp() - start);
            return;
        }
        RunRows(x, n, output, first, end);
    }

    /// <summary>Forces the split of every call with more than one thread (benchmarks), or null: the faster one, timed at run time.</summary>
    internal static InferenceSplit? ForcedSplit { get; set; }

    private readonly Dictionary<(int N, int First, int End), InferenceSplitTuner> _tuners = [];

    /// <summary>The split each timed call shape uses now, e.g. "n=256 layers 0–2: Columns" (n: the bucket of <see cref="TunerFor"/>;
    /// benchmark output).</summary>
    internal string DescribeSplits() => ForcedSplit is { } forced ? $"forced {forced}"
        : string.Join("; ", _tuners.OrderBy(t => t.Key.N).Select(t => $"n={t.Key.N} layers {t.Key.First}–{t.Key.End - 1}: {t.Value.Choice}"));

    /// <summary>The tuner of a call shape: n rows (up to 16 exactly, above that the power of two at or below n, so calls of many
    /// different sizes share a few tuners) through layers [first, end).</summary>
    private InferenceSplitTuner TunerFor(int n, int first, int end)
    {
        int bucket = n <= 16 ? n : 1 << (31 - System.Numerics.BitOperations.LeadingZeroCount((uint)n));
        if (!_tuners.TryGetValue((bucket, first, end), out var tuner))
            _tuners[(bucket, first, end)] = tuner = new InferenceSplitTuner();
        return tuner;
    }

    /// <summary>Whether the column split is a candidate: the layers it splits carry at least <see cref="ColumnPassMacs"/>
    /// multiply-adds in all (below that one thread is always faster than waking another).</summary>
    private bool ColumnsWorthTrying(int n, int first, int end)
    {
        long splitMacs = 0;
        for (int li = first; li < end; li++)
        {
            long macs = (long)_layers[li].Layer.InFeatures * _layers[li].Layer.OutFeatures * n;
            if (macs >= ColumnSplitMacs && _layers[li].Layer.OutFeatures > _gemm!.Nr) splitMacs += macs;
        }
        return splitMacs >= ColumnPassMacs;
    }

    /// <summary>The rows split over the threads, each running every layer on its own rows (one thread for small calls).</summary>
    private void RunRows(ReadOnlySpan<float> x, int n, Span<float> output, int first, int end)
    {
        // One part per thread, at least one row each, and only when each part has well over the hand-off cost of work.
        int threads = Gemm.Threads;
        long macs = 0;
        for (int li = first; li < end; li++) macs += (long)_layers[li].Layer.InFeatures * _layers[li].Layer.OutFeatures * n;
        int parts = (int)Math.Clamp(Math.Min(Math.Min(threads, n), macs / 1_000_000), 1, Math.Max(1, threads));
        EnsureBuffers(parts);
        fixed (float* px = x)
        fixed (float* py = output)
        {
            _x = px;
            _y = py;
            _n = n;
            _parts = parts;
            _first = first;
            _end = end;
            try
            {
                if (parts < 2 || !GemmWorkerPool.Shared.TryRun(this, parts))
                {
                    _parts = 1;
                    RunPart(0);
                }
            }
            finally
            {
                _x = _y = null;
            }
        }
    }

    private void EnsureBuffers(int parts)
    {
        if (_bufA.Length >= parts) return;
        var a = new float[parts][];
        var b = new float[parts][];
        for (int i = 0; i < parts; i++)
        {
            a[i] = i < _bufA.Length ? _bufA[i] : new float[MaxChunkRows * _maxWidth];
            b[i] = i < _bufB.Length ? _bufB[i] : new float[MaxChunkRows * _maxWidth];
        }
        (_bufA, _bufB) = (a, b);
    }

    /// <summary>
    /// The rows in chunks (<see cref="ChunkFor"/>), each chunk through every layer with the layer's output columns split over
    /// <see cref="Gemm.Threads"/> threads (layers too small to split are computed by the calling thread alone), one hand-off for
    /// the whole call and a barrier after each layer: every thread streams only its share of each weight (a single sample streams
    /// every weight once, two cores twice as fast; at a few hundred rows each thread's share of a large layer can stay in its own
    /// L2 across chunks and calls). Each value is computed as on one thread, so the output does not depend on the split. Falls
    /// back to <see cref="RunColumnsByLayer"/> when the pool is busy.
    /// </summary>
    private void RunColumns(ReadOnlySpan<float> x, int n, Span<float> output, int first, int end)
    {
        EnsureBuffers(1);
        int parts = Gemm.Threads;
        fixed (float* px = x)
        fixed (float* py = output)
        fixed (float* bufA = _bufA[0])
        fixed (float* bufB = _bufB[0])
        {
            _x = px;
            _y = py;
            _n = n;
            _parts = parts;
            _first = first;
            _end = end;
            _pingA = bufA;
            _pingB = bufB;
            _columnLayer = AllLayers;
            _barrier.Reset(parts);
            bool done;
            try
            {
                done = GemmWorkerPool.Shared.TryRun(this, parts);
            }
            finally
            {
                _columnLayer = -1;
                _x = _y = null;
            }
            if (!done)
                RunColumnsByLayer(x, n, output, first, end);
        }
    }

    private const int AllLayers = -2;
    private readonly SpinBarrier _barrier = new();
    private float* _pingA, _pingB;   // the layers' intermediate outputs during RunColumns

    /// <summary>Layers with at least this many multiply-adds per call are split over the threads in <see cref="RunColumns"/>.</summary>
    internal static long ColumnSplitMacs { get; set; } = 32_768;

    /// <summary><see cref="RunColumns"/> uses the threads only when the layers it splits carry at least this many multiply-adds in all
    /// (about the cost of waking the workers); below it the call runs on the calling thread, never slower than one thread.</summary>
    internal static long ColumnPassMacs { get; set; } = 150_000;

    /// <summary>Part <paramref name="index"/> of <see cref="RunColumns"/>: for each chunk of rows, its columns of every layer, a barrier
    /// after each layer (but the very last).</summary>
    private void RunAllLayersPart(int index)
    {
        var gemm = _gemm!;
        var buffers = PackBuffers.ForCurrentThread;
        int sense = 0;
        int d = _layers[_first].Layer.InFeatures, outD = _layers[_end - 1].Layer.OutFeatures;
        int chunkRows = ChunkFor(_n);
        for (int start = 0; start < _n; start += chunkRows)
        {
            int m = Math.Min(chunkRows, _n - start);
            float* input = _x + (nint)start * d;
            for (int li = _first; li < _end; li++)
            {
                var (lin, act) = _layers[li];
                int inF = lin.InFeatures, outF = lin.OutFeatures;
                float* dst = li == _end - 1 ? _y + (nint)start * outD : ((li - _first) % 2 == 0 ? _pingA : _pingB);
                int slivers = (outF + gemm.Nr - 1) / gemm.Nr;
                int parts = Math.Min(_parts, slivers);
                bool split = parts > 1 && (long)inF * outF * m >= ColumnSplitMacs;
                int j0 = 0, j1 = outF;
                if (split)
                {
                    j0 = index < parts ? slivers * index / parts * gemm.Nr : outF;
                    j1 = index < parts ? Math.Min(outF, slivers * (index + 1) / parts * gemm.Nr) : outF;
                }
                else if (index != 0)
                {
                    j0 = j1 = outF;
                }
                if (j1 > j0)
                {
                    fixed (float* bias = lin.Bias is null ? default : lin.Bias.Span)
                        gemm.RunPrepacked(buffers, m, input, inF, _packed![li], dst, outF, lin.Bias is null ? null : bias, ActivationKernel(act), j0, j1);
                }
                // The next layer reads this one's output; the next chunk's first layer overwrites a buffer this chunk read.
                if ((li < _end - 1 || start + m < _n) && !_barrier.Wait(ref sense))
                    return;
                input = dst;
            }
        }
    }

    /// <summary>A few rows, one layer at a time: each layer's columns split over the threads when it is large enough to pay a hand-off.</summary>
    private void RunColumnsByLayer(ReadOnlySpan<float> x, int n, Span<float> output, int first, int end)
    {
        EnsureBuffers(1);
        var gemm = _gemm!;
        fixed (float* px = x)
        fixed (float* py = output)
        fixed (float* bufA = _bufA[0])
        fixed (float* bufB = _bufB[0])
        {
            float* input = px;
            for (int li = first; li < end; li++)
            {
                var (lin, act) = _layers[li];
                int inF = lin.InFeatures, outF = lin.OutFeatures;
                float* dst = li == end - 1 ? py : ((li - first) % 2 == 0 ? bufA : bufB);
                int slivers = (outF + gemm.Nr - 1) / gemm.Nr;
                int parts = Math.Min(Gemm.Threads, slivers);
                bool split = parts > 1 && (long)inF * outF * n >= 150_000;
                _x = input;
                _y = dst;
                _n = n;
                _parts = parts;
                _columnLayer = li;
                try
                {
                    if (!split || !GemmWorkerPool.Shared.TryRun(this, parts))
                    {
                        fixed (float* bias = lin.Bias is null ? default : lin.Bias.Span)
                            gemm.RunPrepacked(PackBuffers.ForCurrentThread, n, input, inF, _packed![li], dst, outF, lin.Bias is null ? null : bias, ActivationKernel(act));
                    }
                }
                finally
                {
                    _columnLayer = -1;
                    _x = _y = null;
                }
                input = dst;
            }
        }
    }

    /// <summary>Part <paramref name="index"/> of the current call: a range of rows through every layer, or (small batches) a range of one layer's columns.</summary>
    void IParallelJob.RunPart(int index)
    {
        if (_columnLayer == AllLayers)
        {
            try
            {
                RunAllLayersPart(index);
            }
            catch
            {
                _barrier.Abort();   // the other threads wait for this one at the next layer
                throw;
            }
        }
        else if (_columnLayer >= 0) RunColumnPart(index);
        else RunPart(index);
    }

    /// <summary>Columns [slivers·index/parts, slivers·(index+1)/parts)·NR of layer <see cref="_columnLayer"/> for all rows.</summary>
    private void RunColumnPart(int index)
    {
        var gemm = _gemm!;
        var (lin, act) = _layers[_columnLayer];
        int outF = lin.OutFeatures, slivers = (outF + gemm.Nr - 1) / gemm.Nr;
        int j0 = slivers * index / _parts * gemm.Nr, j1 = Math.Min(outF, slivers * (index + 1) / _parts * gemm.Nr);
        if (j0 >= j1) return;
        fixed (float* bias = lin.Bias is null ? default : lin.Bias.Span)
            gemm.RunPrepacked(PackBuffers.ForCurrentThread, _n, _x, lin.InFeatures, _packed![_columnLayer], _y, outF,
                lin.Bias is null ? null : bias, ActivationKernel(act), j0, j1);
    }

    /// <summary>Rows [n·index/parts, n·(index+1)/parts) through the layers, in chunks of <see cref="ChunkFor"/> rows.</summary>
    private void RunPart(int index)
    {
        int r0 = (int)((long)_n * index / _parts), r1 = (int)((long)_n * (index + 1) / _parts);
        int d = _layers[_first].Layer.InFeatures, outD = _layers[_end - 1].Layer.OutFeatures;
        var buffers = PackBuffers.ForCurrentThread;
        var gemm = _gemm!;
        int chunkRows = ChunkFor(r1 - r0);
        if (_bufA[index].Length < chunkRows * _maxWidth)
            (_bufA[index], _bufB[index]) = (new float[MaxChunkRows * _maxWidth], new float[MaxChunkRows * _maxWidth]);
        fixed (float* bufA = _bufA[index])
        fixed (float* bufB = _bufB[index])
        {
            for (int start = r0; start < r1; start += chunkRows)
            {
                int m = Math.Min(chunkRows, r1 - start);
                float* input = _x + (nint)start * d;
                for (int li = _first; li < _end; li++)
                {
                    var (lin, act) = _layers[li];
                    int inF = lin.InFeatures, outF = lin.OutFeatures;
                    float* dst = li == _end - 1 ? _y + (nint)start * outD : ((li - _first) % 2 == 0 ? bufA : bufB);
                    fixed (float* bias = lin.Bias is null ? default : lin.Bias.Span)
                        gemm.RunPrepacked(buffers, m, input, inF, _packed![li], dst, outF, lin.Bias is null ? null : bias, ActivationKernel(act));
                    input = dst;
                }
            }
        }
    }

    /// <summary>The largest chunk <see cref="ChunkFor"/> gives: <see cref="ChunkRows"/> plus a quarter, a multiple of 12.</summary>
    private int MaxChunkRows => (ChunkRows + ChunkRows / 4 + 11) / 12 * 12;

    /// <summary>
    /// Rows per chunk for a part of <paramref name="rows"/> rows: as few chunks as allow at most <see cref="MaxChunkRows"/> rows
    /// each, of equal size (a multiple of 12). Every chunk streams all the weights again, so a short last chunk (20 of 128 rows
    /// with a 108-row nominal chunk) runs at the speed of the weight stream, not of the FMAs. The chunking does not change any
    /// value (each row's arithmetic is the same).
    /// </summary>
    internal int ChunkFor(int rows)
    {
        int max = MaxChunkRows;
        if (rows <= max) return Math.Max(rows, 1);
        int chunks = (rows + max - 1) / max;
        return Math.Min(max, ((rows + chunks - 1) / chunks + 11) / 12 * 12);
    }

    /// <summary>Rows per chunk for a widest layer of <paramref name="maxWidth"/> values: a third of L2 for the chunk's input and as much for its output.</summary>
    internal static int ChunkRowsFor(int maxWidth)
    {
        long rows = CacheInfo.L2Bytes / 3 / (sizeof(float) * (long)maxWidth);
        return (int)Math.Clamp(rows / 12 * 12, 12, 1024);
    }

    /// <summary>The in-place tile activation for <paramref name="act"/>, or null for the identity.</summary>
    private static delegate*<float*, nint, int, int, void> ActivationKernel(Activation act) => TileActivations.For(act);

    /// <summary>Another GEMM provider: blocks of rows through <see cref="Gemm.Sgemm"/> on the live weights, then bias and activation per layer.</summary>
    private void Unpacked(ReadOnlySpan<float> x, int n, Span<float> output, int first, int end)
    {
        int block = ChunkRows;
        EnsureBuffers(1);
        int d = _layers[first].Layer.InFeatures, outD = _layers[end - 1].Layer.OutFeatures;
        for (int start = 0; start < n; start += block)
        {
            int m = Math.Min(block, n - start);
            ReadOnlySpan<float> input = x.Slice(start * d, m * d);
            for (int li = first; li < end; li++)
            {
                var (lin, act) = _layers[li];
                int inF = lin.InFeatures, outF = lin.OutFeatures;
                Span<float> dst = li == end - 1 ? output.Slice(start * outD, m * outD) : ((li - first) % 2 == 0 ? _bufA[0] : _bufB[0]).AsSpan(0, m * outF);
                Gemm.Sgemm(false, true, m, outF, inF, 1f, input, inF, lin.Weight.Span, inF, 0f, dst, outF);
                fixed (float* pd = dst)
                {
                    for (int r = 0; r < m && lin.Bias is not null; r++)
                        TensorPrimitives.Add(dst.Slice(r * outF, outF), lin.Bias.Span, dst.Slice(r * outF, outF));
                    var kernel = ActivationKernel(act);
                    if (kernel != null) kernel(pd, outF, m, outF);
                }
                input = dst;
            }
        }
    }
}
