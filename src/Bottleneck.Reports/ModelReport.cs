using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Bottleneck.Anomaly;
using Bottleneck.Autograd;
using Bottleneck.Data;
using Bottleneck.Evaluation;
using Bottleneck.IO;
using Bottleneck.ModelFiles;
using Bottleneck.Models;
using Bottleneck.Models.Registry;
using Bottleneck.Models.Variational;
using Bottleneck.Tensors;
using Bottleneck.Training;
using ScottPlot;

namespace Bottleneck.Reports;

/// <summary>Anomaly scores of the report's data, for a detector's section.</summary>
/// <param name="Scores">One score per row (higher = more anomalous).</param>
/// <param name="Labels">1 = anomaly, 0 = normal per row, or null without labels.</param>
/// <param name="Threshold">The saved or fitted threshold (flagged = score &gt; threshold), or null.</param>
/// <param name="ScoreName">What the score is, e.g. "squared error per sample".</param>
public sealed record ReportScores(float[] Scores, int[]? Labels, ThresholdState? Threshold, string ScoreName);

/// <summary>What a report is made from: a loaded model and data prepared for it.</summary>
/// <param name="Saved">The model folder.</param>
/// <param name="Raw">The data in its original space.</param>
/// <param name="Scaled">The data after the model's scaling (its input space).</param>
/// <param name="DataName">How the data is named in titles (its SPEC).</param>
public sealed record ReportInputs(SavedModel Saved, Dataset Raw, Dataset Scaled, string DataName)
{
    /// <summary>Anomaly scores for a detector's section, or null (no such section).</summary>
    public ReportScores? Scores { get; init; }

    /// <summary>The latent map's projection; default PCA (a t-SNE projection plugs in here).</summary>
    public NamedProjection Projection { get; init; } = NamedProjection.Pca;

    /// <summary>At most this many rows are encoded for the latent map and histograms (an evenly strided subset; default 10,000).</summary>
    public int MaxLatentRows { get; init; } = 10_000;

    /// <summary>Whether PSNR is reported (image data in [0, 1]); default: image data not standardized.</summary>
    public bool? IsImage { get; init; }

    /// <summary>Seed of the prior samples of variational kinds (default 0).</summary>
    public ulong Seed { get; init; }

    /// <summary>When the report is made (shown in its subtitle); default now.</summary>
    public DateTime Created { get; init; } = DateTime.UtcNow;
}

/// <summary>What goes into a report: everything a section needs, computed once.</summary>
/// <param name="Inputs">The model and data.</param>
/// <param name="Title">"{kind} on {data}", used in every figure title.</param>
/// <param name="Image">Image shape of a grayscale image model, or null (no image grids).</param>
public sealed record ReportContext(ReportInputs Inputs, string Title, ImageShape? Image)
{
    /// <summary>The model.</summary>
    public AutoencoderModel Model => Inputs.Saved.Model;

    /// <summary>Renders a figure into the report at the default size.</summary>
    public void Add(HtmlReport report, Plot plot, string alt, string caption) =>
        report.Figure(PlotFiles.Png(plot), PlotFiles.DefaultWidth, PlotFiles.DefaultHeight, alt, caption);
}

/// <summary>
/// One section of the report. A model kind with figures of its own adds an <see cref="IReportSection"/> to
/// <see cref="ModelReport.Sections"/> (the seam; nothing else changes).
/// </summary>
public interface IReportSection
{
    /// <summary>Whether the section applies to this model and data.</summary>
    bool AppliesTo(ReportContext context);

    /// <summary>Writes the section (starting with <see cref="HtmlReport.Section"/>).</summary>
    void Write(ReportContext context, HtmlReport report);
}

/// <summary>
/// Builds the self-contained HTML report of a model (see docs/report.md): the model, the data and its preprocessing, the
/// training history, reconstruction metrics, reconstructions, the latent map and unit histograms, and per kind what matters
/// (a detector's score histogram with its threshold, ROC and precision-recall curves; a variational model's samples and an
/// interpolation).
/// </summary>
public static class ModelReport
{
    /// <summary>Images per row of the reconstruction and sample grids (16).</summary>
    public const int GridImages = 16;

    /// <summary>The sections, in order. Kinds that land later add theirs here.</summary>
    public static IReadOnlyList<IReportSection> Sections { get; } =
        [new ModelSection(), new DataSection(), new HistorySection(), new MetricsSection(), new ReconstructionSection(),
         new LatentSection(), new DetectorSection(), new GenerativeSection()];

    /// <summary>Builds the report's HTML.</summary>
    /// <param name="inputs">Model and data.</param>
    /// <returns>The HTML document.</returns>
    /// <exception cref="ArgumentException">The data's width differs from the model's.</exception>
    public static string Build(ReportInputs inputs) => BuildDocument(inputs).ToHtml();

    /// <summary>Builds the report as a document (for callers that inspect its sections and figures).</summary>
    /// <inheritdoc cref="Build"/>
    public static HtmlReport BuildDocument(ReportInputs inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var model = inputs.Saved.Model;
        if (inputs.Scaled.FeatureCount != model.InputDim)
            throw new ArgumentException($"{inputs.Scaled.Source}: input has {inputs.Scaled.FeatureCount} features, model expects {model.InputDim}");
        var image = inputs.Raw.Image ?? inputs.Saved.Image;
        if (image is not { Channels: 1 } || image.Size != model.InputDim) image = null;
        var context = new ReportContext(inputs, $"{model.Config.Kind} on {inputs.DataName}", image);
        string folder = inputs.Saved.Folder ?? "(not saved)";
        var report = new HtmlReport($"Bottleneck report: {model.Config.Kind} model \u201c{Path.GetFileName(Path.TrimEndingDirectorySeparator(folder))}\u201d",
            $"model folder {folder}; data {inputs.DataName}; made {inputs.Created.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC by Bottleneck {ModelStore.LibraryVersion}");
        using (GradMode.NoGrad())
            foreach (var section in Sections)
                if (section.AppliesTo(context)) section.Write(context, report);
        return report;
    }

    /// <summary>Whether the model can encode this data: conditional kinds encode with the labels, so they need labelled data.</summary>
    internal static bool CanEncode(ReportContext c) => !c.Model.ConditionsOnLabels || c.Inputs.Scaled.Labels != null;

    /// <summary>Runs <paramref name="f"/> over <paramref name="data"/> in batches of typed rows (labels included, so conditional
    /// kinds see them), eval mode, no autograd; the outputs (N, <paramref name="width"/>) row-major.</summary>
    internal static float[] Apply(AutoencoderModel model, Dataset data, int width, Func<RowBatch, Tensor> f)
    {
        var result = new float[(long)data.Rows * width];
        Batching.InOrder(model, RowSource.For(model, data), 512, (batch, start) => f((RowBatch)batch).Span.CopyTo(result.AsSpan(start * width)));
        return result;
    }

    internal static string Num(double v) => v.ToString("G6", CultureInfo.InvariantCulture);

    internal static string Count(long v) => v.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>A grid of grayscale images as PNG: rows of flattened images in [0, 1] (data space).</summary>
    internal static void Grid(HtmlReport report, ImageShape image, IReadOnlyList<IReadOnlyList<float[]>> rows, string alt, string caption)
    {
        int scale = image.Height < 64 ? 2 : 1;
        var (pixels, w, h) = ImageGrid.Render(rows, image.Height, image.Width, scale: scale);
        report.Figure(PngWriter.EncodeGray(pixels, w, h), w, h, alt, caption);
    }

    private static readonly JsonSerializerOptions Pretty = new() { WriteIndented = true, Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) } };

    private sealed class ModelSection : IReportSection
    {
        public bool AppliesTo(ReportContext context) => true;

        public void Write(ReportContext c, HtmlReport report)
        {
            var saved = c.Inputs.Saved;
            var model = saved.Model;
            report.Section("model", "Model");
            var rows = new List<(string, string)>
            {
                ("kind", model.Config.Kind),
                ("architecture", model.Config.Describe()),
                ("parameters", Count(model.ParameterCount())),
                ("input shape", string.Join(" x ", model.InputShape)),
                ("latent dimensions", model.LatentDim.ToString(CultureInfo.InvariantCulture)),
            };
            rows.AddRange(model.Summary());
            if (saved.Provenance is { } p) rows.Add(("written by", $"Bottleneck {p.LibraryVersion}, {p.Backend}, {p.Created}"));
            report.KeyValues(rows);
            report.Folded("Configuration (config.json's config)", JsonSerializer.Serialize(ModelRegistry.ToJson(model.Config), Pretty));
            if (saved.Training is { } t)
                report.KeyValues([("training", $"{t.Epochs} epochs of batch {t.BatchSize}, {t.Optimizer} at learning rate {Num(t.LearningRate)}, schedule {t.Schedule}" +
                                               (t.WeightDecay > 0 ? $", weight decay {Num(t.WeightDecay)}" : "") + (t.Patience > 0 ? $", patience {t.Patience}" : "") + $", seed {t.Seed}")]);
        }
    }

    private sealed class DataSection : IReportSection
    {
        public bool AppliesTo(ReportContext context) => true;

        public void Write(ReportContext c, HtmlReport report)
        {
            var saved = c.Inputs.Saved;
            var raw = c.Inputs.Raw;
            report.Section("data", "Data and preprocessing");
            var rows = new List<(string, string)>
            {
                ("trained on", saved.DataSource),
                ("this report's data", $"{c.Inputs.DataName}: {raw}"),
                ("rows x features", $"{Count(raw.Rows)} x {Count(raw.FeatureCount)}"),
                ("scaling", $"{saved.Preprocessing.Kind.ToString().ToLowerInvariant()} (fitted on the training rows; the model sees scaled data)"),
            };
            if (raw.Image is { } im) rows.Add(("images", im.ToString() + " (channels x height x width)"));
            if (raw.Sequence is { } sq) rows.Add(("sequences", sq.ToString()));
            if (saved.Tabular != null) rows.Add(("tabular encoding", "numeric columns standardized, categorical columns one-hot (fitted on the training rows)"));
            if (raw.Labels is { } labels)
                rows.Add(("labels", string.Join(", ", labels.GroupBy(l => l).OrderBy(g => g.Key)
                    .Select(g => $"{(raw.ClassNames != null && g.Key < raw.ClassNames.Length ? raw.ClassNames[g.Key] : g.Key.ToString(CultureInfo.InvariantCulture))}: {Count(g.Count())}"))));
            if (saved.DataFiles is { Count: > 0 } files) rows.Add(("training files", string.Join("; ", files.Select(f => $"{f.Path} (sha256 {f.Sha256[..12]}…)"))));
            report.KeyValues(rows);
        }
    }

    private sealed class HistorySection : IReportSection
    {
        public bool AppliesTo(ReportContext context) => true;

        public void Write(ReportContext c, HtmlReport report)
        {
            var history = c.Inputs.Saved.History;
            report.Section("history", "Training history");
            if (history.Count == 0)
            {
                report.Paragraph("Fitted in closed form: there are no epochs and no loss curve.");
                return;
            }
            c.Add(report, Figures.History(history, $"Training history: {c.Title}"), "loss curves by epoch",
                $"Training loss (the sum of the named loss terms; logged values such as kl-nats and beta appear beside them), each term, validation loss, " +
                $"and the learning rate (right axis) by epoch. Reconstruction loss: {c.Model.Likelihood.Description}.");
            var terms = history.Where(h => h.Terms is { Count: > 1 }).SelectMany(h => h.Terms!.Names).Distinct().ToList();
            var header = new List<string> { "stage", "epoch", "train loss" };
            header.AddRange(terms);
            header.AddRange(["validation loss", "learning rate", "seconds"]);
            var shown = history.Count <= 12 ? history : [.. history.Take(3), .. history.Skip(history.Count - 9)];
            report.Table(header, shown.Select(h =>
            {
                var row = new List<string> { h.Stage, h.Epoch.ToString(CultureInfo.InvariantCulture), Num(h.TrainLoss) };
                row.AddRange(terms.Select(t => h.Terms?[t] is double v ? Num(v) : "-"));
                row.AddRange([h.ValidationLoss is double vl ? Num(vl) : "-", Num(h.LearningRate), h.Seconds.ToString("0.0", CultureInfo.InvariantCulture)]);
                return (IReadOnlyList<string>)row;
            }));
            if (shown.Count < history.Count) report.Paragraph($"First 3 and last 9 of {history.Count} epochs; every epoch is in config.json and metrics.jsonl.");
        }
    }

    private sealed class MetricsSection : IReportSection
    {
        public bool AppliesTo(ReportContext context) => CanEncode(context);

        public void Write(ReportContext c, HtmlReport report)
        {
            var scaled = c.Inputs.Scaled;
            bool psnr = c.Inputs.IsImage ?? (scaled.Image != null && c.Inputs.Saved.Preprocessing.Kind.KeepsUnitRange());
            var r = ReconstructionEvaluator.Evaluate(c.Model, scaled, psnr);
            report.Section("metrics", "Reconstruction metrics");
            var header = new List<string> { "data", "samples", "MSE", "MAE", "RMSE", "squared error / sample", "absolute error / sample" };
            var row = new List<string> { c.Inputs.DataName, Count(r.Samples), Num(r.Mse), Num(r.Mae), Num(r.Rmse), Num(r.SquaredErrorPerSample), Num(r.AbsoluteErrorPerSample) };
            if (r.Bce is double bce) { header.AddRange(["BCE (nats)", "BCE / sample (nats)"]); row.AddRange([Num(bce), Num(r.BcePerSample!.Value)]); }
            if (r.Psnr is double db) { header.Add("PSNR (dB)"); row.Add(db.ToString("0.00", CultureInfo.InvariantCulture)); }
            header.Add("compression"); row.Add($"{r.CompressionRatio.ToString("0.#", CultureInfo.InvariantCulture)}x");
            report.Table(header, [row]);
            report.Paragraph("Per element unless marked per sample (summed over the features); in the model's input space, after scaling.");
        }
    }

    private sealed class ReconstructionSection : IReportSection
    {
        public bool AppliesTo(ReportContext context) => context.Image != null && CanEncode(context);

        public void Write(ReportContext c, HtmlReport report)
        {
            var image = c.Image!;
            int n = Math.Min(GridImages, c.Inputs.Scaled.Rows);
            var rows = Enumerable.Range(0, n).ToArray();
            var recon = Apply(c.Model, c.Inputs.Scaled.Subset(rows), c.Model.InputDim, c.Model.Reconstruct);
            var pre = new Preprocessor(c.Inputs.Saved.Preprocessing);
            if (pre.Kind != ScalingKind.None) pre.InverseTransform(recon);
            int d = image.Size;
            var originals = rows.Select(i => c.Inputs.Raw.Row(i).ToArray()).ToList();
            var rebuilt = rows.Select(i => recon.AsSpan(i * d, d).ToArray()).ToList();
            report.Section("reconstructions", "Reconstructions");
            Grid(report, image, [originals, rebuilt], "originals above their reconstructions",
                $"The first {n} samples of {c.Inputs.DataName} (top) and their reconstructions (bottom).");
        }
    }

    private sealed class LatentSection : IReportSection
    {
        public bool AppliesTo(ReportContext context) => CanEncode(context);

        public void Write(ReportContext c, HtmlReport report)
        {
            var scaled = c.Inputs.Scaled;
            int stride = Math.Max(1, (int)Math.Ceiling(scaled.Rows / (double)Math.Max(1, c.Inputs.MaxLatentRows)));
            var rows = Enumerable.Range(0, scaled.Rows).Where(i => i % stride == 0).ToArray();
            var subset = stride == 1 ? scaled : scaled.Subset(rows);
            var codes = Apply(c.Model, subset, c.Model.LatentDim, c.Model.Encode);
            int k = c.Model.LatentDim;
            report.Section("latent", "Latent space");
            var projection = c.Inputs.Projection;
            var points = projection.Project(codes, subset.Rows, k);
            c.Add(report, Figures.LatentMap(points, subset.Labels, subset.ClassNames, $"Latent map ({projection.Name}): {c.Title}", projection.AxisName),
                "latent map", $"Codes of {Count(subset.Rows)} samples{(stride > 1 ? $" (every {stride}th)" : "")} projected to 2-D by {projection.Name}" +
                              (subset.Labels != null ? ", coloured by label." : "."));
            c.Add(report, Figures.LatentUnits(codes, subset.Rows, k, $"Latent units: {c.Title}"), "histograms of latent units",
                "Distribution of each latent unit over the same samples (a unit that never varies is unused).");
        }
    }

    private sealed class DetectorSection : IReportSection
    {
        public bool AppliesTo(ReportContext context) => context.Inputs.Scores != null;

        public void Write(ReportContext c, HtmlReport report)
        {
            var s = c.Inputs.Scores!;
            report.Section("detector", "Anomaly detection");
            double? threshold = s.Threshold?.Value;
            c.Add(report, Figures.ScoreHistogram(s.Scores, s.Labels, threshold, s.ScoreName, $"Anomaly scores: {c.Title}"), "anomaly score histogram",
                "Anomaly scores of the report's data" + (s.Labels != null ? " by label" : "") + (threshold != null ? "; samples right of the threshold are flagged." : "."));
            var rows = new List<(string, string)> { ("score", s.ScoreName), ("samples", Count(s.Scores.Length)) };
            if (s.Threshold is { } t)
            {
                rows.Add(("threshold", $"{t.Rule} = {Num(t.Value)}, fitted on {t.FittedOn}"));
                rows.Add(("flagged", $"{Count(s.Scores.Count(v => v > t.Value))} (score > threshold)"));
            }
            bool both = s.Labels != null && s.Labels.Contains(0) && s.Labels.Any(l => l != 0);
            if (both)
            {
                rows.Add(("ROC-AUC", AnomalyMetrics.RocAuc(s.Scores, s.Labels).ToString("0.0000", CultureInfo.InvariantCulture)));
                rows.Add(("average precision", AnomalyMetrics.AveragePrecision(s.Scores, s.Labels).ToString("0.0000", CultureInfo.InvariantCulture)));
                if (threshold is double th)
                {
                    var m = AnomalyMetrics.Confusion(s.Scores, s.Labels, th);
                    rows.Add(("at the threshold", $"precision {m.Precision:0.0000}, recall {m.Recall:0.0000}, F1 {m.F1:0.0000}, false-positive rate {m.FalsePositiveRate:0.0000}"));
                }
            }
            report.KeyValues(rows);
            if (both)
            {
                c.Add(report, Figures.Roc(s.Scores, s.Labels!, $"ROC: {c.Title}"), "ROC curve", "ROC curve of the scores against the labels (anomaly = positive).");
                c.Add(report, Figures.PrecisionRecall(s.Scores, s.Labels!, $"Precision-recall: {c.Title}"), "precision-recall curve",
                    "Precision against recall as the threshold falls; the dashed line is a random ranking.");
            }
            else report.Paragraph("The data has no labels with both normal samples and anomalies, so there is no ROC or precision-recall curve.");
        }
    }

    private sealed class GenerativeSection : IReportSection
    {
        public bool AppliesTo(ReportContext context) => context.Model is VariationalAutoencoder && context.Image != null;

        public void Write(ReportContext c, HtmlReport report)
        {
            var model = (VariationalAutoencoder)c.Model;
            var image = c.Image!;
            var pre = new Preprocessor(c.Inputs.Saved.Preprocessing);
            int d = image.Size, k = model.LatentDim;
            report.Section("generative", "Samples and interpolation");
            if (model.VariationalConfig.CanSample)
            {
                int n = 4 * GridImages / 2;   // 32 samples, 2 rows of 16
                int[]? labels = model.Classes > 0 ? Enumerable.Range(0, n).Select(i => i % model.Classes).ToArray() : null;
                var codes = model.SamplePrior(n, new Rng(c.Inputs.Seed));
                var values = model.Decode(codes, labels).ToArray();
                if (pre.Kind != ScalingKind.None) pre.InverseTransform(values);
                var rows = new List<IReadOnlyList<float[]>>();
                for (int r = 0; r < n / GridImages; r++) rows.Add(Enumerable.Range(r * GridImages, GridImages).Select(i => values.AsSpan(i * d, d).ToArray()).ToList());
                Grid(report, image, rows, "samples from the prior",
                    $"{n} samples: codes drawn from the prior N(0, I) (seed {c.Inputs.Seed}) and decoded (the decoder's mean)" + (labels != null ? ", classes 0, 1, … in turn." : "."));
            }
            else report.Paragraph($"A {model.Config.Kind} model has no prior to sample from.");
            var scaled = c.Inputs.Scaled;
            if (scaled.Rows < 2 || (model.ConditionsOnLabels && scaled.Labels == null)) return;
            int[] ends = [0, 1];
            var buffer = new float[2 * scaled.FeatureCount];
            scaled.CopyRows(ends, buffer);
            var x = Tensor.FromArray(buffer, [2, .. model.InputShape]);
            int[]? endLabels = model.ConditionsOnLabels ? ends.Select(i => scaled.Labels![i]).ToArray() : null;
            var z = model.Encode(new RowBatch(x, Labels: endLabels)).ToArray();
            const int steps = 10;
            var path = LatentPaths.Interpolate(z.AsSpan(0, k), z.AsSpan(k, k), steps, spherical: false);
            int[]? pathLabels = endLabels is null ? null : Enumerable.Range(0, steps).Select(i => i < steps / 2 ? endLabels[0] : endLabels[1]).ToArray();
            var decoded = model.Decode(Tensor.FromArray(path, steps, k), pathLabels).ToArray();
            if (pre.Kind != ScalingKind.None) pre.InverseTransform(decoded);
            Grid(report, image, [Enumerable.Range(0, steps).Select(i => decoded.AsSpan(i * d, d).ToArray()).ToList()], "interpolation between two codes",
                $"Linear interpolation in {steps} steps between the codes (posterior means) of rows 0 and 1 of {c.Inputs.DataName}, decoded.");
        }
    }
}
