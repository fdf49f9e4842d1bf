namespace Bottleneck.Data;

/// <summary>
/// The <c>graph:</c> forms of a data SPEC: <c>graph:cora:DIR</c> (a folder with cora.content and cora.cites) and
/// <c>graph:EDGES.csv[:features=FILE.csv]</c> (an edge list, optionally with node features; see <see cref="GraphLoader"/>).
/// </summary>
public static class GraphSpecs
{
    /// <summary>Parses the part after <c>graph:</c>.</summary>
    internal static DataSpec Parse(string rest, Func<string, DataException> bad)
    {
        if (rest.StartsWith("cora:", StringComparison.OrdinalIgnoreCase) || rest.Equals("cora", StringComparison.OrdinalIgnoreCase))
        {
            string dir = rest.Length > 5 ? rest[5..] : "";
            if (dir.Length == 0) throw bad("graph:cora needs the folder holding cora.content and cora.cites (graph:cora:DIR)");
            return new DataSpec(DataKind.Graph, dir) { GraphCora = true };
        }
        string path = rest;
        string? features = null;
        int fi = path.LastIndexOf(":features=", StringComparison.OrdinalIgnoreCase);
        if (fi >= 0)
        {
            features = path[(fi + 10)..];
            path = path[..fi];
            if (features.Length == 0) throw bad("features= needs a CSV file path");
        }
        if (path.Length == 0) throw bad("graph needs an edge-list file (graph:EDGES.csv) or graph:cora:DIR");
        return new DataSpec(DataKind.Graph, path) { GraphFeatures = features };
    }

    /// <summary>Whether <paramref name="spec"/> names Cora's files (<c>graph:cora:DIR</c>).</summary>
    public static bool IsCora(DataSpec spec) => spec.Kind == DataKind.Graph && spec.GraphCora;

    /// <summary>The files a graph spec reads.</summary>
    internal static IReadOnlyList<string> Files(DataSpec spec) => IsCora(spec)
        ? [System.IO.Path.Combine(spec.Path!, "cora.content"), System.IO.Path.Combine(spec.Path!, "cora.cites")]
        : spec.GraphFeatures is null ? [spec.Path!] : [spec.Path!, spec.GraphFeatures];

    /// <summary>The spec as text (parses back to the same spec).</summary>
    internal static string Format(DataSpec spec) => IsCora(spec) ? $"graph:cora:{spec.Path}"
        : $"graph:{spec.Path}" + (spec.GraphFeatures != null ? $":features={spec.GraphFeatures}" : "");

    /// <summary>Reads the graph a <c>graph:</c> spec names.</summary>
    /// <param name="spec">A spec of kind <see cref="DataKind.Graph"/>.</param>
    /// <exception cref="DataException">The spec is not a graph, or the files are missing or malformed (see <see cref="GraphLoader"/>).</exception>
    public static GraphData LoadGraph(this DataSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Kind != DataKind.Graph)
            throw new DataException($"--kind gae and vgae train on graph data (graph:cora:DIR or graph:EDGES.csv[:features=FILE.csv]), got {spec}");
        return IsCora(spec) ? GraphLoader.LoadCora(spec.Path!) : GraphLoader.LoadEdgeList(spec.Path!, spec.GraphFeatures);
    }
}
