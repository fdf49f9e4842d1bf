using System.Globalization;
using Bottleneck.Anomaly;
using Bottleneck.Training;
using ScottPlot;

namespace Bottleneck.Reports;

/// <summary>
/// The figures of a model, built with ScottPlot (no plotting code of our own): training history, latent map, latent-unit
/// histograms, anomaly-score histogram with the threshold, ROC and precision-recall curves. Each returns a
/// <see cref="Plot"/> with a title, labelled axes (with units) and a legend; render it with <see cref="PlotFiles"/>.
/// </summary>
public static class Figures
{
    /// <summary>At most this many points are drawn in a latent map (an evenly strided subset of larger sets; 5,000).</summary>
    public const int MaxMapPoints = 5000;

    /// <summary>At most this many latent units get a histogram (those of largest variance; 8).</summary>
    public const int MaxUnits = 8;

    private static readonly ScottPlot.Palettes.Category10 Palette = new();

    private static Color ColorOf(int i) => Palette.GetColor(i % Palette.Colors.Length);

    private static Plot NewPlot(string title, string xLabel, string yLabel)
    {
        var plot = new Plot();
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        PlotFiles.Style(plot);
        return plot;
    }

    /// <summary>
    /// Loss curves by epoch: the training loss (the sum of the terms), each named loss term when there are several, the
    /// validation loss, and the learning rate on the right axis. Stages of multi-stage fits (pretraining, fine-tuning) follow
    /// one another on one epoch axis, with a dotted line where a stage begins.
    /// </summary>
    /// <param name="history">The fit's epochs, oldest first (<see cref="Bottleneck.ModelFiles.SavedModel.History"/>).</param>
    /// <param name="title">Figure title (name the model and the data).</param>
    /// <returns>The figure.</returns>
    /// <exception cref="ArgumentException">The history is empty (a closed-form fit has none).</exception>
    public static Plot History(IReadOnlyList<EpochRecord> history, string title)
    {
        ArgumentNullException.ThrowIfNull(history);
        if (history.Count == 0) throw new ArgumentException("the model has no training history (fitted in closed form): there is no loss curve to plot");
        var plot = NewPlot(title, "epoch", "loss per sample (summed over features)");
        double[] x = Enumerable.Range(1, history.Count).Select(i => (double)i).ToArray();
        string[] stages = history.Select(h => h.Stage).ToArray();
        int color = 0;
        Line(plot, x, stages, history.Select(h => h.TrainLoss).ToArray(), "train loss", ColorOf(color++), 2.5f, LinePattern.Solid);
        var terms = history.Where(h => h.Terms is { Count: > 1 }).SelectMany(h => h.Terms!.Names).Distinct().ToList();
        foreach (var term in terms)
            Line(plot, x, stages, history.Select(h => h.Terms?[term] ?? double.NaN).ToArray(), "train " + term, ColorOf(color++), 1.5f, LinePattern.Solid);
        if (history.Any(h => h.ValidationLoss is not null))
            Line(plot, x, stages, history.Select(h => h.ValidationLoss ?? double.NaN).ToArray(), "validation loss", ColorOf(color++), 2.5f, LinePattern.Dashed);
        for (int i = 1; i < history.Count; i++)
            if (history[i].Stage != history[i - 1].Stage)
            {
                var v = plot.Add.VerticalLine(i + 0.5);
                v.LinePattern = LinePattern.Dotted;
                v.Color = Colors.Gray;
                v.LegendText = "";
                v.Text = history[i].Stage;
            }
        var lr = plot.Add.Scatter(x, history.Select(h => h.LearningRate).ToArray());
        lr.LegendText = "learning rate (right axis)";
        lr.Color = Colors.Black.WithAlpha(0.6);
        lr.LinePattern = LinePattern.Dotted;
        lr.LineWidth = 1.5f;
        lr.MarkerSize = 0;
        lr.Axes.YAxis = plot.Axes.Right;
        plot.Axes.Right.Label.Text = "learning rate";
        double maxLr = history.Max(h => double.IsFinite(h.LearningRate) ? h.LearningRate : 0);
        plot.Axes.SetLimitsY(0, maxLr > 0 ? maxLr * 1.15 : 1, plot.Axes.Right);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        PlotFiles.Style(plot);
        plot.ShowLegend(Alignment.UpperRight);
        return plot;
    }

    /// <summary>One curve, drawn as a separate segment per stage (a stage's loss is not continued into the next one's), over
    /// the finite points only; the legend names it once.</summary>
    private static void Line(Plot plot, double[] x, string[] stages, double[] y, string label, Color color, float width, LinePattern pattern)
    {
        bool named = false;
        for (int start = 0; start < x.Length;)
        {
            int end = start;
            while (end < x.Length && stages[end] == stages[start]) end++;
            var keep = Enumerable.Range(start, end - start).Where(i => double.IsFinite(y[i])).ToArray();
            start = end;
            if (keep.Length == 0) continue;
            var s = plot.Add.Scatter(keep.Select(i => x[i]).ToArray(), keep.Select(i => y[i]).ToArray());
            s.LegendText = named ? "" : label;
            named = true;
            s.Color = color;
            s.LineWidth = width;
            s.LinePattern = pattern;
            s.MarkerSize = x.Length <= 30 ? 5 : 0;
        }
    }

    /// <summary>
    /// A 2-D map of the codes (a <see cref="NamedProjection"/> such as PCA or t-SNE), one colour per class when labels are
    /// given; at most <see cref="MaxMapPoints"/> points (an evenly strided subset, so every class keeps its share).
    /// </summary>
    /// <param name="points">The projected codes, (N, 2) row-major.</param>
    /// <param name="labels">Class of each row (length N), or null for one colour.</param>
    /// <param name="classNames">Names of the classes (index = label), or null for the numbers.</param>
    /// <param name="title">Figure title.</param>
    /// <param name="axisName">Name of the projection's axes, e.g. "PC" (axes "PC 1", "PC 2").</param>
    /// <exception cref="ArgumentException">The points are not (N, 2) or the labels' length differs.</exception>
    public static Plot LatentMap(double[] points, int[]? labels, IReadOnlyList<string>? classNames, string title, string axisName = "PC")
    {
        ArgumentNullException.ThrowIfNull(points);
        if (points.Length % 2 != 0) throw new ArgumentException($"points must be (N, 2) row-major, got {points.Length} values");
        int n = points.Length / 2;
        if (labels != null && labels.Length != n) throw new ArgumentException($"{labels.Length} labels for {n} points");
        string unit = axisName == "PC" ? " (code units)" : "";
        var plot = NewPlot(title, $"{axisName} 1{unit}", $"{axisName} 2{unit}");
        int stride = Math.Max(1, (int)Math.Ceiling(n / (double)MaxMapPoints));
        var rows = Enumerable.Range(0, n).Where(i => i % stride == 0).ToArray();
        var groups = labels == null ? [(Label: -1, Rows: rows)] : rows.GroupBy(i => labels[i]).OrderBy(g => g.Key).Select(g => (Label: g.Key, Rows: g.ToArray())).ToArray();
        // Ten colours for up to ten classes, twenty beyond (colours repeat only past twenty classes).
        IPalette palette = groups.Length > 10 ? new ScottPlot.Palettes.Category20() : Palette;
        foreach (var (label, members) in groups)
        {
            var s = plot.Add.Scatter(members.Select(i => points[2 * i]).ToArray(), members.Select(i => points[2 * i + 1]).ToArray());
            s.LineWidth = 0;
            s.MarkerSize = n > 2000 ? 3 : 5;
            s.Color = palette.GetColor(Math.Max(0, label) % palette.Colors.Length).WithAlpha(0.7);
            s.LegendText = label < 0 ? $"{members.Length} samples"
                : classNames != null && label < classNames.Count ? classNames[label] : label.ToString(CultureInfo.InvariantCulture);
        }
        if (stride > 1) plot.Title($"{title} ({rows.Length} of {n} samples)");
        PlotFiles.Style(plot);
        plot.ShowLegend(Alignment.UpperRight);
        return plot;
    }

    /// <summary>
    /// Histograms of the latent units (the <see cref="MaxUnits"/> of largest variance when there are more), one outline each,
    /// 40 bins over their common range; the y axis is the share of samples per bin.
    /// </summary>
    /// <param name="codes">Codes, (N, K) row-major.</param>
    /// <param name="n">N, rows.</param>
    /// <param name="k">K, latent units.</param>
    /// <param name="title">Figure title.</param>
    /// <exception cref="ArgumentException">codes.Length ≠ N·K or N = 0.</exception>
    public static Plot LatentUnits(float[] codes, int n, int k, string title)
    {
        ArgumentNullException.ThrowIfNull(codes);
        if (n < 1 || k < 1 || codes.Length != (long)n * k) throw new ArgumentException($"codes must be (N, K) with N, K ≥ 1: {codes.Length} values for ({n}, {k})");
        var variance = new double[k];
        var mean = new double[k];
        for (int i = 0; i < n; i++) for (int j = 0; j < k; j++) mean[j] += codes[i * k + j] / (double)n;
        for (int i = 0; i < n; i++) for (int j = 0; j < k; j++) { double d = codes[i * k + j] - mean[j]; variance[j] += d * d / n; }
        var units = Enumerable.Range(0, k).OrderByDescending(j => variance[j]).ThenBy(j => j).Take(MaxUnits).OrderBy(j => j).ToArray();
        double lo = double.PositiveInfinity, hi = double.NegativeInfinity;
        foreach (int j in units) for (int i = 0; i < n; i++) { double v = codes[i * k + j]; if (double.IsFinite(v)) { lo = Math.Min(lo, v); hi = Math.Max(hi, v); } }
        if (!(hi > lo)) { lo -= 0.5; hi += 0.5; }
        var plot = NewPlot(k > units.Length ? $"{title} ({units.Length} of {k} units, largest variance)" : title, "code value (code units)", "share of samples per bin (%)");
        const int bins = 40;
        double width = (hi - lo) / bins;
        foreach (int j in units)
        {
            var counts = new double[bins];
            for (int i = 0; i < n; i++)
            {
                double v = codes[i * k + j];
                if (!double.IsFinite(v)) continue;
                counts[Math.Clamp((int)((v - lo) / width), 0, bins - 1)] += 100.0 / n;
            }
            Steps(plot, lo, width, counts, $"z{j} (sd {Math.Sqrt(variance[j]).ToString("G3", CultureInfo.InvariantCulture)})", ColorOf(Array.IndexOf(units, j)));
        }
        PlotFiles.Style(plot);
        plot.ShowLegend(Alignment.UpperRight);
        return plot;
    }

    /// <summary>A histogram drawn as a step outline: bin edges lo + i·width, heights <paramref name="heights"/>.</summary>
    private static void Steps(Plot plot, double lo, double width, double[] heights, string label, Color color)
    {
        int bins = heights.Length;
        var xs = new double[2 * bins + 2];
        var ys = new double[2 * bins + 2];
        xs[0] = lo; ys[0] = 0;
        for (int b = 0; b < bins; b++)
        {
            xs[2 * b + 1] = lo + b * width; ys[2 * b + 1] = heights[b];
            xs[2 * b + 2] = lo + (b + 1) * width; ys[2 * b + 2] = heights[b];
        }
        xs[^1] = lo + bins * width; ys[^1] = 0;
        var s = plot.Add.Scatter(xs, ys);
        s.MarkerSize = 0;
        s.LineWidth = 2;
        s.Color = color;
        s.LegendText = label;
    }

    /// <summary>
    /// The anomaly-score distribution: one histogram per class when labels are given (normal, anomaly; each as a share of its
    /// class, so a rare class stays visible), 50 bins over [min, max], and the threshold as a vertical line.
    /// </summary>
    /// <param name="scores">Anomaly scores (higher = more anomalous), finite.</param>
    /// <param name="labels">0 = normal, non-zero = anomaly, same length; or null.</param>
    /// <param name="threshold">The flagging threshold (flagged = score &gt; threshold), or null.</param>
    /// <param name="scoreName">What the score is, with its unit (e.g. "squared error per sample").</param>
    /// <param name="title">Figure title.</param>
    /// <exception cref="ArgumentException">No scores, a non-finite score, or labels of another length.</exception>
    public static Plot ScoreHistogram(float[] scores, int[]? labels, double? threshold, string scoreName, string title)
    {
        ArgumentNullException.ThrowIfNull(scores);
        if (scores.Length == 0) throw new ArgumentException("no scores to plot");
        if (labels != null && labels.Length != scores.Length) throw new ArgumentException($"{labels.Length} labels for {scores.Length} scores");
        for (int i = 0; i < scores.Length; i++)
            if (!float.IsFinite(scores[i])) throw new ArgumentException($"score {i} is {scores[i]}; a histogram needs finite scores");
        double lo = scores.Min(), hi = scores.Max();
        if (threshold is double t && double.IsFinite(t)) { lo = Math.Min(lo, t); hi = Math.Max(hi, t); }
        if (!(hi > lo)) { lo -= 0.5; hi += 0.5; }
        const int bins = 50;
        double width = (hi - lo) / bins;
        var plot = NewPlot(title, scoreName, labels == null ? "share of samples per bin (%)" : "share of the class per bin (%)");
        var classes = labels == null ? [(Name: "all samples", Rows: Enumerable.Range(0, scores.Length).ToArray())]
            : new[] { (Name: "normal", Rows: Enumerable.Range(0, scores.Length).Where(i => labels[i] == 0).ToArray()),
                      (Name: "anomaly", Rows: Enumerable.Range(0, scores.Length).Where(i => labels[i] != 0).ToArray()) };
        int c = 0;
        foreach (var (name, rows) in classes)
        {
            if (rows.Length == 0) { c++; continue; }
            var counts = new double[bins];
            foreach (int i in rows) counts[Math.Clamp((int)((scores[i] - lo) / width), 0, bins - 1)] += 100.0 / rows.Length;
            var bars = plot.Add.Bars(Enumerable.Range(0, bins).Select(b => lo + (b + 0.5) * width).ToArray(), counts);
            foreach (var bar in bars.Bars)
            {
                bar.Size = width;
                bar.FillColor = ColorOf(c).WithAlpha(0.5);
                bar.LineWidth = 0;
            }
            bars.LegendText = $"{name} (n = {rows.Length.ToString("N0", CultureInfo.InvariantCulture)})";
            c++;
        }
        if (threshold is double th && double.IsFinite(th))
        {
            var v = plot.Add.VerticalLine(th);
            v.Color = Colors.Red;
            v.LineWidth = 2;
            v.LinePattern = LinePattern.Dashed;
            int flagged = scores.Count(s => s > th);
            v.LegendText = $"threshold {th.ToString("G4", CultureInfo.InvariantCulture)} ({flagged.ToString("N0", CultureInfo.InvariantCulture)} flagged)";
        }
        plot.Axes.Margins(bottom: 0);
        PlotFiles.Style(plot);
        plot.ShowLegend(Alignment.UpperRight);
        return plot;
    }

    /// <summary>The ROC curve (<see cref="RankingCurves.Roc(ReadOnlySpan{float}, ReadOnlySpan{int})"/>) with its area in the legend and the chance diagonal.</summary>
    /// <param name="scores">Anomaly scores.</param>
    /// <param name="labels">0 = normal, non-zero = anomaly.</param>
    /// <param name="title">Figure title.</param>
    /// <exception cref="ArgumentException">Only one class, lengths differ, or a non-finite score.</exception>
    public static Plot Roc(float[] scores, int[] labels, string title)
    {
        var roc = RankingCurves.Roc(scores, labels);
        double auc = AnomalyMetrics.RocAuc(scores, labels);
        var plot = NewPlot(title, "false-positive rate (share of normal samples flagged)", "true-positive rate (recall)");
        var chance = plot.Add.Scatter(new double[] { 0, 1 }, new double[] { 0, 1 });
        chance.LinePattern = LinePattern.Dashed;
        chance.Color = Colors.Gray;
        chance.MarkerSize = 0;
        chance.LegendText = "chance (AUC 0.5)";
        var s = plot.Add.Scatter(roc.FalsePositiveRate, roc.TruePositiveRate);
        s.MarkerSize = 0;
        s.LineWidth = 2.5f;
        s.Color = ColorOf(0);
        s.LegendText = $"ROC (AUC {auc.ToString("0.0000", CultureInfo.InvariantCulture)})";
        plot.Axes.SetLimits(-0.01, 1.01, -0.01, 1.01);
        PlotFiles.Style(plot);
        plot.ShowLegend(Alignment.LowerRight);
        return plot;
    }

    /// <summary>The precision-recall curve (<see cref="RankingCurves.PrecisionRecall(ReadOnlySpan{float}, ReadOnlySpan{int})"/>), drawn as steps,
    /// with the average precision in the legend and the anomaly share (a random ranking's precision) as a line.</summary>
    /// <param name="scores">Anomaly scores.</param>
    /// <param name="labels">0 = normal, non-zero = anomaly.</param>
    /// <param name="title">Figure title.</param>
    /// <exception cref="ArgumentException">No anomalies, lengths differ, or a non-finite score.</exception>
    public static Plot PrecisionRecall(float[] scores, int[] labels, string title)
    {
        var pr = RankingCurves.PrecisionRecall(scores, labels);
        double ap = AnomalyMetrics.AveragePrecision(scores, labels);
        double share = labels.Count(l => l != 0) / (double)labels.Length;
        var plot = NewPlot(title, "recall (share of anomalies flagged)", "precision (share of flagged that are anomalies)");
        var baseLine = plot.Add.HorizontalLine(share);
        baseLine.LinePattern = LinePattern.Dashed;
        baseLine.Color = Colors.Gray;
        baseLine.LegendText = $"chance (anomaly share {share.ToString("0.000", CultureInfo.InvariantCulture)})";
        var s = plot.Add.Scatter(pr.Recall, pr.Precision);
        s.ConnectStyle = ConnectStyle.StepVertical;
        s.MarkerSize = 0;
        s.LineWidth = 2.5f;
        s.Color = ColorOf(1);
        s.LegendText = $"precision-recall (AP {ap.ToString("0.0000", CultureInfo.InvariantCulture)})";
        plot.Axes.SetLimits(-0.01, 1.01, -0.01, 1.01);
        PlotFiles.Style(plot);
        plot.ShowLegend(Alignment.UpperRight);
        return plot;
    }
}
