using System.Text.Json;
using System.Text.Json.Serialization;
using Bottleneck.Tensors;

namespace Bottleneck.Models;

/// <summary>
/// Base of every model configuration: a record validated in its constructor, serialised to config.json with its
/// <see cref="Kind"/> so the registry can rebuild it.
/// </summary>
public abstract record ModelConfig
{
    /// <summary>The registered model-kind name (e.g. "dense").</summary>
    [JsonIgnore] public abstract string Kind { get; }

    /// <summary>D, the input width (≥ 1).</summary>
    public abstract int InputDim { get; }

    /// <summary>The code width (≥ 1).</summary>
    public abstract int LatentDim { get; }

    /// <summary>The output activation and reconstruction loss.</summary>
    public abstract Reconstruction Output { get; }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming <paramref name="name"/> and the value unless ≥ 1.</summary>
    protected static int AtLeastOne(int value, string name) =>
        value >= 1 ? value : throw new ArgumentOutOfRangeException(name, value, $"{name} must be ≥ 1, got {value}");

    /// <summary>Throws unless 0 ≤ value (finite).</summary>
    protected static float NonNegative(float value, string name) =>
        value >= 0 && float.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(name, value, $"{name} must be ≥ 0, got {value}");
}

/// <summary>A registered model kind: its name, config type, a factory and an example config for tests and help.</summary>
/// <param name="Name">Kind name used by configs and the CLI's <c>--model</c>.</param>
/// <param name="Description">One line for help texts and the README table.</param>
/// <param name="ConfigType">The concrete <see cref="ModelConfig"/> record type.</param>
/// <param name="Create">Builds a model from a config (of <paramref name="ConfigType"/>) and a generator for the initial weights.</param>
/// <param name="Example">An example config for a given input width (used by the contract tests).</param>
public sealed record ModelKind(string Name, string Description, Type ConfigType, Func<ModelConfig, Rng, AutoencoderModel> Create, Func<int, ModelConfig> Example);

/// <summary>Maps model-kind names to configs and factories. Kinds register themselves in <see cref="ModelRegistry"/>'s static constructor.</summary>
public static class ModelRegistry
{
    private static readonly Dictionary<string, ModelKind> Kinds = new(StringComparer.OrdinalIgnoreCase);

    static ModelRegistry()
    {
        Register(Dense.DenseAutoencoder.Kind);
        Register(Dense.DenseAutoencoder.SparseKind);
        Register(Dense.DenseAutoencoder.DenoisingKind);
        Register(Dense.DenseAutoencoder.ContractiveKind);
        Register(Dense.DenseAutoencoder.StackedKind);
        Register(Dense.DenseAutoencoder.LinearKind);
        Register(Pca.PcaModel.Kind);
    }

    /// <summary>Adds a kind.</summary>
    /// <exception cref="ArgumentException">The name is already registered.</exception>
    public static void Register(ModelKind kind)
    {
        if (!Kinds.TryAdd(kind.Name, kind)) throw new ArgumentException($"model kind '{kind.Name}' is already registered");
    }

    /// <summary>Every registered kind, by name.</summary>
    public static IReadOnlyList<ModelKind> All => Kinds.Values.OrderBy(k => k.Name, StringComparer.Ordinal).ToList();

    /// <summary>The kind named <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">No such kind; the message lists the known ones.</exception>
    public static ModelKind Get(string name) =>
        Kinds.TryGetValue(name, out var k) ? k : throw new ArgumentException($"unknown model kind '{name}'; known kinds: {string.Join(", ", All.Select(x => x.Name))}");

    /// <summary>Builds a model from its config.</summary>
    public static AutoencoderModel Create(ModelConfig config, Rng rng) => Get(config.Kind).Create(config, rng);

    internal static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Serialises a config (its concrete type's properties) to a JSON element.</summary>
    public static JsonElement ToJson(ModelConfig config) => JsonSerializer.SerializeToElement(config, config.GetType(), Json);

    /// <summary>Rebuilds a config of kind <paramref name="kind"/> from JSON; the record's constructor validates it.</summary>
    /// <exception cref="ArgumentException">Unknown kind, malformed JSON or an invalid value (message says which).</exception>
    public static ModelConfig FromJson(string kind, JsonElement json)
    {
        var k = Get(kind);
        try
        {
            return (ModelConfig)(json.Deserialize(k.ConfigType, Json) ?? throw new ArgumentException($"config for '{kind}' is null"));
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"config for model kind '{kind}' is malformed: {e.Message}", e);
        }
    }
}
