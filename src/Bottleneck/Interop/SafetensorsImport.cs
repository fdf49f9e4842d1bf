using System.Text.Json;
using Bottleneck.Data;
using Bottleneck.IO;
using Bottleneck.ModelFiles;
using Bottleneck.Models;
using Bottleneck.Models.Registry;
using Bottleneck.Tensors;

namespace Bottleneck.Interop;

/// <summary>
/// Loads weights trained elsewhere (PyTorch's <c>safetensors.torch.save_file(module.state_dict(), …)</c>, or any safetensors file)
/// into a Bottleneck model described by a config.json: the tensors are matched by their state-dict names (<c>encoder.0.weight</c>,
/// <c>decoder.2.bias</c>, <c>encoder.1.running_mean</c>…), with the shapes of PyTorch's layers (Linear weight (out, in), Conv2d
/// weight (C_out, C_in/G, k, k)…), so a PyTorch module built with the same layers in the same order loads as it is. Any dtype the
/// safetensors reader takes (F32, F64, F16, BF16, integers; <c>num_batches_tracked</c> is int64 in PyTorch) is converted to float32.
/// </summary>
public static class SafetensorsImport
{
    /// <summary>
    /// The model of <paramref name="configPath"/> with the weights of <paramref name="weightsPath"/>, in eval mode, ready for
    /// <see cref="ModelStore.Save(string, SavedModel)"/>.
    /// </summary>
    /// <param name="weightsPath">A .safetensors file whose tensor names are the model's state-dict names (every one, no others).</param>
    /// <param name="configPath">A JSON file with <c>kind</c> (a registered kind) and <c>config</c> (the kind's config, as in a model
    /// folder's config.json), and optionally <c>preprocessing</c> (default: no scaling), <c>tabular</c> and <c>featureNames</c>: a
    /// model folder's config.json is such a file.</param>
    /// <returns>The model with its preprocessing; the data source names the weights file.</returns>
    /// <exception cref="ModelFileException">A file is missing or malformed, a tensor is missing, unexpected, mis-shaped or not finite;
    /// the message names the file and the tensor.</exception>
    public static SavedModel Load(string weightsPath, string configPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(weightsPath);
        ArgumentException.ThrowIfNullOrWhiteSpace(configPath);
        if (!File.Exists(configPath)) throw new ModelFileException($"{configPath} does not exist", configPath);
        if (!File.Exists(weightsPath)) throw new ModelFileException($"{weightsPath} does not exist", weightsPath);
        JsonElement root;
        try
        {
            using var doc = JsonDocument.Parse(InputFile.ReadAllBytes(configPath, (m, e) => new ModelFileException(m, configPath, e), ModelStore.MaxConfigBytes));
            root = doc.RootElement.Clone();
        }
        catch (JsonException e) { throw new ModelFileException($"{configPath} is not valid JSON ({e.Message})", configPath, e); }
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("kind", out var kindE) || kindE.ValueKind != JsonValueKind.String
            || !root.TryGetProperty("config", out var configE) || configE.ValueKind != JsonValueKind.Object)
            throw new ModelFileException($"{configPath} needs a \"kind\" string and a \"config\" object (a model folder's config.json has both)", configPath);
        string kind = kindE.GetString()!;
        ModelConfig config;
        PreprocessorState pre;
        TabularEncoderState? tabular = null;
        List<string>? featureNames = null;
        try
        {
            config = ModelRegistry.FromJson(kind, configE);
            pre = root.TryGetProperty("preprocessing", out var p) && p.ValueKind == JsonValueKind.Object
                ? p.Deserialize<PreprocessorState>(ModelJson.Options) ?? throw new ArgumentException("preprocessing is null")
                : new PreprocessorState(ScalingKind.None, [], []);
            _ = new Preprocessor(pre);
            if (pre.Kind != ScalingKind.None && pre.Offset.Length != config.InputDim)
                throw new ArgumentException($"preprocessing has {pre.Offset.Length} features, the {kind} config has {config.InputDim}");
            if (root.TryGetProperty("tabular", out var t) && t.ValueKind == JsonValueKind.Object)
            {
                tabular = t.Deserialize<TabularEncoderState>(TabularEncoder.JsonOptions);
                if (tabular != null && new TabularEncoder(tabular).FeatureCount != config.InputDim)
                    throw new ArgumentException($"the tabular encoding produces {new TabularEncoder(tabular).FeatureCount} features, the {kind} config has {config.InputDim}");
            }
            if (root.TryGetProperty("featureNames", out var f) && f.ValueKind == JsonValueKind.Array)
                featureNames = f.Deserialize<List<string>>(ModelJson.Options);
        }
        catch (Exception e) when (e is ArgumentException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new ModelFileException($"{configPath} is invalid: {e.Message}", configPath, e);
        }
        var file = SafeTensors.Read(weightsPath);
        foreach (var tensor in file.Tensors)
        {
            int bad = Array.FindIndex(tensor.Data, v => !float.IsFinite(v));
            if (bad >= 0) throw new ModelFileException($"{weightsPath}: tensor \"{tensor.Name}\" holds a non-finite value at flat index {bad}", weightsPath);
        }
        var model = ModelRegistry.Create(config, new Rng(0));
        try { model.LoadStateDict(file.Tensors.ToDictionary(t => t.Name, t => (t.Shape, t.Data))); }
        catch (ArgumentException e)
        {
            throw new ModelFileException($"{weightsPath} does not fit the {kind} model of {configPath}: {e.Message}", weightsPath, e);
        }
        model.Eval();
        return new SavedModel(model, pre, null, [], null, Path.GetFullPath(weightsPath), tabular) { FeatureNames = featureNames };
    }
}
