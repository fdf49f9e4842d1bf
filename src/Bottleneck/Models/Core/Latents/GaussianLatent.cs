using Bottleneck.NN;
using Bottleneck.Tensors;

namespace Bottleneck.Models;

/// <summary>The names of the loss terms and logged values of the variational kinds.</summary>
public static class VariationalTerms
{
    /// <summary>KL(q(z|x) ‖ p(z)) as it enters the loss (weighted by β and the schedule, free bits and capacity applied), nats per sample.</summary>
    public const string Kl = "kl";
    /// <summary>The unweighted analytic KL(q(z|x) ‖ N(0, I)) in nats per sample (a logged value, not a loss term).</summary>
    public const string KlNats = "kl-nats";
    /// <summary>The KL weight of the step (a logged value).</summary>
    public const string Beta = "beta";
    /// <summary>Index-code mutual information I(x; z) (β-TCVAE), weighted.</summary>
    public const string MutualInformation = "mi";
    /// <summary>Total correlation KL(q(z) ‖ Π_j q(z_j)) (β-TCVAE), weighted by β.</summary>
    public const string TotalCorrelation = "tc";
    /// <summary>Dimension-wise KL Σ_j KL(q(z_j) ‖ p(z_j)) (β-TCVAE), weighted.</summary>
    public const string DimensionWiseKl = "dim-kl";
    /// <summary>MMD² between the aggregate posterior and the prior (InfoVAE, WAE-MMD), weighted.</summary>
    public const string Mmd = "mmd";
    /// <summary>Σ_y q(y | x) log q(y | x) over unlabelled rows (semi-supervised VAE): the negative entropy of the classifier.</summary>
    public const string NegEntropy = "neg-entropy";
    /// <summary>α·(−log q(y | x)) over labelled rows (semi-supervised VAE).</summary>
    public const string Classification = "classification";
    /// <summary>The discriminator's loss −[log D(z′) + log(1 − D(z))], z′ from the prior (adversarial autoencoder).</summary>
    public const string Discriminator = "discriminator";
    /// <summary>The encoder's adversarial loss −log D(z) (adversarial autoencoder).</summary>
    public const string Generator = "generator";
    /// <summary>The R1 gradient penalty (γ/2)·E ‖∇_z D(z′)‖² on the discriminator's logit at prior samples z′ (adversarial autoencoder, Mescheder et al. 2018).</summary>
    public const string GradientPenalty = "gradient-penalty";
    /// <summary>Codebook loss ‖sg(z_e) − e‖² (VQ-VAE).</summary>
    public const string Codebook = "codebook";
    /// <summary>Commitment loss β‖z_e − sg(e)‖² (VQ-VAE).</summary>
    public const string Commitment = "commitment";
    /// <summary>Codebook perplexity exp(−Σ_k p_k ln p_k) of the batch's code usage (VQ-VAE, a logged value).</summary>
    public const string Perplexity = "perplexity";
}

/// <summary>How the KL term of a Gaussian latent is weighted in training: β, a schedule, free bits, and the β-TCVAE split.</summary>
/// <param name="Beta">β ≥ 0, the KL weight (Higgins et al. 2017); with the capacity schedule, γ of γ·|KL − C|. Default 1.</param>
/// <param name="Schedule">How the weight moves during training; default none (constant β).</param>
/// <param name="FreeBits">λ ≥ 0 nats per latent dimension: the term is Σ_j max(λ, KL_j) with KL_j the batch mean of dimension
/// j's KL (Kingma et al. 2016); 0 (default) for none.</param>
/// <param name="TotalCorrelation">Replace the KL by α·MI + β·TC + γ·dim-KL with α = γ = 1 (β-TCVAE, Chen et al. 2018).</param>
/// <param name="DatasetSize">N of the minibatch-weighted sampling estimator of q(z) (β-TCVAE); 0 = the batch size.</param>
public sealed record KlWeighting(float Beta = 1f, KlSchedule? Schedule = null, float FreeBits = 0f, bool TotalCorrelation = false, int DatasetSize = 0)
{
    /// <summary>The schedule (none when not given).</summary>
    public KlSchedule Schedule { get; init; } = Schedule ?? KlSchedule.None;
}

/// <summary>
/// The Gaussian latent layer of a VAE (Kingma &amp; Welling 2014): linear heads μ = W_μ h + b_μ and log σ² = W_v h + b_v,
/// the reparameterization z = μ + σ ⊙ ε with ε ~ N(0, I) drawn from the step's noise, and the analytic
/// KL(N(μ, σ²) ‖ N(0, I)) = ½ Σ_j (μ_j² + σ_j² − 1 − ln σ_j²) per sample, averaged over the batch.
/// Shapes: h (N, H) → μ, log σ², z (N, latentDim).
/// </summary>
/// <remarks>
/// <para>Training steps add the term <c>kl</c> weighted by <see cref="KlWeighting"/> (β and its schedule, free bits, capacity, or
/// the β-TCVAE decomposition) and log <c>kl-nats</c> (the unweighted KL) and <c>beta</c>. Evaluation steps add the unweighted KL,
/// so their loss is the negative ELBO; they sample z when the step has a generator and use z = μ when it has none.</para>
/// <para>State-dict names: <c>latent.mu.weight</c>, <c>latent.mu.bias</c>, <c>latent.log_var.weight</c>, <c>latent.log_var.bias</c>.</para>
/// </remarks>
public sealed class GaussianLatent : LatentLayer, IStochasticLatent
{
    private static readonly float Ln2Pi = MathF.Log(2 * MathF.PI);

    /// <summary>Creates the two heads with PyTorch's default Linear initialisation.</summary>
    /// <param name="inputWidth">H, the encoder's output width, ≥ 1.</param>
    /// <param name="latentDim">The code width, ≥ 1.</param>
    /// <param name="weighting">The KL weighting of training steps.</param>
    /// <param name="rng">Generator for the initial weights.</param>
    public GaussianLatent(int inputWidth, int latentDim, KlWeighting weighting, Rng rng)
    {
        Weighting = weighting ?? throw new ArgumentNullException(nameof(weighting));
        Mu = RegisterModule("mu", new Linear(inputWidth, latentDim, rng));
        LogVar = RegisterModule("log_var", new Linear(inputWidth, latentDim, rng));
    }

    /// <summary>The μ head.</summary>
    public Linear Mu { get; }

    /// <summary>The log σ² head.</summary>
    public Linear LogVar { get; }

    /// <summary>The KL weighting.</summary>
    public KlWeighting Weighting { get; }

    /// <summary>KL(N(μ, σ²) ‖ N(0, 1)) of each element, ½(μ² + σ² − 1 − ln σ²) in nats; differentiable. Shapes: μ, log σ² and the result alike.</summary>
    /// <param name="mu">Posterior means.</param>
    /// <param name="logVar">Posterior log-variances.</param>
    public static Tensor KlPerElement(Tensor mu, Tensor logVar) => (mu * mu + logVar.Exp() - 1f - logVar) * 0.5f;

    /// <summary>The posterior's parameters (μ, log σ²), each (N, latentDim).</summary>
    /// <param name="h">Encoder output (N, H).</param>
    public (Tensor Mu, Tensor LogVar) Posterior(Tensor h) => (Mu.Forward(h), LogVar.Forward(h));

    /// <inheritdoc/>
    public override Tensor Code(Tensor h) => Mu.Forward(h);

    /// <inheritdoc/>
    public override LatentSample Sample(Tensor h, StepContext context) => Sample(h, context, null);

    /// <summary>
    /// <see cref="Sample(Tensor, StepContext)"/> with a given ε (N, latentDim) for the reparameterization z = μ + σ ⊙ ε instead
    /// of one drawn from the step's noise (to reproduce a step exactly, e.g. against another implementation).
    /// </summary>
    /// <param name="h">Encoder output (N, H).</param>
    /// <param name="context">The step.</param>
    /// <param name="epsilon">ε, or null to draw it from <see cref="StepContext.Noise"/> (z = μ when the step has none).</param>
    /// <exception cref="ShapeException">ε does not have the shape of μ.</exception>
    public LatentSample Sample(Tensor h, StepContext context, Tensor? epsilon)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (mu, logVar) = Posterior(h);
        Tensor z = mu;
        var eps = epsilon ?? (context.Noise is { } noise ? Tensor.RandN(noise, mu.ShapeArray) : null);
        if (eps != null)
        {
            if (!ShapeUtil.SameShape(eps.ShapeArray, mu.ShapeArray))
                throw new ShapeException($"epsilon {eps.ShapeString} does not have the shape of mu {mu.ShapeString}");
            z = mu + (logVar * 0.5f).Exp() * eps;
        }
        var klPerDim = KlPerElement(mu, logVar);                          // (N, k)
        var kl = klPerDim.Sum() * (1f / mu.Dim(0));                        // nats per sample
        if (!context.Training) return new LatentSample(z, [new LossTerm(VariationalTerms.Kl, kl)]);

        var w = Weighting;
        double t = context.EpochsDone;
        double weight = w.Schedule.Weight(w.Beta, t);
        var metrics = new[] { new LossTerm(VariationalTerms.KlNats, kl), new LossTerm(VariationalTerms.Beta, Tensor.Scalar((float)weight)) };
        if (w.TotalCorrelation && eps != null)
        {
            double anneal = w.Schedule.Weight(1, t);
            var (mi, tc, dimKl) = Decompose(z, mu, logVar, w.DatasetSize);
            return new LatentSample(z,
            [
                new LossTerm(VariationalTerms.MutualInformation, mi * (float)anneal),
                new LossTerm(VariationalTerms.TotalCorrelation, tc * (float)(anneal * w.Beta)),
                new LossTerm(VariationalTerms.DimensionWiseKl, dimKl * (float)anneal),
            ]) { Metrics = metrics };
        }
        Tensor term;
        if (w.Schedule.Kind == KlScheduleKind.Capacity)
            term = (kl - (float)w.Schedule.CapacityAt(t)).Abs() * w.Beta;
        else if (w.FreeBits > 0)
            term = klPerDim.Mean(0).Clamp(min: w.FreeBits).Sum() * (float)weight;
        else
            term = kl * (float)weight;
        return new LatentSample(z, [new LossTerm(VariationalTerms.Kl, term)]) { Metrics = metrics };
    }

    /// <summary>
    /// The β-TCVAE decomposition of the batch's KL with minibatch-weighted sampling (Chen et al. 2018, eq. 3 and §4.1):
    /// log q(z_i) ≈ logsumexp_j log q(z_i | x_j) − ln(N·M), log Π_d q(z_id) ≈ Σ_d [logsumexp_j log q(z_id | x_j) − ln(N·M)];
    /// MI = mean_i[log q(z_i|x_i) − log q(z_i)], TC = mean_i[log q(z_i) − log Π_d q(z_id)], dim-KL = mean_i[log Π_d q(z_id) − log p(z_i)].
    /// Shapes: z, μ, log σ² (M, k).
    /// </summary>
    /// <param name="z">Samples z_i ~ q(z | x_i).</param>
    /// <param name="mu">Posterior means.</param>
    /// <param name="logVar">Posterior log-variances.</param>
    /// <param name="datasetSize">N; 0 or less = M.</param>
    public static (Tensor Mi, Tensor Tc, Tensor DimKl) Decompose(Tensor z, Tensor mu, Tensor logVar, int datasetSize)
    {
        int m = z.Dim(0), k = z.Dim(1);
        double n = datasetSize > 0 ? datasetSize : m;
        float logNm = (float)Math.Log(n * m);
        var diff = z.Reshape(m, 1, k) - mu.Reshape(1, m, k);                           // (M, M, k)
        var lv = logVar.Reshape(1, m, k);
        var logQ = (diff * diff * (-lv).Exp() + lv + Ln2Pi) * -0.5f;                    // log q(z_id | x_j)
        var logQz = LogSumExp(logQ.Sum(2), 1) - logNm;                                 // (M)
        var logQProduct = (LogSumExp(logQ, 1) - logNm).Sum(1);                         // (M)
        var d0 = z - mu;
        var logQzx = ((d0 * d0 * (-logVar).Exp() + logVar + Ln2Pi) * -0.5f).Sum(1);  // (M)
        var logPz = ((z * z + Ln2Pi) * -0.5f).Sum(1);
        return ((logQzx - logQz).Mean(), (logQz - logQProduct).Mean(), (logQProduct - logPz).Mean());
    }

    /// <summary>ln Σ_axis e^x, computed stably (the maximum is subtracted first and does not carry gradient); the axis is removed.</summary>
    /// <param name="x">Input.</param>
    /// <param name="axis">The axis to reduce.</param>
    public static Tensor LogSumExp(Tensor x, int axis)
    {
        var max = x.Max(axis, keepDim: true).Detach();
        return (x - max).Exp().Sum(axis).Log() + max.Squeeze(axis);
    }

    /// <inheritdoc/>
    public (Tensor Z, float[] Kl) Draw(Tensor h, Rng? rng)
    {
        var (z, mu, logVar) = Reparameterize(h, rng);
        return (z, KlPerElement(mu, logVar).Sum(1).ToArray());
    }

    /// <summary>The reparameterization trick (Kingma &amp; Welling 2014): z = μ + σ ⊙ ε with σ = exp(½·log σ²) and ε ~ N(0, I) drawn from
    /// <paramref name="rng"/>, differentiable in μ and log σ²; z = μ when <paramref name="rng"/> is null.
    /// Shapes: h (N, H) → z, μ, log σ² (N, latentDim).</summary>
    /// <param name="h">Encoder output (N, H).</param>
    /// <param name="rng">Generator of ε, or null for the posterior mean.</param>
    public (Tensor Z, Tensor Mu, Tensor LogVar) Reparameterize(Tensor h, Rng? rng)
    {
        var (mu, logVar) = Posterior(h);
        return (rng is null ? mu : mu + (logVar * 0.5f).Exp() * Tensor.RandN(rng, mu.ShapeArray), mu, logVar);
    }

    /// <inheritdoc/>
    public (Tensor Z, double[] LogPriorOverPosterior) DrawForImportance(Tensor h, int k, Rng rng)
    {
        var (mu, logVar) = Posterior(h);
        int dz = mu.Dim(1);
        var eps = Tensor.RandN(rng, k, dz);
        var z = mu + (logVar * 0.5f).Exp() * eps;                          // (k, dz)
        ReadOnlySpan<float> zs = z.Span, es = eps.Span, lv = logVar.Span;
        var result = new double[k];
        for (int j = 0; j < k; j++)
        {
            double logPz = 0, logQ = 0;
            for (int t = 0; t < dz; t++)
            {
                double zt = zs[j * dz + t], et = es[j * dz + t];
                logPz += -0.5 * (zt * zt + Ln2Pi);
                logQ += -0.5 * (et * et + Ln2Pi + lv[t]);
            }
            result[j] = logPz - logQ;
        }
        return (z, result);
    }
}
