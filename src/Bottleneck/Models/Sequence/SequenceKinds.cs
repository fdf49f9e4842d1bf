using Bottleneck.Models.Registry;

[assembly: ModelKinds(typeof(Bottleneck.Models.Sequence.SequenceKinds))]

namespace Bottleneck.Models.Sequence;

/// <summary>The registry entries of the recurrent sequence autoencoders: one config type, one model class, the cell named by the kind.</summary>
public static class SequenceKinds
{
    private static ModelKind Kind(string name, RecurrentCell cell, string description) =>
        new(name, description, typeof(SequenceConfig), (c, rng) => new SequenceAutoencoder((SequenceConfig)c, cell, rng), [6, 2],
            shape => new SequenceConfig(shape[0], shape[1], 3, hidden: 8) { Kind = name });

    /// <summary>"lstm": LSTM encoder, latent Linear, LSTM decoder (repeat-vector or autoregressive).</summary>
    public static readonly ModelKind Lstm = Kind("lstm", RecurrentCell.Lstm,
        "LSTM sequence autoencoder: samples (T, F); encoder last state or mean over time, latent Linear, repeat-vector or autoregressive decoder");

    /// <summary>"transformer": pre-norm transformer encoder, pooled code, transformer decoder; optionally a masked autoencoder.</summary>
    public static readonly ModelKind Transformer = new("transformer",
        "Transformer sequence autoencoder: samples (T, F); pre-norm encoder layers, mean-pooled code, decoder layers; --mask-ratio trains it as a masked autoencoder",
        typeof(TransformerConfig), (c, rng) => new TransformerAutoencoder((TransformerConfig)c, rng), [6, 2],
        shape => new TransformerConfig(shape[0], shape[1], 3, dModel: 8, heads: 2, layers: 1));

    /// <summary>"gru": GRU encoder, latent Linear, GRU decoder (repeat-vector or autoregressive).</summary>
    public static readonly ModelKind Gru = Kind("gru", RecurrentCell.Gru,
        "GRU sequence autoencoder: samples (T, F); encoder last state or mean over time, latent Linear, repeat-vector or autoregressive decoder");

    /// <summary>"tcn": causal dilated residual convolutions, mean over time, latent Linear; a dilated convolutional decoder.</summary>
    public static readonly ModelKind Tcn = new("tcn",
        "Temporal convolutional autoencoder: samples (T, F); residual blocks of causal dilated Conv1d (--channels, --kernel, --dilations), mean-pooled code",
        typeof(TcnConfig), (c, rng) => new TcnAutoencoder((TcnConfig)c, rng), [6, 2],
        shape => new TcnConfig(shape[0], shape[1], 3, [4], 2, [1, 2]));
}
