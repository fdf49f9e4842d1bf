using Bottleneck.Autograd;
using Bottleneck.NN;
using Bottleneck.Tensors;

namespace Bottleneck.Models.Variational;

/// <summary>
/// The variational family on MLPs, composed from the core's parts: an MLP encoder, a latent layer (<see cref="GaussianLatent"/>,
/// <see cref="DeterministicLatent"/> or <see cref="VectorQuantizer"/>), an MLP decoder, the likelihood and an optional MMD
/// penalty. A conditional model (<see cref="VariationalConfig.Classes"/> &gt; 0, Sohn et al. 2015) feeds the one-hot label to the
/// encoder beside x and to the decoder beside z. Shapes: x (N, D), y one-hot (N, C), h (N, H), z (N, latentDim), logits (N, D).
/// </summary>
/// <remarks>
/// <para>Loss (per sample, summed over features and latent dimensions, averaged over the batch, nats for the Bernoulli and
/// learned-variance likelihoods): −ELBO = −log p(x | z) + KL(q(z | x) ‖ N(0, I)) for a VAE, with the KL weighted in training as
/// <see cref="KlWeighting"/> says; plus λ·MMD² (InfoVAE, WAE-MMD); plus the codebook and commitment terms (VQ-VAE).</para>
/// <para>State-dict names: <c>encoder.{i}.weight</c> … (PyTorch nn.Sequential numbering), <c>latent.mu.weight</c>,
/// <c>latent.log_var.weight</c> … (Gaussian) or <c>latent.codebook</c> (VQ), <c>decoder.{i}.weight</c> …, <c>likelihood.log_var</c>.</para>
/// </remarks>
public sealed class VariationalAutoencoder : Autoencoder
{
    private static readonly float Ln2Pi = MathF.Log(2 * MathF.PI);

    /// <summary>Builds the model with PyTorch's default initialisation drawn from <paramref name="rng"/>.</summary>
    /// <param name="config">The validated configuration.</param>
    /// <param name="rng">Generator for the initial weights.</param>
    public VariationalAutoencoder(VariationalConfig config, Rng rng) : base(config, BuildParts(config, rng)) => VariationalConfig = config;

    /// <summary>The validated configuration.</summary>
    public VariationalConfig VariationalConfig { get; }

    /// <summary>The Gaussian latent layer, or null for the other latents.</summary>
    public GaussianLatent? Gaussian => Latent as GaussianLatent;

    /// <summary>The vector quantizer, or null for the other latents.</summary>
    public VectorQuantizer? Quantizer => Latent as VectorQuantizer;

    /// <summary>Number of classes of a conditional model, 0 for an unconditional one.</summary>
    public int Classes => VariationalConfig.Classes;

    /// <inheritdoc/>
    public override int ConditionClasses => Classes;

    private static AutoencoderParts BuildParts(VariationalConfig c, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(c);
        ArgumentNullException.ThrowIfNull(rng);
        int inWidth = c.InputDim + c.Classes;
        Module encoder;
        LatentLayer latent;
        if (c.Latent == LatentKind.Gaussian)
        {
            encoder = c.Hidden.Length == 0 ? new Sequential() : Mlp.Stack([inWidth, .. c.Hidden], c.HiddenActivation, c.HiddenActivation, rng);
            latent = new GaussianLatent(c.Hidden.Length == 0 ? inWidth : c.Hidden[^1], c.LatentDim, c.KlWeighting, rng);
        }
        else
        {
            encoder = Mlp.Stack([inWidth, .. c.Hidden, c.LatentDim], c.HiddenActivation, Activation.Identity, rng);
            latent = c.Latent == LatentKind.VectorQuantized
                ? new VectorQuantizer(c.CodebookSize, c.CodeDim, c.Commitment, c.EmaDecay, c.RestartDeadCodes, rng)
                : new DeterministicLatent();
        }
        var decoder = Mlp.Stack([c.LatentDim + c.Classes, .. c.Hidden.Reverse(), c.InputDim], c.HiddenActivation, Activation.Identity, rng);
        var regularizers = c.MmdWeight > 0 ? new Regularizer[] { new MmdPenalty(c.MmdWeight, c.MmdKernel) } : [];
        return new AutoencoderParts(encoder, latent, decoder, regularizers);
    }

    /// <summary>The one-hot matrix (N, C) of <paramref name="labels"/>.</summary>
    /// <exception cref="ArgumentException">A label outside 0..C−1, or no labels for a conditional model.</exception>
    public Tensor OneHot(int[]? labels, int n)
    {
        if (labels is null) throw new ArgumentException($"a conditional {Config.Kind} model needs the class label of every sample", nameof(labels));
        if (labels.Length != n) throw new ArgumentException($"{labels.Length} labels for {n} samples", nameof(labels));
        var y = new float[n * Classes];
        for (int i = 0; i < n; i++)
        {
            int l = labels[i];
            if ((uint)l >= (uint)Classes)
                throw new ArgumentOutOfRangeException(nameof(labels), l, $"label {l} is outside the {Classes} classes (0..{Classes - 1}) the model was trained on");
            y[i * Classes + l] = 1f;
        }
        return Tensor.Wrap(y, n, Classes);
    }

    private Tensor WithLabel(Tensor t, int[]? labels) => Classes == 0 ? t : Tensor.Concat([t, OneHot(labels, t.Dim(0))], 1);

    /// <inheritdoc/>
    public override AutoencoderOutput Step(Batch batch, StepContext context)
    {
        if (Classes == 0) return base.Step(batch, context);
        ArgumentNullException.ThrowIfNull(context);
        if (batch is not RowBatch rows)
            throw new ArgumentException($"a {Config.Kind} model takes batches of samples (RowBatch), got {batch?.GetType().Name ?? "null"}", nameof(batch));
        CheckInput(rows.Input);
        using var noise = NoiseScope.Use(context.Training ? context.Noise : null);
        var h = Encoder.Forward(WithLabel(rows.Input, rows.Labels));
        var latent = Latent.Sample(h, context);
        var logits = Decoder.Forward(WithLabel(latent.Z, rows.Labels));
        var reconstruction = LikelihoodHead.Loss(logits, rows.ReconstructionTarget, rows.Mask);
        var terms = new List<LossTerm>(latent.Terms);
        if (Regularizers.Count > 0)
        {
            var input = new RegularizerInput(rows.Input, latent.Z, null, [], context.Training ? context.Noise : null);
            foreach (var r in Regularizers) terms.Add(new LossTerm(r.TermName, r.Penalty(input)));
        }
        return AutoencoderOutput.Create(reconstruction, terms, latent.Z, logits, LikelihoodHead) with { Metrics = latent.Metrics };
    }

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">A conditional model (it needs the labels: use <see cref="Encode(RowBatch)"/>).</exception>
    public override Tensor Encode(Tensor x)
    {
        if (Classes > 0) throw new InvalidOperationException($"a conditional {Config.Kind} model encodes with the samples' labels");
        return base.Encode(x);
    }

    /// <inheritdoc/>
    public override Tensor Encode(RowBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (Classes == 0) return base.Encode(batch.Input);
        CheckInput(batch.Input);
        return Latent.Code(Encoder.Forward(WithLabel(batch.Input, batch.Labels)));
    }

    /// <inheritdoc/>
    public override Tensor Reconstruct(RowBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        return LikelihoodHead.Mean(DecodeLogits(Encode(batch), batch.Labels));
    }

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">A conditional model (use the overload with labels).</exception>
    public override Tensor DecodeLogits(Tensor z)
    {
        if (Classes > 0) throw new InvalidOperationException($"a conditional {Config.Kind} model decodes with a label for every code");
        return base.DecodeLogits(z);
    }

    /// <summary>Decoder logits (N, D) of codes z (N, latentDim), with labels for a conditional model (ignored otherwise, may be null).</summary>
    /// <param name="z">Codes.</param>
    /// <param name="labels">Class of each code (conditional models), or null.</param>
    public Tensor DecodeLogits(Tensor z, int[]? labels) => Decoder.Forward(WithLabel(z, labels));

    /// <summary>Decoded means (N, D) in the model's input space of codes z, with labels for a conditional model.</summary>
    /// <param name="z">Codes (N, latentDim).</param>
    /// <param name="labels">Class of each code (conditional models), or null.</param>
    public Tensor Decode(Tensor z, int[]? labels) => LikelihoodHead.Mean(DecodeLogits(z, labels));

    /// <summary>n codes from the prior N(0, T²·I), shape (n, latentDim): z = T·ε.</summary>
    /// <param name="n">Number of samples ≥ 1.</param>
    /// <param name="rng">Generator.</param>
    /// <param name="temperature">T &gt; 0, the prior's standard deviation scale (default 1).</param>
    /// <exception cref="InvalidOperationException">A VQ-VAE (its prior over codes is not modelled here).</exception>
    /// <exception cref="ArgumentOutOfRangeException">n &lt; 1 or T ≤ 0.</exception>
    public Tensor SamplePrior(int n, Rng rng, float temperature = 1f)
    {
        if (!VariationalConfig.CanSample)
            throw new InvalidOperationException($"a {Config.Kind} model has no prior to sample from (its codes need a learned prior over the codebook)");
        if (n < 1) throw new ArgumentOutOfRangeException(nameof(n), n, $"n must be ≥ 1, got {n}");
        if (!(temperature > 0 && float.IsFinite(temperature)))
            throw new ArgumentOutOfRangeException(nameof(temperature), temperature, $"temperature must be > 0, got {temperature}");
        return Tensor.Normal(rng, 0f, temperature, n, LatentDim);
    }

    /// <summary>
    /// Per-sample terms of the negative ELBO with one z ~ q(z | x) each (z = μ when <paramref name="rng"/> is null): reconstruction
    /// −log p(x | z) and the analytic KL (0 for latents without one), each (N); the posterior means (N, latentDim). No autograd.
    /// </summary>
    /// <param name="x">Samples (N, D).</param>
    /// <param name="labels">Labels (conditional models), or null.</param>
    /// <param name="rng">Generator of the latent samples, or null for the posterior mean.</param>
    public (float[] Reconstruction, float[] Kl, Tensor Mean) ElboTerms(Tensor x, int[]? labels, Rng? rng)
    {
        CheckInput(x);
        using var _ = GradMode.NoGrad();
        int n = x.Dim(0);
        var h = Encoder.Forward(WithLabel(x, labels));
        var kl = new float[n];
        Tensor z, mean;
        if (Gaussian is { } g)
        {
            var (mu, logVar) = g.Posterior(h);
            mean = mu;
            z = rng is null ? mu : mu + (logVar * 0.5f).Exp() * Tensor.RandN(rng, mu.ShapeArray);
            var perSample = ((mu * mu + logVar.Exp() - 1f - logVar) * 0.5f).Sum(1).Span;
            perSample.CopyTo(kl);
        }
        else z = mean = Latent.Code(h);
        var logits = DecodeLogits(z, labels);
        return (RowLoss(logits, x), kl, mean);
    }

    /// <summary>−log p(x | logits) per row: the likelihood's element losses summed over each row.</summary>
    private float[] RowLoss(Tensor logits, Tensor x)
    {
        int rows = logits.Dim(0), d = InputDim;
        var loss = new float[rows * d];
        LikelihoodHead.ElementLoss(logits.Span, x.Span.Length == loss.Length ? x.Span : Repeat(x, rows / x.Dim(0)), loss);
        var result = new float[rows];
        for (int i = 0; i < rows; i++) result[i] = System.Numerics.Tensors.TensorPrimitives.Sum(loss.AsSpan(i * d, d));
        return result;
    }

    private static float[] Repeat(Tensor x, int times)
    {
        var src = x.Span;
        var r = new float[src.Length * times];
        for (int t = 0; t < times; t++) src.CopyTo(r.AsSpan(t * src.Length));
        return r;
    }

    /// <summary>
    /// The importance-weighted estimate of −log p(x) with k samples (Burda et al. 2016):
    /// −log (1/k) Σ_i p(x | z_i) p(z_i) / q(z_i | x), z_i ~ q(z | x), per sample (N), in nats for the Bernoulli and learned-variance
    /// likelihoods (for squared-error likelihoods without their normalising constant). No autograd.
    /// </summary>
    /// <param name="x">Samples (N, D).</param>
    /// <param name="labels">Labels (conditional models: log p(x | y)), or null.</param>
    /// <param name="k">Importance samples k ≥ 1 (k = 1 gives a one-sample −ELBO).</param>
    /// <param name="rng">Generator.</param>
    /// <exception cref="InvalidOperationException">The latent is not Gaussian.</exception>
    public double[] ImportanceWeightedNll(Tensor x, int[]? labels, int k, Rng rng)
    {
        if (Gaussian is not { } g) throw new InvalidOperationException($"the importance-weighted NLL needs a Gaussian latent; a {Config.Kind} model has none");
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), k, $"k must be ≥ 1, got {k}");
        CheckInput(x);
        using var _ = GradMode.NoGrad();
        int n = x.Dim(0), dz = LatentDim;
        var (mu, logVar) = g.Posterior(Encoder.Forward(WithLabel(x, labels)));
        var result = new double[n];
        var pool = new BufferPool();
        for (int i = 0; i < n; i++)
        {
            using var scope = new TensorScope(pool);
            var mui = mu.Slice(0, i, 1);
            var lvi = logVar.Slice(0, i, 1);
            var eps = Tensor.RandN(rng, k, dz);
            var z = mui + (lvi * 0.5f).Exp() * eps;                          // (k, dz)
            int[]? lab = labels is null ? null : Enumerable.Repeat(labels[i], k).ToArray();
            var recon = RowLoss(DecodeLogits(z, lab), x.Slice(0, i, 1));     // −log p(x | z_j), (k)
            var zs = z.Span; var es = eps.Span; var lv = lvi.Span;
            double max = double.NegativeInfinity;
            var logW = new double[k];
            for (int j = 0; j < k; j++)
            {
                double logPz = 0, logQ = 0;
                for (int t = 0; t < dz; t++)
                {
                    double zt = zs[j * dz + t], et = es[j * dz + t];
                    logPz += -0.5 * (zt * zt + Ln2Pi);
                    logQ += -0.5 * (et * et + Ln2Pi + lv[t]);
                }
                logW[j] = -recon[j] + logPz - logQ;
                max = Math.Max(max, logW[j]);
            }
            double sum = 0;
            for (int j = 0; j < k; j++) sum += Math.Exp(logW[j] - max);
            result[i] = -(max + Math.Log(sum) - Math.Log(k));
        }
        return result;
    }

    /// <inheritdoc/>
    public override void AfterStep(StepContext context) => Quantizer?.AfterStep(context);

    /// <inheritdoc/>
    public override IFastInference? CreateFastInference() => null;
}
