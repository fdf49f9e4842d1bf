namespace Bottleneck.Cli.Kinds;

/// <summary>The binders of <c>bottleneck train</c>: one line per kind. Every registered kind that the CLI can train has one.</summary>
public static class KindBinders
{
    /// <summary>A fresh set of binders (one per train command; binders of one family share their option objects).</summary>
    public static IReadOnlyList<KindBinder> Create()
    {
        var dense = new DenseOptions();
        var variational = new VariationalOptions();
        var sequence = new SequenceOptions();
        var conv = new ConvBinder(dense);
        var graph = new GraphOptions();
        var recommendation = new RecommendationOptions();
        return
        [
            new DenseBinder(dense),
            new SparseBinder(dense),
            new DenoisingBinder(dense),
            new ContractiveBinder(dense),
            new StackedBinder(dense),
            new LinearBinder(dense),
            new PcaBinder(dense),
            new VariationalBinder("vae", dense, variational, conv),
            new VariationalBinder("cvae", dense, variational, conv),
            new VariationalBinder("ssvae", dense, variational, conv),
            new VariationalBinder("beta-tcvae", dense, variational, conv),
            new VariationalBinder("info-vae", dense, variational, conv),
            new VariationalBinder("wae-mmd", dense, variational, conv),
            new VariationalBinder("aae", dense, variational, conv),
            new VariationalBinder("vq-vae", dense, variational, conv),
            new VariationalBinder("hvae", dense, variational, conv),
            new SequenceBinder("lstm", dense, sequence, variational),
            new SequenceBinder("gru", dense, sequence, variational),
            new TransformerBinder(dense, sequence),
            conv,
            new TcnBinder(dense, sequence, variational, conv),
            new GraphBinder("gae", dense, graph),
            new GraphBinder("vgae", dense, graph),
            new SuperResolutionBinder(dense, conv),
            new AutoRecBinder(dense, recommendation),
            new MultBinder("mult-dae", dense, variational, recommendation),
            new MultBinder("mult-vae", dense, variational, recommendation),
            new RobustAeBinder(dense),
            new RandNetBinder(dense),
            new DagmmBinder(dense),
        ];
    }
}
