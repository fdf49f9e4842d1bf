using Bottleneck.Autograd;
using Bottleneck.Kernels;
using Bottleneck.Tensors;

namespace Bottleneck.Models;

/// <summary>
/// A fused inference path that a model can run on its live weights: encoder parts first, then decoder parts, each range
/// repackable from the live tensors (<see cref="Refresh(int, int)"/>).
/// </summary>
internal interface ILiveInferencePath : IFastInference
{
    /// <summary>The GEMM provider the prepared weights were made for, or null for a path that prepares none.</summary>
    IGemmProvider? Provider { get; }

    /// <summary>Parts (layers or kernel steps) of the encoder; the decoder's follow.</summary>
    int EncoderParts { get; }

    /// <summary>All parts.</summary>
    int Parts { get; }

    /// <summary>Re-reads the weights of parts [<paramref name="first"/>, <paramref name="end"/>) from the live tensors.</summary>
    void Refresh(int first, int end);

    /// <summary>Decoder logits for <paramref name="n"/> codes of <paramref name="z"/> (n × latentDim) into <paramref name="logits"/> (n × D).</summary>
    void DecoderLogits(ReadOnlySpan<float> z, int n, Span<float> logits);
}

/// <summary>
/// The fused inference path a model keeps for <c>Encode</c> and <c>DecodeLogits</c> in eval mode under
/// <see cref="GradMode.NoGrad"/> (the <c>encode</c>, <c>reconstruct</c> and <c>detect</c> commands, evaluators, C# callers).
/// Created on first use and again when the process-wide GEMM provider changes; a model whose layers the path does not
/// support is not asked again under the same provider. One caller at a time uses it (its buffers are shared): a concurrent
/// caller, training mode or autograd take the layers.
/// </summary>
/// <typeparam name="TPath">The kind's path.</typeparam>
/// <param name="create">Builds the path for the current provider, or returns null when the model's layers do not allow one.</param>
internal sealed class LiveInference<TPath>(Func<TPath?> create) where TPath : class, ILiveInferencePath
{
    private TPath? _path;
    private bool _failed;
    private IGemmProvider? _failedFor;

    /// <summary>Held while the cached path runs; others that run a cached path of the same model take it too.</summary>
    public object Gate { get; } = new();

    /// <summary>The cached path when it applies now (not <paramref name="training"/>, no autograd, supported layers), else null.
    /// Call with <see cref="Gate"/> held.</summary>
    public TPath? Current(bool training)
    {
        if (training || GradMode.IsEnabled) return null;
        var provider = Gemm.Provider;
        if (_path != null && ReferenceEquals(_path.Provider, provider as ManagedGemm)) return _path;
        if (_failed && ReferenceEquals(_failedFor, provider)) return null;
        _path = create();
        _failed = _path is null;
        _failedFor = provider;
        return _path;
    }

    /// <summary>Codes (N, latentDim) of <paramref name="x"/> through the path on the live encoder weights, or
    /// <paramref name="layers"/>(x) when the path does not apply now.</summary>
    /// <param name="model">The model (its mode, input check and latent width).</param>
    /// <param name="x">Samples of the model's input shape.</param>
    /// <param name="layers">The layer path (the base class's Encode).</param>
    /// <exception cref="ShapeException">The input does not have the model's sample shape.</exception>
    public Tensor Encode(AutoencoderModel model, Tensor x, Func<Tensor, Tensor> layers) =>
        Run(model, x, layers, encoder: true, decoder: false, [model.LatentDim], static (p, i, n, o) => p.Codes(i, n, o));

    /// <summary>Logits of the reconstruction (N, sample shape) of <paramref name="x"/> in one call of the path on all live weights
    /// (<see cref="IFastInference.Logits"/>: the code stays in the path's buffers), or <paramref name="layers"/>(x) when the path does not
    /// apply now.</summary>
    /// <param name="model">The model (its mode, input check and input shape).</param>
    /// <param name="x">Samples of the model's input shape.</param>
    /// <param name="layers">The layer path (the base class's ReconstructLogits).</param>
    /// <exception cref="ShapeException">The input does not have the model's sample shape.</exception>
    public Tensor ReconstructLogits(AutoencoderModel model, Tensor x, Func<Tensor, Tensor> layers) =>
        Run(model, x, layers, encoder: true, decoder: true, model.InputShape, static (p, i, n, o) => p.Logits(i, n, o));

    /// <summary>Decoder logits (N, sample shape) of codes <paramref name="z"/> through the path on the live decoder weights, or
    /// <paramref name="layers"/>(z) when the path does not apply now.</summary>
    /// <param name="model">The model (its mode, latent width and input shape).</param>
    /// <param name="z">Codes (N, latentDim).</param>
    /// <param name="layers">The layer path (the base class's DecodeLogits).</param>
    /// <exception cref="ShapeException">The codes are not (N, latentDim).</exception>
    public Tensor DecodeLogits(AutoencoderModel model, Tensor z, Func<Tensor, Tensor> layers) =>
        Run(model, z, layers, encoder: false, decoder: true, model.InputShape, static (p, i, n, o) => p.DecoderLogits(i, n, o));

    private delegate void PathCall(TPath path, ReadOnlySpan<float> input, int n, Span<float> output);

    /// <summary>The skeleton of the three calls: the layers when the path does not apply now (or another caller holds it); else
    /// check the input (samples of the model's shape when the call starts at the encoder, else (N, latentDim) codes), re-read the weights of the parts the call runs (encoder, decoder or both) and run the path into a new
    /// (N, <paramref name="sampleShape"/>) tensor.</summary>
    private Tensor Run(AutoencoderModel model, Tensor input, Func<Tensor, Tensor> layers, bool encoder, bool decoder,
        int[] sampleShape, PathCall call)
    {
        if (!Monitor.TryEnter(Gate)) return layers(input);
        try
        {
            if (Current(model.Training) is not { } fast) return layers(input);
            if (encoder) model.CheckInput(input);
            else if (input.Rank != 2 || input.Dim(1) != model.LatentDim)
                throw new ShapeException($"codes {input.ShapeString} are not (N, {model.LatentDim})");
            int n = input.Dim(0);
            fast.Refresh(encoder ? 0 : fast.EncoderParts, decoder ? fast.Parts : fast.EncoderParts);
            var output = Tensor.Empty([n, .. sampleShape]);
            call(fast, input.Span, n, output.Span);
            return output;
        }
        finally { Monitor.Exit(Gate); }
    }
}
