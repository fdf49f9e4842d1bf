using Bottleneck.Tensors;

namespace Bottleneck.NN;

/// <summary>
/// Batch normalization over the channels of images (Ioffe &amp; Szegedy, 2015), as PyTorch's <c>nn.BatchNorm2d</c>:
/// y = γ_c·(x − μ_c)/√(σ²_c + ε) + β_c with statistics over N, H and W. Shape: (N, C, H, W) → same. State-dict entries as
/// PyTorch: weight, bias, running_mean, running_var, num_batches_tracked.
/// </summary>
public sealed class BatchNorm2d(int numFeatures, float eps = 1e-5f, float momentum = 0.1f, bool affine = true)
    : BatchNorm(numFeatures, eps, momentum, affine)
{
    /// <inheritdoc/>
    /// <exception cref="ShapeException">The input is not (N, C, H, W) with C = numFeatures.</exception>
    public override Tensor Forward(Tensor input)
    {
        if (input.Rank != 4 || input.Dim(1) != NumFeatures)
            throw new ShapeException($"BatchNorm2d: input must be (N, {NumFeatures}, H, W), got {input.ShapeString}");
        return Normalize(input.Reshape(input.Dim(0), NumFeatures, -1)).Reshape(input.ShapeToArray());
    }
}
