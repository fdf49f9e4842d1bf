using Bottleneck.Data;
using Bottleneck.Training;

namespace Bottleneck.Models.Graph;

/// <summary>A training source of one graph: one sample, the whole graph over its training edges (full-batch training).</summary>
/// <param name="batch">The graph.</param>
/// <param name="name">Where it comes from, for messages.</param>
public sealed class GraphSource(GraphBatch batch, string name) : IBatchSource
{
    /// <summary>The training graph of a split: features, and the training edges only (held-out edges are unseen by the encoder).</summary>
    /// <param name="graph">The graph.</param>
    /// <param name="split">Its edge split.</param>
    public static GraphSource Training(GraphData graph, EdgeSplit split) =>
        new(GraphBatch.Create(graph.Nodes, graph.Features, graph.FeatureCount, split.Train), graph.Source);

    /// <summary>The graph.</summary>
    public GraphBatch Batch { get; } = batch ?? throw new ArgumentNullException(nameof(batch));

    /// <inheritdoc/>
    public int Count => 1;

    /// <inheritdoc/>
    public string Name { get; } = name;

    /// <inheritdoc/>
    public Batch Load(ReadOnlySpan<int> indices)
    {
        foreach (int i in indices) if (i != 0) throw new ArgumentOutOfRangeException(nameof(indices), i, $"a graph source has one sample (index 0), got {i}");
        return Batch;
    }
}
