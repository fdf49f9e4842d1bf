using System.Text.Json.Serialization;
using Bottleneck.NN;

namespace Bottleneck.Models.Recommendation;

/// <summary>Which vectors of the rating matrix an AutoRec model reconstructs.</summary>
public enum AutoRecOrientation
{
    /// <summary>I-AutoRec: each item is a sample, the vector of its ratings over the users (D = number of users). The paper's better variant.</summary>
    Item,
    /// <summary>U-AutoRec: each user is a sample, the vector of their ratings over the items (D = number of items).</summary>
    User,
}

/// <summary>
/// AutoRec (Sedhain, Menon, Sanner &amp; Xie, "AutoRec: autoencoders meet collaborative filtering", WWW 2015):
/// h(r) = f(W·g(V·r + μ) + b) with g sigmoid and f the identity, trained on the observed entries only:
/// Σ_rows ‖(r − h(r)) ⊙ m‖² + (λ/2)·(‖W‖²_F + ‖V‖²_F) (biases not penalised).
/// </summary>
/// <remarks>
/// <para>Loss as the trainer sees it, per batch of B rows out of <see cref="Rows"/>: (1/B)·Σ_batch ‖(r − h(r)) ⊙ m‖² +
/// λ/(2·Rows)·(‖W‖² + ‖V‖²), i.e. the paper's objective divided by the number of rows; with the full batch (the paper's Rprop)
/// the minimiser is the paper's, and Rprop, which uses gradient signs only, takes exactly the same steps.</para>
/// <para>Shapes: input r (N, D), D = users (item orientation) or items (user orientation); code (N, hidden); output (N, D).
/// State-dict names: <c>encoder.0.weight</c> (V, hidden × D), <c>encoder.0.bias</c> (μ), <c>decoder.0.weight</c> (W), <c>decoder.0.bias</c> (b).</para>
/// </remarks>
public sealed record AutoRecConfig : ModelConfig
{
    /// <summary>Creates and validates the configuration (kind "autorec").</summary>
    /// <param name="inputDim">D ≥ 1: users (item orientation) or items (user orientation).</param>
    /// <param name="hidden">k ≥ 1, the hidden (code) width (default 500, the paper's).</param>
    /// <param name="lambda">λ ≥ 0 of the L2 penalty (λ/2)·(‖W‖² + ‖V‖²) on the paper's summed objective (default 1).</param>
    /// <param name="rows">Number of training rows (items or users) the summed objective runs over, ≥ 1 (default 1); scales λ as above.</param>
    /// <param name="orientation">Item (I-AutoRec, default) or user (U-AutoRec).</param>
    /// <param name="hiddenActivation">g (default sigmoid).</param>
    /// <exception cref="ArgumentOutOfRangeException">A value outside its range; the message names it.</exception>
    public AutoRecConfig(int inputDim, int hidden = 500, float lambda = 1f, int rows = 1, AutoRecOrientation orientation = AutoRecOrientation.Item,
        Activation hiddenActivation = Activation.Sigmoid) : base("autorec")
    {
        InputDim = AtLeastOne(inputDim, nameof(inputDim));
        Hidden = AtLeastOne(hidden, nameof(hidden));
        Lambda = NonNegative(lambda, nameof(lambda));
        Rows = AtLeastOne(rows, nameof(rows));
        Orientation = orientation;
        HiddenActivation = hiddenActivation;
    }

    /// <inheritdoc/>
    public override int InputDim { get; }
    /// <summary>The hidden width k.</summary>
    public int Hidden { get; }
    /// <inheritdoc/>
    [JsonIgnore] public override int LatentDim => Hidden;
    /// <summary>λ of the paper's objective.</summary>
    public float Lambda { get; }
    /// <summary>Training rows of the summed objective.</summary>
    public int Rows { get; }
    /// <summary>Item or user vectors.</summary>
    public AutoRecOrientation Orientation { get; }
    /// <summary>g, the hidden activation.</summary>
    public Activation HiddenActivation { get; }
    /// <inheritdoc/>
    [JsonIgnore] public override Likelihood Likelihood => Likelihood.Gaussian;
    /// <summary>The L2 weight of the per-row loss, λ/(2·Rows).</summary>
    [JsonIgnore] public float L2PerRow => Lambda / (2f * Rows);

    /// <inheritdoc/>
    [JsonIgnore] public override string? NotRowsNote =>
        "a recommender (ratings: data): this command does not apply to it; use evaluate --data ratings:FILE, recommend, or plot history";

    /// <inheritdoc/>
    public override string Describe() =>
        $"{Kind} ({(Orientation == AutoRecOrientation.Item ? "I-AutoRec" : "U-AutoRec")}) {InputDim}-{Hidden}-{InputDim}, {HiddenActivation.Name()}, masked squared error, lambda {Num(Lambda)}";

    /// <inheritdoc/>
    public override IEnumerable<(string Name, string Value)> Summary() =>
    [
        ("orientation", Orientation == AutoRecOrientation.Item ? "item (I-AutoRec: a row per item, over the users)" : "user (U-AutoRec: a row per user, over the items)"),
        ("input", InputDim.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ("hidden", $"{Hidden} ({HiddenActivation.Name()})"),
        ("lambda", $"{Num(Lambda)} over {Rows} rows"),
        ("output", "identity, squared error on observed ratings"),
    ];
}

/// <summary>
/// Mult-DAE and Mult-VAE (Liang, Krishnan, Hoffman &amp; Jebara, "Variational autoencoders for collaborative filtering", WWW 2018):
/// a user's click vector x (D items) is L2-normalised, dropped out with probability <see cref="Dropout"/> (training only),
/// encoded by D → hidden… (tanh) → latent, decoded by latent → mirrored hidden… (tanh) → D logits, and scored by the multinomial
/// likelihood −Σ_j x_j·log softmax(l)_j. Mult-VAE: a Gaussian latent with the KL weight annealed to β_max (<see cref="Beta"/> with
/// a linear <see cref="KlSchedule"/>); Mult-DAE: a deterministic tanh code and an L2 penalty <see cref="L2"/>·Σ‖W‖²_F.
/// </summary>
/// <remarks>Shapes: x (N, D) → code (N, latentDim) → logits (N, D); D the number of items, N users. The paper's MovieLens
/// architecture is D-600-200-600-D, dropout 0.5, β_max 0.2.</remarks>
public sealed record MultConfig : ModelConfig
{
    /// <summary>Creates and validates the configuration (kind "mult-vae" when <paramref name="variational"/>, else "mult-dae").</summary>
    /// <param name="inputDim">D ≥ 1, the items.</param>
    /// <param name="hidden">Encoder hidden widths, outermost first (each ≥ 1; default [600]); the decoder mirrors them.</param>
    /// <param name="latentDim">Code width ≥ 1 (default 200).</param>
    /// <param name="variational">Gaussian latent with annealed KL (Mult-VAE, default) or a deterministic code (Mult-DAE).</param>
    /// <param name="dropout">Input dropout probability in [0, 1) (default 0.5).</param>
    /// <param name="beta">β_max ≥ 0, the final KL weight (Mult-VAE; default 0.2).</param>
    /// <param name="klSchedule">How the KL weight rises to β_max (Mult-VAE; default none = β_max from the start).</param>
    /// <param name="l2">λ ≥ 0 of the weight penalty λ·Σ‖W‖²_F over every weight matrix (default 0; Liang et al. use 0.01/batch for Mult-DAE).</param>
    /// <exception cref="ArgumentOutOfRangeException">A value outside its range; the message names it.</exception>
    /// <exception cref="ArgumentException">β or a KL schedule for Mult-DAE.</exception>
    public MultConfig(int inputDim, int[]? hidden = null, int latentDim = 200, bool variational = true, float dropout = 0.5f, float beta = 0.2f,
        KlSchedule? klSchedule = null, float l2 = 0f) : base(variational ? "mult-vae" : "mult-dae")
    {
        InputDim = AtLeastOne(inputDim, nameof(inputDim));
        Hidden = (hidden ?? [600]).ToArray();
        for (int i = 0; i < Hidden.Length; i++) AtLeastOne(Hidden[i], $"hidden[{i}]");
        LatentDim = AtLeastOne(latentDim, nameof(latentDim));
        Variational = variational;
        Dropout = dropout >= 0f && dropout < 1f ? dropout : throw new ArgumentOutOfRangeException(nameof(dropout), dropout, $"dropout must be in [0, 1), got {dropout}");
        Beta = NonNegative(beta, nameof(beta));
        KlSchedule = (klSchedule ?? KlSchedule.None).Validate();
        L2 = NonNegative(l2, nameof(l2));
        if (!variational && KlSchedule.Kind != KlScheduleKind.None)
            throw new ArgumentException("a KL schedule applies to mult-vae (a Gaussian latent), not mult-dae", nameof(klSchedule));
    }

    /// <inheritdoc/>
    public override int InputDim { get; }
    /// <summary>Encoder hidden widths.</summary>
    public int[] Hidden { get; }
    /// <inheritdoc/>
    public override int LatentDim { get; }
    /// <summary>Gaussian latent (Mult-VAE) or deterministic (Mult-DAE).</summary>
    public bool Variational { get; }
    /// <summary>Input dropout probability.</summary>
    public float Dropout { get; }
    /// <summary>β_max.</summary>
    public float Beta { get; }
    /// <summary>The KL schedule.</summary>
    public KlSchedule KlSchedule { get; }
    /// <summary>L2 weight penalty λ.</summary>
    public float L2 { get; }
    /// <inheritdoc/>
    [JsonIgnore] public override Likelihood Likelihood => Likelihood.Multinomial;

    /// <summary>Value equality (the hidden widths compared by value).</summary>
    public bool Equals(MultConfig? other) => other is not null && ToString() == other.ToString();
    /// <inheritdoc/>
    public override int GetHashCode() => ToString().GetHashCode(StringComparison.Ordinal);
    /// <inheritdoc/>
    protected override bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append($"Kind = {Kind}, InputDim = {InputDim}, Hidden = [{string.Join(", ", Hidden)}], LatentDim = {LatentDim}, Variational = {Variational}, " +
                       $"Dropout = {Dropout}, Beta = {Beta}, KlSchedule = {KlSchedule}, L2 = {L2}");
        return true;
    }

    /// <inheritdoc/>
    [JsonIgnore] public override string? NotRowsNote =>
        "a recommender (ratings: data): this command does not apply to it; use evaluate --data ratings:FILE, recommend, or plot history";

    /// <inheritdoc/>
    public override string Describe()
    {
        var widths = new[] { InputDim }.Concat(Hidden).Append(LatentDim).Concat(Hidden.Reverse()).Append(InputDim);
        var extras = new List<string> { "tanh", Likelihood.Name, $"input dropout {Num(Dropout)}" };
        if (Variational) extras.Add($"beta max {Num(Beta)}, KL schedule {KlSchedule.Describe()}");
        if (L2 > 0) extras.Add($"l2 {Num(L2)}");
        return $"{Kind} {string.Join("-", widths)}, {string.Join(", ", extras)}";
    }

    /// <inheritdoc/>
    public override IEnumerable<(string Name, string Value)> Summary() =>
    [
        ("items", InputDim.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ("hidden", Hidden.Length == 0 ? "(none)" : string.Join(",", Hidden)),
        ("latent", $"{LatentDim} ({(Variational ? "Gaussian" : "tanh code")})"),
        ("input dropout", Num(Dropout)),
        ("KL", Variational ? $"beta max {Num(Beta)}, schedule {KlSchedule.Describe()}" : "(none)"),
        ("weight penalties", L2 > 0 ? $"l2 {Num(L2)}" : "(none)"),
        ("output", Likelihood.Name),
    ];
}
