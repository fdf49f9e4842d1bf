using Bottleneck.Data;
using Bottleneck.Models;
using Bottleneck.Tensors;

namespace Bottleneck.Training;

/// <summary>
/// The rows of a <see cref="Dataset"/> as <see cref="RowBatch"/>es of shape (n, sample shape): (n, D) for dense models,
/// (n, C, H, W) for image models of the same rows. The one place that copies dataset rows into batch tensors. Padded sequence data
/// (<see cref="Dataset.StepCounts"/>) gets the batch mask (n, T, F): 1 on each row's real steps, 0 on its padding.
/// </summary>
public sealed class RowSource : IBatchSource
{
    private readonly int[] _batchShape;

    /// <summary>Creates the source.</summary>
    /// <param name="data">The rows.</param>
    /// <param name="sampleShape">Shape of one sample, whose product must be the dataset's feature count; null (default) = [D].</param>
    /// <param name="withLabels">Attach the dataset's labels to each batch (default false).</param>
    /// <exception cref="ShapeException">The sample shape does not hold the dataset's D features.</exception>
    /// <exception cref="ArgumentException"><paramref name="withLabels"/> is set but the dataset has no labels.</exception>
    public RowSource(Dataset data, int[]? sampleShape = null, bool withLabels = false)
    {
        Data = data ?? throw new ArgumentNullException(nameof(data));
        SampleShape = sampleShape ?? [data.FeatureCount];
        long size = 1;
        foreach (int s in SampleShape) size *= s;
        if (size != data.FeatureCount)
            throw new ShapeException($"{data.Source} has {data.FeatureCount} features, the sample shape ({string.Join(", ", SampleShape)}) holds {size}");
        if (withLabels && data.Labels is null) throw new ArgumentException($"{data.Source} has no labels", nameof(withLabels));
        WithLabels = withLabels;
        _batchShape = [0, .. SampleShape];
    }

    /// <summary>The rows of <paramref name="data"/> shaped as <paramref name="model"/>'s samples.</summary>
    /// <param name="model">The model the batches are for.</param>
    /// <param name="data">The rows.</param>
    /// <param name="role">What the data is, for the message (default "data"; e.g. "training data").</param>
    /// <exception cref="ShapeException">The data width differs from the model's: "training data X has F features, the model expects D".</exception>
    public static RowSource For(AutoencoderModel model, Dataset data, string role = "data")
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        if (data.FeatureCount != model.InputDim)
            throw new ShapeException($"{role} {data.Source} has {data.FeatureCount} features, the model expects {model.InputDim}");
        if (model.ConditionsOnLabels && !model.LabelsOptional && data.Labels is null)
            throw new ArgumentException($"{role} {data.Source} has no labels; a {model.Config.Kind} model is conditioned on the class label of every sample");
        if (data.StepCounts != null && !model.IgnoresPadding)
            throw new ArgumentException($"{role} {data.Source} holds padded sequences of different lengths (:pad), and this {model.Config.Kind} model cannot ignore padded steps; use lstm or gru (not bidirectional), tcn or transformer");
        return new RowSource(data, model.InputShape, withLabels: model.ConditionsOnLabels && data.Labels != null);
    }

    /// <summary>The dataset.</summary>
    public Dataset Data { get; }

    /// <summary>The shape of one sample.</summary>
    public int[] SampleShape { get; }

    /// <summary>Whether batches carry the labels.</summary>
    public bool WithLabels { get; }

    /// <inheritdoc/>
    public int Count => Data.Rows;

    /// <inheritdoc/>
    public string Name => Data.Source;

    /// <inheritdoc/>
    public Batch Load(ReadOnlySpan<int> indices) => LoadRows(indices);

    /// <summary>The rows at <paramref name="indices"/> as a <see cref="RowBatch"/> (see <see cref="Load"/>).</summary>
    /// <param name="indices">0-based row indices.</param>
    public RowBatch LoadRows(ReadOnlySpan<int> indices)
    {
        var shape = (int[])_batchShape.Clone();
        shape[0] = indices.Length;
        var x = Tensor.Empty(shape);
        Data.CopyRows(indices, x.Span);
        int[]? labels = null;
        if (WithLabels)
        {
            labels = new int[indices.Length];
            Data.CopyLabels(indices, labels);
        }
        Tensor? mask = null;
        if (Data.StepCounts is { } counts && SampleShape.Length == 2)
        {
            var rowCounts = new int[indices.Length];
            for (int i = 0; i < indices.Length; i++) rowCounts[i] = counts[indices[i]];
            mask = Tensor.Empty(shape);
            SequencePadding.FillMask(rowCounts, SampleShape[0], SampleShape[1], mask.Span);
        }
        return new RowBatch(x, Mask: mask, Labels: labels);
    }
}
