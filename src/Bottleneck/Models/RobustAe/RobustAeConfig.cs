using System.Text.Json.Serialization;
using Bottleneck.NN;

namespace Bottleneck.Models.RobustAe;

/// <summary>The sparsity-inducing norm of a robust deep autoencoder's outlier part S and with it the proximal step.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<OutlierNorm>))]
public enum OutlierNorm
{
    /// <summary>ℓ1: ‖S‖₁ = Σᵢⱼ |Sᵢⱼ|; elementwise shrinkage Sᵢⱼ = sign(rᵢⱼ)·max(0, |rᵢⱼ| − λ) (single corrupted values).</summary>
    [JsonStringEnumMemberName("l1")] L1,
    /// <summary>ℓ2,1 over samples: Σᵢ ‖Sᵢ,:‖₂; group shrinkage of each row Sᵢ = rᵢ·max(0, 1 − λ√D/‖rᵢ‖₂) (whole samples are outliers).</summary>
    [JsonStringEnumMemberName("l21")] L21,
    /// <summary>ℓ2,1 over features: Σⱼ ‖S:,ⱼ‖₂; group shrinkage of each column S:,ⱼ = r:,ⱼ·max(0, 1 − λ√N/‖r:,ⱼ‖₂) (corrupted features).</summary>
    [JsonStringEnumMemberName("l21-columns")] L21Columns,
}

/// <summary>
/// Configuration of a robust deep autoencoder (Zhou &amp; Paffenroth, "Anomaly Detection with Robust Deep Autoencoders", KDD 2017):
/// the training rows are split as X = L_D + S, an MLP autoencoder D → hidden… → latentDim → … → D reconstructs L_D and S is sparse
/// under <see cref="Norm"/> with weight <see cref="Lambda"/>, fitted by <see cref="RobustAeFit"/> (alternating optimisation).
/// The model itself is the composed <see cref="Autoencoder"/> (MLP encoder, deterministic code, mirrored MLP decoder); scoring
/// new rows is its reconstruction error (see <see cref="RobustAeFit"/>).
/// </summary>
public sealed record RobustAeConfig : ModelConfig
{
    /// <summary>Creates and validates the configuration; kind "robust-ae".</summary>
    /// <param name="inputDim">D ≥ 1.</param>
    /// <param name="hidden">Encoder hidden widths, outermost first (each ≥ 1; may be empty). The decoder mirrors them.</param>
    /// <param name="latentDim">Code width ≥ 1.</param>
    /// <param name="hiddenActivation">Activation after each hidden layer (default ReLU).</param>
    /// <param name="output">The decoder's output distribution and loss (default <see cref="Likelihood.Gaussian"/>: linear output,
    /// squared error, for standardised data).</param>
    /// <param name="norm">The norm of S (default <see cref="OutlierNorm.L21"/>: whole rows are outliers).</param>
    /// <param name="lambda">λ &gt; 0, the shrinkage in units of one standardised value: the proximal threshold is λ for ℓ1, λ·√D
    /// for a row group and λ·√N for a column group, so a row enters S when its root-mean-square residual exceeds λ (default 1).</param>
    /// <param name="iterations">Outer iterations of the alternating optimisation, ≥ 1 (default 5); the training epochs are split
    /// evenly over them.</param>
    /// <exception cref="ArgumentOutOfRangeException">A width or the iteration count &lt; 1, or λ not &gt; 0 and finite.</exception>
    public RobustAeConfig(int inputDim, int[] hidden, int latentDim, Activation hiddenActivation = Activation.Relu, Likelihood? output = null,
        OutlierNorm norm = OutlierNorm.L21, float lambda = 1f, int iterations = 5) : base("robust-ae")
    {
        InputDim = AtLeastOne(inputDim, nameof(inputDim));
        Hidden = (hidden ?? []).ToArray();
        for (int i = 0; i < Hidden.Length; i++) AtLeastOne(Hidden[i], $"hidden[{i}]");
        LatentDim = AtLeastOne(latentDim, nameof(latentDim));
        HiddenActivation = hiddenActivation;
        Output = output ?? Likelihood.Gaussian;
        Norm = Enum.IsDefined(norm) ? norm : throw new ArgumentOutOfRangeException(nameof(norm), norm, $"unknown outlier norm {norm}");
        Lambda = lambda > 0 && float.IsFinite(lambda) ? lambda : throw new ArgumentOutOfRangeException(nameof(lambda), lambda, $"lambda must be > 0, got {lambda}");
        Iterations = AtLeastOne(iterations, nameof(iterations));
    }

    /// <inheritdoc/>
    public override int InputDim { get; }
    /// <summary>Encoder hidden widths, outermost first.</summary>
    public int[] Hidden { get; }
    /// <inheritdoc/>
    public override int LatentDim { get; }
    /// <summary>Activation after each hidden layer.</summary>
    public Activation HiddenActivation { get; }
    /// <summary>The decoder's output distribution (saved as <c>output</c>).</summary>
    public Likelihood Output { get; }
    /// <inheritdoc/>
    [JsonIgnore] public override Likelihood Likelihood => Output;
    /// <summary>The norm of the outlier part S.</summary>
    public OutlierNorm Norm { get; }
    /// <summary>λ, the shrinkage per standardised value.</summary>
    public float Lambda { get; }
    /// <summary>Outer iterations of the alternating optimisation.</summary>
    public int Iterations { get; }

    /// <summary>The name of <see cref="Norm"/> as saved and on the command line ("l1", "l21", "l21-columns").</summary>
    public static string NormName(OutlierNorm norm) => norm switch { OutlierNorm.L1 => "l1", OutlierNorm.L21 => "l21", _ => "l21-columns" };

    /// <summary>Parses "l1", "l21" or "l21-columns".</summary>
    /// <exception cref="FormatException">Another name; the message lists the accepted ones.</exception>
    public static OutlierNorm ParseNorm(string name) => name?.Trim().ToLowerInvariant() switch
    {
        "l1" => OutlierNorm.L1,
        "l21" or "l2,1" => OutlierNorm.L21,
        "l21-columns" => OutlierNorm.L21Columns,
        _ => throw new FormatException($"unknown outlier norm \"{name}\"; use l1, l21 (rows) or l21-columns"),
    };

    /// <inheritdoc/>
    public override string Describe()
    {
        int[] enc = [InputDim, .. Hidden, LatentDim];
        return $"{Kind} {string.Join("-", enc.Concat(enc.Reverse().Skip(1)))}, {HiddenActivation.Name()}, {Output.Name}, " +
               $"S by {NormName(Norm)} lambda {Num(Lambda)}, {Iterations} iteration{(Iterations == 1 ? "" : "s")}";
    }

    /// <inheritdoc/>
    public override IEnumerable<(string Name, string Value)> Summary() =>
    [
        ("input", InputDim.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ("hidden", Hidden.Length == 0 ? "(none)" : string.Join(",", Hidden)),
        ("latent", LatentDim.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ("activation", HiddenActivation.Name()),
        ("output", Output.Name),
        ("outlier part", $"{NormName(Norm)}, lambda {Num(Lambda)}"),
        ("iterations", Iterations.ToString(System.Globalization.CultureInfo.InvariantCulture)),
    ];

    /// <inheritdoc/>
    public bool Equals(RobustAeConfig? other) => other is not null && ToString() == other.ToString();
    /// <inheritdoc/>
    public override int GetHashCode() => ToString().GetHashCode(StringComparison.Ordinal);
    /// <inheritdoc/>
    protected override bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append($"Kind = {Kind}, InputDim = {InputDim}, Hidden = [{string.Join(", ", Hidden)}], LatentDim = {LatentDim}, HiddenActivation = {HiddenActivation}, " +
                       $"Output = {Output.Name}, Norm = {Norm}, Lambda = {Lambda}, Iterations = {Iterations}");
        return true;
    }
}
