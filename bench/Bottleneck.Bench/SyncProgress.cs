using Bottleneck.Training;

namespace Bottleneck.Bench;

/// <summary>
/// Calls its action on the reporting thread, in order, before <c>Fit</c> returns. <see cref="Progress{T}"/> posts to the
/// thread pool instead, so a list it fills may be read before the last epoch arrives (the bench would then miss or crash on it).
/// </summary>
internal sealed class SyncProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
{
    /// <inheritdoc/>
    public void Report(TrainingProgress value) => report(value);
}
