using System.Numerics.Tensors;
using Bottleneck.Autograd;
using Bottleneck.Tensors;

namespace Bottleneck.Losses;

/// <summary>The pointwise losses fused into <see cref="PointwiseLossFn"/>.</summary>
internal enum PointwiseLoss { Mse, L1, Huber, Bce, BceWithLogits, MaskedMse }

/// <summary>Forward values and local derivatives ∂ℓᵢ/∂xᵢ, ∂ℓᵢ/∂yᵢ of the pointwise losses.</summary>
internal static class PointwiseLossKernels
{
    /// <summary>PyTorch's BCE clamp of ln p and ln(1 − p).</summary>
    private const double LogClamp = -100.0;

    /// <summary>PyTorch's lower bound on p(1 − p) in the BCE gradient.</summary>
    private const float BceGradEps = 1e-12f;

    public static void Forward(PointwiseLoss kind, ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> m, float delta, Span<float> e, string name)
    {
        switch (kind)
        {
            case PointwiseLoss.Mse:
                TensorPrimitives.Subtract(x, y, e);
                TensorPrimitives.Multiply(e, e, e);
                break;
            case PointwiseLoss.MaskedMse:
                // an unobserved entry contributes exactly 0, even when its target is NaN (a common missing-value marker)
                for (int i = 0; i < e.Length; i++)
                {
                    float d = x[i] - y[i];
                    e[i] = m[i] == 0f ? 0f : m[i] * d * d;
                }
                break;
            case PointwiseLoss.L1:
                TensorPrimitives.Subtract(x, y, e);
                TensorPrimitives.Abs(e, e);
                break;
            case PointwiseLoss.Huber:
                for (int i = 0; i < e.Length; i++)
                {
                    float d = MathF.Abs(x[i] - y[i]);
                    e[i] = d < delta ? 0.5f * d * d : delta * (d - 0.5f * delta);
                }
                break;
            case PointwiseLoss.Bce:
                for (int i = 0; i < e.Length; i++)
                {
                    float p = x[i];
                    if (!(p >= 0f && p <= 1f))
                        throw new ArgumentOutOfRangeException("probabilities", $"{name}: probabilities must be in [0, 1], got {p} at flat index {i}");
                    // double logs: ln(1 − p) keeps its relative accuracy for small p (float 1 − p would not)
                    double lp = Math.Max(Math.Log(p), LogClamp), l1p = Math.Max(Math.Log(1.0 - p), LogClamp);
                    e[i] = (float)(-(y[i] * lp + (1.0 - y[i]) * l1p));
                }
                break;
            case PointwiseLoss.BceWithLogits:
                Kernels.VectorMath.BceWithLogits(x, y, e);  // max(x, 0) − x·y + ln(1 + e^(−|x|)), SIMD, ≤ 1.2e-7 relative
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind));
        }
    }

    /// <summary>d ← ∂ℓᵢ/∂xᵢ (BCE-with-logits has its own backward in <see cref="BceWithLogitsFn"/>).</summary>
    public static void InputDerivative(PointwiseLoss kind, ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> m, float delta, Span<float> d)
    {
        switch (kind)
        {
            case PointwiseLoss.Mse:
                TensorPrimitives.Subtract(x, y, d);
                TensorPrimitives.Multiply(d, 2f, d);
                break;
            case PointwiseLoss.MaskedMse:
                for (int i = 0; i < d.Length; i++) d[i] = m[i] == 0f ? 0f : 2f * m[i] * (x[i] - y[i]);
                break;
            case PointwiseLoss.L1:
                for (int i = 0; i < d.Length; i++) { float v = x[i] - y[i]; d[i] = v > 0 ? 1f : v < 0 ? -1f : 0f; }
                break;
            case PointwiseLoss.Huber:
                TensorPrimitives.Subtract(x, y, d);
                TensorPrimitives.Clamp(d, -delta, delta, d);
                break;
            case PointwiseLoss.Bce:
                for (int i = 0; i < d.Length; i++)
                {
                    float p = x[i];
                    d[i] = (p - y[i]) / MathF.Max((1f - p) * p, BceGradEps);
                }
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind));
        }
    }

    /// <summary>d ← ∂ℓᵢ/∂yᵢ.</summary>
    public static void TargetDerivative(PointwiseLoss kind, ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> m, float delta, Span<float> d)
    {
        switch (kind)
        {
            case PointwiseLoss.Mse or PointwiseLoss.MaskedMse or PointwiseLoss.L1 or PointwiseLoss.Huber:
                // ℓ depends on x − y only (the negation keeps masked zeros at 0)
                InputDerivative(kind, x, y, m, delta, d);
                TensorPrimitives.Negate(d, d);
                break;
            case PointwiseLoss.Bce:
                for (int i = 0; i < d.Length; i++) d[i] = (float)(Math.Log(1.0 - x[i]) - Math.Log(x[i]));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind));
        }
    }
}

/// <summary>
/// Backward of a fused pointwise loss: ∂L/∂xᵢ = gᵢ·∂ℓᵢ/∂xᵢ for <see cref="Reduction.None"/>, g·scale·∂ℓᵢ/∂xᵢ for a reduced loss
/// (scale = 1, 1/n, 1/N or 1/Σm). The mask, if any, is a constant and gets no gradient.
/// </summary>
internal sealed class PointwiseLossFn(PointwiseLoss kind, string name, Reduction reduction, float scale, float delta, Tensor? mask) : Function
{
    public override string Name => name;

    protected internal override void Backward(Tensor g)
    {
        Tensor x = Inputs[0], y = Inputs[1];
        var m = mask is null ? default : (ReadOnlySpan<float>)mask.Span;
        if (x.RequiresGrad)
        {
            var gx = Tensor.EmptyLike(x);
            PointwiseLossKernels.InputDerivative(kind, x.Span, y.Span, m, delta, gx.Span);
            ApplyUpstream(g, gx.Span);
            Accumulate(x, gx, true);
        }
        if (y.RequiresGrad)
        {
            var gy = Tensor.EmptyLike(y);
            PointwiseLossKernels.TargetDerivative(kind, x.Span, y.Span, m, delta, gy.Span);
            ApplyUpstream(g, gy.Span);
            Accumulate(y, gy, true);
        }
    }

    private void ApplyUpstream(Tensor g, Span<float> d)
    {
        if (reduction == Reduction.None) TensorPrimitives.Multiply(d, g.Span, d);
        else TensorPrimitives.Multiply(d, g.Span[0] * scale, d);
    }
}

/// <summary>
/// The fused, numerically stable binary cross-entropy on logits: forward ℓ = max(x, 0) − x·y + ln(1 + e^(−|x|)), computed by
/// <see cref="PointwiseLossKernels"/>; hand-written backward ∂ℓ/∂x = σ(x) − y and ∂ℓ/∂y = −x, scaled by the upstream gradient
/// (elementwise for <see cref="Reduction.None"/>, g·scale otherwise). No intermediate sigmoid or log is recorded, so nothing
/// overflows for large |x| and the graph holds one node instead of five.
/// </summary>
internal sealed class BceWithLogitsFn(Reduction reduction, float scale) : Function
{
    public override string Name => "bce_with_logits";

    protected internal override void Backward(Tensor g)
    {
        Tensor x = Inputs[0], y = Inputs[1];
        if (x.RequiresGrad)
        {
            var gx = Tensor.EmptyLike(x);
            // (σ(x) − y)·upstream in L1-sized blocks, split over the worker pool's threads for large inputs
            BceWithLogitsBackward.Run(x, y, gx, reduction == Reduction.None ? g : null, reduction == Reduction.None ? 0f : g.Span[0] * scale);
            Accumulate(x, gx, true);
        }
        if (y.RequiresGrad)
        {
            var gy = Tensor.EmptyLike(y);
            TensorPrimitives.Negate(x.Span, gy.Span);               // −x
            Upstream(g, gy.Span);
            Accumulate(y, gy, true);
        }
    }

    private void Upstream(Tensor g, Span<float> d)
    {
        if (reduction == Reduction.None) TensorPrimitives.Multiply(d, g.Span, d);
        else TensorPrimitives.Multiply(d, g.Span[0] * scale, d);
    }
}
