using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Bottleneck.Data;
using Bottleneck.IO;
using Bottleneck.Kernels;
using Bottleneck.Models;
using Bottleneck.Models.Registry;
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
/// <param name="Sections">Further entries of config.json owned by the layers above this one (e.g. the anomaly threshold), or null
/// (default) for none.</param>
public sealed record SavedModel(AutoencoderModel Model, PreprocessorState Preprocessing, TrainingOptions? Training,
    IReadOnlyList<EpochRecord> History, ImageShape? Image, string DataSource,
    TabularEncoderState? Tabular = null, ModelSections? Sections = null)
{
    /// <summary>The folder the model was loaded from, or null for a model that was not loaded (used in messages).</summary>
    public string? Folder { get; init; }

    /// <summary>Which release wrote the folder, when, and on which backend (set when loaded; null for a model that was not loaded).</summary>
    public ModelProvenance? Provenance { get; init; }

    /// <summary>The files the model was trained on (absolute canonical paths, sizes and SHA-256), or null when not recorded (older
    /// folders, demo data). Saved as config.json's optional <c>dataFiles</c>; a command that re-reads the training data checks them.</summary>
    public IReadOnlyList<DataFileFingerprint>? DataFiles { get; init; }

    /// <summary>The feature column names of the headed numeric CSV the model was trained on, in order, or null (no header, other
    /// data, or a tabular encoding, which keeps its own columns). Saved as config.json's optional <c>featureNames</c>; CSV data with a
    /// header must have the same names in the same order (<see cref="ModelStore.CheckColumns(SavedModel, IReadOnlyList{string}?, string)"/>).</summary>
    public IReadOnlyList<string>? FeatureNames { get; init; }

    /// <summary>The config.json path for messages: <see cref="Folder"/>/config.json, or "config.json".</summary>
    public string ConfigPath => Folder is null ? ModelStore.ConfigFile : Path.Combine(Folder, ModelStore.ConfigFile);
}

/// <summary>Which release wrote a model folder, when, and on which GEMM backend (informational; "?" where the file does not say).</summary>
/// <param name="FormatVersion">The folder's format version.</param>
/// <param name="LibraryVersion">Version of the library that wrote it.</param>
/// <param name="Backend">The GEMM backend it was trained on (<see cref="Gemm.Describe"/>).</param>
/// <param name="Created">When it was written (ISO 8601, UTC).</param>
public sealed record ModelProvenance(int FormatVersion, string LibraryVersion, string Backend, string Created);

/// <summary>
/// Named JSON entries of config.json that a layer above the model files owns (the anomaly layer's <c>threshold</c> and
/// <c>normalLabel</c>), kept as JSON here so that model files do not depend on those layers. Immutable.
/// </summary>
public sealed class ModelSections
{
    private readonly Dictionary<string, JsonElement> _entries;

    private ModelSections(Dictionary<string, JsonElement> entries) => _entries = entries;

    /// <summary>No sections.</summary>
    public static ModelSections Empty { get; } = new(new(StringComparer.Ordinal));

    /// <summary>The section names, sorted.</summary>
    public IEnumerable<string> Names => _entries.Keys.Order(StringComparer.Ordinal);

    /// <summary>The section called <paramref name="name"/>, or false when there is none.</summary>
    public bool TryGet(string name, out JsonElement value) => _entries.TryGetValue(name, out value);

    /// <summary>These sections with <paramref name="name"/> set to <paramref name="value"/> serialized with <paramref name="options"/>
    /// (null removes it).</summary>
    /// <exception cref="ArgumentException">The name is one of config.json's own entries.</exception>
    public ModelSections With<T>(string name, T? value, JsonSerializerOptions? options = null)
    {
        if (ModelStore.ReservedEntries.Contains(name)) throw new ArgumentException($"'{name}' is an entry of config.json itself, not a section");
        var copy = new Dictionary<string, JsonElement>(_entries, StringComparer.Ordinal);
        if (value is null) copy.Remove(name);
        else copy[name] = JsonSerializer.SerializeToElement(value, options);
        return new ModelSections(copy);
    }

    internal static ModelSections From(IEnumerable<KeyValuePair<string, JsonElement>> entries) =>
        new(entries.ToDictionary(e => e.Key, e => e.Value.Clone(), StringComparer.Ordinal));
}

/// <summary>
/// Model folders: <c>model.safetensors</c> (weights, tensor names = state-dict names, loadable by PyTorch's
/// safetensors) and <c>config.json</c> (kind, architecture, preprocessing, training options, history with each loss term,
/// library version, backend, the weights' SHA-256, and the sections of upper layers). A folder is replaced as a unit (written into a
/// temporary sibling and swapped in, see <see cref="AtomicDirectory"/>), weights first and config.json last; loading checks everything and throws <see cref="ModelFileException"/> with the file and the problem.
/// </summary>
/// <remarks>
/// Format versions: 2 is written. 1 (until the model-core change) is read: its config.json has the same entries (the kind was
/// derived from the config then and written, so it loads as that kind), its history has no loss terms, and its likelihoods are
/// the three of that release (sigmoid-bce, linear-mse, tanh-mse). A version-1 reader refuses version-2 folders, which may use
/// likelihoods it does not know (gaussian-nll).
/// </remarks>
public static class ModelStore
{
    /// <summary>Format tag in config.json.</summary>
    public const string Format = "bottleneck-model";
    /// <summary>Format version written.</summary>
    public const int FormatVersion = 2;
    /// <summary>Format versions read.</summary>
    public static readonly IReadOnlyList<int> ReadableVersions = [1, 2];

    /// <summary>The entries of config.json that are the model file's own; every other entry is a section (<see cref="ModelSections"/>).</summary>
    internal static readonly HashSet<string> ReservedEntries = new(StringComparer.Ordinal)
    {
        "format", "formatVersion", "libraryVersion", "backend", "created", "kind", "config", "preprocessing", "training", "history",
        "image", "dataSource", "parameters", "weights", "tabular", "dataFiles", "featureNames",
    };

    /// <summary>Largest config.json read (64 MB; a config with a large tabular vocabulary is a few MB).</summary>
    public const long MaxConfigBytes = 64L << 20;

    /// <summary>
    /// Refuses headed CSV data whose feature columns are not the ones <paramref name="saved"/> was trained on, in the same order
    /// (a reordered file would be scored silently with every feature in the wrong place).
    /// </summary>
    /// <param name="saved">The model.</param>
    /// <param name="names">The data's feature column names in order (label excluded), or null for data without a header (checked by width only).</param>
    /// <param name="source">The data file, for the message.</param>
    /// <exception cref="DataException">The names differ; the message names the first differing position and both names.</exception>
    public static void CheckColumns(SavedModel saved, IReadOnlyList<string>? names, string source)
    {
        ArgumentNullException.ThrowIfNull(saved);
        CheckColumns(saved.FeatureNames, names, source, saved.Folder ?? "memory");
    }

    /// <summary>As <see cref="CheckColumns(SavedModel, IReadOnlyList{string}?, string)"/> for the recorded names <paramref name="expected"/>
    /// (null: nothing recorded, nothing checked) of the model in <paramref name="folder"/>.</summary>
    /// <exception cref="DataException">The names differ.</exception>
    public static void CheckColumns(IReadOnlyList<string>? expected, IReadOnlyList<string>? names, string source, string folder)
    {
        if (expected is null || names is null) return;
        if (expected.SequenceEqual(names, StringComparer.Ordinal)) return;
        if (names.Count != expected.Count)
            throw new DataException($"{source}: the header has {names.Count} feature columns, the model in {folder} was trained on {expected.Count}: " +
                                    $"{string.Join(", ", expected.Take(20).Select(n => $"\"{n}\""))}{(expected.Count > 20 ? ", ..." : "")}", source);
        int i = Enumerable.Range(0, names.Count).First(k => !string.Equals(names[k], expected[k], StringComparison.Ordinal));
        bool reordered = names.Order(StringComparer.Ordinal).SequenceEqual(expected.Order(StringComparer.Ordinal), StringComparer.Ordinal);
        throw new DataException($"{source}: the header does not match the columns the model was trained on: feature column {i} (0-based) is \"{names[i]}\", " +
                                $"the model expects \"{expected[i]}\"{(reordered ? " (the same columns in another order; reorder them as in training)" : "")}", source);
    }
    /// <summary>Weights file name inside a model folder.</summary>
    public const string WeightsFile = "model.safetensors";
    /// <summary>Config file name inside a model folder.</summary>
    public const string ConfigFile = "config.json";

    /// <summary>The library version written into model files.</summary>
    public static string LibraryVersion => typeof(ModelStore).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    /// <summary>
    /// Saves <paramref name="saved"/> as the model folder <paramref name="directory"/>, replacing any model there as a unit
    /// (<see cref="AtomicDirectory"/>: written into a temporary sibling folder, then swapped in; the folder's lock is held meanwhile).
    /// </summary>
    /// <param name="directory">The model folder (created if needed).</param>
    /// <param name="saved">The model and what goes with it.</param>
    /// <exception cref="IOException">The folder is being written by another process, is not a model folder
    /// (<see cref="CheckReplaceable"/>), or the file system refused a write.</exception>
    public static void Save(string directory, SavedModel saved)
    {
        CheckReplaceable(directory);
        using var writer = AtomicDirectory.Begin(directory, "model");
        Save(writer, saved);
        writer.Commit();
    }

    /// <summary>
    /// Writes the files of <paramref name="saved"/> (weights first, config.json last) into the temporary folder of
    /// <paramref name="writer"/>; the caller may add files (a reconstruction grid, the checkpoint) before <see cref="AtomicDirectory.Commit"/>.
    /// </summary>
    /// <param name="writer">The model folder being replaced.</param>
    /// <param name="saved">The model and what goes with it.</param>
    /// <exception cref="IOException">The file system refused a write.</exception>
    public static void Save(AtomicDirectory writer, SavedModel saved)
    {
        ArgumentNullException.ThrowIfNull(writer);
        try { WriteFiles(writer.Staging, saved); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw writer.Named(e); }
    }

    /// <summary>
    /// Refuses to replace a folder that holds more than a model, since a model folder is replaced as a whole: an existing folder
    /// may hold config.json, <c>*.safetensors</c>, <c>*.json</c> and <c>*.png</c> files, <c>metrics.jsonl</c>, the checkpoint subfolder and hidden
    /// leftovers of its writers; anything else (a data file, a notes file, another subfolder, e.g. <c>--out</c> pointed at a data
    /// folder) would be deleted by the swap, so it is an error naming the folder and the entry.
    /// </summary>
    /// <param name="directory">The intended model folder.</param>
    /// <param name="checkpointFolder">Name of the checkpoint subfolder (default "checkpoint").</param>
    /// <exception cref="IOException">The folder holds an entry that is not part of a model (names the folder and the entry).</exception>
    public static void CheckReplaceable(string directory, string checkpointFolder = "checkpoint")
    {
        if (string.IsNullOrWhiteSpace(directory) || !Directory.Exists(directory)) return;
        bool model = File.Exists(Path.Combine(directory, ConfigFile));
        foreach (var entry in new DirectoryInfo(directory).EnumerateFileSystemInfos())
        {
            string name = entry.Name;
            bool owned = entry is DirectoryInfo
                ? name == checkpointFolder || name.StartsWith("." + checkpointFolder + ".", StringComparison.Ordinal)
                : name.StartsWith("." + checkpointFolder + ".", StringComparison.Ordinal) || Path.GetExtension(name) is ".safetensors" or ".json" or ".png"
                  || name == MetricsLog.FileName || name.StartsWith("." + MetricsLog.FileName + ".tmp-", StringComparison.Ordinal);
            if (owned) continue;
            throw new IOException(model
                ? $"{directory} holds '{name}', which is not part of a model: a model folder is replaced as a whole when it is written, " +
                  "so move it out of the folder or give another folder"
                : $"{directory} is a folder that is not a model folder (no {ConfigFile}; it holds '{name}'): a model folder is written " +
                  "as a whole and replaces what is there, so give a new or empty folder");
        }
    }

    private static void WriteFiles(string directory, SavedModel saved)
    {
        var model = saved.Model;
        var tensors = model.StateDict().Select(e => (e.Name, e.Value.ShapeToArray(), e.Value.ToArray())).ToList();
        var bytes = SafeTensors.Encode(tensors, new Dictionary<string, string> { ["format"] = "pt", ["bottleneck.kind"] = model.Config.Kind });
        var weightsPath = Path.Combine(directory, WeightsFile);
        AtomicFile.WriteAllBytes(weightsPath, bytes);
        FaultInjection.Point("weights-written");

        var root = new JsonObject
        {
            ["format"] = Format,
            ["formatVersion"] = FormatVersion,
            ["libraryVersion"] = LibraryVersion,
            ["backend"] = Gemm.Describe(),
            ["created"] = DateTime.UtcNow.ToString("o"),
            ["kind"] = model.Config.Kind,
            ["config"] = JsonNode.Parse(ModelRegistry.ToJson(model.Config).GetRawText()),
            ["preprocessing"] = JsonSerializer.SerializeToNode(saved.Preprocessing, ModelJson.Options),
            ["training"] = saved.Training is null ? null : JsonSerializer.SerializeToNode(saved.Training, ModelJson.Options),
            ["history"] = JsonSerializer.SerializeToNode(saved.History, ModelJson.Options),
            ["image"] = saved.Image is null ? null : JsonSerializer.SerializeToNode(saved.Image, ModelJson.Options),
            ["dataSource"] = saved.DataSource,
            ["parameters"] = model.ParameterCount(),
            ["weights"] = new JsonObject { ["file"] = WeightsFile, ["bytes"] = bytes.LongLength, ["sha256"] = Convert.ToHexStringLower(SHA256.HashData(bytes)) },
        };
        // Optional entries (absent in older files and when not used, so older readers and files stay compatible).
        if (saved.Tabular != null) root["tabular"] = JsonSerializer.SerializeToNode(saved.Tabular, TabularEncoder.JsonOptions);
        if (saved.DataFiles != null) root["dataFiles"] = JsonSerializer.SerializeToNode(saved.DataFiles, ModelJson.Options);
        if (saved.FeatureNames != null) root["featureNames"] = JsonSerializer.SerializeToNode(saved.FeatureNames, ModelJson.Options);
        foreach (var name in (saved.Sections ?? ModelSections.Empty).Names)
        {
            saved.Sections!.TryGet(name, out var value);
            root[name] = JsonNode.Parse(value.GetRawText());
        }
        AtomicFile.WriteAllText(Path.Combine(directory, ConfigFile), root.ToJsonString(ModelJson.Options));
        FaultInjection.Point("config-written");
    }

    /// <summary>Loads a model folder written by <see cref="Save(string, SavedModel)"/>; the model is returned in eval mode.</summary>
    /// <exception cref="ModelFileException">A missing, corrupt, truncated or mismatched file; the message names the file and the problem.</exception>
    public static SavedModel Load(string directory)
    {
        // Reading a JSON string that is not valid UTF-8 or has an unpaired surrogate escape throws InvalidOperationException, and a
        // number given as an unparsable string FormatException: both mean a corrupt config.json.
        try { return LoadResolved(directory); }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            var configPath = Path.Combine(directory, ConfigFile);
            throw new ModelFileException($"{configPath} is invalid: {e.Message}", configPath, e);
        }
    }

    private static SavedModel LoadResolved(string directory)
    {
        // A swap stopped between its two renames: read the complete folder beside it, naming the user's folder in messages.
        string read = AtomicDirectory.ResolveForReading(directory);
        if (read == directory) return LoadFolder(directory);
        try { return LoadFolder(read) with { Folder = directory }; }
        catch (ModelFileException e) { throw new ModelFileException(e.Message.Replace(read, directory, StringComparison.Ordinal), directory, e); }
    }

    private static SavedModel LoadFolder(string directory)
    {
        if (!Directory.Exists(directory)) throw new ModelFileException($"model folder {directory} does not exist", directory);
        var configPath = Path.Combine(directory, ConfigFile);
        if (!File.Exists(configPath)) throw new ModelFileException($"{configPath} is missing: {directory} is not a model folder", configPath);
        JsonElement root;
        try
        {
            var text = InputFile.ReadAllBytes(configPath, (m, e) => new ModelFileException(m, configPath, e), MaxConfigBytes);
            using var doc = JsonDocument.Parse(text);
            root = doc.RootElement.Clone();
        }
        catch (JsonException e) { throw new ModelFileException($"{configPath} is not valid JSON ({e.Message})", configPath, e); }
        catch (ArgumentException e) { throw new ModelFileException($"{configPath} is not valid UTF-8 JSON ({e.Message})", configPath, e); }
        if (root.ValueKind != JsonValueKind.Object)
            throw new ModelFileException($"{configPath} is not a Bottleneck model (expected a JSON object, got {root.ValueKind})", configPath);
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in root.EnumerateObject())
            if (!names.Add(p.Name)) throw new ModelFileException($"{configPath} has the entry '{p.Name}' twice", configPath);

        string Str(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()!
            : throw new ModelFileException($"{configPath} has no '{name}' entry", configPath);
        JsonElement Section(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Object ? v
            : throw new ModelFileException($"{configPath} has no '{name}' object", configPath);
        if (Str("format") != Format) throw new ModelFileException($"{configPath} is not a Bottleneck model (format '{Str("format")}')", configPath);
        int version = root.TryGetProperty("formatVersion", out var fv) && fv.TryGetInt32(out int vv) ? vv : -1;
        if (!ReadableVersions.Contains(version))
            throw new ModelFileException($"{configPath} has format version {version}, this library reads versions {string.Join(" and ", ReadableVersions)}", configPath);

        string kind = Str("kind");
        ModelConfig config;
        PreprocessorState pre;
        TrainingOptions? training = null;
        List<EpochRecord> history = [];
        ImageShape? image = null;
        TabularEncoderState? tabular = null;
        List<DataFileFingerprint>? dataFiles = null;
        List<string>? featureNames = null;
        try
        {
            if (root.TryGetProperty("dataFiles", out var df) && df.ValueKind == JsonValueKind.Array)
            {
                dataFiles = df.Deserialize<List<DataFileFingerprint>>(ModelJson.Options);
                if (dataFiles != null && dataFiles.Any(f => f is null || string.IsNullOrEmpty(f.Path) || f.Bytes < 0 || f.Sha256 is not { Length: 64 }))
                    throw new ArgumentException("'dataFiles' entries need a path, a size and a 64-digit SHA-256");
            }
            if (root.TryGetProperty("featureNames", out var fn) && fn.ValueKind == JsonValueKind.Array)
            {
                featureNames = fn.Deserialize<List<string>>(ModelJson.Options);
                if (featureNames != null && featureNames.Any(n => n is null))
                    throw new ArgumentException("'featureNames' must be an array of strings");
            }
            config = ModelRegistry.FromJson(kind, Section("config"));
            pre = Section("preprocessing").Deserialize<PreprocessorState>(ModelJson.Options)
                  ?? throw new ModelFileException($"{configPath}: preprocessing is null", configPath);
            _ = new Preprocessor(pre);  // validates: offset and scale of equal length, finite, no zero scale
            if (root.TryGetProperty("training", out var tr) && tr.ValueKind == JsonValueKind.Object)
                training = tr.Deserialize<TrainingOptions>(ModelJson.Options);
            if (root.TryGetProperty("history", out var h) && h.ValueKind == JsonValueKind.Array)
                history = h.Deserialize<List<EpochRecord>>(ModelJson.Options) ?? [];
            if (root.TryGetProperty("image", out var im) && im.ValueKind == JsonValueKind.Object)
                image = im.Deserialize<ImageShape>(ModelJson.Options);
            if (root.TryGetProperty("tabular", out var tab) && tab.ValueKind == JsonValueKind.Object)
            {
                tabular = tab.Deserialize<TabularEncoderState>(TabularEncoder.JsonOptions);
                if (tabular != null) _ = new TabularEncoder(tabular);   // validates
            }
        }
        catch (Exception e) when (e is ArgumentException or JsonException or KeyNotFoundException or InvalidOperationException or NotSupportedException)
        {
            throw new ModelFileException($"{configPath} is invalid: {e.Message}", configPath, e);
        }
        if (pre.Offset.Length != config.InputDim && pre.Kind != ScalingKind.None)
            throw new ModelFileException($"{configPath}: preprocessing has {pre.Offset.Length} features, the model expects {config.InputDim}", configPath);
        if (image != null && image.Size != config.InputDim)
            throw new ModelFileException($"{configPath}: image shape {image} has {image.Size} values, the model expects {config.InputDim}", configPath);

        var weightsPath = Path.Combine(directory, WeightsFile);
        if (!File.Exists(weightsPath)) throw new ModelFileException($"{weightsPath} is missing", weightsPath);
        var bytes = InputFile.ReadAllBytes(weightsPath, (m, e) => new ModelFileException(m, weightsPath, e));
        // The checksum is required: without it a torn or swapped pair of files cannot be detected.
        if (!root.TryGetProperty("weights", out var w) || w.ValueKind != JsonValueKind.Object || !w.TryGetProperty("sha256", out var sha) || sha.ValueKind != JsonValueKind.String)
            throw new ModelFileException($"{configPath}: 'weights' must be an object with the 'sha256' of {WeightsFile}; without it the weights cannot be checked, so the folder is refused", configPath);
        var actual = Convert.ToHexStringLower(SHA256.HashData(bytes));
        if (!string.Equals(actual, sha.GetString(), StringComparison.OrdinalIgnoreCase))
            throw new ModelFileException($"{weightsPath} does not match {ConfigFile} (checksum differs: the file was changed, truncated or belongs to another model)", weightsPath);
        var file = SafeTensors.Parse(bytes, weightsPath);
        foreach (var t in file.Tensors)
        {
            int bad = Array.FindIndex(t.Data, v => !float.IsFinite(v));
            if (bad >= 0)
                throw new ModelFileException($"{weightsPath}: tensor \"{t.Name}\" holds {t.Data[bad].ToString(System.Globalization.CultureInfo.InvariantCulture)} at flat index {bad}: " +
                                             "weights must be finite (the model diverged or the file was edited)", weightsPath);
        }
        AutoencoderModel model;
        // A config whose sizes cannot be built (a dimension of 2³¹ makes a tensor too large) is a corrupt config, not a crash.
        try { model = ModelRegistry.Create(config, new Rng(0)); }
        catch (Exception e) when (e is ArgumentException or OverflowException or OutOfMemoryException)
        {
            throw new ModelFileException($"{configPath}: the {kind} model it describes cannot be built ({e.Message}); {WeightsFile} holds " +
                                         $"{file.Tensors.Sum(t => (long)t.Data.Length)} values", configPath, e);
        }
        try { model.LoadStateDict(file.Tensors.ToDictionary(t => t.Name, t => (t.Shape, t.Data))); }
        catch (ArgumentException e) { throw new ModelFileException($"{weightsPath} does not fit the {kind} model in {ConfigFile}: {e.Message}", weightsPath, e); }
        model.Eval();
        string source = root.TryGetProperty("dataSource", out var ds) && ds.ValueKind == JsonValueKind.String ? ds.GetString()! : "";
        if (tabular != null && new TabularEncoder(tabular).FeatureCount != config.InputDim)
            throw new ModelFileException($"{configPath}: the tabular encoding produces {new TabularEncoder(tabular).FeatureCount} features, the model expects {config.InputDim}", configPath);
        var sections = ModelSections.From(root.EnumerateObject().Where(p => !ReservedEntries.Contains(p.Name) && p.Value.ValueKind != JsonValueKind.Null)
            .Select(p => new KeyValuePair<string, JsonElement>(p.Name, p.Value)));
        string Info(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "?";
        return new SavedModel(model, pre, training, history, image, source, tabular, sections)
        {
            Folder = directory,
            DataFiles = dataFiles,
            FeatureNames = featureNames,
            Provenance = new ModelProvenance(version, Info("libraryVersion"), Info("backend"), Info("created")),
        };
    }
}
