using Bottleneck.Tensors;

namespace Bottleneck.Models.Sequence;

// The recurrent and temporal convolutional kinds with `variational` put the core's GaussianLatent between the encoder's code
// projection and the decoder; these members let the variational anomaly scores (negative ELBO, KL, reconstruction probability) reach it.

public sealed partial class SequenceAutoencoder : IGaussianLatentModel
{
    /// <inheritdoc/>
    public GaussianLatent? Gaussian => Latent as GaussianLatent;

    /// <inheritdoc/>
    /// <remarks>Shape: x (N, T, F) → h (N, latentDim); in chunks of <see cref="InferenceChunk"/> samples when autograd is off.</remarks>
    public Tensor EncodeHidden(Tensor x)
    {
        CheckSequence(x);
        return Chunked(x, c => _encoder.Encode(c, null));
    }

    /// <inheritdoc/>
    /// <remarks>Shape: x (N, T, F), mask (N, T, F) → h (N, latentDim): last pooling reads each row's last real step, mean pooling
    /// averages its real steps (as <see cref="Encode(RowBatch)"/>).</remarks>
    public Tensor EncodeHidden(RowBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Mask is not { } mask) return EncodeHidden(batch.Input);
        CheckSequence(batch.Input);
        return _encoder.Encode(batch.Input, mask);
    }
}

public sealed partial class TcnAutoencoder : IGaussianLatentModel
{
    /// <inheritdoc/>
    public GaussianLatent? Gaussian => Latent as GaussianLatent;

    /// <inheritdoc/>
    /// <remarks>Shape: x (N, T, F) → h (N, latentDim).</remarks>
    public Tensor EncodeHidden(Tensor x) => Encoder.Forward(x);

    /// <inheritdoc/>
    /// <remarks>Shape: x (N, T, F), mask (N, T, F) → h (N, latentDim): the causal encoder's mean over time runs over the real steps
    /// (<see cref="IMaskedEncoder"/>).</remarks>
    public Tensor EncodeHidden(RowBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        return batch.Mask is { } mask ? ((IMaskedEncoder)Encoder).Forward(batch.Input, mask) : EncodeHidden(batch.Input);
    }
}
