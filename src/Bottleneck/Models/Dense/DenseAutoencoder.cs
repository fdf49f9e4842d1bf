using Bottleneck.NN;
using Bottleneck.Tensors;

namespace Bottleneck.Models.Dense;

/// <summary>
/// Configuration of a dense (fully connected) autoencoder D → hidden… → latentDim → mirrored hidden… → D.
/// Under-complete (latentDim &lt; D), exactly complete and over-complete codes are all allowed.
/// </summary>
public sealed record DenseConfig : ModelConfig
{
    /// <summary>Creates and validates the configuration.</summary>
    /// <param name="inputDim">D, ≥ 1.</param>
    /// <param name="hidden">Encoder hidden widths, outermost first (each ≥ 1; may be empty for a shallow autoencoder). The decoder mirrors them.</param>
    /// <param name="latentDim">Code width, ≥ 1.</param>
    /// <param name="hiddenActivation">Activation after each hidden layer (default ReLU).</param>
    /// <param name="latentActivation">Activation of the code (default identity).</param>
    /// <param name="output">Output activation and reconstruction loss (default sigmoid + BCE).</param>
    /// <param name="tiedWeights">Decoder weights are the transposed encoder weights, Wᵈᵉᶜ_i = (Wᵉⁿᶜ_i)ᵀ (default false).</param>
    /// <param name="dropout">Dropout probability after each hidden activation, in [0, 1) (default 0).</param>
    /// <param name="batchNorm">BatchNorm1d before each hidden activation (default false).</param>
    /// <param name="l2">L2 weight penalty λ₂·Σ‖W‖²_F over weight matrices, added to the loss (default 0).</param>
    /// <param name="l1">L1 weight penalty λ₁·Σ|W| over weight matrices (default 0).</param>
    /// <param name="regularizer">Latent regularizer added to the loss: <see cref="SparsityKl"/>, <see cref="SparsityL1"/> or
    /// <see cref="Contractive"/>; null (default) for none.</param>
    /// <param name="corruption">Input corruption the <see cref="Training.Trainer"/> applies to every training batch (denoising
    /// autoencoder; the loss is scored against the clean batch); null (default) for none.</param>
    /// <param name="pretraining">Greedy layer-wise pretraining schedule (stacked autoencoder, run by
    /// <see cref="Training.StackedTrainer"/>); null (default) for none.</param>
    /// <exception cref="ArgumentOutOfRangeException">A width &lt; 1, dropout outside [0, 1), or a negative penalty.</exception>
    /// <exception cref="ArgumentException">The regularizer or pretraining does not fit the architecture (e.g. KL sparsity without a sigmoid code).</exception>
    public DenseConfig(int inputDim, int[] hidden, int latentDim, Activation hiddenActivation = Activation.Relu,
        Activation latentActivation = Activation.Identity, Reconstruction output = Reconstruction.SigmoidBce,
        bool tiedWeights = false, float dropout = 0f, bool batchNorm = false, float l2 = 0f, float l1 = 0f,
        LatentRegularizer? regularizer = null, Corruption? corruption = null, GreedyPretraining? pretraining = null)
    {
        InputDim = AtLeastOne(inputDim, nameof(inputDim));
        Hidden = (hidden ?? []).ToArray();
        for (int i = 0; i < Hidden.Length; i++) AtLeastOne(Hidden[i], $"hidden[{i}]");
        LatentDim = AtLeastOne(latentDim, nameof(latentDim));
        HiddenActivation = hiddenActivation;
        LatentActivation = latentActivation;
        Output = output;
        TiedWeights = tiedWeights;
        Dropout = dropout >= 0f && dropout < 1f ? dropout : throw new ArgumentOutOfRangeException(nameof(dropout), dropout, $"dropout must be in [0, 1), got {dropout}");
        BatchNorm = batchNorm;
        L2 = NonNegative(l2, nameof(l2));
        L1 = NonNegative(l1, nameof(l1));
        Regularizer = regularizer;
        Corruption = corruption;
        Pretraining = pretraining;
        regularizer?.Validate(this);
        if (pretraining != null && batchNorm)
            throw new ArgumentException("greedy layer-wise pretraining needs an encoder of Linear+activation layers: set batchNorm false");
    }

    /// <summary>
    /// The registered kind this configuration is, derived from its plug points (first match): a pretraining schedule →
    /// "stacked"; a KL or L1 sparsity regularizer → "sparse"; a contractive regularizer → "contractive"; a corruption →
    /// "denoising"; no hidden layers, identity code and linear-mse output → "linear"; otherwise "dense". All of them are
    /// built by <see cref="DenseAutoencoder"/>.
    /// </summary>
    public override string Kind =>
        Pretraining != null ? "stacked"
        : Regularizer is SparsityKl or SparsityL1 ? "sparse"
        : Regularizer is Contractive ? "contractive"
        : Corruption != null ? "denoising"
        : IsLinear ? "linear"
        : "dense";

    /// <summary>True for a linear autoencoder: no hidden layers, identity code, linear output with squared error.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsLinear => Hidden.Length == 0 && LatentActivation == Activation.Identity && Output == Reconstruction.LinearMse;
    /// <inheritdoc/>
    public override int InputDim { get; }
    /// <summary>Encoder hidden widths, outermost first.</summary>
    public int[] Hidden { get; }
    /// <inheritdoc/>
    public override int LatentDim { get; }
    /// <summary>Activation after each hidden layer.</summary>
    public Activation HiddenActivation { get; }
    /// <summary>Activation of the code.</summary>
    public Activation LatentActivation { get; }
    /// <inheritdoc/>
    public override Reconstruction Output { get; }
    /// <summary>Whether decoder weights are the transposed encoder weights.</summary>
    public bool TiedWeights { get; }
    /// <summary>Dropout probability after hidden activations.</summary>
    public float Dropout { get; }
    /// <summary>Whether BatchNorm1d precedes each hidden activation.</summary>
    public bool BatchNorm { get; }
    /// <summary>L2 weight-penalty weight λ₂.</summary>
    public float L2 { get; }
    /// <summary>L1 weight-penalty weight λ₁.</summary>
    public float L1 { get; }
    /// <summary>Latent regularizer, or null.</summary>
    public LatentRegularizer? Regularizer { get; }
    /// <summary>Training-time input corruption (denoising), or null.</summary>
    public Corruption? Corruption { get; }
    /// <summary>Greedy layer-wise pretraining schedule (stacked autoencoder), or null.</summary>
    public GreedyPretraining? Pretraining { get; }

    /// <summary>Layer widths of the encoder: D, hidden…, latentDim.</summary>
    public int[] EncoderWidths() => [InputDim, .. Hidden, LatentDim];

    /// <summary>Compression ratio D / latentDim.</summary>
    public double CompressionRatio => (double)InputDim / LatentDim;

    /// <inheritdoc/>
    public bool Equals(DenseConfig? other) => other is not null && ToString() == other.ToString();
    /// <inheritdoc/>
    public override int GetHashCode() => ToString().GetHashCode(StringComparison.Ordinal);
    /// <inheritdoc/>
    protected override bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append($"InputDim = {InputDim}, Hidden = [{string.Join(", ", Hidden)}], LatentDim = {LatentDim}, HiddenActivation = {HiddenActivation}, " +
                       $"LatentActivation = {LatentActivation}, Output = {Output}, TiedWeights = {TiedWeights}, Dropout = {Dropout}, BatchNorm = {BatchNorm}, L2 = {L2}, L1 = {L1}, " +
                       $"Regularizer = {Regularizer?.ToString() ?? "none"}, Corruption = {Corruption?.ToString() ?? "none"}, Pretraining = {Pretraining?.ToString() ?? "none"}");
        return true;
    }
}

/// <summary>
/// Dense autoencoder (Hinton &amp; Salakhutdinov, Science 2006, trained end to end): an MLP encoder to a latentDim code
/// and a mirrored MLP decoder. Shape: input (N, D) → code (N, latentDim) → reconstruction (N, D).
/// State-dict names: <c>encoder.{i}.weight</c>, <c>decoder.{i}.weight</c> (PyTorch nn.Sequential numbering).
/// </summary>
public sealed class DenseAutoencoder : AutoencoderModel
{
    /// <summary>The registry entry for this kind.</summary>
    public static readonly ModelKind Kind = new("dense",
        "Fully connected autoencoder: hidden widths, latent size, activations, tied weights, dropout, batch norm, L1/L2 weight penalties",
        typeof(DenseConfig), (c, rng) => new DenseAutoencoder((DenseConfig)c, rng),
        d => new DenseConfig(d, [Math.Max(2, d / 2)], Math.Max(1, d / 4)));

    /// <summary>Registry entry "sparse": a dense autoencoder with a <see cref="SparsityKl"/> or <see cref="SparsityL1"/> code penalty (Ng 2011).</summary>
    public static readonly ModelKind SparseKind = Variant("sparse",
        "Sparse autoencoder: dense model with a KL (target rho, sigmoid code) or L1 activity penalty on the code; over-complete codes allowed",
        d => new DenseConfig(d, [], Math.Max(2, d + 2), latentActivation: Activation.Sigmoid, regularizer: new SparsityKl(0.05f, 0.5f)));

    /// <summary>Registry entry "denoising": a dense autoencoder trained on corrupted inputs against clean targets (Vincent et al. 2008).</summary>
    public static readonly ModelKind DenoisingKind = Variant("denoising",
        "Denoising autoencoder: dense model trained on Gaussian, masking or salt-and-pepper corrupted inputs, scored against the clean input",
        d => new DenseConfig(d, [Math.Max(2, d / 2)], Math.Max(1, d / 4), corruption: new GaussianNoise(0.3f, 0f, 1f)));

    /// <summary>Registry entry "contractive": a dense autoencoder with the penalty λ‖∂h/∂x‖²_F (Rifai et al. 2011).</summary>
    public static readonly ModelKind ContractiveKind = Variant("contractive",
        "Contractive autoencoder: dense model with the squared Frobenius norm of the encoder Jacobian as penalty (exact or random-projection)",
        d => new DenseConfig(d, [], Math.Max(1, d / 2), latentActivation: Activation.Sigmoid, regularizer: new Contractive(0.1f)));

    /// <summary>Registry entry "stacked": a deep dense autoencoder with a greedy layer-wise pretraining schedule (Bengio et al. 2007).</summary>
    public static readonly ModelKind StackedKind = Variant("stacked",
        "Stacked autoencoder: greedy layer-wise pretraining of each layer as a shallow (optionally denoising) autoencoder, then end-to-end fine-tuning",
        d => new DenseConfig(d, [Math.Max(2, d / 2)], Math.Max(1, d / 4), hiddenActivation: Activation.Sigmoid, latentActivation: Activation.Sigmoid,
            pretraining: new GreedyPretraining(1, new MaskingNoise(0.2f))));

    /// <summary>Registry entry "linear": no hidden layers, identity code, linear output with squared error (spans the PCA subspace at its optimum).</summary>
    public static readonly ModelKind LinearKind = Variant("linear",
        "Linear autoencoder: one linear encoder and decoder layer with squared error; at its optimum it spans the top principal subspace",
        d => Linear(d, Math.Max(1, d / 4)));

    /// <summary>A linear autoencoder config: D → latentDim → D, identity activations, linear output, squared error.</summary>
    /// <param name="inputDim">D ≥ 1.</param>
    /// <param name="latentDim">k ≥ 1.</param>
    /// <param name="tiedWeights">Decoder weight = encoder weightᵀ (default false).</param>
    public static DenseConfig Linear(int inputDim, int latentDim, bool tiedWeights = false) =>
        new(inputDim, [], latentDim, Activation.Identity, Activation.Identity, Reconstruction.LinearMse, tiedWeights);

    private static ModelKind Variant(string name, string description, Func<int, ModelConfig> example) =>
        new(name, description, typeof(DenseConfig), (c, rng) => new DenseAutoencoder((DenseConfig)c, rng), example);

    private Rng _noiseRng = new(0x5EED);

    private readonly List<Linear> _encoderLinears = [];
    private readonly List<Linear> _decoderLinears = [];
    private readonly List<Tensor> _tiedDecoderBiases = [];

    /// <summary>Builds the model with PyTorch's default initialisation drawn from <paramref name="rng"/>.</summary>
    public DenseAutoencoder(DenseConfig config, Rng rng) : base(config)
    {
        DenseConfig = config;
        var widths = config.EncoderWidths();
        Encoder = RegisterModule("encoder", BuildStack(widths, config.LatentActivation, rng, _encoderLinears));
        var rev = widths.Reverse().ToArray();
        if (config.TiedWeights)
        {
            using (TensorScope.Untracked())
                for (int i = 0; i < rev.Length - 1; i++)
                {
                    var b = Tensor.Zeros(rev[i + 1]);
                    Init.Uniform(b, rng, -1f / MathF.Sqrt(rev[i]), 1f / MathF.Sqrt(rev[i]));
                    _tiedDecoderBiases.Add(RegisterParameter($"decoder_bias_{i}", b));
                }
            Decoder = null;
        }
        else
        {
            Decoder = RegisterModule("decoder", BuildStack(rev, Activation.Identity, rng, _decoderLinears));
        }
    }

    /// <summary>The validated configuration.</summary>
    public DenseConfig DenseConfig { get; }

    /// <summary>The encoder's Linear layers, input side first.</summary>
    public IReadOnlyList<Linear> EncoderLinears => _encoderLinears;

    /// <summary>The decoder's Linear layers, code side first (empty with tied weights).</summary>
    public IReadOnlyList<Linear> DecoderLinears => _decoderLinears;

    /// <summary>With tied weights, the decoder biases (code side first), else empty.</summary>
    public IReadOnlyList<Tensor> TiedDecoderBiases => _tiedDecoderBiases;

    /// <summary>
    /// The encoder as (Linear, activation) pairs, input side first, for Jacobian computations.
    /// </summary>
    /// <exception cref="InvalidOperationException">The encoder has batch norm or dropout layers (not a plain Linear+activation stack).</exception>
    public IReadOnlyList<EncoderLayer> EncoderLayers
    {
        get
        {
            var c = DenseConfig;
            if (c.BatchNorm || c.Dropout > 0)
                throw new InvalidOperationException("the encoder has batch norm or dropout layers, so it is not a plain Linear+activation stack");
            return _encoderLinears.Select((l, i) => new EncoderLayer(l, i == _encoderLinears.Count - 1 ? c.LatentActivation : c.HiddenActivation)).ToList();
        }
    }

    /// <inheritdoc/>
    public override Corruption? TrainingCorruption => DenseConfig.Corruption;

    /// <inheritdoc/>
    public override void ReseedNoise(Rng rng)
    {
        if (DenseConfig.Regularizer is Contractive { Method: ContractiveMethod.RandomProjection })
            _noiseRng = new Rng(rng.NextUInt64());
    }

    /// <summary>Encoder layers (Linear [BatchNorm] activation [Dropout] …, Linear, latent activation).</summary>
    public Sequential Encoder { get; }

    /// <summary>Decoder layers, or null with tied weights (the decoder then reuses the encoder's weights).</summary>
    public Sequential? Decoder { get; }

    private Sequential BuildStack(int[] widths, Activation last, Rng rng, List<Linear> linears)
    {
        var c = DenseConfig;
        var seq = new Sequential();
        for (int i = 0; i < widths.Length - 1; i++)
        {
            var lin = new Linear(widths[i], widths[i + 1], rng);
            linears.Add(lin);
            seq.Add(lin);
            bool isLast = i == widths.Length - 2;
            if (isLast)
            {
                if (last != Activation.Identity) seq.Add(new ActivationLayer(last));
                continue;
            }
            if (c.BatchNorm) seq.Add(new BatchNorm1d(widths[i + 1]));
            seq.Add(new ActivationLayer(c.HiddenActivation));
            if (c.Dropout > 0) seq.Add(new NN.Dropout(rng.Fork(), c.Dropout));
        }
        return seq;
    }

    /// <inheritdoc/>
    public override Tensor Encode(Tensor x)
    {
        CheckInput(x);
        return Encoder.Forward(x);
    }

    /// <inheritdoc/>
    public override Tensor DecodeLogits(Tensor z)
    {
        if (Decoder != null) return Decoder.Forward(z);
        // tied: layer i of the decoder is x·W_encᵀᵀ = x·W_enc of the mirrored encoder layer
        var h = z;
        int n = _encoderLinears.Count;
        for (int i = 0; i < n; i++)
        {
            var w = _encoderLinears[n - 1 - i].Weight;          // (out_enc, in_enc) = (in_dec, out_dec)
            h = h.MatMul(w) + _tiedDecoderBiases[i];
            if (i < n - 1) h = ActivationLayer.Apply(DenseConfig.HiddenActivation, h);
        }
        return h;
    }

    /// <inheritdoc/>
    protected override Tensor? Regularization(Tensor input, Tensor latent)
    {
        var c = DenseConfig;
        Tensor? total = c.Regularizer?.Penalty(input, latent, EncoderLayers, _noiseRng);
        if (c.L2 == 0 && c.L1 == 0) return total;
        foreach (var lin in _encoderLinears.Concat(_decoderLinears))
        {
            if (c.L2 > 0) total = Add(total, lin.Weight.Pow(2f).Sum() * c.L2);
            if (c.L1 > 0) total = Add(total, lin.Weight.Abs().Sum() * c.L1);
        }
        return total;
        static Tensor Add(Tensor? a, Tensor b) => a is null ? b : a + b;
    }
}
