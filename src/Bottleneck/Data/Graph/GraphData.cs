using System.Globalization;
using CsvHelper;

namespace Bottleneck.Data;

/// <summary>What loading a graph changed in its input, reported to the user (never silent).</summary>
/// <param name="SelfLoops">Edges (i, i) dropped: a graph autoencoder adds every self-loop itself (Ã = D^−½(A + I)D^−½).</param>
/// <param name="Duplicates">Edges listed more than once, in either direction, merged into one undirected edge.</param>
public sealed record GraphLoadReport(int SelfLoops, int Duplicates)
{
    /// <summary>One line for the user, or null when nothing was changed.</summary>
    public string? Describe() => SelfLoops == 0 && Duplicates == 0 ? null
        : $"dropped {SelfLoops} self-loop(s), merged {Duplicates} duplicate edge(s) (an edge listed twice, in either direction, is one undirected edge)";
}

/// <summary>
/// An undirected simple graph with optional node features: N nodes with their original ids, E edges (u, v) with u &lt; v,
/// sorted, and an (N, D) feature matrix or none (featureless: graph autoencoders then use identity features, D = N).
/// </summary>
/// <remarks>Shape legend: N nodes, D features per node, E undirected edges.</remarks>
public sealed class GraphData
{
    /// <summary>Creates a graph; the edges are normalized to u &lt; v, sorted, and checked.</summary>
    /// <param name="nodeIds">The original id of each node, distinct; N = length.</param>
    /// <param name="source">Where the graph comes from, for messages.</param>
    /// <param name="u">One end of each edge, in [0, N).</param>
    /// <param name="v">The other end, in [0, N).</param>
    /// <param name="features">Row-major (N, D) features, or null for a featureless graph.</param>
    /// <param name="featureCount">D (ignored when <paramref name="features"/> is null).</param>
    /// <param name="report">What loading changed; null = nothing.</param>
    /// <exception cref="DataException">An edge is out of range, a self-loop or listed twice; the features do not have N rows; ids repeat.</exception>
    public GraphData(IReadOnlyList<string> nodeIds, string source, int[] u, int[] v, float[]? features = null, int featureCount = 0, GraphLoadReport? report = null)
    {
        NodeIds = nodeIds ?? throw new ArgumentNullException(nameof(nodeIds));
        Source = source;
        int n = nodeIds.Count;
        if (n < 2) throw new DataException($"{source}: a graph needs at least 2 nodes, got {n}", source);
        if (u.Length != v.Length) throw new ArgumentException($"edge lists differ in length: {u.Length} vs {v.Length}");
        var keys = new long[u.Length];
        for (int k = 0; k < u.Length; k++)
        {
            if ((uint)u[k] >= (uint)n || (uint)v[k] >= (uint)n) throw new DataException($"{source}: edge {k} ({u[k]}, {v[k]}) names a node outside [0, {n})", source);
            if (u[k] == v[k]) throw new DataException($"{source}: edge {k} is a self-loop on node {nodeIds[u[k]]}", source);
            keys[k] = Key(Math.Min(u[k], v[k]), Math.Max(u[k], v[k]), n);
        }
        Array.Sort(keys);
        for (int k = 1; k < keys.Length; k++)
            if (keys[k] == keys[k - 1]) throw new DataException($"{source}: edge ({nodeIds[(int)(keys[k] / n)]}, {nodeIds[(int)(keys[k] % n)]}) is listed twice", source);
        U = new int[keys.Length];
        V = new int[keys.Length];
        for (int k = 0; k < keys.Length; k++) { U[k] = (int)(keys[k] / n); V[k] = (int)(keys[k] % n); }
        if (features != null)
        {
            if (featureCount < 1 || features.Length != (long)n * featureCount)
                throw new DataException($"{source}: {features.Length} feature values do not make {n} rows of {featureCount}", source);
            Features = features;
            FeatureCount = featureCount;
        }
        Report = report ?? new GraphLoadReport(0, 0);
    }

    /// <summary>The original node ids; node i of every index list is <c>NodeIds[i]</c>.</summary>
    public IReadOnlyList<string> NodeIds { get; }

    /// <summary>N, the number of nodes.</summary>
    public int Nodes => NodeIds.Count;

    /// <summary>E, the number of undirected edges.</summary>
    public int Edges => U.Length;

    /// <summary>The smaller end of each edge (sorted by (u, v)).</summary>
    public int[] U { get; }

    /// <summary>The larger end of each edge.</summary>
    public int[] V { get; }

    /// <summary>Row-major (N, D) node features, or null for a featureless graph.</summary>
    public float[]? Features { get; }

    /// <summary>D, the features per node (0 when featureless).</summary>
    public int FeatureCount { get; }

    /// <summary>Where the graph comes from.</summary>
    public string Source { get; }

    /// <summary>What loading changed (dropped self-loops, merged duplicates).</summary>
    public GraphLoadReport Report { get; }

    /// <summary>The key u·N + v of the pair (u, v), u &lt; v, used by edge sets.</summary>
    /// <param name="u">Smaller end.</param>
    /// <param name="v">Larger end.</param>
    /// <param name="n">N.</param>
    public static long Key(int u, int v, int n) => (long)u * n + v;

    /// <summary>The set of edge keys (<see cref="Key"/>).</summary>
    public HashSet<long> EdgeSet()
    {
        var set = new HashSet<long>(Edges);
        for (int k = 0; k < Edges; k++) set.Add(Key(U[k], V[k], Nodes));
        return set;
    }

    /// <summary>The node index of an original id.</summary>
    /// <param name="id">The id as written in the data.</param>
    /// <exception cref="DataException">No node has this id.</exception>
    public int IndexOf(string id)
    {
        _index ??= NodeIds.Select((x, i) => (x, i)).ToDictionary(p => p.x, p => p.i, StringComparer.Ordinal);
        return _index.TryGetValue(id, out int i) ? i : throw new DataException($"{Source}: no node has the id \"{id}\"", Source);
    }

    private Dictionary<string, int>? _index;

    /// <inheritdoc/>
    public override string ToString() =>
        $"{Source}: {Nodes:N0} nodes, {Edges:N0} undirected edges, " + (Features is null ? "no node features (identity features)" : $"{FeatureCount:N0} features per node");
}

/// <summary>
/// Readers of the graph formats of <c>graph:</c> data specs: Cora's LINQS files and an edge-list CSV with an optional
/// node-feature CSV. Edges are taken as undirected; self-loops are dropped and duplicates merged (reported in
/// <see cref="GraphData.Report"/>); an edge naming a node without a feature row is an error.
/// </summary>
public static class GraphLoader
{
    /// <summary>
    /// Loads Cora from a folder with <c>cora.content</c> (tab-separated: paper id, 1433 binary word features, class label) and
    /// <c>cora.cites</c> (tab-separated: cited id, citing id). Ids are remapped to 0..N−1 in file order; features are used raw.
    /// </summary>
    /// <param name="dir">The folder.</param>
    /// <returns>The graph (Cora: 2708 nodes, 5278 undirected edges, 1433 features).</returns>
    /// <exception cref="DataException">A file is missing; a content row has a different field count or a non-0/1… non-numeric value;
    /// an id repeats; a cites row has other than 2 fields or names an unknown paper (file and line named).</exception>
    public static GraphData LoadCora(string dir)
    {
        string content = Path.Combine(dir, "cora.content"), cites = Path.Combine(dir, "cora.cites");
        foreach (var f in new[] { content, cites })
            if (!File.Exists(f)) throw new DataException($"graph:cora: {f} not found (the folder must hold cora.content and cora.cites)", f);
        var ids = new List<string>();
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var features = new List<float>();
        int d = -1, line = 0;
        foreach (var text in File.ReadLines(content))
        {
            line++;
            if (text.Length == 0) continue;
            var p = text.Split('\t');
            if (d < 0) d = p.Length - 2;
            if (p.Length - 2 != d || d < 1) throw new DataException($"{content}: line {line} has {p.Length} fields, the first line has {d + 2}", content);
            if (!index.TryAdd(p[0], ids.Count)) throw new DataException($"{content}: line {line}: paper id {p[0]} is listed twice", content);
            ids.Add(p[0]);
            for (int c = 1; c <= d; c++)
            {
                if (!float.TryParse(p[c], NumberStyles.Float, CultureInfo.InvariantCulture, out float x))
                    throw new DataException($"{content}: line {line}, field {c + 1}: \"{p[c]}\" is not a number", content);
                features.Add(x);
            }
        }
        var pairs = new List<(string, string, long)>();
        line = 0;
        foreach (var text in File.ReadLines(cites))
        {
            line++;
            if (text.Trim().Length == 0) continue;
            var p = text.Split(['\t', ' '], StringSplitOptions.RemoveEmptyEntries);
            if (p.Length != 2) throw new DataException($"{cites}: line {line} has {p.Length} fields, expected 2 (cited id, citing id)", cites);
            pairs.Add((p[0], p[1], line));
        }
        return Build(ids, index, pairs, features.ToArray(), d, $"cora:{dir}", cites);
    }

    /// <summary>
    /// Loads an edge-list CSV (two columns: source id, target id; the first row is a header when either of its cells is not an
    /// integer, so give a header when ids are not integers) and optionally a feature CSV (first column the node id, then D
    /// numeric columns, header detected as by <see cref="CsvLoader"/>). With features, the nodes are the feature rows in file
    /// order and every edge must name one of them; without, the nodes are the ids in order of first appearance in the edges.
    /// </summary>
    /// <param name="edgesPath">The edge list.</param>
    /// <param name="featuresPath">The node features, or null for a featureless graph.</param>
    /// <exception cref="DataException">A file is missing or malformed (unbalanced quotes, corrupt gzip); a row has other than 2
    /// fields; an edge names a node without a feature row; a feature id repeats (file, line and value named).</exception>
    public static GraphData LoadEdgeList(string edgesPath, string? featuresPath = null)
    {
        if (!File.Exists(edgesPath)) throw new DataException($"{edgesPath}: edge list not found", edgesPath);
        List<string> ids;
        Dictionary<string, int> index;
        float[]? features = null;
        int d = 0;
        if (featuresPath != null)
        {
            if (!File.Exists(featuresPath)) throw new DataException($"{featuresPath}: feature file not found", featuresPath);
            var table = CsvLoader.Load(featuresPath, new CsvOptions(LabelColumn: "0"));
            ids = new List<string>(table.Rows);
            index = new Dictionary<string, int>(StringComparer.Ordinal);
            for (int i = 0; i < table.Rows; i++)
            {
                string id = table.ClassNames is { } names ? names[table.Labels![i]] : table.Labels![i].ToString(CultureInfo.InvariantCulture);
                if (!index.TryAdd(id, i)) throw new DataException($"{featuresPath}: node id \"{id}\" has more than one feature row (data row {i + 1})", featuresPath);
                ids.Add(id);
            }
            features = table.Features;
            d = table.FeatureCount;
        }
        else
        {
            ids = [];
            index = new Dictionary<string, int>(StringComparer.Ordinal);
        }
        var pairs = new List<(string, string, long)>();
        var stream = IdxLoader.OpenMaybeGzip(edgesPath);
        using (var reader = CsvReader.Create(stream, CsvLoader.MakeOptions(edgesPath.EndsWith(".tsv", StringComparison.OrdinalIgnoreCase) ? "\t" : ",", edgesPath), leaveOpen: false))
        try
        {
            bool first = true;
            while (reader.Read())
            {
                long row = reader.LineNumber;
                if (reader.FieldCount != 2)
                    throw new DataException($"{edgesPath}: row {row} has {reader.FieldCount} fields, an edge list has 2 (source, target)", edgesPath);
                string a = reader.GetString(0), b = reader.GetString(1);
                if (first)
                {
                    first = false;
                    if (!long.TryParse(a, NumberStyles.Integer, CultureInfo.InvariantCulture, out _) || !long.TryParse(b, NumberStyles.Integer, CultureInfo.InvariantCulture, out _)) continue;
                }
                if (a.Length == 0 || b.Length == 0) throw new DataException($"{edgesPath}: row {row} has an empty node id", edgesPath);
                if (featuresPath is null)
                    foreach (var id in new[] { a, b })
                        if (index.TryAdd(id, ids.Count)) ids.Add(id);
                pairs.Add((a, b, row));
            }
        }
        catch (CsvFormatException e)
        {
            throw new DataException($"{edgesPath}: malformed CSV at row {e.LineNumber}: {e.Message.Split('\n')[0].Trim()}", edgesPath, e);
        }
        catch (InvalidDataException e)
        {
            throw new DataException($"{edgesPath}: corrupt gzip data ({e.Message})", edgesPath, e);
        }
        if (pairs.Count == 0) throw new DataException($"{edgesPath}: no edges", edgesPath);
        return Build(ids, index, pairs, features, d, featuresPath is null ? edgesPath : $"{edgesPath} with features {featuresPath}", edgesPath);
    }

    private static GraphData Build(List<string> ids, Dictionary<string, int> index, List<(string A, string B, long Line)> pairs, float[]? features, int d, string source, string edgeFile)
    {
        int n = ids.Count, selfLoops = 0, duplicates = 0;
        var seen = new HashSet<long>();
        var u = new List<int>(pairs.Count);
        var v = new List<int>(pairs.Count);
        foreach (var (a, b, line) in pairs)
        {
            if (!index.TryGetValue(a, out int i)) throw new DataException($"{edgeFile}: line {line}: node \"{a}\" has no feature row (unknown node)", edgeFile);
            if (!index.TryGetValue(b, out int j)) throw new DataException($"{edgeFile}: line {line}: node \"{b}\" has no feature row (unknown node)", edgeFile);
            if (i == j) { selfLoops++; continue; }
            if (!seen.Add(GraphData.Key(Math.Min(i, j), Math.Max(i, j), n))) { duplicates++; continue; }
            u.Add(i);
            v.Add(j);
        }
        return new GraphData(ids, source, u.ToArray(), v.ToArray(), features, d, new GraphLoadReport(selfLoops, duplicates));
    }
}

/// <summary>
/// The link-prediction split of Kipf &amp; Welling (2016): the E edges are shuffled; ⌊E/20⌋ are held out for validation and ⌊E/10⌋
/// for test (5 % / 10 %), the rest train; as many negative pairs as positives are drawn for validation and test, uniformly among
/// pairs i ≠ j that are not edges of the full graph, without repeats, the two sets disjoint.
/// </summary>
/// <param name="Nodes">N.</param>
/// <param name="Train">Training edges (u, v), u &lt; v: the encoder's graph and the loss's positives.</param>
/// <param name="Validation">Held-out validation edges.</param>
/// <param name="ValidationNegatives">Validation non-edges.</param>
/// <param name="Test">Held-out test edges.</param>
/// <param name="TestNegatives">Test non-edges.</param>
public sealed record EdgeSplit(int Nodes, (int[] U, int[] V) Train, (int[] U, int[] V) Validation, (int[] U, int[] V) ValidationNegatives,
    (int[] U, int[] V) Test, (int[] U, int[] V) TestNegatives)
{
    /// <summary>The default validation fraction, 5 %.</summary>
    public const double DefaultValidationFraction = 0.05;

    /// <summary>The default test fraction, 10 %.</summary>
    public const double DefaultTestFraction = 0.10;

    /// <summary>Splits <paramref name="graph"/>'s edges.</summary>
    /// <param name="graph">The graph.</param>
    /// <param name="seed">Seed of the shuffle and of the negative draws.</param>
    /// <param name="validationFraction">Share of edges held out for validation, in [0, 1) (default 0.05; count ⌊E·f⌋).</param>
    /// <param name="testFraction">Share held out for test, in [0, 1) (default 0.10).</param>
    /// <exception cref="DataException">The graph has too few edges to hold out any, or too few non-edges for the negatives.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A fraction is outside [0, 1) or they sum to 1 or more.</exception>
    public static EdgeSplit Create(GraphData graph, ulong seed, double validationFraction = DefaultValidationFraction, double testFraction = DefaultTestFraction)
    {
        ArgumentNullException.ThrowIfNull(graph);
        if (!(validationFraction >= 0 && validationFraction < 1)) throw new ArgumentOutOfRangeException(nameof(validationFraction), validationFraction, $"validationFraction must be in [0, 1), got {validationFraction}");
        if (!(testFraction >= 0 && testFraction < 1) || validationFraction + testFraction >= 1)
            throw new ArgumentOutOfRangeException(nameof(testFraction), testFraction, $"testFraction must be in [0, 1) with validationFraction + testFraction < 1, got {testFraction}");
        int e = graph.Edges, n = graph.Nodes;
        int nVal = (int)Math.Floor(e * validationFraction), nTest = (int)Math.Floor(e * testFraction);
        if (testFraction > 0 && nTest == 0)
            throw new DataException($"{graph.Source}: {e} edge(s) are too few to hold out {testFraction:P0} for testing (at least {(int)Math.Ceiling(1 / testFraction)} needed)", graph.Source);
        long pairs = (long)n * (n - 1) / 2;
        if (pairs - e < nVal + nTest) throw new DataException($"{graph.Source}: the graph is too dense to draw {nVal + nTest} negative pairs", graph.Source);
        var rng = new Bottleneck.Tensors.Rng(seed);
        var order = Enumerable.Range(0, e).ToArray();
        for (int i = e - 1; i > 0; i--) { int j = (int)rng.NextInt(i + 1); (order[i], order[j]) = (order[j], order[i]); }
        (int[], int[]) Take(int start, int count)
        {
            var a = new int[count]; var b = new int[count];
            for (int k = 0; k < count; k++) { a[k] = graph.U[order[start + k]]; b[k] = graph.V[order[start + k]]; }
            return (a, b);
        }
        var truth = graph.EdgeSet();
        var taken = new HashSet<long>();
        (int[], int[]) Negatives(int count)
        {
            var a = new int[count]; var b = new int[count];
            for (int k = 0; k < count;)
            {
                int i = (int)rng.NextInt(n), j = (int)rng.NextInt(n);
                if (i == j) continue;
                long key = GraphData.Key(Math.Min(i, j), Math.Max(i, j), n);
                if (truth.Contains(key) || !taken.Add(key)) continue;
                a[k] = Math.Min(i, j); b[k] = Math.Max(i, j); k++;
            }
            return (a, b);
        }
        var val = Take(0, nVal);
        var test = Take(nVal, nTest);
        var train = Take(nVal + nTest, e - nVal - nTest);
        return new EdgeSplit(n, train, val, Negatives(nVal), test, Negatives(nTest));
    }
}
