using System.CommandLine;
using Bottleneck.Models;
using Bottleneck.NN;

namespace Bottleneck.Cli.Kinds;

/// <summary><c>--kind dense</c>: the architecture options only.</summary>
public sealed class DenseBinder(DenseOptions dense) : KindBinder
{
    /// <inheritdoc/>
    public override string Kind => "dense";

    /// <inheritdoc/>
    public override IReadOnlyList<Option> Options => dense.Architecture;

    /// <inheritdoc/>
    public override KindSettings Bind(ParseResult result) => new Settings(dense.Bind(result));

    /// <summary>The dense kind's values.</summary>
    /// <param name="Architecture">The architecture values.</param>
    public sealed record Settings(DenseArchitecture Architecture) : KindSettings("dense")
    {
        /// <inheritdoc/>
        public override bool TakesUnsupervisedRecipe => true;
        /// <inheritdoc/>
        public override Likelihood Output(KindData data) => Architecture.OutputFor(data.Purpose);
        /// <inheritdoc/>
        protected override ModelConfig Create(KindData data) => Architecture.Build(data, Activation.Identity);
        /// <inheritdoc/>
        protected override string? OptionFor(string parameter) => DenseArchitecture.OptionFor(parameter);
    }
}
