using System.Text.Json;
using System.Text.Json.Serialization;

namespace Bottleneck.Models;

/// <summary>
/// Base of every model configuration: a record validated in its constructor and saved in config.json. Its
/// <see cref="Kind"/> is the registered kind name the model was made as; it is stored, never derived from the fields.
/// </summary>
public abstract record ModelConfig
{
    /// <summary>Sets the kind a new configuration has until <c>with { Kind = … }</c> says otherwise.</summary>
    /// <param name="defaultKind">The kind name, e.g. "dense".</param>
    protected ModelConfig(string defaultKind) => Kind = defaultKind;

    /// <summary>The registered model-kind name (e.g. "dense", "sparse"); saved as config.json's <c>kind</c>.</summary>
    [JsonIgnore] public string Kind { get; init; }

    /// <summary>D, the number of values in one input sample (the product of <see cref="InputShape"/>).</summary>
    public abstract int InputDim { get; }

    /// <summary>The shape of one input sample: [D] for rows; [C, H, W] for images and [T, F] for sequences in kinds that have them.</summary>
    [JsonIgnore] public virtual int[] InputShape => [InputDim];

    /// <summary>The code width.</summary>
    public abstract int LatentDim { get; }

    /// <summary>The decoder's output distribution p(x | z) and with it the reconstruction loss.</summary>
    [JsonIgnore] public abstract Likelihood Likelihood { get; }

    /// <summary>Compression ratio D / latentDim.</summary>
    [JsonIgnore] public double CompressionRatio => (double)InputDim / LatentDim;

    /// <summary>One line describing the architecture, e.g. "dense 784-512-128-32-128-512-784, relu, sigmoid-bce".</summary>
    public virtual string Describe() => $"{Kind} {InputDim} -> {LatentDim} -> {InputDim}, {Likelihood.Name}";

    /// <summary>
    /// For kinds whose samples are not rows (a graph, a user's ratings), one line saying so and naming what applies instead, which
    /// the commands that take rows of samples (reconstruct, detect, report, …) print when given such a model; null (default) for
    /// kinds that take rows. Lets those commands refuse a kind without knowing it.
    /// </summary>
    [JsonIgnore] public virtual string? NotRowsNote => null;

    /// <summary>The parts of the configuration for <c>bottleneck info</c>, as (name, value) rows.</summary>
    public virtual IEnumerable<(string Name, string Value)> Summary() => [];

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming <paramref name="name"/> and the value unless ≥ 1.</summary>
    protected static int AtLeastOne(int value, string name) =>
        value >= 1 ? value : throw new ArgumentOutOfRangeException(name, value, $"{name} must be ≥ 1, got {value}");

    /// <summary>Throws unless 0 ≤ value (finite).</summary>
    protected static float NonNegative(float value, string name) =>
        value >= 0 && float.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(name, value, $"{name} must be ≥ 0, got {value}");

    /// <summary>A number in descriptions: up to 6 significant digits, invariant culture.</summary>
    protected static string Num(double v) => v.ToString("G6", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>The JSON settings of config.json: camelCase names, kebab-case enums, named floating-point literals.</summary>
internal static class ModelJson
{
    /// <summary>The options.</summary>
    public static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
}
