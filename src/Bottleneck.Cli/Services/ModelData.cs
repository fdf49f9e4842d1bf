using Bottleneck.Data;
using Bottleneck.ModelFiles;

namespace Bottleneck.Cli.Services;

/// <summary>A saved model with data prepared for it.</summary>
/// <param name="Saved">The loaded model folder.</param>
/// <param name="Preprocessor">The model's scaling.</param>
/// <param name="Raw">The data as loaded (original space).</param>
/// <param name="Scaled">The data after the model's scaling (model input space).</param>
/// <param name="Folder">For <c>images:DIR</c> data, the folder's files and patch layout (<see cref="Raw"/> is its data); else null.</param>
internal sealed record ModelData(SavedModel Saved, Preprocessor Preprocessor, Dataset Raw, Dataset Scaled, ImageFolderData? Folder = null)
{
    /// <summary>
    /// Parses <paramref name="spec"/>, loads the model folder and the data (mnist/demo default to the test split), checks
    /// the width and applies the model's scaling.
    /// </summary>
    /// <exception cref="DataException">Bad SPEC, unreadable data, or "input has F features, model expects D".</exception>
    /// <exception cref="Bottleneck.IO.ModelFileException">Missing or corrupt model folder.</exception>
    public static ModelData Load(string modelDir, string spec)
    {
        if (string.IsNullOrWhiteSpace(modelDir)) throw new ArgumentException("--model needs a model folder");
        var dataSpec = DataSpec.Parse(spec);
        var saved = ModelStore.Load(modelDir);
        if (saved.Model.Config.NotRowsNote is { } note)
            throw new DataException($"{modelDir} holds a {saved.Model.Config.Kind} model: {note}");
        var folder = dataSpec.Kind == DataKind.Images ? ImageFolder.Load(dataSpec.Path!, dataSpec.Images) : null;
        // A model trained on tabular CSV encodes CSV files with its saved encoding (features = the encoded columns).
        var raw = saved.Tabular != null && dataSpec.Kind == DataKind.Csv
            ? new TabularEncoder(saved.Tabular).Transform(dataSpec.Path!)
            : folder?.Data ?? dataSpec.Load("test");
        if (saved.Tabular == null && dataSpec.Kind == DataKind.Csv) ModelStore.CheckColumns(saved, raw.FeatureNames, raw.Source);
        // padded sequences (:pad) are brought to the model's T steps; a row longer than T is an error naming it
        if (raw.StepCounts != null && saved.Model.InputShape is [int steps, _]) raw = SequencePadding.PadTo(raw, steps);
        if (raw.FeatureCount != saved.Model.InputDim)
            throw new DataException($"{raw.Source}: input has {raw.FeatureCount} features, model expects {saved.Model.InputDim}" +
                (raw.Image is { } di && saved.Image is { } mi ? $" (images {di}, the model was trained on {mi}; the images: options size=, channels= and patch= set the shape)" : ""), raw.Source);
        var pre = new Preprocessor(saved.Preprocessing);
        var scaled = pre.Kind == ScalingKind.None ? raw : pre.Transform(raw);
        return new ModelData(saved, pre, raw, scaled, folder);
    }

    /// <summary>Image shape for PNG output: the data's, else the one the model was trained on.</summary>
    public ImageShape? Image => Raw.Image ?? (Saved.Image is { } im && im.Size == Raw.FeatureCount ? im : null);
}
