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
    /// <param name="hidden">Encoder hidden widths, outermost first (each ≥ 1; may be empty); the decoder mirrors them.</param>
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
    /// <exception cref="ArgumentOutOfRangeException">A value outside its range; the message names it.</exception>
    /// <exception cref="ArgumentException">Options that do not fit the latent layer (e.g. a KL schedule on a deterministic latent).</exception>
    public VariationalConfig(int inputDim, int[] hidden, int latentDim, Activation hiddenActivation = Activation.Relu, Likelihood? output = null,
        LatentKind latent = LatentKind.Gaussian, float beta = 1f, KlSchedule? klSchedule = null, float freeBits = 0f, int classes = 0,
        bool totalCorrelation = false, int datasetSize = 0, float mmdWeight = 0f, MmdKernel mmdKernel = MmdKernel.Imq,
        int codebookSize = 512, int codeDim = 8, float commitment = 0.25f, float emaDecay = 0f, bool restartDeadCodes = true) : base("vae")
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
        bool gaussian = latent == LatentKind.Gaussian;
        if (!gaussian && (KlSchedule.Kind != KlScheduleKind.None || freeBits > 0 || totalCorrelation || beta != 1f))
            throw new ArgumentException($"beta, the KL schedule, free bits and the total-correlation split apply to a Gaussian latent, not a {latent.ToString().ToLowerInvariant()} one", nameof(klSchedule));
        if (latent == LatentKind.VectorQuantized && latentDim % codeDim != 0)
            throw new ArgumentOutOfRangeException(nameof(codeDim), codeDim, $"codeDim must divide latentDim {latentDim} (the code is latentDim/codeDim vectors), got {codeDim}");
        if (latent == LatentKind.VectorQuantized && mmdWeight > 0)
            throw new ArgumentException("an MMD penalty does not apply to a vector-quantized latent", nameof(mmdWeight));
        if (latent == LatentKind.Deterministic && mmdWeight == 0)
            throw new ArgumentException("a deterministic latent needs an MMD penalty (mmdWeight > 0) to match the prior", nameof(mmdWeight));
        if (totalCorrelation && (freeBits > 0 || KlSchedule.Kind == KlScheduleKind.Capacity))
            throw new ArgumentException("free bits and the capacity schedule do not combine with the total-correlation split", nameof(totalCorrelation));
    }

    /// <inheritdoc/>
    public override int InputDim { get; }
    /// <summary>Encoder hidden widths, outermost first.</summary>
    public int[] Hidden { get; }
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

    /// <summary>Whether samples can be drawn from the prior N(0, I) and decoded (not for VQ-VAE, whose prior is not learned here).</summary>
    [JsonIgnore] public bool CanSample => Latent != LatentKind.VectorQuantized;

    /// <summary>The KL weighting of a Gaussian latent.</summary>
    [JsonIgnore] public KlWeighting KlWeighting => new(Beta, KlSchedule, FreeBits, TotalCorrelation, DatasetSize);

    /// <inheritdoc/>
    public override string Describe()
    {
        int[] enc = [InputDim, .. Hidden];
        var extras = new List<string> { HiddenActivation.Name(), Output.Name };
        if (Classes > 0) extras.Add($"{Classes} classes");
        switch (Latent)
        {
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
        string code = Latent switch { LatentKind.Gaussian => $"({LatentDim})", LatentKind.VectorQuantized => $"[{LatentDim / CodeDim}×{CodeDim}]", _ => $"{LatentDim}" };
        return $"{Kind} {string.Join("-", enc)}-{code}-{string.Join("-", enc.Reverse())}, {string.Join(", ", extras)}";
    }

    /// <inheritdoc/>
    public override IEnumerable<(string Name, string Value)> Summary()
    {
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        yield return ("input", InputDim.ToString(inv));
        yield return ("hidden", Hidden.Length == 0 ? "(none)" : string.Join(",", Hidden));
        yield return ("latent", $"{LatentDim} ({Latent.ToString().ToLowerInvariant()})");
        yield return ("activation", HiddenActivation.Name());
        yield return ("output", Output.Name);
        if (Latent == LatentKind.Gaussian)
        {
            yield return ("beta", Num(Beta));
            yield return ("KL schedule", KlSchedule.Describe());
            yield return ("free bits", Num(FreeBits));
            if (TotalCorrelation) yield return ("objective", "MI + β·TC + dim-KL (β-TCVAE)");
        }
        if (Classes > 0) yield return ("classes", Classes.ToString(inv));
        if (MmdWeight > 0) yield return ("MMD", $"{MmdKernel.ToString().ToLowerInvariant()}, λ {Num(MmdWeight)}");
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
                       $"CodeDim = {CodeDim}, Commitment = {Commitment}, EmaDecay = {EmaDecay}, RestartDeadCodes = {RestartDeadCodes}");
        return true;
    }
}
