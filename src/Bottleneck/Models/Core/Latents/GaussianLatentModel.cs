using Bottleneck.Tensors;

namespace Bottleneck.Models;

/// <summary>
/// A model whose code is the core's <see cref="GaussianLatent"/> on an encoder output h: what the variational anomaly scores
/// (negative ELBO, KL, reconstruction probability) need, whatever the kind's encoder and decoder are. The dense VAE family and the
/// recurrent kinds with <c>variational</c> (the LSTM-/GRU-VAE) implement it, so the scorer names no kind.
/// Shapes: x (N, …) the model's input shape → h (N, H), the input of <see cref="Gaussian"/>'s μ and log σ² heads; z (N, latentDim)
/// goes through <see cref="AutoencoderModel.DecodeLogits(Tensor)"/>.
/// </summary>
public interface IGaussianLatentModel
{
    /// <summary>The Gaussian latent layer q(z | x) = N(μ(h), diag σ²(h)), or null when this model's latent is not Gaussian.</summary>
    GaussianLatent? Gaussian { get; }

    /// <summary>h, the encoder output before the latent layer, (N, H), for inputs x (N, …) without a mask.</summary>
    /// <param name="x">Preprocessed inputs in the model's input shape.</param>
    Tensor EncodeHidden(Tensor x);
}
