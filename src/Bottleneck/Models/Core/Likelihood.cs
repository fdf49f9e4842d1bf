using System.Numerics.Tensors;
using System.Text.Json;
using System.Text.Json.Serialization;
using Bottleneck.Data;
using Bottleneck.Losses;
using Bottleneck.NN;
using Bottleneck.Tensors;

namespace Bottleneck.Models;

/// <summary>
/// The decoder's output distribution p(x | z): how the decoder's logits become a reconstruction (the distribution's mean)
/// and which negative log-likelihood scores it. Part of a model's config; saved in config.json by its <see cref="Name"/>
/// (the JSON entry <c>output</c>). A model turns it into a <see cref="LikelihoodHead"/> (<see cref="CreateHead"/>), which holds
/// any parameters the likelihood learns.
/// </summary>
/// <remarks>
/// Loss convention, the same for every likelihood: the reconstruction term is per sample, summed over the features the mask
/// keeps, averaged over the batch (<see cref="Reduction.BatchMean"/>). The instances:
/// <list type="bullet">
/// <item><see cref="Bernoulli"/> (<c>sigmoid-bce</c>): mean σ(l), binary cross-entropy in nats. For data in [0, 1].</item>
/// <item><see cref="Gaussian"/> (<c>linear-mse</c>): mean l, squared error Σ(x − l)² in squared data units; the Gaussian negative
/// log-likelihood with fixed variance σ² = ½ without its constant (D/2)·ln π. For standardized or unbounded data.</item>
/// <item><see cref="BoundedGaussian"/> (<c>tanh-mse</c>): mean tanh(l), squared error. For data in [−1, 1].</item>
/// <item><see cref="GaussianLearnedVariance"/> (<c>gaussian-nll</c>): mean l and a learned log-variance s_j per feature:
/// ½·Σ_j [(x_j − l_j)²·e^(−s_j) + s_j + ln 2π], the full Gaussian negative log-likelihood in nats (Kingma &amp; Welling 2014,
/// appendix C.2, with the variance shared across samples).</item>
/// <item><see cref="MultinomialLikelihood"/> (<c>softmax-multinomial</c>): mean softmax(l) over the sample, −Σ_j x_j·log softmax(l)_j
/// in nats (Liang et al. 2018). For counts and implicit feedback.</item>
/// </list>
/// </remarks>
[JsonConverter(typeof(LikelihoodJsonConverter))]
public abstract record Likelihood
{
    /// <summary>Bernoulli output: sigmoid mean, binary cross-entropy (<c>sigmoid-bce</c>).</summary>
    public static Likelihood Bernoulli { get; } = new BernoulliLikelihood();

    /// <summary>Gaussian output with fixed variance: identity mean, squared error (<c>linear-mse</c>).</summary>
    public static Likelihood Gaussian { get; } = new GaussianLikelihood(false);

    /// <summary>Gaussian output bounded by tanh: mean tanh(l) in (−1, 1), squared error (<c>tanh-mse</c>).</summary>
    public static Likelihood BoundedGaussian { get; } = new TanhGaussianLikelihood();

    /// <summary>Gaussian output with a learned per-feature variance: full negative log-likelihood in nats (<c>gaussian-nll</c>).</summary>
    public static Likelihood GaussianLearnedVariance { get; } = new GaussianLikelihood(true);

    /// <summary>Multinomial output over each sample's values: softmax mean, −Σ x·log softmax(l) in nats (<c>softmax-multinomial</c>,
    /// <see cref="MultinomialLikelihood"/>; Liang et al. 2018).</summary>
    public static Likelihood Multinomial { get; } = new MultinomialLikelihood();

    /// <summary>Every likelihood, in the order the help texts list them.</summary>
    public static IReadOnlyList<Likelihood> All { get; } = [Bernoulli, Gaussian, BoundedGaussian, GaussianLearnedVariance, Multinomial];

    /// <summary>The name saved in config.json and accepted by the CLI's <c>--output</c>.</summary>
    public abstract string Name { get; }

    /// <summary>One line for help texts.</summary>
    public abstract string Description { get; }

    /// <summary>The range of the mean (the reconstruction): (0, 1) for Bernoulli, (−1, 1) for tanh, unbounded otherwise.</summary>
    public abstract (float Min, float Max) MeanRange { get; }

    /// <summary>Whether reconstructions lie in (0, 1), so binary cross-entropy and PSNR of [0, 1] data apply to them.</summary>
    public bool MeanInUnitInterval => MeanRange == (0f, 1f);

    /// <summary>The feature scaling this likelihood expects when the user gives none: min-max to [0, 1] for the bounded
    /// ones, standardization for the unbounded Gaussians.</summary>
    public abstract ScalingKind DefaultScaling { get; }

    /// <summary>The head for samples of shape <paramref name="sampleShape"/> (a module: parameters such as a learned variance live in it).</summary>
    /// <param name="sampleShape">Shape of one sample, e.g. [D] or [C, H, W].</param>
    public abstract LikelihoodHead CreateHead(int[] sampleShape);

    /// <summary>The likelihood called <paramref name="name"/> (case-insensitive), see <see cref="All"/>.</summary>
    /// <exception cref="ArgumentException">Unknown name; the message lists the known ones.</exception>
    public static Likelihood Parse(string? name) =>
        All.FirstOrDefault(l => string.Equals(l.Name, name?.Trim(), StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"unknown output \"{name}\"; use one of {string.Join(", ", All.Select(l => l.Name))}");

    /// <summary>
    /// The likelihood whose mean has the range of <paramref name="activation"/>'s outputs: Bernoulli for sigmoid, bounded Gaussian
    /// for tanh, Gaussian otherwise (used to reconstruct hidden codes, e.g. in greedy layer-wise pretraining).
    /// </summary>
    public static Likelihood Matching(Activation activation) => activation switch
    {
        Activation.Sigmoid => Bernoulli,
        Activation.Tanh => BoundedGaussian,
        _ => Gaussian,
    };

    /// <inheritdoc/>
    public override string ToString() => Name;
}

/// <summary>Bernoulli p(x | z) with mean σ(l) (Kingma &amp; Welling 2014, appendix C.1): binary cross-entropy from the logits.</summary>
public sealed record BernoulliLikelihood : Likelihood
{
    internal BernoulliLikelihood() { }
    /// <inheritdoc/>
    public override string Name => "sigmoid-bce";
    /// <inheritdoc/>
    public override string Description => "sigmoid output, binary cross-entropy (data in [0,1])";
    /// <inheritdoc/>
    public override (float Min, float Max) MeanRange => (0f, 1f);
    /// <inheritdoc/>
    public override ScalingKind DefaultScaling => ScalingKind.MinMax;
    /// <inheritdoc/>
    public override LikelihoodHead CreateHead(int[] sampleShape) => new BernoulliHead(this);
}

/// <summary>Gaussian p(x | z) with mean l: fixed variance (squared error) or a learned per-feature variance (full NLL).</summary>
/// <param name="LearnedVariance">Learn a log-variance per feature (state-dict entry <c>likelihood.log_var</c>).</param>
public sealed record GaussianLikelihood(bool LearnedVariance) : Likelihood
{
    /// <inheritdoc/>
    public override string Name => LearnedVariance ? "gaussian-nll" : "linear-mse";
    /// <inheritdoc/>
    public override string Description => LearnedVariance
        ? "linear output, Gaussian negative log-likelihood with a learned variance per feature (nats)"
        : "linear output, squared error (standardized or unbounded data)";
    /// <inheritdoc/>
    public override (float Min, float Max) MeanRange => (float.NegativeInfinity, float.PositiveInfinity);
    /// <inheritdoc/>
    public override ScalingKind DefaultScaling => ScalingKind.Standardize;
    /// <inheritdoc/>
    public override LikelihoodHead CreateHead(int[] sampleShape) =>
        LearnedVariance ? new LearnedVarianceHead(this, sampleShape) : new GaussianHead(this);
}

/// <summary>Gaussian p(x | z) with mean tanh(l), bounded to (−1, 1); squared error.</summary>
public sealed record TanhGaussianLikelihood : Likelihood
{
    internal TanhGaussianLikelihood() { }
    /// <inheritdoc/>
    public override string Name => "tanh-mse";
    /// <inheritdoc/>
    public override string Description => "tanh output, squared error (data in [-1,1])";
    /// <inheritdoc/>
    public override (float Min, float Max) MeanRange => (-1f, 1f);
    /// <inheritdoc/>
    public override ScalingKind DefaultScaling => ScalingKind.MinMax;
    /// <inheritdoc/>
    public override LikelihoodHead CreateHead(int[] sampleShape) => new TanhHead(this);
}

/// <summary>
/// A likelihood bound to a model: maps decoder logits to the mean in data space, computes the reconstruction loss, and gives
/// per-element errors for scoring. Registered in its model as the module <c>likelihood</c>, so learned parameters (a variance)
/// are saved and trained with the model.
/// </summary>
/// <remarks>Shape legend: N batch size, … the sample shape (D for rows); logits, targets and masks all have shape (N, …).</remarks>
public abstract class LikelihoodHead : Module
{
    /// <summary>Creates the head of <paramref name="likelihood"/>.</summary>
    protected LikelihoodHead(Likelihood likelihood) => Likelihood = likelihood;

    /// <summary>The likelihood this head computes.</summary>
    public Likelihood Likelihood { get; }

    /// <summary>The mean of p(x | z) in data space, differentiable, shape of <paramref name="logits"/>.</summary>
    public abstract Tensor Mean(Tensor logits);

    /// <summary>True when the mean is the logits themselves (identity mean function), so kernels can skip <see cref="Mean(ReadOnlySpan{float}, Span{float})"/>.</summary>
    public virtual bool MeanIsIdentity => false;

    /// <summary>The mean of p(x | z) for raw logits (inference kernel, no autograd); may run in place.</summary>
    /// <param name="logits">Decoder logits.</param>
    /// <param name="mean">Receives the mean, same length.</param>
    public abstract void Mean(ReadOnlySpan<float> logits, Span<float> mean);

    /// <summary>
    /// The reconstruction loss: per sample, summed over the features where <paramref name="mask"/> is 1, averaged over the
    /// batch; 0-d, differentiable. Units: nats for Bernoulli and the learned-variance Gaussian, squared data units otherwise.
    /// </summary>
    /// <param name="logits">Decoder logits (N, …).</param>
    /// <param name="target">Targets x (N, …).</param>
    /// <param name="mask">Weights (usually 0/1) of the target values, or null for every value.</param>
    /// <exception cref="ShapeException">The shapes differ.</exception>
    public abstract Tensor Loss(Tensor logits, Tensor target, Tensor? mask = null);

    /// <summary>
    /// The loss of each element, for scoring (inference kernel, no autograd): the terms that <see cref="Loss"/> sums, so a row's
    /// elements sum to its reconstruction loss. Bernoulli: max(l, 0) − l·x + ln(1 + e^−|l|) (nats); squared-error likelihoods:
    /// (x − mean)²; learned variance: ½·[(x − l)²·e^(−s) + s + ln 2π] (nats).
    /// </summary>
    /// <param name="logits">Decoder logits of whole samples, row-major.</param>
    /// <param name="target">Targets x, same length.</param>
    /// <param name="loss">Receives the per-element loss, same length.</param>
    public abstract void ElementLoss(ReadOnlySpan<float> logits, ReadOnlySpan<float> target, Span<float> loss);

    /// <summary>Forwards logits to the mean (so a head can sit in a <see cref="Sequential"/>).</summary>
    public override Tensor Forward(Tensor input) => Mean(input);
}

internal sealed class BernoulliHead(Likelihood likelihood) : LikelihoodHead(likelihood)
{
    public override Tensor Mean(Tensor logits) => logits.Sigmoid();

    public override void Mean(ReadOnlySpan<float> logits, Span<float> mean) => TensorPrimitives.Sigmoid(logits, mean);

    // max(l, 0) − l·x + log1p(e^(−|l|)), vectorized (the scalar loop was most of the time of BCE scoring)
    public override void ElementLoss(ReadOnlySpan<float> logits, ReadOnlySpan<float> target, Span<float> loss) =>
        Kernels.VectorMath.BceWithLogits(logits, target[..logits.Length], loss[..logits.Length]);

    public override Tensor Loss(Tensor logits, Tensor target, Tensor? mask = null) => mask is null
        ? Losses.Loss.BceWithLogits(logits, target, Reduction.BatchMean)
        : Masked(Losses.Loss.BceWithLogits(logits, Observed(target, mask, logits), Reduction.None), mask, logits);

    /// <summary>
    /// The target with its masked values (mask 0) replaced by 0, so that a missing value (even NaN) reaches neither the loss nor
    /// its gradient; the mask is checked against the logits' shape.
    /// </summary>
    /// <exception cref="ShapeException">The mask's shape differs from the logits'.</exception>
    internal static Tensor Observed(Tensor target, Tensor mask, Tensor logits)
    {
        if (!ShapeUtil.SameShape(logits.ShapeArray, mask.ShapeArray))
            throw new ShapeException($"reconstruction loss: logits {logits.ShapeString} and mask {mask.ShapeString} differ");
        return Tensor.Where(mask, target.Detach(), Tensor.Zeros(1));
    }

    /// <summary>Σ (ℓ ⊙ m) / N.</summary>
    internal static Tensor Masked(Tensor elementLoss, Tensor mask, Tensor logits) =>
        (elementLoss * mask).Sum() * (1f / Math.Max(1, logits.Rank == 0 ? 1 : logits.Dim(0)));
}

internal sealed class GaussianHead(Likelihood likelihood) : LikelihoodHead(likelihood)
{
    public override bool MeanIsIdentity => true;

    public override Tensor Mean(Tensor logits) => logits;

    public override void Mean(ReadOnlySpan<float> logits, Span<float> mean)
    {
        if (!logits.Overlaps(mean)) logits.CopyTo(mean);
    }

    public override Tensor Loss(Tensor logits, Tensor target, Tensor? mask = null) => mask is null
        ? Losses.Loss.Mse(logits, target, Reduction.BatchMean)
        : Losses.Loss.MaskedMse(logits, target, mask, Reduction.BatchMean);

    public override void ElementLoss(ReadOnlySpan<float> logits, ReadOnlySpan<float> target, Span<float> loss)
    {
        TensorPrimitives.Subtract(target, logits, loss);
        TensorPrimitives.Multiply(loss, loss, loss);
    }
}

internal sealed class TanhHead(Likelihood likelihood) : LikelihoodHead(likelihood)
{
    public override Tensor Mean(Tensor logits) => logits.Tanh();

    public override void Mean(ReadOnlySpan<float> logits, Span<float> mean) => TensorPrimitives.Tanh(logits, mean);

    public override Tensor Loss(Tensor logits, Tensor target, Tensor? mask = null) => mask is null
        ? Losses.Loss.Mse(logits.Tanh(), target, Reduction.BatchMean)
        : Losses.Loss.MaskedMse(logits.Tanh(), target, mask, Reduction.BatchMean);

    public override void ElementLoss(ReadOnlySpan<float> logits, ReadOnlySpan<float> target, Span<float> loss)
    {
        TensorPrimitives.Tanh(logits, loss);
        TensorPrimitives.Subtract(target, loss, loss);
        TensorPrimitives.Multiply(loss, loss, loss);
    }
}

/// <summary>Gaussian with a learned log-variance s per feature (parameter <c>log_var</c>, shape of one sample, initialised to 0).</summary>
internal sealed class LearnedVarianceHead : LikelihoodHead
{
    private static readonly float HalfLog2Pi = 0.5f * MathF.Log(2 * MathF.PI);

    public LearnedVarianceHead(Likelihood likelihood, int[] sampleShape) : base(likelihood)
    {
        using (TensorScope.Untracked())
            LogVariance = RegisterParameter("log_var", Tensor.Zeros(sampleShape));
    }

    /// <summary>s, the log-variance per feature, shape of one sample.</summary>
    public Tensor LogVariance { get; }

    public override bool MeanIsIdentity => true;

    public override Tensor Mean(Tensor logits) => logits;

    public override void Mean(ReadOnlySpan<float> logits, Span<float> mean)
    {
        if (!logits.Overlaps(mean)) logits.CopyTo(mean);
    }

    public override Tensor Loss(Tensor logits, Tensor target, Tensor? mask = null)
    {
        if (!ShapeUtil.SameShape(logits.ShapeArray, target.ShapeArray))
            throw new ShapeException($"gaussian-nll: logits {logits.ShapeString} and target {target.ShapeString} differ");
        // ½(x − μ)²·e^(−s) + ½s + ½ln 2π per element; s broadcasts over the batch.
        if (mask != null) target = BernoulliHead.Observed(target, mask, logits);
        var d = target - logits;
        var element = d * d * (-LogVariance).Exp() * 0.5f + LogVariance * 0.5f + HalfLog2Pi;
        int n = Math.Max(1, logits.Rank == 0 ? 1 : logits.Dim(0));
        return mask is null ? element.Sum() * (1f / n) : BernoulliHead.Masked(element, mask, logits);
    }

    public override void ElementLoss(ReadOnlySpan<float> logits, ReadOnlySpan<float> target, Span<float> loss)
    {
        var s = LogVariance.Span;
        int d = s.Length;
        for (int j = 0; j < logits.Length; j++)
        {
            float diff = target[j] - logits[j], sj = s[j % d];
            loss[j] = 0.5f * (diff * diff * MathF.Exp(-sj) + sj) + HalfLog2Pi;
        }
    }
}

/// <summary>Reads and writes a <see cref="Likelihood"/> as its name (<c>"sigmoid-bce"</c>, …).</summary>
internal sealed class LikelihoodJsonConverter : JsonConverter<Likelihood>
{
    public override Likelihood Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String) throw new JsonException($"output must be a name such as \"sigmoid-bce\", got {reader.TokenType}");
        try { return Likelihood.Parse(reader.GetString()); }
        catch (ArgumentException e) { throw new JsonException(e.Message, e); }
    }

    public override void Write(Utf8JsonWriter writer, Likelihood value, JsonSerializerOptions options) => writer.WriteStringValue(value.Name);
}
