using System.Text;
using System.Text.Json;
using Bottleneck.Tests.Data;

namespace Bottleneck.Tests.Cli;

/// <summary>train --kind gae|vgae on graph: data, evaluate (rocAuc, ap), encode (node embeddings), links, and their bad input.</summary>
public class CliGraphTests
{
    /// <summary>Writes a 120-node community graph as an edge list (with a self-loop and a reversed duplicate) and a feature file.</summary>
    private static (string Edges, string Features) WriteGraph(TempDir dir)
    {
        var g = Bottleneck.Tests.Models.GraphAutoencoderTests.Communities();
        var e = new StringBuilder("source,target\n");
        for (int k = 0; k < g.Edges; k++) e.Append($"p{g.U[k]},p{g.V[k]}\n");
        e.Append("p3,p3\n").Append($"p{g.V[0]},p{g.U[0]}\n");
        var f = new StringBuilder("id," + string.Join(",", Enumerable.Range(0, 8).Select(i => $"f{i}")) + "\n");
        for (int i = 0; i < g.Nodes; i++)
            f.Append($"p{i},").Append(string.Join(",", g.Features!.AsSpan(i * 8, 8).ToArray().Select(x => x.ToString(System.Globalization.CultureInfo.InvariantCulture)))).Append('\n');
        return (dir.Write("edges.csv", e.ToString()), dir.Write("nodes.csv", f.ToString()));
    }

    [Fact]
    public async Task TrainEvaluateEncodeAndLinksOnAnEdgeListWithFeatures()
    {
        using var dir = new TempDir();
        var (edges, nodes) = WriteGraph(dir);
        string spec = $"graph:{edges}:features={nodes}", model = dir.File("gae");
        var t = new CliHarness();
        Assert.Equal(0, await t.Run("train", "--kind", "vgae", "--data", spec, "--epochs", "30", "--lr", "0.02", "--out", model));
        Assert.Contains("dropped 1 self-loop(s), merged 1 duplicate edge(s)", t.Stdout);
        Assert.Contains("test        rocAuc", t.Stdout);

        var e = new CliHarness();
        Assert.Equal(0, await e.Run("evaluate", "--model", model, "--data", spec, "--json"));
        var json = JsonDocument.Parse(e.Stdout).RootElement;
        Assert.True(json.GetProperty("rocAuc").GetDouble() > 0.75, e.Stdout);
        Assert.InRange(json.GetProperty("ap").GetDouble(), 0.5, 1.0);
        Assert.Equal(json.GetProperty("testEdges").GetInt32(), json.GetProperty("testNonEdges").GetInt32());

        var c = new CliHarness();
        Assert.Equal(0, await c.Run("encode", "--model", model, "--data", spec, "--out", dir.File("z.csv")));
        var lines = File.ReadAllLines(dir.File("z.csv"));
        Assert.Equal(121, lines.Length);
        Assert.Equal("node,z0,z1,z2,z3,z4,z5,z6,z7,z8,z9,z10,z11,z12,z13,z14,z15", lines[0]);
        Assert.StartsWith("p0,", lines[1]);

        var l = new CliHarness();
        Assert.Equal(0, await l.Run("links", "--model", model, "--node", "p5", "--top", "4", "--out", dir.File("links.csv")));
        var rows = File.ReadAllLines(dir.File("links.csv"));
        Assert.Equal("rank,source,target,logit,probability,heldOut", rows[0]);
        Assert.Equal(5, rows.Length);
        Assert.All(rows.Skip(1), r => Assert.Contains("p5", r));
        var probabilities = rows.Skip(1).Select(r => double.Parse(r.Split(',')[4], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(probabilities.OrderByDescending(p => p), probabilities);
        var all = new CliHarness();
        Assert.Equal(0, await all.Run("links", "--model", model, "--top", "30"));
        Assert.Contains("edges held out from training", all.Stdout);

        var bad = new CliHarness();
        bad.AssertUsageError(await bad.Run("links", "--model", model, "--node", "nope"), "no node has the id \"nope\"");
        var rec = new CliHarness();
        rec.AssertUsageError(await rec.Run("reconstruct", "--model", model, "--data", spec, "--out", dir.File("r.csv")), "does not apply to graph models");
        var det = new CliHarness();
        det.AssertUsageError(await det.Run("detect", "--model", model, "--data", spec), "detect scores rows");
        // the graph changes after training: links (re-reading the recorded files) and evaluate refuse it
        File.AppendAllText(edges, "p0,p119\n");
        var changed = new CliHarness();
        changed.AssertUsageError(await changed.Run("links", "--model", model, "--top", "3"), "changed since training");
        var other = new CliHarness();
        other.AssertUsageError(await other.Run("evaluate", "--model", model, "--data", spec), "the model was trained on a graph of 120 nodes");
        var wrongData = new CliHarness();
        wrongData.AssertUsageError(await wrongData.Run("evaluate", "--model", model, "--data", "demo:10"), "scores graphs");
    }

    [Fact]
    public async Task BadGraphInputIsOneClearErrorLine()
    {
        using var dir = new TempDir();
        var nodes = dir.Write("nodes.csv", "id,x\na,1\nb,0\n");
        var edges = dir.Write("edges.csv", "s,t\na,b\nb,zz\n");
        var h = new CliHarness();
        h.AssertUsageError(await h.Run("train", "--kind", "gae", "--data", $"graph:{edges}:features={nodes}", "--out", dir.File("m")), "line 3", "\"zz\" has no feature row");
        Assert.False(Directory.Exists(dir.File("m")));
        var k = new CliHarness();
        k.AssertUsageError(await k.Run("train", "--kind", "dense", "--data", $"graph:{edges}", "--out", dir.File("m")), "gae or vgae");
        var d = new CliHarness();
        d.AssertUsageError(await d.Run("train", "--kind", "gae", "--data", "demo:20", "--out", dir.File("m")), "graph data");
        var l = new CliHarness();
        l.AssertUsageError(await l.Run("train", "--kind", "gae", "--data", $"graph:{edges}", "--latent", "0", "--out", dir.File("m")), "--latent");
        var few = new CliHarness();
        few.AssertUsageError(await few.Run("train", "--kind", "gae", "--data", $"graph:{edges}", "--out", dir.File("m")), "too few");
    }

    [Fact]
    public async Task FeaturelessTrainingUsesIdentityFeatures()
    {
        using var dir = new TempDir();
        var (edges, _) = WriteGraph(dir);
        var h = new CliHarness();
        Assert.Equal(0, await h.Run("train", "--kind", "gae", "--data", $"graph:{edges}", "--epochs", "5", "--lr", "0.01", "--graph-loss", "sampled", "--out", dir.File("m")));
        Assert.Contains("identity features", h.Stdout);
        Assert.Contains("GCN I(120)-32-16", h.Stdout);
        Assert.Contains("sampled", h.Stdout);
    }
}
