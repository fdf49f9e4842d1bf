using Bottleneck.Tensors;

namespace Bottleneck.NN;

/// <summary>
/// Batch normalization over the channels of images (Ioffe &amp; Szegedy, 2015), as PyTorch's <c>nn.BatchNorm2d</c>:
/// y = γ_c·(x − μ_c)/√(σ²_c + ε) + β_c with statistics over N, H and W. Shape: (N, C, H, W) → same. State-dict entries as
/// PyTorch: weight, bias, running_mean, running_var, num_batches_tracked.
/// </summary>
public sealed class BatchNorm2d : Module
{
    /// <inheritdoc/>
    public override bool UsesBatchStatistics => true;

    /// <summary>Creates the layer: γ = 1, β = 0, running mean 0, running variance 1.</summary>
    /// <param name="numFeatures">C ≥ 1.</param>
    /// <param name="eps">ε added to the variance (default 1e-5).</param>
    /// <param name="momentum">Running-statistics update rate (default 0.1).</param>
    /// <param name="affine">Learn γ and β (default true).</param>
    /// <exception cref="ArgumentOutOfRangeException">numFeatures &lt; 1, eps ≤ 0 or momentum outside [0, 1].</exception>
    public BatchNorm2d(int numFeatures, float eps = 1e-5f, float momentum = 0.1f, bool affine = true)
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
    /// <summary>Number of training batches seen (0-d, for PyTorch state-dict compatibility).</summary>
    public Tensor NumBatchesTracked { get; }

    /// <inheritdoc/>
    /// <exception cref="ShapeException">The input is not (N, C, H, W) with C = numFeatures.</exception>
    public override Tensor Forward(Tensor input)
    {
        if (input.Rank != 4 || input.Dim(1) != NumFeatures)
            throw new ShapeException($"BatchNorm2d: input must be (N, {NumFeatures}, H, W), got {input.ShapeString}");
        if (Training) NumBatchesTracked.Span[0] += 1;
        var y = Tensor.BatchNorm(input.Reshape(input.Dim(0), NumFeatures, -1), Weight, Bias, RunningMean, RunningVar, Training, Momentum, Eps);
        return y.Reshape(input.ShapeToArray());
    }
}
