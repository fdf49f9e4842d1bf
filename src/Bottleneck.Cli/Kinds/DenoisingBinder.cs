using System.CommandLine;
using Bottleneck.Models;
using Bottleneck.NN;

namespace Bottleneck.Cli.Kinds;

/// <summary><c>--kind denoising</c>: the architecture options and <c>--noise</c> (default gaussian:0.5).</summary>
public sealed class DenoisingBinder(DenseOptions dense) : KindBinder
{
    /// <inheritdoc/>
    public override string Kind => "denoising";

    /// <inheritdoc/>
    public override IReadOnlyList<Option> Options => [.. dense.Architecture, dense.Noise];

    /// <inheritdoc/>
    public override KindSettings Bind(ParseResult result) => new Settings(dense.Bind(result));

    /// <summary>The denoising kind's values.</summary>
    /// <param name="Architecture">The architecture values and the noise.</param>
    public sealed record Settings(DenseArchitecture Architecture) : KindSettings("denoising")
    {
        /// <inheritdoc/>
        public override Likelihood Output(KindData data) => Architecture.OutputFor(data.Purpose);
        /// <inheritdoc/>
        protected override ModelConfig Create(KindData data) =>
            Architecture.Build(data, Activation.Identity, corruption: Architecture.Corruption(data, DenseOptions.DefaultDenoisingNoise));
        /// <inheritdoc/>
        protected override string? OptionFor(string parameter) => DenseArchitecture.OptionFor(parameter);
    }
}
