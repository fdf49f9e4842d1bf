using System.Text.Json.Serialization;
using Bottleneck.NN;
using Bottleneck.Tensors;

namespace Bottleneck.Models;

/// <summary>One layer of a plain encoder (no batch norm, no dropout): h = f(x·Wᵀ + b).</summary>
/// <param name="Linear">The affine map; weight shape (out, in).</param>
/// <param name="Activation">The activation f applied after it.</param>
public readonly record struct EncoderLayer(Linear Linear, Activation Activation);

/// <summary>
/// What a regularizer may look at in one step.
/// </summary>
/// <param name="Input">The encoder input x (after any corruption), shape (N, …).</param>
/// <param name="Latent">The code h, shape (N, latentDim).</param>
/// <param name="PlainEncoder">The encoder as Linear+activation layers, input side first, or null when the encoder is not such a
/// stack (only the contractive penalty needs it).</param>
/// <param name="Weights">The weight matrices weight penalties apply to (Linear weights; no biases, no normalization scales).</param>
/// <param name="Noise">The step's noise generator, or null in evaluation (stochastic estimates then use a fixed seed).</param>
public sealed record RegularizerInput(Tensor Input, Tensor Latent, IReadOnlyList<EncoderLayer>? PlainEncoder, IReadOnlyList<Tensor> Weights, Rng? Noise);

/// <summary>
/// What a regularizer needs to know about an encoder to check that it applies: the code activation, the hidden activation,
/// and whether the encoder has batch norm or dropout layers.
/// </summary>
/// <param name="CodeActivation">The activation of the code units.</param>
/// <param name="HiddenActivation">The activation of the hidden layers (irrelevant without hidden layers).</param>
/// <param name="HasHiddenLayers">Whether the encoder has hidden layers.</param>
/// <param name="BatchNorm">Whether the encoder has batch-norm layers.</param>
/// <param name="Dropout">Whether the encoder has dropout layers.</param>
public sealed record EncoderTraits(Activation CodeActivation, Activation HiddenActivation, bool HasHiddenLayers, bool BatchNorm, bool Dropout)
{
    /// <summary>True when the encoder is Linear+activation layers only (no batch norm, no dropout).</summary>
    public bool PlainLayers => !BatchNorm && !Dropout;
}

/// <summary>
/// A penalty added to the reconstruction loss as a named loss term (<see cref="TermName"/>): on the code (sparsity), on the
/// encoder's behaviour around the data (contractive), or on the weights (<see cref="WeightPenalty"/>).
/// </summary>
public abstract record Regularizer
{
    /// <summary>The name of the loss term this regularizer adds (see <see cref="LossTerms"/>).</summary>
    [JsonIgnore] public abstract string TermName { get; }

    /// <summary>The penalty for one batch, a differentiable 0-d tensor (already multiplied by its weight λ).</summary>
    public abstract Tensor Penalty(RegularizerInput input);

    /// <summary>One line for the CLI and <c>info</c>, e.g. "KL sparsity rho 0.05, weight 3".</summary>
    public abstract string Describe();

    /// <summary>Throws unless the weight is finite and ≥ 0.</summary>
    protected static float CheckWeight(float value, string name) =>
        value >= 0 && float.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(name, value, $"{name} must be ≥ 0, got {value}");

    /// <summary>A number in descriptions: up to 6 significant digits, invariant culture.</summary>
    protected static string Num(double v) => v.ToString("G6", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>
/// A penalty on the code (or on the encoder's behaviour around the data), the plug point that turns an autoencoder into a
/// sparse or contractive one. Saved in the model config (JSON <c>"type"</c>: <c>sparsity-kl</c>, <c>sparsity-l1</c>,
/// <c>contractive</c>).
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(SparsityKl), "sparsity-kl")]
[JsonDerivedType(typeof(SparsityL1), "sparsity-l1")]
[JsonDerivedType(typeof(Contractive), "contractive")]
public abstract record LatentRegularizer : Regularizer
{
    /// <summary>Checks that the regularizer applies to an encoder with <paramref name="encoder"/>'s traits; configs call it in their constructor.</summary>
    /// <exception cref="ArgumentException">It does not: the message says why and what to change, and
    /// <see cref="ArgumentException.ParamName"/> names the config parameter at fault (latentActivation, hiddenActivation, batchNorm, dropout).</exception>
    public virtual void Validate(EncoderTraits encoder) { }
}

/// <summary>
/// L1 and L2 penalties on the weight matrices: Ω = λ₂·Σ_W ‖W‖²_F + λ₁·Σ_W Σ|w| over <see cref="RegularizerInput.Weights"/>
/// (Linear weights, not biases). Adds the term <see cref="LossTerms.WeightPenalty"/>; in squared weight units (L2) and weight units (L1).
/// </summary>
public sealed record WeightPenalty : Regularizer
{
    /// <summary>Creates the penalty.</summary>
    /// <param name="l1">λ₁ ≥ 0 (default 0).</param>
    /// <param name="l2">λ₂ ≥ 0 (default 0).</param>
    /// <exception cref="ArgumentOutOfRangeException">A negative or non-finite weight.</exception>
    public WeightPenalty(float l1 = 0f, float l2 = 0f)
    {
        L1 = CheckWeight(l1, nameof(l1));
        L2 = CheckWeight(l2, nameof(l2));
    }

    /// <summary>λ₁.</summary>
    public float L1 { get; }
    /// <summary>λ₂.</summary>
    public float L2 { get; }

    /// <inheritdoc/>
    public override string TermName => LossTerms.WeightPenalty;

    /// <inheritdoc/>
    public override Tensor Penalty(RegularizerInput input)
    {
        Tensor? total = null;
        foreach (var w in input.Weights)
        {
            if (L2 > 0) total = Add(total, w.Pow(2f).Sum() * L2);
            if (L1 > 0) total = Add(total, w.Abs().Sum() * L1);
        }
        return total ?? Tensor.Scalar(0f);
        static Tensor Add(Tensor? a, Tensor b) => a is null ? b : a + b;
    }

    /// <inheritdoc/>
    public override string Describe() => string.Join(", ", new[] { L2 > 0 ? $"l2 {Num(L2)}" : null, L1 > 0 ? $"l1 {Num(L1)}" : null }.Where(t => t != null));
}

/// <summary>
/// KL sparsity penalty (Ng, "Sparse autoencoder", CS294A lecture notes, 2011):
/// Ω = λ·Σ_j KL(ρ ‖ ρ̂_j) = λ·Σ_j [ρ·ln(ρ/ρ̂_j) + (1−ρ)·ln((1−ρ)/(1−ρ̂_j))], where ρ̂_j = (1/N)·Σ_n h_nj is the batch-mean
/// activation of code unit j and ρ the target. Needs sigmoid code units (ρ̂_j must be a mean firing rate in (0, 1));
/// over-complete codes (latentDim &gt; D) are allowed. ρ̂ is clamped to [1e-6, 1 − 1e-6] inside the logarithms. In nats.
/// </summary>
public sealed record SparsityKl : LatentRegularizer
{
    /// <summary>Creates the penalty.</summary>
    /// <param name="rho">Sparsity target ρ ∈ (0, 1), the desired mean activation (typically 0.05).</param>
    /// <param name="weight">λ ≥ 0 (Ng's β; typically 0.1–3).</param>
    /// <exception cref="ArgumentOutOfRangeException">ρ outside (0, 1) or a negative weight.</exception>
    public SparsityKl(float rho, float weight)
    {
        Rho = rho > 0f && rho < 1f ? rho : throw new ArgumentOutOfRangeException(nameof(rho), rho, $"sparsity target rho must be in (0, 1), got {rho}");
        Weight = CheckWeight(weight, nameof(weight));
    }

    /// <summary>Sparsity target ρ.</summary>
    public float Rho { get; }
    /// <summary>Penalty weight λ.</summary>
    public float Weight { get; }

    /// <inheritdoc/>
    public override string TermName => LossTerms.Sparsity;

    /// <inheritdoc/>
    public override Tensor Penalty(RegularizerInput input) => Kl(input.Latent, Rho) * Weight;

    /// <inheritdoc/>
    public override string Describe() => $"KL sparsity rho {Num(Rho)}, weight {Num(Weight)}";

    /// <summary>Σ_j KL(ρ ‖ ρ̂_j) for codes <paramref name="latent"/> (N, k) with values in (0, 1); 0-d, differentiable.</summary>
    public static Tensor Kl(Tensor latent, float rho)
    {
        var rhoHat = latent.Mean(0).Clamp(1e-6f, 1f - 1e-6f);
        // ρ ln ρ + (1−ρ) ln(1−ρ) − ρ ln ρ̂ − (1−ρ) ln(1−ρ̂)
        float constant = rho * MathF.Log(rho) + (1 - rho) * MathF.Log(1 - rho);
        var cross = rhoHat.Log() * rho + (1f - rhoHat).Log() * (1 - rho);
        return constant * latent.Dim(1) - cross.Sum();
    }

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">The code activation is not sigmoid.</exception>
    public override void Validate(EncoderTraits encoder)
    {
        if (encoder.CodeActivation != Activation.Sigmoid)
            throw new ArgumentException($"the KL sparsity penalty needs sigmoid code units (ρ̂_j must be a mean activation in (0, 1)), but the code " +
                                        $"activation is {encoder.CodeActivation.Name()}: use a sigmoid code, or the L1 sparsity penalty", "latentActivation");
    }
}

/// <summary>
/// L1 activity penalty on the code: Ω = λ·(1/N)·Σ_n Σ_j |h_nj| (mean over the batch of the code's L1 norm). Works with
/// any code activation (ReLU codes become exactly sparse). The subgradient at h = 0 is 0.
/// </summary>
public sealed record SparsityL1 : LatentRegularizer
{
    /// <summary>Creates the penalty.</summary>
    /// <param name="weight">λ ≥ 0 (typically 1e-4–1e-2 per unit of activation).</param>
    /// <exception cref="ArgumentOutOfRangeException">A negative weight.</exception>
    public SparsityL1(float weight) => Weight = CheckWeight(weight, nameof(weight));

    /// <summary>Penalty weight λ.</summary>
    public float Weight { get; }

    /// <inheritdoc/>
    public override string TermName => LossTerms.Sparsity;

    /// <inheritdoc/>
    public override Tensor Penalty(RegularizerInput input) => input.Latent.Abs().Sum() * (Weight / input.Latent.Dim(0));

    /// <inheritdoc/>
    public override string Describe() => $"L1 sparsity weight {Num(Weight)}";
}

/// <summary>How the contractive penalty's ‖J‖²_F is computed.</summary>
public enum ContractiveMethod
{
    /// <summary>
    /// Exact. One encoder layer: the closed form Σ_j f′(a_j)²·Σ_i W_ji², cost O(N·k + k·D). Deeper encoders: the per-sample
    /// Jacobian J = D_L W_L ⋯ D_1 W_1 built from the code side as a (N, k, ·) tensor, cost O(N·k·Σ_l h_l·h_(l−1)) time
    /// (k times one encoder forward pass) and O(N·k·max h_l) memory.
    /// </summary>
    Exact,
    /// <summary>
    /// Unbiased random-projection (Hutchinson-style) estimate E_v‖J v‖² with v ~ N(0, I_D), since E[vvᵀ] = I gives
    /// E‖Jv‖² = tr(JᵀJ) = ‖J‖²_F. Jv is pushed forward through the layers (u ← f′(a_l) ⊙ (u·W_lᵀ)); cost
    /// O(P·N·Σ_l h_l·h_(l−1)), P encoder forward passes for P projections, memory O(N·max h_l).
    /// </summary>
    RandomProjection,
}

/// <summary>
/// Contractive penalty (Rifai et al., "Contractive auto-encoders: explicit invariance during feature extraction", ICML 2011):
/// Ω = λ·(1/N)·Σ_n ‖∂h(x_n)/∂x_n‖²_F, the squared Frobenius norm of the encoder's Jacobian averaged over the batch.
/// For a one-layer encoder h = f(Wx + b): sigmoid Σ_j (h_j(1−h_j))²·Σ_i W_ji², tanh Σ_j (1−h_j²)²·Σ_i W_ji²,
/// ReLU Σ_j 1[h_j &gt; 0]·Σ_i W_ji². Needs an encoder of Linear+activation layers only (no batch norm, no dropout) and
/// activations whose derivative is a function of the output (identity, sigmoid, tanh, ReLU, leaky ReLU, ELU, softplus; not GELU).
/// </summary>
public sealed record Contractive : LatentRegularizer
{
    /// <summary>Creates the penalty.</summary>
    /// <param name="weight">λ ≥ 0 (typically 0.01–1 for MNIST with a summed reconstruction loss).</param>
    /// <param name="method">Exact (default) or the random-projection estimate.</param>
    /// <param name="projections">Number P of random projections per batch for <see cref="ContractiveMethod.RandomProjection"/>, ≥ 1 (default 1).</param>
    /// <exception cref="ArgumentOutOfRangeException">A negative weight or P &lt; 1.</exception>
    public Contractive(float weight, ContractiveMethod method = ContractiveMethod.Exact, int projections = 1)
    {
        Weight = CheckWeight(weight, nameof(weight));
        Method = method;
        Projections = projections >= 1 ? projections : throw new ArgumentOutOfRangeException(nameof(projections), projections, $"projections must be ≥ 1, got {projections}");
    }

    /// <summary>Penalty weight λ.</summary>
    public float Weight { get; }
    /// <summary>How ‖J‖²_F is computed.</summary>
    public ContractiveMethod Method { get; }
    /// <summary>Random projections per batch (random-projection method only).</summary>
    public int Projections { get; }

    /// <summary>Seed of the projections when a step has no noise generator (evaluation): the estimate is then deterministic.</summary>
    public const ulong EvaluationSeed = 0x5EED;

    /// <inheritdoc/>
    public override string TermName => LossTerms.Contractive;

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">The model's encoder is not a plain Linear+activation stack.</exception>
    public override Tensor Penalty(RegularizerInput input)
    {
        var encoder = input.PlainEncoder
            ?? throw new InvalidOperationException("the contractive penalty needs an encoder of Linear+activation layers (no batch norm, no dropout)");
        var perSample = Method == ContractiveMethod.Exact
            ? EncoderJacobian.SquaredFrobenius(encoder, input.Input, input.Latent)
            : EncoderJacobian.RandomProjectionEstimate(encoder, input.Input, input.Noise ?? new Rng(EvaluationSeed), Projections, input.Latent);
        return perSample.Sum() * (Weight / input.Input.Dim(0));
    }

    /// <inheritdoc/>
    public override string Describe() =>
        $"contractive weight {Num(Weight)} ({(Method == ContractiveMethod.Exact ? "exact" : $"random-projection, {Projections} per batch")})";

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">Batch norm, dropout or a GELU activation in the encoder.</exception>
    public override void Validate(EncoderTraits encoder)
    {
        if (encoder.BatchNorm)
            throw new ArgumentException("the contractive penalty needs an encoder of Linear+activation layers: no batch norm", "batchNorm");
        if (encoder.Dropout)
            throw new ArgumentException("the contractive penalty needs an encoder of Linear+activation layers: no dropout", "dropout");
        const string gelu = "the contractive penalty does not support gelu (its derivative is not a function of the output); use relu, sigmoid, tanh, elu, softplus or leaky-relu";
        if (encoder.CodeActivation == Activation.Gelu) throw new ArgumentException(gelu, "latentActivation");
        if (encoder.HasHiddenLayers && encoder.HiddenActivation == Activation.Gelu) throw new ArgumentException(gelu, "hiddenActivation");
    }
}

/// <summary>
/// The Jacobian ∂h/∂x of a plain encoder h = f_L(W_L ⋯ f_1(W_1 x + b_1) ⋯ + b_L), per sample, as differentiable tensors
/// (so its norm can be a training penalty) and for evaluation. Shapes: x (N, D), layer l maps h_(l−1) → h_l, h_L = code (N, k).
/// </summary>
public static class EncoderJacobian
{
    /// <summary>
    /// Exact ‖∂h/∂x‖²_F for every sample, shape (N,). One layer: closed form (f′(a)²)·(Σ_i W_ji²), O(N·k + k·D).
    /// Several layers: J = D_L W_L ⋯ D_1 W_1 accumulated from the code side as an (N, k, h_l) tensor,
    /// O(N·k·Σ_l h_l·h_(l−1)) time and O(N·k·max_l h_l) floats.
    /// </summary>
    /// <param name="encoder">Layers, input side first.</param>
    /// <param name="x">Inputs (N, D).</param>
    /// <param name="latent">The code for <paramref name="x"/> if already computed (saves the last layer's forward), else null.</param>
    /// <exception cref="ArgumentException">No layers, or an activation whose derivative is not a function of its output (GELU).</exception>
    public static Tensor SquaredFrobenius(IReadOnlyList<EncoderLayer> encoder, Tensor x, Tensor? latent = null)
    {
        var d = Derivatives(encoder, x, latent);
        int n = x.Dim(0), last = encoder.Count - 1;
        var wL = encoder[last].Linear.Weight;                      // (k, h_(L−1))
        if (encoder.Count == 1)
            return d[last].Pow(2f).MatMul(wL.Pow(2f).Sum(1, keepDim: true)).Reshape(n);
        var m = d[last].Unsqueeze(2) * wL;                          // (N, k, h_(L−1)) = D_L W_L
        for (int l = last - 1; l >= 0; l--)
            m = (m * d[l].Unsqueeze(1)).MatMul(encoder[l].Linear.Weight);   // (N, k, h_(l−1))
        return m.Pow(2f).Sum([1, 2]);
    }

    /// <summary>
    /// Unbiased estimate of ‖∂h/∂x‖²_F per sample, shape (N,): the mean over <paramref name="projections"/> draws of ‖J v‖² with
    /// v ~ N(0, I_D), J v pushed forward layer by layer. Cost: one encoder forward pass per projection.
    /// </summary>
    /// <param name="encoder">Layers, input side first.</param>
    /// <param name="x">Inputs (N, D).</param>
    /// <param name="rng">Generator for v.</param>
    /// <param name="projections">P ≥ 1 (default 1).</param>
    /// <param name="latent">The code for <paramref name="x"/> if already computed, else null.</param>
    public static Tensor RandomProjectionEstimate(IReadOnlyList<EncoderLayer> encoder, Tensor x, Rng rng, int projections = 1, Tensor? latent = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(projections, 1);
        var d = Derivatives(encoder, x, latent);
        Tensor? total = null;
        for (int p = 0; p < projections; p++)
        {
            var u = Tensor.RandN(rng, x.ShapeToArray());
            for (int l = 0; l < encoder.Count; l++) u = d[l] * Tensor.Linear(u, encoder[l].Linear.Weight, null);
            var s = u.Pow(2f).Sum(1);
            total = total is null ? s : total + s;
        }
        return projections == 1 ? total! : total! * (1f / projections);
    }

    /// <summary>f_l′(a_l) for every layer, each (N, h_l), computed from the layer outputs (recomputed forward, the last one from <paramref name="latent"/>).</summary>
    private static Tensor[] Derivatives(IReadOnlyList<EncoderLayer> encoder, Tensor x, Tensor? latent)
    {
        if (encoder.Count == 0) throw new ArgumentException("the encoder has no layers");
        var d = new Tensor[encoder.Count];
        var h = x;
        for (int l = 0; l < encoder.Count; l++)
        {
            var layer = encoder[l];
            h = l == encoder.Count - 1 && latent is not null ? latent : ActivationLayer.Apply(layer.Activation, layer.Linear.Forward(h));
            d[l] = Derivative(layer.Activation, h);
        }
        return d;
    }

    /// <summary>f′(a) expressed through the output h = f(a), differentiable in h where f′ depends on it; shape of h
    /// (<see cref="ActivationLayer.DerivativeFromOutput"/>).</summary>
    /// <exception cref="ArgumentException">GELU (its derivative is not a function of the output).</exception>
    public static Tensor Derivative(Activation activation, Tensor h) => activation == Activation.Gelu
        ? throw new ArgumentException($"the encoder Jacobian does not support the {activation} activation")
        : ActivationLayer.DerivativeFromOutput(activation, h);
}
