using System.Text.Json.Serialization;
using Bottleneck.NN;

namespace Bottleneck.Models.Variational;

/// <summary>The latent layer of a variational-family model.</summary>
public enum LatentKind
{
    /// <summary>Gaussian posterior with reparameterization (<see cref="GaussianLatent"/>).</summary>
    Gaussian,
    /// <summary>A deterministic code (WAE-MMD: the prior is matched by the MMD penalty alone).</summary>
    Deterministic,
    /// <summary>Nearest-neighbour vector quantization against a codebook (<see cref="VectorQuantizer"/>).</summary>
    VectorQuantized,
    /// <summary>Two Gaussian layers with top-down inference (<see cref="LadderLatent"/>, hierarchical / ladder VAE).</summary>
    Ladder,
}

/// <summary>
/// Configuration of the variational family on an MLP: encoder D → hidden… → (latent layer) → latentDim, decoder latentDim →
/// mirrored hidden… → D, a likelihood p(x | z). The kinds are configurations of it: <c>vae</c> (Gaussian latent, β, a KL
/// schedule, free bits), <c>cvae</c> (<see cref="Classes"/> &gt; 0: encoder and decoder see a one-hot label), <c>beta-tcvae</c>
/// (<see cref="TotalCorrelation"/>), <c>info-vae</c> (Gaussian latent plus MMD), <c>wae-mmd</c> (deterministic latent plus MMD),
/// <c>vq-vae</c> (vector-quantized latent).
/// </summary>
public sealed record VariationalConfig : ModelConfig
{
    /// <summary>Creates and validates the configuration; its <see cref="ModelConfig.Kind"/> is "vae" (set another with <c>with { Kind = … }</c>).</summary>
    /// <param name="inputDim">D ≥ 1.</param>
    /// <param name="hidden">Encoder hidden widths, outermost first (each ≥ 1; may be empty); the decoder mirrors them. Empty with a convolutional backbone.</param>
    /// <param name="latentDim">Code width k ≥ 1 (for VQ-VAE, L·D: L vectors of width <paramref name="codeDim"/>).</param>
    /// <param name="hiddenActivation">Activation after each hidden layer (default ReLU).</param>
    /// <param name="output">The likelihood p(x | z) (default Bernoulli: sigmoid output, binary cross-entropy in nats).</param>
    /// <param name="latent">The latent layer (default Gaussian).</param>
    /// <param name="beta">β ≥ 0: the KL weight (Gaussian latent; γ of the capacity schedule); default 1.</param>
    /// <param name="klSchedule">How the KL weight moves in training (default none).</param>
    /// <param name="freeBits">λ ≥ 0 nats per latent dimension (default 0: none).</param>
    /// <param name="classes">Number of classes of a conditional VAE (labels 0..classes−1), 0 (default) for none.</param>
    /// <param name="totalCorrelation">β-TCVAE: the KL is split into MI + β·TC + dim-KL (default false).</param>
    /// <param name="datasetSize">N for β-TCVAE's minibatch-weighted sampling, 0 (default) = the batch size.</param>
    /// <param name="mmdWeight">λ ≥ 0 of an MMD penalty between the codes and the prior (default 0: none).</param>
    /// <param name="mmdKernel">The MMD kernel (default inverse multiquadric).</param>
    /// <param name="codebookSize">K ≥ 2 codes (VQ-VAE; default 512).</param>
    /// <param name="codeDim">D ≥ 1, the width of each code vector (VQ-VAE); must divide latentDim (default 8).</param>
    /// <param name="commitment">β ≥ 0 of the commitment loss (VQ-VAE; default 0.25).</param>
    /// <param name="emaDecay">γ in [0, 1) of EMA codebook updates, 0 (default) to train the codebook by gradient (VQ-VAE).</param>
    /// <param name="restartDeadCodes">Move unused codes onto encoder outputs (VQ-VAE; default true).</param>
    /// <param name="adversarial">Adversarial autoencoder (Makhzani et al. 2016): a discriminator on the code is trained to tell prior
    /// samples from codes, and the encoder to fool it, in alternating phases (default false). Its encoder q(z | x) is deterministic
    /// (<see cref="LatentKind.Deterministic"/>) or a Gaussian posterior (<see cref="LatentKind.Gaussian"/>: μ and log σ² heads, z = μ + σ ⊙ ε,
    /// no KL term; Makhzani et al. §2), see <see cref="AdversarialPosterior"/>.</param>
    /// <param name="priorComponents">The prior p(z): 0 (default) for N(0, I); K ≥ 2 for a mixture of K Gaussians with means
    /// 2·(cos 2πc/K, sin 2πc/K, 0, …) and standard deviation 0.5 (adversarial and sampling).</param>
    /// <param name="discriminatorHidden">Width of the discriminator's two hidden layers (adversarial; default 512).</param>
    /// <param name="semiSupervised">Semi-supervised VAE M2 (Kingma et al. 2014): a classifier q(y | x) in the model; labelled rows
    /// train it and the label-conditioned VAE, unlabelled rows (label −1) marginalise over q(y | x); needs <paramref name="classes"/> ≥ 2.</param>
    /// <param name="classificationWeight">α of the classification term of Kingma et al.'s objective J^α = Σ_labelled L(x, y) +
    /// Σ_unlabelled U(x) + α·E_labelled[−log q(y | x)] (semi-supervised): each labelled row's cross-entropy weighs α/N_l against its
    /// ELBO's 1; 0 (default) = <see cref="DefaultAlphaPerRow"/>·datasetSize (the paper writes α = 0.1·N; 10·N was chosen on a
    /// validation split of MNIST's training set over {0.1, 1, 10}·N, docs/benchmarks.md).</param>
    /// <param name="adversarialLearningRateScale">Factor on the run's learning rate for the regularization phases of an adversarial
    /// autoencoder, the discriminator's and the generator's (Makhzani et al. 2016 give the regularization phase its own learning rate;
    /// default 1).</param>
    /// <param name="generatorLearningRateScale">Factor on the run's learning rate for the generator phase of an adversarial autoencoder
    /// (the encoder's adversarial steps), separately from the discriminator's; 0 (default) = <paramref name="adversarialLearningRateScale"/>.</param>
    /// <param name="adversarialBeta1">β₁ of the Adam optimizers of an adversarial autoencoder's discriminator and generator phases, in [0, 1);
    /// default 0.9 (Adam's; GANs commonly use 0.5, Radford et al. 2016).</param>
    /// <param name="adversarialWeight">λ ≥ 0 of a joint adversarial step (WAE-GAN, Tolstikhin et al. 2018, Algorithm 1): the encoder and decoder step
    /// once per batch on −log p(x | z) + λ·(−log D(z)) with one optimizer, and there is no generator phase; 0 (default) = Makhzani et al.'s
    /// separate generator phase with an optimizer of its own.</param>
    /// <param name="discriminatorSteps">k in 1..100: discriminator steps per batch before the generator's (Goodfellow et al. 2014, Algorithm 1;
    /// each with fresh prior samples); default 1.</param>
    /// <param name="instanceNoise">σ₀ ≥ 0 of instance noise (Sønderby et al. 2017; Arjovsky &amp; Bottou 2017): in training, the discriminator sees
    /// prior samples and codes each plus N(0, σ_t²·I) noise, in its own and in the generator's steps; default 0 (none).</param>
    /// <param name="instanceNoiseEpochs">T ≥ 0: σ_t = σ₀·max(0, 1 − t/T) falls linearly to 0 over T epochs (t = epochs done); 0 (default) keeps σ₀.</param>
    /// <param name="gradientPenalty">γ ≥ 0 of the R1 gradient penalty on the discriminator (adversarial; Mescheder et al. 2018, eq. 9): each
    /// discriminator step adds (γ/2)·(1/N)·Σᵢ ‖∇_z D(z′ᵢ)‖² at its prior samples z′ᵢ (as the discriminator sees them, instance noise included),
    /// D the logit; default 0 (none).</param>
    /// <param name="spectralNorm">Spectral normalisation of the discriminator's weights (adversarial; Miyato et al. 2018): each of its Linear layers uses
    /// W / σ(W), σ estimated by one power-iteration step per training-mode forward (<see cref="NN.SpectralNormLinear"/>); default false.</param>
    /// <param name="labelledRows">N_l, the training rows with a label (semi-supervised), so a training step weighs its labelled and
    /// unlabelled rows by their shares N_l/N and 1 − N_l/N of the training data (a paired batch over-samples the labelled rows);
    /// 0 (default) = not known: every row of a batch weighs alike, and N_l is taken as datasetSize in α/N_l.</param>
    /// <param name="convolutional">A convolutional encoder and decoder on the image rows instead of the MLP (the convolutional VAE), or null (default);
    /// its input must be C·H·W = inputDim, and it does not take classes.</param>
    /// <param name="topLatentDim">k₂ of a ladder latent, the top layer's width (default 0: latentDim / 2, at least 1).</param>
    /// <param name="ladderHidden">Width of a ladder latent's bottom-up and top-down hidden layers (default 0: the last hidden width / 2, at least 8).</param>
    /// <exception cref="ArgumentOutOfRangeException">A value outside its range; the message names it.</exception>
    /// <exception cref="ArgumentException">Options that do not fit the latent layer (e.g. a KL schedule on a deterministic latent).</exception>
    public VariationalConfig(int inputDim, int[] hidden, int latentDim, Activation hiddenActivation = Activation.Relu, Likelihood? output = null,
        LatentKind latent = LatentKind.Gaussian, float beta = 1f, KlSchedule? klSchedule = null, float freeBits = 0f, int classes = 0,
        bool totalCorrelation = false, int datasetSize = 0, float mmdWeight = 0f, MmdKernel mmdKernel = MmdKernel.Imq,
        int codebookSize = 512, int codeDim = 8, float commitment = 0.25f, float emaDecay = 0f, bool restartDeadCodes = true,
        bool adversarial = false, int priorComponents = 0, int discriminatorHidden = 512, int topLatentDim = 0, int ladderHidden = 0,
        bool semiSupervised = false, float classificationWeight = 0f, ConvBackbone? convolutional = null, int labelledRows = 0,
        float adversarialLearningRateScale = 1f, float generatorLearningRateScale = 0f, float adversarialBeta1 = 0.9f, float adversarialWeight = 0f, int discriminatorSteps = 1, float instanceNoise = 0f, float instanceNoiseEpochs = 0f, bool spectralNorm = false, float gradientPenalty = 0f) : base("vae")
    {
        InputDim = AtLeastOne(inputDim, nameof(inputDim));
        Hidden = (hidden ?? []).ToArray();
        for (int i = 0; i < Hidden.Length; i++) AtLeastOne(Hidden[i], $"hidden[{i}]");
        LatentDim = AtLeastOne(latentDim, nameof(latentDim));
        HiddenActivation = hiddenActivation;
        Output = output ?? Likelihood.Bernoulli;
        Latent = latent;
        Beta = NonNegative(beta, nameof(beta));
        KlSchedule = (klSchedule ?? KlSchedule.None).Validate();
        FreeBits = NonNegative(freeBits, nameof(freeBits));
        Classes = classes >= 0 ? classes : throw new ArgumentOutOfRangeException(nameof(classes), classes, $"classes must be ≥ 0, got {classes}");
        if (classes == 1) throw new ArgumentOutOfRangeException(nameof(classes), classes, "classes must be 0 (unconditional) or ≥ 2, got 1");
        TotalCorrelation = totalCorrelation;
        DatasetSize = datasetSize >= 0 ? datasetSize : throw new ArgumentOutOfRangeException(nameof(datasetSize), datasetSize, $"datasetSize must be ≥ 0, got {datasetSize}");
        MmdWeight = NonNegative(mmdWeight, nameof(mmdWeight));
        MmdKernel = mmdKernel;
        CodebookSize = codebookSize >= 2 ? codebookSize : throw new ArgumentOutOfRangeException(nameof(codebookSize), codebookSize, $"codebookSize must be ≥ 2, got {codebookSize}");
        CodeDim = AtLeastOne(codeDim, nameof(codeDim));
        Commitment = NonNegative(commitment, nameof(commitment));
        EmaDecay = emaDecay >= 0 && emaDecay < 1 ? emaDecay : throw new ArgumentOutOfRangeException(nameof(emaDecay), emaDecay, $"emaDecay must be in [0, 1), got {emaDecay}");
        RestartDeadCodes = restartDeadCodes;
        Adversarial = adversarial;
        PriorComponents = priorComponents == 0 || priorComponents >= 2 ? priorComponents
            : throw new ArgumentOutOfRangeException(nameof(priorComponents), priorComponents, $"priorComponents must be 0 (standard normal) or ≥ 2, got {priorComponents}");
        DiscriminatorHidden = AtLeastOne(discriminatorHidden, nameof(discriminatorHidden));
        TopLatentDim = topLatentDim > 0 ? topLatentDim : topLatentDim == 0 ? Math.Max(1, latentDim / 2)
            : throw new ArgumentOutOfRangeException(nameof(topLatentDim), topLatentDim, $"topLatentDim must be ≥ 1 (0 for the default), got {topLatentDim}");
        Convolutional = convolutional;
        if (convolutional != null)
        {
            if (convolutional.InputDim != inputDim)
                throw new ArgumentException($"the convolutional backbone takes {convolutional.InChannels}x{convolutional.Height}x{convolutional.Width} images ({convolutional.InputDim} values), the input has {inputDim}", nameof(convolutional));
            if (Hidden.Length > 0)
                throw new ArgumentException("hidden widths do not apply with a convolutional backbone (its channels are the layers)", nameof(hidden));
            if (classes > 0)
                throw new ArgumentException("a convolutional backbone does not take class labels (cvae, ssvae): their one-hot input is concatenated to the rows", nameof(classes));
        }
        LadderHidden = ladderHidden > 0 ? ladderHidden : ladderHidden == 0 ? Math.Max(8, (convolutional?.FeatureWidth ?? (Hidden.Length > 0 ? Hidden[^1] : inputDim)) / 2)
            : throw new ArgumentOutOfRangeException(nameof(ladderHidden), ladderHidden, $"ladderHidden must be ≥ 1 (0 for the default), got {ladderHidden}");
        SemiSupervised = semiSupervised;
        ClassificationWeight = NonNegative(classificationWeight, nameof(classificationWeight));
        AdversarialLearningRateScale = adversarialLearningRateScale > 0 && float.IsFinite(adversarialLearningRateScale) ? adversarialLearningRateScale
            : throw new ArgumentOutOfRangeException(nameof(adversarialLearningRateScale), adversarialLearningRateScale, $"adversarialLearningRateScale must be > 0, got {adversarialLearningRateScale}");
        GeneratorLearningRateScale = generatorLearningRateScale >= 0 && float.IsFinite(generatorLearningRateScale) ? generatorLearningRateScale
            : throw new ArgumentOutOfRangeException(nameof(generatorLearningRateScale), generatorLearningRateScale, $"generatorLearningRateScale must be ≥ 0 (0: the adversarial scale), got {generatorLearningRateScale}");
        AdversarialBeta1 = adversarialBeta1 >= 0 && adversarialBeta1 < 1 ? adversarialBeta1
            : throw new ArgumentOutOfRangeException(nameof(adversarialBeta1), adversarialBeta1, $"adversarialBeta1 must be in [0, 1), got {adversarialBeta1}");
        AdversarialWeight = adversarialWeight >= 0 && float.IsFinite(adversarialWeight) ? adversarialWeight
            : throw new ArgumentOutOfRangeException(nameof(adversarialWeight), adversarialWeight, $"adversarialWeight must be ≥ 0 (0: a generator phase of its own), got {adversarialWeight}");
        DiscriminatorSteps = discriminatorSteps is >= 1 and <= 100 ? discriminatorSteps
            : throw new ArgumentOutOfRangeException(nameof(discriminatorSteps), discriminatorSteps, $"discriminatorSteps must be in 1..100, got {discriminatorSteps}");
        InstanceNoise = instanceNoise >= 0 && float.IsFinite(instanceNoise) ? instanceNoise
            : throw new ArgumentOutOfRangeException(nameof(instanceNoise), instanceNoise, $"instanceNoise must be ≥ 0, got {instanceNoise}");
        InstanceNoiseEpochs = instanceNoiseEpochs >= 0 && float.IsFinite(instanceNoiseEpochs) ? instanceNoiseEpochs
            : throw new ArgumentOutOfRangeException(nameof(instanceNoiseEpochs), instanceNoiseEpochs, $"instanceNoiseEpochs must be ≥ 0 (0: constant), got {instanceNoiseEpochs}");
        SpectralNorm = spectralNorm;
        GradientPenalty = gradientPenalty >= 0 && float.IsFinite(gradientPenalty) ? gradientPenalty
            : throw new ArgumentOutOfRangeException(nameof(gradientPenalty), gradientPenalty, $"gradientPenalty must be ≥ 0, got {gradientPenalty}");
        LabelledRows = labelledRows >= 0 ? labelledRows : throw new ArgumentOutOfRangeException(nameof(labelledRows), labelledRows, $"labelledRows must be ≥ 0, got {labelledRows}");
        if (datasetSize > 0 && labelledRows > datasetSize)
            throw new ArgumentOutOfRangeException(nameof(labelledRows), labelledRows, $"labelledRows must be at most the {datasetSize} training rows, got {labelledRows}");
        if (semiSupervised && (classes < 2 || latent != LatentKind.Gaussian))
            throw new ArgumentException($"a semi-supervised VAE needs ≥ 2 classes and a Gaussian latent, got {classes} classes and a {latent.ToString().ToLowerInvariant()} latent", nameof(classes));
        if (spectralNorm && !adversarial)
            throw new ArgumentException("spectral normalisation applies to the discriminator of an adversarial autoencoder", nameof(spectralNorm));
        if (gradientPenalty > 0 && !adversarial)
            throw new ArgumentException("the gradient penalty applies to the discriminator of an adversarial autoencoder", nameof(gradientPenalty));
        if (adversarial && latent is not (LatentKind.Deterministic or LatentKind.Gaussian))
            throw new ArgumentException($"an adversarial autoencoder has a deterministic or a Gaussian-posterior latent, not a {latent.ToString().ToLowerInvariant()} one", nameof(adversarial));
        if (adversarial && latent == LatentKind.Gaussian && (KlSchedule.Kind != KlScheduleKind.None || freeBits > 0 || totalCorrelation || beta != 1f))
            throw new ArgumentException("beta, the KL schedule, free bits and the total-correlation split do not apply to an adversarial autoencoder: its discriminator, not a KL term, matches the codes to the prior", nameof(klSchedule));
        bool gaussian = latent is LatentKind.Gaussian or LatentKind.Ladder;
        if (!gaussian && (KlSchedule.Kind != KlScheduleKind.None || freeBits > 0 || totalCorrelation || beta != 1f))
            throw new ArgumentException($"beta, the KL schedule, free bits and the total-correlation split apply to a Gaussian latent, not a {latent.ToString().ToLowerInvariant()} one", nameof(klSchedule));
        if (latent == LatentKind.VectorQuantized && latentDim % codeDim != 0)
            throw new ArgumentOutOfRangeException(nameof(codeDim), codeDim, $"codeDim must divide latentDim {latentDim} (the code is latentDim/codeDim vectors), got {codeDim}");
        if (latent == LatentKind.VectorQuantized && mmdWeight > 0)
            throw new ArgumentException("an MMD penalty does not apply to a vector-quantized latent", nameof(mmdWeight));
        if (latent == LatentKind.Deterministic && mmdWeight == 0 && !adversarial)
            throw new ArgumentException("a deterministic latent needs an MMD penalty (mmdWeight > 0) or a discriminator (adversarial) to match the prior", nameof(mmdWeight));
        if (totalCorrelation && latent == LatentKind.Ladder)
            throw new ArgumentException("the total-correlation split applies to a one-layer Gaussian latent", nameof(totalCorrelation));
        if (totalCorrelation && (freeBits > 0 || KlSchedule.Kind == KlScheduleKind.Capacity))
            throw new ArgumentException("free bits and the capacity schedule do not combine with the total-correlation split", nameof(totalCorrelation));
    }

    /// <inheritdoc/>
    public override int InputDim { get; }
    /// <summary>Encoder hidden widths, outermost first.</summary>
    public int[] Hidden { get; }
    /// <summary>A convolutional encoder and decoder on the image rows instead of the MLP (the convolutional VAE), or null.</summary>
    public ConvBackbone? Convolutional { get; }
    /// <inheritdoc/>
    public override int LatentDim { get; }
    /// <summary>Activation after each hidden layer.</summary>
    public Activation HiddenActivation { get; }
    /// <summary>The likelihood (saved as <c>output</c>).</summary>
    public Likelihood Output { get; }
    /// <inheritdoc/>
    [JsonIgnore] public override Likelihood Likelihood => Output;
    /// <summary>The latent layer.</summary>
    public LatentKind Latent { get; }
    /// <summary>β.</summary>
    public float Beta { get; }
    /// <summary>The KL schedule.</summary>
    public KlSchedule KlSchedule { get; }
    /// <summary>Free bits λ per latent dimension.</summary>
    public float FreeBits { get; }
    /// <summary>Classes of a conditional VAE, 0 for none.</summary>
    public int Classes { get; }
    /// <summary>Whether the KL is split into MI, TC and dimension-wise KL (β-TCVAE).</summary>
    public bool TotalCorrelation { get; }
    /// <summary>N of β-TCVAE's estimator, 0 = the batch size.</summary>
    public int DatasetSize { get; }
    /// <summary>λ of the MMD penalty, 0 for none.</summary>
    public float MmdWeight { get; }
    /// <summary>The MMD kernel.</summary>
    public MmdKernel MmdKernel { get; }
    /// <summary>K, the codebook size (VQ-VAE).</summary>
    public int CodebookSize { get; }
    /// <summary>D, the code-vector width (VQ-VAE).</summary>
    public int CodeDim { get; }
    /// <summary>β of the commitment loss (VQ-VAE).</summary>
    public float Commitment { get; }
    /// <summary>γ of EMA codebook updates (VQ-VAE), 0 for gradient updates.</summary>
    public float EmaDecay { get; }
    /// <summary>Whether dead codes are restarted (VQ-VAE).</summary>
    public bool RestartDeadCodes { get; }
    /// <summary>Whether a discriminator on the code matches it to the prior (adversarial autoencoder).</summary>
    public bool Adversarial { get; }
    /// <summary>The encoder q(z | x) of an adversarial autoencoder by Makhzani et al.'s (2016, §2) names: "deterministic" or "gaussian"
    /// (the Gaussian posterior), null for the other kinds.</summary>
    [JsonIgnore] public string? AdversarialPosterior => !Adversarial ? null : Latent == LatentKind.Gaussian ? "gaussian" : "deterministic";
    /// <summary>Mixture components of the prior, 0 for N(0, I).</summary>
    public int PriorComponents { get; }
    /// <summary>Width of the discriminator's hidden layers.</summary>
    public int DiscriminatorHidden { get; }
    /// <summary>Whether the model is a semi-supervised VAE (M2) with a classifier q(y | x).</summary>
    public bool SemiSupervised { get; }
    /// <summary>α of the classification term (0 = <see cref="DefaultAlphaPerRow"/>·datasetSize).</summary>
    public float ClassificationWeight { get; }
    /// <summary>The default α per training row: α = 10·N. Kingma et al. (2014) write α = 0.1·N; over the epochs compared (1 for 0.1·N, 4 for 1·N) on MNIST with 1,000
    /// labels the validation error ranked 10·N &lt; 1·N &lt; 0.1·N (docs/benchmarks.md, "Semi-supervised VAE (M2)").</summary>
    public const float DefaultAlphaPerRow = 10f;
    /// <summary>The α used: <see cref="ClassificationWeight"/>, or <see cref="DefaultAlphaPerRow"/>·max(datasetSize, 1) when it is 0.</summary>
    [JsonIgnore] public float Alpha => ClassificationWeight > 0 ? ClassificationWeight : DefaultAlphaPerRow * Math.Max(DatasetSize, 1);
    /// <summary>Factor on the learning rate of an adversarial autoencoder's discriminator and generator phases.</summary>
    public float AdversarialLearningRateScale { get; }
    /// <summary>Factor on the learning rate of an adversarial autoencoder's generator phase, 0 = <see cref="AdversarialLearningRateScale"/>.</summary>
    public float GeneratorLearningRateScale { get; }
    /// <summary>The generator phase's learning-rate factor in use: <see cref="GeneratorLearningRateScale"/>, or <see cref="AdversarialLearningRateScale"/> when it is 0.</summary>
    [JsonIgnore] public float GeneratorScale => GeneratorLearningRateScale > 0 ? GeneratorLearningRateScale : AdversarialLearningRateScale;
    /// <summary>β₁ of the Adam optimizers of an adversarial autoencoder's discriminator and generator phases.</summary>
    public float AdversarialBeta1 { get; }
    /// <summary>λ of the joint adversarial step (WAE-GAN), 0 for a separate generator phase.</summary>
    public float AdversarialWeight { get; }
    /// <summary>k, the discriminator steps per batch (adversarial).</summary>
    public int DiscriminatorSteps { get; }
    /// <summary>σ₀ of the discriminator's instance noise (adversarial), 0 for none.</summary>
    public float InstanceNoise { get; }
    /// <summary>T, the epochs over which the instance noise falls to 0; 0 keeps it constant.</summary>
    public float InstanceNoiseEpochs { get; }
    /// <summary>Whether the discriminator's Linear layers are spectrally normalised (adversarial).</summary>
    public bool SpectralNorm { get; }
    /// <summary>γ of the R1 gradient penalty (γ/2)·E_prior ‖∇_z D(z)‖² in the discriminator's steps (adversarial), 0 for none.</summary>
    public float GradientPenalty { get; }
    /// <summary>σ_t of the instance noise after <paramref name="epochsDone"/> epochs: σ₀·max(0, 1 − t/T), or σ₀ when T is 0.</summary>
    /// <param name="epochsDone">t ≥ 0, epochs done (fractional within an epoch).</param>
    public float InstanceNoiseAt(double epochsDone) =>
        InstanceNoiseEpochs > 0 ? (float)(InstanceNoise * Math.Max(0, 1 - epochsDone / InstanceNoiseEpochs)) : InstanceNoise;
    /// <summary>N_l, the labelled training rows (semi-supervised), 0 = all of <see cref="DatasetSize"/>.</summary>
    public int LabelledRows { get; }
    /// <summary>The weight α/N_l of each labelled row's cross-entropy −log q(y | x) against its ELBO's 1 (N_l = <see cref="LabelledRows"/>,
    /// or <see cref="DatasetSize"/> when that is 0, at least 1): Kingma et al.'s code, β = α·N/N_l with their α = 0.1.</summary>
    [JsonIgnore] public float ClassificationWeightPerRow => Alpha / Math.Max(1, LabelledRows > 0 ? LabelledRows : DatasetSize);
    /// <summary>The share N_l/N of labelled rows in the training data, or null when it is not known (<see cref="LabelledRows"/> or
    /// <see cref="DatasetSize"/> 0; a step then weighs each row of the batch alike).</summary>
    [JsonIgnore] public double? LabelledShare => DatasetSize > 0 && LabelledRows > 0 ? (double)LabelledRows / DatasetSize : null;
    /// <summary>k₂, the top layer of a ladder latent.</summary>
    public int TopLatentDim { get; }
    /// <summary>Width of a ladder latent's hidden layers.</summary>
    public int LadderHidden { get; }

    /// <summary>Whether samples can be drawn from the prior N(0, I) and decoded (not for VQ-VAE, whose prior is not learned here).</summary>
    [JsonIgnore] public bool CanSample => Latent != LatentKind.VectorQuantized;

    /// <summary>The KL weighting of a Gaussian latent; β = 0 for an adversarial autoencoder's Gaussian posterior (its discriminator matches the prior).</summary>
    [JsonIgnore] public KlWeighting KlWeighting => Adversarial ? new(0f) : new(Beta, KlSchedule, FreeBits, TotalCorrelation, DatasetSize);

    /// <inheritdoc/>
    public override string Describe()
    {
        int[] enc = [InputDim, .. Hidden];
        var extras = new List<string> { HiddenActivation.Name(), Output.Name };
        if (Classes > 0) extras.Add(SemiSupervised ? $"classifier q(y|x) over {Classes} classes, α {Num(Alpha)}" + (LabelledRows > 0 ? $", {LabelledRows} labelled rows" : "") : $"{Classes} classes");
        switch (Latent)
        {
            case LatentKind.Ladder:
                extras.Add($"ladder z2 {TopLatentDim} via {LadderHidden}, β {Num(Beta)}");
                if (KlSchedule.Kind != KlScheduleKind.None) extras.Add($"KL schedule {KlSchedule.Describe()}");
                if (FreeBits > 0) extras.Add($"free bits {Num(FreeBits)}");
                break;
            case LatentKind.Gaussian when Adversarial:
                extras.Add("Gaussian posterior q(z|x), no KL term");
                break;
            case LatentKind.Gaussian:
                extras.Add($"β {Num(Beta)}");
                if (KlSchedule.Kind != KlScheduleKind.None) extras.Add($"KL schedule {KlSchedule.Describe()}");
                if (FreeBits > 0) extras.Add($"free bits {Num(FreeBits)}");
                if (TotalCorrelation) extras.Add("MI + β·TC + dim-KL");
                break;
            case LatentKind.VectorQuantized:
                extras.Add($"codebook {CodebookSize}×{CodeDim}, commitment {Num(Commitment)}" + (EmaDecay > 0 ? $", EMA {Num(EmaDecay)}" : "") + (RestartDeadCodes ? ", restarts" : ""));
                break;
        }
        if (MmdWeight > 0) extras.Add($"MMD {MmdKernel.ToString().ToLowerInvariant()} λ {Num(MmdWeight)}");
        if (Adversarial) extras.Add($"discriminator {LatentDim}-{DiscriminatorHidden}-{DiscriminatorHidden}-1" + (AdversarialLearningRateScale != 1 ? $", discriminator lr ×{Num(AdversarialLearningRateScale)}" : "")
            + (GeneratorScale != AdversarialLearningRateScale ? $", generator lr ×{Num(GeneratorScale)}" : "") + (AdversarialBeta1 != 0.9f ? $", adversarial β1 {Num(AdversarialBeta1)}" : "") + (AdversarialWeight > 0 ? $", joint step λ {Num(AdversarialWeight)}" : "") + (DiscriminatorSteps > 1 ? $", {DiscriminatorSteps} discriminator steps per batch" : "")
            + (InstanceNoise > 0 ? $", instance noise σ {Num(InstanceNoise)}" + (InstanceNoiseEpochs > 0 ? $" → 0 over {Num(InstanceNoiseEpochs)} epochs" : "") : "") + (SpectralNorm ? ", spectral norm" : "") + (GradientPenalty > 0 ? $", R1 γ {Num(GradientPenalty)}" : ""));
        if (PriorComponents > 0) extras.Add($"prior mixture of {PriorComponents} Gaussians");
        string code = Latent switch { LatentKind.Gaussian => $"({LatentDim})", LatentKind.VectorQuantized => $"[{LatentDim / CodeDim}×{CodeDim}]", _ => $"{LatentDim}" };
        if (Convolutional is { } cb) return $"{Kind} {cb.Describe()} -> {code} -> mirrored transposed convolutions, {string.Join(", ", extras)}";
        return $"{Kind} {string.Join("-", enc)}-{code}-{string.Join("-", enc.Reverse())}, {string.Join(", ", extras)}";
    }

    /// <inheritdoc/>
    public override IEnumerable<(string Name, string Value)> Summary()
    {
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        yield return ("input", InputDim.ToString(inv));
        if (Convolutional is { } cb) yield return ("backbone", cb.Describe());
        else yield return ("hidden", Hidden.Length == 0 ? "(none)" : string.Join(",", Hidden));
        yield return ("latent", $"{LatentDim} ({Latent.ToString().ToLowerInvariant()})");
        yield return ("activation", HiddenActivation.Name());
        yield return ("output", Output.Name);
        if (Latent == LatentKind.Ladder) yield return ("ladder", $"z2 {TopLatentDim}, hidden {LadderHidden}");
        if (Latent is LatentKind.Gaussian or LatentKind.Ladder && !Adversarial)
        {
            yield return ("beta", Num(Beta));
            yield return ("KL schedule", KlSchedule.Describe());
            yield return ("free bits", Num(FreeBits));
            if (TotalCorrelation) yield return ("objective", "MI + β·TC + dim-KL (β-TCVAE)");
        }
        if (Classes > 0) yield return ("classes", Classes.ToString(inv));
        if (MmdWeight > 0) yield return ("MMD", $"{MmdKernel.ToString().ToLowerInvariant()}, λ {Num(MmdWeight)}");
        if (Adversarial) yield return ("discriminator", $"{LatentDim}-{DiscriminatorHidden}-{DiscriminatorHidden}-1, alternating phases" + (SpectralNorm ? ", spectral norm" : "") + (GradientPenalty > 0 ? $", R1 γ {Num(GradientPenalty)}" : ""));
        if (Adversarial) yield return ("posterior", AdversarialPosterior == "gaussian" ? "Gaussian q(z|x), z = μ + σ·ε" : "deterministic");
        yield return ("prior", PriorComponents > 0 ? $"mixture of {PriorComponents} Gaussians" : "N(0, I)");
        if (Latent == LatentKind.VectorQuantized)
            yield return ("codebook", $"{CodebookSize} × {CodeDim}, commitment {Num(Commitment)}, {(EmaDecay > 0 ? $"EMA {Num(EmaDecay)}" : "gradient")}, restarts {(RestartDeadCodes ? "on" : "off")}");
    }

    /// <inheritdoc/>
    public bool Equals(VariationalConfig? other) => other is not null && ToString() == other.ToString();
    /// <inheritdoc/>
    public override int GetHashCode() => ToString().GetHashCode(StringComparison.Ordinal);
    /// <inheritdoc/>
    protected override bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append($"Kind = {Kind}, InputDim = {InputDim}, Hidden = [{string.Join(", ", Hidden)}], LatentDim = {LatentDim}, HiddenActivation = {HiddenActivation}, " +
                       $"Output = {Output.Name}, Latent = {Latent}, Beta = {Beta}, KlSchedule = {KlSchedule}, FreeBits = {FreeBits}, Classes = {Classes}, " +
                       $"TotalCorrelation = {TotalCorrelation}, DatasetSize = {DatasetSize}, MmdWeight = {MmdWeight}, MmdKernel = {MmdKernel}, CodebookSize = {CodebookSize}, " +
                       $"CodeDim = {CodeDim}, Commitment = {Commitment}, EmaDecay = {EmaDecay}, RestartDeadCodes = {RestartDeadCodes}, Adversarial = {Adversarial}, " +
                       $"PriorComponents = {PriorComponents}, DiscriminatorHidden = {DiscriminatorHidden}, TopLatentDim = {TopLatentDim}, LadderHidden = {LadderHidden}, " +
                       $"SemiSupervised = {SemiSupervised}, ClassificationWeight = {ClassificationWeight}, LabelledRows = {LabelledRows}, AdversarialLearningRateScale = {AdversarialLearningRateScale}, GeneratorLearningRateScale = {GeneratorLearningRateScale}, AdversarialBeta1 = {AdversarialBeta1}, AdversarialWeight = {AdversarialWeight}, DiscriminatorSteps = {DiscriminatorSteps}, InstanceNoise = {InstanceNoise}, InstanceNoiseEpochs = {InstanceNoiseEpochs}, SpectralNorm = {SpectralNorm}, GradientPenalty = {GradientPenalty}, Convolutional = {Convolutional?.Describe() ?? "none"}");
        return true;
    }
}
