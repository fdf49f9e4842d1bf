using Bottleneck.ModelFiles;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace Bottleneck.MLNet;

/// <summary>
/// A fitted Bottleneck autoencoder in an ML.NET pipeline: adds <c>Code</c> (z = encoder(x̂), latentDim floats), <c>Score</c> (the
/// reconstruction error of x̂) and <c>PredictedLabel</c> (Score &gt; threshold) to every row, where x̂ is the row's
/// <c>Features</c> vector scaled as in training. Made by <see cref="BottleneckAutoencoderEstimator.Fit"/>; saved and loaded with
/// <see cref="BottleneckModelOperations.SaveWithBottleneck"/> and <see cref="BottleneckModelOperations.LoadWithBottleneck"/>.
/// </summary>
/// <remarks>
/// Shape: Features (D) → Code (latentDim), Score (scalar), PredictedLabel (scalar); D = the model's input width. The rows are mapped
/// by ML.NET's custom-mapping transform (contract <see cref="ContractName"/>), the documented route for transforms outside ML.NET.
/// </remarks>
public sealed class BottleneckAutoencoderTransformer : ITransformer
{
    /// <summary>The custom-mapping contract name saved in the ML.NET model file: "Bottleneck.Autoencoder".</summary>
    public const string ContractName = "Bottleneck.Autoencoder";

    private readonly ITransformer _mapping;

    internal BottleneckAutoencoderTransformer(AutoencoderScoring scoring, ITransformer mapping)
    {
        Scoring = scoring;
        _mapping = mapping;
    }

    /// <summary>Wraps <paramref name="scoring"/> in ML.NET's custom mapping, fitted to <paramref name="input"/>'s schema.</summary>
    internal static BottleneckAutoencoderTransformer Create(MLContext mlContext, AutoencoderScoring scoring, IDataView input) =>
        new(scoring, mlContext.Transforms.CustomMapping<AutoencoderInputRow, AutoencoderOutputRow>(scoring.Map, ContractName).Fit(input));

    internal AutoencoderScoring Scoring { get; }

    /// <summary>The fitted model with its scaling, threshold and training history, as a Bottleneck model folder holds it
    /// (<see cref="ModelStore.Save(string, SavedModel)"/> writes one).</summary>
    public SavedModel Model => Scoring.Saved;

    /// <summary>The anomaly threshold on <c>Score</c>.</summary>
    public double Threshold => Scoring.Detector.Threshold!.Value;

    /// <inheritdoc/>
    public bool IsRowToRowMapper => _mapping.IsRowToRowMapper;

    /// <inheritdoc/>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => _mapping.GetOutputSchema(inputSchema);

    /// <inheritdoc/>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => _mapping.GetRowToRowMapper(inputSchema);

    /// <inheritdoc/>
    public IDataView Transform(IDataView input) => _mapping.Transform(input);

    /// <summary>
    /// Writes the custom-mapping entry into ML.NET's model file. The weights go into the same file beside it, which only
    /// <see cref="BottleneckModelOperations.SaveWithBottleneck"/> can do (ML.NET keeps <see cref="ModelSaveContext"/>'s members
    /// internal to its own assemblies).
    /// </summary>
    /// <exception cref="InvalidOperationException">Called by <c>mlContext.Model.Save</c> directly, which would write a model file
    /// without the weights.</exception>
    void ICanSaveModel.Save(ModelSaveContext ctx)
    {
        if (!BottleneckModelOperations.Saving)
            throw new InvalidOperationException("a pipeline with a Bottleneck autoencoder is saved with mlContext.Model.SaveWithBottleneck(model, schema, path) " +
                                                "(namespace Bottleneck.MLNet), which stores the autoencoder's weights in the same model file; mlContext.Model.Save cannot");
        ((ICanSaveModel)_mapping).Save(ctx);
    }
}

/// <summary>
/// Gives ML.NET the mapping of a Bottleneck autoencoder when it loads a model file (contract
/// <see cref="BottleneckAutoencoderTransformer.ContractName"/>); the weights are those <see cref="BottleneckModelOperations.LoadWithBottleneck"/>
/// read from the same file. Registered by <c>LoadWithBottleneck</c> itself; not for direct use.
/// </summary>
[CustomMappingFactoryAttribute(BottleneckAutoencoderTransformer.ContractName)]
public sealed class BottleneckAutoencoderMappingFactory : CustomMappingFactory<AutoencoderInputRow, AutoencoderOutputRow>
{
    /// <summary>The mapping of the next autoencoder of the model file being loaded.</summary>
    /// <exception cref="InvalidOperationException">Not inside <see cref="BottleneckModelOperations.LoadWithBottleneck"/> (the message says what to call).</exception>
    public override Action<AutoencoderInputRow, AutoencoderOutputRow> GetMapping() => BottleneckModelOperations.NextLoaded().Map;
}
