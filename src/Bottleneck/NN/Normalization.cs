using Bottleneck.Tensors;

namespace Bottleneck.NN;

/// <summary>
/// The batch normalization layers' common part (Ioffe &amp; Szegedy, 2015): y = γ_c·(x − μ_c)/√(σ²_c + ε) + β_c per channel c,
/// with batch statistics in training and the running ones in evaluation. State-dict entries as PyTorch: weight, bias,
/// running_mean, running_var, num_batches_tracked. <see cref="BatchNorm1d"/> and <see cref="BatchNorm2d"/> differ only in
/// the input shapes they take.
/// </summary>
public abstract class BatchNorm : Module
{
    /// <inheritdoc/>
    public override bool UsesBatchStatistics => true;

    /// <summary>Creates the layer: γ = 1, β = 0, running mean 0, running variance 1.</summary>
    /// <param name="numFeatures">C, the number of channels/features, ≥ 1.</param>
    /// <param name="eps">ε added to the variance (default 1e-5).</param>
    /// <param name="momentum">Running-statistics update rate (default 0.1).</param>
    /// <param name="affine">Learn γ and β (default true).</param>
    /// <exception cref="ArgumentOutOfRangeException">numFeatures &lt; 1, eps ≤ 0 or momentum outside [0, 1].</exception>
    protected BatchNorm(int numFeatures, float eps, float momentum, bool affine)
    {
        if (numFeatures < 1) throw new ArgumentOutOfRangeException(nameof(numFeatures), $"numFeatures must be ≥ 1, got {numFeatures}");
        if (!(eps > 0)) throw new ArgumentOutOfRangeException(nameof(eps), $"eps must be > 0, got {eps}");
        if (!(momentum >= 0 && momentum <= 1)) throw new ArgumentOutOfRangeException(nameof(momentum), $"momentum must be in [0, 1], got {momentum}");
        NumFeatures = numFeatures; Eps = eps; Momentum = momentum;
        using (TensorScope.Untracked())
        {
            if (affine)
            {
                Weight = RegisterParameter("weight", Tensor.Ones(numFeatures));
                Bias = RegisterParameter("bias", Tensor.Zeros(numFeatures));
            }
            RunningMean = RegisterBuffer("running_mean", Tensor.Zeros(numFeatures));
            RunningVar = RegisterBuffer("running_var", Tensor.Ones(numFeatures));
            NumBatchesTracked = RegisterBuffer("num_batches_tracked", Tensor.Zeros());
        }
    }

    /// <summary>C.</summary>
    public int NumFeatures { get; }
    /// <summary>ε.</summary>
    public float Eps { get; }
    /// <summary>Running-statistics update rate.</summary>
    public float Momentum { get; }
    /// <summary>γ (C), or null without affine.</summary>
    public Tensor? Weight { get; }
    /// <summary>β (C), or null without affine.</summary>
    public Tensor? Bias { get; }
    /// <summary>Running mean (C).</summary>
    public Tensor RunningMean { get; }
    /// <summary>Running unbiased variance (C).</summary>
    public Tensor RunningVar { get; }
    /// <summary>Number of training batches seen (a 0-d tensor, kept for PyTorch state-dict compatibility).</summary>
    public Tensor NumBatchesTracked { get; }

    /// <summary>Normalizes (N, C) or (N, C, L) per channel, counting a training batch.</summary>
    protected Tensor Normalize(Tensor input)
    {
        if (Training) NumBatchesTracked.Span[0] += 1;
        return Tensor.BatchNorm(input, Weight, Bias, RunningMean, RunningVar, Training, Momentum, Eps);
    }
}

/// <summary>
/// Batch normalization of features or of channels over a length, as PyTorch's <c>nn.BatchNorm1d</c>. Shape: (N, C) or
/// (N, C, L) → same.
/// </summary>
/// <param name="numFeatures">C, the number of channels/features, ≥ 1.</param>
/// <param name="eps">ε added to the variance (default 1e-5).</param>
/// <param name="momentum">Running-statistics update rate (default 0.1).</param>
/// <param name="affine">Learn γ and β (default true).</param>
/// <exception cref="ArgumentOutOfRangeException">numFeatures &lt; 1, eps ≤ 0 or momentum outside [0, 1].</exception>
public sealed class BatchNorm1d(int numFeatures, float eps = 1e-5f, float momentum = 0.1f, bool affine = true)
    : BatchNorm(numFeatures, eps, momentum, affine)
{
    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Normalize(input);
}

/// <summary>Layer normalization (Ba et al., 2016) over the last dimension. Shape: (…, D) → same; weight, bias (D).</summary>
public sealed class LayerNorm : Module
{
    /// <summary>Creates the layer with weight 1 and bias 0.</summary>
    /// <param name="normalizedShape">D, the size of the last dimension, ≥ 1.</param>
    /// <param name="eps">ε added to the variance (default 1e-5).</param>
    /// <param name="elementwiseAffine">Learn weight and bias (default true).</param>
    /// <exception cref="ArgumentOutOfRangeException">normalizedShape &lt; 1 or eps ≤ 0.</exception>
    public LayerNorm(int normalizedShape, float eps = 1e-5f, bool elementwiseAffine = true)
    {
        if (normalizedShape < 1) throw new ArgumentOutOfRangeException(nameof(normalizedShape), $"normalizedShape must be ≥ 1, got {normalizedShape}");
        if (!(eps > 0)) throw new ArgumentOutOfRangeException(nameof(eps), $"eps must be > 0, got {eps}");
        NormalizedShape = normalizedShape; Eps = eps;
        if (!elementwiseAffine) return;
        using (TensorScope.Untracked())
        {
            Weight = RegisterParameter("weight", Tensor.Ones(normalizedShape));
            Bias = RegisterParameter("bias", Tensor.Zeros(normalizedShape));
        }
    }

    /// <summary>D.</summary>
    public int NormalizedShape { get; }
    /// <summary>ε.</summary>
    public float Eps { get; }
    /// <summary>Weight (D) or null.</summary>
    public Tensor? Weight { get; }
    /// <summary>Bias (D) or null.</summary>
    public Tensor? Bias { get; }

    /// <inheritdoc/>
    /// <exception cref="ShapeException">The last dimension is not D.</exception>
    public override Tensor Forward(Tensor input)
    {
        if (input.Rank < 1 || input.Shape[^1] != NormalizedShape)
            throw new ShapeException($"layer_norm: input {input.ShapeString} must end in {NormalizedShape}");
        return Tensor.LayerNorm(input, NormalizedShape, Weight, Bias, Eps);
    }
}
