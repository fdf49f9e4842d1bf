using System.Text.Json.Serialization;

namespace Bottleneck.Models.Sequence;

/// <summary>
/// Configuration of the temporal convolutional autoencoder (kind "tcn"): samples (T, F); an encoder of residual blocks of causal
/// dilated Conv1d + ReLU (one block per dilation; Bai et al. 2018), mean over time, a Linear to the code; a decoder from the code
/// through a Linear to (C, T), residual blocks of dilated Conv1d with 'same' padding (the dilations reversed) and a 1×1 Conv1d to
/// F channels.
/// </summary>
public sealed record TcnConfig : ModelConfig
{
    /// <summary>Creates and validates the configuration (kind "tcn").</summary>
    /// <param name="steps">T ≥ 1, time steps per sample.</param>
    /// <param name="channels">F ≥ 1, values per time step.</param>
    /// <param name="latentDim">Code width ≥ 1.</param>
    /// <param name="widths">Channel width of each block, in order; when shorter than <paramref name="dilations"/>, its last width
    /// repeats (default [32]).</param>
    /// <param name="kernel">Kernel size k ≥ 2 of every convolution (default 3).</param>
    /// <param name="dilations">One block per dilation, each ≥ 1 (default 1, 2, 4, 8): the encoder's receptive field is
    /// 1 + (k − 1)·Σ d.</param>
    /// <param name="output">The likelihood (default <see cref="Likelihood.Gaussian"/>).</param>
    /// <param name="variational">A Gaussian latent instead of a deterministic code (default false).</param>
    /// <param name="beta">β ≥ 0 of the variational latent (default 1).</param>
    /// <exception cref="ArgumentOutOfRangeException">A size or dilation below its minimum, or a negative β.</exception>
    public TcnConfig(int steps, int channels, int latentDim, int[]? widths = null, int kernel = 3, int[]? dilations = null,
        Likelihood? output = null, bool variational = false, float beta = 1f) : base("tcn")
    {
        Steps = AtLeastOne(steps, nameof(steps));
        Channels = AtLeastOne(channels, nameof(channels));
        LatentDim = AtLeastOne(latentDim, nameof(latentDim));
        Widths = (widths is { Length: > 0 } ? widths : [32]).ToArray();
        for (int i = 0; i < Widths.Length; i++) AtLeastOne(Widths[i], $"widths[{i}]");
        Kernel = kernel >= 2 ? kernel : throw new ArgumentOutOfRangeException(nameof(kernel), kernel, $"kernel must be ≥ 2, got {kernel}");
        Dilations = (dilations is { Length: > 0 } ? dilations : [1, 2, 4, 8]).ToArray();
        for (int i = 0; i < Dilations.Length; i++) AtLeastOne(Dilations[i], $"dilations[{i}]");
        Output = output ?? Likelihood.Gaussian;
        Variational = variational;
        Beta = NonNegative(beta, nameof(beta));
    }

    /// <summary>T.</summary>
    public int Steps { get; }
    /// <summary>F.</summary>
    public int Channels { get; }
    /// <inheritdoc/>
    public override int LatentDim { get; }
    /// <summary>Block widths as given.</summary>
    public int[] Widths { get; }
    /// <summary>Kernel size.</summary>
    public int Kernel { get; }
    /// <summary>Dilation of each block.</summary>
    public int[] Dilations { get; }
    /// <summary>The likelihood (saved as <c>output</c>).</summary>
    public Likelihood Output { get; }
    /// <summary>Whether the latent is Gaussian.</summary>
    public bool Variational { get; }
    /// <summary>β of the Gaussian latent.</summary>
    public float Beta { get; }

    /// <inheritdoc/>
    [JsonIgnore] public override Likelihood Likelihood => Output;
    /// <inheritdoc/>
    [JsonIgnore] public override int InputDim => Steps * Channels;
    /// <inheritdoc/>
    [JsonIgnore] public override int[] InputShape => [Steps, Channels];

    /// <summary>The width of block <paramref name="i"/>.</summary>
    public int Width(int i) => Widths[Math.Min(i, Widths.Length - 1)];

    /// <summary>The encoder's receptive field in steps: 1 + (k − 1)·Σ d.</summary>
    [JsonIgnore] public int ReceptiveField => 1 + (Kernel - 1) * Dilations.Sum();

    /// <inheritdoc/>
    public override string Describe() =>
        $"{Kind} ({Steps}, {Channels}) -> {LatentDim} -> ({Steps}, {Channels}), {Dilations.Length} blocks of width {string.Join(",", Enumerable.Range(0, Dilations.Length).Select(Width))}, " +
        $"kernel {Kernel}, dilations {string.Join(",", Dilations)} (receptive field {ReceptiveField}){(Variational ? $", Gaussian latent, β {Num(Beta)}" : "")}, {Output.Name}";

    /// <inheritdoc/>
    public override IEnumerable<(string Name, string Value)> Summary() =>
    [
        ("input", $"{Steps} steps × {Channels} channel{(Channels > 1 ? "s" : "")}"),
        ("blocks", $"{Dilations.Length}, widths {string.Join(",", Enumerable.Range(0, Dilations.Length).Select(Width))}, kernel {Kernel}, dilations {string.Join(",", Dilations)}"),
        ("receptive field", ReceptiveField.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ("latent", LatentDim.ToString(System.Globalization.CultureInfo.InvariantCulture) + (Variational ? $" (Gaussian, β {Num(Beta)})" : "")),
        ("output", Output.Name),
    ];

    /// <inheritdoc/>
    public bool Equals(TcnConfig? other) => other is not null && ToString() == other.ToString();
    /// <inheritdoc/>
    public override int GetHashCode() => ToString().GetHashCode(StringComparison.Ordinal);
    /// <inheritdoc/>
    protected override bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append($"Kind = {Kind}, Steps = {Steps}, Channels = {Channels}, LatentDim = {LatentDim}, Widths = [{string.Join(", ", Widths)}], Kernel = {Kernel}, " +
                       $"Dilations = [{string.Join(", ", Dilations)}], Output = {Output.Name}, Variational = {Variational}, Beta = {Beta}");
        return true;
    }
}
