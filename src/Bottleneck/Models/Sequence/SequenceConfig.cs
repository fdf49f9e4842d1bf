using System.Text.Json.Serialization;

namespace Bottleneck.Models.Sequence;

/// <summary>How a recurrent encoder turns its output sequence into one vector before the latent Linear.</summary>
public enum SequencePooling
{
    /// <summary>The top layer's last hidden state h_T (both directions' last states, concatenated, when bidirectional).</summary>
    Last,
    /// <summary>The mean of the top layer's outputs over the time steps the batch mask keeps (all steps without a mask).</summary>
    Mean,
}

/// <summary>How a recurrent decoder produces the sequence from the code z.</summary>
public enum SequenceDecoder
{
    /// <summary>RepeatVector: z is the input of every step; the decoder never sees the data (Srivastava et al. 2015's unconditioned decoder).</summary>
    Repeat,
    /// <summary>
    /// Autoregressive: the input of step t is [z, x_{t−1}] (x_{−1} = 0). Training steps use the true x_{t−1} (teacher forcing);
    /// evaluation, encoding and scoring feed back the model's own previous mean (free running), so a score never sees the value it predicts.
    /// </summary>
    Autoregressive,
}

/// <summary>
/// Configuration of a recurrent sequence autoencoder (kinds <c>lstm</c> and <c>gru</c>; the kind names the cell):
/// x (T, F) → recurrent encoder (layers, hidden, bidirectional) → pooling (last state or mean over time) → Linear → z (latentDim)
/// → recurrent decoder (repeat-vector or autoregressive) → Linear per step → logits (T, F) → likelihood.
/// Shape: a sample is (T, F) (<see cref="ModelConfig.InputShape"/>); legend T time steps, F channels (features per step).
/// Malhotra et al. 2016 (LSTM encoder-decoder for anomaly detection); Srivastava et al. 2015 (LSTM autoencoders).
/// </summary>
public sealed record SequenceConfig : ModelConfig
{
    /// <summary>Creates and validates the configuration; its kind is "lstm" (set "gru" with <c>with { Kind = "gru" }</c>).</summary>
    /// <param name="steps">T, time steps per sample, ≥ 1.</param>
    /// <param name="channels">F, values per step, ≥ 1.</param>
    /// <param name="latentDim">Code width, ≥ 1.</param>
    /// <param name="hidden">H, hidden size of the encoder and decoder cells, ≥ 1 (default 64).</param>
    /// <param name="layers">L, stacked recurrent layers in the encoder and in the decoder, ≥ 1 (default 1).</param>
    /// <param name="bidirectional">The encoder also reads the sequence backwards (the decoder stays forward; default false).</param>
    /// <param name="pooling">Encoder summary: last hidden state (default) or mean over time.</param>
    /// <param name="decoder">Repeat-vector (default) or autoregressive with teacher forcing.</param>
    /// <param name="dropout">Dropout between stacked recurrent layers in training, in [0, 1) (default 0).</param>
    /// <param name="output">The decoder's output distribution (default <see cref="Likelihood.Gaussian"/>: linear output, squared error).</param>
    /// <param name="variational">A Gaussian latent (<see cref="GaussianLatent"/>, reparameterization and KL to N(0, I)) instead of a
    /// deterministic code: the LSTM-/GRU-VAE (default false).</param>
    /// <param name="beta">β ≥ 0, the KL weight of the variational latent (default 1).</param>
    /// <exception cref="ArgumentOutOfRangeException">A size below 1, dropout outside [0, 1), or a negative β.</exception>
    public SequenceConfig(int steps, int channels, int latentDim, int hidden = 64, int layers = 1, bool bidirectional = false,
        SequencePooling pooling = SequencePooling.Last, SequenceDecoder decoder = SequenceDecoder.Repeat, float dropout = 0f,
        Likelihood? output = null, bool variational = false, float beta = 1f) : base("lstm")
    {
        Steps = AtLeastOne(steps, nameof(steps));
        Channels = AtLeastOne(channels, nameof(channels));
        LatentDim = AtLeastOne(latentDim, nameof(latentDim));
        Hidden = AtLeastOne(hidden, nameof(hidden));
        Layers = AtLeastOne(layers, nameof(layers));
        Bidirectional = bidirectional;
        Pooling = pooling;
        Decoder = decoder;
        Dropout = dropout >= 0f && dropout < 1f ? dropout : throw new ArgumentOutOfRangeException(nameof(dropout), dropout, $"dropout must be in [0, 1), got {dropout}");
        Output = output ?? Likelihood.Gaussian;
        Variational = variational;
        Beta = NonNegative(beta, nameof(beta));
    }

    /// <summary>Whether the latent is Gaussian (a variational sequence autoencoder).</summary>
    public bool Variational { get; }
    /// <summary>β of the variational latent's KL term.</summary>
    public float Beta { get; }

    /// <summary>T, time steps per sample.</summary>
    public int Steps { get; }
    /// <summary>F, values per time step.</summary>
    public int Channels { get; }
    /// <inheritdoc/>
    public override int LatentDim { get; }
    /// <summary>H, hidden size of the recurrent cells.</summary>
    public int Hidden { get; }
    /// <summary>L, stacked recurrent layers (encoder and decoder each).</summary>
    public int Layers { get; }
    /// <summary>Whether the encoder is bidirectional.</summary>
    public bool Bidirectional { get; }
    /// <summary>Encoder summary before the latent Linear.</summary>
    public SequencePooling Pooling { get; }
    /// <summary>Decoder type.</summary>
    public SequenceDecoder Decoder { get; }
    /// <summary>Dropout between stacked recurrent layers in training.</summary>
    public float Dropout { get; }
    /// <summary>The decoder's output distribution (saved as <c>output</c>).</summary>
    public Likelihood Output { get; }

    /// <inheritdoc/>
    [JsonIgnore] public override Likelihood Likelihood => Output;
    /// <inheritdoc/>
    [JsonIgnore] public override int InputDim => Steps * Channels;
    /// <summary>[T, F].</summary>
    [JsonIgnore] public override int[] InputShape => [Steps, Channels];

    /// <inheritdoc/>
    public override string Describe()
    {
        var extras = new List<string> { $"{Layers} layer{(Layers > 1 ? "s" : "")} of {Hidden}" };
        if (Bidirectional) extras.Add("bidirectional encoder");
        extras.Add($"{Pooling.ToString().ToLowerInvariant()} pooling");
        extras.Add($"{Decoder.ToString().ToLowerInvariant()} decoder");
        if (Dropout > 0) extras.Add($"dropout {Num(Dropout)}");
        if (Variational) extras.Add($"Gaussian latent, β {Num(Beta)}");
        extras.Add(Output.Name);
        return $"{Kind} ({Steps}, {Channels}) -> {LatentDim} -> ({Steps}, {Channels}), {string.Join(", ", extras)}";
    }

    /// <inheritdoc/>
    public override IEnumerable<(string Name, string Value)> Summary() =>
    [
        ("input", $"{Steps} steps × {Channels} channel{(Channels > 1 ? "s" : "")}"),
        ("cell", $"{Kind}, hidden {Hidden}, {Layers} layer{(Layers > 1 ? "s" : "")}{(Bidirectional ? ", bidirectional encoder" : "")}"),
        ("pooling", Pooling.ToString().ToLowerInvariant()),
        ("latent", LatentDim.ToString(System.Globalization.CultureInfo.InvariantCulture) + (Variational ? $" (Gaussian, β {Num(Beta)})" : "")),
        ("decoder", Decoder.ToString().ToLowerInvariant()),
        ("dropout", Num(Dropout)),
        ("output", Output.Name),
    ];
}
