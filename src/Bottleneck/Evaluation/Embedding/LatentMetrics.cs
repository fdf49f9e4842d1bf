using Bottleneck.Data;
using Bottleneck.Models;
using Bottleneck.Training;

namespace Bottleneck.Evaluation;

/// <summary>Options of <see cref="LatentMetrics"/>.</summary>
/// <param name="Neighbors">k of the kNN classifier (default 5, scikit-learn's).</param>
/// <param name="Folds">Stratified folds of the kNN and linear-probe accuracies (default 5).</param>
/// <param name="Seed">Seed of k-means++ (default 0).</param>
/// <param name="KMeansInits">k-means runs, best inertia kept (default 10).</param>
/// <param name="C">Inverse L2 strength of the linear probe (default 1).</param>
/// <param name="Clusters">k of k-means; null (default) = the number of distinct labels.</param>
public sealed record LatentMetricsOptions(int Neighbors = 5, int Folds = 5, int Seed = 0, int KMeansInits = 10, double C = 1.0, int? Clusters = null);

/// <summary>How well codes organize labelled data (every accuracy a fraction in [0, 1]).</summary>
/// <param name="Samples">N.</param>
/// <param name="LatentDim">K.</param>
/// <param name="Classes">Distinct labels.</param>
/// <param name="Clusters">k of the k-means clustering NMI and ARI score.</param>
/// <param name="Silhouette">Silhouette of the labels as clusters in code space (Euclidean), in [−1, 1].</param>
/// <param name="Nmi">Normalized mutual information between k-means clusters and labels, in [0, 1].</param>
/// <param name="Ari">Adjusted Rand index between k-means clusters and labels, 1 = identical partitions, ≈ 0 = chance.</param>
/// <param name="KnnAccuracy">Cross-validated kNN classification accuracy.</param>
/// <param name="LinearProbeAccuracy">Cross-validated accuracy of a multinomial logistic regression on standardized codes.</param>
public sealed record LatentMetricsReport(int Samples, int LatentDim, int Classes, int Clusters, double Silhouette, double Nmi, double Ari,
    double KnnAccuracy, double LinearProbeAccuracy);

/// <summary>
/// Embedding metrics of codes on labelled data: silhouette of the labels, k-means (k-means++, seeded) then NMI and ARI
/// against the labels, kNN accuracy and linear-probe accuracy by stratified k-fold cross-validation. Each matches
/// scikit-learn (see <see cref="ClusteringMetrics"/>, <see cref="KMeans"/>, <see cref="KnnClassifier"/>, <see cref="LinearProbe"/>).
/// </summary>
public static class LatentMetrics
{
    /// <summary>Computes every metric on the given codes.</summary>
    /// <param name="codes">Codes, row-major (N, K).</param>
    /// <param name="dim">K.</param>
    /// <param name="labels">Class of each row (length N; at least 2 classes, fewer than N; the largest class at least <see cref="LatentMetricsOptions.Folds"/> rows).</param>
    /// <param name="options">Neighbours, folds, seed, k-means runs, C; null = defaults.</param>
    /// <exception cref="ArgumentException">Bad shapes, non-finite codes, too few classes or rows for the folds (the message says which).</exception>
    public static LatentMetricsReport Evaluate(ReadOnlySpan<float> codes, int dim, ReadOnlySpan<int> labels, LatentMetricsOptions? options = null)
    {
        options ??= new LatentMetricsOptions();
        int n = Points.Rows(codes, dim, 2);
        Points.CheckLabels(labels, n);
        int classes = Points.Encode(labels, out _, out _);
        if (classes < 2) throw new ArgumentException($"embedding metrics need labels with at least 2 classes, got {classes}");
        int k = options.Clusters ?? classes;
        var clusters = KMeans.Fit(codes, dim, new KMeansOptions(Math.Min(k, n), options.Seed, options.KMeansInits));
        return new LatentMetricsReport(n, dim, classes, k,
            ClusteringMetrics.Silhouette(codes, dim, labels),
            ClusteringMetrics.NormalizedMutualInformation(labels, clusters.Assignments),
            ClusteringMetrics.AdjustedRandIndex(labels, clusters.Assignments),
            KnnClassifier.CrossValidatedAccuracy(codes, dim, labels, options.Neighbors, options.Folds),
            LinearProbe.CrossValidatedAccuracy(codes, dim, labels, options.C, options.Folds));
    }

    /// <summary>Encodes <paramref name="data"/> with <paramref name="model"/> (eval mode, no autograd) and computes every metric against its labels.</summary>
    /// <param name="model">The model.</param>
    /// <param name="data">Preprocessed samples with labels.</param>
    /// <param name="options">See <see cref="LatentMetricsOptions"/>; null = defaults.</param>
    /// <exception cref="DataException">The data has no labels.</exception>
    /// <exception cref="ArgumentException">As <see cref="Evaluate(ReadOnlySpan{float}, int, ReadOnlySpan{int}, LatentMetricsOptions?)"/>.</exception>
    public static LatentMetricsReport Evaluate(AutoencoderModel model, Dataset data, LatentMetricsOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        if (data.Labels == null) throw new DataException($"{data.Source}: the embedding metrics need labels, and the data has none", data.Source);
        var codes = Batching.Encode(model, data);
        return Evaluate(codes, model.LatentDim, data.Labels, options);
    }
}
