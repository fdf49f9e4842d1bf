using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Bottleneck.Anomaly;
using Bottleneck.Cli.Commands;
using Bottleneck.Data;
using Bottleneck.Evaluation;
using Bottleneck.ModelFiles;
using Bottleneck.Training;
using Spectre.Console;

namespace Bottleneck.Cli.Services;

/// <summary><c>bottleneck encode</c>: writes the latent code of every sample.</summary>
public sealed class EncodeService : CliService
{
    /// <summary>Creates the service.</summary>
    public EncodeService(IAnsiConsole console, TextWriter error, bool verbose = false) : base(console, error, verbose) { }

    /// <summary>Encodes the data and writes the codes.</summary>
    /// <param name="s">What to do.</param>
    /// <param name="cancellation">Stops the command between batches (Ctrl+C, SIGTERM); nothing is written then.</param>
    /// <returns>0 on success, 2 for a user mistake, 130 when cancelled, 1 otherwise.</returns>
    public int Run(EncodeSettings s, CancellationToken cancellation = default) => Guard(() =>
    {
        if (DataSpec.Parse(s.Data) is { Kind: DataKind.Graph } graph) return new GraphApplyService(Console, Error, Verbose).Encode(s, graph);
        Output.CheckTablePath(s.Out);
        OutputPaths.Check("--out", s.Out, DataSpec.Parse(s.Data), "test", s.ModelDir, Output.DerivedFiles(s.Out, png: false));
        var shard = Commands.ShardOption.Parse(s.Shard);
        if (StreamedApply.Handles(DataSpec.Parse(s.Data), shard) && !ModelStore.Load(s.ModelDir).Model.ConditionsOnLabels)
        {
            StreamedApply.Run(StreamedApply.Mode.Encode, s.ModelDir, s.Data, s.Out, shard, Line);
            return ExitCodes.Success;
        }
        var m = ModelData.Load(s.ModelDir, s.Data);
        var model = m.Saved.Model;
        var codes = Batching.Encode(model, m.Scaled);
        var header = Enumerable.Range(0, model.LatentDim).Select(i => $"z{i}").ToArray();
        var files = Output.WriteTable(s.Out, codes, m.Raw.Rows, model.LatentDim, header, m.Raw.Labels);
        Line($"encoded {m.Raw.Rows} samples of {m.Raw.Source} to {model.LatentDim} values each: {string.Join(", ", files)}");
        return ExitCodes.Success;
    }, cancellation);
}

/// <summary><c>bottleneck reconstruct</c>: writes reconstructions in the original data space (and a PNG grid for images).</summary>
public sealed class ReconstructService : CliService
{
    /// <summary>Creates the service.</summary>
    public ReconstructService(IAnsiConsole console, TextWriter error, bool verbose = false) : base(console, error, verbose) { }

    /// <summary>Reconstructs the data and writes the result.</summary>
    /// <param name="s">What to do.</param>
    /// <param name="cancellation">Stops the command between batches (Ctrl+C, SIGTERM); nothing is written then.</param>
    /// <returns>0 on success, 2 for a user mistake, 130 when cancelled, 1 otherwise.</returns>
    public int Run(ReconstructSettings s, CancellationToken cancellation = default) => Guard(() =>
    {
        bool folder = ImageFolderOutput.IsFolder(s.Out);
        if (folder) ImageFolderOutput.CheckTarget(s.Out, s.Data); else Output.CheckTablePath(s.Out);
        OutputPaths.Check("--out", s.Out, DataSpec.Parse(s.Data), "test", s.ModelDir, folder ? [] : Output.DerivedFiles(s.Out, png: true));
        var shard = Commands.ShardOption.Parse(s.Shard);
        if (folder && shard != null) throw new ArgumentException($"--shard writes a table; it cannot be combined with a folder --out {s.Out}");
        if (!folder && StreamedApply.Handles(DataSpec.Parse(s.Data), shard) && !ModelStore.Load(s.ModelDir).Model.ConditionsOnLabels)
        {
            StreamedApply.Run(StreamedApply.Mode.Reconstruct, s.ModelDir, s.Data, s.Out, shard, Line);
            return ExitCodes.Success;
        }
        var m = ModelData.Load(s.ModelDir, s.Data);
        if (folder) ImageFolderOutput.WriteReconstructions(m, s.Out, "reconstructed", Line);
        else WriteReconstructions(m, s.Out, "reconstructed", "originals above reconstructions", Line);
        return ExitCodes.Success;
    }, cancellation);

    /// <summary>
    /// Reconstructs <paramref name="m"/>'s data, undoes the scaling, writes the table to <paramref name="outPath"/> (CSV or NPY, the
    /// labels kept) and, for image data, a PNG grid beside it; says what was written (<paramref name="verb"/>, <paramref name="gridCaption"/>).
    /// Shared by <c>reconstruct</c> and <c>denoise</c>.
    /// </summary>
    internal static void WriteReconstructions(ModelData m, string outPath, string verb, string gridCaption, Action<string> line)
    {
        var model = m.Saved.Model;
        var rec = Batching.Reconstruct(model, m.Scaled);
        m.Preprocessor.InverseTransform(rec);
        int d = model.InputDim;
        var header = m.Raw.FeatureNames ?? Enumerable.Range(0, d).Select(i => $"c{i}").ToArray();
        // padded sequences: each row trimmed to its real steps
        int[]? lengths = m.Raw.StepCounts is { } counts && model.InputShape is [_, int channels] ? counts.Select(l => l * channels).ToArray() : null;
        var files = Output.WriteTable(outPath, rec, m.Raw.Rows, d, header, m.Raw.Labels, lengths);
        line($"{verb} {m.Raw.Rows} samples of {m.Raw.Source}: {string.Join(", ", files)}");
        string png = Path.ChangeExtension(outPath, ".png");
        if (Output.WriteGrid(png, m.Image, m.Raw.Features, rec, m.Raw.Rows))
            line($"images: {png} ({gridCaption})");
    }
}

/// <summary><c>bottleneck evaluate</c>: reconstruction metrics as a table or JSON.</summary>
public sealed class EvaluateService : CliService
{
    /// <summary>Creates the service.</summary>
    public EvaluateService(IAnsiConsole console, TextWriter error, bool verbose = false) : base(console, error, verbose) { }

    /// <summary>Evaluates the model on the data.</summary>
    /// <param name="s">What to do.</param>
    /// <param name="cancellation">Stops the command between batches (Ctrl+C, SIGTERM); nothing is written then.</param>
    /// <returns>0 on success, 2 for a user mistake, 130 when cancelled, 1 otherwise.</returns>
    public int Run(EvaluateSettings s, CancellationToken cancellation = default) => Guard(() =>
    {
        if (DataSpec.Parse(s.Data) is { Kind: DataKind.Graph } graph) return new GraphApplyService(Console, Error, Verbose).Evaluate(s, graph);
        if (DataSpec.Parse(s.Data) is { Kind: DataKind.Ratings } ratings) return new RecommendEvaluateService(Console, Error, Verbose).Evaluate(s, ratings);
        OutputPaths.Check(DenoiseCommand.PngOptionName, s.Png, DataSpec.Parse(s.Data), "test", s.ModelDir);
        var m = ModelData.Load(s.ModelDir, s.Data);
        bool psnr = m.Image != null && m.Preprocessor.Kind.KeepsUnitRange();
        var report = ReconstructionEvaluator.Evaluate(m.Saved.Model, m.Scaled, psnr);
        var quality = psnr ? ImageQualityEvaluator.Evaluate(m.Saved.Model, m.Raw, m.Preprocessor, m.Folder) : null;
        var anomaly = AnomalyRanking(m, s.Normal ?? m.Saved.Normal?.Value);
        var denoising = DenoisingEvaluation.Run(m, s.ModelDir, s.Png, Warn);
        if (s.IwSamples < 0) throw new ArgumentException($"--iw-samples must be ≥ 0, got {s.IwSamples}");
        if (s.IwLimit < 1) throw new ArgumentException($"--iw-limit must be ≥ 1, got {s.IwLimit}");
        var variational = m.Saved.Model is Bottleneck.Models.Variational.VariationalAutoencoder v
            ? Bottleneck.Evaluation.VariationalEvaluator.Evaluate(v, m.Scaled, s.IwSamples, s.IwLimit)
            : null;
        if (s.IwSamples > 0 && variational?.IwNll is null) Warn("--iw-samples applies to the Gaussian-latent variational kinds only; no IWAE NLL computed");
        var latent = s.LatentMetrics ? LatentMetricsOutput.Compute(m) : null;
        if (s.Json)
        {
            var json = new JsonObject { ["model"] = s.ModelDir, ["data"] = m.Raw.Source };
            foreach (var p in JsonSerializer.SerializeToNode(report, JsonOptions)!.AsObject().ToList())
                json[p.Key] = p.Value?.DeepClone();
            json["normalLabel"] = anomaly?.Normal;
            json["anomalies"] = anomaly?.Anomalies;
            json["anomalyScore"] = anomaly?.Error;
            json["rocAuc"] = anomaly?.RocAuc;
            json["prAuc"] = anomaly?.PrAuc;
            if (quality != null) ImageQualityOutput.AddJson(json, quality);
            if (denoising != null) json["denoising"] = denoising.ToJson();
            if (variational is { } vr)
            {
                bool gaussian = vr.ActiveUnits != null;
                json["negElbo"] = gaussian ? vr.NegElbo : null;
                json["reconstruction"] = vr.Reconstruction;
                json["kl"] = gaussian ? vr.Kl : null;
                json["klPerDimension"] = new JsonArray(vr.KlPerDimension.Select(x => (JsonNode?)JsonValue.Create(x)).ToArray());
                json["activeUnits"] = vr.ActiveUnits;
                json["iwNll"] = vr.IwNll;
                json["iwSamples"] = vr.IwNll is null ? null : vr.IwSamples;
                json["iwRows"] = vr.IwNll is null ? null : vr.IwRows;
                json["negElboSameRows"] = vr.NegElboSameRows;
                json["perplexity"] = vr.Perplexity;
                json["codesUsed"] = vr.CodesUsed;
                json["accuracy"] = vr.Accuracy;
                json["mmdToPrior"] = vr.MmdToPrior;
                json["discriminatorAccuracy"] = vr.DiscriminatorAccuracy;
            }
            if (latent != null) LatentMetricsOutput.AddJson(json, latent);
            Line(json.ToJsonString(JsonOptions));
            return ExitCodes.Success;
        }
        Line($"model  {s.ModelDir}: {m.Saved.Model.Config.Describe()}");
        Line($"data   {m.Raw}");
        var table = Output.MetricsTable(("value", report));
        if (quality != null) ImageQualityOutput.AddRows(table, quality, m.Folder?.Patches != null);
        if (anomaly != null)
        {
            table.AddRow($"anomalies (label != \"{Markup.Escape(anomaly.Normal)}\")", $"{Output.Count(anomaly.Anomalies)} of {Output.Count(m.Raw.Rows)}");
            table.AddRow($"ROC-AUC ({anomaly.Error} score)", Output.Num(anomaly.RocAuc));
            table.AddRow($"PR-AUC ({anomaly.Error} score)", Output.Num(anomaly.PrAuc));
        }
        if (variational is { } r)
        {
            if (r.ActiveUnits != null)
            {
                table.AddRow("-ELBO / sample (nats, 1 sample)", Output.Num(r.NegElbo));
                table.AddRow("  reconstruction", Output.Num(r.Reconstruction));
                table.AddRow("  KL", Output.Num(r.Kl));
            }
            else table.AddRow("-log p(x|z) / sample", Output.Num(r.Reconstruction));
            if (r.ActiveUnits is { } au) table.AddRow("active units (Var mu > 0.01)", $"{au} of {m.Saved.Model.LatentDim}");
            if (r.IwNll is { } iw) table.AddRow($"IWAE NLL (k = {r.IwSamples}, first {r.IwRows})", Output.Num(iw));
            if (r.NegElboSameRows is { } ne) table.AddRow($"-ELBO on the same {r.IwRows}", Output.Num(ne));
            if (r.Perplexity is { } p) table.AddRow("codebook perplexity", $"{Output.Num(p)} ({r.CodesUsed} codes used)");
            if (r.Accuracy is { } a) table.AddRow("label accuracy", Output.Num(a));
            if (r.MmdToPrior is { } mm) table.AddRow("MMD² codes vs prior (imq)", Output.Num(mm));
            if (r.DiscriminatorAccuracy is { } da) table.AddRow("discriminator accuracy", Output.Num(da));
        }
        if (latent != null) LatentMetricsOutput.AddRows(table, latent);
        Console.Write(table);
        if (variational is { KlPerDimension.Length: > 0 } kr)
            Line("KL per dimension: " + string.Join(" ", kr.KlPerDimension.Select(x => x.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture))));
        Line("(metrics in the model's input space, after scaling" +
             (quality != null ? "; SSIM and PSNR per image in the data space, image by image" : "") +
             (anomaly != null ? $"; ROC-AUC and PR-AUC (average precision) rank rows by the model's anomaly score ({anomaly.Error}), '-' when only one class is present" : "") + ")");
        if (anomaly == null && m.Raw.Labels != null && s.Normal == null && DataSpec.Parse(s.Data).Kind == DataKind.Csv)
            Line("(the data has labels: add --normal VALUE, the label of normal rows, for ROC-AUC and PR-AUC of the reconstruction-error score)");
        if (denoising != null)
        {
            Console.Write(denoising.ToTable());
            foreach (var line in denoising.Lines()) Line(line);
        }
        return ExitCodes.Success;
    }, cancellation);

    /// <summary>Anomaly ranking metrics of the reconstruction-error score (null without labels or a normal value).</summary>
    private sealed record Ranking(string Normal, int Anomalies, string Error, double? RocAuc, double? PrAuc);

    private static Ranking? AnomalyRanking(ModelData m, string? normal)
    {
        if (normal == null || m.Raw.Labels == null) return null;
        var flags = Enumerable.Range(0, m.Raw.Rows).Select(i => m.Raw.LabelText(i).Trim() == normal.Trim() ? 0 : 1).ToArray();
        var scorer = new Bottleneck.Anomaly.AnomalyScorer(m.Saved.Model, m.Saved.Threshold?.Error) { Distance = m.Saved.DistanceScore };
        var scores = scorer.Score(m.Scaled);
        int pos = flags.Sum();
        bool both = pos > 0 && pos < flags.Length;
        return new Ranking(normal.Trim(), pos, scorer.ScoreName,
            both ? Bottleneck.Anomaly.AnomalyMetrics.RocAuc(scores, flags) : null,
            both ? Bottleneck.Anomaly.AnomalyMetrics.AveragePrecision(scores, flags) : null);
    }

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
}

/// <summary><c>bottleneck info</c>: describes a model folder.</summary>
public sealed class InfoService : CliService
{
    /// <summary>Creates the service.</summary>
    public InfoService(IAnsiConsole console, TextWriter error, bool verbose = false) : base(console, error, verbose) { }

    /// <summary>Loads (and thereby verifies) the model folder and prints its description.</summary>
    /// <returns>0 on success, 2 for a user mistake, 1 otherwise.</returns>
    public int Run(InfoSettings s) => Guard(() =>
    {
        if (string.IsNullOrWhiteSpace(s.ModelDir)) throw new ArgumentException("--model needs a model folder");
        var saved = ModelStore.Load(s.ModelDir);
        var model = saved.Model;
        var provenance = saved.Provenance!;

        var t = new Table().AddColumn("property").AddColumn("value");
        void Row(string k, string v) => t.AddRow(Markup.Escape(k), Markup.Escape(v));
        Row("folder", Path.GetFullPath(s.ModelDir));
        Row("kind", model.Config.Kind);
        Row("architecture", model.Config.Describe());
        foreach (var (name, value) in model.Config.Summary()) Row("  " + name, value);
        foreach (var (name, value) in model.Summary()) Row(name, value);
        Row("parameters", Output.Count(model.ParameterCount()));
        Row("compression ratio", Output.Num((double)model.InputDim / model.LatentDim));
        var pre = saved.Preprocessing;
        Row("scaling", $"{pre.Kind.ToString().ToLowerInvariant()} ({pre.Offset.Length} features, fitted on the training data)");
        Row("image shape", saved.Image?.ToString() ?? "(not image data)");
        Row("trained on", string.IsNullOrEmpty(saved.DataSource) ? "?" : saved.DataSource);
        // The anomaly sections are checked on load like the rest of the folder (a non-finite threshold is refused, naming the file).
        if (saved.Threshold is { } threshold)
            Row("threshold", $"{threshold.Rule} = {Output.Num(threshold.Value)} ({threshold.Error.ToString().ToLowerInvariant()} score), fitted on {threshold.FittedOn}");
        if (saved.Normal is { } normal) Row("normal label", normal.ToString());
        if (saved.Training is { } o && saved.History.Count > 0)
            Row("training", $"{o.Epochs} epochs, batch {o.BatchSize}, {o.Optimizer} lr {Output.Num(o.LearningRate)}, schedule {o.Schedule}, " +
                            $"weight decay {Output.Num(o.WeightDecay)}, clip {Output.Num(o.ClipNorm)}, patience {o.Patience}, seed {o.Seed}");
        var h = saved.History;
        if (h.Count > 0)
        {
            var last = h[^1];
            var withVal = h.Where(e => e.ValidationLoss != null).ToList();
            var best = withVal.Count > 0 ? withVal.MinBy(e => e.ValidationLoss!.Value)! : h.MinBy(e => e.TrainLoss)!;
            Row("history", $"{h.Count} epochs in {h.Sum(e => e.Seconds).ToString("0.0", CultureInfo.InvariantCulture)} s; " +
                           $"first train loss {Output.Num(h[0].TrainLoss)}, last {Output.Num(last.TrainLoss)}" +
                           (last.ValidationLoss is double lv ? $" (val {Output.Num(lv)})" : ""));
            Row("best epoch", $"{best.Epoch} ({(best.ValidationLoss is double bv ? "val loss " + Output.Num(bv) : "train loss " + Output.Num(best.TrainLoss))})");
        }
        else Row("history", "(none)");
        Row("format version", provenance.FormatVersion.ToString(CultureInfo.InvariantCulture));
        Row("library version", provenance.LibraryVersion);
        Row("backend", provenance.Backend);
        Row("created", provenance.Created);
        var folder = Bottleneck.IO.AtomicDirectory.ResolveForReading(s.ModelDir);   // what Load read (a swap stopped between its renames)
        foreach (var file in Directory.EnumerateFiles(folder).OrderBy(f => f, StringComparer.Ordinal))
            Row("file " + Path.GetFileName(file), Output.Bytes(new FileInfo(file).Length));
        var checkpoint = new DirectoryInfo(Path.Combine(folder, TrainService.CheckpointFolder));
        if (checkpoint.Exists)
            Row("checkpoint", $"{TrainService.CheckpointFolder}/ {Output.Bytes(checkpoint.EnumerateFiles().Sum(f => f.Length))} (for train --resume)");
        Console.Write(t);
        return ExitCodes.Success;
    });
}
