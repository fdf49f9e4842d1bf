using System.CommandLine;
using Bottleneck.Cli.Commands;
using Bottleneck.Models;
using Bottleneck.Models.Sequence;

namespace Bottleneck.Cli.Kinds;

/// <summary>
/// <c>--kind transformer</c>: <c>--hidden E</c> (model width, default 32), <c>--heads</c> (default 4), <c>--layers</c> (encoder and decoder
/// layers each, default 2), <c>--latent</c> (default 16), <c>--mask-ratio</c>, <c>--dropout</c>, <c>--output</c> (default linear-mse). The data
/// must be sequences.
/// </summary>
public sealed class TransformerBinder(DenseOptions dense, SequenceOptions sequence) : KindBinder
{
    /// <summary>Model width when --hidden is not given.</summary>
    public const int DefaultWidth = 32;
    /// <summary>Layers when --layers is not given.</summary>
    public const int DefaultLayers = 2;

    private readonly Option<int> _heads = CliOptions.Int("--heads", "Attention heads; they must divide the model width --hidden (--kind transformer)", 4, 1);
    private readonly Option<float> _maskRatio = new("--mask-ratio")
    {
        Description = "Train as a masked autoencoder: this share of each sequence's steps is hidden from the encoder and only those are scored in training, in [0,1) (--kind transformer)",
        DefaultValueFactory = _ => 0f,
        HelpName = "R",
    };

    /// <inheritdoc/>
    public override string Kind => "transformer";

    /// <inheritdoc/>
    public override IReadOnlyList<Option> Options => [dense.Hidden, dense.Latent, dense.Output, dense.Dropout, sequence.Layers, _heads, _maskRatio];

    /// <inheritdoc/>
    public override KindSettings Bind(ParseResult result) => new Settings(
        IsGiven(result, dense.Hidden) ? CliOptions.ParseIntList(result.GetValue(dense.Hidden), "--hidden") : null,
        Given(result, dense.Latent), Given(result, sequence.Layers), result.GetValue(_heads), result.GetValue(_maskRatio),
        result.GetValue(dense.Dropout), IsGiven(result, dense.Output) ? Likelihood.Parse(result.GetValue(dense.Output)) : null);

    /// <summary>The transformer kind's values (<paramref name="Hidden"/>: --hidden as typed, which must be one width, or null).</summary>
    public sealed record Settings(int[]? Hidden, int? Latent, int? Layers, int Heads, float MaskRatio, float Dropout, Likelihood? GivenOutput)
        : KindSettings("transformer")
    {
        /// <inheritdoc/>
        public override Likelihood Output(KindData data) => GivenOutput ?? Likelihood.Gaussian;

        /// <inheritdoc/>
        /// <exception cref="ArgumentException">The data are not sequences, or --hidden has several widths.</exception>
        protected override ModelConfig Create(KindData data)
        {
            bool probe = data.SampleShape.Length == 1 && data.SampleShape[0] == KindData.Probe(0).SampleShape[0];
            if (data.SampleShape.Length != 2 && !probe)
                throw new ArgumentException($"--kind {Kind} needs sequence data (sequences:FILE); this data has samples of shape ({string.Join(", ", data.SampleShape)})");
            if (Hidden is { Length: not 1 })
                throw new ArgumentException($"--kind {Kind} takes one model width (--hidden E), got {Hidden.Length} values; use --layers for depth");
            int steps = probe ? 1 : data.SampleShape[0], channels = probe ? 1 : data.SampleShape[1];
            return new TransformerConfig(steps, channels, Latent ?? SequenceOptions.DefaultCode(data), Hidden?[0] ?? DefaultWidth, Heads,
                Layers ?? DefaultLayers, 0, Dropout, MaskRatio, Output(data));
        }

        /// <inheritdoc/>
        protected override string? OptionFor(string parameter) => parameter switch
        {
            "latentDim" => "--latent",
            "dModel" => "--hidden",
            "heads" => "--heads",
            "layers" => "--layers",
            "dropout" => "--dropout",
            "maskRatio" => "--mask-ratio",
            _ => null,
        };
    }
}
