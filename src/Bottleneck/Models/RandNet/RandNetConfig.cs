using System.Text.Json.Serialization;
using Bottleneck.NN;

namespace Bottleneck.Models.RandNet;

/// <summary>
/// Configuration of RandNet (Chen, Sathe, Aggarwal &amp; Turaga, "Outlier Detection with Autoencoder Ensembles", SDM 2017): an
/// ensemble of <see cref="Members"/> MLP autoencoders D → hidden… → memberLatentDim → … → D whose connections are randomly thinned
/// (a fixed random mask per weight matrix, <see cref="MaskedLinear"/>), each trained on its own random subsample of the training
/// rows (<see cref="RandNetFit"/>); a row's score is the <see cref="Combination"/> (median, as the paper) of the members' squared
/// reconstruction errors, each standardised by its mean and standard deviation on the training rows.
/// </summary>
public sealed record RandNetConfig : ModelConfig
{
    /// <summary>Creates and validates the configuration; kind "randnet".</summary>
    /// <param name="inputDim">D ≥ 1.</param>
    /// <param name="hidden">Each member's encoder hidden widths, outermost first (each ≥ 1; may be empty); decoders mirror them.</param>
    /// <param name="memberLatentDim">Each member's code width ≥ 1.</param>
    /// <param name="members">Ensemble size M ≥ 1 (default 10).</param>
    /// <param name="dropConnect">Probability that a connection is removed from a member, in [0, 1) (default 0.3).</param>
    /// <param name="sampleFraction">Fraction of the training rows each member is trained on, drawn without replacement, in (0, 1]
    /// (default 0.5).</param>
    /// <param name="combination">How the standardised member scores are combined (default <see cref="ScoreCombination.Median"/>).</param>
    /// <param name="hiddenActivation">Activation after each hidden layer (default ReLU).</param>
    /// <param name="output">Each member's output distribution and loss (default <see cref="Likelihood.Gaussian"/>: linear output,
    /// squared error, for standardised data).</param>
    /// <exception cref="ArgumentOutOfRangeException">A width or M &lt; 1, dropConnect outside [0, 1), sampleFraction outside (0, 1].</exception>
    public RandNetConfig(int inputDim, int[] hidden, int memberLatentDim, int members = 10, float dropConnect = 0.3f, float sampleFraction = 0.5f,
        ScoreCombination combination = ScoreCombination.Median, Activation hiddenActivation = Activation.Relu, Likelihood? output = null) : base("randnet")
    {
        InputDim = AtLeastOne(inputDim, nameof(inputDim));
        Hidden = (hidden ?? []).ToArray();
        for (int i = 0; i < Hidden.Length; i++) AtLeastOne(Hidden[i], $"hidden[{i}]");
        MemberLatentDim = AtLeastOne(memberLatentDim, nameof(memberLatentDim));
        Members = AtLeastOne(members, nameof(members));
        DropConnect = dropConnect >= 0f && dropConnect < 1f ? dropConnect
            : throw new ArgumentOutOfRangeException(nameof(dropConnect), dropConnect, $"dropConnect must be in [0, 1), got {dropConnect}");
        SampleFraction = sampleFraction > 0f && sampleFraction <= 1f ? sampleFraction
            : throw new ArgumentOutOfRangeException(nameof(sampleFraction), sampleFraction, $"sampleFraction must be in (0, 1], got {sampleFraction}");
        Combination = Enum.IsDefined(combination) ? combination : throw new ArgumentOutOfRangeException(nameof(combination), combination, $"unknown combination {combination}");
        HiddenActivation = hiddenActivation;
        Output = output ?? Likelihood.Gaussian;
    }

    /// <inheritdoc/>
    public override int InputDim { get; }
    /// <summary>Each member's encoder hidden widths, outermost first.</summary>
    public int[] Hidden { get; }
    /// <summary>Each member's code width.</summary>
    public int MemberLatentDim { get; }
    /// <summary>The ensemble's code: the members' codes side by side, M·memberLatentDim.</summary>
    [JsonIgnore] public override int LatentDim => Members * MemberLatentDim;
    /// <summary>Ensemble size M.</summary>
    public int Members { get; }
    /// <summary>Probability that a connection is removed.</summary>
    public float DropConnect { get; }
    /// <summary>Fraction of the training rows per member.</summary>
    public float SampleFraction { get; }
    /// <summary>How standardised member scores are combined.</summary>
    public ScoreCombination Combination { get; }
    /// <summary>Activation after each hidden layer.</summary>
    public Activation HiddenActivation { get; }
    /// <summary>Each member's output distribution (saved as <c>output</c>).</summary>
    public Likelihood Output { get; }
    /// <inheritdoc/>
    [JsonIgnore] public override Likelihood Likelihood => Output;

    /// <summary>Parses "mean", "max" or "median".</summary>
    /// <exception cref="FormatException">Another name; the message lists the accepted ones.</exception>
    public static ScoreCombination ParseCombination(string name) => name?.Trim().ToLowerInvariant() switch
    {
        "mean" => ScoreCombination.Mean,
        "max" => ScoreCombination.Max,
        "median" => ScoreCombination.Median,
        _ => throw new FormatException($"unknown score combination \"{name}\"; use median, mean or max"),
    };

    /// <inheritdoc/>
    public override string Describe()
    {
        int[] enc = [InputDim, .. Hidden, MemberLatentDim];
        return $"{Kind} {Members} x {string.Join("-", enc.Concat(enc.Reverse().Skip(1)))}, {HiddenActivation.Name()}, {Output.Name}, " +
               $"drop-connect {Num(DropConnect)}, sample {Num(SampleFraction)}, {Combination.ToString().ToLowerInvariant()} of standardised errors";
    }

    /// <inheritdoc/>
    public override IEnumerable<(string Name, string Value)> Summary() =>
    [
        ("input", InputDim.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ("members", Members.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ("hidden", Hidden.Length == 0 ? "(none)" : string.Join(",", Hidden)),
        ("member latent", MemberLatentDim.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ("activation", HiddenActivation.Name()),
        ("output", Output.Name),
        ("drop-connect", Num(DropConnect)),
        ("sample fraction", Num(SampleFraction)),
        ("combination", Combination.ToString().ToLowerInvariant()),
    ];

    /// <inheritdoc/>
    public bool Equals(RandNetConfig? other) => other is not null && ToString() == other.ToString();
    /// <inheritdoc/>
    public override int GetHashCode() => ToString().GetHashCode(StringComparison.Ordinal);
    /// <inheritdoc/>
    protected override bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append($"Kind = {Kind}, InputDim = {InputDim}, Hidden = [{string.Join(", ", Hidden)}], MemberLatentDim = {MemberLatentDim}, Members = {Members}, " +
                       $"DropConnect = {DropConnect}, SampleFraction = {SampleFraction}, Combination = {Combination}, HiddenActivation = {HiddenActivation}, Output = {Output.Name}");
        return true;
    }
}

/// <summary>The config of one RandNet member (not a registered kind): its sample shape, code width and likelihood.</summary>
internal sealed record RandNetMemberConfig : ModelConfig
{
    public RandNetMemberConfig(RandNetConfig ensemble, int index) : base("randnet-member")
    {
        InputDim = ensemble.InputDim;
        LatentDim = ensemble.MemberLatentDim;
        Likelihood = ensemble.Output;
        Index = index;
    }

    public override int InputDim { get; }
    public override int LatentDim { get; }
    public override Likelihood Likelihood { get; }
    public int Index { get; }
    public override string Describe() => $"randnet member {Index + 1}";
}
