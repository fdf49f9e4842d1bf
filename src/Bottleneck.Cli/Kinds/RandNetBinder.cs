using System.CommandLine;
using Bottleneck.Cli.Commands;
using Bottleneck.Models;
using Bottleneck.Models.RandNet;

namespace Bottleneck.Cli.Kinds;

/// <summary><c>--kind randnet</c>: --hidden, --latent (per member), --activation, --output, <c>--members</c>, <c>--drop-connect</c>,
/// <c>--sample-fraction</c>, <c>--combine</c> (Chen et al. 2017).</summary>
public sealed class RandNetBinder(DenseOptions dense) : KindBinder
{
    private readonly Option<int?> _members = new("--members") { Description = "Autoencoders in the ensemble. Default 10", HelpName = "M" };
    private readonly Option<float?> _dropConnect = new("--drop-connect")
    { Description = "Probability that a member's connection is removed (a fixed random mask per member), in [0,1). Default 0.3", HelpName = "P" };
    private readonly Option<float?> _sample = new("--sample-fraction")
    { Description = "Fraction of the training rows each member is trained on (drawn without replacement), in (0,1]. Default 0.5", HelpName = "F" };
    private readonly Option<string> _combine = CliOptions.Choice("--combine",
        "How the members' standardised scores are combined: median (the paper), mean or max", "median", "median", "mean", "max");

    /// <inheritdoc/>
    public override string Kind => "randnet";

    /// <inheritdoc/>
    public override IReadOnlyList<Option> Options => [.. dense.Architecture, _members, _dropConnect, _sample, _combine];

    /// <inheritdoc/>
    public override KindSettings Bind(ParseResult result) => new Settings(dense.Bind(result), result.GetValue(_members), result.GetValue(_dropConnect),
        result.GetValue(_sample), RandNetConfig.ParseCombination(result.GetValue(_combine)!));

    /// <summary>The randnet kind's values.</summary>
    /// <param name="Architecture">The architecture values (per member).</param>
    /// <param name="Members">M, or null for the default.</param>
    /// <param name="DropConnect">Connection removal probability, or null for the default.</param>
    /// <param name="SampleFraction">Subsample fraction, or null for the default.</param>
    /// <param name="Combination">How scores are combined.</param>
    public sealed record Settings(DenseArchitecture Architecture, int? Members, float? DropConnect, float? SampleFraction, ScoreCombination Combination)
        : KindSettings("randnet")
    {
        /// <inheritdoc/>
        public override Likelihood Output(KindData data) => DetectorDefaults.Output(Architecture);

        /// <inheritdoc/>
        protected override ModelConfig Create(KindData data)
        {
            DetectorDefaults.CheckPlain(Architecture, Kind);
            return new RandNetConfig(data.InputDim, DetectorDefaults.Hidden(Architecture, data), DetectorDefaults.Latent(Architecture, data),
                Members ?? 10, DropConnect ?? 0.3f, SampleFraction ?? 0.5f, Combination, Architecture.Activation, DetectorDefaults.Output(Architecture));
        }

        /// <inheritdoc/>
        protected override string? OptionFor(string parameter) => parameter switch
        {
            "members" => "--members",
            "dropConnect" => "--drop-connect",
            "sampleFraction" => "--sample-fraction",
            "memberLatentDim" => "--latent",
            _ => DenseArchitecture.OptionFor(parameter),
        };
    }
}
