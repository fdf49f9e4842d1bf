using Bottleneck.Kernels;

namespace Bottleneck.Optim;

/// <summary>
/// What Adam and AdamW share: the hyper-parameters β₁, β₂, ε, λ and AMSGrad, their validation, the state buffers
/// (PyTorch's names exp_avg, exp_avg_sq, max_exp_avg_sq) and the fused update <see cref="AdamKernel"/>. The two differ
/// only in how the weight decay λ enters (<see cref="Adam"/>: added to the gradient; <see cref="AdamW"/>: decoupled).
/// </summary>
public abstract class AdamBase : Optimizer
{
    private static readonly string[] Plain = ["exp_avg", "exp_avg_sq"];
    private static readonly string[] WithMax = ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"];

    /// <summary>Validates and stores the hyper-parameters (see the derived constructors for their meaning and defaults).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A hyper-parameter is out of range.</exception>
    /// <exception cref="ArgumentException">A bad parameter list (see <see cref="Optimizer"/>).</exception>
    private protected AdamBase(IEnumerable<Tensor> parameters, float lr, float beta1, float beta2, float eps, float weightDecay, bool amsgrad)
        : base(parameters, lr)
    {
        RequireUnitInterval(beta1, nameof(beta1));
        RequireUnitInterval(beta2, nameof(beta2));
        RequireNonNegative(eps, nameof(eps));
        RequireNonNegative(weightDecay, nameof(weightDecay));
        Beta1 = beta1; Beta2 = beta2; Eps = eps; WeightDecay = weightDecay; AmsGrad = amsgrad;
        _sweep = new AdamSweep(Parameters.Count);
    }

    private readonly AdamSweep _sweep;

    /// <summary>True for <see cref="AdamW"/>: λ multiplies θ by 1 − ηλ instead of adding λθ to the gradient.</summary>
    private protected abstract bool DecoupledDecay { get; }

    /// <summary>The constants of one parameter's update at its step count <paramref name="step"/> and the current learning rate.</summary>
    internal AdamCoefficients CoefficientsAt(int step) =>
        AdamCoefficients.Create(step, LearningRate, Beta1, Beta2, Eps, WeightDecay, DecoupledDecay, AmsGrad);

    /// <inheritdoc/>
    protected override void Update(Span<float> p, ReadOnlySpan<float> g, ParameterState state)
    {
        var b = state.Buffers;
        AdamKernel.Update(p, g, b[0], b[1], AmsGrad ? b[2] : default, CoefficientsAt(state.Step));
    }

    /// <summary>
    /// One fused pass over every due parameter: the elements of all of them, laid end to end, are split into equal contiguous
    /// ranges run at once on the GEMM worker pool's threads (<see cref="Gemm.Threads"/>) when there are at least
    /// <see cref="AdamSweep.MinElementsPerPart"/> per thread. The update is elementwise, so the result is bit-identical for any
    /// thread count; nothing is allocated.
    /// </summary>
    /// <param name="due">The indices of the parameters to update.</param>
    protected override void UpdateAll(ReadOnlySpan<int> due) => _sweep.Run(this, due);

    /// <summary>First-moment decay β₁.</summary>
    public float Beta1 { get; }
    /// <summary>Second-moment decay β₂.</summary>
    public float Beta2 { get; }
    /// <summary>Denominator ε.</summary>
    public float Eps { get; }
    /// <summary>Weight decay λ (coupled for <see cref="Adam"/>, decoupled for <see cref="AdamW"/>).</summary>
    public float WeightDecay { get; }
    /// <summary>Whether AMSGrad is used.</summary>
    public bool AmsGrad { get; }

    /// <inheritdoc/>
    public override IReadOnlyList<string> StateBufferNames => AmsGrad ? WithMax : Plain;
}

/// <summary>
/// Adam (Kingma &amp; Ba, 2015), exactly as PyTorch 1.13's Adam (L2 weight decay added to the gradient):
/// g ← g + λθ; m ← β₁m + (1 − β₁)g; v ← β₂v + (1 − β₂)g²; v̂ = max(v̂, v) with AMSGrad (Reddi et al., 2018);
/// θ ← θ − η/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε), t the parameter's step count.
/// </summary>
public sealed class Adam : AdamBase
{
    /// <summary>Creates Adam over <paramref name="parameters"/>.</summary>
    /// <param name="parameters">The tensors to optimise.</param>
    /// <param name="lr">Learning rate η ≥ 0 (default 10⁻³).</param>
    /// <param name="beta1">Decay β₁ ∈ [0, 1) of the first-moment average (default 0.9).</param>
    /// <param name="beta2">Decay β₂ ∈ [0, 1) of the second-moment average (default 0.999).</param>
    /// <param name="eps">ε ≥ 0 added to the denominator (default 10⁻⁸).</param>
    /// <param name="weightDecay">L2 penalty λ ≥ 0 added to the gradient (default 0; for decoupled decay use <see cref="AdamW"/>).</param>
    /// <param name="amsgrad">Use the AMSGrad variant (default false).</param>
    /// <exception cref="ArgumentOutOfRangeException">A hyper-parameter is out of range.</exception>
    /// <exception cref="ArgumentException">A bad parameter list (see <see cref="Optimizer"/>).</exception>
    public Adam(IEnumerable<Tensor> parameters, float lr = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f, float eps = 1e-8f, float weightDecay = 0f, bool amsgrad = false)
        : base(parameters, lr, beta1, beta2, eps, weightDecay, amsgrad) { }

    /// <inheritdoc/>
    public override string Name => "adam";

    private protected override bool DecoupledDecay => false;
}

/// <summary>
/// AdamW (Loshchilov &amp; Hutter, 2019), exactly as PyTorch 1.13's AdamW: decoupled weight decay θ ← θ·(1 − ηλ), then the
/// <see cref="Adam"/> update without the L2 term (AMSGrad optional).
/// </summary>
public sealed class AdamW : AdamBase
{
    /// <summary>Creates AdamW over <paramref name="parameters"/>.</summary>
    /// <param name="parameters">The tensors to optimise.</param>
    /// <param name="lr">Learning rate η ≥ 0 (default 10⁻³).</param>
    /// <param name="beta1">Decay β₁ ∈ [0, 1) of the first-moment average (default 0.9).</param>
    /// <param name="beta2">Decay β₂ ∈ [0, 1) of the second-moment average (default 0.999).</param>
    /// <param name="eps">ε ≥ 0 added to the denominator (default 10⁻⁸).</param>
    /// <param name="weightDecay">Decoupled decay λ ≥ 0 (default 10⁻²): each step multiplies θ by 1 − ηλ.</param>
    /// <param name="amsgrad">Use the AMSGrad variant (default false).</param>
    /// <exception cref="ArgumentOutOfRangeException">A hyper-parameter is out of range.</exception>
    /// <exception cref="ArgumentException">A bad parameter list (see <see cref="Optimizer"/>).</exception>
    public AdamW(IEnumerable<Tensor> parameters, float lr = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f, float eps = 1e-8f, float weightDecay = 1e-2f, bool amsgrad = false)
        : base(parameters, lr, beta1, beta2, eps, weightDecay, amsgrad) { }

    /// <inheritdoc/>
    public override string Name => "adamw";

    private protected override bool DecoupledDecay => true;
}

