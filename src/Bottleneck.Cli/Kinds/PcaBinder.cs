using System.CommandLine;
using Bottleneck.Models;
using Bottleneck.Models.Pca;

namespace Bottleneck.Cli.Kinds;

/// <summary><c>--kind pca</c>: <c>--components</c> (or <c>--latent</c>), fitted in closed form.</summary>
public sealed class PcaBinder(DenseOptions dense) : KindBinder
{
    private readonly Option<int?> _components = new("--components") { Description = "Principal components kept (fitted in closed form). Default --latent", HelpName = "K" };

    /// <inheritdoc/>
    public override string Kind => "pca";

    /// <inheritdoc/>
    public override IReadOnlyList<Option> Options => [_components, dense.Latent];

    /// <inheritdoc/>
    public override KindSettings Bind(ParseResult result) => new Settings(result.GetValue(_components), Given(result, dense.Latent), result.GetValue(dense.Latent));

    /// <summary>The pca kind's values.</summary>
    /// <param name="Components">--components, or null.</param>
    /// <param name="GivenLatent">--latent when typed, or null.</param>
    /// <param name="Latent">--latent's value (its default when not typed).</param>
    public sealed record Settings(int? Components, int? GivenLatent, int Latent) : KindSettings("pca")
    {
        /// <inheritdoc/>
        public override Likelihood Output(KindData data) => Likelihood.Gaussian;

        /// <inheritdoc/>
        /// <exception cref="ArgumentException">--components and --latent disagree.</exception>
        protected override ModelConfig Create(KindData data)
        {
            if (Components is { } k && GivenLatent is { } l && k != l)
                throw new ArgumentException($"--kind pca: --components {k} and --latent {l} disagree; give only --components");
            return new PcaConfig(data.InputDim, Components ?? Math.Min(GivenLatent ?? Latent, data.InputDim));
        }

        /// <inheritdoc/>
        protected override string? OptionFor(string parameter) => parameter switch
        {
            "components" => Components != null ? "--components" : "--latent",
            _ => null,
        };
    }
}
