using System.Runtime.Intrinsics;
using Bottleneck.Kernels;
using Bottleneck.NN;
using Bottleneck.Tensors;

namespace Bottleneck.Models.Conv;

/// <summary>
/// The conv kind's fused inference path (<see cref="IFastInference"/>) for a <see cref="ConvAutoencoder"/>: the encoder and decoder
/// layers compiled once into a list of kernel steps that run with no autograd records and no tensors. Between layers the feature
/// maps stay channels-last (NHWC: one row of C_out values per pixel), so consecutive convolutions never transpose:
/// <list type="bullet">
/// <item>a convolution is im2row (one row of k·k·C_in values per output pixel, ordered (u, v, c), copied in runs of C_in or k·C_in
/// floats) and the managed GEMM against the weight packed once in the micro-kernel's layout, with the bias and the activation
/// applied to each tile after its last k pass; for a small reduction (C_in·k² ≤ <see cref="DirectConvMaxK"/>, e.g. the first layer of
/// a grey-image model) a direct kernel that keeps each pixel's C_out outputs in vector registers instead;</item>
/// <item>a transposed convolution is the GEMM x·W (one row of k·k·C_out values per input pixel) and a scatter-add into the output
/// (col2im in NHWC), then bias and activation in one pass; for a small C_out (≤ <see cref="DirectTransposedMaxCout"/>, e.g. the last
/// layer back to grey) a direct kernel: per sample, each tap's contribution plane by vector FMAs over the pixels, then those planes
/// added into the output;</item>
/// <item>Flatten + Linear and Linear + Unflatten fold the NCHW ↔ NHWC permutation into the packed weight (its columns or rows
/// permuted), so the Linear layers between convolutions add no layout pass either; NCHW is converted at the path's two ends only
/// (nothing for one channel).</item>
/// </list>
/// Samples are split over <see cref="Gemm.Threads"/> parts of the GEMM worker pool; each part runs its samples through every layer
/// in chunks whose feature maps fit in L2 (<see cref="CacheInfo"/>), with its own buffers (reused: after the first call of a size
/// nothing is allocated). A sample's arithmetic does not depend on the chunking or the thread count, so outputs are bit-identical
/// across thread counts; against the autograd path (im2col in (c, u, v) order) they differ by float rounding only (the sums run in
/// another order). Supported layers: Conv2d and ConvTranspose2d with groups 1 (any stride, padding, output padding, dilation),
/// Linear, Flatten, Unflatten, the activations but GELU, Dropout (identity), PadToMultiple and CropTo; the managed GEMM must be the
/// provider. Anything else makes <see cref="TryCreate"/> return null and callers use the layers. Not thread-safe.
/// <para>A spatial code is a flat NCHW row for <see cref="Codes"/>, so the encoder ends with an NHWC → NCHW transpose and the decoder
/// starts with the inverse; <see cref="Logits"/>, which does not output the code, leaves both out (a permutation and its inverse: the
/// same bits).</para>
/// <para>A residual model (<see cref="ConvConfig.Residual"/>, DnCNN) is compiled with the skip connection: <see cref="Logits"/> adds each
/// chunk's input to the last step's output while both are in cache, l = x + decoder(encoder(x)), the same float additions as the layers'
/// <c>x + logits</c>; <see cref="Codes"/> and the decoder alone are unchanged.</para>
/// </summary>
internal sealed unsafe class ConvInference : ILiveInferencePath, IParallelJob
{
    /// <summary>Largest C_in·k² a convolution runs through the direct kernel (C_out a multiple of 16 and Vector512); set from
    /// <c>bench conv --layers-only</c>, where the direct kernel beat im2row + GEMM on the 1→16 first layer (K = 9) and lost on 16→32
    /// (K = 144). Settable so the benchmark measures both paths in one run (0 disables the direct kernel).</summary>
    internal static int DirectConvMaxK { get; set; } = 32;

    /// <summary>Largest C_out a transposed convolution runs through the direct kernel (Vector512); from the same measurement
    /// (16→1 last layer). Settable for the benchmark (0 disables it).</summary>
    internal static int DirectTransposedMaxCout { get; set; } = 4;

    private readonly Step[] _steps;
    private readonly int _encoderSteps;
    private readonly int _inputSize, _codeSize, _outputSize;
    private readonly int _maxActivation, _scratchFloats;
    private readonly bool _skip;
    private readonly bool _bypassCode;   // a whole run skips the code's NHWC → NCHW → NHWC round trip (a spatial code's two transposes)
    private readonly ManagedGemm _gemm;
    private float[][] _bufA = [], _bufB = [], _scratch = [];

    // The call being run by RunPart (valid during Run).
    private float* _x, _y;
    private int _n, _parts, _first, _end, _chunk;

    private ConvInference(Step[] steps, int encoderSteps, int inputSize, ManagedGemm gemm, bool skip = false)
    {
        _steps = steps;
        _skip = skip;
        _bypassCode = encoderSteps >= 2 && steps.Length >= encoderSteps + 2 && steps[encoderSteps] is Transpose back && back.Undoes(steps[encoderSteps - 1]);
        _encoderSteps = encoderSteps;
        _gemm = gemm;
        _inputSize = inputSize;
        _codeSize = steps[encoderSteps - 1].OutSize;
        _outputSize = steps[^1].OutSize;
        _maxActivation = steps.Max(s => Math.Max(s.InSize, s.OutSize));
        _scratchFloats = steps.Max(s => s.ScratchFloats);
        Refresh();
    }

    /// <summary>The compiled steps, in order (their names, for tests and the benchmark).</summary>
    internal IReadOnlyList<string> StepNames => _steps.Select(s => s.Name).ToArray();

    /// <summary>Whether <see cref="Logits"/> adds the input to the last step's output (a residual model's skip connection).</summary>
    internal bool Skip => _skip;

    /// <summary>Whether <see cref="Logits"/> leaves out the spatial code's NHWC → NCHW → NHWC transposes (the code is not output).</summary>
    internal bool BypassesCodeLayout => _bypassCode;

    /// <summary>The GEMM provider the weights were packed for.</summary>
    internal ManagedGemm Provider => _gemm;

    /// <summary>Steps of the encoder (the first ones); the decoder's follow.</summary>
    internal int EncoderStepCount => _encoderSteps;

    /// <summary>All steps.</summary>
    internal int StepCount => _steps.Length;

    IGemmProvider? ILiveInferencePath.Provider => _gemm;
    int ILiveInferencePath.EncoderParts => _encoderSteps;
    int ILiveInferencePath.Parts => _steps.Length;
    void ILiveInferencePath.Refresh(int first, int end) => Refresh(first, end);
    void ILiveInferencePath.DecoderLogits(ReadOnlySpan<float> z, int n, Span<float> logits) => DecoderLogits(z, n, logits);

    /// <inheritdoc/>
    public int BlockRows => 256;

    /// <summary>
    /// The fused path for <paramref name="encoder"/> then <paramref name="decoder"/> on inputs of shape
    /// (C, H, W) = <paramref name="inputShape"/>, or null when a layer is not supported or the managed GEMM is not the provider.
    /// </summary>
    /// <param name="encoder">The encoder layers, ending in the flat code.</param>
    /// <param name="decoder">The decoder layers, ending in NCHW logits.</param>
    /// <param name="inputShape">(C, H, W).</param>
    /// <param name="residual">Add the input to the decoder's output in <see cref="Logits"/> (a residual model; default false). The
    /// decoder's output must then have the input's shape, else null.</param>
    public static ConvInference? TryCreate(Sequential encoder, Sequential decoder, int[] inputShape, bool residual = false)
    {
        if (Gemm.Provider is not ManagedGemm gemm || inputShape.Length != 3) return null;
        var b = new Builder(gemm, inputShape[0], inputShape[1], inputShape[2]);
        if (!b.Add(encoder.Layers) || !b.EndFlat()) return null;
        int encoderSteps = b.Steps.Count;
        if (encoderSteps == 0) return null;
        if (!b.Add(decoder.Layers) || !b.EndImage()) return null;
        if (b.Steps.Count == encoderSteps) return null;
        int size = inputShape[0] * inputShape[1] * inputShape[2];
        if (residual && b.Steps[^1].OutSize != size) return null;
        return new ConvInference(b.Steps.ToArray(), encoderSteps, size, gemm, residual);
    }

    /// <summary>
    /// One stack of layers on channels-last maps, input and output NHWC (no transposes at the ends): how a layer runs inside the
    /// fused path, for <c>bench conv --layers-only</c>. <see cref="Logits"/> and <see cref="Codes"/> both run the whole stack.
    /// </summary>
    /// <returns>Null when a layer is not supported or the managed GEMM is not the provider.</returns>
    internal static ConvInference? TryCreateChannelsLast(IReadOnlyList<Module> layers, int channels, int height, int width)
    {
        if (Gemm.Provider is not ManagedGemm gemm) return null;
        var b = new Builder(gemm, channels, height, width, channelsLast: true);
        if (!b.Add(layers) || b.Steps.Count == 0) return null;
        return new ConvInference(b.Steps.ToArray(), b.Steps.Count, channels * height * width, gemm);
    }

    /// <summary>
    /// The fully convolutional stack <paramref name="layers"/> on NCHW images (C, H, W) of one size, NCHW out (a spatial-code
    /// model enlarging or denoising whole photographs: <see cref="ConvAutoencoder.ReconstructImages"/>). <see cref="Logits"/> runs it.
    /// </summary>
    /// <param name="layers">The fully convolutional stack (no Flatten or Linear).</param>
    /// <param name="channels">C.</param>
    /// <param name="height">H.</param>
    /// <param name="width">W.</param>
    /// <param name="residual">Add the input image to the output in <see cref="Logits"/> (a residual denoiser; default false); the
    /// output must then be (C, H, W), else null.</param>
    /// <returns>Null when a layer is not supported, the output is not an image, or the managed GEMM is not the provider.</returns>
    internal static ConvInference? TryCreateImages(IReadOnlyList<Module> layers, int channels, int height, int width, bool residual = false)
    {
        if (Gemm.Provider is not ManagedGemm gemm) return null;
        var b = new Builder(gemm, channels, height, width);
        if (!b.Add(layers) || !b.EndImage() || b.Steps.Count == 0) return null;
        int size = channels * height * width;
        if (residual && b.Steps[^1].OutSize != size) return null;
        return new ConvInference(b.Steps.ToArray(), b.Steps.Count, size, gemm, residual);
    }

    /// <summary>Floats per sample of <see cref="Logits"/>' output.</summary>
    internal int OutputSize => _outputSize;

    /// <inheritdoc/>
    public void Refresh() => Refresh(0, _steps.Length);

    /// <summary>Repacks the weights of steps [<paramref name="first"/>, <paramref name="end"/>) from the live tensors.</summary>
    internal void Refresh(int first, int end)
    {
        for (int i = first; i < end; i++) _steps[i].Refresh();
    }

    /// <summary>Logits of the reconstruction for <paramref name="n"/> samples of <paramref name="x"/> (n × D) into <paramref name="logits"/>
    /// (n × D): decoder(encoder(x)), plus x for a residual path (<see cref="Skip"/>). <paramref name="logits"/> must not overlap
    /// <paramref name="x"/>.</summary>
    /// <exception cref="ArgumentException">A span is shorter than n rows.</exception>
    public void Logits(ReadOnlySpan<float> x, int n, Span<float> logits) => Run(x, n, logits, 0, _steps.Length);

    /// <inheritdoc/>
    public void Codes(ReadOnlySpan<float> x, int n, Span<float> codes) => Run(x, n, codes, 0, _encoderSteps);

    /// <summary>Decoder logits (n × D, NCHW) of <paramref name="n"/> codes (n × latentDim).</summary>
    /// <exception cref="ArgumentException">A span is shorter than n rows.</exception>
    internal void DecoderLogits(ReadOnlySpan<float> z, int n, Span<float> logits) => Run(z, n, logits, _encoderSteps, _steps.Length);

    private void Run(ReadOnlySpan<float> x, int n, Span<float> output, int first, int end)
    {
        int d = first == 0 ? _inputSize : _codeSize, outD = end == _encoderSteps ? _codeSize : _outputSize;
        if (n < 0 || x.Length < (long)n * d)
            throw new ArgumentException($"{n} samples of {d} values need {(long)n * d} values, the input has {x.Length}", nameof(x));
        if (output.Length < (long)n * outD)
            throw new ArgumentException($"{n} samples need {(long)n * outD} output values, the output has {output.Length}", nameof(output));
        if (n == 0) return;
        long flops = 0;
        for (int i = first; i < end; i++) flops += _steps[i].MacsPerSample * (long)n;
        int parts = (int)Math.Clamp(Math.Min(Math.Min(Gemm.Threads, n), flops / 500_000), 1, Math.Max(1, Gemm.Threads));
        int chunk = ChunkSamples(first, end);
        EnsureBuffers(parts, chunk);
        fixed (float* px = x)
        fixed (float* py = output)
        {
            _x = px;
            _y = py;
            (_n, _parts, _first, _end, _chunk) = (n, parts, first, end, chunk);
            try
            {
                if (parts < 2 || !GemmWorkerPool.Shared.TryRun(this, parts))
                {
                    _parts = 1;
                    RunPart(0);
                }
            }
            finally { _x = _y = null; }
        }
    }

    /// <summary>Samples per chunk: the two feature-map buffers of the largest step take about half of L2 (1 … 256).</summary>
    private int ChunkSamples(int first, int end)
    {
        int largest = 1;
        for (int i = first; i < end; i++) largest = Math.Max(largest, Math.Max(_steps[i].InSize, _steps[i].OutSize));
        long samples = CacheInfo.L2Bytes / 2 / (2L * sizeof(float) * largest);
        return (int)Math.Clamp(samples, 1, 256);
    }

    private void EnsureBuffers(int parts, int chunk)
    {
        long need = (long)chunk * _maxActivation;
        if (_bufA.Length >= parts && _bufA[0].Length >= need) return;
        var a = new float[parts][];
        var b = new float[parts][];
        var s = new float[parts][];
        for (int i = 0; i < parts; i++)
        {
            a[i] = i < _bufA.Length && _bufA[i].Length >= need ? _bufA[i] : new float[need];
            b[i] = i < _bufB.Length && _bufB[i].Length >= need ? _bufB[i] : new float[need];
            s[i] = i < _scratch.Length ? _scratch[i] : new float[Math.Max(1, _scratchFloats)];
        }
        (_bufA, _bufB, _scratch) = (a, b, s);
    }

    void IParallelJob.RunPart(int index) => RunPart(index);

    /// <summary>Samples [n·index/parts, n·(index+1)/parts) through steps [first, end), in chunks.</summary>
    private void RunPart(int index)
    {
        int s0 = (int)((long)_n * index / _parts), s1 = (int)((long)_n * (index + 1) / _parts);
        int inD = _steps[_first].InSize, outD = _steps[_end - 1].OutSize;
        bool whole = _first == 0 && _end == _steps.Length;
        bool skip = _skip && whole;                 // add the input (inD == outD, checked when built)
        bool bypass = _bypassCode && whole;         // the code is not output: its two inverse transposes are left out
        fixed (float* bufA = _bufA[index])
        fixed (float* bufB = _bufB[index])
        fixed (float* scratch = _scratch[index])
        {
            var ctx = new KernelContext(_gemm, PackBuffers.ForCurrentThread, scratch);
            for (int start = s0; start < s1; start += _chunk)
            {
                int m = Math.Min(_chunk, s1 - start);
                float* input = _x + (nint)start * inD;
                for (int i = _first; i < _end; i++)
                {
                    if (bypass && (i == _encoderSteps - 1 || i == _encoderSteps)) continue;
                    float* dst = i == _end - 1 ? _y + (nint)start * outD : (input == bufA ? bufB : bufA);
                    _steps[i].Run(input, dst, m, in ctx);
                    input = dst;
                }
                if (skip)
                {
                    // l = x + decoder(encoder(x)) on the chunk just written, as the layers' x + logits (one float addition per value)
                    var y = new Span<float>(_y + (nint)start * outD, m * outD);
                    System.Numerics.Tensors.TensorPrimitives.Add(new ReadOnlySpan<float>(_x + (nint)start * inD, m * inD), y, y);
                }
            }
        }
    }

    /// <summary>What a step needs besides its input and output: the GEMM, this thread's packing buffers and scratch.</summary>
    private readonly struct KernelContext(ManagedGemm gemm, PackBuffers buffers, float* scratch)
    {
        public ManagedGemm Gemm { get; } = gemm;
        public PackBuffers Buffers { get; } = buffers;
        public float* Scratch { get; } = scratch;
    }

    /// <summary>One kernel step: n samples of <see cref="InSize"/> floats in, n of <see cref="OutSize"/> out.</summary>
    private abstract class Step
    {
        public abstract string Name { get; }
        public abstract int InSize { get; }
        public abstract int OutSize { get; }
        public virtual int ScratchFloats => 0;
        public virtual long MacsPerSample => InSize;
        public Activation Act { get; set; } = Activation.Identity;
        public virtual bool CanFuseActivation => false;
        public virtual void Refresh() { }

        /// <summary>The bias as of the last <see cref="Refresh"/> (a snapshot, like the packed weight), or null.</summary>
        protected float[]? Bias { get; private set; }

        /// <summary>Copies <paramref name="bias"/> into <see cref="Bias"/> (row <paramref name="perm"/>[j] to position j when given).</summary>
        protected void SnapshotBias(Tensor? bias, int[]? perm = null)
        {
            if (bias is null) return;
            var b = bias.Span;
            Bias ??= new float[b.Length];
            for (int j = 0; j < b.Length; j++) Bias[j] = b[perm?[j] ?? j];
        }
        public abstract void Run(float* x, float* y, int n, in KernelContext ctx);

        /// <summary>bias[j] added to every row and the activation, over rows × cols (row-major).</summary>
        protected void BiasAct(float* y, int rows, int cols, float* bias)
        {
            var act = TileActivations.For(Act);
            const int block = 64;
            for (int r = 0; r < rows; r += block)
            {
                int m = Math.Min(block, rows - r);
                float* p = y + (nint)r * cols;
                if (bias != null) AddRows(p, m, cols, bias);
                if (act != null) act(p, m * cols, 1, m * cols);   // the rows are contiguous: one call for the block
            }
        }

        private static void AddRows(float* p, int rows, int cols, float* bias)
        {
            if (Vector512.IsHardwareAccelerated && cols % 16 == 0)
            {
                for (int i = 0; i < rows; i++)
                {
                    float* r = p + (nint)i * cols;
                    for (int j = 0; j < cols; j += 16) Vector512.Store(Vector512.Load(r + j) + Vector512.Load(bias + j), r + j);
                }
                return;
            }
            for (int i = 0; i < rows; i++)
            {
                float* r = p + (nint)i * cols;
                for (int j = 0; j < cols; j++) r[j] += bias[j];
            }
        }
    }

    /// <summary>(C, H·W) → (H·W, C) per sample, or back.</summary>
    private sealed class Transpose(int c, int h, int w, bool toNhwc) : Step
    {
        /// <summary>Whether this step undoes <paramref name="other"/> (the same map, the other direction).</summary>
        public bool Undoes(Step other) => other is Transpose t && t.Map == Map && t.ToNhwc != ToNhwc;

        private (int C, int H, int W) Map { get; } = (c, h, w);
        private bool ToNhwc { get; } = toNhwc;

        public override string Name => ToNhwc ? $"NCHW→NHWC {Map.C}×{Map.H}×{Map.W}" : $"NHWC→NCHW {Map.C}×{Map.H}×{Map.W}";
        public override int InSize => Map.C * Map.H * Map.W;
        public override int OutSize => Map.C * Map.H * Map.W;

        public override void Run(float* x, float* y, int n, in KernelContext ctx)
        {
            int c = Map.C, p = Map.H * Map.W, size = c * p;
            for (int s = 0; s < n; s++)
            {
                float* src = x + (nint)s * size, dst = y + (nint)s * size;
                if (ToNhwc) { for (int ch = 0; ch < c; ch++) for (int i = 0; i < p; i++) dst[i * c + ch] = src[ch * p + i]; }
                else { for (int i = 0; i < p; i++) for (int ch = 0; ch < c; ch++) dst[ch * p + i] = src[i * c + ch]; }
            }
        }
    }

    /// <summary>NHWC (h, w) → (h2, w2): zeros added at the bottom and right (PadToMultiple), or cut off there (CropTo).</summary>
    private sealed class Resize(int c, int h, int w, int h2, int w2) : Step
    {
        public override string Name => h2 >= h ? $"pad {h}×{w}→{h2}×{w2}" : $"crop {h}×{w}→{h2}×{w2}";
        public override int InSize => c * h * w;
        public override int OutSize => c * h2 * w2;

        public override void Run(float* x, float* y, int n, in KernelContext ctx)
        {
            int rows = Math.Min(h, h2), cols = Math.Min(w, w2);
            for (int s = 0; s < n; s++)
            {
                float* src = x + (nint)s * InSize, dst = y + (nint)s * OutSize;
                if (h2 > h || w2 > w) new Span<float>(dst, OutSize).Clear();
                for (int i = 0; i < rows; i++)
                    new ReadOnlySpan<float>(src + (nint)i * w * c, cols * c).CopyTo(new Span<float>(dst + (nint)i * w2 * c, cols * c));
            }
        }
    }

    /// <summary>An activation that could not be fused into the step before it, over the whole sample.</summary>
    private sealed class ActivationStep(int size, Activation act) : Step
    {
        public override string Name => $"{act} {size}";
        public override int InSize => size;
        public override int OutSize => size;

        public override void Run(float* x, float* y, int n, in KernelContext ctx)
        {
            long total = (long)n * size;
            new ReadOnlySpan<float>(x, (int)total).CopyTo(new Span<float>(y, (int)total));
            var kernel = TileActivations.For(act);
            for (long r = 0; r < total; r += 4096)
            {
                int m = (int)Math.Min(4096, total - r);
                kernel(y + r, m, 1, m);
            }
        }
    }

    /// <summary>
    /// y = act(x·Wᵀ + b) on the packed weight. <paramref name="inPerm"/>[k] (when given) is the column of W that feeds packed input
    /// position k (the NHWC order of a flattened feature map); <paramref name="outPerm"/>[j] is the row of W written to output
    /// position j (the NHWC order of the unflattened map that follows).
    /// </summary>
    private sealed class LinearStep(ManagedGemm gemm, Linear layer, int[]? inPerm, int[]? outPerm) : Step
    {
        private readonly PackedMatrix _packed = new(gemm, layer.InFeatures, layer.OutFeatures);
        private float[]? _w;   // the permuted weight (allocated by the first Refresh when a permutation is set)

        public int[]? OutPerm { get; set; } = outPerm;
        public override string Name => $"linear {layer.InFeatures}→{layer.OutFeatures}{(inPerm != null ? " (NHWC in)" : "")}{(OutPerm != null ? " (NHWC out)" : "")}{(Act != Activation.Identity ? " + " + Act : "")}";
        public override int InSize => layer.InFeatures;
        public override int OutSize => layer.OutFeatures;
        public override long MacsPerSample => (long)layer.InFeatures * layer.OutFeatures;
        public override bool CanFuseActivation => true;

        public override void Refresh()
        {
            int inF = layer.InFeatures, outF = layer.OutFeatures;
            var w = layer.Weight.Span;
            SnapshotBias(layer.Bias, OutPerm);
            if (inPerm == null && OutPerm == null)
            {
                fixed (float* pw = w) _packed.PackTransposed(pw, inF);
                return;
            }
            _w ??= new float[inF * outF];
            for (int j = 0; j < outF; j++)
            {
                int row = OutPerm?[j] ?? j;
                for (int k = 0; k < inF; k++) _w[j * inF + k] = w[row * inF + (inPerm?[k] ?? k)];
            }
            fixed (float* pw = _w) _packed.PackTransposed(pw, inF);
        }

        public override void Run(float* x, float* y, int n, in KernelContext ctx)
        {
            fixed (float* bias = Bias)
                ctx.Gemm.RunPrepacked(ctx.Buffers, n, x, layer.InFeatures, _packed, y, layer.OutFeatures, bias, TileActivations.For(Act));
        }
    }

    /// <summary>The window geometry of a 2-D convolution on an NHWC map (square kernel k, one stride, padding and dilation).</summary>
    private readonly record struct Window(int Cin, int H, int W, int Cout, int K, int S, int PT, int PL, int D, int HO, int WO)
    {
        public int Taps => K * K * Cin;
    }

    /// <summary>Conv2d on NHWC maps through im2row + the packed GEMM with bias and activation on each tile.</summary>
    private sealed class ConvGemmStep : Step
    {
        private readonly Conv2d _layer;
        private readonly Window _g;
        private readonly PackedMatrix _packed;
        private readonly float[] _w;
        private readonly int _blockRows;

        public ConvGemmStep(ManagedGemm gemm, Conv2d layer, Window g)
        {
            _layer = layer;
            _g = g;
            _packed = new PackedMatrix(gemm, g.Taps, g.Cout);
            _w = new float[g.Taps * g.Cout];
            // im2row rows per GEMM call: a quarter of L2 for the rows, at least one micro-tile of rows
            _blockRows = (int)Math.Clamp(CacheInfo.L2Bytes / 4 / (sizeof(float) * (long)g.Taps), gemm.Mr, 4096);
        }

        public override string Name => $"conv {_g.Cin}→{_g.Cout} {_g.H}×{_g.W} k{_g.K} s{_g.S}: im2row + GEMM{(Act != Activation.Identity ? " + " + Act : "")}";
        public override int InSize => _g.Cin * _g.H * _g.W;
        public override int OutSize => _g.Cout * _g.HO * _g.WO;
        public override int ScratchFloats => _blockRows * _g.Taps;
        public override long MacsPerSample => (long)_g.Taps * _g.Cout * _g.HO * _g.WO;
        public override bool CanFuseActivation => true;

        public override void Refresh()
        {
            // W'[o, (u·k + v)·C_in + c] = W[o, c, u, v]
            var w = _layer.Weight.Span;
            SnapshotBias(_layer.Bias);
            int k = _g.K, cin = _g.Cin;
            for (int o = 0; o < _g.Cout; o++)
                for (int c = 0; c < cin; c++)
                    for (int t = 0; t < k * k; t++)
                        _w[o * _g.Taps + t * cin + c] = w[(o * cin + c) * k * k + t];
            fixed (float* pw = _w) _packed.PackTransposed(pw, _g.Taps);
        }

        public override void Run(float* x, float* y, int n, in KernelContext ctx)
        {
            long pixels = (long)n * _g.HO * _g.WO;
            fixed (float* bias = Bias)
                for (long q0 = 0; q0 < pixels; q0 += _blockRows)
                {
                    int m = (int)Math.Min(_blockRows, pixels - q0);
                    Im2Row(x, _g, q0, m, ctx.Scratch);
                    ctx.Gemm.RunPrepacked(ctx.Buffers, m, ctx.Scratch, _g.Taps, _packed, y + q0 * _g.Cout, _g.Cout,
                        bias, TileActivations.For(Act));
                }
        }

        /// <summary>row[q − q0, (u·k + v)·C_in + c] = x[s, i·S − PT + u·D, j·S − PL + v·D, c] for output pixels q = (s, i, j) in [q0, q0 + m).</summary>
        private static void Im2Row(float* x, in Window g, long q0, int m, float* rows)
        {
            int grid = g.HO * g.WO, cin = g.Cin, k = g.K, taps = g.Taps;
            for (int r = 0; r < m; r++)
            {
                long q = q0 + r;
                int s = (int)(q / grid), p = (int)(q % grid), i = p / g.WO, j = p % g.WO;
                float* row = rows + (nint)r * taps;
                float* img = x + (nint)s * g.H * g.W * cin;
                int x0 = j * g.S - g.PL;
                bool inside = x0 >= 0 && x0 + (k - 1) * g.D < g.W;
                for (int u = 0; u < k; u++)
                {
                    int yy = i * g.S - g.PT + u * g.D;
                    float* dst = row + u * k * cin;
                    if ((uint)yy >= (uint)g.H) { new Span<float>(dst, k * cin).Clear(); continue; }
                    float* src = img + ((nint)yy * g.W) * cin;
                    if (inside && g.D == 1)
                    {
                        Buffer.MemoryCopy(src + (nint)x0 * cin, dst, k * cin * 4L, k * cin * 4L);
                        continue;
                    }
                    for (int v = 0; v < k; v++)
                    {
                        int xx = x0 + v * g.D;
                        if ((uint)xx >= (uint)g.W) new Span<float>(dst + v * cin, cin).Clear();
                        else Buffer.MemoryCopy(src + (nint)xx * cin, dst + v * cin, cin * 4L, cin * 4L);
                    }
                }
            }
        }
    }

    /// <summary>
    /// Conv2d on NHWC maps computed directly: each output pixel's C_out values are accumulated in Vector512 registers (up to 64 at a
    /// time) from the broadcast input values of its window, then bias and activation. For a small reduction C_in·k², where im2row +
    /// GEMM spends more on the rows and the edge tiles than on arithmetic.
    /// </summary>
    private sealed class ConvDirectStep(Conv2d layer, Window g) : Step
    {
        private readonly float[] _w = new float[g.Taps * g.Cout];   // (u, v, c) × C_out

        public static bool Applies(in Window g) =>
            Vector512.IsHardwareAccelerated && g.Cout % 16 == 0 && g.Taps <= DirectConvMaxK;

        public override string Name => $"conv {g.Cin}→{g.Cout} {g.H}×{g.W} k{g.K} s{g.S}: direct{(Act != Activation.Identity ? " + " + Act : "")}";
        public override int InSize => g.Cin * g.H * g.W;
        public override int OutSize => g.Cout * g.HO * g.WO;
        public override long MacsPerSample => (long)g.Taps * g.Cout * g.HO * g.WO;
        public override bool CanFuseActivation => true;

        public override void Refresh()
        {
            var w = layer.Weight.Span;
            SnapshotBias(layer.Bias);
            int k = g.K, cin = g.Cin;
            for (int o = 0; o < g.Cout; o++)
                for (int c = 0; c < cin; c++)
                    for (int t = 0; t < k * k; t++)
                        _w[(t * cin + c) * g.Cout + o] = w[(o * cin + c) * k * k + t];
        }

        public override void Run(float* x, float* y, int n, in KernelContext ctx)
        {
            int cout = g.Cout, cin = g.Cin, k = g.K, inSize = InSize, outSize = OutSize;
            fixed (float* wt = _w)
            fixed (float* bias = Bias)
            {
                for (int s = 0; s < n; s++)
                {
                    float* img = x + (nint)s * inSize;
                    float* outS = y + (nint)s * outSize;
                    for (int o0 = 0; o0 < cout; o0 += 16)
                    {
                        var b0 = bias != null ? Vector512.Load(bias + o0) : Vector512<float>.Zero;
                        for (int i = 0; i < g.HO; i++)
                        {
                            int u0 = 0, u1 = k;   // the kernel rows inside the image for output row i
                            while (u0 < k && (uint)(i * g.S - g.PT + u0 * g.D) >= (uint)g.H) u0++;
                            while (u1 > u0 && (uint)(i * g.S - g.PT + (u1 - 1) * g.D) >= (uint)g.H) u1--;
                            float* orow = outS + (nint)i * g.WO * cout + o0;
                            int j = 0;
                            for (; j < g.WO; j++)
                            {
                                // four pixels at once (four independent accumulators sharing each weight load) where their windows
                                // are inside the image horizontally; one at a time with checks elsewhere
                                int x0 = j * g.S - g.PL;
                                if (j + 4 <= g.WO && x0 >= 0 && x0 + 3 * g.S + (k - 1) * g.D < g.W)
                                {
                                    Vector512<float> a0 = b0, a1 = b0, a2 = b0, a3 = b0;
                                    int step = g.S * cin;
                                    for (int u = u0; u < u1; u++)
                                    {
                                        float* prow = img + ((nint)(i * g.S - g.PT + u * g.D) * g.W + x0) * cin;
                                        float* pw = wt + (nint)u * k * cin * cout + o0;
                                        for (int v = 0; v < k; v++)
                                        {
                                            float* px = prow + (nint)v * g.D * cin;
                                            for (int c = 0; c < cin; c++, pw += cout)
                                            {
                                                var wv = Vector512.Load(pw);
                                                a0 = Vector512.FusedMultiplyAdd(Vector512.Create(px[c]), wv, a0);
                                                a1 = Vector512.FusedMultiplyAdd(Vector512.Create(px[c + step]), wv, a1);
                                                a2 = Vector512.FusedMultiplyAdd(Vector512.Create(px[c + 2 * step]), wv, a2);
                                                a3 = Vector512.FusedMultiplyAdd(Vector512.Create(px[c + 3 * step]), wv, a3);
                                            }
                                        }
                                    }
                                    float* o = orow + (nint)j * cout;
                                    Vector512.Store(a0, o);
                                    Vector512.Store(a1, o + cout);
                                    Vector512.Store(a2, o + 2 * cout);
                                    Vector512.Store(a3, o + 3 * cout);
                                    j += 3;
                                    continue;
                                }
                                var a = b0;
                                for (int u = u0; u < u1; u++)
                                {
                                    float* prow = img + (nint)(i * g.S - g.PT + u * g.D) * g.W * cin;
                                    for (int v = 0; v < k; v++)
                                    {
                                        int xx = x0 + v * g.D;
                                        if ((uint)xx >= (uint)g.W) continue;
                                        float* px = prow + (nint)xx * cin;
                                        float* pw = wt + (nint)(u * k + v) * cin * cout + o0;
                                        for (int c = 0; c < cin; c++, pw += cout)
                                            a = Vector512.FusedMultiplyAdd(Vector512.Create(px[c]), Vector512.Load(pw), a);
                                    }
                                }
                                Vector512.Store(a, orow + (nint)j * cout);
                            }
                        }
                    }
                    if (Act != Activation.Identity) BiasAct(outS, g.HO * g.WO, cout, null);
                }
            }
        }
    }

    /// <summary>The geometry of a transposed convolution: input grid (H, W) of C_in, output (HO, WO) of C_out, y = i·S − P + u·D.</summary>
    private readonly record struct TWindow(int Cin, int H, int W, int Cout, int K, int S, int P, int D, int HO, int WO)
    {
        public int Cols => K * K * Cout;
    }

    /// <summary>ConvTranspose2d on NHWC maps: col = x·W (rows of k·k·C_out per input pixel) by the packed GEMM, scatter-added
    /// into the zeroed output (col2im), then bias and activation in one pass.</summary>
    private sealed class TransposedGemmStep : Step
    {
        private readonly ConvTranspose2d _layer;
        private readonly TWindow _g;
        private readonly PackedMatrix _packed;
        private readonly float[] _w;
        private readonly int _blockRows;

        public TransposedGemmStep(ManagedGemm gemm, ConvTranspose2d layer, TWindow g)
        {
            _layer = layer;
            _g = g;
            _packed = new PackedMatrix(gemm, g.Cin, g.Cols);
            _w = new float[g.Cols * g.Cin];
            _blockRows = (int)Math.Clamp(CacheInfo.L2Bytes / 4 / (sizeof(float) * (long)g.Cols), gemm.Mr, 4096);
        }

        public override string Name => $"conv_transpose {_g.Cin}→{_g.Cout} {_g.H}×{_g.W} k{_g.K} s{_g.S}: GEMM + col2im{(Act != Activation.Identity ? " + " + Act : "")}";
        public override int InSize => _g.Cin * _g.H * _g.W;
        public override int OutSize => _g.Cout * _g.HO * _g.WO;
        public override int ScratchFloats => _blockRows * _g.Cols;
        public override long MacsPerSample => (long)_g.Cin * _g.Cols * _g.H * _g.W;
        public override bool CanFuseActivation => true;

        public override void Refresh()
        {
            // Wt[(u·k + v)·C_out + o, c] = W[c, o, u, v]  (B = Wtᵀ is C_in × k²·C_out)
            var w = _layer.Weight.Span;
            SnapshotBias(_layer.Bias);
            int k = _g.K, cout = _g.Cout, cin = _g.Cin;
            for (int c = 0; c < cin; c++)
                for (int o = 0; o < cout; o++)
                    for (int t = 0; t < k * k; t++)
                        _w[(t * cout + o) * cin + c] = w[(c * cout + o) * k * k + t];
            fixed (float* pw = _w) _packed.PackTransposed(pw, cin);
        }

        public override void Run(float* x, float* y, int n, in KernelContext ctx)
        {
            new Span<float>(y, n * OutSize).Clear();
            long pixels = (long)n * _g.H * _g.W;
            for (long q0 = 0; q0 < pixels; q0 += _blockRows)
            {
                int m = (int)Math.Min(_blockRows, pixels - q0);
                ctx.Gemm.RunPrepacked(ctx.Buffers, m, x + q0 * _g.Cin, _g.Cin, _packed, ctx.Scratch, _g.Cols, null, null);
                Scatter(ctx.Scratch, _g, q0, m, y);
            }
            fixed (float* bias = Bias)
                BiasAct(y, n * _g.HO * _g.WO, _g.Cout, bias);
        }

        private static void Scatter(float* col, in TWindow g, long q0, int m, float* y)
        {
            int grid = g.H * g.W, k = g.K, cout = g.Cout;
            bool vec = Vector512.IsHardwareAccelerated && cout % 16 == 0;
            for (int r = 0; r < m; r++)
            {
                long q = q0 + r;
                int s = (int)(q / grid), p = (int)(q % grid), i = p / g.W, j = p % g.W;
                float* crow = col + (nint)r * g.Cols;
                float* img = y + (nint)s * g.HO * g.WO * cout;
                for (int u = 0; u < k; u++)
                {
                    int yy = i * g.S - g.P + u * g.D;
                    if ((uint)yy >= (uint)g.HO) continue;
                    for (int v = 0; v < k; v++)
                    {
                        int xx = j * g.S - g.P + v * g.D;
                        if ((uint)xx >= (uint)g.WO) continue;
                        float* dst = img + ((nint)yy * g.WO + xx) * cout, src = crow + (u * k + v) * cout;
                        if (vec) for (int o = 0; o < cout; o += 16) Vector512.Store(Vector512.Load(dst + o) + Vector512.Load(src + o), dst + o);
                        else for (int o = 0; o < cout; o++) dst[o] += src[o];
                    }
                }
            }
        }
    }

    /// <summary>
    /// ConvTranspose2d to few channels computed directly, per sample: the input is transposed to channel planes, each tap's
    /// contribution plane D[(u, v), o] = Σ_c W[c, o, u, v]·x[c] is computed with Vector512 over the pixels (eight taps' accumulators
    /// in registers), and the output, started at the bias, gets each plane added at y = i·S − P + u·D, x = j·S − P + v·D (col2im
    /// from the planes, the valid ranges precomputed per tap). No col buffer over the batch.
    /// </summary>
    private sealed class TransposedDirectStep : Step
    {
        private readonly ConvTranspose2d _layer;
        private readonly TWindow _g;
        private readonly int _planeStride;   // H·W rounded up to 16
        private readonly float[] _w;          // C_in × (k²·C_out): _w[c·T + (u·k + v)·C_out + o] = W[c, o, u, v]
        // For tap u: the input rows [i0, i1) whose target row i·S − P + u·D is inside the output (_rowRange[2u], _rowRange[2u + 1]);
        // columns alike.
        private readonly int[] _rowRange, _colRange;

        public TransposedDirectStep(ConvTranspose2d layer, TWindow g)
        {
            _layer = layer;
            _g = g;
            _planeStride = (g.H * g.W + 15) / 16 * 16;
            _w = new float[g.Cin * g.Cols];
            _rowRange = Ranges(g.HO, g.H, g);
            _colRange = Ranges(g.WO, g.W, g);
        }

        /// <summary>For each tap u: the inputs [i0, i1) of <paramref name="inSize"/> with 0 ≤ i·S − P + u·D &lt; outSize.</summary>
        private static int[] Ranges(int outSize, int inSize, in TWindow g)
        {
            var r = new int[2 * g.K];
            for (int u = 0; u < g.K; u++)
            {
                int i0 = 0, i1 = inSize;
                while (i0 < inSize && i0 * g.S - g.P + u * g.D < 0) i0++;
                while (i1 > i0 && (i1 - 1) * g.S - g.P + u * g.D >= outSize) i1--;
                (r[2 * u], r[2 * u + 1]) = (i0, i1);
            }
            return r;
        }

        public static bool Applies(in TWindow g) => Vector512.IsHardwareAccelerated && g.Cout <= DirectTransposedMaxCout;

        public override string Name => $"conv_transpose {_g.Cin}→{_g.Cout} {_g.H}×{_g.W} k{_g.K} s{_g.S}: direct{(Act != Activation.Identity ? " + " + Act : "")}";
        public override int InSize => _g.Cin * _g.H * _g.W;
        public override int OutSize => _g.Cout * _g.HO * _g.WO;
        public override int ScratchFloats => (_g.Cin + _g.Cols) * _planeStride;
        public override long MacsPerSample => (long)_g.Cin * _g.Cols * _g.H * _g.W;
        public override bool CanFuseActivation => true;

        public override void Refresh()
        {
            var w = _layer.Weight.Span;
            SnapshotBias(_layer.Bias);
            int k = _g.K, cout = _g.Cout, cin = _g.Cin, cols = _g.Cols;
            for (int c = 0; c < cin; c++)
                for (int o = 0; o < cout; o++)
                    for (int t = 0; t < k * k; t++)
                        _w[c * cols + t * cout + o] = w[(c * cout + o) * k * k + t];
        }

        public override void Run(float* x, float* y, int n, in KernelContext ctx)
        {
            int cin = _g.Cin, cout = _g.Cout, k = _g.K, cols = _g.Cols, hw = _g.H * _g.W, ps = _planeStride, inSize = InSize, outSize = OutSize;
            float* xt = ctx.Scratch, planes = ctx.Scratch + (nint)cin * ps;
            fixed (float* wt = _w)
            fixed (float* bias = Bias)
            {
                for (int s = 0; s < n; s++)
                {
                    float* img = x + (nint)s * inSize;
                    float* outS = y + (nint)s * outSize;
                    // channel planes, zero-padded to a multiple of 16 pixels
                    for (int c = 0; c < cin; c++)
                    {
                        float* plane = xt + (nint)c * ps;
                        for (int p = 0; p < hw; p++) plane[p] = img[(nint)p * cin + c];
                        for (int p = hw; p < ps; p++) plane[p] = 0f;
                    }
                    // D[q] = Σ_c w[c, q]·x[c], q = (u·k + v)·C_out + o, eight planes at a time
                    for (int q0 = 0; q0 < cols; q0 += 8)
                    {
                        int qn = Math.Min(8, cols - q0);
                        for (int p = 0; p < ps; p += 16)
                        {
                            Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
                            float* wc = wt + q0;
                            for (int c = 0; c < cin; c++, wc += cols)
                            {
                                var xv = Vector512.Load(xt + (nint)c * ps + p);
                                a0 = Vector512.FusedMultiplyAdd(Vector512.Create(wc[0]), xv, a0);
                                if (qn > 1) a1 = Vector512.FusedMultiplyAdd(Vector512.Create(wc[1]), xv, a1);
                                if (qn > 2) a2 = Vector512.FusedMultiplyAdd(Vector512.Create(wc[2]), xv, a2);
                                if (qn > 3) a3 = Vector512.FusedMultiplyAdd(Vector512.Create(wc[3]), xv, a3);
                                if (qn > 4) a4 = Vector512.FusedMultiplyAdd(Vector512.Create(wc[4]), xv, a4);
                                if (qn > 5) a5 = Vector512.FusedMultiplyAdd(Vector512.Create(wc[5]), xv, a5);
                                if (qn > 6) a6 = Vector512.FusedMultiplyAdd(Vector512.Create(wc[6]), xv, a6);
                                if (qn > 7) a7 = Vector512.FusedMultiplyAdd(Vector512.Create(wc[7]), xv, a7);
                            }
                            float* d = planes + (nint)q0 * ps + p;
                            Vector512.Store(a0, d);
                            if (qn > 1) Vector512.Store(a1, d + ps);
                            if (qn > 2) Vector512.Store(a2, d + 2 * ps);
                            if (qn > 3) Vector512.Store(a3, d + 3 * ps);
                            if (qn > 4) Vector512.Store(a4, d + 4 * ps);
                            if (qn > 5) Vector512.Store(a5, d + 5 * ps);
                            if (qn > 6) Vector512.Store(a6, d + 6 * ps);
                            if (qn > 7) Vector512.Store(a7, d + 7 * ps);
                        }
                    }
                    // col2im from the planes: the output starts at the bias, then each tap (u, v) adds its plane at y = i·S − P + u·D,
                    // x = j·S − P + v·D over the input positions whose target is inside (ranges precomputed per tap)
                    for (int p = 0; p < _g.HO * _g.WO; p++)
                        for (int oc = 0; oc < cout; oc++) outS[(nint)p * cout + oc] = bias != null ? bias[oc] : 0f;
                    int xStep = _g.S * cout;
                    for (int u = 0; u < k; u++)
                        for (int v = 0; v < k; v++)
                        {
                            int i0 = _rowRange[2 * u], i1 = _rowRange[2 * u + 1], j0 = _colRange[2 * v], j1 = _colRange[2 * v + 1];
                            for (int oc = 0; oc < cout; oc++)
                            {
                                float* plane = planes + (nint)((u * k + v) * cout + oc) * ps;
                                for (int i = i0; i < i1; i++)
                                {
                                    float* src = plane + (nint)i * _g.W;
                                    float* dst = outS + ((nint)(i * _g.S - _g.P + u * _g.D) * _g.WO + (j0 * _g.S - _g.P + v * _g.D)) * cout + oc;
                                    for (int j = j0; j < j1; j++, dst += xStep) *dst += src[j];
                                }
                            }
                        }
                    if (Act != Activation.Identity) BiasAct(outS, _g.HO * _g.WO, cout, null);
                }
            }
        }
    }

    /// <summary>Compiles layers into steps, tracking the layout of the current sample: NCHW (or a flat row) or NHWC.</summary>
    private sealed class Builder(ManagedGemm gemm, int c, int h, int w, bool channelsLast = false)
    {
        public List<Step> Steps { get; } = [];
        private bool _nhwc = channelsLast;
        private int _c = c, _h = h, _w = w;   // the map's shape while an image
        private int _flat = -1;               // the row width while flat (−1: an image)
        private int[]? _flatPerm;             // a flat row holding an NHWC map: position k holds NCHW feature _flatPerm[k]
        private bool _fusable;                // the last step's output is still unread, so an activation can join it

        private int Size => _flat >= 0 ? _flat : _c * _h * _w;

        public bool Add(IReadOnlyList<Module> layers)
        {
            foreach (var m in layers)
                if (!Add(m)) return false;
            return true;
        }

        private bool Add(Module m)
        {
            switch (m)
            {
                case Dropout: return true;
                case ActivationLayer a:
                    if (!TileActivations.Supports(a.Kind)) return false;
                    if (a.Kind == Activation.Identity) return true;
                    if (_fusable && Steps[^1].CanFuseActivation && Steps[^1].Act == Activation.Identity) Steps[^1].Act = a.Kind;
                    else Push(new ActivationStep(Size, a.Kind), fusable: false);
                    return true;
                case Conv2d conv: return AddConv(conv);
                case ConvTranspose2d t: return AddTransposed(t);
                case PadToMultiple pad:
                    if (!Image()) return false;
                    if (pad.Padded(_h) != _h || pad.Padded(_w) != _w)
                    {
                        Push(new Resize(_c, _h, _w, pad.Padded(_h), pad.Padded(_w)), fusable: false);
                        (_h, _w) = (pad.Padded(_h), pad.Padded(_w));
                    }
                    return true;
                case CropTo crop:
                    if (!Image() || crop.Height > _h || crop.Width > _w) return false;
                    if (crop.Height != _h || crop.Width != _w)
                    {
                        Push(new Resize(_c, _h, _w, crop.Height, crop.Width), fusable: false);
                        (_h, _w) = (crop.Height, crop.Width);
                    }
                    return true;
                case Flatten f:
                    if (f.StartDim != 1 || _flat >= 0) return false;
                    _flatPerm = _nhwc && _c > 1 ? NhwcOrder(_c, _h, _w) : null;
                    _flat = _c * _h * _w;
                    _nhwc = false;
                    _fusable = false;
                    return true;
                case Unflatten u:
                    if (u.Dim != 1 || u.Sizes.Count != 3 || _flat < 0 || u.Sizes[0] * u.Sizes[1] * u.Sizes[2] != _flat) return false;
                    if (!Materialize()) return false;
                    (_c, _h, _w) = (u.Sizes[0], u.Sizes[1], u.Sizes[2]);
                    _flat = -1;
                    if (Steps.Count > 0 && Steps[^1] is LinearStep last && last.OutPerm == null && _c > 1 && LastWritesCurrent)
                    {
                        last.OutPerm = NhwcOrder(_c, _h, _w);   // the Linear writes the map NHWC directly
                        _nhwc = true;
                    }
                    else _nhwc = _c == 1;
                    return true;
                case Linear lin:
                    if (_flat != lin.InFeatures) return false;
                    Push(new LinearStep(gemm, lin, _flatPerm, null), fusable: true);
                    _flatPerm = null;
                    _flat = lin.OutFeatures;
                    _lastWritesCurrent = true;
                    return true;
                default: return false;
            }
        }

        private bool _lastWritesCurrent;
        private bool LastWritesCurrent => _lastWritesCurrent;

        private void Push(Step s, bool fusable)
        {
            Steps.Add(s);
            _fusable = fusable;
            _lastWritesCurrent = false;
        }

        /// <summary>Makes the current sample an NHWC image.</summary>
        private bool Image()
        {
            if (_flat >= 0) return false;
            if (!_nhwc)
            {
                if (_c > 1) Push(new Transpose(_c, _h, _w, toNhwc: true), fusable: false);
                _nhwc = true;
            }
            return true;
        }

        /// <summary>Makes a flat row that holds an NHWC map hold it in NCHW order (the layers' order).</summary>
        private bool Materialize()
        {
            if (_flatPerm == null) return true;
            // the map's shape is still (_c, _h, _w): Flatten kept it
            Push(new Transpose(_c, _h, _w, toNhwc: false), fusable: false);
            _flatPerm = null;
            return true;
        }

        private bool AddConv(Conv2d conv)
        {
            if (conv.Groups != 1 || conv.InChannels != _c || !Image()) return false;
            int k = conv.KernelSize, d = conv.Dilation, s = conv.Stride;
            int pt, pb, pl, pr;
            if (conv.PaddingMode == ConvPadding.Same) { int tot = d * (k - 1); pt = pl = tot / 2; pb = pr = tot - tot / 2; }
            else if (conv.PaddingMode == ConvPadding.Zeros) pt = pb = pl = pr = conv.Padding;
            else return false;
            int ho = (_h + pt + pb - d * (k - 1) - 1) / s + 1, wo = (_w + pl + pr - d * (k - 1) - 1) / s + 1;
            if (_h + pt + pb - d * (k - 1) - 1 < 0 || _w + pl + pr - d * (k - 1) - 1 < 0) return false;
            var g = new Window(_c, _h, _w, conv.OutChannels, k, s, pt, pl, d, ho, wo);
            Push(ConvDirectStep.Applies(g) ? new ConvDirectStep(conv, g) : new ConvGemmStep(gemm, conv, g), fusable: true);
            (_c, _h, _w) = (conv.OutChannels, ho, wo);
            return true;
        }

        private bool AddTransposed(ConvTranspose2d t)
        {
            if (t.Groups != 1 || t.InChannels != _c || !Image()) return false;
            int k = t.KernelSize, d = t.Dilation, s = t.Stride, p = t.Padding;
            int ho = (_h - 1) * s - 2 * p + d * (k - 1) + t.OutputPadding + 1, wo = (_w - 1) * s - 2 * p + d * (k - 1) + t.OutputPadding + 1;
            if (ho < 1 || wo < 1) return false;
            var g = new TWindow(_c, _h, _w, t.OutChannels, k, s, p, d, ho, wo);
            Push(TransposedDirectStep.Applies(g) ? new TransposedDirectStep(t, g) : new TransposedGemmStep(gemm, t, g), fusable: true);
            (_c, _h, _w) = (t.OutChannels, ho, wo);
            return true;
        }

        /// <summary>Ends the encoder: the code must be a flat row in the layers' order.</summary>
        public bool EndFlat()
        {
            if (_flat < 0) return false;
            if (!Materialize()) return false;
            _fusable = _lastWritesCurrent = false;   // the code's layout is fixed: no decoder layer may change how it is written
            return true;
        }

        /// <summary>Ends the decoder: the logits must be an NCHW image.</summary>
        public bool EndImage()
        {
            if (_flat >= 0) return false;
            if (_nhwc && _c > 1) Push(new Transpose(_c, _h, _w, toNhwc: false), fusable: false);
            _nhwc = false;
            return true;
        }

        /// <summary>perm[(y·w + x)·c + ch] = (ch·h + y)·w + x: the NCHW index of each NHWC position.</summary>
        private static int[] NhwcOrder(int c, int h, int w)
        {
            var perm = new int[c * h * w];
            for (int ch = 0; ch < c; ch++)
                for (int y = 0; y < h; y++)
                    for (int x = 0; x < w; x++) perm[(y * w + x) * c + ch] = (ch * h + y) * w + x;
            return perm;
        }
    }
}
