using System.Text.Json.Serialization;

namespace Bottleneck.Models.Sequence;

/// <summary>
/// Configuration of the transformer sequence autoencoder (kind <c>transformer</c>): x (T, F) → Linear(F→E) + sinusoidal positions →
/// pre-norm encoder layers → mean over the visible steps → Linear(E→latentDim) = z; z → Linear(latentDim→E) at every step +
/// positions → pre-norm layers → Linear(E→F) per step. With <see cref="MaskRatio"/> &gt; 0 training is a masked autoencoder:
/// ⌊R·T⌋ random steps per sample are hidden from the encoder and the loss counts only those (He et al. 2022); evaluation and
/// scoring see every step. Shape: a sample is (T, F); legend T time steps, F channels, E model width.
/// </summary>
public sealed record TransformerConfig : ModelConfig
{
    /// <summary>Creates and validates the configuration (kind "transformer").</summary>
    /// <param name="steps">T, ≥ 1.</param>
    /// <param name="channels">F, ≥ 1.</param>
    /// <param name="latentDim">Code width, ≥ 1.</param>
    /// <param name="dModel">E, the model width, ≥ 1 and divisible by <paramref name="heads"/> (default 32).</param>
    /// <param name="heads">Attention heads, ≥ 1 (default 4).</param>
    /// <param name="layers">Encoder layers, and as many decoder layers, ≥ 1 (default 2).</param>
    /// <param name="feedforward">Feed-forward width of each layer, ≥ 1 (default 0 = 2·E).</param>
    /// <param name="dropout">Dropout in the layers in training, in [0, 1) (default 0).</param>
    /// <param name="maskRatio">Share of steps masked per training sample, in [0, 1) (default 0: a plain autoencoder).</param>
    /// <param name="output">Output distribution (default <see cref="Likelihood.Gaussian"/>).</param>
    /// <exception cref="ArgumentOutOfRangeException">A size below 1, E not divisible by the heads, a ratio or dropout outside [0, 1).</exception>
    public TransformerConfig(int steps, int channels, int latentDim, int dModel = 32, int heads = 4, int layers = 2, int feedforward = 0,
        float dropout = 0f, float maskRatio = 0f, Likelihood? output = null) : base("transformer")
    {
        Steps = AtLeastOne(steps, nameof(steps));
        Channels = AtLeastOne(channels, nameof(channels));
        LatentDim = AtLeastOne(latentDim, nameof(latentDim));
        DModel = AtLeastOne(dModel, nameof(dModel));
        Heads = AtLeastOne(heads, nameof(heads));
        if (dModel % heads != 0) throw new ArgumentOutOfRangeException(nameof(heads), heads, $"heads must divide the model width {dModel}, got {heads}");
        Layers = AtLeastOne(layers, nameof(layers));
        Feedforward = feedforward == 0 ? 2 * dModel : AtLeastOne(feedforward, nameof(feedforward));
        Dropout = dropout >= 0f && dropout < 1f ? dropout : throw new ArgumentOutOfRangeException(nameof(dropout), dropout, $"dropout must be in [0, 1), got {dropout}");
        MaskRatio = maskRatio >= 0f && maskRatio < 1f ? maskRatio : throw new ArgumentOutOfRangeException(nameof(maskRatio), maskRatio, $"maskRatio must be in [0, 1), got {maskRatio}");
        Output = output ?? Likelihood.Gaussian;
    }

    /// <summary>T.</summary>
    public int Steps { get; }
    /// <summary>F.</summary>
    public int Channels { get; }
    /// <inheritdoc/>
    public override int LatentDim { get; }
    /// <summary>E.</summary>
    public int DModel { get; }
    /// <summary>Attention heads.</summary>
    public int Heads { get; }
    /// <summary>Encoder (and decoder) layers.</summary>
    public int Layers { get; }
    /// <summary>Feed-forward width.</summary>
    public int Feedforward { get; }
    /// <summary>Dropout in training.</summary>
    public float Dropout { get; }
    /// <summary>Share of steps masked per training sample (0: none).</summary>
    public float MaskRatio { get; }
    /// <summary>Output distribution (saved as <c>output</c>).</summary>
    public Likelihood Output { get; }

    /// <inheritdoc/>
    [JsonIgnore] public override Likelihood Likelihood => Output;
    /// <inheritdoc/>
    [JsonIgnore] public override int InputDim => Steps * Channels;
    /// <summary>[T, F].</summary>
    [JsonIgnore] public override int[] InputShape => [Steps, Channels];

    /// <inheritdoc/>
    public override string Describe() =>
        $"{Kind} ({Steps}, {Channels}) -> {LatentDim} -> ({Steps}, {Channels}), {Layers}+{Layers} layers of width {DModel}, {Heads} heads, " +
        $"feed-forward {Feedforward}{(Dropout > 0 ? $", dropout {Num(Dropout)}" : "")}{(MaskRatio > 0 ? $", masked autoencoder (ratio {Num(MaskRatio)})" : "")}, {Output.Name}";

    /// <inheritdoc/>
    public override IEnumerable<(string Name, string Value)> Summary() =>
    [
        ("input", $"{Steps} steps × {Channels} channel{(Channels > 1 ? "s" : "")}"),
        ("layers", $"{Layers} encoder + {Layers} decoder, width {DModel}, {Heads} heads, feed-forward {Feedforward}"),
        ("latent", LatentDim.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ("mask ratio", Num(MaskRatio)),
        ("dropout", Num(Dropout)),
        ("output", Output.Name),
    ];
}
