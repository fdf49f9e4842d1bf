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

    /// <summary>h for a batch whose mask marks padded steps (<see cref="RowBatch.Mask"/>, 0 on the padding), the padding ignored as
    /// <see cref="AutoencoderModel.Encode(RowBatch)"/> ignores it; without a mask as <see cref="EncodeHidden(Tensor)"/>. Kinds whose
    /// encoder cannot ignore padding keep this default, which refuses a mask.</summary>
    /// <param name="batch">Inputs (N, …) and their mask or none.</param>
    /// <exception cref="NotSupportedException">A mask for a model whose encoder cannot ignore padded steps.</exception>
    Tensor EncodeHidden(RowBatch batch) => (batch ?? throw new ArgumentNullException(nameof(batch))).Mask is null
        ? EncodeHidden(batch.Input)
        : throw new NotSupportedException($"{GetType().Name} cannot ignore padded steps before its Gaussian latent");
}
