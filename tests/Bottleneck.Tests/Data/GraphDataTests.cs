using Bottleneck.Data;

namespace Bottleneck.Tests.Data;

/// <summary>The graph: data specs, Cora and edge-list loading with their bad-input rules, and the 85/5/10 edge split.</summary>
public class GraphDataTests
{
    [SkippableFact]
    public void CoraLoadsAsTheUsualUndirectedGraph()
    {
        var dir = SharedData.Find("cora");
        Skip.If(dir is null, "Cora not found (../shared/data/cora)");
        var g = DataSpec.Parse($"graph:cora:{dir}").LoadGraph();
        Assert.Equal(2708, g.Nodes);
        Assert.Equal(5278, g.Edges);
        Assert.Equal(1433, g.FeatureCount);
        Assert.Equal(151, g.Report.Duplicates);   // pairs listed in both directions (SOURCE.md)
        Assert.Equal(0, g.Report.SelfLoops);
        Assert.All(Enumerable.Range(0, g.Edges), k => Assert.True(g.U[k] < g.V[k]));
        Assert.Equal(["31336", "1061127"], g.NodeIds.Take(2));
    }

    [Fact]
    public void SpecsParseAndPrintBack()
    {
        var cora = DataSpec.Parse("graph:cora:/data/cora");
        Assert.Equal(DataKind.Graph, cora.Kind);
        Assert.True(cora.GraphCora);
        Assert.Equal("/data/cora", cora.Path);
        Assert.Equal("graph:cora:/data/cora", cora.ToString());
        var edges = DataSpec.Parse("graph:e.csv:features=f.csv");
        Assert.Equal(("e.csv", "f.csv"), (edges.Path, edges.GraphFeatures));
        Assert.Equal(edges, DataSpec.Parse(edges.ToString()));
        Assert.Equal(["e.csv", "f.csv"], edges.Files());
        Assert.Contains("graph:cora:DIR", Assert.Throws<DataException>(() => DataSpec.Parse("graph:cora")).Message);
        Assert.Contains("features=", Assert.Throws<DataException>(() => DataSpec.Parse("graph:e.csv:features=")).Message);
        Assert.Contains("--kind gae", Assert.Throws<DataException>(() => DataSpec.Parse("csv:x.csv").LoadGraph()).Message);
    }

    [Fact]
    public void EdgeListDropsSelfLoopsAndMergesDuplicatesAndReportsBoth()
    {
        using var dir = new TempDir();
        var path = dir.Write("e.csv", "source,target\na,b\nb,c\nc,c\nb,a\nc,d\na,b\n");
        var g = GraphLoader.LoadEdgeList(path);
        Assert.Equal(["a", "b", "c", "d"], g.NodeIds);
        Assert.Equal(3, g.Edges);
        Assert.Equal(new GraphLoadReport(1, 2), g.Report);
        Assert.Contains("dropped 1 self-loop(s), merged 2 duplicate edge(s)", g.Report.Describe());
        Assert.Null(g.Features);
        Assert.Contains("identity features", g.ToString());
    }

    [Fact]
    public void EdgeListWithoutHeaderReadsIntegerIds()
    {
        using var dir = new TempDir();
        var g = GraphLoader.LoadEdgeList(dir.Write("e.csv", "10,20\n20,30\n"));
        Assert.Equal(["10", "20", "30"], g.NodeIds);
        Assert.Equal(2, g.Edges);
    }

    [Fact]
    public void FeaturesGiveTheNodeOrderAndIsolatedNodesStay()
    {
        using var dir = new TempDir();
        var f = dir.Write("f.csv", "id,x,y\nn1,1,0\nn2,0,1\nn3,0.5,0.5\nn4,1,1\n");
        var g = GraphLoader.LoadEdgeList(dir.Write("e.csv", "s,t\nn2,n1\nn3,n1\n"), f);
        Assert.Equal(["n1", "n2", "n3", "n4"], g.NodeIds);
        Assert.Equal(2, g.FeatureCount);
        Assert.Equal([0.5f, 0.5f], g.Features!.AsSpan(4, 2).ToArray());
        Assert.Equal([0, 0], g.U);
        Assert.Equal([1, 2], g.V);
    }

    [Fact]
    public void AnEdgeNamingANodeWithoutAFeatureRowIsAnErrorNamingFileLineAndId()
    {
        using var dir = new TempDir();
        var f = dir.Write("f.csv", "id,x\nn1,1\nn2,0\n");
        var e = dir.Write("e.csv", "s,t\nn1,n2\nn2,n9\n");
        var ex = Assert.Throws<DataException>(() => GraphLoader.LoadEdgeList(e, f));
        Assert.Contains("e.csv: line 3", ex.Message);
        Assert.Contains("\"n9\" has no feature row", ex.Message);
    }

    [Fact]
    public void BadFeatureAndEdgeFilesAreClearErrors()
    {
        using var dir = new TempDir();
        var e = dir.Write("e.csv", "s,t\nn1,n2\n");
        Assert.Contains("more than one feature row", Assert.Throws<DataException>(() => GraphLoader.LoadEdgeList(e, dir.Write("f.csv", "id,x\nn1,1\nn1,2\nn2,0\n"))).Message);
        Assert.Contains("row 3", Assert.Throws<DataException>(() => GraphLoader.LoadEdgeList(e, dir.Write("g.csv", "id,x\nn1,1\nn2,abc\n"))).Message);
        Assert.Contains("has 3 fields", Assert.Throws<DataException>(() => GraphLoader.LoadEdgeList(dir.Write("w.csv", "s,t\na,b,1\n"))).Message);
        Assert.Contains("not found", Assert.Throws<DataException>(() => GraphLoader.LoadEdgeList(dir.File("missing.csv"))).Message);
        Assert.Contains("malformed CSV at row 3", Assert.Throws<DataException>(() => GraphLoader.LoadEdgeList(dir.Write("q.csv", "s,t\na,b\n\"c,d\n"))).Message);
        Assert.Contains("no edges", Assert.Throws<DataException>(() => GraphLoader.LoadEdgeList(dir.Write("h.csv", "s,t\n"))).Message);
        Assert.Contains("cora.content", Assert.Throws<DataException>(() => GraphLoader.LoadCora(dir.Path)).Message);
    }

    private static GraphData Ring(int n, int chords)
    {
        var u = new List<int>(); var v = new List<int>();
        for (int i = 0; i < n; i++) { u.Add(Math.Min(i, (i + 1) % n)); v.Add(Math.Max(i, (i + 1) % n)); }
        for (int i = 0; i < chords; i++) { int a = i, b = (i * 7 + n / 2) % n; if (Math.Abs(a - b) > 1 && Math.Abs(a - b) < n - 1 && !u.Zip(v).Contains((Math.Min(a, b), Math.Max(a, b)))) { u.Add(Math.Min(a, b)); v.Add(Math.Max(a, b)); } }
        return new GraphData(Enumerable.Range(0, n).Select(i => "v" + i).ToArray(), "ring", u.ToArray(), v.ToArray());
    }

    [Fact]
    public void SplitHoldsOutFivePercentAndTenPercentWithNegativesAvoidingEveryTrueEdge()
    {
        var g = Ring(200, 60);
        var s = EdgeSplit.Create(g, 3);
        int e = g.Edges;
        Assert.Equal(e / 20, s.Validation.U.Length);
        Assert.Equal(e / 10, s.Test.U.Length);
        Assert.Equal(e - e / 20 - e / 10, s.Train.U.Length);
        var all = g.EdgeSet();
        long Key(int a, int b) => GraphData.Key(Math.Min(a, b), Math.Max(a, b), g.Nodes);
        var positives = new[] { s.Train, s.Validation, s.Test }.SelectMany(p => p.U.Zip(p.V, Key)).ToList();
        Assert.Equal(e, positives.Distinct().Count());
        Assert.True(positives.All(all.Contains));
        var negatives = new[] { s.ValidationNegatives, s.TestNegatives }.SelectMany(p => p.U.Zip(p.V, (a, b) => (a, b))).ToList();
        Assert.Equal(s.Validation.U.Length + s.Test.U.Length, negatives.Count);
        Assert.All(negatives, p => { Assert.NotEqual(p.a, p.b); Assert.DoesNotContain(Key(p.a, p.b), all); });
        Assert.Equal(negatives.Count, negatives.Select(p => Key(p.a, p.b)).Distinct().Count());
        // seeded: the same seed gives the same split, another seed another one
        Assert.Equal(s.Test.U, EdgeSplit.Create(g, 3).Test.U);
        Assert.NotEqual(s.Test.U, EdgeSplit.Create(g, 4).Test.U);
    }

    [Fact]
    public void TooFewEdgesToHoldOutIsAClearError()
    {
        var g = new GraphData(["a", "b", "c"], "tiny", [0, 1], [1, 2]);
        Assert.Contains("too few", Assert.Throws<DataException>(() => EdgeSplit.Create(g, 0)).Message);
    }
}
