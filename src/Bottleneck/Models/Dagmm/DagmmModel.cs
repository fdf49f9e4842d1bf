using Bottleneck.Autograd;
using Bottleneck.Data;
using Bottleneck.NN;
using Bottleneck.Tensors;

namespace Bottleneck.Models.Dagmm;

/// <summary>
/// DAGMM (Zong et al., ICLR 2018): a compression network (MLP autoencoder, code z_c) and an estimation network that maps
/// z = [z_c, ‖x − x̂‖₂/‖x‖₂, cos(x, x̂)] to soft memberships γ = softmax(MLP(z)) over K Gaussian components. Per batch the mixture's
/// φ, μ, Σ are estimated from γ (<see cref="GaussianMixture.Parameters"/>); the loss is the reconstruction term plus
/// λ₁·mean sample energy (term <c>energy</c>) plus λ₂·Σₖ Σⱼ 1/Σₖ,ⱼⱼ (term <c>covariance-penalty</c>). The anomaly score of a row is
/// its sample energy under the mixture estimated on every training row after training (<see cref="EstimateMixture"/>), in nats.
/// </summary>
/// <remarks>
/// <para>Shape: input (N, D) → code z_c (N, latentDim) → logits (N, D); mixture input z (N, latentDim + 2); memberships (N, K).</para>
/// <para>State dict: <c>encoder.{i}.weight</c>…, <c>decoder.{i}.weight</c>…, <c>estimation.{i}.weight</c>…, <c>likelihood.…</c>, and the
/// buffers <c>mixture_phi</c> (K), <c>mixture_mu</c> (K, d), <c>mixture_covariance</c> (K, d, d) (before <see cref="EstimateMixture"/>:
/// uniform weights, zero means, identity covariances).</para>
/// <para>The mixture statistics are per batch, so a batch of one sample is not used in training (<see cref="UsesBatchStatistics"/>).</para>
/// </remarks>
public sealed class DagmmModel : AutoencoderModel, IAnomalyScoringModel
{
    /// <summary>The loss term λ₁·mean sample energy.</summary>
    public const string EnergyTerm = "energy";
    /// <summary>The loss term λ₂·Σₖ Σⱼ 1/Σₖ,ⱼⱼ.</summary>
    public const string CovarianceTerm = "covariance-penalty";

    private readonly LikelihoodHead _head;
    private readonly Tensor _phi, _mu, _covariance;

    /// <summary>Builds the model with PyTorch's default initialisation drawn from <paramref name="rng"/>.</summary>
    /// <param name="config">The configuration.</param>
    /// <param name="rng">Generator for the initial weights and the dropout layers' own generators.</param>
    public DagmmModel(DagmmConfig config, Rng rng) : base(config)
    {
        ArgumentNullException.ThrowIfNull(rng);
        DagmmConfig = config;
        int[] widths = [config.InputDim, .. config.Hidden, config.LatentDim];
        Encoder = RegisterModule("encoder", Mlp.Stack(widths, config.HiddenActivation, Activation.Identity, rng));
        Decoder = RegisterModule("decoder", Mlp.Stack(widths.Reverse().ToArray(), config.HiddenActivation, Activation.Identity, rng));
        Estimation = RegisterModule("estimation", Mlp.Stack([config.MixtureDim, .. config.EstimationHidden, config.Components],
            config.HiddenActivation, Activation.Identity, rng, dropout: config.EstimationDropout));
        _head = RegisterModule("likelihood", config.Likelihood.CreateHead(config.InputShape));
        int k = config.Components, d = config.MixtureDim;
        using (TensorScope.Untracked())
        {
            _phi = RegisterBuffer("mixture_phi", Tensor.Full(1f / k, k));
            _mu = RegisterBuffer("mixture_mu", Tensor.Zeros(k, d));
            var cov = Tensor.Zeros(k, d, d);
            for (int c = 0; c < k; c++) for (int i = 0; i < d; i++) cov.Span[c * d * d + i * d + i] = 1f;
            _covariance = RegisterBuffer("mixture_covariance", cov);
        }
    }

    /// <summary>The configuration.</summary>
    public DagmmConfig DagmmConfig { get; }
    /// <summary>The compression encoder (N, D) → (N, latentDim).</summary>
    public Sequential Encoder { get; }
    /// <summary>The compression decoder (N, latentDim) → logits (N, D).</summary>
    public Sequential Decoder { get; }
    /// <summary>The estimation network (N, latentDim + 2) → membership logits (N, K).</summary>
    public Sequential Estimation { get; }
    /// <summary>The mixture weights φ used for scoring (K).</summary>
    public Tensor MixtureWeights => _phi;
    /// <summary>The mixture means μ used for scoring (K, latentDim + 2).</summary>
    public Tensor MixtureMeans => _mu;
    /// <summary>The mixture covariances Σ used for scoring, before the ε of the diagonal (K, latentDim + 2, latentDim + 2).</summary>
    public Tensor MixtureCovariances => _covariance;

    /// <inheritdoc/>
    public override LikelihoodHead LikelihoodHead => _head;

    /// <inheritdoc/>
    public override bool UsesBatchStatistics => true;

    /// <inheritdoc/>
    public string ScoreDescription => "sample energy -ln sum_k phi_k N(z; mu_k, Sigma_k) under the mixture fitted on the training rows, nats";

    /// <inheritdoc/>
    public override Tensor Encode(Tensor x)
    {
        CheckInput(x);
        return Encoder.Forward(x);
    }

    /// <inheritdoc/>
    public override Tensor DecodeLogits(Tensor z) => Decoder.Forward(z);

    /// <summary>z = [z_c, ‖x − x̂‖₂/‖x‖₂, x·x̂/(‖x‖₂‖x̂‖₂)] (N, latentDim + 2), with 10⁻¹⁰ under each square root.</summary>
    /// <param name="x">Inputs (N, D).</param>
    /// <param name="code">z_c (N, latentDim).</param>
    /// <param name="reconstruction">x̂ (N, D).</param>
    public static Tensor MixtureInput(Tensor x, Tensor code, Tensor reconstruction)
    {
        int n = x.Dim(0);
        var xNorm = (x * x).Sum(1).AddScalar(1e-10f).Sqrt();
        var rNorm = (reconstruction * reconstruction).Sum(1).AddScalar(1e-10f).Sqrt();
        var diff = x - reconstruction;
        var relative = (diff * diff).Sum(1).AddScalar(1e-10f).Sqrt() / xNorm;
        var cosine = (x * reconstruction).Sum(1) / (xNorm * rNorm);
        return Tensor.Concat([code, relative.Reshape(n, 1), cosine.Reshape(n, 1)], 1);
    }

    /// <summary>The mixture input z and memberships γ of a batch (the estimation network's dropout draws from the active noise scope).</summary>
    private (Tensor Z, Tensor Gamma, Tensor Logits) MixtureForward(Tensor x)
    {
        var code = Encoder.Forward(x);
        var logits = Decoder.Forward(code);
        var z = MixtureInput(x, code, _head.Mean(logits));
        var gamma = Estimation.Forward(z).Softmax(1);
        return (z, gamma, logits);
    }

    /// <inheritdoc/>
    public override AutoencoderOutput Step(Batch batch, StepContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (batch is not RowBatch rows)
            throw new ArgumentException($"a {Config.Kind} model takes batches of samples (RowBatch), got {batch?.GetType().Name ?? "null"}", nameof(batch));
        CheckInput(rows.Input);
        using var noise = NoiseScope.Use(context.Training ? context.Noise : null);
        var x = rows.Input;
        var code = Encoder.Forward(x);
        var logits = Decoder.Forward(code);
        var reconstruction = _head.Loss(logits, rows.ReconstructionTarget, rows.Mask);
        var z = MixtureInput(x, code, _head.Mean(logits));
        var gamma = Estimation.Forward(z).Softmax(1);
        var (phi, mu, cov) = GaussianMixture.Parameters(z, gamma);
        var c = DagmmConfig;
        var energy = GaussianMixture.Energy(z, phi, mu, cov, c.CovarianceEps).Mean().MulScalar(c.EnergyWeight);
        var penalty = GaussianMixture.CovariancePenalty(cov, c.CovarianceEps).MulScalar(c.CovarianceWeight);
        return AutoencoderOutput.Create(reconstruction, [new LossTerm(EnergyTerm, energy), new LossTerm(CovarianceTerm, penalty)], code, logits, _head);
    }

    /// <summary>
    /// Sets the scoring mixture (φ, μ, Σ) from the memberships of every row of <paramref name="data"/> in eval mode (no dropout), as
    /// the paper does after training: the same estimates as in a training step, over the whole training set.
    /// </summary>
    /// <param name="data">The training rows (N ≥ 2, D), preprocessed.</param>
    /// <exception cref="ShapeException">The width differs from the model's.</exception>
    /// <exception cref="ArgumentException">Fewer than two rows.</exception>
    public void EstimateMixture(Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.FeatureCount != InputDim) throw new ShapeException($"{data.Source} has {data.FeatureCount} features, the model expects {InputDim}");
        if (data.Rows < 2) throw new ArgumentException($"estimating the mixture needs at least 2 rows, {data.Source} has {data.Rows}");
        bool was = Training;
        Eval();
        try
        {
            using (GradMode.NoGrad())
            {
                var x = Tensor.FromArray(data.Features, data.Rows, data.FeatureCount);
                var (z, gamma, _) = MixtureForward(x);
                var (phi, mu, cov) = GaussianMixture.Parameters(z, gamma);
                _phi.CopyFrom(phi);
                _mu.CopyFrom(mu);
                _covariance.CopyFrom(cov);
            }
        }
        finally { Train(was); }
    }

    /// <inheritdoc/>
    public void AnomalyScores(Tensor x, Span<float> scores)
    {
        CheckInput(x);
        var (z, _, _) = MixtureForward(x);
        GaussianMixture.Energy(z, _phi, _mu, _covariance, DagmmConfig.CovarianceEps).Span.CopyTo(scores);
    }

    /// <inheritdoc/>
    public override IEnumerable<(string Name, string Value)> Summary() =>
    [
        ("mixture weights", string.Join(", ", _phi.ToArray().Select(v => v.ToString("G4", System.Globalization.CultureInfo.InvariantCulture)))),
    ];
}
