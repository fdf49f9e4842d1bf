using System.CommandLine;
using Bottleneck.Models;
using Bottleneck.Models.Dense;

namespace Bottleneck.Cli.Kinds;

/// <summary><c>--kind linear</c>: <c>--latent</c>, <c>--tied</c>, <c>--l2</c>, <c>--l1</c> (one linear layer each way; <c>--output</c> may only say linear-mse).</summary>
public sealed class LinearBinder(DenseOptions dense) : KindBinder
{
    /// <inheritdoc/>
    public override string Kind => "linear";

    /// <inheritdoc/>
    public override IReadOnlyList<Option> Options => [dense.Latent, dense.Tied, dense.L2, dense.L1, dense.Output];

    /// <inheritdoc/>
    public override KindSettings Bind(ParseResult result) =>
        new Settings(Given(result, dense.Latent), result.GetValue(dense.Tied), result.GetValue(dense.L2), result.GetValue(dense.L1),
            IsGiven(result, dense.Output) ? Likelihood.Parse(result.GetValue(dense.Output)) : null);

    /// <summary>The linear kind's values.</summary>
    /// <param name="Latent">Code width, or null for the purpose's default (32; the anomaly code width for anomaly detection).</param>
    /// <param name="Tied">Tied weights.</param>
    /// <param name="L2">L2 weight penalty.</param>
    /// <param name="L1">L1 weight penalty.</param>
    /// <param name="GivenOutput">--output when typed (only linear-mse is accepted), or null.</param>
    public sealed record Settings(int? Latent, bool Tied, float L2, float L1, Likelihood? GivenOutput = null) : KindSettings("linear")
    {
        /// <inheritdoc/>
        public override Likelihood Output(KindData data) => Likelihood.Gaussian;

        /// <inheritdoc/>
        /// <exception cref="ArgumentException">--output other than linear-mse.</exception>
        protected override ModelConfig Create(KindData data)
        {
            PcaBinder.CheckLinearOutput(GivenOutput, Kind);
            return DenseConfig.Linear(data.InputDim, Latent ?? PcaBinder.DefaultCode(data), Tied, L2, L1);
        }
        /// <inheritdoc/>
        protected override string? OptionFor(string parameter) => DenseArchitecture.OptionFor(parameter);
    }
}
