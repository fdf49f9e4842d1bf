using Bottleneck.Tensors;

namespace Bottleneck.NN;

/// <summary>
/// The generator that stochastic layers draw from during one training step. A model's step installs its step generator with
/// <see cref="Use"/>; <see cref="Dropout"/> draws its masks from <see cref="Current"/> when one is installed, else from its own
/// generator. Thread-static: each thread has its own, so parallel steps on different threads do not share noise.
/// </summary>
/// <remarks>Like <see cref="Autograd.GradMode"/>, this is ambient state scoped by <c>using</c>; scopes nest and restore the outer one.</remarks>
public static class NoiseScope
{
    [ThreadStatic] private static Rng? _current;

    /// <summary>The installed generator, or null.</summary>
    public static Rng? Current => _current;

    /// <summary>Installs <paramref name="rng"/> (null: none) until the returned scope is disposed.</summary>
    /// <param name="rng">The generator, or null to draw from each layer's own generator.</param>
    public static Scope Use(Rng? rng)
    {
        var previous = _current;
        _current = rng;
        return new Scope(previous);
    }

    /// <summary>Restores the previous generator when disposed.</summary>
    public readonly struct Scope : IDisposable
    {
        private readonly Rng? _previous;
        internal Scope(Rng? previous) => _previous = previous;

        /// <summary>Restores the generator that was current before <see cref="Use"/>.</summary>
        public void Dispose() => _current = _previous;
    }
}
