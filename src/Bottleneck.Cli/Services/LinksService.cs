using System.Globalization;
using System.Text;
using Bottleneck.Anomaly;
using Bottleneck.Cli.Commands;
using Bottleneck.Data;
using Bottleneck.IO;
using Bottleneck.ModelFiles;
using Bottleneck.Models.Graph;
using Spectre.Console;

namespace Bottleneck.Cli.Services;

/// <summary><c>bottleneck links</c>: the K most likely missing links of a graph, for one node or the whole graph.</summary>
public sealed class LinksService : CliService
{
    /// <summary>The largest graph whose every pair <c>links</c> scores without --node (N²/2 pairs).</summary>
    public const int AllPairsLimit = 20_000;

    /// <summary>Creates the service.</summary>
    public LinksService(IAnsiConsole console, TextWriter error, bool verbose = false) : base(console, error, verbose) { }

    /// <summary>One listed link.</summary>
    /// <param name="Source">Node index.</param>
    /// <param name="Target">Node index.</param>
    /// <param name="Logit">z_sᵀz_t.</param>
    /// <param name="Probability">σ(z_sᵀz_t).</param>
    /// <param name="HeldOut">"test" or "validation" when the pair is a held-out edge, else "".</param>
    public sealed record Link(int Source, int Target, double Logit, double Probability, string HeldOut);

    /// <summary>Lists the links.</summary>
    /// <param name="s">What to do.</param>
    /// <param name="cancellation">Stops the command (Ctrl+C, SIGTERM); nothing is written then.</param>
    /// <returns>0 on success, 2 for a user mistake, 130 when cancelled, 1 otherwise.</returns>
    public int Run(LinksSettings s, CancellationToken cancellation = default) => Guard(() =>
    {
        if (s.Top < 1) throw new ArgumentException($"--top must be ≥ 1, got {s.Top}");
        if (s.Out != null)
        {
            string ext = Path.GetExtension(s.Out).ToLowerInvariant();
            if (ext is not (".csv" or ".tsv")) throw new ArgumentException($"--out {s.Out}: unsupported format \"{ext}\"; use a file name ending in .csv or .tsv");
            TempNames.CheckNameLength(s.Out, "--out");
        }
        if (string.IsNullOrWhiteSpace(s.ModelDir)) throw new ArgumentException("--model needs a model folder");
        var saved = ModelStore.Load(s.ModelDir);
        var section = GraphSection.Of(saved);
        var spec = DataSpec.Parse(s.Data ?? saved.DataSource);
        OutputPaths.Check("--out", s.Out, spec, "train", s.ModelDir);
        if (s.Data is null)
            foreach (var f in saved.DataFiles ?? [])
                if (f.Mismatch() is { } why) throw new DataException($"the model's training graph changed since training: {why}; give the graph with --data", f.Path);
        var model = (GraphAutoencoder)saved.Model;
        var (graph, split) = section.Rebuild(spec, model);
        int? node = s.Node is null ? null : graph.IndexOf(s.Node);
        if (node is null && graph.Nodes > AllPairsLimit)
            throw new ArgumentException($"the graph has {graph.Nodes:N0} nodes: listing links over all pairs is limited to {AllPairsLimit:N0}; give --node ID");
        var batch = GraphBatch.Create(graph.Nodes, graph.Features, graph.FeatureCount, split.Train);
        var z = LinkPrediction.Embeddings(model, batch);
        var links = Top(z, model.LatentDim, batch, split, node, s.Top, cancellation);

        var table = new Table().AddColumn("rank").AddColumn("source").AddColumn("target").AddColumn(new Spectre.Console.TableColumn("z_i.z_j").RightAligned()).AddColumn(new Spectre.Console.TableColumn("probability").RightAligned()).AddColumn("held-out edge");
        for (int r = 0; r < links.Count; r++)
            table.AddRow((r + 1).ToString(CultureInfo.InvariantCulture), Markup.Escape(graph.NodeIds[links[r].Source]), Markup.Escape(graph.NodeIds[links[r].Target]),
                links[r].Logit.ToString("0.000", CultureInfo.InvariantCulture), links[r].Probability.ToString("0.0000", CultureInfo.InvariantCulture), links[r].HeldOut);
        Line($"model  {s.ModelDir}: {model.Config.Describe()}");
        Line($"graph  {graph}");
        Line(node is int n ? $"the {links.Count} most likely missing links of node {graph.NodeIds[n]} (pairs that are not training edges)"
                           : $"the {links.Count} most likely missing links (pairs that are not training edges)");
        Console.Write(table);
        int held = links.Count(l => l.HeldOut.Length > 0);
        Line($"{held} of {links.Count} are edges held out from training ({split.Test.U.Length} test and {split.Validation.U.Length} validation edges in all)");
        if (s.Out != null)
        {
            char sep = Path.GetExtension(s.Out).Equals(".tsv", StringComparison.OrdinalIgnoreCase) ? '\t' : ',';
            var sb = new StringBuilder($"rank{sep}source{sep}target{sep}logit{sep}probability{sep}heldOut\n");
            for (int r = 0; r < links.Count; r++)
                sb.Append(r + 1).Append(sep).Append(GraphApplyService.Csv(graph.NodeIds[links[r].Source], sep)).Append(sep)
                  .Append(GraphApplyService.Csv(graph.NodeIds[links[r].Target], sep)).Append(sep)
                  .Append(links[r].Logit.ToString("R", CultureInfo.InvariantCulture)).Append(sep).Append(links[r].Probability.ToString("R", CultureInfo.InvariantCulture)).Append(sep).Append(links[r].HeldOut).Append('\n');
            AtomicFile.WriteAllText(s.Out, sb.ToString());
            Line($"written to {s.Out}");
        }
        return ExitCodes.Success;
    }, cancellation);

    /// <summary>The <paramref name="k"/> pairs with the highest σ(z_iᵀz_j) that are not training edges, highest first (ties: lower
    /// indices first); for one node's pairs when <paramref name="node"/> is given.</summary>
    internal static List<Link> Top(float[] z, int latentDim, GraphBatch graph, EdgeSplit split, int? node, int k, CancellationToken cancellation)
    {
        int n = graph.Nodes;
        var heap = new PriorityQueue<(int I, int J), (double Dot, int I, int J)>(Comparer<(double Dot, int I, int J)>.Create((a, b) =>
            a.Dot != b.Dot ? a.Dot.CompareTo(b.Dot) : b.I != a.I ? b.I.CompareTo(a.I) : b.J.CompareTo(a.J)));
        void Consider(int i, int j)
        {
            int a = Math.Min(i, j), b = Math.Max(i, j);
            if (graph.EdgeKeys.Contains(GraphData.Key(a, b, n))) return;
            double dot = 0;
            for (int d = 0; d < latentDim; d++) dot += (double)z[a * latentDim + d] * z[b * latentDim + d];
            var key = (dot, a, b);
            if (heap.Count < k) heap.Enqueue((a, b), key);
            else if (heap.TryPeek(out _, out var min) && heap.Comparer.Compare(key, min) > 0) heap.EnqueueDequeue((a, b), key);
        }
        if (node is int v)
        {
            for (int j = 0; j < n; j++) if (j != v) Consider(v, j);
        }
        else
            for (int i = 0; i < n; i++)
            {
                if ((i & 255) == 0) cancellation.ThrowIfCancellationRequested();
                for (int j = i + 1; j < n; j++) Consider(i, j);
            }
        var test = Keys(split.Test, n);
        var val = Keys(split.Validation, n);
        var list = new List<Link>(heap.Count);
        while (heap.TryDequeue(out var p, out var pr))
        {
            long key = GraphData.Key(p.I, p.J, n);
            list.Add(new Link(p.I, p.J, pr.Dot, 1 / (1 + Math.Exp(-pr.Dot)), test.Contains(key) ? "test" : val.Contains(key) ? "validation" : ""));
        }
        list.Reverse();
        return list;
    }

    private static HashSet<long> Keys((int[] U, int[] V) pairs, int n)
    {
        var set = new HashSet<long>(pairs.U.Length);
        for (int t = 0; t < pairs.U.Length; t++) set.Add(GraphData.Key(Math.Min(pairs.U[t], pairs.V[t]), Math.Max(pairs.U[t], pairs.V[t]), n));
        return set;
    }
}
