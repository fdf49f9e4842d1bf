namespace Bottleneck.Losses;

/// <summary>
/// How a loss turns its per-element (or per-sample) values ℓᵢ into the returned tensor.
/// </summary>
/// <remarks>
/// N is the batch size, the size of dimension 0 of the input (1 for a 0-d input).
/// For an autoencoder's reconstruction loss, <see cref="BatchMean"/> is the usual convention
/// ("summed over features, averaged over the batch"), which keeps the reconstruction term on the same
/// per-sample scale as <see cref="Loss.KlDivergenceStandardNormal"/> in a VAE's ELBO.
/// </remarks>
public enum Reduction
{
    /// <summary>Σᵢ ℓᵢ / (number of elements): a 0-d tensor.</summary>
    Mean,

    /// <summary>Σᵢ ℓᵢ: a 0-d tensor.</summary>
    Sum,

    /// <summary>No reduction: the per-element (or per-sample, where the loss says so) values.</summary>
    None,

    /// <summary>Σᵢ ℓᵢ / N with N = dimension 0 (PyTorch's KLDivLoss 'batchmean'): a 0-d tensor.</summary>
    BatchMean,
}
