using System.Collections;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Bottleneck.Training;

/// <summary>
/// The mean of each named loss term over an epoch's training batches (per sample, as the terms are), in the order the model
/// reports them, reconstruction first. Compared by value; saved in config.json as an object <c>{"reconstruction": 101.2, …}</c>.
/// </summary>
[JsonConverter(typeof(LossTermValuesJsonConverter))]
public sealed class LossTermValues : IReadOnlyList<KeyValuePair<string, double>>, IEquatable<LossTermValues>
{
    private readonly KeyValuePair<string, double>[] _values;

    /// <summary>Creates the values, in the given order.</summary>
    /// <param name="values">(term name, mean value) pairs; names are unique.</param>
    /// <exception cref="ArgumentException">A name appears twice.</exception>
    public LossTermValues(IEnumerable<KeyValuePair<string, double>> values)
    {
        _values = values.ToArray();
        if (_values.Select(v => v.Key).Distinct(StringComparer.Ordinal).Count() != _values.Length)
            throw new ArgumentException("loss term names must be unique: " + string.Join(", ", _values.Select(v => v.Key)));
    }

    /// <summary>No terms.</summary>
    public static LossTermValues Empty { get; } = new([]);

    /// <summary>The mean of the term called <paramref name="name"/>, or null when there is no such term.</summary>
    public double? this[string name]
    {
        get
        {
            foreach (var v in _values) if (v.Key == name) return v.Value;
            return null;
        }
    }

    /// <inheritdoc/>
    public KeyValuePair<string, double> this[int index] => _values[index];
    /// <inheritdoc/>
    public int Count => _values.Length;
    /// <summary>The term names, in order.</summary>
    public IEnumerable<string> Names => _values.Select(v => v.Key);
    /// <inheritdoc/>
    public IEnumerator<KeyValuePair<string, double>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, double>>)_values).GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => _values.GetEnumerator();

    /// <inheritdoc/>
    public bool Equals(LossTermValues? other) => other is not null && _values.AsSpan().SequenceEqual(other._values);
    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as LossTermValues);
    /// <inheritdoc/>
    public override int GetHashCode() => _values.Aggregate(0, (h, v) => HashCode.Combine(h, v.Key, v.Value));
    /// <inheritdoc/>
    public override string ToString() => string.Join(", ", _values.Select(v => $"{v.Key} {v.Value.ToString("G6", CultureInfo.InvariantCulture)}"));
}

internal sealed class LossTermValuesJsonConverter : JsonConverter<LossTermValues>
{
    public override LossTermValues Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject) throw new JsonException("loss terms must be an object of name: value");
        var list = new List<KeyValuePair<string, double>>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            string name = reader.GetString() ?? throw new JsonException("a loss term has no name");
            reader.Read();
            double value = reader.TokenType == JsonTokenType.String
                ? double.Parse(reader.GetString()!, NumberStyles.Float, CultureInfo.InvariantCulture)
                : reader.GetDouble();
            list.Add(new(name, value));
        }
        try { return new LossTermValues(list); }
        catch (ArgumentException e) { throw new JsonException(e.Message, e); }
    }

    public override void Write(Utf8JsonWriter writer, LossTermValues value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        foreach (var (name, v) in value)
        {
            if (double.IsFinite(v)) writer.WriteNumber(name, v);
            else writer.WriteString(name, v.ToString(CultureInfo.InvariantCulture));
        }
        writer.WriteEndObject();
    }
}

/// <summary>One finished epoch (or pretraining stage epoch) of the history.</summary>
/// <param name="Epoch">1-based epoch number within its stage.</param>
/// <param name="Stage">"train" for end-to-end training; fit procedures add their own stages (e.g. "pretrain-1", "finetune").</param>
/// <param name="TrainLoss">Mean training loss over the epoch's batches (per sample, summed over features): the sum of the terms.</param>
/// <param name="ValidationLoss">Validation loss after the epoch, or null without validation data.</param>
/// <param name="LearningRate">Learning rate used during the epoch (of the first parameter group).</param>
/// <param name="Seconds">Wall-clock seconds of the epoch.</param>
/// <param name="Terms">Mean of each named loss term over the epoch's training batches, or null (history written before terms were logged).</param>
public sealed record EpochRecord(int Epoch, string Stage, double TrainLoss, double? ValidationLoss, double LearningRate, double Seconds,
    LossTermValues? Terms = null);

/// <summary>Progress report during training: every few steps and at each epoch's end (<see cref="Completed"/> set).</summary>
/// <param name="Epoch">1-based epoch.</param>
/// <param name="Epochs">Total epochs.</param>
/// <param name="Step">Steps done in this epoch.</param>
/// <param name="StepsPerEpoch">Steps per epoch.</param>
/// <param name="RunningLoss">Mean loss of this epoch so far.</param>
/// <param name="Completed">The epoch's record once it has finished, else null.</param>
public sealed record TrainingProgress(int Epoch, int Epochs, int Step, int StepsPerEpoch, double RunningLoss, EpochRecord? Completed);

/// <summary>
/// Raised when a step produces a NaN or infinite loss, or an epoch ends with non-finite weights or validation loss; training
/// stops, the diverged epoch is not checkpointed and the last good checkpoint is kept.
/// </summary>
public sealed class TrainingDivergedException(string message) : Exception(message);

/// <summary>What a fit procedure returns.</summary>
/// <param name="History">Per-epoch records, oldest first (including those restored from a checkpoint on resume).</param>
/// <param name="BestEpoch">Epoch with the lowest validation loss (or the last epoch without validation); 0 when nothing was trained by epochs.</param>
/// <param name="StoppedEarly">True when early stopping ended training (the best weights were restored).</param>
/// <param name="Cancelled">True when the cancellation token ended training. The checkpoint (if any) is that of the last
/// completed epoch; a partly trained epoch is not saved, and resuming repeats it from its beginning.</param>
public sealed record TrainingResult(IReadOnlyList<EpochRecord> History, int BestEpoch, bool StoppedEarly, bool Cancelled);
