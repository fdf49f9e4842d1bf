using Bottleneck.Anomaly;
using Bottleneck.Data;
using Bottleneck.ModelFiles;
using Bottleneck.Models.Registry;
using Bottleneck.Tensors;
using Bottleneck.Training;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Bottleneck.MLNet;

/// <summary>
/// Fits a Bottleneck dense autoencoder on the <c>Features</c> column of an ML.NET data view and returns a
/// <see cref="BottleneckAutoencoderTransformer"/>. Fit: split the rows (seeded; <see cref="BottleneckAutoencoderOptions.ValidationFraction"/>
/// held out), fit the scaling on the training part, train with the kind's fit procedure, fit the threshold rule on the training
/// errors — the steps and defaults of <c>bottleneck train --normal-only</c>, so the same rows give the same weights.
/// Made by <c>mlContext.Transforms.BottleneckAutoencoder(options)</c>.
/// </summary>
/// <remarks>
/// Shape: Features (N, D) → Code (N, latentDim), Score (N), PredictedLabel (N); N rows, D the feature width. Reference for the
/// one-class use (train on normal rows, flag high reconstruction error): Japkowicz, Myers and Gluck, "A Novelty Detection Approach
/// to Classification", IJCAI 1995.
/// </remarks>
public sealed class BottleneckAutoencoderEstimator : IEstimator<BottleneckAutoencoderTransformer>
{
    private readonly Threshold _threshold;
    private readonly TrainingOptions _training;

    /// <summary>Creates the estimator (see <see cref="BottleneckCatalog.BottleneckAutoencoder"/>).</summary>
    /// <param name="options">The settings.</param>
    /// <exception cref="ArgumentException">An option is out of range or the threshold rule needs labels (names the option and value).</exception>
    public BottleneckAutoencoderEstimator(BottleneckAutoencoderOptions options)
    {
        Options = options ?? throw new ArgumentNullException(nameof(options));
        _training = new TrainingOptions(options.Epochs, options.BatchSize, "adam", options.LearningRate, seed: options.Seed);
        Dataset.CheckValidationFraction(options.ValidationFraction);
        try { _threshold = Threshold.Parse(options.Threshold); }
        catch (Exception e) when (e is ArgumentException or FormatException) { throw new ArgumentException($"BottleneckAutoencoderOptions.Threshold: {e.Message}", nameof(options), e); }
        if (_threshold.NeedsLabels)
            throw new ArgumentException($"BottleneckAutoencoderOptions.Threshold \"{options.Threshold}\" needs labelled anomalies; the estimator sees unlabelled rows: use p99, mean+3sd, contamination:F or a number", nameof(options));
    }

    /// <summary>The settings.</summary>
    public BottleneckAutoencoderOptions Options { get; }

    /// <summary>Trains on every row of <paramref name="input"/> (pass the normal rows only for one-class detection).</summary>
    /// <param name="input">Rows with a <c>Features</c> column: a vector of D floats of known size, all finite.</param>
    /// <returns>The fitted transformer.</returns>
    /// <exception cref="ArgumentException">No such column, a column that is not a known-size float vector, a non-finite value
    /// (names the row and feature), fewer than 2 rows, or a <see cref="BottleneckAutoencoderOptions.Config"/> of another width.</exception>
    public BottleneckAutoencoderTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        int d = FeatureWidth(input.Schema);
        var rows = new List<float[]>();
        foreach (var row in input.GetColumn<float[]>(AutoencoderInputRow.FeaturesColumn))
        {
            for (int j = 0; j < row.Length; j++)
                if (!float.IsFinite(row[j]))
                    throw new ArgumentException($"the {AutoencoderInputRow.FeaturesColumn} column holds {row[j]} at row {rows.Count}, feature {j}: impute or drop missing values first", nameof(input));
            rows.Add(row);
        }
        if (rows.Count < 2) throw new ArgumentException($"the autoencoder needs at least 2 training rows, got {rows.Count}", nameof(input));
        var data = new Dataset(rows.SelectMany(r => r).ToArray(), rows.Count, d, source: "ML.NET data view");

        var config = Options.Config ?? AnomalyDefaults.DenseArchitecture(d);
        if (config.InputDim != d)
            throw new ArgumentException($"Config has InputDim {config.InputDim}, the {AutoencoderInputRow.FeaturesColumn} column has {d} features", nameof(input));
        var (train, validation) = data.Split(Options.ValidationFraction, new Rng(Options.Seed));
        var preprocessor = Preprocessor.Fit(train, Options.Scaling);
        var trainX = preprocessor.Transform(train);
        var validationX = validation.Rows > 0 ? preprocessor.Transform(validation) : null;
        var model = ModelRegistry.Create(config, new Rng(Options.Seed));
        var fit = ModelRegistry.CreateFit(config, _training);
        var result = fit.Fit(model, RowSource.For(model, trainX, "training data"),
            validationX != null ? RowSource.For(model, validationX, "validation data") : null, new FitContext());
        var detector = new AnomalyDetector(model, preprocessor);
        var threshold = detector.FitThreshold(_threshold, trainX);
        var saved = new SavedModel(model, preprocessor.State, _training, result.History, null, "ML.NET data view").WithAnomaly(threshold, null);
        return BottleneckAutoencoderTransformer.Create(new MLContext(), new AutoencoderScoring(saved), input);
    }

    /// <summary>The output schema: the input's columns, then <c>Code</c> (float vector), <c>Score</c> (float), <c>PredictedLabel</c> (bool).</summary>
    /// <param name="inputSchema">The input's schema shape.</param>
    /// <exception cref="ArgumentOutOfRangeException">The input has no <c>Features</c> column of the right type (ML.NET's message).</exception>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema) =>
        new MLContext().Transforms.CustomMapping<AutoencoderInputRow, AutoencoderOutputRow>((_, _) => { }, BottleneckAutoencoderTransformer.ContractName)
            .GetOutputSchema(inputSchema);

    private static int FeatureWidth(DataViewSchema schema)
    {
        var column = schema.GetColumnOrNull(AutoencoderInputRow.FeaturesColumn)
            ?? throw new ArgumentException($"the input has no {AutoencoderInputRow.FeaturesColumn} column (columns: {string.Join(", ", schema.Select(c => c.Name))}); " +
                                           "make one with mlContext.Transforms.Concatenate(\"Features\", ...)", "input");
        if (column.Type is not VectorDataViewType { ItemType: var item, Size: > 0 and var size } || item != NumberDataViewType.Single)
            throw new ArgumentException($"the {AutoencoderInputRow.FeaturesColumn} column must be a vector of floats of known size, got {column.Type}", "input");
        return size;
    }
}
