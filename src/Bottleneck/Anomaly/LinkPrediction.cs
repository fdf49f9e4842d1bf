using Bottleneck.Autograd;
using Bottleneck.Data;
using Bottleneck.Models.Graph;

namespace Bottleneck.Anomaly;

/// <summary>Link-prediction quality on held-out pairs: ROC-AUC and average precision of σ(z_iᵀz_j), true edges = positives.</summary>
/// <param name="RocAuc">Area under the ROC curve, in [0, 1].</param>
/// <param name="AveragePrecision">Average precision (scikit-learn's definition), in [0, 1].</param>
/// <param name="Positives">Held-out edges scored.</param>
/// <param name="Negatives">Non-edges scored.</param>
public sealed record LinkPredictionReport(double RocAuc, double AveragePrecision, int Positives, int Negatives);

/// <summary>
/// Link prediction with a graph autoencoder (Kipf &amp; Welling 2016, §4): the codes of the training graph score each held-out
/// pair by p(A_ij = 1) = σ(z_iᵀz_j); ROC-AUC and AP over the held-out edges (label 1) and as many non-edges (label 0).
/// </summary>
/// <remarks>It lives beside <see cref="AnomalyMetrics"/>, whose ROC-AUC and AP are checked against scikit-learn: ranking true edges
/// above non-edges is the same ranking problem as ranking anomalies above normal rows, and the Evaluation layer may not use this
/// one (docs/design.md).</remarks>
public static class LinkPrediction
{
    /// <summary>The codes of every node of <paramref name="graph"/> (Z, or μ for VGAE), row-major (N × latentDim); eval mode, no autograd.</summary>
    /// <param name="model">The model.</param>
    /// <param name="graph">The graph the encoder propagates over (the training edges).</param>
    public static float[] Embeddings(GraphAutoencoder model, GraphBatch graph)
    {
        ArgumentNullException.ThrowIfNull(model);
        bool training = model.Training;
        model.Eval();
        try
        {
            using (GradMode.NoGrad()) return model.Encode(graph).ToArray();
        }
        finally { model.Train(training); }
    }

    /// <summary>ROC-AUC and AP of the codes <paramref name="z"/> on positive and negative pairs.</summary>
    /// <param name="z">Codes, row-major (N × <paramref name="latentDim"/>).</param>
    /// <param name="latentDim">k.</param>
    /// <param name="positive">Held-out edges.</param>
    /// <param name="negative">Non-edges.</param>
    /// <exception cref="ArgumentException">Either list is empty.</exception>
    public static LinkPredictionReport Score(ReadOnlySpan<float> z, int latentDim, (int[] U, int[] V) positive, (int[] U, int[] V) negative)
    {
        if (positive.U.Length == 0 || negative.U.Length == 0)
            throw new ArgumentException($"link prediction needs held-out edges and non-edges, got {positive.U.Length} and {negative.U.Length}");
        var p = GraphAutoencoder.LinkProbabilities(z, latentDim, positive.U, positive.V);
        var q = GraphAutoencoder.LinkProbabilities(z, latentDim, negative.U, negative.V);
        var scores = p.Concat(q).ToArray();
        var labels = new int[scores.Length];
        Array.Fill(labels, 1, 0, p.Length);
        return new LinkPredictionReport(AnomalyMetrics.RocAuc(scores, labels), AnomalyMetrics.AveragePrecision(scores, labels), p.Length, q.Length);
    }

    /// <summary>The test and validation reports of <paramref name="model"/> on the split it was trained with.</summary>
    /// <param name="model">The trained model.</param>
    /// <param name="graph">The graph.</param>
    /// <param name="split">Its edge split (the encoder propagates over the training edges).</param>
    /// <returns>(test, validation); validation is null when the split holds none out.</returns>
    public static (LinkPredictionReport Test, LinkPredictionReport? Validation) Evaluate(GraphAutoencoder model, GraphData graph, EdgeSplit split)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(split);
        var batch = GraphBatch.Create(graph.Nodes, graph.Features, graph.FeatureCount, split.Train);
        var z = Embeddings(model, batch);
        var test = Score(z, model.LatentDim, split.Test, split.TestNegatives);
        var val = split.Validation.U.Length > 0 ? Score(z, model.LatentDim, split.Validation, split.ValidationNegatives) : null;
        return (test, val);
    }
}
