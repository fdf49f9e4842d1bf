using ArchUnitNET.Domain;
using ArchUnitNET.Loader;

namespace Bottleneck.Tests;

/// <summary>
/// The library's namespaces reference each other in one direction only (docs/design.md, "Layers"): a namespace may use its own
/// layer and the layers below it, never a layer above, and model kinds never use each other. Dependencies are read from the
/// compiled assembly (type references in signatures and method bodies) by ArchUnitNET.
/// </summary>
public class ArchitectureTests
{
    /// <summary>The layers, lowest first. A namespace belongs to the first layer whose pattern matches it.</summary>
    private static readonly (string Layer, Func<string, bool> Contains)[] Layers =
    [
        ("engine", ns => ns is "Bottleneck.Tensors" or "Bottleneck.Kernels" or "Bottleneck.Autograd" or "Bottleneck.Ops"
            or "Bottleneck.NN" or "Bottleneck.Losses" or "Bottleneck.Optim"),
        ("IO", ns => ns == "Bottleneck.IO"),
        ("Data", ns => ns == "Bottleneck.Data"),
        ("Models (core)", ns => ns == "Bottleneck.Models"),
        ("Training", ns => ns == "Bottleneck.Training"),
        ("Models.Registry", ns => ns == "Bottleneck.Models.Registry"),
        ("model kinds", ns => ns.StartsWith("Bottleneck.Models.", StringComparison.Ordinal)),
        ("ModelFiles", ns => ns == "Bottleneck.ModelFiles"),
        ("Evaluation / Anomaly", ns => ns is "Bottleneck.Evaluation" or "Bottleneck.Anomaly"),
    ];

    private static readonly Lazy<ArchUnitNET.Domain.Architecture> Library =
        new(() => new ArchLoader().LoadAssemblies(typeof(Bottleneck.Tensors.Tensor).Assembly).Build());

    private static int LayerOf(string ns)
    {
        for (int i = 0; i < Layers.Length; i++) if (Layers[i].Contains(ns)) return i;
        return -1;
    }

    /// <summary>Every (source type, target type) reference between two different Bottleneck namespaces.</summary>
    private static List<(IType Source, IType Target)> References() =>
        Library.Value.Types
            .Where(t => t.Namespace?.FullName?.StartsWith("Bottleneck", StringComparison.Ordinal) == true)
            .SelectMany(t => t.Dependencies.Select(d => (Source: t, Target: d.Target)))
            .Where(p => p.Target?.Namespace?.FullName is { } ns && ns.StartsWith("Bottleneck", StringComparison.Ordinal) && ns != p.Source.Namespace.FullName)
            .Distinct()
            .ToList();

    [Fact]
    public void EveryLibraryNamespaceIsInALayer()
    {
        var unplaced = Library.Value.Namespaces.Select(n => n.FullName)
            .Where(ns => ns.StartsWith("Bottleneck", StringComparison.Ordinal) && ns != "Bottleneck" && LayerOf(ns) < 0).ToList();
        Assert.True(unplaced.Count == 0, "namespaces without a layer (add them to the table here and in docs/design.md): " + string.Join(", ", unplaced));
    }

    [Fact]
    public void NoNamespaceReferencesALayerAboveIt()
    {
        var upward = References()
            .Where(p => LayerOf(p.Target.Namespace.FullName) > LayerOf(p.Source.Namespace.FullName))
            .Select(p => $"{p.Source.FullName} ({Layers[LayerOf(p.Source.Namespace.FullName)].Layer}) -> {p.Target.FullName} ({Layers[LayerOf(p.Target.Namespace.FullName)].Layer})")
            .Distinct().Order().ToList();
        Assert.True(upward.Count == 0, "references to a higher layer:\n" + string.Join("\n", upward));
    }

    [Fact]
    public void ModelKindsDoNotUseEachOther()
    {
        var across = References()
            .Where(p => LayerOf(p.Source.Namespace.FullName) == 6 && LayerOf(p.Target.Namespace.FullName) == 6)
            .Select(p => $"{p.Source.FullName} -> {p.Target.FullName}").Distinct().Order().ToList();
        Assert.True(across.Count == 0, "a kind uses another kind's types:\n" + string.Join("\n", across));
    }

    [Fact]
    public void EvaluationAndAnomalyDoNotUseEachOther()
    {
        var across = References()
            .Where(p => p.Source.Namespace.FullName is "Bottleneck.Evaluation" or "Bottleneck.Anomaly"
                        && p.Target.Namespace.FullName is "Bottleneck.Evaluation" or "Bottleneck.Anomaly")
            .Select(p => $"{p.Source.FullName} -> {p.Target.FullName}").Distinct().Order().ToList();
        Assert.True(across.Count == 0, string.Join("\n", across));
    }

    [Fact]
    public void LayersNNLossesAndOptimOfTheEngineAreIndependent()
    {
        string[] leaves = ["Bottleneck.NN", "Bottleneck.Losses", "Bottleneck.Optim"];
        var across = References()
            .Where(p => leaves.Contains(p.Source.Namespace.FullName) && leaves.Contains(p.Target.Namespace.FullName))
            .Select(p => $"{p.Source.FullName} -> {p.Target.FullName}").Distinct().Order().ToList();
        Assert.True(across.Count == 0, string.Join("\n", across));
    }

    [Fact]
    public void TheRuleSeesReferences()
    {
        // the check is not vacuous: the dense kind uses the model core and the trainer, the registry does not name a kind
        var refs = References().Select(p => (p.Source.Namespace.FullName, p.Target.Namespace.FullName)).ToHashSet();
        Assert.Contains(("Bottleneck.Models.Dense", "Bottleneck.Models"), refs);
        Assert.Contains(("Bottleneck.Models.Dense", "Bottleneck.Training"), refs);
        Assert.Contains(("Bottleneck.ModelFiles", "Bottleneck.Models.Registry"), refs);
        Assert.DoesNotContain(refs, r => r.Item1 == "Bottleneck.Models.Registry" && r.Item2.StartsWith("Bottleneck.Models.", StringComparison.Ordinal) && r.Item2 != "Bottleneck.Models.Registry");
    }

    [Fact]
    public void TheAssembliesReferenceEachOtherInOneDirection()
    {
        // library ← ML.NET integration and library ← CLI; the library needs neither ML.NET nor a console library, and the ML.NET
        // package does not drag in the CLI (checked on the compiled assemblies' references).
        static string[] Refs(System.Reflection.Assembly a) => a.GetReferencedAssemblies().Select(n => n.Name!).ToArray();
        var library = Refs(typeof(Bottleneck.Tensors.Tensor).Assembly);
        var mlnet = Refs(typeof(Bottleneck.MLNet.BottleneckAutoencoderEstimator).Assembly);
        Assert.DoesNotContain(library, n => n.StartsWith("Microsoft.ML", StringComparison.Ordinal) || n is "Bottleneck.MLNet" or "Bottleneck.Cli" or "Spectre.Console" or "System.CommandLine");
        Assert.Contains("Bottleneck", mlnet);
        Assert.Contains(mlnet, n => n.StartsWith("Microsoft.ML", StringComparison.Ordinal));
        Assert.DoesNotContain(mlnet, n => n is "Bottleneck.Cli" or "Spectre.Console" or "System.CommandLine");
    }
}
