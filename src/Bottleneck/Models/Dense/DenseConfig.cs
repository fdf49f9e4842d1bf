using System.Text.Json.Serialization;
using Bottleneck.NN;

namespace Bottleneck.Models.Dense;

/// <summary>
/// Configuration of a dense (fully connected) autoencoder D → hidden… → latentDim → mirrored hidden… → D, and of the
/// kinds built from it by adding parts: sparse (a sparsity regularizer), denoising (a corruption), contractive (the
/// contractive regularizer), stacked (a pretraining schedule), linear (no hidden layer, identity code, linear-mse output).
/// Under-complete (latentDim &lt; D), exactly complete and over-complete codes are all allowed.
/// </summary>
public sealed record DenseConfig : ModelConfig
{
    /// <summary>Creates and validates the configuration; its <see cref="ModelConfig.Kind"/> is "dense" (set another with <c>with { Kind = … }</c>).</summary>
    /// <param name="inputDim">D, ≥ 1.</param>
    /// <param name="hidden">Encoder hidden widths, outermost first (each ≥ 1; may be empty for a shallow autoencoder). The decoder mirrors them.</param>
    /// <param name="latentDim">Code width, ≥ 1.</param>
    /// <param name="hiddenActivation">Activation after each hidden layer (default ReLU).</param>
    /// <param name="latentActivation">Activation of the code (default identity).</param>
    /// <param name="output">The decoder's output distribution p(x | z) and with it the reconstruction loss (default
    /// <see cref="Likelihood.Bernoulli"/>: sigmoid output, binary cross-entropy).</param>
    /// <param name="tiedWeights">Decoder weights are the transposed encoder weights, Wᵈᵉᶜ_i = (Wᵉⁿᶜ_i)ᵀ (default false).</param>
    /// <param name="dropout">Dropout probability after each hidden activation, in [0, 1) (default 0).</param>
    /// <param name="batchNorm">BatchNorm1d before each hidden activation (default false).</param>
    /// <param name="l2">L2 weight penalty λ₂·Σ‖W‖²_F over weight matrices, added to the loss (default 0).</param>
    /// <param name="l1">L1 weight penalty λ₁·Σ|W| over weight matrices (default 0).</param>
    /// <param name="regularizer">Latent regularizer added to the loss: <see cref="SparsityKl"/>, <see cref="SparsityL1"/> or
    /// <see cref="Contractive"/>; null (default) for none.</param>
    /// <param name="corruption">Input corruption applied to every training batch (denoising autoencoder; the loss is scored
    /// against the clean batch); null (default) for none.</param>
    /// <param name="pretraining">Greedy layer-wise pretraining schedule (stacked autoencoder, run by
    /// <see cref="GreedyLayerwiseFit"/>); null (default) for none.</param>
    /// <exception cref="ArgumentOutOfRangeException">A width &lt; 1, dropout outside [0, 1), or a negative penalty.</exception>
    /// <exception cref="ArgumentException">The regularizer or pretraining does not fit the architecture (e.g. KL sparsity without a sigmoid code).</exception>
    public DenseConfig(int inputDim, int[] hidden, int latentDim, Activation hiddenActivation = Activation.Relu,
        Activation latentActivation = Activation.Identity, Likelihood? output = null,
        bool tiedWeights = false, float dropout = 0f, bool batchNorm = false, float l2 = 0f, float l1 = 0f,
        LatentRegularizer? regularizer = null, Corruption? corruption = null, GreedyPretraining? pretraining = null) : base("dense")
    {
        InputDim = AtLeastOne(inputDim, nameof(inputDim));
        Hidden = (hidden ?? []).ToArray();
        for (int i = 0; i < Hidden.Length; i++) AtLeastOne(Hidden[i], $"hidden[{i}]");
        LatentDim = AtLeastOne(latentDim, nameof(latentDim));
        HiddenActivation = hiddenActivation;
        LatentActivation = latentActivation;
        Output = output ?? Likelihood.Bernoulli;
        TiedWeights = tiedWeights;
        Dropout = dropout >= 0f && dropout < 1f ? dropout : throw new ArgumentOutOfRangeException(nameof(dropout), dropout, $"dropout must be in [0, 1), got {dropout}");
        BatchNorm = batchNorm;
        L2 = NonNegative(l2, nameof(l2));
        L1 = NonNegative(l1, nameof(l1));
        Regularizer = regularizer;
        Corruption = corruption;
        Pretraining = pretraining;
        regularizer?.Validate(Traits);
        if (pretraining != null && batchNorm)
            throw new ArgumentException("greedy layer-wise pretraining needs an encoder of Linear+activation layers: no batch norm", nameof(batchNorm));
    }

    /// <summary>A linear autoencoder config: D → latentDim → D, identity activations, linear output with squared error; kind "linear".</summary>
    /// <param name="inputDim">D ≥ 1.</param>
    /// <param name="latentDim">k ≥ 1.</param>
    /// <param name="tiedWeights">Decoder weight = encoder weightᵀ (default false).</param>
    /// <param name="l2">L2 weight penalty (default 0).</param>
    /// <param name="l1">L1 weight penalty (default 0).</param>
    public static DenseConfig Linear(int inputDim, int latentDim, bool tiedWeights = false, float l2 = 0f, float l1 = 0f) =>
        new DenseConfig(inputDim, [], latentDim, Activation.Identity, Activation.Identity, Likelihood.Gaussian, tiedWeights, l2: l2, l1: l1) { Kind = "linear" };

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
    /// <summary>The decoder's output distribution (saved as <c>output</c>: sigmoid-bce, linear-mse, tanh-mse, gaussian-nll).</summary>
    public Likelihood Output { get; }
    /// <inheritdoc/>
    [JsonIgnore] public override Likelihood Likelihood => Output;
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

    /// <summary>What regularizers need to know about this encoder.</summary>
    [JsonIgnore]
    public EncoderTraits Traits => new(LatentActivation, HiddenActivation, Hidden.Length > 0, BatchNorm, Dropout > 0);

    /// <summary>The regularizers of the model, in the order their terms are added: the latent regularizer, then the weight penalty.</summary>
    public IReadOnlyList<Regularizer> Regularizers()
    {
        var list = new List<Regularizer>(2);
        if (Regularizer != null) list.Add(Regularizer);
        if (L1 > 0 || L2 > 0) list.Add(new WeightPenalty(L1, L2));
        return list;
    }

    /// <inheritdoc/>
    public override string Describe()
    {
        int[] enc = EncoderWidths();
        var widths = enc.Concat(enc.Reverse().Skip(1));
        var extras = new List<string> { HiddenActivation.Name(), Output.Name };
        if (TiedWeights) extras.Add("tied");
        if (Dropout > 0) extras.Add($"dropout {Num(Dropout)}");
        if (BatchNorm) extras.Add("batch norm");
        if (L2 > 0) extras.Add($"l2 {Num(L2)}");
        if (L1 > 0) extras.Add($"l1 {Num(L1)}");
        if (LatentActivation != Activation.Identity) extras.Add($"{LatentActivation.Name()} code");
        if (Regularizer is { } r) extras.Add(r.Describe());
        if (Corruption is { } c) extras.Add($"noise {c.Describe()}");
        if (Pretraining is { } p) extras.Add($"pretraining {p.EpochsPerLayer}/layer" + (p.Corruption is { } pc ? $" with {pc.Describe()}" : ""));
        return $"{Kind} {string.Join("-", widths)}, {string.Join(", ", extras)}";
    }

    /// <inheritdoc/>
    public override IEnumerable<(string Name, string Value)> Summary() =>
    [
        ("input", InputDim.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ("hidden", Hidden.Length == 0 ? "(none)" : string.Join(",", Hidden)),
        ("latent", $"{LatentDim} ({LatentActivation.Name()} code)"),
        ("activation", HiddenActivation.Name()),
        ("output", Output.Name),
        ("tied weights", TiedWeights ? "yes" : "no"),
        ("dropout", Num(Dropout)),
        ("batch norm", BatchNorm ? "yes" : "no"),
        ("weight penalties", L1 > 0 || L2 > 0 ? new WeightPenalty(L1, L2).Describe() : "(none)"),
        ("regularizer", Regularizer?.Describe() ?? "(none)"),
        ("training noise", Corruption?.Describe() ?? "(none)"),
        ("pretraining", Pretraining?.Describe() ?? "(none)"),
    ];

    /// <inheritdoc/>
    public bool Equals(DenseConfig? other) => other is not null && ToString() == other.ToString();
    /// <inheritdoc/>
    public override int GetHashCode() => ToString().GetHashCode(StringComparison.Ordinal);
    /// <inheritdoc/>
    protected override bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append($"Kind = {Kind}, InputDim = {InputDim}, Hidden = [{string.Join(", ", Hidden)}], LatentDim = {LatentDim}, HiddenActivation = {HiddenActivation}, " +
                       $"LatentActivation = {LatentActivation}, Output = {Output.Name}, TiedWeights = {TiedWeights}, Dropout = {Dropout}, BatchNorm = {BatchNorm}, L2 = {L2}, L1 = {L1}, " +
                       $"Regularizer = {Regularizer?.ToString() ?? "none"}, Corruption = {Corruption?.ToString() ?? "none"}, Pretraining = {Pretraining?.ToString() ?? "none"}");
        return true;
    }
}
