namespace Bottleneck.Models.Dense;

/// <summary>
/// Greedy layer-wise pretraining schedule of a stacked autoencoder (Bengio et al., "Greedy layer-wise training of deep
/// networks", NIPS 2007; Hinton &amp; Salakhutdinov, Science 2006; with corruption, the stacked denoising autoencoder of
/// Vincent et al., JMLR 2010): layer l is first trained as a shallow autoencoder h_(l−1) → h_l → h_(l−1) on the frozen
/// codes of the layers below, then the encoders and the mirrored decoders are stacked and fine-tuned end to end.
/// Run by <see cref="GreedyLayerwiseFit"/>, the fit procedure of the kind "stacked".
/// </summary>
public sealed record GreedyPretraining
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="epochsPerLayer">Training epochs of each shallow autoencoder, ≥ 1 (default 5).</param>
    /// <param name="corruption">Corruption applied to each stage's input during pretraining (stacked denoising autoencoder), or null (default).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="epochsPerLayer"/> &lt; 1.</exception>
    public GreedyPretraining(int epochsPerLayer = 5, Corruption? corruption = null)
    {
        EpochsPerLayer = epochsPerLayer >= 1 ? epochsPerLayer
            : throw new ArgumentOutOfRangeException(nameof(epochsPerLayer), epochsPerLayer, $"epochsPerLayer must be ≥ 1, got {epochsPerLayer}");
        Corruption = corruption;
    }

    /// <summary>Epochs of each layer's pretraining.</summary>
    public int EpochsPerLayer { get; }
    /// <summary>Per-stage input corruption during pretraining, or null.</summary>
    public Corruption? Corruption { get; }

    /// <summary>One line, e.g. "greedy layer-wise, 2 epochs per layer, noise mask p 0.25".</summary>
    public string Describe() =>
        $"greedy layer-wise, {EpochsPerLayer} epoch{(EpochsPerLayer == 1 ? "" : "s")} per layer" + (Corruption is { } c ? $", noise {c.Describe()}" : "");
}
