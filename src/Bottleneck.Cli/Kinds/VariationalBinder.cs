using System.CommandLine;
using Bottleneck.Cli.Commands;
using Bottleneck.Models;
using Bottleneck.Models.Variational;

namespace Bottleneck.Cli.Kinds;

/// <summary>The options of the variational kinds (one instance per train command, shared by their binders).</summary>
public sealed class VariationalOptions
{
    /// <summary>Default hidden widths of the variational kinds (Kingma &amp; Welling's MNIST setting).</summary>
    public static readonly int[] DefaultHidden = [512];
    /// <summary>Default code width of the Gaussian-latent kinds.</summary>
    public const int DefaultLatent = 20;
    /// <summary>Default hidden widths of ssvae: one layer of 500, Kingma et al.'s (2014) M2 on MNIST, the setting of the M2 benchmark
    /// (docs/benchmarks.md, "Semi-supervised VAE (M2) with 1,000 labels").</summary>
    public static readonly int[] DefaultSsvaeHidden = [500];
    /// <summary>Default encoder widths of aae: two layers of 1000, Makhzani et al.'s (2016) MNIST network (docs/benchmarks.md,
    /// "Adversarial autoencoder", fifth pass).</summary>
    public static readonly int[] DefaultAaeHidden = [1000, 1000];
    /// <summary>Default code width of aae: 8, Makhzani et al.'s (2016) MNIST code with the N(0, I) prior.</summary>
    public const int DefaultAaeLatent = 8;
    /// <summary>Default width of the aae discriminator's two hidden layers: 1000, as Makhzani et al.'s (2016) MNIST network.</summary>
    public const int DefaultDiscriminatorHidden = 1000;
    /// <summary>The epochs aae trains for when <c>--epochs</c> is not given (docs/benchmarks.md, "Adversarial autoencoder", fifth pass).</summary>
    public const int AaeEpochs = 20;
    /// <summary>Default code width of ssvae: 50, Kingma et al.'s (2014) M2 on MNIST.</summary>
    public const int DefaultSsvaeLatent = 50;
    /// <summary>The learning-rate schedule of aae when <c>--schedule</c> is not given: a decaying learning rate for all three phases (Makhzani
    /// et al. 2016 lower theirs during training); over seeds on MNIST it brought the codes closer to the prior than a constant rate
    /// (docs/benchmarks.md, "Adversarial autoencoder").</summary>
    public const string AaeSchedule = "cosine";
    /// <summary>The encoder q(z | x) of aae when <c>--aae-posterior</c> is not given (docs/benchmarks.md, "Adversarial autoencoder", third pass).</summary>
    public const string AaePosterior = "deterministic";
    /// <summary>σ₀ of the aae discriminator's instance noise with the N(0, I) prior when <c>--instance-noise</c> is not given; it falls
    /// linearly to 0 over the run's epochs. With a mixture prior the default is 0: there it raised MMD² to the prior (docs/benchmarks.md,
    /// "Adversarial autoencoder", third pass).</summary>
    public const float AaeInstanceNoise = 2f;
    /// <summary>The aae discriminator's steps per batch with the N(0, I) prior when <c>--discriminator-steps</c> is not given; 1 with a
    /// mixture prior (docs/benchmarks.md, "Adversarial autoencoder", third pass).</summary>
    public const int AaeDiscriminatorSteps = 2;
    /// <summary>γ of the aae discriminator's R1 gradient penalty when <c>--gradient-penalty</c> is not given (docs/benchmarks.md,
    /// "Adversarial autoencoder", fifth pass).</summary>
    public const float AaeGradientPenalty = 0f;
    /// <summary>Default code width of vq-vae (L·D: 8 vectors of width 8).</summary>
    public const int DefaultVqLatent = 64;

    /// <summary><c>--beta</c>.</summary>
    public Option<float?> Beta { get; } = new("--beta")
    { Description = "KL weight beta (Gaussian-latent kinds; default 1, 6 for beta-tcvae where it weights the total correlation; gamma of a capacity schedule, default 100 there)", HelpName = "B" };
    /// <summary><c>--kl-schedule</c>.</summary>
    public Option<string> KlSchedule { get; } = new("--kl-schedule")
    { Description = "How the KL weight moves: none, linear:EPOCHS (warm-up), cyclical:CYCLES[:RATIO] (Fu et al. 2019), capacity:CMAX:EPOCHS (Burgess et al. 2018)", DefaultValueFactory = _ => "none", HelpName = "SCHEDULE" };
    /// <summary><c>--free-bits</c>.</summary>
    public Option<float> FreeBits { get; } = new("--free-bits")
    { Description = "Free bits: minimum KL in nats per latent dimension (Kingma et al. 2016); 0 for none", DefaultValueFactory = _ => 0f, HelpName = "NATS" };
    /// <summary><c>--mmd-weight</c>.</summary>
    public Option<float?> MmdWeight { get; } = new("--mmd-weight")
    { Description = "Weight lambda of the MMD penalty (info-vae default 100, wae-mmd default 10)", HelpName = "X" };
    /// <summary><c>--mmd-kernel</c>.</summary>
    public Option<string> MmdKernel { get; } = CliOptions.Choice("--mmd-kernel", "MMD kernel: imq (inverse multiquadric, several scales) or rbf", "imq", "imq", "rbf");
    /// <summary><c>--codebook</c>.</summary>
    public Option<int> Codebook { get; } = new("--codebook") { Description = "Codebook size K (vq-vae)", DefaultValueFactory = _ => 512, HelpName = "K" };
    /// <summary><c>--code-dim</c>.</summary>
    public Option<int> CodeDim { get; } = new("--code-dim") { Description = "Width D of each code vector (vq-vae); --latent must be a multiple of it", DefaultValueFactory = _ => 8, HelpName = "D" };
    /// <summary><c>--commitment</c>.</summary>
    public Option<float> Commitment { get; } = new("--commitment") { Description = "Commitment loss weight beta (vq-vae)", DefaultValueFactory = _ => 0.25f, HelpName = "B" };
    /// <summary><c>--ema</c>.</summary>
    public Option<float> Ema { get; } = new("--ema") { Description = "Codebook EMA decay in [0,1) (vq-vae); 0 trains the codebook by gradient", DefaultValueFactory = _ => 0f, HelpName = "DECAY" };
    /// <summary><c>--prior</c>.</summary>
    public Option<string> Prior { get; } = new("--prior")
    { Description = "Prior of an aae: normal (N(0, I)) or mixture:K (K Gaussians, means on a circle of radius 2, sd 0.5)", DefaultValueFactory = _ => "normal", HelpName = "PRIOR" };
    /// <summary><c>--discriminator-hidden</c>.</summary>
    public Option<int> DiscriminatorHidden { get; } = new("--discriminator-hidden")
    { Description = "Width of the aae discriminator's two hidden layers", DefaultValueFactory = _ => DefaultDiscriminatorHidden, HelpName = "N" };
    /// <summary><c>--aae-posterior</c>.</summary>
    public Option<string> AaePosteriorOption { get; } = CliOptions.Choice("--aae-posterior",
        "Encoder q(z|x) of an aae (Makhzani et al. 2016): deterministic (z = encoder(x)) or gaussian (mu and log-variance heads, z = mu + sigma*eps, no KL term)",
        AaePosterior, "deterministic", "gaussian");
    /// <summary><c>--instance-noise</c>.</summary>
    public Option<float?> InstanceNoise { get; } = new("--instance-noise")
    { Description = "aae: standard deviation of the Gaussian noise added to the discriminator's inputs (prior samples and codes), falling linearly to 0 over --epochs (Sonderby et al. 2017); 0 for none. Default 2 with --prior normal, 0 with a mixture", HelpName = "SIGMA" };
    /// <summary><c>--discriminator-steps</c>.</summary>
    public Option<int?> DiscriminatorSteps { get; } = new("--discriminator-steps")
    { Description = "aae: discriminator steps per batch before the generator's, each with fresh prior samples (Goodfellow et al. 2014). Default 2 with --prior normal, 1 with a mixture", HelpName = "K" };
    /// <summary><c>--spectral-norm</c>.</summary>
    public Option<bool> SpectralNorm { get; } = CliOptions.Flag("--spectral-norm",
        "aae: spectral normalisation of the discriminator's weights, W / sigma(W) with sigma from one power-iteration step per step (Miyato et al. 2018)");
    /// <summary><c>--gradient-penalty</c>.</summary>
    public Option<float?> GradientPenalty { get; } = new("--gradient-penalty")
    { Description = "aae: gamma of the R1 gradient penalty (gamma/2) E||grad_z D(z')||^2 on the discriminator's logit at prior samples z' (Mescheder et al. 2018); 0 for none", HelpName = "GAMMA" };
    /// <summary><c>--top-latent</c>.</summary>
    public Option<int> TopLatent { get; } = new("--top-latent")
    { Description = "Width k2 of the hvae's top stochastic layer (default --latent / 2)", DefaultValueFactory = _ => 0, HelpName = "N" };
    /// <summary><c>--ladder-hidden</c>.</summary>
    public Option<int> LadderHidden { get; } = new("--ladder-hidden")
    { Description = "Width of the hvae's bottom-up and top-down hidden layers (default: last --hidden width / 2)", DefaultValueFactory = _ => 0, HelpName = "N" };
    /// <summary><c>--labelled</c>.</summary>
    public Option<int?> Labelled { get; } = new("--labelled")
    { Description = "ssvae: training rows that keep their label (balanced over the classes, chosen from --seed); the rest train unlabelled. Default: all", HelpName = "N" };
    /// <summary><c>--alpha</c>.</summary>
    public Option<float> Alpha { get; } = new("--alpha")
    { Description = "ssvae: weight alpha of the classification term alpha x E[-log q(y|x)] over the labelled rows (each labelled row weighs alpha / labelled rows); 0 = 10 x training rows (Kingma et al. 2014 write 0.1 x rows; 10 x was chosen on a validation split)", DefaultValueFactory = _ => 0f, HelpName = "X" };
    /// <summary><c>--no-restarts</c>.</summary>
    public Option<bool> NoRestarts { get; } = CliOptions.Flag("--no-restarts", "Do not restart dead codes (vq-vae)");
}

/// <summary>
/// <c>--kind vae|cvae|ssvae|beta-tcvae|info-vae|wae-mmd|aae|vq-vae|hvae</c>: the architecture options (<c>--hidden</c> default 512,
/// <c>--latent</c> default 20, <c>--activation</c>, <c>--output</c>) and the options of the kind's latent and penalties.
/// </summary>
public sealed class VariationalBinder(string kind, DenseOptions dense, VariationalOptions v, ConvBinder conv) : KindBinder
{
    /// <inheritdoc/>
    public override string Kind => kind;

    /// <summary>Whether the kind takes a convolutional backbone (<c>--channels</c>): every one without class labels.</summary>
    private bool Convolutional => kind is not ("cvae" or "ssvae");

    /// <inheritdoc/>
    public override IReadOnlyList<Option> Options => Convolutional ? [.. KindOptions, conv.Channels, conv.KernelOption, conv.StrideOption] : KindOptions;

    private IReadOnlyList<Option> KindOptions => kind switch
    {
        "vq-vae" => [dense.Hidden, dense.Latent, dense.Activation, dense.Output, v.Codebook, v.CodeDim, v.Commitment, v.Ema, v.NoRestarts],
        "wae-mmd" => [dense.Hidden, dense.Latent, dense.Activation, dense.Output, v.MmdWeight, v.MmdKernel],
        "hvae" => [dense.Hidden, dense.Latent, dense.Activation, dense.Output, v.Beta, v.KlSchedule, v.FreeBits, v.TopLatent, v.LadderHidden],
        "ssvae" => [dense.Hidden, dense.Latent, dense.Activation, dense.Output, v.Labelled, v.Alpha],
        "aae" => [dense.Hidden, dense.Latent, dense.Activation, dense.Output, v.Prior, v.DiscriminatorHidden, v.AaePosteriorOption, v.InstanceNoise, v.DiscriminatorSteps, v.SpectralNorm, v.GradientPenalty],
        "info-vae" => [dense.Hidden, dense.Latent, dense.Activation, dense.Output, v.Beta, v.KlSchedule, v.FreeBits, v.MmdWeight, v.MmdKernel],
        _ => [dense.Hidden, dense.Latent, dense.Activation, dense.Output, v.Beta, v.KlSchedule, v.FreeBits],
    };

    /// <inheritdoc/>
    public override KindSettings Bind(ParseResult r) => new Settings(kind,
        IsGiven(r, dense.Hidden) ? CliOptions.ParseIntList(r.GetValue(dense.Hidden), "--hidden") : null,
        IsGiven(r, dense.Latent) ? r.GetValue(dense.Latent) : null,
        NN.Activations.Parse(r.GetValue(dense.Activation)),
        IsGiven(r, dense.Output) ? Likelihood.Parse(r.GetValue(dense.Output)) : null,
        r.GetValue(v.Beta), r.GetValue(v.KlSchedule) ?? "none", r.GetValue(v.FreeBits), r.GetValue(v.MmdWeight),
        r.GetValue(v.MmdKernel) == "rbf" ? Models.MmdKernel.Rbf : Models.MmdKernel.Imq,
        r.GetValue(v.Codebook), r.GetValue(v.CodeDim), r.GetValue(v.Commitment), r.GetValue(v.Ema), !r.GetValue(v.NoRestarts))
    { Prior = r.GetValue(v.Prior) ?? "normal", DiscriminatorHidden = r.GetValue(v.DiscriminatorHidden), AaePosterior = r.GetValue(v.AaePosteriorOption) ?? VariationalOptions.AaePosterior,
      InstanceNoise = r.GetValue(v.InstanceNoise), DiscriminatorSteps = r.GetValue(v.DiscriminatorSteps), SpectralNorm = kind == "aae" && r.GetValue(v.SpectralNorm), GradientPenalty = r.GetValue(v.GradientPenalty), TopLatent = r.GetValue(v.TopLatent), LadderHidden = r.GetValue(v.LadderHidden),
      Labelled = r.GetValue(v.Labelled), Alpha = r.GetValue(v.Alpha),
      Channels = Convolutional && IsGiven(r, conv.Channels) ? CliOptions.ParseIntList(r.GetValue(conv.Channels), "--channels") : null,
      ConvKernel = Convolutional ? r.GetValue(conv.KernelOption) : 3, Stride = Convolutional ? r.GetValue(conv.StrideOption) : 2,
      KernelOrStrideGiven = Convolutional && (IsGiven(r, conv.KernelOption) || IsGiven(r, conv.StrideOption)) };

    /// <summary>The values of a variational kind.</summary>
    /// <param name="Name">The kind.</param>
    /// <param name="Hidden">--hidden, or null for 512 (500 for ssvae).</param>
    /// <param name="Latent">--latent, or null for 20 (64 for vq-vae, 50 for ssvae).</param>
    /// <param name="Activation">--activation.</param>
    /// <param name="Likelihood">--output, or null for sigmoid-bce (linear-mse for anomaly training).</param>
    /// <param name="Beta">--beta, or null for the kind's default.</param>
    /// <param name="Schedule">--kl-schedule.</param>
    /// <param name="FreeBits">--free-bits.</param>
    /// <param name="MmdWeight">--mmd-weight, or null for the kind's default.</param>
    /// <param name="Kernel">--mmd-kernel.</param>
    /// <param name="Codebook">--codebook.</param>
    /// <param name="CodeDim">--code-dim.</param>
    /// <param name="Commitment">--commitment.</param>
    /// <param name="Ema">--ema.</param>
    /// <param name="Restarts">Not --no-restarts.</param>
    public sealed record Settings(string Name, int[]? Hidden, int? Latent, NN.Activation Activation, Likelihood? Likelihood, float? Beta,
        string Schedule, float FreeBits, float? MmdWeight, MmdKernel Kernel, int Codebook, int CodeDim, float Commitment, float Ema, bool Restarts)
        : KindSettings(Name)
    {
        /// <summary>--prior (aae).</summary>
        public string Prior { get; init; } = "normal";

        /// <summary>--discriminator-hidden (aae).</summary>
        public int DiscriminatorHidden { get; init; } = VariationalOptions.DefaultDiscriminatorHidden;

        /// <summary>--aae-posterior (aae): "deterministic" or "gaussian".</summary>
        public string AaePosterior { get; init; } = VariationalOptions.AaePosterior;

        /// <summary>--instance-noise (aae): σ₀, falling linearly to 0 over the run's epochs; null for the prior's default.</summary>
        public float? InstanceNoise { get; init; }

        /// <summary>--discriminator-steps (aae); null for the prior's default.</summary>
        public int? DiscriminatorSteps { get; init; }

        /// <summary>--spectral-norm (aae): spectrally normalised discriminator weights.</summary>
        public bool SpectralNorm { get; init; }

        /// <summary>--gradient-penalty (aae): γ of the R1 penalty; null for the default (<see cref="VariationalOptions.AaeGradientPenalty"/>).</summary>
        public float? GradientPenalty { get; init; }

        /// <summary>σ₀ of the aae's instance noise: --instance-noise, or <see cref="VariationalOptions.AaeInstanceNoise"/> with the N(0, I) prior and 0 with a mixture.</summary>
        public float AaeInstanceNoise() => InstanceNoise ?? (PriorComponents() == 0 ? VariationalOptions.AaeInstanceNoise : 0f);

        /// <summary>The aae's discriminator steps per batch: --discriminator-steps, or <see cref="VariationalOptions.AaeDiscriminatorSteps"/> with the N(0, I) prior and 1 with a mixture.</summary>
        public int AaeDiscriminatorSteps() => DiscriminatorSteps ?? (PriorComponents() == 0 ? VariationalOptions.AaeDiscriminatorSteps : 1);

        /// <summary>--labelled (ssvae), null for every row.</summary>
        public int? Labelled { get; init; }

        /// <summary>--alpha (ssvae), 0 for the default.</summary>
        public float Alpha { get; init; }

        /// <summary>--channels: a convolutional encoder and decoder (the convolutional VAE), or null for the MLP.</summary>
        public int[]? Channels { get; init; }

        /// <summary>--kernel of the convolutional backbone.</summary>
        public int ConvKernel { get; init; } = 3;

        /// <summary>--stride of the convolutional backbone.</summary>
        public int Stride { get; init; } = 2;

        /// <summary>Whether --kernel or --stride was typed (they need --channels).</summary>
        public bool KernelOrStrideGiven { get; init; }

        /// <summary>The convolutional backbone of --channels on image data, or null.</summary>
        /// <exception cref="ArgumentException">--channels with --hidden or on rows that are not images; --kernel or --stride without --channels.</exception>
        private Models.ConvBackbone? Backbone(KindData data)
        {
            if (Channels is null)
            {
                if (KernelOrStrideGiven) throw new ArgumentException("--kernel and --stride shape the convolutional backbone: add --channels");
                return null;
            }
            if (Hidden != null) throw new ArgumentException("give --hidden (an MLP) or --channels (convolutions), not both");
            int[] shape = data.IsProbe ? [1, 8, 8] : data.SampleShape;
            if (shape.Length != 3)
                throw new ArgumentException($"--channels makes a convolutional {Name}, which needs images (C, H, W) (images:DIR, mnist[:DIR], demo, an image NPY file); these samples are rows of {data.InputDim} features");
            return new Models.ConvBackbone(shape[0], shape[1], shape[2], Channels, ConvKernel, Stride);
        }

        /// <inheritdoc/>
        public override Data.Dataset PrepareTraining(Data.Dataset train, KindData data, ulong seed)
        {
            if (Name != "ssvae" || Labelled is not int n) return train;
            try { return SemiSupervisedData.KeepLabels(train, n, data.Classes, seed); }
            catch (ArgumentException e) { throw new ArgumentException(NameTheOption(Services.CliService.OneLine(e), "labelled", "--labelled"), e); }
        }

        /// <summary>--top-latent (hvae), 0 for the default.</summary>
        public int TopLatent { get; init; }

        /// <summary>--ladder-hidden (hvae), 0 for the default.</summary>
        public int LadderHidden { get; init; }

        /// <summary>Mixture components of --prior: 0 for normal, K for mixture:K.</summary>
        /// <exception cref="ArgumentException">Not normal or mixture:K with an integer K.</exception>
        public int PriorComponents()
        {
            var p = Prior.Trim().ToLowerInvariant();
            if (p == "normal") return 0;
            if (p.StartsWith("mixture:", StringComparison.Ordinal) && int.TryParse(p["mixture:".Length..], System.Globalization.NumberStyles.Integer,
                    System.Globalization.CultureInfo.InvariantCulture, out int k)) return k;
            throw new ArgumentException($"--prior must be normal or mixture:K, got '{Prior}'");
        }

        /// <summary>The learning-rate schedule an aae trains with unless <c>--schedule</c> is given: <see cref="VariationalOptions.AaeSchedule"/>.</summary>
        public override string? DefaultSchedule => Name == "aae" ? VariationalOptions.AaeSchedule : null;

        /// <summary>The epochs an aae trains for unless <c>--epochs</c> is given: <see cref="VariationalOptions.AaeEpochs"/>.</summary>
        public override int? DefaultEpochs => Name == "aae" ? VariationalOptions.AaeEpochs : null;

        /// <inheritdoc/>
        public override Likelihood Output(KindData data) => Likelihood ?? (data.Purpose == TrainingPurpose.Reconstruction ? Models.Likelihood.Bernoulli : Models.Likelihood.Gaussian);

        /// <inheritdoc/>
        protected override ModelConfig Create(KindData data)
        {
            var schedule = KlSchedule.Parse(Schedule, data.Epochs);
            var backbone = Backbone(data);
            int d = backbone?.InputDim ?? data.InputDim;
            var hidden = backbone != null ? [] : Hidden ?? Name switch
            {
                "ssvae" => VariationalOptions.DefaultSsvaeHidden,
                "aae" => VariationalOptions.DefaultAaeHidden,
                _ => VariationalOptions.DefaultHidden,
            };
            var output = Output(data);
            float beta = Beta ?? (Name == "beta-tcvae" ? 6f : schedule.Kind == KlScheduleKind.Capacity ? 100f : 1f);
            return Name switch
            {
                "vq-vae" => new VariationalConfig(d, hidden, Latent ?? VariationalOptions.DefaultVqLatent, Activation, output, LatentKind.VectorQuantized,
                    codebookSize: Codebook, codeDim: CodeDim, commitment: Commitment, emaDecay: Ema, restartDeadCodes: Restarts, convolutional: backbone),
                "ssvae" => Labelled is < 1 ? throw new ArgumentException($"--labelled must be ≥ 1, got {Labelled}")
                    : new VariationalConfig(d, hidden, Latent ?? VariationalOptions.DefaultSsvaeLatent, Activation, output, classes: data.Rows == 0 ? 2
                        : data.Classes >= 2 ? data.Classes : throw new ArgumentException("--kind ssvae needs labelled data with at least two classes (e.g. mnist, or csv:FILE:label=COLUMN)"),
                    semiSupervised: true, datasetSize: data.Rows, classificationWeight: Alpha, labelledRows: Labelled is int l && l <= data.Rows ? l : 0),
                "hvae" => new VariationalConfig(d, hidden, Latent ?? VariationalOptions.DefaultLatent, Activation, output, LatentKind.Ladder, beta: beta,
                    klSchedule: schedule, freeBits: FreeBits, topLatentDim: TopLatent, ladderHidden: LadderHidden, convolutional: backbone),
                "aae" => new VariationalConfig(d, hidden, Latent ?? VariationalOptions.DefaultAaeLatent, Activation, output,
                    AaePosterior.Trim().Equals("gaussian", StringComparison.OrdinalIgnoreCase) ? LatentKind.Gaussian : LatentKind.Deterministic,
                    adversarial: true, priorComponents: PriorComponents(), discriminatorHidden: DiscriminatorHidden, convolutional: backbone,
                    instanceNoise: AaeInstanceNoise(), instanceNoiseEpochs: AaeInstanceNoise() > 0 ? Math.Max(1, data.Epochs) : 0, discriminatorSteps: AaeDiscriminatorSteps(), spectralNorm: SpectralNorm,
                    gradientPenalty: GradientPenalty ?? VariationalOptions.AaeGradientPenalty),
                "wae-mmd" => new VariationalConfig(d, hidden, Latent ?? VariationalOptions.DefaultLatent, Activation, output, LatentKind.Deterministic,
                    mmdWeight: MmdWeight ?? 10f, mmdKernel: Kernel, convolutional: backbone),
                "info-vae" => new VariationalConfig(d, hidden, Latent ?? VariationalOptions.DefaultLatent, Activation, output, beta: beta, klSchedule: schedule,
                    freeBits: FreeBits, mmdWeight: MmdWeight ?? 100f, mmdKernel: Kernel, convolutional: backbone),
                "cvae" => new VariationalConfig(d, hidden, Latent ?? VariationalOptions.DefaultLatent, Activation, output, beta: beta, klSchedule: schedule,
                    freeBits: FreeBits, classes: data.Rows == 0 ? 2 : data.Classes >= 2 ? data.Classes
                        : throw new ArgumentException("--kind cvae needs labelled data with at least two classes (e.g. mnist, or csv:FILE:label=COLUMN)")),
                "beta-tcvae" => new VariationalConfig(d, hidden, Latent ?? VariationalOptions.DefaultLatent, Activation, output, beta: beta, klSchedule: schedule,
                    totalCorrelation: true, datasetSize: data.Rows, convolutional: backbone),
                _ => new VariationalConfig(d, hidden, Latent ?? VariationalOptions.DefaultLatent, Activation, output, beta: beta, klSchedule: schedule, freeBits: FreeBits, convolutional: backbone),
            };
        }

        /// <inheritdoc/>
        protected override string? OptionFor(string parameter) => parameter switch
        {
            "beta" => "--beta",
            "klSchedule" => "--kl-schedule",
            "freeBits" => "--free-bits",
            "mmdWeight" => "--mmd-weight",
            "codebookSize" => "--codebook",
            "codeDim" => "--code-dim",
            "commitment" => "--commitment",
            "emaDecay" => "--ema",
            "totalCorrelation" => "--kl-schedule",
            "priorComponents" => "--prior",
            "discriminatorHidden" => "--discriminator-hidden",
            "instanceNoise" => "--instance-noise",
            "discriminatorSteps" => "--discriminator-steps",
            "spectralNorm" => "--spectral-norm",
            "gradientPenalty" => "--gradient-penalty",
            "topLatentDim" => "--top-latent",
            "ladderHidden" => "--ladder-hidden",
            "classificationWeight" => "--alpha",
            "labelledRows" => "--labelled",
            "channels" => "--channels",
            "kernelSize" => "--kernel",
            "stride" => "--stride",
            _ => DenseArchitecture.OptionFor(parameter),
        };
    }
}
