using System.CommandLine;
using Bottleneck.Cli.Commands;
using Bottleneck.Models;
using Bottleneck.Models.Sequence;

namespace Bottleneck.Cli.Kinds;

/// <summary>The options of the recurrent sequence kinds (lstm, gru), shared as one set of option objects by their binders.</summary>
public sealed class SequenceOptions
{
    /// <summary>Hidden size H when --hidden is not given.</summary>
    public const int DefaultHidden = 64;
    /// <summary>Code width when --latent is not given.</summary>
    public const int DefaultLatent = 16;

    /// <summary>
    /// The code width when --latent is not given: 16 for reconstruction, the anomaly rule's clamp(round(T·F/8), 2, 32)
    /// (<see cref="Anomaly.AnomalyDefaults.LatentWidth"/>) when training for anomaly detection, as the other kinds.
    /// </summary>
    public static int DefaultCode(KindData data) =>
        data.Purpose == TrainingPurpose.Reconstruction ? DefaultLatent : Anomaly.AnomalyDefaults.LatentWidth(data.InputDim);

    /// <summary><c>--layers L</c>.</summary>
    public Option<int> Layers { get; } = CliOptions.Int("--layers", "Stacked layers in the encoder and in the decoder (--kind lstm, gru: default 1; transformer: default 2)", 1, 1);
    /// <summary><c>--bidirectional</c>.</summary>
    public Option<bool> Bidirectional { get; } = CliOptions.Flag("--bidirectional", "The recurrent encoder also reads the sequence backwards (--kind lstm, gru)");
    /// <summary><c>--decoder repeat|autoregressive</c>.</summary>
    public Option<string> Decoder { get; } = CliOptions.Choice("--decoder",
        "Sequence decoder: repeat (the code is the input of every step) or autoregressive (the code and the previous value; teacher forcing in training, " +
        "free running when scoring) (--kind lstm, gru)", "repeat", "repeat", "autoregressive");
    /// <summary><c>--pooling last|mean</c>.</summary>
    public Option<string> Pooling { get; } = CliOptions.Choice("--pooling",
        "How the recurrent encoder summarises the sequence: last (the last hidden state) or mean (mean over time) (--kind lstm, gru)", "last", "last", "mean");

    /// <summary>The options, in help order.</summary>
    public IReadOnlyList<Option> All => [Layers, Bidirectional, Decoder, Pooling];

    /// <summary><c>--variational</c>: a Gaussian latent (LSTM-/GRU-VAE).</summary>
    public Option<bool> Variational { get; } = CliOptions.Flag("--variational",
        "A Gaussian latent (reparameterization, KL to N(0, I), weight --beta): the LSTM/GRU variational autoencoder (--kind lstm, gru)");
}

/// <summary>
/// <c>--kind lstm</c> and <c>--kind gru</c>: <c>--hidden H</c> (one width, default 64), <c>--latent</c> (default 16), <c>--layers</c>,
/// <c>--bidirectional</c>, <c>--decoder</c>, <c>--pooling</c>, <c>--dropout</c> (between recurrent layers), <c>--output</c> (default linear-mse).
/// The data must be sequences (<c>sequences:FILE</c>): the sample shape (T, F) comes from it.
/// </summary>
public sealed class SequenceBinder(string kind, DenseOptions dense, SequenceOptions sequence, VariationalOptions variational) : KindBinder
{
    /// <inheritdoc/>
    public override string Kind => kind;

    /// <inheritdoc/>
    public override IReadOnlyList<Option> Options => [dense.Hidden, dense.Latent, dense.Output, dense.Dropout, .. sequence.All, sequence.Variational, variational.Beta];

    /// <inheritdoc/>
    public override KindSettings Bind(ParseResult result)
    {
        var hidden = IsGiven(result, dense.Hidden) ? CliOptions.ParseIntList(result.GetValue(dense.Hidden), "--hidden") : null;
        return new Settings(kind, hidden, Given(result, dense.Latent), result.GetValue(sequence.Layers), result.GetValue(sequence.Bidirectional),
            result.GetValue(sequence.Pooling) == "mean" ? SequencePooling.Mean : SequencePooling.Last,
            result.GetValue(sequence.Decoder) == "autoregressive" ? SequenceDecoder.Autoregressive : SequenceDecoder.Repeat,
            result.GetValue(dense.Dropout), IsGiven(result, dense.Output) ? Likelihood.Parse(result.GetValue(dense.Output)) : null)
        { Variational = result.GetValue(sequence.Variational), Beta = result.GetValue(variational.Beta) };
    }

    /// <summary>The values of a sequence kind (<paramref name="Hidden"/>: --hidden as typed, which must be one width, or null).</summary>
    public sealed record Settings(string KindName, int[]? Hidden, int? Latent, int Layers, bool Bidirectional, SequencePooling Pooling,
        SequenceDecoder Decoder, float Dropout, Likelihood? GivenOutput) : KindSettings(KindName)
    {
        /// <summary>--variational.</summary>
        public bool Variational { get; init; }

        /// <summary>--beta (with --variational), or null for 1.</summary>
        public float? Beta { get; init; }

        /// <inheritdoc/>
        public override Likelihood Output(KindData data) => GivenOutput ?? Likelihood.Gaussian;

        /// <inheritdoc/>
        /// <exception cref="ArgumentException">The data are not sequences.</exception>
        protected override ModelConfig Create(KindData data)
        {
            // The probe before loading has a one-dimensional sample shape: check the values with a one-channel sequence.
            bool probe = data.SampleShape.Length == 1 && data.SampleShape[0] == KindData.Probe(0).SampleShape[0];
            if (data.SampleShape.Length != 2 && !probe)
                throw new ArgumentException($"--kind {Kind} needs sequence data (sequences:FILE); this data has samples of shape ({string.Join(", ", data.SampleShape)})");
            if (Hidden is { Length: not 1 })
                throw new ArgumentException($"--kind {Kind} takes one hidden size (--hidden H, the size of every recurrent layer), got {Hidden.Length} values; use --layers for depth");
            int steps = probe ? 1 : data.SampleShape[0], channels = probe ? 1 : data.SampleShape[1];
            return new SequenceConfig(steps, channels, Latent ?? SequenceOptions.DefaultCode(data), Hidden?[0] ?? SequenceOptions.DefaultHidden, Layers,
                Bidirectional, Pooling, Decoder, Dropout, Output(data), Variational,
                Beta is { } b ? (Variational ? b : throw new ArgumentException("--beta applies to a variational sequence model: add --variational")) : 1f);
        }

        /// <inheritdoc/>
        protected override string? OptionFor(string parameter) => parameter switch
        {
            "latentDim" => "--latent",
            "hidden" => "--hidden",
            "layers" => "--layers",
            "dropout" => "--dropout",
            "beta" => "--beta",
            _ => null,
        };
    }
}
