using System.CommandLine;
using Bottleneck.Cli.Services;

namespace Bottleneck.Cli.Commands;

/// <summary>What <c>bottleneck links</c> needs.</summary>
/// <param name="ModelDir">A gae or vgae model folder.</param>
/// <param name="Node">Original id of the node whose missing links to list, or null for the most likely missing links of the whole graph.</param>
/// <param name="Top">K, how many links to list, ≥ 1.</param>
/// <param name="Out">CSV/TSV file to write the list to, or null (console only).</param>
/// <param name="Data">The graph's data SPEC, or null for the one the model was trained on.</param>
public sealed record LinksSettings(string ModelDir, string? Node, int Top, string? Out, string? Data = null);

/// <summary>The <c>links</c> command.</summary>
public static class LinksCommand
{
    /// <summary>Help text, with examples.</summary>
    public const string Description =
        "List the most likely missing links of a graph by a gae or vgae model.\n\n" +
        "Scores every node pair that is not a training edge by p = sigmoid(z_i.z_j), the codes taken over the training graph, and\n" +
        "lists the K highest: for one node (--node ID, its original id) or for the whole graph (graphs up to 20,000 nodes).\n" +
        "A pair that is an edge held out for validation or test is marked: those are real links the model never saw.\n" +
        "The graph is the one the model was trained on (re-read from its data SPEC, checked against the recorded files), or --data.\n" +
        "--out FILE.csv|.tsv writes the list: rank, source, target, logit z_i.z_j, probability, heldOut.\n\n" +
        "Examples:\n" +
        "  bottleneck links --model runs/cora-gae --top 20\n" +
        "  bottleneck links --model runs/cora-gae --node 31336 --top 10 --out links.csv";

    private sealed record Options(Option<string> Model, Option<string?> Node, Option<int> Top, Option<string?> Out, Option<string?> Data);

    /// <summary>Creates the command; its action runs a <see cref="LinksService"/> on <paramref name="env"/>.</summary>
    public static Command Create(CliEnvironment env)
    {
        var o = new Options(ApplyOptions.ModelOption(),
            CliOptions.Optional("--node", "ID", "List the missing links of this node (its id in the data); default: the whole graph"),
            CliOptions.Int("--top", "How many links to list", 10, 1),
            CliOptions.Optional("--out", "FILE", "Also write the list to this .csv or .tsv file"),
            CliOptions.Optional("--data", "SPEC", "The graph (graph:cora:DIR or graph:EDGES.csv[:features=FILE.csv]); default: the one the model was trained on"));
        var command = new Command("links", Description) { o.Model, o.Node, o.Top, o.Out, o.Data };
        CommandParts.Attach(command, o);
        command.SetAction((ParseResult r, CancellationToken ct) => Task.FromResult(new LinksService(env.Console, env.Error, Cli.IsVerbose(r, env)).Run(Bind(r), ct)));
        return command;
    }

    /// <summary>Maps a parse result of a links command to <see cref="LinksSettings"/>, through its typed options.</summary>
    public static LinksSettings Bind(ParseResult r)
    {
        var o = CommandParts.Of<Options>(r);
        return new(r.GetValue(o.Model)!, r.GetValue(o.Node), r.GetValue(o.Top), r.GetValue(o.Out), r.GetValue(o.Data));
    }
}
