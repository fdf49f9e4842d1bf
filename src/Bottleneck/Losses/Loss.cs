using System.Numerics.Tensors;
using Bottleneck.Autograd;
using Bottleneck.Ops;
using Bottleneck.Tensors;

namespace Bottleneck.Losses;

/// <summary>
/// Loss functions with PyTorch 1.13 semantics. Each returns a 0-d tensor (or per-element values for
/// <see cref="Reduction.None"/>) connected to the autodiff graph, so <c>loss.Backward()</c> fills the gradients.
/// </summary>
/// <remarks>
/// <para>Shapes are checked at the boundary: input and target must have identical shapes (no broadcasting, unlike
/// PyTorch which warns and broadcasts). A mismatch throws <see cref="ShapeException"/> whose message names the loss
/// and both shapes, e.g. <c>mse: input (256, 784) and target (256, 780) differ</c>.</para>
/// <para>Reductions: see <see cref="Reduction"/>; N is always dimension 0 of the input.</para>
/// <para>Pointwise losses (MSE, L1, Huber, BCE, BCE-with-logits, masked MSE) are single fused ops with hand-written
/// backward passes; they also propagate a gradient to the target when the target requires grad.</para>
/// </remarks>
public static class Loss
{
    /// <summary>
    /// Mean squared error: ℓᵢ = (xᵢ − yᵢ)², reduced by <paramref name="reduction"/> (default <see cref="Reduction.Mean"/>, as PyTorch's MSELoss).
    /// </summary>
    /// <param name="input">Predictions x, any shape.</param>
    /// <param name="target">Targets y, same shape as <paramref name="input"/>; receives −∂ℓ/∂x if it requires grad.</param>
    /// <param name="reduction">How ℓ is reduced; <see cref="Reduction.None"/> returns ℓ with the input's shape.</param>
    /// <returns>Squared units of the input; 0-d unless <see cref="Reduction.None"/>.</returns>
    /// <exception cref="ShapeException">The shapes differ.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="reduction"/> is not a defined value.</exception>
    public static Tensor Mse(Tensor input, Tensor target, Reduction reduction = Reduction.Mean) =>
        Pointwise(PointwiseLoss.Mse, "mse", input, target, null, reduction, 0f);

    /// <summary>
    /// Mean absolute error: ℓᵢ = |xᵢ − yᵢ|, reduced by <paramref name="reduction"/> (default <see cref="Reduction.Mean"/>, as PyTorch's L1Loss).
    /// The gradient at xᵢ = yᵢ is 0 (PyTorch's sign convention).
    /// </summary>
    /// <param name="input">Predictions x, any shape.</param>
    /// <param name="target">Targets y, same shape as <paramref name="input"/>.</param>
    /// <param name="reduction">How ℓ is reduced; <see cref="Reduction.None"/> returns ℓ with the input's shape.</param>
    /// <returns>Units of the input; 0-d unless <see cref="Reduction.None"/>.</returns>
    /// <exception cref="ShapeException">The shapes differ.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="reduction"/> is not a defined value.</exception>
    public static Tensor L1(Tensor input, Tensor target, Reduction reduction = Reduction.Mean) =>
        Pointwise(PointwiseLoss.L1, "l1", input, target, null, reduction, 0f);

    /// <summary>
    /// Huber loss (Huber, 1964; PyTorch's HuberLoss): with d = x − y, ℓᵢ = ½d² if |d| &lt; δ, else δ(|d| − ½δ).
    /// Quadratic near zero, linear (gradient ±δ) in the tails.
    /// </summary>
    /// <param name="input">Predictions x, any shape.</param>
    /// <param name="target">Targets y, same shape as <paramref name="input"/>.</param>
    /// <param name="delta">The threshold δ &gt; 0 between the quadratic and linear parts (default 1).</param>
    /// <param name="reduction">How ℓ is reduced (default <see cref="Reduction.Mean"/>).</param>
    /// <returns>Squared units of the input (near zero); 0-d unless <see cref="Reduction.None"/>.</returns>
    /// <exception cref="ShapeException">The shapes differ.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="delta"/> ≤ 0 or not finite, or an undefined <paramref name="reduction"/>.</exception>
    public static Tensor Huber(Tensor input, Tensor target, float delta = 1f, Reduction reduction = Reduction.Mean)
    {
        if (!(delta > 0f) || !float.IsFinite(delta))
            throw new ArgumentOutOfRangeException(nameof(delta), $"huber: delta must be > 0 and finite, got {delta}");
        return Pointwise(PointwiseLoss.Huber, "huber", input, target, null, reduction, delta);
    }

    /// <summary>
    /// Binary cross-entropy on probabilities: ℓᵢ = −[yᵢ·max(ln pᵢ, −100) + (1 − yᵢ)·max(ln(1 − pᵢ), −100)]
    /// (PyTorch's BCELoss, including its clamp of the log terms at −100 so p = 0 or 1 gives a finite loss).
    /// </summary>
    /// <remarks>
    /// Gradient, as PyTorch: ∂ℓ/∂p = (p − y) / max(p(1 − p), 10⁻¹²); ∂ℓ/∂y = ln(1 − p) − ln p (unclamped, so ±∞ at p ∈ {0, 1}).
    /// Prefer <see cref="BceWithLogits"/> when the probabilities come from a sigmoid: it is more accurate and stable.
    /// </remarks>
    /// <param name="probabilities">Predicted probabilities p ∈ [0, 1], any shape.</param>
    /// <param name="target">Targets y (usually in [0, 1]), same shape.</param>
    /// <param name="reduction">How ℓ is reduced (default <see cref="Reduction.Mean"/>).</param>
    /// <returns>Nats; 0-d unless <see cref="Reduction.None"/>.</returns>
    /// <exception cref="ShapeException">The shapes differ.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A probability is outside [0, 1] or NaN, or an undefined <paramref name="reduction"/>.</exception>
    public static Tensor Bce(Tensor probabilities, Tensor target, Reduction reduction = Reduction.Mean) =>
        Pointwise(PointwiseLoss.Bce, "bce", probabilities, target, null, reduction, 0f);

    /// <summary>
    /// Binary cross-entropy on logits, fused and numerically stable: ℓᵢ = max(xᵢ, 0) − xᵢyᵢ + ln(1 + e^(−|xᵢ|))
    /// (= BCE(σ(x), y) without overflow; PyTorch's BCEWithLogitsLoss without weights).
    /// </summary>
    /// <remarks>One recorded op with its own hand-written backward: ∂ℓ/∂x = σ(x) − y, ∂ℓ/∂y = −x (both scaled by the reduction).</remarks>
    /// <param name="logits">Logits x (any real values), any shape.</param>
    /// <param name="target">Targets y (usually in [0, 1]), same shape.</param>
    /// <param name="reduction">How ℓ is reduced (default <see cref="Reduction.Mean"/>).</param>
    /// <returns>Nats; 0-d unless <see cref="Reduction.None"/>.</returns>
    /// <exception cref="ShapeException">The shapes differ.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="reduction"/> is not a defined value.</exception>
    public static Tensor BceWithLogits(Tensor logits, Tensor target, Reduction reduction = Reduction.Mean) =>
        Pointwise(PointwiseLoss.BceWithLogits, "bce_with_logits", logits, target, null, reduction, 0f);

    /// <summary>
    /// MSE on observed entries only: ℓᵢ = mᵢ(xᵢ − yᵢ)², with <see cref="Reduction.Mean"/> = Σ m(x − y)² / Σ m
    /// (the mean over the mask-weighted entries), <see cref="Reduction.Sum"/> = Σ m(x − y)²,
    /// <see cref="Reduction.BatchMean"/> = Σ m(x − y)² / N, <see cref="Reduction.None"/> = the elementwise mᵢ(xᵢ − yᵢ)².
    /// </summary>
    /// <remarks>
    /// Used to train on data with missing values (mask 1 = observed, 0 = missing); non-binary non-negative weights are allowed.
    /// Documented choice: when Σ m = 0 (nothing observed) the <see cref="Reduction.Mean"/> loss is 0 with a zero gradient,
    /// instead of 0/0 = NaN, so a batch without observed entries does not poison training. The mask gets no gradient.
    /// </remarks>
    /// <param name="input">Predictions x, any shape.</param>
    /// <param name="target">Targets y, same shape; values where m = 0 are ignored entirely (they may be NaN).</param>
    /// <param name="mask">Weights m ≥ 0 (usually 0/1), same shape.</param>
    /// <param name="reduction">How ℓ is reduced (default <see cref="Reduction.Mean"/>).</param>
    /// <returns>Squared units of the input; 0-d unless <see cref="Reduction.None"/>.</returns>
    /// <exception cref="ShapeException">The shapes of input, target and mask are not all equal.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="reduction"/> is not a defined value.</exception>
    public static Tensor MaskedMse(Tensor input, Tensor target, Tensor mask, Reduction reduction = Reduction.Mean)
    {
        ArgumentNullException.ThrowIfNull(mask);
        if (!ShapeUtil.SameShape(input.ShapeArray, mask.ShapeArray))
            throw new ShapeException($"masked_mse: input {input.ShapeString} and mask {mask.ShapeString} differ");
        return Pointwise(PointwiseLoss.MaskedMse, "masked_mse", input, target, mask, reduction, 0f);
    }

    /// <summary>
    /// Cross-entropy with class indices: ℓₙ = −log softmax(xₙ)[tₙ] = −xₙ,ₜₙ + ln Σ_c e^(xₙ,c) (log-softmax + NLL,
    /// PyTorch's CrossEntropyLoss without weights, ignore_index or label smoothing).
    /// </summary>
    /// <param name="logits">Unnormalised scores x, shape (N, C).</param>
    /// <param name="targets">Class indices tₙ ∈ [0, C), length N.</param>
    /// <param name="reduction">Default <see cref="Reduction.Mean"/> = Σₙ ℓₙ / N (equal to <see cref="Reduction.BatchMean"/>);
    /// <see cref="Reduction.None"/> returns the per-sample losses, shape (N,).</param>
    /// <returns>Nats; 0-d unless <see cref="Reduction.None"/>.</returns>
    /// <exception cref="ShapeException"><paramref name="logits"/> is not rank 2 or the number of targets differs from N.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A target index is outside [0, C), or an undefined <paramref name="reduction"/>.</exception>
    public static Tensor CrossEntropy(Tensor logits, int[] targets, Reduction reduction = Reduction.Mean)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(targets);
        CheckReduction(reduction, "cross_entropy");
        if (logits.Rank != 2)
            throw new ShapeException($"cross_entropy: logits must have shape (N, C), got {logits.ShapeString}");
        int n = logits.ShapeArray[0], c = logits.ShapeArray[1];
        if (targets.Length != n)
            throw new ShapeException($"cross_entropy: logits {logits.ShapeString} and targets ({targets.Length},) differ in batch size");
        for (int i = 0; i < n; i++)
            if ((uint)targets[i] >= (uint)c)
                throw new ArgumentOutOfRangeException(nameof(targets), $"cross_entropy: target {targets[i]} at position {i} is outside [0, {c}) for logits {logits.ShapeString}");
        var picked = logits.LogSoftmax(1).Gather(1, targets, [n, 1]).Reshape(n);
        return Reduce(picked.Neg(), reduction, n, perSample: true);
    }

    /// <summary>
    /// Cross-entropy with class-probability (soft) targets: ℓₙ = −Σ_c pₙ,c · log softmax(xₙ)_c (PyTorch's CrossEntropyLoss with
    /// probability targets). Differentiable in both the logits and the target probabilities.
    /// </summary>
    /// <param name="logits">Unnormalised scores x, shape (N, C).</param>
    /// <param name="targetProbabilities">Target distribution p, shape (N, C); rows normally sum to 1 (not checked).</param>
    /// <param name="reduction">Default <see cref="Reduction.Mean"/> = Σₙ ℓₙ / N (equal to <see cref="Reduction.BatchMean"/>);
    /// <see cref="Reduction.None"/> returns the per-sample losses, shape (N,).</param>
    /// <returns>Nats; 0-d unless <see cref="Reduction.None"/>.</returns>
    /// <exception cref="ShapeException"><paramref name="logits"/> is not rank 2 or the shapes differ.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="reduction"/> is not a defined value.</exception>
    public static Tensor CrossEntropy(Tensor logits, Tensor targetProbabilities, Reduction reduction = Reduction.Mean)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(targetProbabilities);
        CheckReduction(reduction, "cross_entropy");
        if (logits.Rank != 2)
            throw new ShapeException($"cross_entropy: logits must have shape (N, C), got {logits.ShapeString}");
        if (!ShapeUtil.SameShape(logits.ShapeArray, targetProbabilities.ShapeArray))
            throw new ShapeException($"cross_entropy: logits {logits.ShapeString} and target probabilities {targetProbabilities.ShapeString} differ");
        int n = logits.ShapeArray[0];
        var perSample = (targetProbabilities * logits.LogSoftmax(1)).Sum(1).Neg();
        return Reduce(perSample, reduction, n, perSample: true);
    }

    /// <summary>
    /// KL divergence of a diagonal Gaussian posterior from the standard normal prior (Kingma &amp; Welling, 2014, appendix B):
    /// KL(N(μ, σ²) ‖ N(0, I)) = −½ Σⱼ (1 + ln σⱼ² − μⱼ² − σⱼ²) per sample, summed over the latent dimensions. Units: nats.
    /// </summary>
    /// <param name="mu">Posterior means μ, shape (N, …) — N samples, the remaining dimensions are latent dimensions.</param>
    /// <param name="logVar">Posterior log-variances ln σ², same shape as <paramref name="mu"/>.</param>
    /// <param name="reduction">Default <see cref="Reduction.BatchMean"/> = Σ KL / N (per-sample KL averaged over the batch, the VAE
    /// convention); <see cref="Reduction.Sum"/> = Σ over the batch; <see cref="Reduction.None"/> = per-sample KL, shape (N,);
    /// <see cref="Reduction.Mean"/> = the total divided by the number of elements N·D (per latent dimension, like PyTorch's
    /// KLDivLoss 'mean').</param>
    /// <returns>Nats; 0-d unless <see cref="Reduction.None"/>.</returns>
    /// <exception cref="ShapeException">The shapes differ or <paramref name="mu"/> is 0-d.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="reduction"/> is not a defined value.</exception>
    public static Tensor KlDivergenceStandardNormal(Tensor mu, Tensor logVar, Reduction reduction = Reduction.BatchMean)
    {
        ArgumentNullException.ThrowIfNull(mu);
        ArgumentNullException.ThrowIfNull(logVar);
        CheckReduction(reduction, "kl_standard_normal");
        if (!ShapeUtil.SameShape(mu.ShapeArray, logVar.ShapeArray))
            throw new ShapeException($"kl_standard_normal: mu {mu.ShapeString} and logVar {logVar.ShapeString} differ");
        if (mu.Rank == 0)
            throw new ShapeException("kl_standard_normal: mu must have a batch dimension, got a 0-d tensor");
        int n = mu.ShapeArray[0];
        // terms = 1 + ln σ² − μ² − σ²
        var terms = (logVar + 1f) - mu * mu - logVar.Exp();
        if (reduction == Reduction.Mean) return terms.Sum().MulScalar(-0.5f / Math.Max(terms.Length, 1));
        Tensor perSample;
        if (mu.Rank == 1) perSample = terms;
        else
        {
            var axes = new int[mu.Rank - 1];
            for (int i = 0; i < axes.Length; i++) axes[i] = i + 1;
            perSample = terms.Sum(axes);
        }
        return Reduce(perSample.MulScalar(-0.5f), reduction, n, perSample: true);
    }

    // ------------------------------------------------------------------ helpers

    internal static void CheckReduction(Reduction reduction, string loss)
    {
        if ((uint)reduction > (uint)Reduction.BatchMean)
            throw new ArgumentOutOfRangeException(nameof(reduction), $"{loss}: unknown reduction {(int)reduction}");
    }

    internal static int BatchSize(Tensor x) => x.Rank == 0 ? 1 : x.ShapeArray[0];

    /// <summary>Reduces composed per-sample values (rank 1, length N): Mean and BatchMean both divide by N.</summary>
    private static Tensor Reduce(Tensor values, Reduction reduction, int n, bool perSample) => reduction switch
    {
        Reduction.None => values,
        Reduction.Sum => values.Sum(),
        Reduction.Mean or Reduction.BatchMean when perSample => values.Sum().MulScalar(n == 0 ? float.NaN : 1f / n),
        Reduction.Mean => values.Mean(),
        _ => values.Sum().MulScalar(n == 0 ? float.NaN : 1f / n),
    };

    private static Tensor Pointwise(PointwiseLoss kind, string name, Tensor input, Tensor target, Tensor? mask, Reduction reduction, float delta)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(target);
        CheckReduction(reduction, name);
        if (!ShapeUtil.SameShape(input.ShapeArray, target.ShapeArray))
            throw new ShapeException($"{name}: input {input.ShapeString} and target {target.ShapeString} differ");

        float scale = 1f;
        Tensor output;
        if (reduction == Reduction.None)
        {
            output = Tensor.EmptyLike(input);
            PointwiseLossKernels.Forward(kind, input.Span, target.Span, mask is null ? default : mask.Span, delta, output.Span, name);
        }
        else
        {
            float sum;
            if (kind == PointwiseLoss.BceWithLogits)
                sum = BceWithLogitsSum.Run(input, target);  // fused SIMD pass, no per-element buffer, chunks split over the worker pool
            else
            {
                var values = Tensor.EmptyLike(input);
                PointwiseLossKernels.Forward(kind, input.Span, target.Span, mask is null ? default : mask.Span, delta, values.Span, name);
                sum = TensorPrimitives.Sum<float>(values.Span);
            }
            scale = reduction switch
            {
                Reduction.Sum => 1f,
                Reduction.BatchMean => 1f / BatchSize(input),
                _ when kind == PointwiseLoss.MaskedMse => MaskScale(mask!),
                _ => 1f / input.Length,
            };
            output = Tensor.Empty([]);
            output.Span[0] = sum * scale;
        }
        if (!Function.Needs(input, target)) return output;
        Function fn = kind == PointwiseLoss.BceWithLogits
            ? new BceWithLogitsFn(reduction, scale)
            : new PointwiseLossFn(kind, name, reduction, scale, delta, mask);
        return Function.Record(fn, output, input, target);
    }

    /// <summary>1 / Σm, or 0 when nothing is observed (the documented all-zero-mask choice).</summary>
    private static float MaskScale(Tensor mask)
    {
        float total = TensorPrimitives.Sum<float>(mask.Span);
        return total == 0f ? 0f : 1f / total;
    }
}
