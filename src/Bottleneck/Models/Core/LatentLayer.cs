using Bottleneck.NN;
using Bottleneck.Tensors;

namespace Bottleneck.Models;

/// <summary>What a latent layer yields for one batch.</summary>
/// <param name="Z">The code passed to the decoder, shape (N, latentDim) (a sample for stochastic layers).</param>
/// <param name="Terms">Loss terms the layer adds (e.g. a KL divergence), possibly empty.</param>
public sealed record LatentSample(Tensor Z, IReadOnlyList<LossTerm> Terms)
{
    /// <summary>Values logged but not added to the loss (e.g. the unweighted KL), 0-d; default none.</summary>
    public IReadOnlyList<LossTerm> Metrics { get; init; } = [];
}

/// <summary>
/// The layer between encoder and decoder: turns the encoder's output h into the code. Deterministic here
/// (<see cref="DeterministicLatent"/>); stochastic layers (a Gaussian posterior with reparameterization, a vector-quantized
/// codebook) derive from this class, sample from <see cref="StepContext.Noise"/> and add their loss terms.
/// Registered in the model as the module <c>latent</c>.
/// </summary>
public abstract class LatentLayer : Module
{
    /// <summary>The code for a training or evaluation step, with the layer's loss terms.</summary>
    /// <param name="h">Encoder output (N, …).</param>
    /// <param name="context">The step: a stochastic layer samples when <see cref="StepContext.Training"/> is set.</param>
    public abstract LatentSample Sample(Tensor h, StepContext context);

    /// <summary>The deterministic code of h (for a stochastic layer the posterior mean), used by <see cref="AutoencoderModel.Encode(Tensor)"/>.</summary>
    /// <param name="h">Encoder output (N, …).</param>
    public abstract Tensor Code(Tensor h);

    /// <summary>The deterministic code (so the layer can sit in a <see cref="Sequential"/>).</summary>
    public override Tensor Forward(Tensor input) => Code(input);
}

/// <summary>The identity latent layer: z = h, no loss terms, no parameters.</summary>
public sealed class DeterministicLatent : LatentLayer
{
    private static readonly LossTerm[] None = [];

    /// <inheritdoc/>
    public override LatentSample Sample(Tensor h, StepContext context) => new(h, None);

    /// <inheritdoc/>
    public override Tensor Code(Tensor h) => h;
}
