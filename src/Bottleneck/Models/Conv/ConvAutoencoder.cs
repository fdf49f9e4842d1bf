using Bottleneck.Autograd;
using Bottleneck.NN;
using Bottleneck.Tensors;

namespace Bottleneck.Models.Conv;

/// <summary>
/// The convolutional autoencoder: the composed <see cref="Autoencoder"/> with <see cref="ConvParts"/> (deterministic code, the
/// config's likelihood and corruption). State-dict entries <c>encoder.0.weight</c>, <c>encoder.0.bias</c>, … as PyTorch's
/// <c>nn.Sequential</c>. A spatial-code model also reconstructs images of any size (<see cref="ReconstructImages"/>).
/// </summary>
public sealed partial class ConvAutoencoder : Autoencoder
{
    /// <summary>Builds the model with PyTorch's default initialisation.</summary>
    /// <param name="config">The configuration.</param>
    /// <param name="rng">Generator for the initial weights.</param>
    public ConvAutoencoder(ConvConfig config, Rng rng) : this(config, ConvParts.Build(config, rng)) { }

    private ConvAutoencoder(ConvConfig config, (Sequential Encoder, Sequential Decoder) parts)
        : base(config, new AutoencoderParts(parts.Encoder, new DeterministicLatent(), parts.Decoder, Corruption: config.Corruption, Augment: config.Augment, Residual: config.Residual))
    {
        Conv = config;
        EncoderLayers = parts.Encoder;
        DecoderLayers = parts.Decoder;
    }

    /// <summary>The configuration.</summary>
    public ConvConfig Conv { get; }

    private Sequential EncoderLayers { get; }
    private Sequential DecoderLayers { get; }

    private LiveInference<ConvInference>? _live;

    /// <summary>The fused path kept for no-grad calls in eval mode (created on first use; one per model, also under a race).</summary>
    private LiveInference<ConvInference> Live => LazyInitializer.EnsureInitialized(ref _live,
        () => new(() => ConvInference.TryCreate(EncoderLayers, DecoderLayers, Conv.InputShape, Conv.Residual)));

    /// <inheritdoc/>
    /// <remarks>For a residual model the path's logits include the skip connection, x + decoder(encoder(x)), as
    /// <see cref="ReconstructLogits"/>.</remarks>
    public override IFastInference? CreateFastInference() => ConvInference.TryCreate(EncoderLayers, DecoderLayers, Conv.InputShape, Conv.Residual);

    /// <summary>
    /// The logits of the reconstruction, decoder(encoder(x)) (plus x for a residual model), shape (N, C, H, W) → (N, C, H, W). In eval
    /// mode under <see cref="GradMode.NoGrad"/> one call of the fused path on the live weights (the code stays in the path's buffers and
    /// the skip is added in the same pass); otherwise the layers with autograd.
    /// </summary>
    /// <exception cref="ShapeException">The input does not have the model's sample shape.</exception>
    public override Tensor ReconstructLogits(Tensor x) => Live.ReconstructLogits(this, x, base.ReconstructLogits);

    /// <summary>
    /// Maps images (N, C, H, W) to codes (N, latentDim). In eval mode under <see cref="GradMode.NoGrad"/> (the <c>encode</c>,
    /// <c>reconstruct</c> and <c>detect</c> commands, evaluators, C# callers) it runs the fused channels-last inference path
    /// (<see cref="ConvInference"/>) on the live weights, repacked on each call; otherwise, or for layers that path does not
    /// support, the layers with autograd.
    /// </summary>
    /// <exception cref="ShapeException">The input does not have the model's sample shape.</exception>
    public override Tensor Encode(Tensor x) => Live.Encode(this, x, base.Encode);

    /// <summary>
    /// Maps codes (N, latentDim) to decoder logits (N, C, H, W); in eval mode under <see cref="GradMode.NoGrad"/> through the fused
    /// inference path on the live weights, else the layers with autograd.
    /// </summary>
    /// <exception cref="ShapeException">The codes are not (N, latentDim).</exception>
    public override Tensor DecodeLogits(Tensor z) => Live.DecodeLogits(this, z, base.DecodeLogits);

    private (int H, int W, ConvInference? Path)? _images;

    /// <summary>The fused path for whole images of H × W (the encoder without its Flatten, the decoder without its Unflatten, then a
    /// crop to H × W, and the skip for a residual model), cached for the last size, or null when the layers or the GEMM provider do not allow it.</summary>
    private ConvInference? ImagesPath(int h, int w)
    {
        if (_images is { } c && c.H == h && c.W == w && (c.Path is null || ReferenceEquals(c.Path.Provider, Kernels.Gemm.Provider))) return c.Path;
        var layers = new List<Module>();
        for (int i = 0; i < EncoderLayers.Layers.Count - 1; i++) layers.Add(EncoderLayers.Layers[i]);
        for (int i = 1; i < DecoderLayers.Layers.Count - 1; i++) layers.Add(DecoderLayers.Layers[i]);
        layers.Add(new CropTo(h, w));
        var path = ConvInference.TryCreateImages(layers, Conv.InChannels, h, w, Conv.Residual);
        _images = (h, w, path);
        return path;
    }

    /// <summary>
    /// Reconstructions x̂ (the likelihood's mean, eval mode, no autograd) of images of any size with the model's channel count:
    /// each is padded at the bottom and right to a multiple of the total stride S, passed through the fully convolutional encoder
    /// and decoder, and cropped back (and added to the image for a residual model), so a model trained on patches denoises whole photographs. Only for a spatial code. Runs the
    /// fused inference path (<see cref="ConvInference"/>, compiled for the last image size) when its layers allow, else the layers.
    /// Shape: (N, C, H, W) → (N, C, H, W) for any H, W ≥ 1.
    /// </summary>
    /// <param name="x">Images (N, C, H, W).</param>
    /// <exception cref="InvalidOperationException">The model has a dense code (its Linear layer fixes the image size).</exception>
    /// <exception cref="ShapeException">x is not 4-D or has another channel count.</exception>
    public Tensor ReconstructImages(Tensor x)
    {
        if (!Conv.Spatial)
            throw new InvalidOperationException($"a conv model with a dense code reconstructs {Conv.Height} × {Conv.Width} images only; train with a spatial code (latentChannels) for any size");
        if (x.Rank != 4 || x.Dim(1) != Conv.InChannels)
            throw new ShapeException($"input {x.ShapeString} must be images (N, {Conv.InChannels}, H, W)");
        bool wasTraining = Training;
        Eval();
        try
        {
            using var _ = GradMode.NoGrad();
            if (Monitor.TryEnter(Live.Gate))   // one caller at a time uses the cached path; a concurrent caller takes the layers
            {
                try
                {
                    if (ImagesPath(x.Dim(2), x.Dim(3)) is { } fast)
                    {
                        fast.Refresh();
                        var logits = Tensor.Empty(x.ShapeToArray());
                        fast.Logits(x.Span, x.Dim(0), logits.Span);   // x + decoder output for a residual model (the path adds it)
                        return LikelihoodHead.Mean(logits);
                    }
                }
                finally { Monitor.Exit(Live.Gate); }
            }
            var h = x;
            // skip the encoder's final Flatten and the decoder's Unflatten and CropTo: they fix the training size
            for (int i = 0; i < EncoderLayers.Layers.Count - 1; i++) h = EncoderLayers.Layers[i].Forward(h);
            for (int i = 1; i < DecoderLayers.Layers.Count - 1; i++) h = DecoderLayers.Layers[i].Forward(h);
            var cropped = CropTo.Crop(h, x.Dim(2), x.Dim(3));
            return LikelihoodHead.Mean(Conv.Residual ? x + cropped : cropped);
        }
        finally { Train(wasTraining); }
    }
}
