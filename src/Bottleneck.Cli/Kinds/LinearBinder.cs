using System.CommandLine;
using Bottleneck.Models;
using Bottleneck.Models.Dense;

namespace Bottleneck.Cli.Kinds;

/// <summary><c>--kind linear</c>: <c>--latent</c>, <c>--tied</c>, <c>--l2</c>, <c>--l1</c> (one linear layer each way, linear-mse output).</summary>
public sealed class LinearBinder(DenseOptions dense) : KindBinder
{
    /// <inheritdoc/>
    public override string Kind => "linear";

    /// <inheritdoc/>
    public override IReadOnlyList<Option> Options => [dense.Latent, dense.Tied, dense.L2, dense.L1];

    /// <inheritdoc/>
    public override KindSettings Bind(ParseResult result) =>
        new Settings(result.GetValue(dense.Latent), result.GetValue(dense.Tied), result.GetValue(dense.L2), result.GetValue(dense.L1));

    /// <summary>The linear kind's values.</summary>
    /// <param name="Latent">Code width.</param>
    /// <param name="Tied">Tied weights.</param>
    /// <param name="L2">L2 weight penalty.</param>
    /// <param name="L1">L1 weight penalty.</param>
    public sealed record Settings(int Latent, bool Tied, float L2, float L1) : KindSettings("linear")
    {
        /// <inheritdoc/>
        public override Likelihood Output(KindData data) => Likelihood.Gaussian;
        /// <inheritdoc/>
        protected override ModelConfig Create(KindData data) => DenseConfig.Linear(data.InputDim, Latent, Tied, L2, L1);
        /// <inheritdoc/>
        protected override string? OptionFor(string parameter) => DenseArchitecture.OptionFor(parameter);
    }
}
