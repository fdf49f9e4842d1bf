using Bottleneck.Tensors;

namespace Bottleneck.Data;

/// <summary>Shape of one image sample, channel-major (C, H, W); used for image models and PNG output.</summary>
/// <param name="Channels">Number of channels (1 for grayscale).</param>
/// <param name="Height">Height in pixels.</param>
/// <param name="Width">Width in pixels.</param>
public sealed record ImageShape(int Channels, int Height, int Width)
{
    /// <summary>Number of values per image: Channels × Height × Width.</summary>
    public int Size => Channels * Height * Width;

    /// <inheritdoc/>
    public override string ToString() => $"{Channels}x{Height}x{Width}";
}

/// <summary>Shape of one sequence sample, time-major (T, F): row values are step 0's F channels, then step 1's, ….</summary>
/// <param name="Steps">T, time steps per sample.</param>
/// <param name="Channels">F, values per step (1 for a univariate series).</param>
public sealed record SequenceShape(int Steps, int Channels)
{
    /// <summary>Number of values per sample: Steps × Channels.</summary>
    public int Size => Steps * Channels;

    /// <inheritdoc/>
    public override string ToString() => $"{Steps} steps x {Channels} channel{(Channels == 1 ? "" : "s")}";
}

/// <summary>
/// An in-memory float32 dataset: <see cref="Rows"/> samples of <see cref="FeatureCount"/> values each, stored
/// row-major in one contiguous array, with optional integer class labels, feature names and image shape.
/// </summary>
/// <remarks>The arrays are shared, not copied: do not mutate them after handing them to a dataset unless you own it.</remarks>
public sealed class Dataset
{
    /// <summary>Creates a dataset over existing arrays (no copy).</summary>
    /// <param name="features">Row-major values, length <paramref name="rows"/> × <paramref name="featureCount"/>.</param>
    /// <param name="rows">Number of samples (≥ 0).</param>
    /// <param name="featureCount">Values per sample (≥ 1).</param>
    /// <param name="labels">Optional class label per row (length <paramref name="rows"/>), default null.</param>
    /// <param name="featureNames">Optional name per feature (length <paramref name="featureCount"/>), default null.</param>
    /// <param name="image">Optional image shape; its <see cref="ImageShape.Size"/> must equal <paramref name="featureCount"/>. Default null.</param>
    /// <param name="source">Human-readable origin (file path or "demo") used in messages; default "memory".</param>
    /// <param name="classNames">Optional names of the classes, indexed by label value; default null.</param>
    /// <exception cref="ArgumentException">Any length is inconsistent.</exception>
    public Dataset(float[] features, int rows, int featureCount, int[]? labels = null, string[]? featureNames = null,
                   ImageShape? image = null, string source = "memory", string[]? classNames = null)
    {
        ArgumentNullException.ThrowIfNull(features);
        if (rows < 0) throw new ArgumentOutOfRangeException(nameof(rows), rows, "rows must be ≥ 0");
        if (featureCount < 1) throw new ArgumentOutOfRangeException(nameof(featureCount), featureCount, "featureCount must be ≥ 1");
        if ((long)rows * featureCount != features.Length)
            throw new ArgumentException($"features has {features.Length} values but rows × featureCount = {rows} × {featureCount} = {(long)rows * featureCount}", nameof(features));
        if (labels != null && labels.Length != rows)
            throw new ArgumentException($"labels has {labels.Length} entries but the dataset has {rows} rows", nameof(labels));
        if (featureNames != null && featureNames.Length != featureCount)
            throw new ArgumentException($"featureNames has {featureNames.Length} entries but there are {featureCount} features", nameof(featureNames));
        if (image != null && image.Size != featureCount)
            throw new ArgumentException($"image shape {image} has {image.Size} values but there are {featureCount} features", nameof(image));
        Features = features;
        Rows = rows;
        FeatureCount = featureCount;
        Labels = labels;
        FeatureNames = featureNames;
        Image = image;
        Source = source;
        ClassNames = classNames;
    }

    /// <summary>Row-major values, length <see cref="Rows"/> × <see cref="FeatureCount"/>.</summary>
    public float[] Features { get; }

    /// <summary>Number of samples.</summary>
    public int Rows { get; }

    /// <summary>Number of values per sample.</summary>
    public int FeatureCount { get; }

    /// <summary>Class label per row, or null when the data is unlabelled.</summary>
    public int[]? Labels { get; }

    /// <summary>Names of the features (e.g. CSV header), or null.</summary>
    public string[]? FeatureNames { get; }

    /// <summary>Names of the classes indexed by label (set when string labels were mapped to indices), or null.</summary>
    public string[]? ClassNames { get; }

    /// <summary>Image shape of one sample, or null for non-image data.</summary>
    public ImageShape? Image { get; }

    /// <summary>Where the data came from (file path, "demo", ...), for messages.</summary>
    public string Source { get; }

    /// <summary>Sequence shape (T, F) of one sample for sequence data (<c>sequences:</c>, <c>series:</c>), or null; its size is <see cref="FeatureCount"/>.</summary>
    /// <exception cref="ArgumentException">Set to a shape whose size is not <see cref="FeatureCount"/>.</exception>
    public SequenceShape? Sequence
    {
        get => _sequence;
        init => _sequence = value is null || value.Size == FeatureCount ? value
            : throw new ArgumentException($"sequence shape {value} has {value.Size} values but there are {FeatureCount} features", nameof(Sequence));
    }
    private readonly SequenceShape? _sequence;

    /// <summary>
    /// For padded sequence data (<c>sequences:FILE:pad</c>): the number of real time steps of each row, L_i ∈ [1, T]; steps L_i … T−1
    /// are padding, which the batch mask hides from the loss, the pooling and the scores. Null (default) = every row has all T steps.
    /// Set it after <see cref="Sequence"/>.
    /// </summary>
    /// <exception cref="ArgumentException">Set without a <see cref="Sequence"/> shape, with a length other than <see cref="Rows"/>, or with a
    /// count outside [1, T].</exception>
    public int[]? StepCounts
    {
        get => _stepCounts;
        init
        {
            if (value is not null)
            {
                if (_sequence is not { } sq) throw new ArgumentException("step counts need a sequence shape (set Sequence first)", nameof(StepCounts));
                if (value.Length != Rows) throw new ArgumentException($"step counts has {value.Length} entries but the dataset has {Rows} rows", nameof(StepCounts));
                for (int i = 0; i < value.Length; i++)
                    if (value[i] < 1 || value[i] > sq.Steps)
                        throw new ArgumentException($"row {i}: {value[i]} real steps is outside [1, {sq.Steps}]", nameof(StepCounts));
            }
            _stepCounts = value;
        }
    }
    private readonly int[]? _stepCounts;

    /// <summary>The values of one row.</summary>
    /// <param name="row">0-based row index.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="row"/> is outside [0, Rows).</exception>
    public Span<float> Row(int row)
    {
        if ((uint)row >= (uint)Rows) throw new ArgumentOutOfRangeException(nameof(row), row, $"row must be in [0, {Rows})");
        return Features.AsSpan(row * FeatureCount, FeatureCount);
    }

    /// <summary>A new dataset holding copies of the given rows, in the given order (duplicates allowed).</summary>
    /// <param name="rows">0-based row indices.</param>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside [0, Rows).</exception>
    public Dataset Subset(ReadOnlySpan<int> rows)
    {
        var data = new float[(long)rows.Length * FeatureCount];
        CopyRows(rows, data);
        int[]? labels = null;
        if (Labels != null)
        {
            labels = new int[rows.Length];
            for (int i = 0; i < rows.Length; i++) labels[i] = Labels[rows[i]];
        }
        int[]? steps = null;
        if (StepCounts != null)
        {
            steps = new int[rows.Length];
            for (int i = 0; i < rows.Length; i++) steps[i] = StepCounts[rows[i]];
        }
        return new Dataset(data, rows.Length, FeatureCount, labels, FeatureNames, Image, Source, ClassNames) { Sequence = Sequence, StepCounts = steps };
    }

    /// <summary>A new dataset holding copies of the given rows, in the given order (duplicates allowed).</summary>
    /// <param name="rows">0-based row indices.</param>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside [0, Rows).</exception>
    public Dataset Subset(int[] rows) => Subset((ReadOnlySpan<int>)rows);

    /// <summary>A new dataset with only the rows whose label satisfies <paramref name="keep"/> (e.g. one class for one-class anomaly detection).</summary>
    /// <param name="keep">Predicate on the label value.</param>
    /// <exception cref="DataException">The dataset has no labels.</exception>
    public Dataset WhereLabel(Func<int, bool> keep)
    {
        if (Labels == null) throw new DataException($"{Source}: the dataset has no labels to filter on", Source);
        var idx = new List<int>();
        for (int i = 0; i < Rows; i++) if (keep(Labels[i])) idx.Add(i);
        return Subset(idx.ToArray());
    }

    /// <summary>
    /// Gathers rows into a contiguous batch buffer (no allocation): row <c>rowIndices[i]</c> goes to
    /// <c>destination[i*FeatureCount .. (i+1)*FeatureCount)</c>.
    /// </summary>
    /// <param name="rowIndices">0-based row indices.</param>
    /// <param name="destination">Buffer of at least rowIndices.Length × FeatureCount floats.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too small.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside [0, Rows).</exception>
    public void CopyRows(ReadOnlySpan<int> rowIndices, Span<float> destination)
    {
        int f = FeatureCount;
        if (destination.Length < (long)rowIndices.Length * f)
            throw new ArgumentException($"destination has {destination.Length} floats but {rowIndices.Length} rows × {f} features need {(long)rowIndices.Length * f}", nameof(destination));
        for (int i = 0; i < rowIndices.Length; i++)
        {
            int r = rowIndices[i];
            if ((uint)r >= (uint)Rows) throw new ArgumentOutOfRangeException(nameof(rowIndices), r, $"row index at position {i} must be in [0, {Rows})");
        }
        // Large batches are gathered on the GEMM worker pool's threads (a random-row gather waits on memory).
        unsafe
        {
            fixed (float* src = Features)
            fixed (int* rows = rowIndices)
            fixed (float* dst = destination)
                Kernels.RowGather.Copy(src, f, rows, rowIndices.Length, dst);
        }
    }

    /// <summary>Gathers the labels of the given rows into <paramref name="destination"/> (no allocation).</summary>
    /// <param name="rowIndices">0-based row indices.</param>
    /// <param name="destination">Buffer of at least rowIndices.Length ints.</param>
    /// <exception cref="InvalidOperationException">The dataset has no labels.</exception>
    public void CopyLabels(ReadOnlySpan<int> rowIndices, Span<int> destination)
    {
        if (Labels == null) throw new InvalidOperationException($"{Source}: the dataset has no labels");
        if (destination.Length < rowIndices.Length) throw new ArgumentException("destination is too small", nameof(destination));
        for (int i = 0; i < rowIndices.Length; i++) destination[i] = Labels[rowIndices[i]];
    }

    /// <summary>
    /// Shuffles the rows with <paramref name="rng"/> and splits them into a training and a validation part.
    /// The validation part gets round(Rows × fraction) rows, at least 1 when the fraction is positive, and the
    /// training part keeps at least 1 row. A fraction of 0 returns this dataset (unshuffled) and an empty validation set.
    /// </summary>
    /// <param name="validationFraction">Share of rows for validation, in [0, 1).</param>
    /// <param name="rng">Seeded generator used for the shuffle.</param>
    /// <returns>The (Train, Validation) datasets; rows are copies.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The fraction is NaN or outside [0, 1).</exception>
    /// <exception cref="DataException">The dataset has fewer than 2 rows, so both parts cannot be non-empty.</exception>
    public (Dataset Train, Dataset Validation) Split(double validationFraction, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        CheckValidationFraction(validationFraction);
        if (validationFraction == 0) return (this, Subset(Array.Empty<int>()));
        if (Rows < 2)
            throw new DataException($"{Source}: cannot split {Rows} row(s) into non-empty training and validation sets (need at least 2 rows)", Source);
        int nVal = (int)Math.Round(Rows * validationFraction, MidpointRounding.AwayFromZero);
        nVal = Math.Clamp(nVal, 1, Rows - 1);
        var perm = rng.Permutation(Rows);
        var train = Subset(perm.AsSpan(nVal));
        var val = Subset(perm.AsSpan(0, nVal));
        return (train, val);
    }

    /// <summary>The text of row <paramref name="row"/>'s label: its class name (<see cref="ClassNames"/>), or the integer label.</summary>
    /// <param name="row">0-based row index.</param>
    /// <exception cref="InvalidOperationException">The dataset has no labels.</exception>
    public string LabelText(int row)
    {
        if (Labels is null) throw new InvalidOperationException($"{Source}: the dataset has no labels");
        return ClassNames is { } names ? names[Labels[row]] : Labels[row].ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Checks a validation fraction for <see cref="Split"/> (so callers can check it before loading data).</summary>
    /// <param name="validationFraction">Share of rows for validation.</param>
    /// <exception cref="ArgumentOutOfRangeException">The fraction is NaN or outside [0, 1).</exception>
    public static void CheckValidationFraction(double validationFraction)
    {
        if (!(validationFraction >= 0 && validationFraction < 1))
            throw new ArgumentOutOfRangeException(nameof(validationFraction), validationFraction,
                $"validation fraction must be in [0, 1) (e.g. 0.1 for 10%), got {validationFraction}");
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"{Source}: {Rows} x {FeatureCount}{(Image != null ? $" (image {Image})" : "")}{(Sequence != null ? $" (sequences of {Sequence})" : "")}{(Labels != null ? ", labelled" : "")}";
}
