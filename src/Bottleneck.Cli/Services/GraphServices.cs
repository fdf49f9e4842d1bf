using System.Globalization;
using System.Text;
using System.Text.Json;
using Bottleneck.Anomaly;
using Bottleneck.Cli.Commands;
using Bottleneck.Cli.Kinds;
using Bottleneck.Data;
using Bottleneck.IO;
using Bottleneck.Kernels;
using Bottleneck.ModelFiles;
using Bottleneck.Models;
using Bottleneck.Models.Graph;
using Bottleneck.Models.Registry;
using Bottleneck.Tensors;
using Bottleneck.Training;
using Spectre.Console;

namespace Bottleneck.Cli.Services;

/// <summary>
/// What a graph model folder records about its training graph (config.json's <c>graph</c> section): the split's seed and
/// fractions, and the size of the graph, so that <c>evaluate</c>, <c>encode</c> and <c>links</c> rebuild the same split and
/// refuse another graph.
/// </summary>
/// <param name="Seed">Seed of the edge split.</param>
/// <param name="ValidationFraction">Share of edges held out for validation.</param>
/// <param name="TestFraction">Share held out for test.</param>
/// <param name="Nodes">N of the training graph.</param>
/// <param name="Edges">E of the training graph (all edges, before the split).</param>
/// <param name="TestRocAuc">Test ROC-AUC after training.</param>
/// <param name="TestAp">Test average precision after training.</param>
public sealed record GraphSection(ulong Seed, double ValidationFraction, double TestFraction, int Nodes, int Edges, double TestRocAuc, double TestAp)
{
    /// <summary>The section's name in config.json.</summary>
    public const string Name = "graph";

    /// <summary>The section of a loaded graph model.</summary>
    /// <exception cref="ArgumentException">The model is not a graph model, or its folder has no graph section.</exception>
    public static GraphSection Of(SavedModel saved)
    {
        if (saved.Model is not GraphAutoencoder)
            throw new ArgumentException($"{saved.Folder} holds a {saved.Model.Config.Kind} model; graph: data and the links command need a gae or vgae model");
        if (saved.Sections is null || !saved.Sections.TryGet(Name, out var json))
            throw new ModelFileException($"{saved.ConfigPath} has no '{Name}' entry (the training graph's split); retrain the model", saved.ConfigPath);
        try { return json.Deserialize<GraphSection>(TabularEncoder.JsonOptions) ?? throw new JsonException("null"); }
        catch (JsonException e) { throw new ModelFileException($"{saved.ConfigPath} is invalid: its '{Name}' entry cannot be read ({e.Message})", saved.ConfigPath, e); }
    }

    /// <summary>Reads the graph of <paramref name="spec"/>, checks it is the training graph, and rebuilds the split.</summary>
    /// <exception cref="DataException">The graph has another number of nodes or edges than the training graph.</exception>
    public (GraphData Graph, EdgeSplit Split) Rebuild(DataSpec spec, GraphAutoencoder model)
    {
        var graph = spec.LoadGraph();
        if (graph.Nodes != Nodes || graph.Edges != Edges)
            throw new DataException($"{graph.Source}: {graph.Nodes} nodes and {graph.Edges} edges, but the model was trained on a graph of {Nodes} nodes and {Edges} edges; " +
                                    "a graph model scores the graph it was trained on", graph.Source);
        if (model.GraphConfig.IdentityFeatures && graph.Features != null)
            graph = new GraphData(graph.NodeIds, graph.Source, graph.U, graph.V);
        else if (!model.GraphConfig.IdentityFeatures && graph.FeatureCount != model.InputDim)
            throw new DataException($"{graph.Source}: {graph.FeatureCount} features per node, the model expects {model.InputDim}", graph.Source);
        return (graph, EdgeSplit.Create(graph, Seed, ValidationFraction, TestFraction));
    }
}

/// <summary>
/// <c>bottleneck train --kind gae|vgae --data graph:…</c>: reads the graph, splits its edges 85/5/10 (seeded), trains on the
/// training edges (full batch, one step per epoch), reports validation and test ROC-AUC and AP and saves the model folder with
/// its <see cref="GraphSection"/>. Called by <see cref="TrainService"/> for graph data and graph kinds.
/// </summary>
public sealed class GraphTrainService : CliService
{
    /// <summary>Creates the service.</summary>
    public GraphTrainService(IAnsiConsole console, TextWriter error, bool verbose = false) : base(console, error, verbose) { }

    /// <summary>Trains and saves (inside the caller's <see cref="CliService"/> guard).</summary>
    /// <exception cref="ArgumentException">A kind that is not a graph kind, data that is not a graph, or an option that does not apply.</exception>
    internal int Train(TrainSettings s, DataSpec spec, CancellationToken cancellation)
    {
        if (s.Kind is not GraphBinder.Settings settings)
            throw new ArgumentException($"graph: data trains --kind gae or vgae, not --kind {s.Kind.Kind}");
        if (spec.Kind != DataKind.Graph)
            throw new ArgumentException($"--kind {s.Kind.Kind} trains on graph data (graph:cora:DIR or graph:EDGES.csv[:features=FILE.csv]), got {spec}");
        if (s.NormalOnly != null || s.Contaminated || s.Threshold != null || s.Tabular != null || s.TrainUntil != null)
            throw new ArgumentException("--normal-only, --contaminated, --threshold, --train-until and the tabular options do not apply to graph data");
        if (!double.IsNaN(s.ValSplit)) Warn($"--val-split does not apply to graph data: the edges are split 85/5/10 (validation {EdgeSplit.DefaultValidationFraction:P0}, test {EdgeSplit.DefaultTestFraction:P0})");
        if (s.Scale != null) Warn("--scale does not apply to graph data: node features are used as given");
        var kind = ModelRegistry.Get(settings.Kind);
        TrainingOptions options;
        try
        {
            var o = s.ToTrainingOptions();
            // one sample per step: the whole graph (the batch size does not apply)
            options = new TrainingOptions(o.Epochs, 1, o.Optimizer, o.LearningRate, o.WeightDecay, o.Schedule, o.Patience, o.ClipNorm, o.Seed);
            settings.Build(KindData.Probe(s.Epochs));
        }
        catch (ArgumentException e) { throw new ArgumentException(OneLine(e) + " (see 'bottleneck train --help')", e); }
        if (string.IsNullOrWhiteSpace(s.Out)) throw new ArgumentException("--out needs a folder name");
        OutputPaths.CheckModelFolder("--out", s.Out, spec);
        TempNames.CheckNameLength(s.Out, "--out");
        ModelStore.CheckReplaceable(s.Out, TrainService.CheckpointFolder);
        using var writer = AtomicDirectory.Begin(s.Out, "model");
        cancellation.ThrowIfCancellationRequested();

        var graph = spec.LoadGraph();
        var dataFiles = spec.Files().Select(DataFileFingerprint.Of).ToArray();
        settings = settings with { FeaturelessData = graph.Features is null };
        if (settings.IdentityFeatures && graph.Features != null) graph = new GraphData(graph.NodeIds, graph.Source, graph.U, graph.V, report: graph.Report);
        var split = EdgeSplit.Create(graph, s.Seed);
        var config = (GraphConfig)settings.Build(new KindData([Math.Max(1, graph.FeatureCount)], false, s.Epochs, TrainingPurpose.Reconstruction) { Rows = graph.Nodes });
        var model = (GraphAutoencoder)ModelRegistry.Create(config, new Rng(s.Seed));
        var fit = kind.CreateFit(config, options);
        Line($"data        {graph}");
        if (graph.Report.Describe() is { } changed) Line($"            {changed}");
        Line($"split       {Output.Count(split.Train.U.Length)} training edges, {Output.Count(split.Validation.U.Length)} validation and {Output.Count(split.Test.U.Length)} test edges " +
             $"held out with as many non-edges (seed {s.Seed})");
        Line($"model       {config.Describe()}; {Output.Count(model.ParameterCount())} parameters");
        Line($"training    {options.Epochs} epochs, full batch (one step per epoch), {options.Optimizer} lr {Output.Num(options.LearningRate)}" +
             (options.LearningRate < 5e-3f ? " (the paper uses --epochs 200 --lr 0.01)" : ""));
        Line($"backend     {Gemm.Describe()}");

        string checkpoint = Path.Combine(s.Out, TrainService.CheckpointFolder);
        if (s.Resume) AtomicDirectory.Recover(checkpoint);
        var recipe = new List<KeyValuePair<string, string>>
        {
            new("--kind", kind.Name), new("--data", spec.Resolved().ToString()),
            new("data files", string.Join(", ", dataFiles.Select(f => $"{f.Path} (sha256 {f.Sha256[..12]}…)"))),
            new("--seed", s.Seed.ToString(CultureInfo.InvariantCulture)),
        };
        foreach (var p in ModelRegistry.ToJson(config).EnumerateObject()) recipe.Add(new($"model {p.Name}", JsonSerializer.Serialize(p.Value)));
        int every = Math.Max(1, options.Epochs / 10);
        var progress = new SyncProgress(p =>
        {
            if (p.Completed is { } c && (c.Epoch % every == 0 || c.Epoch == p.Epochs))
                Line($"epoch {c.Epoch.ToString(CultureInfo.InvariantCulture).PadLeft(p.Epochs.ToString(CultureInfo.InvariantCulture).Length)}/{p.Epochs}  loss {Output.Num(c.TrainLoss)}" +
                     (c.Terms is { Count: > 1 } t ? $" ({t})" : "") + $"  {c.Seconds.ToString("0.000", CultureInfo.InvariantCulture)}s");
        });
        var source = GraphSource.Training(graph, split);
        var result = fit.Fit(model, source, null, new FitContext(progress, cancellation, checkpoint, s.Resume, recipe));
        if (result.Cancelled)
        {
            int done = result.History.Count;
            Error.WriteLine(done > 0
                ? $"interrupted during epoch {done + 1}/{options.Epochs}: the checkpoint of epoch {done} is in {checkpoint}; run the same command with --resume to continue"
                : "interrupted during the first epoch: no epoch finished, nothing to resume; run the same command to start again");
            return ExitCodes.Cancelled;
        }
        var (test, validation) = LinkPrediction.Evaluate(model, graph, split);
        var section = new GraphSection(s.Seed, EdgeSplit.DefaultValidationFraction, EdgeSplit.DefaultTestFraction, graph.Nodes, graph.Edges, test.RocAuc, test.AveragePrecision);
        var saved = new SavedModel(model, new PreprocessorState(ScalingKind.None, [], []), options, result.History, null, spec.Resolved().ToString(),
            Sections: ModelSections.Empty.With(GraphSection.Name, section, TabularEncoder.JsonOptions)) { DataFiles = dataFiles };
        ModelStore.Save(writer, saved);
        string stagedCheckpoint = Path.Combine(writer.Staging, TrainService.CheckpointFolder);
        if (Directory.Exists(checkpoint)) Directory.Move(checkpoint, stagedCheckpoint);
        writer.Commit();

        Line();
        Line("link prediction (held-out edges against as many non-edges)");
        if (validation != null) Line($"validation  rocAuc {validation.RocAuc.ToString("0.0000", CultureInfo.InvariantCulture)}  ap {validation.AveragePrecision.ToString("0.0000", CultureInfo.InvariantCulture)}  ({validation.Positives} + {validation.Negatives} pairs)");
        Line($"test        rocAuc {test.RocAuc.ToString("0.0000", CultureInfo.InvariantCulture)}  ap {test.AveragePrecision.ToString("0.0000", CultureInfo.InvariantCulture)}  ({test.Positives} + {test.Negatives} pairs)");
        double perEpoch = result.History.Count > 0 ? result.History.Average(h => h.Seconds) : 0;
        Line($"time        {perEpoch.ToString("0.000", CultureInfo.InvariantCulture)} s per epoch");
        Line($"model       written to {s.Out} ({ModelStore.WeightsFile} {Output.Bytes(new FileInfo(Path.Combine(s.Out, ModelStore.WeightsFile)).Length)}, {ModelStore.ConfigFile})");
        return ExitCodes.Success;
    }

    private sealed class SyncProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}

/// <summary>The graph side of <c>evaluate</c> and <c>encode</c>: link prediction on the held-out edges, and node embeddings.</summary>
public sealed class GraphApplyService : CliService
{
    /// <summary>Creates the service.</summary>
    public GraphApplyService(IAnsiConsole console, TextWriter error, bool verbose = false) : base(console, error, verbose) { }

    private static (SavedModel Saved, GraphAutoencoder Model, GraphData Graph, EdgeSplit Split) Load(string modelDir, DataSpec spec)
    {
        if (string.IsNullOrWhiteSpace(modelDir)) throw new ArgumentException("--model needs a model folder");
        var saved = ModelStore.Load(modelDir);
        var section = GraphSection.Of(saved);
        var model = (GraphAutoencoder)saved.Model;
        var (graph, split) = section.Rebuild(spec, model);
        return (saved, model, graph, split);
    }

    /// <summary><c>evaluate</c> on graph data: ROC-AUC and AP on the held-out test and validation edges, as a table or JSON.</summary>
    internal int Evaluate(EvaluateSettings s, DataSpec spec)
    {
        var (_, model, graph, split) = Load(s.ModelDir, spec);
        var (test, val) = LinkPrediction.Evaluate(model, graph, split);
        if (s.Json)
        {
            var json = new System.Text.Json.Nodes.JsonObject
            {
                ["model"] = s.ModelDir, ["data"] = graph.Source, ["nodes"] = graph.Nodes, ["edges"] = graph.Edges,
                ["rocAuc"] = test.RocAuc, ["ap"] = test.AveragePrecision, ["testEdges"] = test.Positives, ["testNonEdges"] = test.Negatives,
                ["validationRocAuc"] = val?.RocAuc, ["validationAp"] = val?.AveragePrecision,
            };
            Line(json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            return ExitCodes.Success;
        }
        Line($"model  {s.ModelDir}: {model.Config.Describe()}");
        Line($"data   {graph}");
        var table = new Table().AddColumn("metric").AddColumn(new Spectre.Console.TableColumn("test").RightAligned()).AddColumn(new Spectre.Console.TableColumn("validation").RightAligned());
        string F(double? v) => v is double d ? d.ToString("0.0000", CultureInfo.InvariantCulture) : "-";
        table.AddRow("rocAuc", F(test.RocAuc), F(val?.RocAuc));
        table.AddRow("ap", F(test.AveragePrecision), F(val?.AveragePrecision));
        table.AddRow("held-out edges", test.Positives.ToString(CultureInfo.InvariantCulture), (val?.Positives ?? 0).ToString(CultureInfo.InvariantCulture));
        table.AddRow("non-edges", test.Negatives.ToString(CultureInfo.InvariantCulture), (val?.Negatives ?? 0).ToString(CultureInfo.InvariantCulture));
        Console.Write(table);
        Line("(scores sigmoid(z_i.z_j) from the codes of the training graph; the held-out edges were not seen in training)");
        return ExitCodes.Success;
    }

    /// <summary><c>encode</c> on graph data: the code of every node (Z, or μ for vgae) over the training graph.</summary>
    internal int Encode(EncodeSettings s, DataSpec spec)
    {
        Output.CheckTablePath(s.Out);
        OutputPaths.Check("--out", s.Out, spec, "test", s.ModelDir);
        var (_, model, graph, split) = Load(s.ModelDir, spec);
        var z = LinkPrediction.Embeddings(model, GraphBatch.Create(graph.Nodes, graph.Features, graph.FeatureCount, split.Train));
        int k = model.LatentDim;
        if (Path.GetExtension(s.Out).Equals(".npy", StringComparison.OrdinalIgnoreCase))
            TableWriter.Write(s.Out, z, graph.Nodes, k);
        else
        {
            char sep = Path.GetExtension(s.Out).Equals(".tsv", StringComparison.OrdinalIgnoreCase) ? '\t' : ',';
            var sb = new StringBuilder();
            sb.Append("node").Append(string.Concat(Enumerable.Range(0, k).Select(i => $"{sep}z{i}"))).Append('\n');
            for (int i = 0; i < graph.Nodes; i++)
            {
                sb.Append(Csv(graph.NodeIds[i], sep));
                for (int d = 0; d < k; d++) sb.Append(sep).Append(z[i * k + d].ToString("R", CultureInfo.InvariantCulture));
                sb.Append('\n');
            }
            AtomicFile.WriteAllText(s.Out, sb.ToString());
        }
        Line($"encoded {Output.Count(graph.Nodes)} nodes of {graph.Source} to {k} values each: {s.Out}" +
             (Path.GetExtension(s.Out).Equals(".npy", StringComparison.OrdinalIgnoreCase) ? " (rows in the data's node order)" : ""));
        return ExitCodes.Success;
    }

    /// <summary>A CSV field, quoted when it holds the separator, a quote or a line break.</summary>
    internal static string Csv(string field, char sep) =>
        field.IndexOfAny([sep, '"', '\n', '\r']) >= 0 ? "\"" + field.Replace("\"", "\"\"") + "\"" : field;
}
