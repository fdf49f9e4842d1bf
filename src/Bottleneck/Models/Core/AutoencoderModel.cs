using Bottleneck.NN;
using Bottleneck.Tensors;

namespace Bottleneck.Models;

/// <summary>
/// Parameters trained by one optimizer with its own schedule. A model has one group ("model", every parameter) unless it
/// needs several, e.g. an adversarial autoencoder's discriminator.
/// </summary>
/// <param name="Name">Group name, used in checkpoints and messages (kebab-case).</param>
/// <param name="Parameters">The group's parameters, in a stable order; no parameter belongs to two groups, except that a group with
/// <paramref name="SharesParameters"/> holds parameters of another group.</param>
/// <param name="LearningRateScale">Factor applied to the run's learning rate for this group (default 1).</param>
/// <param name="SharesParameters">The group is a second optimizer (its own state and learning rate) over parameters another group
/// owns, stepped in a phase of its own: e.g. an adversarial autoencoder's encoder in the generator phase (default false).</param>
/// <param name="Beta1">β₁ of this group's Adam or AdamW in [0, 1), e.g. 0.5 for adversarial phases (Radford et al. 2016); null (default) =
/// the optimizer's 0.9.</param>
public sealed record ParameterGroup(string Name, IReadOnlyList<Tensor> Parameters, float LearningRateScale = 1f, bool SharesParameters = false, float? Beta1 = null)
{
    /// <summary>The name of the single group of a model that has one.</summary>
    public const string Default = "model";
}

/// <summary>One phase of a training step: a name (for messages) and the parameter groups whose optimizers it steps.</summary>
/// <param name="Name">Phase name, kebab-case (e.g. "reconstruction", "discriminator").</param>
/// <param name="Groups">Names of the parameter groups stepped in this phase; null = every group.</param>
public sealed record TrainingPhase(string Name, IReadOnlyList<string>? Groups)
{
    /// <summary>The single phase of a model that does not alternate: every group is stepped.</summary>
    public static TrainingPhase All { get; } = new("step", null);
}

/// <summary>
/// An inference-only forward pass that calls kernels directly (no autograd, no tensors), written by a kind for scoring
/// throughput. It must give the same logits as <see cref="AutoencoderModel.ReconstructLogits"/>(x) (DecodeLogits(Encode(x)), plus x for
/// a model with a skip connection) in eval mode, up to float rounding. It may keep the weights in a prepared form (e.g. packed for the GEMM micro-kernel):
/// that is a snapshot taken when it is created, so after the weights change call <see cref="Refresh"/> (or create a new one).
/// Not thread-safe.
/// </summary>
public interface IFastInference
{
    /// <summary>Rows per call the path works best with (larger calls are fine).</summary>
    int BlockRows { get; }

    /// <summary>Decoder logits for <paramref name="n"/> samples of <paramref name="x"/> (row-major, n × D) into <paramref name="logits"/> (n × D).</summary>
    /// <exception cref="ArgumentException">A span is shorter than n rows.</exception>
    void Logits(ReadOnlySpan<float> x, int n, Span<float> logits);

    /// <summary>Codes for <paramref name="n"/> samples of <paramref name="x"/> (n × D) into <paramref name="codes"/> (n × latentDim): the same
    /// values as <see cref="AutoencoderModel.Encode(Tensor)"/> in eval mode, up to float rounding.</summary>
    /// <exception cref="ArgumentException">A span is shorter than n rows.</exception>
    void Codes(ReadOnlySpan<float> x, int n, Span<float> codes);

    /// <summary>Re-reads the model's weights into the path's prepared form (after training or loading weights); allocates nothing.</summary>
    void Refresh();
}

/// <summary>
/// The base of every model kind and the step contract: a kind turns a typed <see cref="Batch"/> and a <see cref="StepContext"/>
/// into an <see cref="AutoencoderOutput"/> with named loss terms (<see cref="Step"/>). The trainer only sums, logs and steps;
/// evaluation, scoring, model files and the CLI only see this type.
/// </summary>
/// <remarks>Shape legend: N batch size, … the sample shape <see cref="InputShape"/> (D for rows), latentDim the code width.</remarks>
public abstract class AutoencoderModel : Module
{
    /// <summary>Creates the base for <paramref name="config"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="config"/> is null.</exception>
    protected AutoencoderModel(ModelConfig config) => Config = config ?? throw new ArgumentNullException(nameof(config));

    /// <summary>The validated configuration this model was built from.</summary>
    public ModelConfig Config { get; }

    /// <summary>The shape of one input sample (see <see cref="ModelConfig.InputShape"/>).</summary>
    public int[] InputShape => Config.InputShape;

    /// <summary>D, the number of values in one input sample.</summary>
    public int InputDim => Config.InputDim;

    /// <summary>The code width.</summary>
    public int LatentDim => Config.LatentDim;

    /// <summary>The decoder's output distribution.</summary>
    public Likelihood Likelihood => Config.Likelihood;

    /// <summary>The likelihood bound to this model (mean function, loss, learned parameters).</summary>
    public abstract LikelihoodHead LikelihoodHead { get; }

    /// <summary>Maps inputs (N, …) to codes (N, latentDim); deterministic (a stochastic latent gives its mean).</summary>
    /// <exception cref="ShapeException">The input does not have the sample shape.</exception>
    public abstract Tensor Encode(Tensor x);

    /// <summary>Maps codes (N, latentDim) to decoder logits (N, …), before the likelihood's mean function.</summary>
    public abstract Tensor DecodeLogits(Tensor z);

    /// <summary>Maps codes (N, latentDim) to reconstructions (N, …) in data space: the mean of p(x | z).</summary>
    public Tensor Decode(Tensor z) => LikelihoodHead.Mean(DecodeLogits(z));

    /// <summary>x̂ = mean of p(x | <see cref="ReconstructLogits"/>(x)) = Decode(Encode(x)) for most kinds, shape (N, …).</summary>
    public Tensor Reconstruct(Tensor x) => LikelihoodHead.Mean(ReconstructLogits(x));

    /// <summary>The decoder logits of the reconstruction of <paramref name="x"/>: DecodeLogits(Encode(x)); a model with a skip
    /// connection from its input to its output (a residual denoiser, <see cref="AutoencoderParts.Residual"/>) adds x. Shape (N, …) → (N, …).</summary>
    /// <param name="x">Inputs (N, …) with the sample shape.</param>
    /// <exception cref="ShapeException">The input does not have the sample shape.</exception>
    public virtual Tensor ReconstructLogits(Tensor x) => DecodeLogits(Encode(x));

    /// <summary>
    /// One step: the forward pass with every loss term, for training (corruption applied, noise drawn from
    /// <see cref="StepContext.Noise"/>) or evaluation. The trainer calls it once per batch and back-propagates
    /// <see cref="AutoencoderOutput.Loss"/>.
    /// </summary>
    /// <param name="batch">The batch; each kind accepts the batch type of its data.</param>
    /// <param name="context">Epoch, step, noise and whether the step trains.</param>
    /// <exception cref="ArgumentException">The batch is of a type this kind does not take.</exception>
    /// <exception cref="ShapeException">The batch does not have the model's sample shape.</exception>
    public abstract AutoencoderOutput Step(Batch batch, StepContext context);

    /// <summary>
    /// The loss of one batch of inputs in the model's current mode, without corruption or training noise:
    /// <see cref="Step"/>(new RowBatch(input, target), <see cref="StepContext.Evaluation"/>).
    /// </summary>
    /// <param name="input">What the encoder sees (N, …).</param>
    /// <param name="target">What the reconstruction is scored against; null (default) = the input.</param>
    /// <exception cref="ShapeException">The input does not have the sample shape.</exception>
    public AutoencoderOutput Compute(Tensor input, Tensor? target = null) => Step(new RowBatch(input, target), StepContext.Evaluation);

    /// <summary>The loss of one batch in the model's current mode, without corruption or training noise:
    /// <see cref="Step"/>(<paramref name="batch"/>, <see cref="StepContext.Evaluation"/>).</summary>
    /// <param name="batch">The batch (with labels for a conditional model).</param>
    public AutoencoderOutput Compute(RowBatch batch) => Step(batch, StepContext.Evaluation);

    /// <summary>The number of classes a conditional model's batches carry labels of (<see cref="RowBatch.Labels"/>, 0..C−1), e.g. a
    /// conditional VAE; 0 (default) for a model that takes no labels.</summary>
    public virtual int ConditionClasses => 0;

    /// <summary>Whether the model's batches must carry class labels: <see cref="ConditionClasses"/> &gt; 0.</summary>
    public bool ConditionsOnLabels => ConditionClasses > 0;

    /// <summary>Whether a conditional model also takes samples without a label (null labels, or −1 for a sample): a semi-supervised
    /// model infers the missing ones. False (default): every sample of a conditional model needs its label.</summary>
    public virtual bool LabelsOptional => false;

    /// <summary>The codes of a batch (N, latentDim); a conditional model reads the batch's labels. Default <see cref="Encode(Tensor)"/> of the input.</summary>
    /// <param name="batch">The batch.</param>
    public virtual Tensor Encode(RowBatch batch) => Encode((batch ?? throw new ArgumentNullException(nameof(batch))).Input);

    /// <summary>The reconstructions of a batch (N, …); a conditional model reads the batch's labels. Default <see cref="Reconstruct(Tensor)"/>.</summary>
    /// <param name="batch">The batch.</param>
    public virtual Tensor Reconstruct(RowBatch batch) => Reconstruct((batch ?? throw new ArgumentNullException(nameof(batch))).Input);

    /// <summary>The parameter groups, one optimizer each (default: one group with every parameter).</summary>
    public virtual IReadOnlyList<ParameterGroup> ParameterGroups() => [new ParameterGroup(ParameterGroup.Default, Parameters())];

    /// <summary>
    /// The phases of one training step, each a forward pass (<see cref="StepPhase"/>), a backward pass and a step of the
    /// optimizers of its parameter groups, in order: one phase stepping every group (<see cref="TrainingPhase.All"/>) unless the
    /// model alternates, e.g. an adversarial autoencoder's reconstruction, discriminator and generator phases.
    /// </summary>
    public virtual IReadOnlyList<TrainingPhase> TrainingPhases => [TrainingPhase.All];

    /// <summary>The forward pass of one training phase (default: <see cref="Step"/>).</summary>
    /// <param name="batch">The batch.</param>
    /// <param name="context">The step.</param>
    /// <param name="phase">One of <see cref="TrainingPhases"/>.</param>
    public virtual AutoencoderOutput StepPhase(Batch batch, StepContext context, TrainingPhase phase) => Step(batch, context);

    /// <summary>
    /// Called by the trainer after every optimizer step, for updates that are not gradient steps (e.g. an exponential moving
    /// average of a codebook). The default does nothing.
    /// </summary>
    /// <param name="context">The step just taken.</param>
    public virtual void AfterStep(StepContext context) { }

    /// <summary>The input corruption the model applies in training steps (a denoising model), or null.</summary>
    public virtual Corruption? InputCorruption => null;

    /// <summary>The kind's kernel-level inference path for scoring and encoding, with the current weights, or null when it has none
    /// (callers then use tensors).</summary>
    public virtual IFastInference? CreateFastInference() => null;

    /// <summary>
    /// Whether the model ignores padded time steps, so that it can train on and score padded (variable-length) sequences
    /// (<see cref="Data.Dataset.StepCounts"/>): the batch mask is 0 on the padding and the model's output at the real steps, its loss and
    /// its code do not depend on what the padding holds. Default false; kinds that honour the mask in their encoder override it.
    /// </summary>
    public virtual bool IgnoresPadding => false;

    /// <summary>What <c>bottleneck info</c> shows about the trained model beyond its config (e.g. PCA's explained variance).</summary>
    public virtual IEnumerable<(string Name, string Value)> Summary() => [];

    /// <summary>Checks that <paramref name="x"/> is (N, …) with the sample shape <see cref="InputShape"/>.</summary>
    /// <exception cref="ShapeException">It is not; the message gives both shapes.</exception>
    public void CheckInput(Tensor x)
    {
        var shape = InputShape;
        bool ok = x.Rank == shape.Length + 1;
        for (int i = 0; ok && i < shape.Length; i++) ok = x.Dim(i + 1) == shape[i];
        if (ok) return;
        if (shape.Length == 1)
            throw new ShapeException($"input {x.ShapeString} has {(x.Rank == 2 ? x.Dim(1) : x.Length)} features, the model expects {InputDim} (shape (N, {InputDim}))");
        throw new ShapeException($"input {x.ShapeString} does not have the model's sample shape (N, {string.Join(", ", shape)}) of {InputDim} values");
    }
}
