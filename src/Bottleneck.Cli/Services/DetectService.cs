using System.Globalization;
using System.Text;
using Bottleneck.Anomaly;
using Bottleneck.Cli.Commands;
using Bottleneck.Data;
using Bottleneck.ModelFiles;
using Spectre.Console;

namespace Bottleneck.Cli.Services;

/// <summary>
/// <c>bottleneck detect</c>: scores rows with a model's <see cref="AnomalyDetector"/>, flags those above the threshold, writes
/// the per-row scores (or prints the highest ones) and a summary with ranking metrics when the data has labels.
/// </summary>
public sealed class DetectService : CliService
{
    /// <summary>Creates the service.</summary>
    public DetectService(IAnsiConsole console, TextWriter error, bool verbose = false) : base(console, error, verbose) { }

    /// <summary>Scores the data.</summary>
    /// <param name="s">What to do.</param>
    /// <param name="cancellation">Stops scoring between blocks of rows (Ctrl+C, SIGTERM); the scores file is then not written.</param>
    /// <returns>0 on success, 2 for a user mistake, 130 when cancelled, 1 otherwise.</returns>
    public int Run(DetectSettings s, CancellationToken cancellation = default) => Guard(() => Detect(s), cancellation);

    private int Detect(DetectSettings s)
    {
        // Cheap checks first.
        if (string.IsNullOrWhiteSpace(s.ModelDir)) throw new ArgumentException("--model needs a model folder");
        var spec = DataSpec.Parse(s.Data);
        if (spec.Kind == DataKind.Graph) throw new ArgumentException("detect scores rows; for graph data use 'bottleneck evaluate' (link prediction) or 'bottleneck links'");
        var rule = s.Threshold is null ? null : TrainService.ParseThreshold(s.Threshold);
        ReconstructionError? error = null;
        if (s.Error != null)
        {
            try { error = AnomalyScorer.ParseError(s.Error); }
            catch (FormatException e) { throw new ArgumentException("--error: " + e.Message, e); }
        }
        if (s.Top < 0) throw new ArgumentException($"--top must be >= 0, got {s.Top}");
        var shard = ShardOption.Parse(s.Shard);
        if (shard != null && (s.PerStep ?? s.PerPoint) != null) throw new ArgumentException("--shard scores rows; it cannot be combined with --per-step or --per-point");
        if (s.Out != null)
        {
            if (string.IsNullOrWhiteSpace(s.Out)) throw new ArgumentException("--out needs a file name");
            Bottleneck.IO.TempNames.CheckNameLength(s.Out, "--out");
            var dir = Path.GetDirectoryName(Path.GetFullPath(s.Out));
            if (dir != null && !Directory.Exists(dir)) throw new DirectoryNotFoundException($"--out {s.Out}: folder {dir} does not exist");
        }
        OutputPaths.Check("--out", s.Out, spec, "test", s.ModelDir);
        if (spec.Kind == DataKind.Csv && !File.Exists(spec.Path)) throw new FileNotFoundException($"{spec.Path}: file not found", spec.Path);
        foreach (var (option, file) in new[] { ("--per-step", s.PerStep), ("--per-point", s.PerPoint) })
        {
            if (file is null) continue;
            if (string.IsNullOrWhiteSpace(file)) throw new ArgumentException($"{option} needs a file name");
            Bottleneck.IO.TempNames.CheckNameLength(file, option);
            var folder = Path.GetDirectoryName(Path.GetFullPath(file));
            if (folder != null && !Directory.Exists(folder)) throw new DirectoryNotFoundException($"{option} {file}: folder {folder} does not exist");
        }
        if (s.PerPoint != null && spec.Kind != DataKind.Series)
            throw new ArgumentException("--per-point needs series: data (points of one long series covered by overlapping windows)");

        var saved = ModelStore.Load(s.ModelDir);
        if ((s.PerStep ?? s.PerPoint) != null && saved.Model.InputShape.Length != 2)
            throw new ArgumentException($"{(s.PerStep != null ? "--per-step" : "--per-point")} needs a sequence model (--kind lstm, gru, transformer); the model in {s.ModelDir} is a {saved.Model.Config.Kind} model");
        var detector = AnomalyDetector.FromSaved(saved, error);
        if (detector.Tabular != null && spec.Kind != DataKind.Csv)
            throw new ArgumentException($"the model in {s.ModelDir} was trained on tabular CSV data; score a csv: file with the same columns");
        string? normal = s.Normal ?? saved.Normal?.Value;
        string? labelColumn = s.Label ?? spec.LabelColumn;
        if (labelColumn == null && spec.Kind == DataKind.Csv && saved.Normal is { } n && detector.Tabular == null && TabularEncoder.HasColumn(spec.Path!, n.Column))
            labelColumn = n.Column;
        var scorer = new Scoring(spec, detector, labelColumn, normal, shard, saved);
        if (AnomalyScorer.IsMahalanobis(detector.Scorer.Error)) FitErrorGaussian(saved, detector);

        // The threshold: saved, given, refitted on the training rows, or (as a last resort, or for f1) fitted on the scored data.
        Threshold? fitOnScored = null;
        string? note = null;
        if (rule is { Kind: ThresholdKind.Fixed })
            detector.SetThreshold(new ThresholdState(rule.ToString(), rule.Parameter, detector.Scorer.Error, "the command line"));
        else if (rule == null && saved.Threshold is { } st && st.Error == detector.Scorer.Error)
            detector.SetThreshold(st);
        else
        {
            var savedThreshold = saved.Threshold;
            var r = rule ?? savedThreshold?.ParsedRule() ?? Threshold.Default;
            if (rule == null)
                note = savedThreshold is null
                    ? $"the model has no saved threshold; fitting {r}"
                    : $"the saved threshold is in {AnomalyScorer.Name(savedThreshold.Error)} units, not {AnomalyScorer.Name(detector.Scorer.Error)}; refitting {r}";
            if (r.NeedsLabels) fitOnScored = r;
            else
            {
                var rows = AnomalyTrainingData.ReloadTrainingRows(saved, detector, out string fittedOn, out string why);
                if (rows != null) detector.FitThreshold(r, rows, fittedOn: fittedOn);
                else
                {
                    fitOnScored = r;
                    Warn($"cannot fit {r} on the model's training rows ({why}); fitting it on the scored data instead");
                }
            }
        }
        if (note != null) Line("note        " + note + (fitOnScored == null ? " on the model's training rows" : ""));
        if (fitOnScored != null && shard != null)
            throw new ArgumentException($"--shard {shard}: the threshold {fitOnScored} would be fitted on the scored data, so each shard would get its own; " +
                                        "give a number (--threshold 0.05), use the threshold saved with the model, or one refitted on the model's training rows");
        if (fitOnScored != null)
        {
            var first = scorer.Score(null, 0, keepScores: true);
            if (fitOnScored.NeedsLabels && (first.Labels == null || !first.Labels.Contains(1)))
                throw new ArgumentException(first.Labels == null
                    ? "--threshold f1 needs labels on the scored data: give --label COLUMN (or csv:FILE:label=COLUMN) and --normal VALUE"
                    : "--threshold f1 needs anomalies in the scored data, and every label is normal (check --normal)");
            double value = fitOnScored.Fit(first.Scores!, fitOnScored.NeedsLabels ? first.Labels : default);
            string on = fitOnScored.NeedsLabels
                ? $"the scored data itself, using its labels ({Output.Count(first.Rows)} rows): precision, recall and F1 at this threshold are optimistic, not a held-out estimate"
                : $"the scored data itself ({Output.Count(first.Rows)} rows): about {ShareOf(fitOnScored)} of them are flagged by construction";
            detector.SetThreshold(new ThresholdState(fitOnScored.ToString(), value, detector.Scorer.Error, on));
        }

        CsvScoringSummary summary;
        TopRows? top = null;
        if (s.Out != null)
        {
            // Into a temporary file renamed over --out only when every row is scored: a bad row, Ctrl+C or a kill leaves the previous
            // file (which may be the input itself) untouched.
            CsvScoringSummary? written = null;
            Bottleneck.IO.AtomicFile.Write(s.Out, stream =>
            {
                using var writer = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true);
                written = scorer.Score(new ScoresCsvWriter(writer), s.Top, keepScores: true, withoutLabels: false);   // scores only for the ranking metrics
            });
            summary = written!;
        }
        else
        {
            top = new TopRows(DetectCommand.PrintedRows);
            summary = scorer.Score(top, s.Top, keepScores: true, withoutLabels: false);
        }
        PrintSummary(s, saved, detector, summary, normal);
        if (top != null) PrintTopRows(top);
        else Line($"scores      written to {s.Out} ({Output.Count(summary.Rows)} rows)");
        if (s.PerStep != null || s.PerPoint != null) WritePerStep(s, spec, detector, labelColumn);
        return ExitCodes.Success;
    }

    /// <summary>The mahalanobis scores: the Gaussian of the absolute-error vectors of the model's training rows (Malhotra et al. 2016).</summary>
    private void FitErrorGaussian(SavedModel saved, AnomalyDetector detector)
    {
        string name = AnomalyScorer.Name(detector.Scorer.Error);
        var rows = AnomalyTrainingData.ReloadTrainingRows(saved, detector, out string fittedOn, out string why)
                   ?? throw new ArgumentException($"--error {name} fits a Gaussian to the errors of the model's training rows, and they cannot be read ({why})");
        var g = detector.Scorer.FitErrorGaussian(rows);
        Line($"error model  Gaussian of |x − x̂| fitted on the {fittedOn}: " +
             (g.Kind == ErrorCovariance.Full ? $"{g.Dimension}×{g.Dimension} covariance, Ledoit–Wolf shrinkage {Output.Num(g.Shrinkage)}" : $"{g.Dimension} variances (diagonal)"));
    }

    /// <summary>The per-step errors of every sample (<see cref="StepErrors"/>), written atomically.</summary>
    private void WritePerStep(DetectSettings s, DataSpec spec, AnomalyDetector detector, string? labelColumn)
    {
        var prepared = spec.Kind == DataKind.Csv ? detector.LoadCsv(spec.Path!, labelColumn) : detector.Prepare(spec.Load("test"));
        var errors = StepErrors.Compute(detector.Scorer, prepared);
        int steps = detector.Model.InputShape[0], channels = detector.Model.InputShape[1];
        if (s.PerStep is { } path)
        {
            var names = prepared.Sequence is { Channels: > 1 } && prepared.FeatureNames is { } f
                ? Enumerable.Range(0, channels).Select(c => f[c].Split('@')[0]).ToArray() : null;
            IO.AtomicFile.Write(path, stream =>
            {
                using var w = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true);
                StepErrors.WriteCsv(w, errors, steps, channels, names, prepared.StepCounts);
            });
            Line($"per-step    written to {path} ({Output.Count(prepared.Rows)} samples x {(prepared.StepCounts != null ? "their real" : steps.ToString(System.Globalization.CultureInfo.InvariantCulture))} steps{(channels > 1 ? $" x {channels} channels" : "")})");
        }
        if (s.PerPoint is { } pointPath)
        {
            var series = spec.Series!;
            var points = StepErrors.PointScores(errors, steps, channels, series.Stride);
            var windowMax = StepErrors.WindowMax(errors, steps, channels, series.Stride);
            var labels = labelColumn != null ? SeriesLoader.Read(spec.Path!, series, labelColumn).PointLabels : null;
            IO.AtomicFile.Write(pointPath, stream =>
            {
                using var w = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true);
                StepErrors.WritePointCsv(w, points, labels, windowMax);
            });
            Line($"per-point   written to {pointPath} ({Output.Count(points.Mean.Length)} points; mean and max of the step error over the covering windows, and the largest covering window score)");
            if (labels != null && labels.Take(points.Mean.Length).Distinct().Count() == 2)
            {
                var y = labels.Take(points.Mean.Length).ToArray();
                Line($"point-wise ROC-AUC {Output.Num(AnomalyMetrics.RocAuc(points.Mean, y))} (mean), {Output.Num(AnomalyMetrics.RocAuc(points.Max, y))} (max), " +
                     $"{Output.Num(AnomalyMetrics.RocAuc(windowMax, y))} (window max)");
            }
        }
    }

    private static string? ExpectedShare(ThresholdState th)
    {
        try
        {
            var rule = th.ParsedRule();
            return rule.Kind is ThresholdKind.Percentile or ThresholdKind.Contamination ? ShareOf(rule) : null;
        }
        catch (FormatException) { return null; }
    }

    private static string ShareOf(Threshold rule) => rule.Kind switch
    {
        ThresholdKind.Percentile => Output.Num(100 - rule.Parameter) + "%",
        ThresholdKind.Contamination => Output.Num(100 * rule.Parameter) + "%",
        _ => "a fixed share",
    };

    private void PrintSummary(DetectSettings s, SavedModel saved, AnomalyDetector detector, CsvScoringSummary m, string? normal)
    {
        var th = detector.Threshold!;
        var rows = new List<(string, string)>
        {
            ("model", $"{s.ModelDir}: {saved.Model.Config.Describe()}"),
            ("data", s.Data),
            ("rows", Output.Count(m.Rows)),
            ("flagged", $"{Output.Count(m.Flagged)} ({Percent(m.Flagged, m.Rows)})"),
            ("threshold", $"{th.Rule} = {Output.Num(th.Value)} ({detector.Scorer.ScoreName} score > threshold)"),
            ("fitted on", th.FittedOn),
        };
        if (m.Unseen is { } u)
        {
            var text = u.Describe();
            rows.Add(("unseen categories", text.Length == 0 ? "none" : text.Replace(Environment.NewLine, "; ")));
            if (u.ImputedByColumn.Any(kv => kv.Value > 0))
                rows.Add(("imputed values", string.Join("; ", u.ImputedByColumn.Where(kv => kv.Value > 0).Select(kv => $"{kv.Key}: {kv.Value}"))));
        }
        if (m.Labels != null)
        {
            int anomalies = m.Labels.Count(l => l != 0);
            rows.Add(("labels", $"{Output.Count(anomalies)} anomalies, {Output.Count(m.Labels.Length - anomalies)} normal " +
                                (normal != null ? $"(normal = \"{normal}\")" : "(numeric labels, 0 = normal)")));
            rows.Add(("ROC-AUC", m.RocAuc is double auc ? Output.Num(auc) : "- (needs both normal and anomalous rows)"));
            rows.Add(("PR-AUC (average precision)", m.AveragePrecision is double ap ? Output.Num(ap) : "-"));
            if (m.Confusion is { } c)
            {
                rows.Add(("precision", Output.Num(c.Precision)));
                rows.Add(("recall", Output.Num(c.Recall)));
                rows.Add(("F1", Output.Num(c.F1)));
                long negatives = c.FalsePositives + c.TrueNegatives;
                if (negatives > 0)
                    rows.Add(("false-positive rate", $"{Output.Num((double)c.FalsePositives / negatives)} of the normal rows flagged" +
                        (ExpectedShare(th) is { } share ? $" (the rule {th.Rule} flags about {share} of the rows it was fitted on)" : "")));
            }
        }
        else rows.Add(("labels", "none (give --label COLUMN and --normal VALUE for ROC-AUC, PR-AUC, precision and recall)"));
        double? margin = m.Scores is { Length: > 0 } scored ? ThresholdCheck.Margin(scored, th.Value) : null;
        if (margin is double mg)
            rows.Add(("margin share", $"{Output.Num(mg)} (scored rows within {ThresholdCheck.MarginWidth.ToString(CultureInfo.InvariantCulture)} IQR of the threshold per flagged row; " +
                                      $"above {ThresholdCheck.UnclearMargin.ToString(CultureInfo.InvariantCulture)} = no clear cut)"));
        rows.Add(("seconds", m.Seconds.ToString("0.00", CultureInfo.InvariantCulture)));
        Output.KeyValues(Console, Live, Line, rows);
        if (margin > ThresholdCheck.UnclearMargin)
            Warn($"the scores give no clear cut at the threshold: the rows within {ThresholdCheck.MarginWidth.ToString(CultureInfo.InvariantCulture)} IQR of it " +
                 $"number {Output.Num(margin.Value)} per flagged row, so which rows are flagged follows the rule's share, not a gap in the scores; " +
                 "rank the rows by score (--top, --out) rather than relying on the flags");

        if (m.Confusion is { } cm)
        {
            if (Live)
            {
                var t = new Table().Title("confusion matrix at the threshold").AddColumn("")
                    .AddColumn(new TableColumn("predicted normal").RightAligned()).AddColumn(new TableColumn("flagged").RightAligned());
                t.AddRow("actual normal", Output.Count(cm.TrueNegatives), Output.Count(cm.FalsePositives));
                t.AddRow("actual anomaly", Output.Count(cm.FalseNegatives), Output.Count(cm.TruePositives));
                Console.Write(t);
            }
            else
            {
                string[] a = [Output.Count(cm.TrueNegatives), Output.Count(cm.FalsePositives), Output.Count(cm.FalseNegatives), Output.Count(cm.TruePositives)];
                int w = Math.Max(16, a.Max(x => x.Length));
                Line("confusion matrix at the threshold:");
                Line($"  {"",-15} {"predicted normal".PadLeft(w)} {"flagged".PadLeft(w)}");
                Line($"  {"actual normal",-15} {a[0].PadLeft(w)} {a[1].PadLeft(w)}");
                Line($"  {"actual anomaly",-15} {a[2].PadLeft(w)} {a[3].PadLeft(w)}");
            }
        }
    }

    private static string Percent(long part, long whole) =>
        whole == 0 ? "-" : (100.0 * part / whole).ToString("0.##", CultureInfo.InvariantCulture) + "%";

    private void PrintTopRows(TopRows top)
    {
        var rows = top.Highest();
        if (top.Columns is not { } columns || rows.Count == 0) return;
        Line();
        Line($"top {rows.Count} rows by score (use --out FILE for all rows):");
        if (Live)
        {
            var t = new Table();
            foreach (var h in ScoresCsvWriter.Header(columns).Split(',')) t.AddColumn(new TableColumn(h));
            foreach (var r in rows) t.AddRow(ScoresCsvWriter.Fields(r, columns).Select(Markup.Escape).ToArray());
            Console.Write(t);
        }
        else
        {
            Line(ScoresCsvWriter.Header(columns));
            foreach (var r in rows) Line(ScoresCsvWriter.Line(r, columns));
        }
    }

    /// <summary>Scores the data of one SPEC: CSV files streamed by <see cref="AnomalyDetector.ScoreCsvRows"/>, Parquet (by row group)
    /// and .npy (memory-mapped) files streamed by <see cref="AnomalyDetector.ScoreRows"/>, other data in memory; only the shard's rows
    /// when a shard is given.</summary>
    private sealed class Scoring(DataSpec spec, AnomalyDetector detector, string? labelColumn, string? normal, RowShard? shard, SavedModel saved)
    {
        private Dataset? _raw;

        public CsvScoringSummary Score(IScoredRowSink? output, int topK, bool keepScores, bool withoutLabels = true)
        {
            var options = new CsvScoringOptions(labelColumn, normal, topK, KeepScores: keepScores) { Shard = shard, KeepScoresWithoutLabels = withoutLabels };
            if (spec.Kind == DataKind.Csv) return detector.ScoreCsvRows(spec.Path!, output, options);
            if (StreamedRows.Open(spec, labelColumn, saved) is { } rows)
                using (rows.Reader) return detector.ScoreRows(rows.Reader, output, options, rows.FeatureNames);
            _raw ??= spec.Load("test");
            if (shard == null) return detector.ScoreDatasetRows(_raw, output, options);
            detector.Prepare(_raw);   // the shape checks of the in-memory path
            using var all = new DatasetRowReader(_raw);
            return detector.ScoreRows(all, output, options, _raw.FeatureNames);
        }
    }

    /// <summary>Keeps the <c>k</c> scored rows with the highest score, so printing the top rows of a large file needs O(k) memory.</summary>
    private sealed class TopRows(int k) : IScoredRowSink
    {
        private readonly PriorityQueue<ScoredRow, (float Score, long Order)> _best = new();
        private long _order;

        public ScoreColumns? Columns { get; private set; }

        public void Begin(ScoreColumns columns) => Columns = columns;

        public void Add(in ScoredRow row)
        {
            // Min-heap on (score, -order): the lowest score (and on ties the latest row) is dropped first.
            _best.Enqueue(row, (row.Score, -_order++));
            if (_best.Count > k) _best.Dequeue();
        }

        /// <summary>The kept rows, highest score first (ties: file order).</summary>
        public List<ScoredRow> Highest()
        {
            var rows = new List<ScoredRow>();
            while (_best.TryDequeue(out var row, out _)) rows.Add(row);
            rows.Reverse();
            return rows;
        }
    }
}
