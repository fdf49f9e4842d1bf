using System.Text.Json.Nodes;
using Bottleneck.Data;
using Bottleneck.Evaluation;
using Spectre.Console;

namespace Bottleneck.Cli.Services;

/// <summary>How <c>evaluate --latent-metrics</c> computes and shows a <see cref="LatentMetricsReport"/>.</summary>
internal static class LatentMetricsOutput
{
    /// <summary>The embedding metrics of the model's codes of the (scaled) data against its labels.</summary>
    /// <exception cref="DataException">The data has no labels (exit code 2).</exception>
    public static LatentMetricsReport Compute(ModelData m)
    {
        if (m.Raw.Labels == null)
            throw new DataException($"{m.Raw.Source}: --latent-metrics needs labelled data (a label column or labels file), and the data has none", m.Raw.Source);
        try
        {
            return LatentMetrics.Evaluate(m.Saved.Model, m.Scaled);
        }
        catch (ArgumentException e) when (e is not Bottleneck.Tensors.ShapeException)
        {
            throw new DataException($"{m.Raw.Source}: --latent-metrics: {e.Message}", m.Raw.Source);
        }
    }

    /// <summary>Adds the embedding rows to evaluate's table.</summary>
    public static void AddRows(Table table, LatentMetricsReport r)
    {
        table.AddRow($"silhouette of the {r.Classes} labels (codes, Euclidean)", Output.Num(r.Silhouette));
        table.AddRow($"NMI, k-means (k = {r.Clusters}) vs labels", Output.Num(r.Nmi));
        table.AddRow($"ARI, k-means (k = {r.Clusters}) vs labels", Output.Num(r.Ari));
        table.AddRow("kNN accuracy (k = 5, stratified 5-fold CV)", Output.Num(r.KnnAccuracy));
        table.AddRow("linear-probe accuracy (stratified 5-fold CV)", Output.Num(r.LinearProbeAccuracy));
    }

    /// <summary>Adds <c>silhouette</c>, <c>nmi</c>, <c>ari</c>, <c>knnAccuracy</c> and <c>linearProbeAccuracy</c> to evaluate's JSON.</summary>
    public static void AddJson(JsonObject json, LatentMetricsReport r)
    {
        json["silhouette"] = r.Silhouette;
        json["nmi"] = r.Nmi;
        json["ari"] = r.Ari;
        json["knnAccuracy"] = r.KnnAccuracy;
        json["linearProbeAccuracy"] = r.LinearProbeAccuracy;
    }
}
