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
}

public sealed partial class TcnAutoencoder : IGaussianLatentModel
{
    /// <inheritdoc/>
    public GaussianLatent? Gaussian => Latent as GaussianLatent;

    /// <inheritdoc/>
    /// <remarks>Shape: x (N, T, F) → h (N, latentDim).</remarks>
    public Tensor EncodeHidden(Tensor x) => Encoder.Forward(x);
}
