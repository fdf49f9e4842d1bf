using System.Text.Json;
using Bottleneck.Cli.Commands;
using Bottleneck.Models;
using Bottleneck.Models.Dense;

namespace Bottleneck.Cli.Services;

/// <summary>Human-readable descriptions of model configs.</summary>
internal static class ModelText
{
    /// <summary>One line: kind, layer widths and the main settings, e.g. "dense 784-512-128-32-128-512-784, relu, sigmoid-bce".</summary>
    public static string Architecture(ModelConfig config)
    {
        if (config is DenseConfig d)
        {
            int[] enc = d.EncoderWidths();
            var widths = enc.Concat(enc.Reverse().Skip(1));
            var extras = new List<string> { ModelOptions.ActivationNames[(int)d.HiddenActivation], ModelOptions.OutputName(d.Output) };
            if (d.TiedWeights) extras.Add("tied");
            if (d.Dropout > 0) extras.Add($"dropout {Output.Num(d.Dropout)}");
            if (d.BatchNorm) extras.Add("batch norm");
            if (d.L2 > 0) extras.Add($"l2 {Output.Num(d.L2)}");
            if (d.L1 > 0) extras.Add($"l1 {Output.Num(d.L1)}");
            extras.AddRange(RegularizedText.ArchitectureExtras(d));
            return $"{d.Kind} {string.Join("-", widths)}, {string.Join(", ", extras)}";
        }
        return $"{config.Kind} {config.InputDim} -> {config.LatentDim} -> {config.InputDim}, {ModelOptions.OutputName(config.Output)}";
    }

    /// <summary>Every config property as (name, value text), from its JSON form (works for any kind).</summary>
    public static IEnumerable<(string Name, string Value)> Properties(ModelConfig config)
    {
        foreach (var p in ModelRegistry.ToJson(config).EnumerateObject())
        {
            string value = p.Value.ValueKind switch
            {
                JsonValueKind.Array => string.Join(",", p.Value.EnumerateArray().Select(e => e.ToString())),
                JsonValueKind.String => p.Value.GetString()!,
                _ => p.Value.GetRawText(),
            };
            yield return (p.Name, value.Length == 0 ? "(none)" : value);
        }
    }
}
