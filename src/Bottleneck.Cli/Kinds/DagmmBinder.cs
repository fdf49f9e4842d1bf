using System.CommandLine;
using Bottleneck.Cli.Commands;
using Bottleneck.Models;
using Bottleneck.Models.Dagmm;

namespace Bottleneck.Cli.Kinds;

/// <summary><c>--kind dagmm</c>: --hidden, --latent, --activation, --output, <c>--mixtures</c>, <c>--estimation-hidden</c>,
/// <c>--energy-weight</c>, <c>--covariance-weight</c> (Zong et al. 2018).</summary>
public sealed class DagmmBinder(DenseOptions dense) : KindBinder
{
    /// <summary>The compression network's hidden widths when --hidden is not given (the paper's KDDCUP network: 60, 30, 10).</summary>
    public static readonly int[] DefaultHidden = [60, 30, 10];

    private readonly Option<int?> _mixtures = new("--mixtures") { Description = "K, Gaussian mixture components of the estimation network. Default 4", HelpName = "K" };
    private readonly Option<string> _estimationHidden = CliOptions.IntList("--estimation-hidden",
        "Estimation network hidden widths (comma-separated)", "10");
    private readonly Option<float?> _energyWeight = new("--energy-weight") { Description = "lambda1, weight of the mean sample energy. Default 0.1", HelpName = "X" };
    private readonly Option<float?> _covarianceWeight = new("--covariance-weight")
    { Description = "lambda2, weight of the penalty sum 1/Sigma_kk on small variances. Default 0.005", HelpName = "X" };

    /// <inheritdoc/>
    public override string Kind => "dagmm";

    /// <inheritdoc/>
    public override IReadOnlyList<Option> Options => [.. dense.Architecture, _mixtures, _estimationHidden, _energyWeight, _covarianceWeight];

    /// <inheritdoc/>
    public override KindSettings Bind(ParseResult result) => new Settings(dense.Bind(result), IsGiven(result, dense.Activation),
        result.GetValue(_mixtures), CliOptions.ParseIntList(result.GetValue(_estimationHidden), "--estimation-hidden"),
        result.GetValue(_energyWeight), result.GetValue(_covarianceWeight));

    /// <summary>The dagmm kind's values.</summary>
    /// <param name="Architecture">The compression network's architecture values.</param>
    /// <param name="ActivationGiven">Whether --activation was typed (else tanh, as the paper).</param>
    /// <param name="Mixtures">K, or null for the default.</param>
    /// <param name="EstimationHidden">The estimation network's hidden widths.</param>
    /// <param name="EnergyWeight">λ₁, or null for the default.</param>
    /// <param name="CovarianceWeight">λ₂, or null for the default.</param>
    public sealed record Settings(DenseArchitecture Architecture, bool ActivationGiven, int? Mixtures, int[] EstimationHidden, float? EnergyWeight,
        float? CovarianceWeight) : KindSettings("dagmm")
    {
        /// <inheritdoc/>
        public override Likelihood Output(KindData data) => DetectorDefaults.Output(Architecture);

        /// <inheritdoc/>
        /// <remarks>Measured on the wide benchmark (docs/anomaly.md, "DAGMM: where it is not sound").</remarks>
        public override string? ContaminationCaveat =>
            "dagmm is not a sound detector when the training rows may hold many anomalies or anomalies that cluster: on the wide anomaly benchmark " +
            "(PyOD's protocol) it ranks worse than chance on ionosphere, glass and vowels, where IsolationForest and PCA reach 0.6 (docs/anomaly.md); " +
            "for unlabelled rows use train with no --kind (the unsupervised recipe), or train on known normal rows with --normal-only COLUMN=VALUE";

        /// <inheritdoc/>
        protected override ModelConfig Create(KindData data)
        {
            DetectorDefaults.CheckPlain(Architecture, Kind);
            return new DagmmConfig(data.InputDim, Architecture.Hidden ?? DefaultHidden, Architecture.Latent ?? 1, Mixtures ?? 4, EstimationHidden,
                ActivationGiven ? Architecture.Activation : NN.Activation.Tanh, energyWeight: EnergyWeight ?? 0.1f, covarianceWeight: CovarianceWeight ?? 0.005f,
                output: DetectorDefaults.Output(Architecture));
        }

        /// <inheritdoc/>
        protected override string? OptionFor(string parameter) => parameter switch
        {
            "components" => "--mixtures",
            "estimationHidden" => "--estimation-hidden",
            "energyWeight" => "--energy-weight",
            "covarianceWeight" => "--covariance-weight",
            _ => DenseArchitecture.OptionFor(parameter),
        };
    }
}
