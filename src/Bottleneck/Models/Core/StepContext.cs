using Bottleneck.Tensors;

namespace Bottleneck.Models;

/// <summary>
/// What a forward pass may need besides the batch: where training is, the generator for this step's noise, and whether the
/// step trains. Handed to every <see cref="AutoencoderModel.Step"/>; a model draws all of its randomness (input corruption,
/// dropout masks, sampled latents, random projections) from <see cref="Noise"/>, so a run resumed from an epoch checkpoint
/// draws the same noise as an uninterrupted one.
/// </summary>
/// <param name="Epoch">1-based epoch (0 outside training).</param>
/// <param name="Step">Optimizer steps taken before this one in the whole run (0-based, across epochs).</param>
/// <param name="Noise">The generator for this step's noise, or null when the step must be deterministic (evaluation). The
/// trainer hands the same generator, reseeded from (seed, epoch) at each epoch start, to every step of an epoch.</param>
/// <param name="Training">True when the step trains: corruption is applied and stochastic layers sample; false for evaluation
/// (validation loss, scoring), where the model computes its loss on the clean input with deterministic layers.</param>
public sealed record StepContext(int Epoch, long Step, Rng? Noise, bool Training)
{
    /// <summary>A training step has a noise generator (the model draws its corruption and dropout from it).</summary>
    public Rng? Noise { get; init; } = !Training || Noise != null ? Noise
        : throw new ArgumentException("a training step needs a noise generator (use StepContext.ForTraining)", nameof(Noise));

    /// <summary>
    /// Training progress at this step in epochs, fractional: (epoch − 1) + (steps done in this epoch) / (steps per epoch); the
    /// trainer sets it, the default is (epoch − 1) clamped at 0. KL schedules read it.
    /// </summary>
    public double EpochsDone { get; init; } = Math.Max(0, Epoch - 1);

    /// <summary>An evaluation step: no noise, no corruption.</summary>
    public static StepContext Evaluation { get; } = new(0, 0, null, false);

    /// <summary>
    /// An evaluation step that may draw noise: no corruption, no dropout, but a stochastic latent layer samples from
    /// <paramref name="noise"/> (a one-sample estimate of the negative ELBO, reproducible from the generator's seed).
    /// Deterministic models behave as under <see cref="Evaluation"/>.
    /// </summary>
    /// <param name="noise">The generator for the latent samples.</param>
    /// <exception cref="ArgumentNullException"><paramref name="noise"/> is null.</exception>
    public static StepContext ForEvaluation(Rng noise) => new(0, 0, noise ?? throw new ArgumentNullException(nameof(noise)), false);

    /// <summary>A training step at (<paramref name="epoch"/>, <paramref name="step"/>) drawing noise from <paramref name="noise"/>.</summary>
    /// <param name="epoch">1-based epoch.</param>
    /// <param name="step">0-based global step.</param>
    /// <param name="noise">The noise generator.</param>
    /// <exception cref="ArgumentNullException"><paramref name="noise"/> is null.</exception>
    public static StepContext ForTraining(int epoch, long step, Rng noise) =>
        new(epoch, step, noise ?? throw new ArgumentNullException(nameof(noise)), true);
}
