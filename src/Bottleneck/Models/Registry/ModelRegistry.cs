using System.Reflection;
using System.Text.Json;
using Bottleneck.Tensors;
using Bottleneck.Training;

namespace Bottleneck.Models.Registry;

/// <summary>
/// A registered model kind: its name (saved in config.json), its config type, how a model is built from a config, how it is
/// fitted, and an example for the contract tests and help texts. A kind is defined in its own folder (Models/KIND) and added
/// to <see cref="ModelRegistry"/> with one line.
/// </summary>
/// <param name="Name">Kind name: config.json's <c>kind</c> and the CLI's <c>--kind</c> (kebab-case).</param>
/// <param name="Description">One line for help texts and the README table.</param>
/// <param name="ConfigType">The concrete <see cref="ModelConfig"/> record type.</param>
/// <param name="Create">Builds a model from a config (of <paramref name="ConfigType"/>) and a generator for the initial weights.</param>
/// <param name="ExampleShape">The sample shape of the example (e.g. [12]); the contract tests build <paramref name="Example"/> of it.</param>
/// <param name="Example">An example config of this kind for a sample shape.</param>
/// <param name="Fit">The fit procedure for a config and training options; null (default) = gradient descent (<see cref="Trainer"/>).</param>
public sealed record ModelKind(string Name, string Description, Type ConfigType, Func<ModelConfig, Rng, AutoencoderModel> Create,
    int[] ExampleShape, Func<int[], ModelConfig> Example, Func<ModelConfig, TrainingOptions, IFitProcedure>? Fit = null)
{
    /// <summary>The fit procedure for <paramref name="config"/> trained with <paramref name="options"/>.</summary>
    /// <exception cref="ArgumentException">The config does not fit the procedure (e.g. a stacked config without a schedule).</exception>
    public IFitProcedure CreateFit(ModelConfig config, TrainingOptions options) =>
        Fit is null ? new Trainer(options) : Fit(config, options);
}

/// <summary>
/// Names the class that holds a kind folder's <see cref="ModelKind"/> entries (its public static fields): the one line a kind
/// adds to register itself, <c>[assembly: ModelKinds(typeof(ConvKinds))]</c>, written in its own folder. The registry reads
/// these attributes when it is first used, so it references no kind and no kind's code is edited to add another.
/// </summary>
/// <param name="source">A static class whose public static <see cref="ModelKind"/> fields are the kinds.</param>
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = true)]
public sealed class ModelKindsAttribute(Type source) : Attribute
{
    /// <summary>The class holding the entries.</summary>
    public Type Source { get; } = source;
}

/// <summary>
/// Maps model-kind names to their <see cref="ModelKind"/> entries, and (de)serializes configs by kind for config.json. The
/// built-in kinds register through <see cref="ModelKindsAttribute"/> lines in their folders; others with <see cref="Register"/>.
/// </summary>
public static class ModelRegistry
{
    private static readonly Dictionary<string, ModelKind> Kinds = new(StringComparer.OrdinalIgnoreCase);

    static ModelRegistry()
    {
        foreach (var a in typeof(ModelRegistry).Assembly.GetCustomAttributes<ModelKindsAttribute>())
            foreach (var field in a.Source.GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.FieldType == typeof(ModelKind)).OrderBy(f => f.MetadataToken))
                Register((ModelKind)field.GetValue(null)!);
    }

    /// <summary>Adds a kind.</summary>
    /// <exception cref="ArgumentException">The name is already registered.</exception>
    public static void Register(ModelKind kind)
    {
        ArgumentNullException.ThrowIfNull(kind);
        if (!Kinds.TryAdd(kind.Name, kind)) throw new ArgumentException($"model kind '{kind.Name}' is already registered");
    }

    /// <summary>Every registered kind, by name.</summary>
    public static IReadOnlyList<ModelKind> All => Kinds.Values.OrderBy(k => k.Name, StringComparer.Ordinal).ToList();

    /// <summary>The kind named <paramref name="name"/> (case-insensitive).</summary>
    /// <exception cref="ArgumentException">No such kind; the message lists the known ones.</exception>
    public static ModelKind Get(string name) =>
        Kinds.TryGetValue(name ?? "", out var k) ? k : throw new ArgumentException($"unknown model kind '{name}'; known kinds: {string.Join(", ", All.Select(x => x.Name))}");

    /// <summary>Builds a model from its config, by the config's <see cref="ModelConfig.Kind"/>.</summary>
    /// <exception cref="ArgumentException">Unknown kind, or a config of another type than the kind's.</exception>
    public static AutoencoderModel Create(ModelConfig config, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(config);
        var kind = Get(config.Kind);
        if (!kind.ConfigType.IsInstanceOfType(config))
            throw new ArgumentException($"model kind '{kind.Name}' takes a {kind.ConfigType.Name}, got a {config.GetType().Name}");
        return kind.Create(config, rng);
    }

    /// <summary>The fit procedure of <paramref name="config"/>'s kind for <paramref name="options"/>.</summary>
    /// <exception cref="ArgumentException">Unknown kind, or a config the procedure cannot fit.</exception>
    public static IFitProcedure CreateFit(ModelConfig config, TrainingOptions options) => Get(config.Kind).CreateFit(config, options);

    /// <summary>Serialises a config (its concrete type's properties) to a JSON element.</summary>
    public static JsonElement ToJson(ModelConfig config) => JsonSerializer.SerializeToElement(config, config.GetType(), ModelJson.Options);

    /// <summary>Rebuilds a config of kind <paramref name="kind"/> from JSON; the record's constructor validates it.</summary>
    /// <exception cref="ArgumentException">Unknown kind, malformed JSON or an invalid value (message says which).</exception>
    public static ModelConfig FromJson(string kind, JsonElement json)
    {
        var k = Get(kind);
        try
        {
            var config = (ModelConfig)(json.Deserialize(k.ConfigType, ModelJson.Options) ?? throw new ArgumentException($"config for '{kind}' is null"));
            return config with { Kind = k.Name };
        }
        catch (Exception e) when (e is JsonException or NotSupportedException)
        {
            // NotSupportedException: System.Text.Json's answer to a polymorphic value without its type discriminator
            // (e.g. "regularizer": {"rule": …} with no "type").
            throw new ArgumentException($"config for model kind '{kind}' is malformed: {e.Message}", e);
        }
    }
}
