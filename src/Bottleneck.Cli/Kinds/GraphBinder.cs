using System.CommandLine;
using Bottleneck.Cli.Commands;
using Bottleneck.Models;
using Bottleneck.Models.Graph;

namespace Bottleneck.Cli.Kinds;

/// <summary>
/// <c>--kind gae</c> and <c>--kind vgae</c> (graph autoencoders): <c>--hidden</c> (GCN widths, default 32), <c>--latent</c>
/// (code per node, default 16), <c>--graph-loss</c> (dense, sampled or auto: dense up to 10,000 nodes), <c>--featureless</c>
/// (ignore the node features, use identity features), <c>--kl-weight</c> (vgae; default 1/N). The data must be
/// <c>graph:cora:DIR</c> or <c>graph:EDGES.csv[:features=FILE.csv]</c>.
/// </summary>
/// <param name="kind">"gae" or "vgae".</param>
/// <param name="dense">The shared --hidden and --latent options.</param>
/// <param name="graph">The graph options (shared by both kinds).</param>
public sealed class GraphBinder(string kind, DenseOptions dense, GraphOptions graph) : KindBinder
{
    /// <inheritdoc/>
    public override string Kind => kind;

    /// <inheritdoc/>
    public override IReadOnlyList<Option> Options => kind == "vgae"
        ? [dense.Hidden, dense.Latent, graph.Loss, graph.Featureless, graph.KlWeight]
        : [dense.Hidden, dense.Latent, graph.Loss, graph.Featureless];

    /// <inheritdoc/>
    public override KindSettings Bind(ParseResult r) => new Settings(kind,
        IsGiven(r, dense.Hidden) ? CliOptions.ParseIntList(r.GetValue(dense.Hidden), "--hidden") : null,
        Given(r, dense.Latent), r.GetValue(graph.Loss)!, r.GetValue(graph.Featureless), kind == "vgae" ? Given(r, graph.KlWeight) : null);

    /// <summary>A graph kind's values.</summary>
    /// <param name="Name">"gae" or "vgae".</param>
    /// <param name="Hidden">--hidden, or null for [32].</param>
    /// <param name="Latent">--latent, or null for 16.</param>
    /// <param name="Loss">--graph-loss: dense, sampled or auto.</param>
    /// <param name="Featureless">--featureless.</param>
    /// <param name="KlWeight">--kl-weight, or null for 1/N.</param>
    public sealed record Settings(string Name, int[]? Hidden, int? Latent, string Loss, bool Featureless, float? KlWeight) : KindSettings(Name)
    {
        /// <summary>The graph has no node features (set by the training service once the graph is read): identity features.</summary>
        public bool FeaturelessData { get; init; }

        /// <summary>Whether the model uses identity features: --featureless or a graph without features.</summary>
        public bool IdentityFeatures => Featureless || FeaturelessData;

        /// <inheritdoc/>
        public override Likelihood Output(KindData data) => Likelihood.Bernoulli;

        /// <inheritdoc/>
        /// <remarks><see cref="KindData.Rows"/> is N, the nodes; <see cref="KindData.InputDim"/> the features per node.</remarks>
        protected override ModelConfig Create(KindData data)
        {
            int nodes = Math.Max(2, data.Rows);
            GraphReconstruction? loss = Loss switch
            {
                "dense" => GraphReconstruction.Dense,
                "sampled" => GraphReconstruction.Sampled,
                _ => null,
            };
            return new GraphConfig(IdentityFeatures ? nodes : data.IsProbe ? 1 : data.InputDim, nodes, Hidden, Latent ?? 16, Name == "vgae",
                IdentityFeatures, loss, KlWeight);
        }

        /// <inheritdoc/>
        protected override string? OptionFor(string parameter) => parameter switch
        {
            "hidden" => "--hidden",
            "latent" => "--latent",
            "klWeight" => "--kl-weight",
            _ => null,
        };
    }
}

/// <summary>The options of the graph kinds, one set shared by gae and vgae.</summary>
public sealed class GraphOptions
{
    /// <summary>--graph-loss.</summary>
    public Option<string> Loss { get; } = CliOptions.Choice("--graph-loss",
        "Reconstruction loss of gae/vgae: dense (weighted BCE over all N^2 pairs, as the paper), sampled (training edges against as many sampled non-edges), auto (dense up to 10,000 nodes)",
        "auto", "auto", "dense", "sampled");

    /// <summary>--featureless.</summary>
    public Option<bool> Featureless { get; } = CliOptions.Flag("--featureless", "Ignore the node features and use identity features (gae/vgae)");

    /// <summary>--kl-weight.</summary>
    public Option<float> KlWeight { get; } = new("--kl-weight")
    {
        Description = "Weight of the KL term of vgae (default 1/N, as the reference code)",
        HelpName = "W",
    };
}
