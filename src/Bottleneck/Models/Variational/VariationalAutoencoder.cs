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
public sealed partial class VariationalAutoencoder : Autoencoder, IGaussianLatentModel
{
    private static readonly float Ln2Pi = MathF.Log(2 * MathF.PI);

    /// <summary>Builds the model with PyTorch's default initialisation drawn from <paramref name="rng"/>.</summary>
    /// <param name="config">The validated configuration.</param>
    /// <param name="rng">Generator for the initial weights.</param>
    public VariationalAutoencoder(VariationalConfig config, Rng rng) : base(config, BuildParts(config, rng))
    {
        VariationalConfig = config;
        if (config.SemiSupervised)
            Classifier = RegisterModule("classifier",
                Mlp.Stack([config.InputDim, .. config.Hidden, config.Classes], config.HiddenActivation, Activation.Identity, rng));
        if (config.Adversarial)
            Discriminator = RegisterModule("discriminator", config.SpectralNorm ? SpectralNormDiscriminator(config, rng)
                : Mlp.Stack([config.LatentDim, config.DiscriminatorHidden, config.DiscriminatorHidden, 1], Activation.Relu, Activation.Identity, rng));
    }

    /// <summary>The discriminator latentDim → hidden → hidden → 1 (ReLU) with spectrally normalised Linear layers (Miyato et al. 2018), numbered as
    /// nn.Sequential: <c>discriminator.0.weight_orig</c>, <c>discriminator.0.weight_u</c>, … .</summary>
    private static Sequential SpectralNormDiscriminator(VariationalConfig c, Rng rng)
    {
        int h = c.DiscriminatorHidden;
        return new Sequential(new SpectralNormLinear(c.LatentDim, h, rng), new ActivationLayer(Activation.Relu),
            new SpectralNormLinear(h, h, rng), new ActivationLayer(Activation.Relu), new SpectralNormLinear(h, 1, rng));
    }

    /// <summary>Seed of the prior draws of an adversarial step that has no noise generator (evaluation).</summary>
    public const ulong PriorSeed = 0x5EED_E7A1;

    /// <summary>The classifier q(y | x) of a semi-supervised VAE (logits, (N, C)), or null.</summary>
    public Sequential? Classifier { get; }

    /// <inheritdoc/>
    public override bool LabelsOptional => Classifier != null;

    /// <summary>The labels to condition on: <paramref name="labels"/>, with the missing ones (null, or −1 entries) replaced by
    /// argmax q(y | x) for a semi-supervised model.</summary>
    /// <param name="x">Samples (N, D).</param>
    /// <param name="labels">Known labels, or null.</param>
    public int[]? ResolveLabels(Tensor x, int[]? labels)
    {
        if (Classifier is null || (labels != null && labels.All(l => l >= 0))) return labels;
        int[] predicted;
        using (GradMode.NoGrad()) predicted = Predict(x);
        if (labels is null) return predicted;
        var r = (int[])labels.Clone();
        for (int i = 0; i < r.Length; i++) if (r[i] < 0) r[i] = predicted[i];
        return r;
    }

    /// <summary>argmax_y q(y | x) of a semi-supervised model, one class per row.</summary>
    /// <exception cref="InvalidOperationException">Not a semi-supervised model.</exception>
    public int[] Predict(Tensor x)
    {
        if (Classifier is null) throw new InvalidOperationException($"a {Config.Kind} model has no classifier");
        var logits = Classifier.Forward(x).Span;
        int n = x.Dim(0), c = Classes;
        var result = new int[n];
        for (int i = 0; i < n; i++)
        {
            int best = 0;
            for (int j = 1; j < c; j++) if (logits[i * c + j] > logits[i * c + best]) best = j;
            result[i] = best;
        }
        return result;
    }

    /// <summary>Group name of the discriminator's parameters (adversarial kinds).</summary>
    public const string DiscriminatorGroup = "discriminator";

    /// <summary>The discriminator D(z) on codes (logits, (N, 1)) of an adversarial autoencoder, or null.</summary>
    public Sequential? Discriminator { get; }

    /// <summary>Group name of the encoder's second optimizer, stepped in the generator phase (adversarial kinds).</summary>
    public const string GeneratorGroup = "generator";

    private static readonly TrainingPhase ReconstructionPhase = new("reconstruction", [ParameterGroup.Default]);
    private static readonly TrainingPhase DiscriminatorPhase = new("discriminator", [DiscriminatorGroup]);
    private static readonly TrainingPhase GeneratorPhase = new("generator", [GeneratorGroup]);

    /// <summary>
    /// One group ("model") for a non-adversarial kind. An adversarial autoencoder has three optimizers, as Makhzani et al. (2016) and
    /// common reproductions: "model" (encoder and decoder, the reconstruction phase), "discriminator", and "generator" (the encoder
    /// again, with its own optimizer state, so the reconstruction gradients' moments do not scale or steer its adversarial steps);
    /// the discriminator at <see cref="VariationalConfig.AdversarialLearningRateScale"/> and the generator at
    /// <see cref="VariationalConfig.GeneratorScale"/> times the run's learning rate, both with Adam's β₁ = <see cref="VariationalConfig.AdversarialBeta1"/>.
    /// </summary>
    public override IReadOnlyList<ParameterGroup> ParameterGroups()
    {
        if (Discriminator is null) return base.ParameterGroups();
        var d = Discriminator.Parameters().ToHashSet();
        var c = VariationalConfig;
        var model = new ParameterGroup(ParameterGroup.Default, Parameters().Where(p => !d.Contains(p)).ToList());
        var discriminator = new ParameterGroup(DiscriminatorGroup, Discriminator.Parameters(), c.AdversarialLearningRateScale, Beta1: c.AdversarialBeta1);
        if (c.AdversarialWeight > 0) return [model, discriminator];
        return [model, discriminator,
            new ParameterGroup(GeneratorGroup, Encoder.Parameters().Concat(Latent.Parameters()).ToList(), c.GeneratorScale, SharesParameters: true, Beta1: c.AdversarialBeta1)];
    }

    /// <summary>
    /// An adversarial autoencoder alternates three phases per batch (Makhzani et al. 2016, §2): reconstruction (encoder and decoder
    /// step on −log p(x | z)), discriminator (D steps on −[log D(z′) + log(1 − D(z))] with z′ from the prior, z = sg(encoder(x))),
    /// generator (the encoder steps on −log D(encoder(x))). With a Gaussian posterior, z = μ + σ ⊙ ε in all three phases and the
    /// reconstruction phase has no KL term. With a joint step (<see cref="VariationalConfig.AdversarialWeight"/> λ &gt; 0, WAE-GAN) there are two
    /// phases: the encoder and decoder step on −log p(x | z) + λ·(−log D(z)) (D's weights held), then D steps. With
    /// <see cref="VariationalConfig.DiscriminatorSteps"/> k &gt; 1 the discriminator phase runs k times per batch, each with fresh prior samples
    /// (the logged discriminator term is then the sum of its k losses). With <see cref="VariationalConfig.GradientPenalty"/> γ &gt; 0 each discriminator
    /// step adds the R1 penalty (γ/2)·E ‖∇_z D(z′)‖² at its prior samples (Mescheder et al. 2018), logged as <c>gradient-penalty</c>. Other kinds have one phase.
    /// </summary>
    public override IReadOnlyList<TrainingPhase> TrainingPhases =>
        Discriminator is null ? base.TrainingPhases
        : [ReconstructionPhase, .. Enumerable.Repeat(DiscriminatorPhase, VariationalConfig.DiscriminatorSteps),
            .. (VariationalConfig.AdversarialWeight > 0 ? Array.Empty<TrainingPhase>() : [GeneratorPhase])];

    /// <inheritdoc/>
    public override AutoencoderOutput StepPhase(Batch batch, StepContext context, TrainingPhase phase)
    {
        if (Discriminator is null || phase == TrainingPhase.All) return Step(batch, context);
        ArgumentNullException.ThrowIfNull(context);
        var rows = batch as RowBatch ?? throw new ArgumentException($"a {Config.Kind} model takes batches of samples (RowBatch)", nameof(batch));
        if (phase.Name == ReconstructionPhase.Name) return ReconstructionStep(batch, context);
        CheckInput(rows.Input);
        using var noise = NoiseScope.Use(context.Training ? context.Noise : null);
        var z = AdversarialCode(Encoder.Forward(rows.Input), context.Noise);
        int n = z.Dim(0);
        var none = Tensor.Zeros(1).Reshape();
        var placeholder = Tensor.Zeros([n, .. InputShape]);
        if (phase.Name == DiscriminatorPhase.Name)
        {
            var real = WithInstanceNoise(SamplePrior(n, context.Noise ?? new Rng(PriorSeed), 1f), context);
            var realLogits = Discriminator.Forward(real);
            // R1 right after the real forward: a spectrally normalised layer's u, v are those that forward used.
            float gamma = VariationalConfig.GradientPenalty;
            var penalty = gamma > 0 ? InputGradient.R1Penalty(Discriminator, real, gamma) : null;
            var loss = DiscriminatorLoss(realLogits, Discriminator.Forward(WithInstanceNoise(z.Detach(), context)));
            LossTerm[] terms = penalty is null ? [new LossTerm(VariationalTerms.Discriminator, loss)]
                : [new LossTerm(VariationalTerms.Discriminator, loss), new LossTerm(VariationalTerms.GradientPenalty, penalty)];
            return AutoencoderOutput.Create(none, terms, z, placeholder, LikelihoodHead);
        }
        var fool = Losses.Loss.BceWithLogits(Discriminator.Forward(WithInstanceNoise(z, context)), Tensor.Ones(n, 1), Losses.Reduction.Mean);
        return AutoencoderOutput.Create(none, [new LossTerm(VariationalTerms.Generator, fool)], z, placeholder, LikelihoodHead);
    }

    /// <summary>The reconstruction phase of an adversarial autoencoder: −log p(x | z) alone. A Gaussian posterior's KL term is left out (its
    /// discriminator matches the prior); the unweighted KL to N(0, I) stays as the logged value <c>kl-nats</c>.</summary>
    private AutoencoderOutput ReconstructionStep(Batch batch, StepContext context)
    {
        var output = base.Step(batch, context);
        float lambda = VariationalConfig.AdversarialWeight;
        if (Gaussian is null && lambda == 0) return output;
        var terms = new List<LossTerm>();
        if (lambda > 0)
        {
            var fool = Losses.Loss.BceWithLogits(DiscriminatorDetached(WithInstanceNoise(output.Latent, context)), Tensor.Ones(output.Latent.Dim(0), 1), Losses.Reduction.Mean);
            terms.Add(new LossTerm(VariationalTerms.Generator, fool * lambda));
        }
        return AutoencoderOutput.Create(output.ReconstructionLoss, terms, output.Latent, output.Logits, LikelihoodHead)
            with { Metrics = output.Metrics.Where(m => m.Name == VariationalTerms.KlNats).ToList() };
    }

    /// <summary>z + σ_t·ε with ε ~ N(0, I) from the step's noise in a training step with instance noise
    /// (<see cref="VariationalConfig.InstanceNoise"/>, σ_t = <see cref="VariationalConfig.InstanceNoiseAt"/>), else z. Shapes alike.</summary>
    private Tensor WithInstanceNoise(Tensor z, StepContext context)
    {
        if (!context.Training || context.Noise is not { } rng) return z;
        float std = VariationalConfig.InstanceNoiseAt(context.EpochsDone);
        return std > 0 ? z + Tensor.RandN(rng, z.ShapeArray) * std : z;
    }

    /// <summary>The code an adversarial autoencoder's discriminator sees, differentiable: z = h for a deterministic encoder; for a Gaussian
    /// posterior (Makhzani et al. 2016, §2) z = μ + σ ⊙ ε with ε ~ N(0, I) from <paramref name="rng"/> (z = μ when it is null).
    /// Shapes: h (N, H) → z (N, latentDim).</summary>
    private Tensor AdversarialCode(Tensor h, Rng? rng) => Gaussian is { } g ? g.Reparameterize(h, rng).Z : Latent.Code(h);

    /// <summary>
    /// Codes drawn from the aggregate posterior q(z) = E_x q(z | x): one z ~ q(z | x) per row for a stochastic latent (z = μ + σ ⊙ ε for a
    /// Gaussian posterior, the code the decoder and, in an adversarial autoencoder, the discriminator see in training), the code itself for a
    /// deterministic one. No autograd. Shapes: x (N, D) → z (N, latentDim).
    /// </summary>
    /// <param name="x">Samples (N, D).</param>
    /// <param name="rng">Generator of the draws.</param>
    /// <exception cref="InvalidOperationException">A conditional model (it needs labels).</exception>
    public Tensor EncodeSample(Tensor x, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        if (Classes > 0) throw new InvalidOperationException($"a conditional {Config.Kind} model encodes with the samples' labels");
        CheckInput(x);
        using var _ = GradMode.NoGrad();
        var h = Encoder.Forward(x);
        return Latent is IStochasticLatent stochastic ? stochastic.Draw(h, rng).Z : Latent.Code(h);
    }

    /// <summary>−[log D(z′) + log(1 − D(z))], each averaged over the batch (logits in, binary cross-entropy).</summary>
    private static Tensor DiscriminatorLoss(Tensor realLogits, Tensor fakeLogits) =>
        Losses.Loss.BceWithLogits(realLogits, Tensor.Ones(realLogits.ShapeArray), Losses.Reduction.Mean)
        + Losses.Loss.BceWithLogits(fakeLogits, Tensor.Zeros(fakeLogits.ShapeArray), Losses.Reduction.Mean);

    /// <summary>D(z) through detached weights (so a loss on it sends no gradient to the discriminator); a spectrally normalised layer uses
    /// W / σ(W) with its current u and v.</summary>
    private Tensor DiscriminatorDetached(Tensor z)
    {
        var h = z;
        foreach (var layer in Discriminator!.Layers)
            h = layer switch
            {
                Linear lin => Tensor.Linear(h, lin.Weight.Detach(), lin.Bias?.Detach()),
                SpectralNormLinear sn => Tensor.Linear(h, sn.Weight().Detach(), sn.Bias?.Detach()),
                _ => layer.Forward(h),
            };
        return h;
    }

    /// <summary>The validated configuration.</summary>
    public VariationalConfig VariationalConfig { get; }

    /// <summary>The Gaussian latent layer, or null for the other latents.</summary>
    public GaussianLatent? Gaussian => Latent as GaussianLatent;

    /// <inheritdoc/>
    public Tensor EncodeHidden(Tensor x) => Encoder.Forward(x);

    /// <summary>The ladder latent (hierarchical VAE), or null for the other latents.</summary>
    public LadderLatent? Ladder => Latent as LadderLatent;

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
        var regularizers = c.MmdWeight > 0 ? new Regularizer[] { new MmdPenalty(c.MmdWeight, c.MmdKernel) } : [];
        if (c.Convolutional is { } cb)
        {
            // The convolutional VAE: the backbone's encoder and decoder around the same latent layers (no classes: see the config).
            bool heads = c.Latent is LatentKind.Gaussian or LatentKind.Ladder;
            var (convEncoder, convDecoder) = cb.Build(c.LatentDim, c.HiddenActivation, rng, encoderToCode: !heads);
            latent = c.Latent switch
            {
                LatentKind.Gaussian => new GaussianLatent(cb.FeatureWidth, c.LatentDim, c.KlWeighting, rng),
                LatentKind.Ladder => new LadderLatent(cb.FeatureWidth, c.LatentDim, c.TopLatentDim, c.LadderHidden, c.KlWeighting, rng),
                LatentKind.VectorQuantized => new VectorQuantizer(c.CodebookSize, c.CodeDim, c.Commitment, c.EmaDecay, c.RestartDeadCodes, rng),
                _ => new DeterministicLatent(),
            };
            return new AutoencoderParts(convEncoder, latent, convDecoder, regularizers);
        }
        if (c.Latent is LatentKind.Gaussian or LatentKind.Ladder)
        {
            encoder = c.Hidden.Length == 0 ? new Sequential() : Mlp.Stack([inWidth, .. c.Hidden], c.HiddenActivation, c.HiddenActivation, rng);
            int h = c.Hidden.Length == 0 ? inWidth : c.Hidden[^1];
            latent = c.Latent == LatentKind.Gaussian ? new GaussianLatent(h, c.LatentDim, c.KlWeighting, rng)
                : new LadderLatent(h, c.LatentDim, c.TopLatentDim, c.LadderHidden, c.KlWeighting, rng);
        }
        else
        {
            encoder = Mlp.Stack([inWidth, .. c.Hidden, c.LatentDim], c.HiddenActivation, Activation.Identity, rng);
            latent = c.Latent == LatentKind.VectorQuantized
                ? new VectorQuantizer(c.CodebookSize, c.CodeDim, c.Commitment, c.EmaDecay, c.RestartDeadCodes, rng)
                : new DeterministicLatent();
        }
        var decoder = Mlp.Stack([c.LatentDim + c.Classes, .. c.Hidden.Reverse(), c.InputDim], c.HiddenActivation, Activation.Identity, rng);
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
        if (Discriminator != null) return AdversarialStep(batch, context);
        if (Classifier != null) return SemiSupervisedStep(batch, context);
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

    /// <summary>
    /// The whole adversarial objective in one pass (evaluation, and the loss of <see cref="AutoencoderModel.Compute(Tensor, Tensor?)"/>):
    /// reconstruction + generator term −log D(z) through a detached discriminator + discriminator term on sg(z) and prior samples,
    /// so each part's gradient reaches only its own parameters. Training alternates the phases instead (<see cref="TrainingPhases"/>).
    /// </summary>
    private AutoencoderOutput AdversarialStep(Batch batch, StepContext context)
    {
        var output = base.Step(batch, context);
        var z = output.Latent;
        int n = z.Dim(0);
        var rng = context.Noise ?? new Rng(PriorSeed);
        var generator = Losses.Loss.BceWithLogits(DiscriminatorDetached(z), Tensor.Ones(n, 1), Losses.Reduction.Mean);
        var discriminator = DiscriminatorLoss(Discriminator!.Forward(SamplePrior(n, rng, 1f)), Discriminator.Forward(z.Detach()));
        return AutoencoderOutput.Create(output.ReconstructionLoss,
            [new LossTerm(VariationalTerms.Generator, generator), new LossTerm(VariationalTerms.Discriminator, discriminator)], z, output.Logits, LikelihoodHead);
    }

    /// <summary>
    /// The M2 objective of Kingma et al. (2014), J^α/N = [Σ_labelled (L(x, y) + (α/N_l)·(−log q(y | x))) + Σ_unlabelled U(x)] / N, estimated
    /// from the batch: labelled rows (label ≥ 0) add L(x, y) = −log p(x | y, z) + KL(q(z | x, y) ‖ N(0, I)) and (α/N_l)·(−log q(y | x));
    /// unlabelled rows (label −1, or no labels) add U(x) = Σ_y q(y | x)·L(x, y) − H(q(y | x)). A training step of a model that knows its
    /// labelled share s = N_l/N (<see cref="VariationalConfig.LabelledShare"/>) weighs the batch's labelled rows by s/|B_l| and its
    /// unlabelled rows by (1 − s)/|B_u|, so a paired batch (<see cref="SemiSupervisedFit"/>, which over-samples the labelled rows)
    /// estimates the same objective; otherwise (evaluation, unknown share) every row weighs 1/|B|. The constant log C of the uniform
    /// label prior is left out. Terms: reconstruction, kl (both q-weighted for unlabelled rows), neg-entropy (Σ q log q), classification.
    /// </summary>
    private AutoencoderOutput SemiSupervisedStep(Batch batch, StepContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var rows = batch as RowBatch ?? throw new ArgumentException($"a {Config.Kind} model takes batches of samples (RowBatch)", nameof(batch));
        CheckInput(rows.Input);
        var x = rows.Input;
        int n = x.Dim(0), c = Classes;
        var labels = rows.Labels ?? Enumerable.Repeat(-1, n).ToArray();
        var known = Enumerable.Range(0, n).Where(i => labels[i] >= 0).ToArray();
        var unknown = Enumerable.Range(0, n).Where(i => labels[i] < 0).ToArray();
        var (labelledWeight, unlabelledWeight) = SemiSupervisedRowWeights(known.Length, unknown.Length, context.Training);
        using var noise = NoiseScope.Use(context.Training ? context.Noise : null);
        var g = Gaussian!;
        Tensor? rec = null, kl = null, negEntropy = null, classification = null;
        Tensor Acc(Tensor? a, Tensor b) => a is null ? b : a + b;
        if (known.Length > 0)
        {
            var xl = x.IndexSelect(0, known);
            var yl = known.Select(i => labels[i]).ToArray();
            var (r, k, _) = RowTerms(Encoder.Forward(WithLabel(xl, yl)), xl, yl, g, context);
            rec = r.Sum() * labelledWeight;
            kl = k.Sum() * labelledWeight;
            classification = Losses.Loss.CrossEntropy(Classifier!.Forward(xl), yl, Losses.Reduction.Sum) * (VariationalConfig.ClassificationWeightPerRow * labelledWeight);
        }
        if (unknown.Length > 0)
        {
            int u = unknown.Length;
            var xu = x.IndexSelect(0, unknown);
            var lq = Classifier!.Forward(xu).LogSoftmax(1);                                 // (u, C)
            var rep = new int[u * c];
            var ys = new int[u * c];
            for (int i = 0; i < u; i++) for (int j = 0; j < c; j++) { rep[i * c + j] = i; ys[i * c + j] = j; }
            var (r, k, _) = RowTerms(EncodeEveryLabel(xu, rep, ys), xu.IndexSelect(0, rep), ys, g, context);   // (u·C)
            var q = lq.Exp();
            rec = Acc(rec, (q * r.Reshape(u, c)).Sum() * unlabelledWeight);
            kl = Acc(kl, (q * k.Reshape(u, c)).Sum() * unlabelledWeight);
            negEntropy = (q * lq).Sum() * unlabelledWeight;
        }
        var terms = new List<LossTerm> { new(VariationalTerms.Kl, kl!) };
        if (negEntropy != null) terms.Add(new LossTerm(VariationalTerms.NegEntropy, negEntropy));
        if (classification != null) terms.Add(new LossTerm(VariationalTerms.Classification, classification));
        Tensor zMean, logits;
        using (GradMode.NoGrad())   // the output's code and reconstruction are for reports, not for the gradient
        {
            var resolved = ResolveLabels(x, rows.Labels);
            zMean = Latent.Code(Encoder.Forward(WithLabel(x, resolved)));
            logits = DecodeLogits(zMean, resolved);
        }
        return AutoencoderOutput.Create(rec!, terms, zMean, logits, LikelihoodHead);
    }

    /// <summary>The weight of one labelled and of one unlabelled row of a semi-supervised batch: s/|B_l| and (1 − s)/|B_u| in training
    /// when the labelled share s = N_l/N is known, else 1/|B| each.</summary>
    /// <param name="labelled">|B_l|, the batch's labelled rows.</param>
    /// <param name="unlabelled">|B_u|, the batch's unlabelled rows.</param>
    /// <param name="training">Whether the step is a training step.</param>
    public (float Labelled, float Unlabelled) SemiSupervisedRowWeights(int labelled, int unlabelled, bool training)
    {
        if (training && VariationalConfig.LabelledShare is { } s)
            return (labelled > 0 ? (float)(s / labelled) : 0f, unlabelled > 0 ? (float)((1 - s) / unlabelled) : 0f);
        float each = 1f / Math.Max(1, labelled + unlabelled);
        return (each, each);
    }

    /// <summary>
    /// The encoder's output (u·C, H) for every row of <paramref name="xu"/> (u, D) with every label: row i·C + j is row i with label j.
    /// When the encoder starts with a Linear on [x, one-hot y], its x part W_x·x is computed once per row and the label's column
    /// W_y[:, j] added, the same value as the encoder on the C concatenated copies at about 1/C of that layer's cost.
    /// </summary>
    private Tensor EncodeEveryLabel(Tensor xu, int[] rows, int[] labels)
    {
        if (Encoder is Sequential seq && seq.Layers.Count > 0 && seq.Layers[0] is Linear first && first.InFeatures == InputDim + Classes)
        {
            var hx = Tensor.Linear(xu, first.Weight.Slice(1, 0, InputDim), first.Bias);         // (u, H)
            var wy = first.Weight.Slice(1, InputDim, Classes).Transpose();                     // (C, H)
            var h = hx.IndexSelect(0, rows) + wy.IndexSelect(0, labels);
            for (int i = 1; i < seq.Layers.Count; i++) h = seq.Layers[i].Forward(h);
            return h;
        }
        return Encoder.Forward(WithLabel(xu.IndexSelect(0, rows), labels));
    }

    /// <summary>Per-row −log p(x | y, z) and KL for given labels from the encoder's output <paramref name="h"/>, one z per row (the
    /// posterior mean without noise); <paramref name="x"/> holds the rows scored.</summary>
    private (Tensor Rec, Tensor Kl, Tensor Z) RowTerms(Tensor h, Tensor x, int[] y, GaussianLatent g, StepContext context)
    {
        var (mu, logVar) = g.Posterior(h);
        var z = context.Noise is { } rng ? mu + (logVar * 0.5f).Exp() * Tensor.RandN(rng, mu.ShapeArray) : mu;
        var logits = DecodeLogits(z, y);
        var kl = GaussianLatent.KlPerElement(mu, logVar).Sum(1);
        return (RowNll(logits, x), kl, z);
    }

    /// <summary>−log p(x | logits) per row (N), differentiable: the likelihood's element loss summed over the features.</summary>
    private Tensor RowNll(Tensor logits, Tensor x) => LikelihoodHead switch
    {
        LearnedVarianceHead lv => (((x - logits) * (x - logits) * (-lv.LogVariance).Exp() + lv.LogVariance) * 0.5f + 0.5f * MathF.Log(2 * MathF.PI)).Sum(1),
        _ => Likelihood switch
        {
            BernoulliLikelihood => Losses.Loss.BceWithLogits(logits, x, Losses.Reduction.None).Sum(1),
            TanhGaussianLikelihood => ((logits.Tanh() - x) * (logits.Tanh() - x)).Sum(1),
            _ => ((logits - x) * (logits - x)).Sum(1),
        },
    };

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
        return Latent.Code(Encoder.Forward(WithLabel(batch.Input, ResolveLabels(batch.Input, batch.Labels))));
    }

    /// <inheritdoc/>
    public override Tensor Reconstruct(RowBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var labels = ResolveLabels(batch.Input, batch.Labels);
        return LikelihoodHead.Mean(DecodeLogits(Encode(batch with { Labels = labels }), labels));
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
        var z = Tensor.Normal(rng, 0f, temperature, n, LatentDim);
        int components = VariationalConfig.PriorComponents;
        if (components == 0) return z;
        // mixture: component c ~ uniform, z = μ_c + 0.5·T·ε
        var span = z.Span;
        int k = LatentDim;
        for (int i = 0; i < n; i++)
        {
            int c = rng.NextInt(components);
            double angle = 2 * Math.PI * c / components;
            for (int j = 0; j < k; j++)
            {
                double mean = k == 1 ? 4.0 * c / (components - 1) - 2.0 : j == 0 ? 2 * Math.Cos(angle) : j == 1 ? 2 * Math.Sin(angle) : 0;
                span[i * k + j] = (float)(mean + 0.5 * span[i * k + j]);
            }
        }
        return z;
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
        labels = ResolveLabels(x, labels);
        int n = x.Dim(0);
        var h = Encoder.Forward(WithLabel(x, labels));
        var kl = new float[n];
        Tensor z, mean;
        if (Latent is IStochasticLatent stochastic)
        {
            mean = Latent.Code(h);
            (z, var perSample) = stochastic.Draw(h, rng);
            perSample.CopyTo(kl, 0);
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
    /// <exception cref="InvalidOperationException">The latent is not stochastic (<see cref="IStochasticLatent"/>).</exception>
    public double[] ImportanceWeightedNll(Tensor x, int[]? labels, int k, Rng rng)
    {
        if (Latent is not IStochasticLatent stochastic)
            throw new InvalidOperationException($"the importance-weighted NLL needs a stochastic latent; a {Config.Kind} model has none");
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), k, $"k must be ≥ 1, got {k}");
        CheckInput(x);
        using var _ = GradMode.NoGrad();
        labels = ResolveLabels(x, labels);
        int n = x.Dim(0);
        var h = Encoder.Forward(WithLabel(x, labels));
        var result = new double[n];
        var pool = new BufferPool();
        for (int i = 0; i < n; i++)
        {
            using var scope = new TensorScope(pool);
            var (z, logRatio) = stochastic.DrawForImportance(h.Slice(0, i, 1), k, rng);
            int[]? lab = labels is null ? null : Enumerable.Repeat(labels[i], k).ToArray();
            var recon = RowLoss(DecodeLogits(z, lab), x.Slice(0, i, 1));     // −log p(x | z_j), (k)
            double max = double.NegativeInfinity;
            var logW = new double[k];
            for (int j = 0; j < k; j++) { logW[j] = -recon[j] + logRatio[j]; max = Math.Max(max, logW[j]); }
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
