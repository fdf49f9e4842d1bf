using System.Globalization;
using System.Numerics.Tensors;

namespace Bottleneck.Optim;

/// <summary>Gradient clipping, applied to <see cref="Tensor.Grad"/> in place between <c>Backward()</c> and <c>Step()</c>.</summary>
public static class GradClip
{
    /// <summary>
    /// Rescales all gradients together so their joint p-norm is at most <paramref name="maxNorm"/> (PyTorch's clip_grad_norm_;
    /// Pascanu et al., 2013): total = ‖(‖g₁‖ₚ, …, ‖gₖ‖ₚ)‖ₚ, coef = maxNorm / (total + 10⁻⁶), and every gradient is multiplied
    /// by coef only when coef &lt; 1.
    /// </summary>
    /// <remarks>
    /// Parameters without a gradient are ignored; with none at all the result is 0. If the total norm is NaN or ±∞ the gradients
    /// are left untouched (PyTorch would scale them to NaN) and the non-finite norm is returned, so the caller can skip the step.
    /// Norms are accumulated in double. Allocation-free when given an <see cref="IReadOnlyList{T}"/> (e.g. <see cref="Optimizer.Parameters"/>).
    /// </remarks>
    /// <param name="parameters">The parameters whose gradients are clipped.</param>
    /// <param name="maxNorm">The largest allowed total norm, ≥ 0.</param>
    /// <param name="normType">p &gt; 0 of the norm (default 2), or <see cref="float.PositiveInfinity"/> for the max-norm.</param>
    /// <returns>The total norm of the gradients before clipping (in gradient units).</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxNorm"/> &lt; 0 or NaN, or <paramref name="normType"/> ≤ 0 or NaN.</exception>
    public static float ClipByGlobalNorm(IReadOnlyList<Tensor> parameters, float maxNorm, float normType = 2f)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        CheckNormArgs(maxNorm, normType);
        double acc = 0;
        bool any = false;
        for (int i = 0; i < parameters.Count; i++)
        {
            var g = parameters[i].Grad;
            if (g is null) continue;
            any = true;
            acc = Accumulate(acc, g.Span, normType);
        }
        return any ? Finish(parameters, acc, maxNorm, normType) : 0f;
    }

    /// <inheritdoc cref="ClipByGlobalNorm(IReadOnlyList{Tensor}, float, float)"/>
    public static float ClipByGlobalNorm(IEnumerable<Tensor> parameters, float maxNorm, float normType = 2f)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return ClipByGlobalNorm(parameters as IReadOnlyList<Tensor> ?? parameters.ToArray(), maxNorm, normType);
    }

    /// <summary>Clamps every gradient element into [−<paramref name="clipValue"/>, <paramref name="clipValue"/>] (PyTorch's clip_grad_value_).</summary>
    /// <param name="parameters">The parameters whose gradients are clipped; those without a gradient are ignored.</param>
    /// <param name="clipValue">The bound c ≥ 0.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="clipValue"/> is negative or NaN.</exception>
    public static void ClipByValue(IEnumerable<Tensor> parameters, float clipValue)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(clipValue >= 0f))
            throw new ArgumentOutOfRangeException(nameof(clipValue), $"clip_by_value: clipValue must be ≥ 0, got {clipValue.ToString(CultureInfo.InvariantCulture)}");
        if (parameters is IReadOnlyList<Tensor> list)
        {
            for (int i = 0; i < list.Count; i++)
                if (list[i].Grad is { } g) TensorPrimitives.Clamp(g.Span, -clipValue, clipValue, g.Span);
            return;
        }
        foreach (var p in parameters)
            if (p.Grad is { } g) TensorPrimitives.Clamp(g.Span, -clipValue, clipValue, g.Span);
    }

    private static void CheckNormArgs(float maxNorm, float normType)
    {
        if (!(maxNorm >= 0f))
            throw new ArgumentOutOfRangeException(nameof(maxNorm), $"clip_by_global_norm: maxNorm must be ≥ 0, got {maxNorm.ToString(CultureInfo.InvariantCulture)}");
        if (!(normType > 0f))
            throw new ArgumentOutOfRangeException(nameof(normType), $"clip_by_global_norm: normType must be > 0 or +∞, got {normType.ToString(CultureInfo.InvariantCulture)}");
    }

    /// <summary>Adds Σ|g|ᵖ (or takes the max |g| for p = ∞) of one gradient into the running accumulator.</summary>
    private static double Accumulate(double acc, ReadOnlySpan<float> g, float p)
    {
        if (float.IsPositiveInfinity(p))
            return g.Length == 0 ? acc : Math.Max(acc, TensorPrimitives.MaxMagnitude(g) is var m && float.IsNaN(m) ? double.NaN : Math.Abs(m));
        if (p == 2f) { double s = 0; foreach (float v in g) s += (double)v * v; return acc + s; }
        if (p == 1f) { double s = 0; foreach (float v in g) s += Math.Abs(v); return acc + s; }
        double t = 0;
        foreach (float v in g) t += Math.Pow(Math.Abs(v), p);
        return acc + t;
    }

    private static float Finish(IReadOnlyList<Tensor> parameters, double acc, float maxNorm, float p)
    {
        double total = float.IsPositiveInfinity(p) ? acc : p == 2f ? Math.Sqrt(acc) : p == 1f ? acc : Math.Pow(acc, 1.0 / p);
        float totalF = (float)total;
        if (!float.IsFinite(totalF)) return totalF;
        double coef = maxNorm / (total + 1e-6);
        if (coef < 1.0)
        {
            float c = (float)coef;
            for (int i = 0; i < parameters.Count; i++)
                if (parameters[i].Grad is { } g) TensorPrimitives.Multiply(g.Span, c, g.Span);
        }
        return totalF;
    }
}
