using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Bottleneck.Data;
using Bottleneck.IO;
using Bottleneck.Kernels;
using Bottleneck.Models;
using Bottleneck.Tensors;
using Bottleneck.Training;

namespace Bottleneck.ModelFiles;

/// <summary>A trained model with everything needed to apply it to new data.</summary>
/// <param name="Model">The autoencoder (in eval mode after loading).</param>
/// <param name="Preprocessing">Scaling fitted on the training data, applied to every input before the model.</param>
/// <param name="Training">The options it was trained with, or null.</param>
/// <param name="History">Per-epoch history.</param>
/// <param name="Image">Image shape of the training data (for PNG grids), or null for tabular data.</param>
/// <param name="DataSource">Where the training data came from (informational).</param>
/// <param name="Tabular">Tabular (CSV with categorical columns) encoding fitted on the training data and applied before
/// <paramref name="Preprocessing"/>, or null (default) for numeric-only data. Saved as the optional <c>tabular</c> entry of config.json.</param>
/// <param name="Threshold">Anomaly threshold fitted on training scores, or null (default). Saved as the optional <c>threshold</c> entry.</param>
/// <param name="Normal">For a model trained only on the rows whose label column holds one value (one-class anomaly detection), that
/// column and value; null (default) otherwise. Saved as the optional <c>normalLabel</c> entry.</param>
public sealed record SavedModel(AutoencoderModel Model, PreprocessorState Preprocessing, TrainingOptions? Training,
    IReadOnlyList<EpochRecord> History, ImageShape? Image, string DataSource,
    TabularEncoderState? Tabular = null, Anomaly.ThresholdState? Threshold = null, NormalLabel? Normal = null);

/// <summary>
/// The label value that marks normal rows, as used for one-class training (<c>bottleneck train --normal-only COLUMN=VALUE</c>):
/// rows whose <paramref name="Column"/> holds <paramref name="Value"/> are normal, every other value is an anomaly.
/// </summary>
/// <param name="Column">Label column: header name or 0-based index.</param>
/// <param name="Value">The normal value, compared as text after trimming (ordinal, case-sensitive), e.g. <c>0</c> or <c>normal.</c>.</param>
public sealed record NormalLabel(string Column, string Value)
{
    /// <summary>Whether a label text is the normal value (trimmed, ordinal comparison).</summary>
    public bool Matches(string label) => string.Equals(label?.Trim(), Value, StringComparison.Ordinal);

    /// <summary>Parses <c>COLUMN=VALUE</c> (split at the first '='; both parts trimmed and non-empty).</summary>
    /// <exception cref="ArgumentException">No '=' or an empty part; the message shows the expected form.</exception>
    public static NormalLabel Parse(string text)
    {
        int eq = text?.IndexOf('=') ?? -1;
        string col = eq > 0 ? text![..eq].Trim() : "", val = eq > 0 ? text![(eq + 1)..].Trim() : "";
        if (col.Length == 0 || val.Length == 0)
            throw new ArgumentException($"--normal-only takes COLUMN=VALUE (e.g. label=0 or label=normal.), got \"{text}\"");
        return new NormalLabel(col, val);
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Column}={Value}";
}

/// <summary>
/// Model folders: <c>model.safetensors</c> (weights, tensor names = state-dict names, loadable by PyTorch's
/// safetensors) and <c>config.json</c> (kind, architecture, preprocessing, training options, history, library version,
/// backend, and the weights' SHA-256). Writes are atomic per file, weights first and config.json last; loading checks
/// everything and throws <see cref="ModelFileException"/> with the file and the problem.
/// </summary>
public static class ModelStore
{
    /// <summary>Format tag in config.json.</summary>
    public const string Format = "bottleneck-model";
    /// <summary>Format version written and read.</summary>
    public const int FormatVersion = 1;
    /// <summary>Weights file name inside a model folder.</summary>
    public const string WeightsFile = "model.safetensors";
    /// <summary>Config file name inside a model folder.</summary>
    public const string ConfigFile = "config.json";

    /// <summary>The library version written into model files.</summary>
    public static string LibraryVersion => typeof(ModelStore).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    /// <summary>Saves <paramref name="saved"/> into <paramref name="directory"/> (created if needed; existing files replaced atomically).</summary>
    public static void Save(string directory, SavedModel saved)
    {
        Directory.CreateDirectory(directory);
        var model = saved.Model;
        var tensors = model.StateDict().Select(e => (e.Name, e.Value.ShapeToArray(), e.Value.ToArray())).ToList();
        var bytes = SafeTensors.Encode(tensors, new Dictionary<string, string> { ["format"] = "pt", ["bottleneck.kind"] = model.Config.Kind });
        var weightsPath = Path.Combine(directory, WeightsFile);
        AtomicFile.WriteAllBytes(weightsPath, bytes);

        var root = new JsonObject
        {
            ["format"] = Format,
            ["formatVersion"] = FormatVersion,
            ["libraryVersion"] = LibraryVersion,
            ["backend"] = Gemm.Describe(),
            ["created"] = DateTime.UtcNow.ToString("o"),
            ["kind"] = model.Config.Kind,
            ["config"] = JsonNode.Parse(ModelRegistry.ToJson(model.Config).GetRawText()),
            ["preprocessing"] = JsonSerializer.SerializeToNode(saved.Preprocessing, ModelRegistry.Json),
            ["training"] = saved.Training is null ? null : JsonSerializer.SerializeToNode(saved.Training, ModelRegistry.Json),
            ["history"] = JsonSerializer.SerializeToNode(saved.History, ModelRegistry.Json),
            ["image"] = saved.Image is null ? null : JsonSerializer.SerializeToNode(saved.Image, ModelRegistry.Json),
            ["dataSource"] = saved.DataSource,
            ["parameters"] = model.ParameterCount(),
            ["weights"] = new JsonObject { ["file"] = WeightsFile, ["bytes"] = bytes.LongLength, ["sha256"] = Convert.ToHexStringLower(SHA256.HashData(bytes)) },
        };
        // Optional entries (absent in older files and when not used, so older readers and files stay compatible).
        if (saved.Tabular != null) root["tabular"] = JsonSerializer.SerializeToNode(saved.Tabular, TabularEncoder.JsonOptions);
        if (saved.Threshold != null) root["threshold"] = JsonSerializer.SerializeToNode(saved.Threshold, TabularEncoder.JsonOptions);
        if (saved.Normal != null) root["normalLabel"] = JsonSerializer.SerializeToNode(saved.Normal, TabularEncoder.JsonOptions);
        AtomicFile.WriteAllText(Path.Combine(directory, ConfigFile), root.ToJsonString(ModelRegistry.Json));
    }

    /// <summary>Loads a model folder written by <see cref="Save"/>; the model is returned in eval mode.</summary>
    /// <exception cref="ModelFileException">A missing, corrupt, truncated or mismatched file; the message names the file and the problem.</exception>
    public static SavedModel Load(string directory)
    {
        if (!Directory.Exists(directory)) throw new ModelFileException($"model folder {directory} does not exist", directory);
        var configPath = Path.Combine(directory, ConfigFile);
        if (!File.Exists(configPath)) throw new ModelFileException($"{configPath} is missing: {directory} is not a model folder", configPath);
        JsonElement root;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(configPath));
            root = doc.RootElement.Clone();
        }
        catch (JsonException e) { throw new ModelFileException($"{configPath} is not valid JSON ({e.Message})", configPath, e); }
        if (root.ValueKind != JsonValueKind.Object)
            throw new ModelFileException($"{configPath} is not a Bottleneck model (expected a JSON object, got {root.ValueKind})", configPath);

        string Str(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()!
            : throw new ModelFileException($"{configPath} has no '{name}' entry", configPath);
        JsonElement Section(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Object ? v
            : throw new ModelFileException($"{configPath} has no '{name}' object", configPath);
        if (Str("format") != Format) throw new ModelFileException($"{configPath} is not a Bottleneck model (format '{Str("format")}')", configPath);
        int version = root.TryGetProperty("formatVersion", out var fv) && fv.TryGetInt32(out int vv) ? vv : -1;
        if (version != FormatVersion) throw new ModelFileException($"{configPath} has format version {version}, this library reads {FormatVersion}", configPath);

        string kind = Str("kind");
        ModelConfig config;
        PreprocessorState pre;
        TrainingOptions? training = null;
        List<EpochRecord> history = [];
        ImageShape? image = null;
        TabularEncoderState? tabular = null;
        Anomaly.ThresholdState? threshold = null;
        NormalLabel? normal = null;
        try
        {
            config = ModelRegistry.FromJson(kind, Section("config"));
            pre = Section("preprocessing").Deserialize<PreprocessorState>(ModelRegistry.Json)
                  ?? throw new ModelFileException($"{configPath}: preprocessing is null", configPath);
            _ = new Preprocessor(pre);  // validates: offset and scale of equal length, finite, no zero scale
            if (root.TryGetProperty("training", out var tr) && tr.ValueKind == JsonValueKind.Object)
                training = tr.Deserialize<TrainingOptions>(ModelRegistry.Json);
            if (root.TryGetProperty("history", out var h) && h.ValueKind == JsonValueKind.Array)
                history = h.Deserialize<List<EpochRecord>>(ModelRegistry.Json) ?? [];
            if (root.TryGetProperty("image", out var im) && im.ValueKind == JsonValueKind.Object)
                image = im.Deserialize<ImageShape>(ModelRegistry.Json);
            if (root.TryGetProperty("tabular", out var tab) && tab.ValueKind == JsonValueKind.Object)
            {
                tabular = tab.Deserialize<TabularEncoderState>(TabularEncoder.JsonOptions);
                if (tabular != null) _ = new TabularEncoder(tabular);   // validates
            }
            if (root.TryGetProperty("threshold", out var th) && th.ValueKind == JsonValueKind.Object)
                threshold = th.Deserialize<Anomaly.ThresholdState>(TabularEncoder.JsonOptions);
            if (root.TryGetProperty("normalLabel", out var nl) && nl.ValueKind == JsonValueKind.Object)
            {
                normal = nl.Deserialize<NormalLabel>(TabularEncoder.JsonOptions);
                if (normal != null && (string.IsNullOrEmpty(normal.Column) || normal.Value is null))
                    throw new ArgumentException("normalLabel needs a column and a value");
            }
        }
        catch (Exception e) when (e is ArgumentException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new ModelFileException($"{configPath} is invalid: {e.Message}", configPath, e);
        }
        if (pre.Offset.Length != config.InputDim && pre.Kind != ScalingKind.None)
            throw new ModelFileException($"{configPath}: preprocessing has {pre.Offset.Length} features, the model expects {config.InputDim}", configPath);
        if (image != null && image.Size != config.InputDim)
            throw new ModelFileException($"{configPath}: image shape {image} has {image.Size} values, the model expects {config.InputDim}", configPath);

        var weightsPath = Path.Combine(directory, WeightsFile);
        if (!File.Exists(weightsPath)) throw new ModelFileException($"{weightsPath} is missing", weightsPath);
        var bytes = File.ReadAllBytes(weightsPath);
        if (root.TryGetProperty("weights", out var w))
        {
            if (w.ValueKind != JsonValueKind.Object || !w.TryGetProperty("sha256", out var sha) || sha.ValueKind != JsonValueKind.String)
                throw new ModelFileException($"{configPath}: 'weights' must be an object with a 'sha256' string", configPath);
            var actual = Convert.ToHexStringLower(SHA256.HashData(bytes));
            if (!string.Equals(actual, sha.GetString(), StringComparison.OrdinalIgnoreCase))
                throw new ModelFileException($"{weightsPath} does not match {ConfigFile} (checksum differs: the file was changed, truncated or belongs to another model)", weightsPath);
        }
        var file = SafeTensors.Parse(bytes, weightsPath);
        var model = ModelRegistry.Create(config, new Rng(0));
        try { model.LoadStateDict(file.Tensors.ToDictionary(t => t.Name, t => (t.Shape, t.Data))); }
        catch (ArgumentException e) { throw new ModelFileException($"{weightsPath} does not fit the {kind} model in {ConfigFile}: {e.Message}", weightsPath, e); }
        model.Eval();
        string source = root.TryGetProperty("dataSource", out var ds) && ds.ValueKind == JsonValueKind.String ? ds.GetString()! : "";
        if (tabular != null && new TabularEncoder(tabular).FeatureCount != config.InputDim)
            throw new ModelFileException($"{configPath}: the tabular encoding produces {new TabularEncoder(tabular).FeatureCount} features, the model expects {config.InputDim}", configPath);
        return new SavedModel(model, pre, training, history, image, source, tabular, threshold, normal);
    }
}
