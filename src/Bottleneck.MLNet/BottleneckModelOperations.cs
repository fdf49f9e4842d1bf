using System.IO.Compression;
using System.Runtime.CompilerServices;
using Bottleneck.IO;
using Bottleneck.ModelFiles;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace Bottleneck.MLNet;

/// <summary>
/// Saves and loads ML.NET pipelines that hold Bottleneck autoencoders as one ML.NET model file: the zip that
/// <c>mlContext.Model.Save</c> writes (the pipeline, each autoencoder as a custom-mapping entry), plus, under <c>Bottleneck/0/</c>,
/// <c>Bottleneck/1/</c>, …, each autoencoder's model folder (<c>model.safetensors</c>, <c>config.json</c> with its scaling and
/// threshold), in pipeline order. ML.NET cannot store them itself: the members of <see cref="ModelSaveContext"/> and the loader
/// registration are internal to ML.NET's own assemblies (dotnet/machinelearning #4911), so these two calls replace
/// <c>mlContext.Model.Save</c> and <c>Load</c> for such pipelines.
/// </summary>
public static class BottleneckModelOperations
{
    /// <summary>The folder of the autoencoders' model folders inside the model file: "Bottleneck/".</summary>
    public const string EntryPrefix = "Bottleneck/";

    private static readonly AsyncLocal<bool> SavingScope = new();
    private static readonly AsyncLocal<Queue<AutoencoderScoring>?> LoadingScope = new();
    /// <summary>The autoencoders of loaded pipelines: ML.NET loads each as its custom-mapping transformer, which this table ties to
    /// its weights so the pipeline can be saved again.</summary>
    private static readonly ConditionalWeakTable<ITransformer, AutoencoderScoring> LoadedMappings = new();

    internal static bool Saving => SavingScope.Value;

    /// <summary>The steps of <paramref name="model"/> in order, chains flattened (the order ML.NET saves and loads them in).</summary>
    private static IEnumerable<ITransformer> Steps(ITransformer model)
    {
        if (model is IEnumerable<ITransformer> chain)
        {
            foreach (var step in chain)
                foreach (var inner in Steps(step)) yield return inner;
        }
        else yield return model;
    }

    private static AutoencoderScoring? ScoringOf(ITransformer step) =>
        step is BottleneckAutoencoderTransformer fitted ? fitted.Scoring : LoadedMappings.TryGetValue(step, out var loaded) ? loaded : null;

    internal static AutoencoderScoring NextLoaded()
    {
        var queue = LoadingScope.Value ?? throw new InvalidOperationException(
            "a model file with a Bottleneck autoencoder is loaded with mlContext.LoadWithBottleneck(path, out schema) (namespace Bottleneck.MLNet), which reads its weights");
        return queue.TryDequeue(out var next) ? next
            : throw new InvalidDataException("the model file has more Bottleneck autoencoder entries in its pipeline than model folders under " + EntryPrefix);
    }

    /// <summary>
    /// Saves <paramref name="model"/> and <paramref name="inputSchema"/> as <c>mlContext.Model.Save</c> does, with the weights of every
    /// <see cref="BottleneckAutoencoderTransformer"/> in it, to <paramref name="filePath"/> (replaced whole or not at all).
    /// </summary>
    /// <param name="mlContext">The ML.NET context.</param>
    /// <param name="model">The fitted pipeline.</param>
    /// <param name="inputSchema">The schema of the pipeline's input data (may be null, as for <c>mlContext.Model.Save</c>).</param>
    /// <param name="filePath">The model file (.zip) to write.</param>
    /// <exception cref="ArgumentNullException"><paramref name="mlContext"/>, <paramref name="model"/> or <paramref name="filePath"/> is null.</exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static void SaveWithBottleneck(this MLContext mlContext, ITransformer model, DataViewSchema? inputSchema, string filePath)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrWhiteSpace(filePath);
        var saved = Steps(model).Select(ScoringOf).OfType<AutoencoderScoring>().ToList();
        using var buffer = new MemoryStream();
        SavingScope.Value = true;
        try { mlContext.Model.Save(model, inputSchema, buffer); }
        finally { SavingScope.Value = false; }
        string staging = Directory.CreateTempSubdirectory("bottleneck-mlnet-").FullName;
        try
        {
            using (var zip = new ZipArchive(buffer, ZipArchiveMode.Update, leaveOpen: true))
            {
                for (int i = 0; i < saved.Count; i++)
                {
                    string folder = Path.Combine(staging, i.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    ModelStore.Save(folder, saved[i].Saved);
                    foreach (var file in Directory.GetFiles(folder).Order(StringComparer.Ordinal))
                        zip.CreateEntryFromFile(file, $"{EntryPrefix}{i}/{Path.GetFileName(file)}", CompressionLevel.Optimal);
                }
            }
            AtomicFile.WriteAllBytes(filePath, buffer.ToArray());
        }
        finally { Directory.Delete(staging, recursive: true); }
    }

    /// <summary>
    /// Loads a model file written by <see cref="SaveWithBottleneck"/>: the pipeline as <c>mlContext.Model.Load</c> loads it, each
    /// autoencoder with its weights, scaling and threshold (its outputs are those of the saved pipeline, bit for bit). ML.NET
    /// restores each autoencoder as its custom-mapping transformer; <see cref="SaveWithBottleneck"/> saves such a pipeline again.
    /// </summary>
    /// <param name="mlContext">The ML.NET context (this assembly is registered in its component catalog).</param>
    /// <param name="filePath">The model file.</param>
    /// <param name="inputSchema">The saved input schema, or null when none was saved.</param>
    /// <returns>The pipeline.</returns>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="InvalidDataException">The file is not a zip, or its autoencoder entries are missing or do not match the pipeline.</exception>
    /// <exception cref="ModelFileException">An autoencoder's model folder in the file is invalid (names the file inside).</exception>
    public static ITransformer LoadWithBottleneck(this MLContext mlContext, string filePath, out DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentException.ThrowIfNullOrWhiteSpace(filePath);
        if (!File.Exists(filePath)) throw new FileNotFoundException($"{filePath}: no such model file", filePath);
        var queue = new Queue<AutoencoderScoring>();
        string staging = Directory.CreateTempSubdirectory("bottleneck-mlnet-").FullName;
        try
        {
            using (var zip = ZipFile.OpenRead(filePath))
            {
                var folders = zip.Entries.Where(e => e.FullName.StartsWith(EntryPrefix, StringComparison.Ordinal) && e.Name.Length > 0)
                    .GroupBy(e => e.FullName[EntryPrefix.Length..^(e.Name.Length + 1)])
                    .ToDictionary(g => g.Key, g => g.ToList());
                for (int i = 0; folders.TryGetValue(i.ToString(System.Globalization.CultureInfo.InvariantCulture), out var entries); i++)
                {
                    string folder = Path.Combine(staging, i.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    Directory.CreateDirectory(folder);
                    foreach (var entry in entries) entry.ExtractToFile(Path.Combine(folder, entry.Name));
                    queue.Enqueue(new AutoencoderScoring(ModelStore.Load(folder)));
                }
                if (queue.Count != folders.Count)
                    throw new InvalidDataException($"{filePath}: the model folders under {EntryPrefix} are not numbered 0, 1, … ({string.Join(", ", folders.Keys.Order())})");
            }
        }
        finally { Directory.Delete(staging, recursive: true); }

        var scorings = queue.ToArray();
        mlContext.ComponentCatalog.RegisterAssembly(typeof(BottleneckAutoencoderMappingFactory).Assembly);
        LoadingScope.Value = queue;
        ITransformer loaded;
        try { loaded = mlContext.Model.Load(filePath, out inputSchema); }
        finally { LoadingScope.Value = null; }
        if (queue.Count != 0)
            throw new InvalidDataException($"{filePath}: {queue.Count} autoencoder model folder(s) under {EntryPrefix} that no pipeline step uses");
        var mappings = Steps(loaded).Where(s => s is CustomMappingTransformer<AutoencoderInputRow, AutoencoderOutputRow>).ToList();
        if (mappings.Count != scorings.Length)
            throw new InvalidDataException($"{filePath}: {scorings.Length} autoencoder model folder(s) but {mappings.Count} autoencoder step(s) in the pipeline");
        for (int i = 0; i < mappings.Count; i++) LoadedMappings.AddOrUpdate(mappings[i], scorings[i]);
        return loaded;
    }
}
