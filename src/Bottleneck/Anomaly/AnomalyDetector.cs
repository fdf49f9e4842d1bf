using System.Globalization;
using Bottleneck.Data;
using Bottleneck.IO;
using Bottleneck.ModelFiles;
using Bottleneck.Models;

namespace Bottleneck.Anomaly;

/// <summary>Options of <see cref="AnomalyDetector.ScoreCsv"/>.</summary>
/// <param name="LabelColumn">For models without a tabular encoding: the label column of the input (name, 0-based index or "last"), or null (default) for none. With a tabular encoding the label column saved with it is used when present.</param>
/// <param name="NormalLabel">Label value meaning "normal" (e.g. <c>normal.</c>); null (default) = numeric labels, 0 normal and non-zero anomalous.</param>
/// <param name="TopK">Top contributing features written per row (default 0 = none).</param>
/// <param name="ChunkRows">Rows read, encoded and scored at a time (default 8192); memory is O(ChunkRows × D).</param>
/// <param name="HasHeader">For models without a tabular encoding: whether the input has a header; null (default) detects it (a non-numeric first row).</param>
/// <param name="Delimiter">For models without a tabular encoding: field separator; null (default) by extension.</param>
/// <param name="KeepScores">Keep all scores (8 bytes per row) so that <see cref="CsvScoringSummary.Scores"/> and the ranking metrics can be reported (default true).</param>
public sealed record CsvScoringOptions(string? LabelColumn = null, string? NormalLabel = null, int TopK = 0, int ChunkRows = 8192,
    bool? HasHeader = null, string? Delimiter = null, bool KeepScores = true)
{
    /// <summary>Score only this round-robin shard of the rows (<see cref="RowShard"/>); null (default) scores every row. Row numbers
    /// stay the input's, so the shards' outputs merge into the unsharded output.</summary>
    public RowShard? Shard { get; init; }

    /// <summary>With <see cref="KeepScores"/>: keep the scores also when the data has no labels (default true). False keeps them only
    /// for the ranking metrics, so scoring unlabelled data larger than memory needs no memory per row.</summary>
    public bool KeepScoresWithoutLabels { get; init; } = true;
}

/// <summary>What streaming a CSV through a detector produced.</summary>
/// <param name="Rows">Rows scored.</param>
/// <param name="Flagged">Rows with score &gt; threshold (0 without a threshold).</param>
/// <param name="Threshold">The threshold value used, or null.</param>
/// <param name="Unseen">What the tabular encoding had to work around (unseen categories, imputed values), or null without one.</param>
/// <param name="Scores">All scores in file order when <see cref="CsvScoringOptions.KeepScores"/>, else null.</param>
/// <param name="Labels">Anomaly flags from the label column (1 = anomaly) when present and scores were kept, else null.</param>
/// <param name="RocAuc">ROC-AUC against the labels, or null (no labels or one class only).</param>
/// <param name="AveragePrecision">Average precision against the labels, or null.</param>
/// <param name="Confusion">Confusion matrix at the threshold against the labels, or null.</param>
/// <param name="Seconds">Wall-clock seconds.</param>
public sealed record CsvScoringSummary(long Rows, long Flagged, double? Threshold, TabularTransformReport? Unseen, float[]? Scores, int[]? Labels,
    double? RocAuc, double? AveragePrecision, ConfusionMatrix? Confusion, double Seconds);

/// <summary>
/// Everything needed to score raw data with a trained model: the tabular encoding (optional), the preprocessing, the scorer and the
/// threshold, applied exactly as at training time. Build it from a model folder with <see cref="Load"/> or <see cref="FromSaved"/>.
/// </summary>
/// <remarks>Input pipeline: raw CSV → <see cref="TabularEncoder"/> (if saved) → <see cref="Preprocessor"/> → model → reconstruction error.</remarks>
public sealed class AnomalyDetector
{
    /// <summary>Creates a detector.</summary>
    /// <param name="model">The trained model.</param>
    /// <param name="preprocessor">Scaling applied after the tabular encoding (use a <see cref="ScalingKind.None"/> preprocessor when there is none).</param>
    /// <param name="tabular">Tabular encoding, or null (default) for numeric-only input.</param>
    /// <param name="threshold">Fitted threshold, or null (default).</param>
    /// <param name="error">Score error; null (default) = the threshold's error if there is one, else the model's default (BCE for sigmoid output, else MSE).</param>
    /// <param name="batchSize">Rows per forward pass (default 8192).</param>
    /// <exception cref="ArgumentException">The widths of encoding, preprocessing and model disagree.</exception>
    public AnomalyDetector(AutoencoderModel model, Preprocessor preprocessor, TabularEncoder? tabular = null, ThresholdState? threshold = null,
        ReconstructionError? error = null, int batchSize = 8192)
    {
        ArgumentNullException.ThrowIfNull(model);
        Preprocessor = preprocessor ?? throw new ArgumentNullException(nameof(preprocessor));
        if (tabular != null && tabular.FeatureCount != model.InputDim)
            throw new ArgumentException($"the tabular encoding produces {tabular.FeatureCount} features, the model expects {model.InputDim}");
        if (preprocessor.Kind != ScalingKind.None && preprocessor.FeatureCount != model.InputDim)
            throw new ArgumentException($"the preprocessing has {preprocessor.FeatureCount} features, the model expects {model.InputDim}");
        Tabular = tabular;
        Threshold = threshold;
        Scorer = new AnomalyScorer(model, error ?? threshold?.Error, batchSize);
    }

    /// <summary>Builds a detector from a loaded model folder (its tabular encoding, threshold and combined distance score, if saved).</summary>
    /// <param name="saved">The loaded model.</param>
    /// <param name="error">Overrides the score error (default null: the saved threshold's, else the model's default).</param>
    public static AnomalyDetector FromSaved(SavedModel saved, ReconstructionError? error = null)
    {
        ArgumentNullException.ThrowIfNull(saved);
        var detector = new AnomalyDetector(saved.Model, new Preprocessor(saved.Preprocessing),
            saved.Tabular is null ? null : new TabularEncoder(saved.Tabular), saved.Threshold, error)
        { TrainedColumns = saved.FeatureNames, Folder = saved.Folder };
        detector.Scorer.Distance = saved.DistanceScore;   // used only when the score error is the one it was fitted with
        return detector;
    }

    /// <summary>The feature column names of the headed numeric CSV the model was trained on, or null; a headed CSV scored by a model
    /// without a tabular encoding must have these columns in this order (<see cref="ModelStore.CheckColumns(IReadOnlyList{string}?, IReadOnlyList{string}?, string, string)"/>).</summary>
    public IReadOnlyList<string>? TrainedColumns { get; init; }

    /// <summary>The model folder the detector was loaded from, or null (for messages).</summary>
    public string? Folder { get; init; }

    /// <summary>Loads a model folder (<see cref="ModelStore.Load"/>) as a detector.</summary>
    /// <exception cref="IO.ModelFileException">The folder is missing or invalid.</exception>
    public static AnomalyDetector Load(string directory, ReconstructionError? error = null) => FromSaved(ModelStore.Load(directory), error);

    /// <summary>The model.</summary>
    public AutoencoderModel Model => Scorer.Model;
    /// <summary>The scorer (error kind, batch size).</summary>
    public AnomalyScorer Scorer { get; }
    /// <summary>Scaling applied before the model.</summary>
    public Preprocessor Preprocessor { get; }
    /// <summary>Tabular encoding applied first, or null.</summary>
    public TabularEncoder? Tabular { get; }
    /// <summary>The fitted threshold, or null (set by <see cref="FitThreshold"/>).</summary>
    public ThresholdState? Threshold { get; private set; }

    /// <summary>
    /// Loads a whole CSV in memory and prepares it for the model (tabular encoding if any, then the preprocessing).
    /// For files larger than memory use <see cref="ScoreCsv"/>.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="labelColumn">Without a tabular encoding: the label column (see <see cref="CsvOptions.LabelColumn"/>); default null.</param>
    /// <exception cref="DataException">The file cannot be read or does not fit the model.</exception>
    public Dataset LoadCsv(string path, string? labelColumn = null)
    {
        var raw = Tabular != null ? Tabular.Transform(path) : CsvLoader.Load(path, new CsvOptions(labelColumn));
        return Prepare(raw);
    }

    /// <summary>Applies the preprocessing to <paramref name="raw"/> (already tabular-encoded or numeric) and checks the width; padded
    /// sequences (<see cref="Dataset.StepCounts"/>) are first brought to the model's T steps (<see cref="SequencePadding.PadTo"/>).</summary>
    /// <exception cref="DataException">The width differs from the model's, or a padded row is longer than the model's T.</exception>
    public Dataset Prepare(Dataset raw)
    {
        ArgumentNullException.ThrowIfNull(raw);
        // padded sequences (:pad) shorter or longer than the model's T are re-padded to T; a row longer than T is an error
        if (raw.StepCounts != null && raw.Sequence is { } padded && Model.InputShape is [int modelSteps, int modelChannels] && padded.Channels == modelChannels)
            raw = SequencePadding.PadTo(raw, modelSteps);
        if (raw.Sequence is { } sq && Model.InputShape is [int steps, int channels] && (sq.Steps != steps || sq.Channels != channels))
            throw new DataException($"{raw.Source} has sequences of {sq}, the model expects {new SequenceShape(steps, channels)}", raw.Source);
        if (raw.FeatureCount != Model.InputDim)
            throw new DataException($"{raw.Source} has {raw.FeatureCount} features, the model expects {Model.InputDim}", raw.Source);
        return Preprocessor.Kind == ScalingKind.None ? raw : Preprocessor.Transform(raw);
    }

    /// <summary>Scores prepared rows (see <see cref="AnomalyScorer.Score(Dataset)"/>).</summary>
    public float[] Score(Dataset prepared) => Scorer.Score(prepared);

    /// <summary>Flags of prepared rows: score &gt; threshold.</summary>
    /// <exception cref="InvalidOperationException">No threshold has been fitted.</exception>
    public bool[] Flag(ReadOnlySpan<float> scores)
    {
        double t = Threshold?.Value ?? throw new InvalidOperationException("no threshold: fit one with FitThreshold or save the model with one");
        var f = new bool[scores.Length];
        for (int i = 0; i < f.Length; i++) f[i] = scores[i] > t;
        return f;
    }

    /// <summary>
    /// Fits <paramref name="rule"/> on the scores of <paramref name="prepared"/> (normally the training data; for
    /// <see cref="ThresholdKind.BestF1"/> a labelled validation set) and keeps it in <see cref="Threshold"/>.
    /// </summary>
    /// <param name="rule">The rule.</param>
    /// <param name="prepared">Prepared rows.</param>
    /// <param name="anomalyLabels">For BestF1: 1 = anomaly per row; default empty.</param>
    /// <param name="fittedOn">Description saved with the threshold; default "training data (N rows)" or "validation data (N rows)".</param>
    /// <returns>The fitted state (also saved in <see cref="Threshold"/>).</returns>
    /// <exception cref="ArgumentException">See <see cref="Anomaly.Threshold.Fit(ReadOnlySpan{double}, ReadOnlySpan{int})"/>.</exception>
    public ThresholdState FitThreshold(Threshold rule, Dataset prepared, ReadOnlySpan<int> anomalyLabels = default, string? fittedOn = null)
    {
        ArgumentNullException.ThrowIfNull(rule);
        var scores = Score(prepared);
        var d = Array.ConvertAll(scores, s => (double)s);
        double value = rule.Fit(d, anomalyLabels);
        var (mean, sd) = (d.Average(), Math.Sqrt(d.Select(v => v * v).Average() - Math.Pow(d.Average(), 2)));
        Threshold = new ThresholdState(rule.ToString(), value, Scorer.Error,
            fittedOn ?? $"{(rule.NeedsLabels ? "validation" : "training")} data ({prepared.Rows.ToString("N0", CultureInfo.InvariantCulture)} rows)", mean, Math.Max(0, double.IsNaN(sd) ? 0 : sd));
        return Threshold;
    }

    /// <summary>Replaces the threshold (e.g. with one given on the command line).</summary>
    public void SetThreshold(ThresholdState? threshold) => Threshold = threshold;

    /// <summary>
    /// Streams a CSV/TSV file (raw or gzip) through the detector in chunks and writes one output line per row:
    /// <c>row,score[,flagged][,label][,top_features]</c> where row is the 1-based line number in the input (header = 1), score uses
    /// the round-trip float format, flagged is 0/1 (when a threshold is set), label is the raw label text (when present) and
    /// top_features is <c>name:contribution;…</c> (when <see cref="CsvScoringOptions.TopK"/> &gt; 0). Memory stays O(chunk × D)
    /// apart from the kept scores.
    /// </summary>
    /// <param name="inputPath">The file to score.</param>
    /// <param name="output">Receives the CSV (header line first); not disposed. Null to write nothing.</param>
    /// <param name="options">Options; default null.</param>
    /// <returns>Counts, the unseen-category report and, with labels, ROC-AUC, average precision and the confusion matrix.</returns>
    /// <exception cref="DataException">The file cannot be read, lacks a column, or has a bad value (names file, row and column).</exception>
    public CsvScoringSummary ScoreCsv(string inputPath, TextWriter? output, CsvScoringOptions? options = null) =>
        ScoreCsvRows(inputPath, output is null ? null : new ScoresCsvWriter(output), options);

    /// <summary>As <see cref="ScoreCsv"/>, handing each scored row to <paramref name="sink"/>.</summary>
    /// <param name="inputPath">The file to score.</param>
    /// <param name="sink">Receives the rows in file order (e.g. a <see cref="ScoresCsvWriter"/>), or null.</param>
    /// <param name="options">Options; default null.</param>
    /// <returns>Counts, the unseen-category report and, with labels, ROC-AUC, average precision and the confusion matrix.</returns>
    /// <exception cref="DataException">The file cannot be read, lacks a column, or has a bad value (names file, row and column).</exception>
    public CsvScoringSummary ScoreCsvRows(string inputPath, IScoredRowSink? sink, CsvScoringOptions? options = null)
    {
        options ??= new CsvScoringOptions();
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var encoder = Tabular ?? PassThroughEncoder(inputPath, options);
        if (Tabular is null && encoder.State.HasHeader)
            ModelStore.CheckColumns(TrainedColumns, encoder.State.Columns.Select(c => c.Name).ToArray(), inputPath, Folder ?? "memory");
        encoder.ResetReport();
        var csvRows = encoder.OpenRows(inputPath);
        if (csvRows.FeatureCount != Model.InputDim)
        {
            csvRows.Dispose();
            throw new DataException($"{inputPath}: rows have {csvRows.FeatureCount} feature columns, the model expects {Model.InputDim}", inputPath);
        }
        using IRowReader rows = options.Shard is { } shard ? new ShardedRowReader(csvRows, shard) : csvRows;
        return ScoreReader(rows, sink, options, encoder.FeatureNames, () => Tabular != null ? encoder.Report : null, sw);
    }

    /// <summary>
    /// Scores the rows of any <see cref="IRowReader"/> (a Parquet file by row group, a memory-mapped .npy file, rows in memory) in
    /// chunks, as <see cref="ScoreCsvRows"/> does for CSV files: the rows are raw (before the preprocessing), row numbers are the
    /// reader's. Memory is O(<see cref="CsvScoringOptions.ChunkRows"/> × D) apart from the kept scores.
    /// </summary>
    /// <param name="rows">The rows; not disposed.</param>
    /// <param name="sink">Receives the rows in order, or null.</param>
    /// <param name="options">Options (<see cref="CsvScoringOptions.NormalLabel"/>, <see cref="CsvScoringOptions.TopK"/>,
    /// <see cref="CsvScoringOptions.ChunkRows"/>, <see cref="CsvScoringOptions.KeepScores"/> and <see cref="CsvScoringOptions.Shard"/> apply); default null.</param>
    /// <param name="featureNames">Names for the top features; default null = feature_0, feature_1, …</param>
    /// <returns>Counts and, with labels, the ranking metrics and the confusion matrix.</returns>
    /// <exception cref="DataException">The width differs from the model's, a value is bad, or a label is not a number and no normal label was given.</exception>
    public CsvScoringSummary ScoreRows(IRowReader rows, IScoredRowSink? sink, CsvScoringOptions? options = null, IReadOnlyList<string>? featureNames = null)
    {
        ArgumentNullException.ThrowIfNull(rows);
        options ??= new CsvScoringOptions();
        if (rows.FeatureCount != Model.InputDim)
            throw new DataException($"{rows.Source} has {rows.FeatureCount} features, the model expects {Model.InputDim}", rows.Source);
        var names = featureNames ?? Enumerable.Range(0, rows.FeatureCount).Select(j => $"feature_{j}").ToArray();
        var reader = options.Shard is { } shard ? new ShardedRowReader(new NotDisposing(rows), shard) : rows;
        return ScoreReader(reader, sink, options, names, () => null, System.Diagnostics.Stopwatch.StartNew());
    }

    /// <summary>An <see cref="IRowReader"/> whose Dispose does nothing (the caller owns the inner reader).</summary>
    private sealed class NotDisposing(IRowReader inner) : IRowReader
    {
        public string Source => inner.Source;
        public int FeatureCount => inner.FeatureCount;
        public bool HasLabels => inner.HasLabels;
        public int Read(Span<float> destination, int maxRows, List<string>? labels = null, List<long>? rows = null) => inner.Read(destination, maxRows, labels, rows);
        public void Dispose() { }
    }

    private CsvScoringSummary ScoreReader(IRowReader rows, IScoredRowSink? sink, CsvScoringOptions options, IReadOnlyList<string> names,
        Func<TabularTransformReport?> report, System.Diagnostics.Stopwatch sw)
    {
        string inputPath = rows.Source;
        int d = Model.InputDim, chunk = Math.Max(1, options.ChunkRows);
        var buf = new float[chunk * d];
        var scores = new float[chunk];
        var contrib = options.TopK > 0 ? new float[chunk * d] : null;
        var labels = rows.HasLabels ? new List<string>(chunk) : null;
        var lines = new List<long>(chunk);
        var keptScores = options.KeepScores && (rows.HasLabels || options.KeepScoresWithoutLabels) ? new List<float>() : null;
        var keptLabels = options.KeepScores && rows.HasLabels ? new List<int>() : null;
        double? threshold = Threshold?.Value;
        long total = 0, flagged = 0;
        sink?.Begin(new ScoreColumns(threshold != null, labels != null, contrib != null));
        int n;
        while ((n = rows.Read(buf, chunk, labels, lines)) > 0)
        {
            CancellationScope.ThrowIfCancellationRequested();   // per block of rows: Ctrl+C and SIGTERM stop a long file promptly
            FaultInjection.Point("scoring-block");
            var x = buf.AsSpan(0, n * d);
            Preprocessor.Transform(x);
            Scorer.Score(x, scores.AsSpan(0, n), contrib is null ? default : contrib.AsSpan(0, n * d));
            for (int i = 0; i < n; i++)
            {
                float s = scores[i];
                bool flag = threshold != null && s > threshold.Value;
                if (flag) flagged++;
                keptScores?.Add(s);
                if (keptLabels != null) keptLabels.Add(IsAnomalyLabel(labels![i], options.NormalLabel, inputPath, lines[i]) ? 1 : 0);
                sink?.Add(new ScoredRow(lines[i], s, flag, labels?[i],
                    contrib is null ? null : Named(AnomalyScorer.TopContributions(contrib.AsSpan(i * d, d), options.TopK), names)));
            }
            total += n;
        }
        return Summarize(total, flagged, threshold, report(), keptScores?.ToArray(), keptLabels?.ToArray(), sw.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// Scores a dataset held in memory (raw: before the preprocessing; labels as in the dataset) and writes the lines of
    /// <see cref="ScoreCsv"/>, with row = the 1-based sample number. For data that is not a CSV file (npy, images).
    /// </summary>
    /// <param name="raw">The rows, in the model's input width (before the preprocessing).</param>
    /// <param name="output">Receives the CSV (header line first); not disposed. Null to write nothing.</param>
    /// <param name="options">Options (<see cref="CsvScoringOptions.NormalLabel"/> and <see cref="CsvScoringOptions.TopK"/> apply); default null.</param>
    /// <returns>Counts and, with labels, the ranking metrics and the confusion matrix.</returns>
    /// <exception cref="DataException">The width differs from the model's, or a label is not a number and no normal label was given.</exception>
    public CsvScoringSummary ScoreDataset(Dataset raw, TextWriter? output, CsvScoringOptions? options = null) =>
        ScoreDatasetRows(raw, output is null ? null : new ScoresCsvWriter(output), options);

    /// <summary>As <see cref="ScoreDataset(Dataset, TextWriter?, CsvScoringOptions?)"/>, handing each scored row to <paramref name="sink"/>.</summary>
    /// <param name="raw">The rows, in the model's input width (before the preprocessing).</param>
    /// <param name="sink">Receives the rows in order, or null.</param>
    /// <param name="options">Options (<see cref="CsvScoringOptions.NormalLabel"/> and <see cref="CsvScoringOptions.TopK"/> apply); default null.</param>
    /// <returns>Counts and, with labels, the ranking metrics and the confusion matrix.</returns>
    /// <exception cref="DataException">The width differs from the model's, or a label is not a number and no normal label was given.</exception>
    public CsvScoringSummary ScoreDatasetRows(Dataset raw, IScoredRowSink? sink, CsvScoringOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(raw);
        options ??= new CsvScoringOptions();
        var sw = System.Diagnostics.Stopwatch.StartNew();
        int topK = Math.Min(options.TopK, raw.FeatureCount);
        var scored = Scorer.ScoreWithAttribution(Prepare(raw), topK);
        var scores = scored.Scores;
        double? threshold = Threshold?.Value;
        // the anomaly flag of each label only when the metrics are wanted (the scores file writes the label text)
        int[]? labels = raw.Labels == null || !options.KeepScores ? null
            : Enumerable.Range(0, raw.Rows).Select(i => IsAnomalyLabel(raw.LabelText(i), options.NormalLabel, raw.Source, i + 1) ? 1 : 0).ToArray();
        long flagged = 0;
        sink?.Begin(new ScoreColumns(threshold != null, raw.Labels != null, topK > 0));
        for (int i = 0; i < raw.Rows; i++)
        {
            if ((i & 4095) == 0) CancellationScope.ThrowIfCancellationRequested();
            bool flag = threshold != null && scores[i] > threshold.Value;
            if (flag) flagged++;
            sink?.Add(new ScoredRow(i + 1, scores[i], flag, raw.Labels is null ? null : raw.LabelText(i),
                topK > 0 ? scored.TopFeatures[i].Select(t => new NamedContribution(scored.NameOf(t.Feature), t.Contribution)).ToArray() : null));
        }
        return Summarize(raw.Rows, flagged, threshold, null, options.KeepScores ? scores : null, labels, sw.Elapsed.TotalSeconds);
    }

    /// <summary>The summary of a scoring pass: ranking metrics when both classes are present, the confusion matrix at the threshold.</summary>
    private static CsvScoringSummary Summarize(long total, long flagged, double? threshold, TabularTransformReport? report, float[]? scores, int[]? labels, double seconds)
    {
        double? auc = null, ap = null;
        ConfusionMatrix? cm = null;
        if (scores != null && labels != null && labels.Length > 0)
        {
            int pos = labels.Count(l => l != 0);
            if (pos > 0 && pos < labels.Length)
            {
                auc = AnomalyMetrics.RocAuc(scores, labels);
                ap = AnomalyMetrics.AveragePrecision(scores, labels);
            }
            if (threshold != null) cm = AnomalyMetrics.Confusion(scores, labels, threshold.Value);
        }
        return new CsvScoringSummary(total, flagged, threshold, report, scores, labels, auc, ap, cm, seconds);
    }

    private static NamedContribution[] Named(FeatureContribution[] top, IReadOnlyList<string> names)
    {
        var named = new NamedContribution[top.Length];
        for (int k = 0; k < top.Length; k++) named[k] = new NamedContribution(names[top[k].Feature], top[k].Contribution);
        return named;
    }

    /// <summary>
    /// Whether a label text marks an anomaly: with <paramref name="normalLabel"/>, any other value; otherwise a number, non-zero = anomaly.
    /// </summary>
    /// <exception cref="DataException">No normal label was given and the label is not a number.</exception>
    public static bool IsAnomalyLabel(string label, string? normalLabel, string source = "input", long row = 0)
    {
        if (normalLabel != null) return !string.Equals(label.Trim(), normalLabel, StringComparison.Ordinal);
        if (double.TryParse(label, NumberStyles.Float, CultureInfo.InvariantCulture, out double v)) return v != 0;
        throw new DataException($"{source}: label \"{label}\" at row {row} is not a number; say which label value is normal (e.g. normal.)", source);
    }

    /// <summary>For numeric-only models: an encoding that passes every non-label column through unchanged ((v − 0)/1).</summary>
    internal static TabularEncoder PassThroughEncoder(string path, CsvScoringOptions options)
    {
        using var reader = TabularEncoder.Open(path, options.Delimiter);
        if (!reader.Read()) throw new DataException($"{path}: the file is empty (no rows)", path);
        int n = reader.FieldCount;
        var first = new string[n];
        for (int c = 0; c < n; c++) first[c] = reader.GetString(c);
        int label = -1;
        var lc = options.LabelColumn;
        bool? hasHeader = options.HasHeader;
        if (!string.IsNullOrWhiteSpace(lc))
        {
            if (lc.Equals("last", StringComparison.OrdinalIgnoreCase)) label = n - 1;
            else if (int.TryParse(lc, NumberStyles.Integer, CultureInfo.InvariantCulture, out int idx)) label = idx < 0 ? n + idx : idx;
            else
            {
                label = Array.FindIndex(first, h => string.Equals(h, lc, StringComparison.OrdinalIgnoreCase));
                if (label < 0) throw new DataException($"{path}: label column \"{lc}\" not found in the header row", path);
                hasHeader = true;
            }
            if (label < 0 || label >= n) throw new DataException($"{path}: label column {lc} is out of range (0..{n - 1})", path);
        }
        hasHeader ??= first.Where((_, c) => c != label).Any(v => !double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out _));
        var names = hasHeader.Value ? first : Enumerable.Range(0, n).Select(i => $"col{i}").ToArray();
        if (hasHeader.Value) CsvLoader.CheckUniqueNames(names, path);
        var cols = names.Where((_, c) => c != label).Select(nm => new TabularColumnState(nm, ColumnKind.Numeric, 0, 1, null, null, null, false)).ToArray();
        return new TabularEncoder(new TabularEncoderState(cols, NumericImpute.None, CategoricalImpute.None, label >= 0 ? names[label] : null,
            hasHeader.Value, names, options.Delimiter, 0));
    }
}

/// <summary>A feature's share of a row's score, by name.</summary>
/// <param name="Feature">The feature's name (a column, or <c>column=value</c> for a one-hot feature).</param>
/// <param name="Contribution">eⱼ/D in score units.</param>
public readonly record struct NamedContribution(string Feature, float Contribution);

/// <summary>One scored row of a scoring pass.</summary>
/// <param name="Row">The line number in the input file (header = 1), or the 1-based sample number for data in memory.</param>
/// <param name="Score">The anomaly score.</param>
/// <param name="Flagged">Score &gt; threshold (false without a threshold).</param>
/// <param name="Label">The row's label text, or null.</param>
/// <param name="TopFeatures">The largest contributions, largest first, or null when none were asked for.</param>
public readonly record struct ScoredRow(long Row, float Score, bool Flagged, string? Label, IReadOnlyList<NamedContribution>? TopFeatures);

/// <summary>Which columns the rows of a scoring pass carry.</summary>
/// <param name="Flagged">A threshold is set.</param>
/// <param name="Label">The data has labels.</param>
/// <param name="TopFeatures">Top contributions were asked for.</param>
public sealed record ScoreColumns(bool Flagged, bool Label, bool TopFeatures);

/// <summary>Receives the rows of a scoring pass (<see cref="AnomalyDetector.ScoreCsvRows"/>), in order.</summary>
public interface IScoredRowSink
{
    /// <summary>Called once, before the rows.</summary>
    void Begin(ScoreColumns columns);

    /// <summary>Called for each row.</summary>
    void Add(in ScoredRow row);
}

/// <summary>
/// Writes scored rows as CSV: <c>row,score[,flagged][,label][,top_features]</c>, the header first; score in the round-trip
/// float format, flagged 0/1, top_features <c>name:contribution;…</c> (6 significant digits), fields quoted when needed.
/// </summary>
/// <param name="output">The writer; not disposed.</param>
public sealed class ScoresCsvWriter(TextWriter output) : IScoredRowSink
{
    private readonly System.Text.StringBuilder _sb = new();
    private ScoreColumns _columns = new(false, false, false);

    /// <summary>The header line for <paramref name="columns"/>.</summary>
    public static string Header(ScoreColumns columns) =>
        "row,score" + (columns.Flagged ? ",flagged" : "") + (columns.Label ? ",label" : "") + (columns.TopFeatures ? ",top_features" : "");

    /// <summary>The fields of <paramref name="row"/> as text, in header order.</summary>
    public static IEnumerable<string> Fields(in ScoredRow row, ScoreColumns columns)
    {
        var fields = new List<string>(5) { row.Row.ToString(CultureInfo.InvariantCulture), row.Score.ToString("R", CultureInfo.InvariantCulture) };
        if (columns.Flagged) fields.Add(row.Flagged ? "1" : "0");
        if (columns.Label) fields.Add(row.Label ?? "");
        if (columns.TopFeatures) fields.Add(TopText(row));
        return fields;
    }

    /// <summary>The CSV line of <paramref name="row"/>.</summary>
    public static string Line(in ScoredRow row, ScoreColumns columns) => string.Join(",", Fields(row, columns).Select(Quote));

    /// <inheritdoc/>
    public void Begin(ScoreColumns columns)
    {
        _columns = columns;
        output.WriteLine(Header(columns));
    }

    /// <inheritdoc/>
    public void Add(in ScoredRow row)
    {
        _sb.Clear();
        _sb.Append(row.Row.ToString(CultureInfo.InvariantCulture)).Append(',').Append(row.Score.ToString("R", CultureInfo.InvariantCulture));
        if (_columns.Flagged) _sb.Append(row.Flagged ? ",1" : ",0");
        if (_columns.Label) _sb.Append(',').Append(Quote(row.Label ?? ""));
        if (_columns.TopFeatures) _sb.Append(',').Append(Quote(TopText(row)));
        output.WriteLine(_sb.ToString());
    }

    private static string TopText(in ScoredRow row) =>
        string.Join(";", (row.TopFeatures ?? []).Select(t => $"{t.Feature}:{t.Contribution.ToString("G6", CultureInfo.InvariantCulture)}"));

    private static string Quote(string s) => s.IndexOfAny([',', '"', '\n', '\r']) < 0 ? s : "\"" + s.Replace("\"", "\"\"") + "\"";
}
