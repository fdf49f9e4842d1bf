using System.Text.Json.Serialization;
using Bottleneck.NN;

namespace Bottleneck.Models.Dagmm;

/// <summary>
/// Configuration of a Deep Autoencoding Gaussian Mixture Model (Zong et al., "Deep Autoencoding Gaussian Mixture Model for
/// Unsupervised Anomaly Detection", ICLR 2018): a compression network D → hidden… → latentDim → … → D, and an estimation network
/// on z = [z_c, relative Euclidean error, cosine similarity] (latentDim + 2 values) → estimationHidden… → K with a softmax, whose
/// memberships give the Gaussian mixture's φ, μ, Σ. Loss = reconstruction + λ₁·mean sample energy + λ₂·Σₖ Σⱼ 1/Σₖ,ⱼⱼ.
/// </summary>
public sealed record DagmmConfig : ModelConfig
{
    /// <summary>Creates and validates the configuration; kind "dagmm".</summary>
    /// <param name="inputDim">D ≥ 1.</param>
    /// <param name="hidden">Compression encoder hidden widths, outermost first (each ≥ 1; may be empty); the decoder mirrors them.</param>
    /// <param name="latentDim">Width of the compression code z_c, ≥ 1 (the paper uses 1 or 2).</param>
    /// <param name="components">K, mixture components, ≥ 1 (default 4; the paper uses 2 to 4).</param>
    /// <param name="estimationHidden">Estimation network hidden widths (default [10], as the paper).</param>
    /// <param name="hiddenActivation">Activation of every hidden layer of both networks (default tanh, as the paper).</param>
    /// <param name="estimationDropout">Dropout after the estimation network's hidden layers, in [0, 1) (default 0.5, as the paper).</param>
    /// <param name="energyWeight">λ₁ ≥ 0, weight of the mean sample energy (default 0.1, as the paper).</param>
    /// <param name="covarianceWeight">λ₂ ≥ 0, weight of the penalty Σₖ Σⱼ 1/Σₖ,ⱼⱼ on small variances (default 0.005, as the paper).</param>
    /// <param name="covarianceEps">ε &gt; 0 added to the covariances' diagonals before inversion (default 1e-6; the paper's "small value").</param>
    /// <param name="output">The compression network's output distribution and reconstruction loss (default
    /// <see cref="Likelihood.Gaussian"/>: linear output, squared error, for standardised data).</param>
    /// <exception cref="ArgumentOutOfRangeException">A width or K &lt; 1, dropout outside [0, 1), a negative weight, or ε not &gt; 0.</exception>
    public DagmmConfig(int inputDim, int[] hidden, int latentDim, int components = 4, int[]? estimationHidden = null,
        Activation hiddenActivation = Activation.Tanh, float estimationDropout = 0.5f, float energyWeight = 0.1f, float covarianceWeight = 0.005f,
        float covarianceEps = 1e-6f, Likelihood? output = null) : base("dagmm")
    {
        InputDim = AtLeastOne(inputDim, nameof(inputDim));
        Hidden = (hidden ?? []).ToArray();
        for (int i = 0; i < Hidden.Length; i++) AtLeastOne(Hidden[i], $"hidden[{i}]");
        LatentDim = AtLeastOne(latentDim, nameof(latentDim));
        Components = AtLeastOne(components, nameof(components));
        EstimationHidden = (estimationHidden ?? [10]).ToArray();
        for (int i = 0; i < EstimationHidden.Length; i++) AtLeastOne(EstimationHidden[i], $"estimationHidden[{i}]");
        HiddenActivation = hiddenActivation;
        EstimationDropout = estimationDropout >= 0f && estimationDropout < 1f ? estimationDropout
            : throw new ArgumentOutOfRangeException(nameof(estimationDropout), estimationDropout, $"estimationDropout must be in [0, 1), got {estimationDropout}");
        EnergyWeight = NonNegative(energyWeight, nameof(energyWeight));
        CovarianceWeight = NonNegative(covarianceWeight, nameof(covarianceWeight));
        CovarianceEps = covarianceEps > 0 && float.IsFinite(covarianceEps) ? covarianceEps
            : throw new ArgumentOutOfRangeException(nameof(covarianceEps), covarianceEps, $"covarianceEps must be > 0, got {covarianceEps}");
        Output = output ?? Likelihood.Gaussian;
    }

    /// <inheritdoc/>
    public override int InputDim { get; }
    /// <summary>Compression encoder hidden widths, outermost first.</summary>
    public int[] Hidden { get; }
    /// <inheritdoc/>
    public override int LatentDim { get; }
    /// <summary>K, the number of mixture components.</summary>
    public int Components { get; }
    /// <summary>Estimation network hidden widths.</summary>
    public int[] EstimationHidden { get; }
    /// <summary>Activation of the hidden layers.</summary>
    public Activation HiddenActivation { get; }
    /// <summary>Dropout in the estimation network.</summary>
    public float EstimationDropout { get; }
    /// <summary>λ₁, the weight of the sample energy.</summary>
    public float EnergyWeight { get; }
    /// <summary>λ₂, the weight of the covariance penalty.</summary>
    public float CovarianceWeight { get; }
    /// <summary>ε added to the covariance diagonals.</summary>
    public float CovarianceEps { get; }
    /// <summary>The compression network's output distribution (saved as <c>output</c>).</summary>
    public Likelihood Output { get; }
    /// <inheritdoc/>
    [JsonIgnore] public override Likelihood Likelihood => Output;

    /// <summary>The width of the mixture's input z = [z_c, relative Euclidean error, cosine similarity]: latentDim + 2.</summary>
    [JsonIgnore] public int MixtureDim => LatentDim + 2;

    /// <inheritdoc/>
    public override string Describe()
    {
        int[] enc = [InputDim, .. Hidden, LatentDim];
        return $"{Kind} {string.Join("-", enc.Concat(enc.Reverse().Skip(1)))}, {HiddenActivation.Name()}, {Output.Name}, " +
               $"estimation {string.Join("-", new[] { MixtureDim }.Concat(EstimationHidden).Append(Components))}, K {Components}, " +
               $"lambda1 {Num(EnergyWeight)}, lambda2 {Num(CovarianceWeight)}";
    }

    /// <inheritdoc/>
    public override IEnumerable<(string Name, string Value)> Summary() =>
    [
        ("input", InputDim.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ("hidden", Hidden.Length == 0 ? "(none)" : string.Join(",", Hidden)),
        ("latent", $"{LatentDim} (+ relative error and cosine similarity = {MixtureDim} mixture inputs)"),
        ("activation", HiddenActivation.Name()),
        ("output", Output.Name),
        ("estimation network", $"{string.Join(",", EstimationHidden)} hidden, dropout {Num(EstimationDropout)}, softmax over {Components} components"),
        ("loss weights", $"energy {Num(EnergyWeight)}, covariance penalty {Num(CovarianceWeight)}, diagonal eps {Num(CovarianceEps)}"),
    ];

    /// <inheritdoc/>
    public bool Equals(DagmmConfig? other) => other is not null && ToString() == other.ToString();
    /// <inheritdoc/>
    public override int GetHashCode() => ToString().GetHashCode(StringComparison.Ordinal);
    /// <inheritdoc/>
    protected override bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append($"Kind = {Kind}, InputDim = {InputDim}, Hidden = [{string.Join(", ", Hidden)}], LatentDim = {LatentDim}, Components = {Components}, " +
                       $"EstimationHidden = [{string.Join(", ", EstimationHidden)}], HiddenActivation = {HiddenActivation}, EstimationDropout = {EstimationDropout}, " +
                       $"EnergyWeight = {EnergyWeight}, CovarianceWeight = {CovarianceWeight}, CovarianceEps = {CovarianceEps}, Output = {Output.Name}");
        return true;
    }
}
