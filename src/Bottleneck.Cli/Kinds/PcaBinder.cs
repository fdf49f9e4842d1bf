using System.CommandLine;
using Bottleneck.Models;
using Bottleneck.Models.Pca;

namespace Bottleneck.Cli.Kinds;

/// <summary><c>--kind pca</c>: <c>--components</c> (or <c>--latent</c>), fitted in closed form; <c>--output</c> may only say linear-mse.</summary>
public sealed class PcaBinder(DenseOptions dense) : KindBinder
{
    private readonly Option<int?> _components = new("--components") { Description = "Principal components kept (fitted in closed form). Default --latent", HelpName = "K" };

    /// <inheritdoc/>
    public override string Kind => "pca";

    /// <inheritdoc/>
    public override IReadOnlyList<Option> Options => [_components, dense.Latent, dense.Output];

    /// <inheritdoc/>
    public override KindSettings Bind(ParseResult result) => new Settings(result.GetValue(_components), Given(result, dense.Latent),
        IsGiven(result, dense.Output) ? Likelihood.Parse(result.GetValue(dense.Output)) : null);

    /// <summary>
    /// The code width when none is given: the anomaly rule's clamp(round(D/8), 2, 32) when training for anomaly detection
    /// (<see cref="Anomaly.AnomalyDefaults.LatentWidth"/>), else --latent's default 32; at most D.
    /// </summary>
    public static int DefaultCode(KindData data) => Math.Min(data.InputDim,
        data.Purpose == TrainingPurpose.Reconstruction ? DenseOptions.DefaultLatent : Anomaly.AnomalyDefaults.LatentWidth(data.InputDim));

    /// <summary>Accepts a typed <c>--output</c> only when it says the kind's own linear-mse.</summary>
    /// <exception cref="ArgumentException">Another output.</exception>
    public static void CheckLinearOutput(Likelihood? given, string kind)
    {
        if (given is not null && given != Likelihood.Gaussian)
            throw new ArgumentException($"--kind {kind} has a linear-mse output; --output {given.Name} does not apply");
    }

    /// <summary>The pca kind's values.</summary>
    /// <param name="Components">--components, or null.</param>
    /// <param name="GivenLatent">--latent when typed, or null.</param>
    /// <param name="GivenOutput">--output when typed (only linear-mse is accepted), or null.</param>
    public sealed record Settings(int? Components, int? GivenLatent, Likelihood? GivenOutput = null) : KindSettings("pca")
    {
        /// <inheritdoc/>
        public override Likelihood Output(KindData data) => Likelihood.Gaussian;

        /// <inheritdoc/>
        /// <exception cref="ArgumentException">--components and --latent disagree.</exception>
        protected override ModelConfig Create(KindData data)
        {
            if (Components is { } k && GivenLatent is { } l && k != l)
                throw new ArgumentException($"--kind pca: --components {k} and --latent {l} disagree; give only --components");
            CheckLinearOutput(GivenOutput, Kind);
            return new PcaConfig(data.InputDim, Components ?? Math.Min(GivenLatent ?? DefaultCode(data), data.InputDim));
        }

        /// <inheritdoc/>
        protected override string? OptionFor(string parameter) => parameter switch
        {
            "components" => Components != null ? "--components" : "--latent",
            _ => null,
        };
    }
}
