using System.Globalization;
using Bottleneck.Cli.Commands;
using Bottleneck.Models;
using Bottleneck.Models.Dense;
using Bottleneck.Models.Pca;
using ActivationKind = Bottleneck.NN.Activation;

namespace Bottleneck.Cli.Services;

/// <summary>Human-readable descriptions of the regularized-autoencoder plug points (regularizer, corruption, pretraining) and of PCA.</summary>
internal static class RegularizedText
{
    /// <summary>A corruption, e.g. "gaussian sigma 0.5, clipped to [0, 1]", "mask p 0.25", "salt-pepper p 0.1".</summary>
    public static string Describe(Corruption c) => c switch
    {
        GaussianNoise g => $"gaussian sigma {Output.Num(g.Sigma)}" +
                           (g.ClipMin != null || g.ClipMax != null ? $", clipped to [{Output.Num(g.ClipMin ?? float.NegativeInfinity)}, {Output.Num(g.ClipMax ?? float.PositiveInfinity)}]" : ""),
        MaskingNoise m => $"mask p {Output.Num(m.P)}",
        SaltAndPepperNoise sp => $"salt-pepper p {Output.Num(sp.P)}" + (sp.Min != 0f || sp.Max != 1f ? $" ({Output.Num(sp.Min)}/{Output.Num(sp.Max)})" : ""),
        _ => c.ToString(),
    };

    /// <summary>A latent regularizer, e.g. "KL sparsity rho 0.05, weight 3", "L1 sparsity weight 0.001", "contractive weight 0.1 (exact)".</summary>
    public static string Describe(LatentRegularizer r) => r switch
    {
        SparsityKl kl => $"KL sparsity rho {Output.Num(kl.Rho)}, weight {Output.Num(kl.Weight)}",
        SparsityL1 l1 => $"L1 sparsity weight {Output.Num(l1.Weight)}",
        Contractive c => $"contractive weight {Output.Num(c.Weight)} ({(c.Method == ContractiveMethod.Exact ? "exact" : $"random-projection, {c.Projections} per batch")})",
        _ => r.ToString(),
    };

    /// <summary>A pretraining schedule, e.g. "greedy layer-wise, 2 epochs per layer, noise mask p 0.25".</summary>
    public static string Describe(GreedyPretraining p) =>
        $"greedy layer-wise, {p.EpochsPerLayer} epoch{(p.EpochsPerLayer == 1 ? "" : "s")} per layer" +
        (p.Corruption is { } c ? $", noise {Describe(c)}" : "");

    /// <summary>The extra items of a dense architecture line: code activation (when not identity), regularizer, noise, pretraining.</summary>
    public static IEnumerable<string> ArchitectureExtras(DenseConfig d)
    {
        if (d.LatentActivation != ActivationKind.Identity) yield return $"{ModelOptions.ActivationNames[(int)d.LatentActivation]} code";
        if (d.Regularizer is { } r) yield return Describe(r);
        if (d.Corruption is { } c) yield return $"noise {Describe(c)}";
        if (d.Pretraining is { } p) yield return $"pretraining {p.EpochsPerLayer}/layer" + (p.Corruption is { } pc ? $" with {Describe(pc)}" : "");
    }

    /// <summary>Rows for <c>info</c>: regularizer, corruption and pretraining of dense kinds; how PCA was fitted and its explained variance.</summary>
    public static IEnumerable<(string Name, string Value)> InfoRows(AutoencoderModel model)
    {
        if (model.Config is DenseConfig d)
        {
            yield return ("regularizer", d.Regularizer is { } r ? Describe(r) : "(none)");
            yield return ("training noise", d.Corruption is { } c ? Describe(c) : "(none)");
            yield return ("pretraining", d.Pretraining is { } p ? Describe(p) : "(none)");
        }
        if (model is PcaModel pca)
        {
            var ratio = pca.ExplainedVarianceRatio;
            yield return ("training", "fitted in closed form (PcaModel.Fit), no epochs");
            yield return ("explained variance", $"{Percent(ratio.Sum())} of the training variance with {ratio.Length} component{(ratio.Length == 1 ? "" : "s")}");
            yield return ("  per component", string.Join(", ", ratio.Take(10).Select(Percent)) + (ratio.Length > 10 ? ", ..." : ""));
        }
    }

    /// <summary>A fraction as a percentage with two decimals, e.g. "73.12%".</summary>
    public static string Percent(double fraction) => (100 * fraction).ToString("0.00", CultureInfo.InvariantCulture) + "%";
}
