using Bottleneck.NN;
using Bottleneck.Tensors;

namespace Bottleneck.Models;

/// <summary>
/// Two stochastic layers with the ladder VAE's top-down inference (Sønderby et al. 2016). Bottom-up: from the encoder output
/// d₁ the heads (μ̂₁, log σ̂₁²), then d₂ = ReLU(W d₁ + b) and the heads (μ̂₂, log σ̂₂²); q(z₂ | x) = N(μ̂₂, σ̂₂²). Top-down:
/// t = ReLU(V z₂ + c) gives p(z₁ | z₂) = N(μ_p, σ_p²), and the posterior of z₁ combines both by precision:
/// σ_q² = 1 / (σ̂₁⁻² + σ_p⁻²), μ_q = σ_q² (μ̂₁ σ̂₁⁻² + μ_p σ_p⁻²). The decoder sees z₁. Prior p(z₂) = N(0, I).
/// Shapes: h = d₁ (N, H), z₂ (N, k₂), z₁ (N, k₁ = latentDim).
/// </summary>
/// <remarks>
/// <para>KL term per sample (nats): KL(q(z₂|x) ‖ N(0, I)) + KL(q(z₁|x, z₂) ‖ p(z₁|z₂)), both analytic given the z₂ drawn,
/// weighted in training as <see cref="KlWeighting"/> says (β, schedule, free bits over the k₁ + k₂ dimensions); evaluation
/// steps use weight 1. State-dict names under <c>latent.</c>: <c>mu1</c>, <c>log_var1</c>, <c>up</c>, <c>mu2</c>, <c>log_var2</c>,
/// <c>down</c>, <c>prior_mu1</c>, <c>prior_log_var1</c> (each a Linear's weight and bias).</para>
/// </remarks>
public sealed class LadderLatent : LatentLayer, IStochasticLatent
{
    private readonly Linear _mu1, _lv1, _up, _mu2, _lv2, _down, _pmu1, _plv1;

    /// <summary>Creates the layer with PyTorch's default Linear initialisation.</summary>
    /// <param name="inputWidth">H, the encoder output width.</param>
    /// <param name="latentDim">k₁, the bottom code width (what the decoder sees).</param>
    /// <param name="topLatentDim">k₂, the top code width.</param>
    /// <param name="ladderHidden">Width of the bottom-up and top-down hidden layers.</param>
    /// <param name="weighting">The KL weighting of training steps.</param>
    /// <param name="rng">Generator for the initial weights.</param>
    public LadderLatent(int inputWidth, int latentDim, int topLatentDim, int ladderHidden, KlWeighting weighting, Rng rng)
    {
        Weighting = weighting ?? throw new ArgumentNullException(nameof(weighting));
        _mu1 = RegisterModule("mu1", new Linear(inputWidth, latentDim, rng));
        _lv1 = RegisterModule("log_var1", new Linear(inputWidth, latentDim, rng));
        _up = RegisterModule("up", new Linear(inputWidth, ladderHidden, rng));
        _mu2 = RegisterModule("mu2", new Linear(ladderHidden, topLatentDim, rng));
        _lv2 = RegisterModule("log_var2", new Linear(ladderHidden, topLatentDim, rng));
        _down = RegisterModule("down", new Linear(topLatentDim, ladderHidden, rng));
        _pmu1 = RegisterModule("prior_mu1", new Linear(ladderHidden, latentDim, rng));
        _plv1 = RegisterModule("prior_log_var1", new Linear(ladderHidden, latentDim, rng));
        LatentDim = latentDim;
        TopLatentDim = topLatentDim;
    }

    /// <summary>k₁.</summary>
    public int LatentDim { get; }
    /// <summary>k₂.</summary>
    public int TopLatentDim { get; }
    /// <summary>The KL weighting.</summary>
    public KlWeighting Weighting { get; }

    /// <summary>Bottom-up pass: (μ̂₁, log σ̂₁², μ̂₂, log σ̂₂²).</summary>
    private (Tensor Mu1, Tensor Lv1, Tensor Mu2, Tensor Lv2) Up(Tensor h)
    {
        var d2 = _up.Forward(h).Relu();
        return (_mu1.Forward(h), _lv1.Forward(h), _mu2.Forward(d2), _lv2.Forward(d2));
    }

    /// <summary>Top-down at z₂: p(z₁ | z₂) and the precision-weighted q(z₁ | x, z₂) as (μ_p, log σ_p², μ_q, log σ_q²).</summary>
    private (Tensor MuP, Tensor LvP, Tensor MuQ, Tensor LvQ) Down(Tensor z2, Tensor mu1, Tensor lv1)
    {
        var t = _down.Forward(z2).Relu();
        var muP = _pmu1.Forward(t);
        var lvP = _plv1.Forward(t);
        var (muQ, lvQ) = Combine(mu1, lv1, muP, lvP);
        return (muP, lvP, muQ, lvQ);
    }

    /// <summary>
    /// The precision-weighted combination of two Gaussians (Sønderby et al. 2016, eq. 19–20), in a stable form:
    /// w = σ̂⁻²/(σ̂⁻² + σ_p⁻²) = sigmoid(lv_p − lv̂), μ_q = w·μ̂ + (1 − w)·μ_p, log σ_q² = −log(e^−lv̂ + e^−lv_p) = lv̂ − softplus(lv̂ − lv_p)
    /// (no exponential of a log-variance is formed, so extreme log-variances cannot overflow). Shapes: all (N, k).
    /// </summary>
    /// <param name="mu1">Bottom-up mean μ̂.</param>
    /// <param name="lv1">Bottom-up log-variance lv̂.</param>
    /// <param name="muP">Top-down (prior) mean μ_p.</param>
    /// <param name="lvP">Top-down log-variance lv_p.</param>
    public static (Tensor Mu, Tensor LogVar) Combine(Tensor mu1, Tensor lv1, Tensor muP, Tensor lvP)
    {
        var w = (lvP - lv1).Sigmoid();
        return (mu1 * w + muP * (1f - w), lv1 - (lv1 - lvP).Softplus());
    }

    /// <summary>KL(N(μ_q, σ_q²) ‖ N(μ_p, σ_p²)) per element: ½[lv_p − lv_q + (σ_q² + (μ_q − μ_p)²)/σ_p² − 1].</summary>
    private static Tensor KlGaussians(Tensor muQ, Tensor lvQ, Tensor muP, Tensor lvP)
    {
        var d = muQ - muP;
        return (lvP - lvQ + (lvQ - lvP).Exp() + d * d * (-lvP).Exp() - 1f) * 0.5f;
    }

    /// <inheritdoc/>
    public override Tensor Code(Tensor h)
    {
        var (mu1, lv1, mu2, _) = Up(h);
        return Down(mu2, mu1, lv1).MuQ;
    }

    /// <inheritdoc/>
    public override LatentSample Sample(Tensor h, StepContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (z1, klPerDim, _) = Forward(h, context.Noise);
        int n = h.Dim(0);
        var kl = klPerDim.Sum() * (1f / n);
        if (!context.Training) return new LatentSample(z1, [new LossTerm(VariationalTerms.Kl, kl)]);
        var w = Weighting;
        double t = context.EpochsDone, weight = w.Schedule.Weight(w.Beta, t);
        Tensor term = w.Schedule.Kind == KlScheduleKind.Capacity ? (kl - (float)w.Schedule.CapacityAt(t)).Abs() * w.Beta
            : w.FreeBits > 0 ? klPerDim.Mean(0).Clamp(min: w.FreeBits).Sum() * (float)weight
            : kl * (float)weight;
        return new LatentSample(z1, [new LossTerm(VariationalTerms.Kl, term)])
        {
            Metrics = [new LossTerm(VariationalTerms.KlNats, kl), new LossTerm(VariationalTerms.Beta, Tensor.Scalar((float)weight))],
        };
    }

    /// <summary>z₁, the KL per dimension (N, k₁ + k₂) given the z₂ drawn, and z₂; means when <paramref name="rng"/> is null.</summary>
    private (Tensor Z1, Tensor KlPerDim, Tensor Z2) Forward(Tensor h, Rng? rng)
    {
        var (mu1, lv1, mu2, lv2) = Up(h);
        var z2 = rng is null ? mu2 : mu2 + (lv2 * 0.5f).Exp() * Tensor.RandN(rng, mu2.ShapeArray);
        var (muP, lvP, muQ, lvQ) = Down(z2, mu1, lv1);
        var z1 = rng is null ? muQ : muQ + (lvQ * 0.5f).Exp() * Tensor.RandN(rng, muQ.ShapeArray);
        var kl2 = (mu2 * mu2 + lv2.Exp() - 1f - lv2) * 0.5f;
        var kl1 = KlGaussians(muQ, lvQ, muP, lvP);
        return (z1, Tensor.Concat([kl1, kl2], 1), z2);
    }

    /// <inheritdoc/>
    public (Tensor Z, float[] Kl) Draw(Tensor h, Rng? rng)
    {
        var (z1, klPerDim, _) = Forward(h, rng);
        return (z1, klPerDim.Sum(1).ToArray());
    }

    /// <inheritdoc/>
    public (Tensor Z, double[] LogPriorOverPosterior) DrawForImportance(Tensor h, int k, Rng rng)
    {
        var (mu1, lv1, mu2, lv2) = Up(h);
        int k2 = TopLatentDim, k1 = LatentDim;
        var mu2k = mu2.BroadcastTo(k, k2);
        var lv2k = lv2.BroadcastTo(k, k2);
        var z2 = mu2k + (lv2k * 0.5f).Exp() * Tensor.RandN(rng, k, k2);
        var (muP, lvP, muQ, lvQ) = Down(z2, mu1.BroadcastTo(k, k1), lv1.BroadcastTo(k, k1));
        var z1 = muQ + (lvQ * 0.5f).Exp() * Tensor.RandN(rng, k, k1);
        var zeros2 = new float[k * k2];
        var result = new double[k];
        ReadOnlySpan<float> z2s = z2.Span, z1s = z1.Span, mu2s = mu2k.Span, lv2s = lv2k.Span, mups = muP.Span, lvps = lvP.Span, muqs = muQ.Span, lvqs = lvQ.Span;
        for (int j = 0; j < k; j++)
        {
            double logP = GaussianDensity.Log(z2s, zeros2, zeros2, j * k2, j * k2, k2) + GaussianDensity.Log(z1s, mups, lvps, j * k1, j * k1, k1);
            double logQ = GaussianDensity.Log(z2s, mu2s, lv2s, j * k2, j * k2, k2) + GaussianDensity.Log(z1s, muqs, lvqs, j * k1, j * k1, k1);
            result[j] = logP - logQ;
        }
        return (z1, result);
    }
}
