using Bottleneck.Autograd;
using Bottleneck.Tensors;

namespace Bottleneck.NN;

/// <summary>
/// Spectral normalisation of a weight matrix (Miyato et al. 2018, "Spectral Normalization for Generative Adversarial Networks"):
/// W_SN = W / σ(W), with the largest singular value σ(W) estimated as σ = uᵀ W v from vectors u, v kept between calls and refined by
/// power iteration, as PyTorch's <c>torch.nn.utils.spectral_norm</c>: v ← Wᵀu / ‖Wᵀu‖, u ← W v / ‖W v‖ (each norm clamped below at
/// eps), u and v constants of the backward, so ∂σ/∂W = u vᵀ.
/// </summary>
/// <remarks>Shapes: W (h, w) (a Linear's (outFeatures, inFeatures)), u (h), v (w). h, w: the weight's rows and columns.</remarks>
public static class SpectralNorm
{
    /// <summary>PyTorch's default eps of the norms in the power iteration: 1e-12.</summary>
    public const float DefaultEps = 1e-12f;

    /// <summary>
    /// Refines u and v in place by <paramref name="iterations"/> power-iteration steps, each v ← Wᵀu / max(‖Wᵀu‖, eps) then
    /// u ← W v / max(‖W v‖, eps). No autograd (the weight's graph is not touched).
    /// </summary>
    /// <param name="weight">W, shape (h, w).</param>
    /// <param name="u">u, shape (h), updated in place.</param>
    /// <param name="v">v, shape (w), updated in place.</param>
    /// <param name="iterations">Steps ≥ 0 (default 1, PyTorch's).</param>
    /// <param name="eps">Lower bound of the norms (default <see cref="DefaultEps"/>).</param>
    /// <exception cref="ShapeException">W is not 2-D, or u, v do not have its rows and columns.</exception>
    /// <exception cref="ArgumentOutOfRangeException">iterations &lt; 0 or eps ≤ 0.</exception>
    public static void PowerIteration(Tensor weight, Tensor u, Tensor v, int iterations = 1, float eps = DefaultEps)
    {
        var (h, w) = Check(weight, u, v);
        if (iterations < 0) throw new ArgumentOutOfRangeException(nameof(iterations), iterations, $"iterations must be ≥ 0, got {iterations}");
        if (!(eps > 0)) throw new ArgumentOutOfRangeException(nameof(eps), eps, $"eps must be > 0, got {eps}");
        ReadOnlySpan<float> m = weight.Span;
        Span<float> us = u.Span, vs = v.Span;
        var acc = new double[Math.Max(h, w)];
        for (int it = 0; it < iterations; it++)
        {
            Array.Clear(acc);
            for (int i = 0; i < h; i++)
            {
                double ui = us[i];
                var row = m.Slice(i * w, w);
                for (int j = 0; j < w; j++) acc[j] += row[j] * ui;
            }
            Normalize(acc.AsSpan(0, w), vs, eps);
            for (int i = 0; i < h; i++)
            {
                var row = m.Slice(i * w, w);
                double s = 0;
                for (int j = 0; j < w; j++) s += row[j] * (double)vs[j];
                acc[i] = s;
            }
            Normalize(acc.AsSpan(0, h), us, eps);
        }
    }

    /// <summary>σ = uᵀ W v, differentiable in W (u and v are constants: ∂σ/∂W = u vᵀ). Shape: W (h, w), u (h), v (w) → (1, 1).</summary>
    /// <param name="weight">W, shape (h, w).</param>
    /// <param name="u">u, shape (h); not differentiated.</param>
    /// <param name="v">v, shape (w); not differentiated.</param>
    /// <exception cref="ShapeException">W is not 2-D, or u, v do not have its rows and columns.</exception>
    public static Tensor Sigma(Tensor weight, Tensor u, Tensor v)
    {
        var (h, w) = Check(weight, u, v);
        return Tensor.FromArray(u.Span, 1, h).MatMul(weight).MatMul(Tensor.FromArray(v.Span, w, 1));
    }

    /// <summary>
    /// W_SN = W / (uᵀ W v), differentiable in W with u and v held (PyTorch's <c>compute_weight</c> after its power iteration):
    /// ∂L/∂W = G/σ − (⟨G, W⟩/σ²)·u vᵀ for G = ∂L/∂W_SN. u and v are copied, so a later <see cref="PowerIteration"/> on them does
    /// not change this result's backward. Shape: W (h, w), u (h), v (w) → (h, w).
    /// </summary>
    /// <param name="weight">W, shape (h, w).</param>
    /// <param name="u">u, shape (h); not differentiated.</param>
    /// <param name="v">v, shape (w); not differentiated.</param>
    /// <exception cref="ShapeException">W is not 2-D, or u, v do not have its rows and columns.</exception>
    public static Tensor Normalize(Tensor weight, Tensor u, Tensor v) => weight / Sigma(weight, u, v);

    private static void Normalize(ReadOnlySpan<double> x, Span<float> into, float eps)
    {
        double norm = 0;
        foreach (double e in x) norm += e * e;
        double scale = 1 / Math.Max(Math.Sqrt(norm), eps);
        for (int i = 0; i < x.Length; i++) into[i] = (float)(x[i] * scale);
    }

    private static (int H, int W) Check(Tensor weight, Tensor u, Tensor v)
    {
        ArgumentNullException.ThrowIfNull(weight);
        ArgumentNullException.ThrowIfNull(u);
        ArgumentNullException.ThrowIfNull(v);
        if (weight.Rank != 2) throw new ShapeException($"spectral norm: the weight must be 2-D (h, w), got {weight.ShapeString}");
        int h = weight.Dim(0), w = weight.Dim(1);
        if (u.Length != h || v.Length != w)
            throw new ShapeException($"spectral norm: weight {weight.ShapeString} needs u of {h} and v of {w} values, got u {u.ShapeString} and v {v.ShapeString}");
        return (h, w);
    }
}

/// <summary>
/// A Linear layer with a spectrally normalised weight (Miyato et al. 2018): y = x·W_SNᵀ + b, W_SN = W / σ(W) (<see cref="SpectralNorm"/>),
/// as <c>torch.nn.utils.spectral_norm(nn.Linear(inFeatures, outFeatures))</c>: in training mode every <see cref="Forward"/> first refines
/// u and v by one power-iteration step; in evaluation mode it uses them as they are. State-dict names are PyTorch's: <c>weight_orig</c>
/// (W, the trained parameter), <c>bias</c>, and the buffers <c>weight_u</c>, <c>weight_v</c> (so u survives save, load and resume).
/// </summary>
/// <remarks>Shape: x (…, inFeatures) → (…, outFeatures); W (outFeatures, inFeatures), u (outFeatures), v (inFeatures).</remarks>
public sealed class SpectralNormLinear : Module
{
    /// <summary>Creates the layer: W and b by PyTorch's Linear default (U(−1/√inFeatures, 1/√inFeatures)), then u and v drawn from
    /// N(0, I) and normalised, as PyTorch's <c>spectral_norm</c> does when applied.</summary>
    /// <param name="inFeatures">Input width, ≥ 1.</param>
    /// <param name="outFeatures">Output width, ≥ 1.</param>
    /// <param name="rng">Generator of the initial weights and of u and v.</param>
    /// <param name="bias">Whether to learn an additive bias (default true).</param>
    /// <param name="powerIterations">Power-iteration steps per training-mode forward, ≥ 0 (default 1, PyTorch's).</param>
    /// <param name="eps">Lower bound of the norms in the power iteration (default 1e-12, PyTorch's).</param>
    /// <exception cref="ArgumentOutOfRangeException">A width below 1, powerIterations &lt; 0 or eps ≤ 0.</exception>
    public SpectralNormLinear(int inFeatures, int outFeatures, Rng rng, bool bias = true, int powerIterations = 1, float eps = SpectralNorm.DefaultEps)
    {
        ArgumentNullException.ThrowIfNull(rng);
        if (inFeatures < 1) throw new ArgumentOutOfRangeException(nameof(inFeatures), $"inFeatures must be ≥ 1, got {inFeatures}");
        if (outFeatures < 1) throw new ArgumentOutOfRangeException(nameof(outFeatures), $"outFeatures must be ≥ 1, got {outFeatures}");
        if (powerIterations < 0) throw new ArgumentOutOfRangeException(nameof(powerIterations), $"powerIterations must be ≥ 0, got {powerIterations}");
        if (!(eps > 0)) throw new ArgumentOutOfRangeException(nameof(eps), $"eps must be > 0, got {eps}");
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        PowerIterations = powerIterations;
        Eps = eps;
        using (TensorScope.Untracked())
        {
            WeightOrig = RegisterParameter("weight_orig", Tensor.Zeros(outFeatures, inFeatures));
            Bias = bias ? RegisterParameter("bias", Tensor.Zeros(outFeatures)) : null;
            U = RegisterBuffer("weight_u", Tensor.Zeros(outFeatures));
            V = RegisterBuffer("weight_v", Tensor.Zeros(inFeatures));
        }
        Init.LinearDefault(WeightOrig, Bias, rng);
        foreach (var t in new[] { U, V })
        {
            rng.FillNormal(t.Span);
            var unit = t.Span.ToArray().Select(x => (double)x).ToArray();
            double norm = Math.Sqrt(unit.Sum(x => x * x));
            for (int i = 0; i < unit.Length; i++) t.Span[i] = (float)(unit[i] / Math.Max(norm, eps));
        }
    }

    /// <summary>Input width.</summary>
    public int InFeatures { get; }
    /// <summary>Output width.</summary>
    public int OutFeatures { get; }
    /// <summary>Power-iteration steps per training-mode forward.</summary>
    public int PowerIterations { get; }
    /// <summary>Lower bound of the norms in the power iteration.</summary>
    public float Eps { get; }
    /// <summary>W, the unnormalised weight the optimizer steps, shape (outFeatures, inFeatures) (PyTorch's <c>weight_orig</c>).</summary>
    public Tensor WeightOrig { get; }
    /// <summary>Bias b, shape (outFeatures), or null.</summary>
    public Tensor? Bias { get; }
    /// <summary>u ≈ W's first left singular vector, shape (outFeatures) (buffer <c>weight_u</c>).</summary>
    public Tensor U { get; }
    /// <summary>v ≈ W's first right singular vector, shape (inFeatures) (buffer <c>weight_v</c>).</summary>
    public Tensor V { get; }

    /// <summary>W_SN = W / (uᵀ W v) with the current u and v (no power iteration), differentiable in W. Shape (outFeatures, inFeatures).</summary>
    public Tensor Weight() => SpectralNorm.Normalize(WeightOrig, U, V);

    /// <summary>y = x·W_SNᵀ + b; in training mode u and v first take <see cref="PowerIterations"/> power-iteration steps.</summary>
    public override Tensor Forward(Tensor input)
    {
        if (Training && PowerIterations > 0)
            using (GradMode.NoGrad()) SpectralNorm.PowerIteration(WeightOrig, U, V, PowerIterations, Eps);
        return Tensor.Linear(input, Weight(), Bias);
    }
}
