using Bottleneck.Anomaly;
using Bottleneck.Data;
using Bottleneck.Reports;

namespace Bottleneck.Cli.Services;

/// <summary>What <c>plot</c> and <c>report</c> read: the model, the data (default: the data the model was trained on) and, when asked, the anomaly scores.</summary>
internal static class ReportData
{
    /// <summary>The data SPEC to use: the given one, else the one the model was trained on (its train split, as trained).</summary>
    /// <exception cref="ArgumentException">No SPEC was given and the model does not record its data.</exception>
    public static string SpecFor(string modelDir, string? data, string dataSource)
    {
        if (!string.IsNullOrWhiteSpace(data)) return data;
        if (string.IsNullOrWhiteSpace(dataSource) || dataSource.StartsWith('(')) 
            throw new ArgumentException($"the model in {modelDir} does not record the data it was trained on; give --data SPEC");
        return dataSource;
    }

    /// <summary>
    /// The anomaly scores of <paramref name="spec"/>'s rows with the model's detector (its saved threshold and error), and for
    /// labelled data 1 = anomaly per row (labels other than the model's normal value, or than <paramref name="normal"/>).
    /// </summary>
    public static ReportScores Scores(ModelData m, DataSpec spec, string? normal = null)
    {
        var saved = m.Saved;
        var detector = AnomalyDetector.FromSaved(saved);
        if (saved.Threshold is { } st && st.Error == detector.Scorer.Error) detector.SetThreshold(st);
        normal ??= saved.Normal?.Value;
        string? labelColumn = spec.LabelColumn;
        if (labelColumn == null && spec.Kind == DataKind.Csv && saved.Normal is { } n && detector.Tabular == null && TabularEncoder.HasColumn(spec.Path!, n.Column))
            labelColumn = n.Column;
        var options = new CsvScoringOptions(labelColumn, normal, 0, KeepScores: true);
        var summary = spec.Kind == DataKind.Csv
            ? detector.ScoreCsvRows(spec.Path!, null, options)
            : detector.ScoreDatasetRows(m.Raw, null, options);
        return new ReportScores(summary.Scores!, summary.Labels, detector.Threshold,
            $"anomaly score: {detector.Scorer.ScoreName} per sample");
    }
}
