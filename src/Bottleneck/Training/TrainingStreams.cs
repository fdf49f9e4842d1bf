using Bottleneck.Tensors;

namespace Bottleneck.Training;

/// <summary>
/// The random streams of a <see cref="Trainer"/> run, derived from its seed S: epoch e (1-based) has the generator
/// <c>Rng(Mix(S, e))</c>, whose first fork shuffles the epoch's order and whose second fork is the epoch's noise
/// (<see cref="Models.StepContext.Noise"/>: the VAE's ε, corruptions, dropout), drawn step after step. The initial weights come from
/// <c>Rng(S)</c> (the model's constructor, outside the trainer). Written once here so benchmarks and tests reproduce a run's
/// streams exactly (<c>bench vae streams --own trainer-order,trainer-eps</c>).
/// </summary>
public static class TrainingStreams
{
    /// <summary>The generator of epoch <paramref name="epoch"/>: <c>Rng(Mix(seed, epoch))</c>.</summary>
    /// <param name="seed">The run's seed S (<see cref="TrainingOptions.Seed"/>).</param>
    /// <param name="epoch">The epoch, 1-based.</param>
    public static Rng EpochGenerator(ulong seed, int epoch) => new(Mix(seed, (ulong)epoch));

    /// <summary>
    /// The epoch's two streams, in the trainer's order: the shuffle generator (first fork) and the noise generator (second
    /// fork) of <see cref="EpochGenerator"/>. Rank r of a data-parallel run takes the (r+1)-th fork as its noise instead.
    /// </summary>
    /// <param name="seed">The run's seed S.</param>
    /// <param name="epoch">The epoch, 1-based.</param>
    public static (Rng Shuffle, Rng Noise) ForEpoch(ulong seed, int epoch)
    {
        var epochRng = EpochGenerator(seed, epoch);
        var shuffle = epochRng.Fork();
        return (shuffle, epochRng.Fork());
    }

    /// <summary>
    /// The epoch generator's seed: z = S ⊕ e·φ (φ = 0x9E3779B97F4A7C15, the golden-ratio increment), then the first half of
    /// SplitMix64's finalizer (z ⊕= z ≫ 30, z ·= 0xBF58476D1CE4E5B9, z ⊕= z ≫ 27). <see cref="Rng"/>'s own SplitMix64 seeding
    /// mixes the result again, so neighbouring seeds and epochs give unrelated streams.
    /// </summary>
    /// <param name="seed">S.</param>
    /// <param name="epoch">e.</param>
    internal static ulong Mix(ulong seed, ulong epoch)
    {
        ulong z = seed ^ (epoch * 0x9E3779B97F4A7C15UL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        return z ^ (z >> 27);
    }
}
