using System.Globalization;
using System.Text;
using System.Text.Json;
using Bottleneck.IO;

namespace Bottleneck.Training;

/// <summary>
/// <c>metrics.jsonl</c>: one JSON object per finished epoch, appended while training runs so that a run can be watched with
/// <c>tail -f OUT/metrics.jsonl</c> or plotted midway, and written whole into the finished model folder from the history.
/// </summary>
/// <remarks>
/// A line: <c>{"stage":"train","epoch":3,"loss":101.2,"terms":{"reconstruction":95.1,"kl":6.1},"validationLoss":102.4,
/// "learningRate":0.001,"seconds":4.21,"time":"2026-11-30T07:12:03Z"}</c>: the epoch's mean training loss per sample (the sum
/// of the terms), each named loss term, the validation loss (absent without validation data), the learning rate of the epoch,
/// its wall-clock seconds and (in the live file) the UTC time it ended. Non-finite values are written as strings ("NaN").
/// During training the file lives at <c>OUT/metrics.jsonl</c>, beside <c>OUT/checkpoint/</c>: the model folder is swapped in
/// whole at the end (docs/reliability.md), so like the checkpoint it belongs to the run in progress (a new run over an existing
/// model folder starts it afresh at its first epoch; <c>--resume</c> appends). The finished folder's copy is rewritten from the
/// complete history, so it is exact even when a kill fell between a checkpoint and its line.
/// </remarks>
public sealed class MetricsLog
{
    /// <summary>The file name, <c>metrics.jsonl</c>.</summary>
    public const string FileName = "metrics.jsonl";

    private bool _started;

    /// <summary>Creates the log of one run.</summary>
    /// <param name="path">The live file (OUT/metrics.jsonl).</param>
    /// <param name="append">Keep the lines already there (a resumed run); default false: the first epoch replaces the file.</param>
    public MetricsLog(string path, bool append = false)
    {
        Path = path ?? throw new ArgumentNullException(nameof(path));
        _started = append;
    }

    /// <summary>The live file.</summary>
    public string Path { get; }

    /// <summary>One epoch as a JSON line (no line break).</summary>
    /// <param name="record">The epoch.</param>
    /// <param name="time">When it ended, written as <c>time</c> in UTC; default none (no <c>time</c> entry).</param>
    public static string Line(EpochRecord record, DateTime? time = null)
    {
        ArgumentNullException.ThrowIfNull(record);
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("stage", record.Stage);
            w.WriteNumber("epoch", record.Epoch);
            Number(w, "loss", record.TrainLoss);
            if (record.Terms is { } terms)
            {
                w.WritePropertyName("terms");
                JsonSerializer.Serialize(w, terms);
            }
            if (record.ValidationLoss is double v) Number(w, "validationLoss", v);
            Number(w, "learningRate", record.LearningRate);
            Number(w, "seconds", Math.Round(record.Seconds, 4));
            if (time is DateTime t) w.WriteString("time", t.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void Number(Utf8JsonWriter w, string name, double value)
    {
        if (double.IsFinite(value)) w.WriteNumber(name, value);
        else w.WriteString(name, value.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>Appends one epoch's line to the live file and flushes it; the first call of a fresh run replaces the file and creates its folder.</summary>
    /// <param name="record">The finished epoch.</param>
    public void Append(EpochRecord record)
    {
        string line = Line(record, DateTime.UtcNow) + "\n";
        var dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path));
        if (dir != null) Directory.CreateDirectory(dir);
        using var stream = new FileStream(Path, _started ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.Read);
        var bytes = Encoding.UTF8.GetBytes(line);
        stream.Write(bytes);
        stream.Flush(flushToDisk: false);
        _started = true;
    }

    /// <summary>Forwards every progress report to <paramref name="inner"/> and appends each finished epoch (the epoch-end callback).</summary>
    /// <param name="inner">The progress display, or null.</param>
    public IProgress<TrainingProgress> Tee(IProgress<TrainingProgress>? inner) => new TeeProgress(this, inner);

    /// <summary>Writes the whole history as <c>metrics.jsonl</c> at <paramref name="path"/>, atomically. The history does not keep
    /// when each epoch ended, so these lines have no <c>time</c>.</summary>
    /// <param name="path">Target file.</param>
    /// <param name="history">Every epoch, oldest first.</param>
    public static void Write(string path, IReadOnlyList<EpochRecord> history)
    {
        ArgumentNullException.ThrowIfNull(history);
        var text = new StringBuilder();
        foreach (var record in history) text.Append(Line(record)).Append('\n');
        AtomicFile.WriteAllText(path, text.ToString());
    }

    private sealed class TeeProgress(MetricsLog log, IProgress<TrainingProgress>? inner) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value)
        {
            if (value.Completed is { } record) log.Append(record);
            inner?.Report(value);
        }
    }
}
