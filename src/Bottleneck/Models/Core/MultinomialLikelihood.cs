using Bottleneck.Data;
using Bottleneck.Tensors;

namespace Bottleneck.Models;

/// <summary>
/// Multinomial p(x | z) over the D values of a sample (Liang et al., "Variational autoencoders for collaborative filtering",
/// WWW 2018, eq. 2): π = softmax(l) is the probability of each of the D items (the mean, up to the sample's total count), and
/// log p(x | z) = Σ_j x_j·log π_j + const. The reconstruction term is −Σ_j m_j·x_j·log softmax(l)_j per sample (the
/// multinomial coefficient dropped), averaged over the batch, in nats. For counts or click/rating indicators (implicit feedback);
/// a sample of all zeros contributes 0.
/// </summary>
/// <remarks>
/// Saved as <c>softmax-multinomial</c>. The mean is the probability vector π (it sums to 1 over the sample), which is what a
/// recommender ranks items by. Shape legend: N batch size, D the values of one sample (the item catalogue for rating rows).
/// </remarks>
public sealed record MultinomialLikelihood : Likelihood
{
    internal MultinomialLikelihood() { }
    /// <inheritdoc/>
    public override string Name => "softmax-multinomial";
    /// <inheritdoc/>
    public override string Description => "softmax output, multinomial log-likelihood -sum x log softmax(l) (counts or implicit feedback)";
    /// <inheritdoc/>
    public override (float Min, float Max) MeanRange => (0f, 1f);
    /// <inheritdoc/>
    public override ScalingKind DefaultScaling => ScalingKind.None;
    /// <inheritdoc/>
    public override LikelihoodHead CreateHead(int[] sampleShape) => new MultinomialHead(this, sampleShape);
}

/// <summary>The head of <see cref="MultinomialLikelihood"/>: softmax over each sample's values (flattened), multinomial loss.</summary>
internal sealed class MultinomialHead : LikelihoodHead
{
    private readonly int _width;

    public MultinomialHead(Likelihood likelihood, int[] sampleShape) : base(likelihood)
    {
        ArgumentNullException.ThrowIfNull(sampleShape);
        _width = sampleShape.Aggregate(1, (a, b) => a * b);
    }

    /// <summary>(N, …) logits as (N, D) rows.</summary>
    private Tensor Rows(Tensor logits)
    {
        if (logits.Length % _width != 0)
            throw new ShapeException($"softmax-multinomial: logits {logits.ShapeString} do not hold whole samples of {_width} values");
        return logits.Reshape(logits.Length / _width, _width);
    }

    public override Tensor Mean(Tensor logits) => Rows(logits).Softmax(1).Reshape(logits.ShapeToArray());

    public override void Mean(ReadOnlySpan<float> logits, Span<float> mean)
    {
        for (int start = 0; start + _width <= logits.Length; start += _width)
            System.Numerics.Tensors.TensorPrimitives.SoftMax(logits.Slice(start, _width), mean.Slice(start, _width));
    }

    public override Tensor Loss(Tensor logits, Tensor target, Tensor? mask = null)
    {
        if (!ShapeUtil.SameShape(logits.ShapeArray, target.ShapeArray))
            throw new ShapeException($"softmax-multinomial: logits {logits.ShapeString} and target {target.ShapeString} differ");
        var x = mask is null ? target.Detach() : BernoulliHead.Observed(target, mask, logits);
        var element = Rows(logits).LogSoftmax(1) * Rows(x);
        if (mask != null) element *= Rows(mask);
        int n = Math.Max(1, logits.Rank == 0 ? 1 : logits.Dim(0));
        return element.Sum() * (-1f / n);
    }

    public override void ElementLoss(ReadOnlySpan<float> logits, ReadOnlySpan<float> target, Span<float> loss)
    {
        for (int start = 0; start + _width <= logits.Length; start += _width)
        {
            var l = logits.Slice(start, _width);
            float max = System.Numerics.Tensors.TensorPrimitives.Max(l);
            double sum = 0;
            foreach (float v in l) sum += Math.Exp(v - max);
            float logZ = max + (float)Math.Log(sum);
            for (int j = 0; j < _width; j++) loss[start + j] = -target[start + j] * (l[j] - logZ);
        }
    }
}
