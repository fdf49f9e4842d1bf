using System.Numerics;

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
    }

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

    /// <inheritdoc/>
    protected override void Update(Span<float> p, ReadOnlySpan<float> g, ParameterState state) =>
        AdamKernel.Update(p, g, state, LearningRate, Beta1, Beta2, Eps, WeightDecay, AmsGrad);
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

    /// <inheritdoc/>
    protected override void Update(Span<float> p, ReadOnlySpan<float> g, ParameterState state)
    {
        float lr = LearningRate;
        if (WeightDecay != 0f) System.Numerics.Tensors.TensorPrimitives.Multiply(p, (float)(1.0 - (double)lr * WeightDecay), p);
        AdamKernel.Update(p, g, state, lr, Beta1, Beta2, Eps, 0f, AmsGrad);
    }
}

/// <summary>The fused single-pass Adam update shared by <see cref="Adam"/> and <see cref="AdamW"/>.</summary>
internal static class AdamKernel
{
    public static void Update(Span<float> p, ReadOnlySpan<float> g, ParameterState state, float lr, float beta1, float beta2, float eps, float wd, bool amsgrad)
    {
        var m = state.Buffers[0].AsSpan();
        var v = state.Buffers[1].AsSpan();
        var vmax = amsgrad ? state.Buffers[2].AsSpan() : default;
        int t = state.Step;
        // bias corrections in double, as PyTorch computes them in Python floats
        double bc1 = 1.0 - Math.Pow(beta1, t), bc2 = 1.0 - Math.Pow(beta2, t);
        float stepSize = (float)(lr / bc1);
        float bc2Sqrt = (float)Math.Sqrt(bc2);
        float b1 = beta1, b2 = beta2;
        float c1 = (float)(1.0 - beta1), c2 = (float)(1.0 - beta2);

        int i = 0, w = Vector<float>.Count;
        for (; i <= p.Length - w; i += w)
        {
            var pv = new Vector<float>(p.Slice(i));
            var gv = new Vector<float>(g.Slice(i));
            if (wd != 0f) gv += pv * wd;
            var mv = Subnormal.Flush(new Vector<float>(m.Slice(i)) * b1 + gv * c1);
            var vv = Subnormal.Flush(new Vector<float>(v.Slice(i)) * b2 + gv * gv * c2);
            mv.CopyTo(m.Slice(i));
            vv.CopyTo(v.Slice(i));
            if (amsgrad)
            {
                vv = Vector.Max(new Vector<float>(vmax.Slice(i)), vv);
                vv.CopyTo(vmax.Slice(i));
            }
            var denom = Vector.SquareRoot(vv) / bc2Sqrt + new Vector<float>(eps);
            (pv - mv / denom * stepSize).CopyTo(p.Slice(i));
        }
        for (; i < p.Length; i++)
        {
            float gi = g[i];
            if (wd != 0f) gi += wd * p[i];
            float mi = Subnormal.Flush(m[i] * b1 + gi * c1);
            float vi = Subnormal.Flush(v[i] * b2 + gi * gi * c2);
            m[i] = mi; v[i] = vi;
            if (amsgrad) vmax[i] = vi = MathF.Max(vmax[i], vi);
            float denom = MathF.Sqrt(vi) / bc2Sqrt + eps;
            p[i] -= stepSize * (mi / denom);
        }
    }
}
