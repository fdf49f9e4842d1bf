using Bottleneck.IO;

namespace Bottleneck.Training;

/// <summary>
/// Sends each finished epoch to a TensorBoard event file, as a progress sink beside the caller's: scalars <c>loss/train</c>,
/// <c>loss/validation</c> (when there is validation data), <c>loss/{term}</c> for every named loss term (mean over the epoch's
/// training batches; per sample, nats or squared error as the likelihood defines), <c>learning_rate</c> and
/// <c>epoch_seconds</c>, at step = the epoch number. Stages other than "train" (greedy pretraining) prefix their tags with the
/// stage name, so each tag's steps run 1, 2, … within its stage; a resumed run continues the steps where the checkpoint ended.
/// </summary>
public sealed class TensorBoardLog : IProgress<TrainingProgress>, IDisposable
{
    private readonly TensorBoardWriter _writer;
    private readonly IProgress<TrainingProgress>? _inner;

    /// <summary>Opens a new event file in <paramref name="directory"/>.</summary>
    /// <param name="directory">TensorBoard log folder (created when missing).</param>
    /// <param name="inner">Progress sink that also receives every report (the CLI's progress display), or null.</param>
    /// <exception cref="IOException">The folder or file cannot be created.</exception>
    public TensorBoardLog(string directory, IProgress<TrainingProgress>? inner = null) : this(new TensorBoardWriter(directory), inner) { }

    /// <summary>Logs to an open writer (owned from now on: disposing the log closes it).</summary>
    /// <param name="writer">The event file.</param>
    /// <param name="inner">Progress sink that also receives every report, or null.</param>
    public TensorBoardLog(TensorBoardWriter writer, IProgress<TrainingProgress>? inner = null)
    {
        _writer = writer ?? throw new ArgumentNullException(nameof(writer));
        _inner = inner;
    }

    /// <summary>The same log forwarding to another sink (the CLI creates its progress display after the log).</summary>
    /// <param name="inner">Progress sink that also receives every report.</param>
    public IProgress<TrainingProgress> Around(IProgress<TrainingProgress>? inner) => new TensorBoardLog(_writer, inner);

    /// <summary>Path of the event file.</summary>
    public string Path => _writer.Path;

    /// <summary>Forwards the report, and for a finished epoch writes its scalars and flushes.</summary>
    /// <param name="value">The progress report.</param>
    public void Report(TrainingProgress value)
    {
        _inner?.Report(value);
        if (value.Completed is not { } e) return;
        string prefix = e.Stage == "train" ? "" : e.Stage + "/";
        var scalars = new List<(string, double)> { (prefix + "loss/train", e.TrainLoss) };
        if (e.ValidationLoss is { } v) scalars.Add((prefix + "loss/validation", v));
        if (e.Terms != null)
            foreach (var t in e.Terms) scalars.Add((prefix + "loss/" + t.Key, t.Value));
        scalars.Add((prefix + "learning_rate", e.LearningRate));
        scalars.Add((prefix + "epoch_seconds", e.Seconds));
        _writer.AddScalars(e.Epoch, scalars);
        _writer.Flush();
    }

    /// <summary>Closes the event file.</summary>
    public void Dispose() => _writer.Dispose();
}
