using System.CommandLine;
using Bottleneck.Models;
using Bottleneck.Models.Dense;
using Bottleneck.NN;

namespace Bottleneck.Cli.Kinds;

/// <summary><c>--kind stacked</c>: the architecture options, <c>--pretrain-epochs</c>, <c>--pretrain-noise</c>, <c>--noise</c> (of the fine-tuning).</summary>
public sealed class StackedBinder(DenseOptions dense) : KindBinder
{
    private readonly Option<int?> _epochs = new("--pretrain-epochs")
    { Description = "Greedy layer-wise pretraining epochs per layer; --epochs is then the fine-tuning. Default max(1, epochs/2)", HelpName = "N" };
    private readonly Option<string?> _noise = DenseOptions.NoiseOption("--pretrain-noise",
        $"Input noise of each pretraining stage, {Corruption.SpecForms} (a stacked denoising autoencoder). Default none");

    /// <inheritdoc/>
    public override string Kind => "stacked";

    /// <inheritdoc/>
    public override IReadOnlyList<Option> Options => [.. dense.Architecture, dense.Noise, _epochs, _noise];

    /// <inheritdoc/>
    public override KindSettings Bind(ParseResult result) => new Settings(dense.Bind(result), result.GetValue(_epochs), result.GetValue(_noise));

    /// <summary>The stacked kind's values.</summary>
    /// <param name="Architecture">The architecture values and the fine-tuning noise.</param>
    /// <param name="PretrainEpochs">Pretraining epochs per layer, or null for max(1, epochs / 2).</param>
    /// <param name="PretrainNoise">Noise of each pretraining stage (<see cref="Corruption.Parse"/> form), or null.</param>
    public sealed record Settings(DenseArchitecture Architecture, int? PretrainEpochs, string? PretrainNoise) : KindSettings("stacked")
    {
        /// <inheritdoc/>
        public override Likelihood Output(KindData data) => Architecture.OutputFor(data.Purpose);

        /// <inheritdoc/>
        protected override ModelConfig Create(KindData data)
        {
            Corruption? pretrainNoise;
            try { pretrainNoise = Architecture.NoiseFor(data, PretrainNoise); }
            catch (ArgumentException e) when (e.ParamName is { } p)
            {
                throw new ArgumentException(NameTheOption(Services.CliService.OneLine(e), p, "--pretrain-noise"), e);
            }
            var schedule = new GreedyPretraining(PretrainEpochs ?? Math.Max(1, data.Epochs / 2), pretrainNoise);
            return Architecture.Build(data, Activation.Identity, corruption: Architecture.Corruption(data), pretraining: schedule);
        }

        /// <inheritdoc/>
        protected override string? OptionFor(string parameter) => parameter == "epochsPerLayer" ? "--pretrain-epochs" : DenseArchitecture.OptionFor(parameter);
    }
}
