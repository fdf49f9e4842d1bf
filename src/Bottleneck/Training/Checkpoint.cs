using System.Globalization;
using System.Text.Json;
using Bottleneck.IO;
using Bottleneck.NN;
using Bottleneck.Optim;

namespace Bottleneck.Training;

/// <summary>Trainer bookkeeping saved with a checkpoint.</summary>
/// <remarks><see cref="OptionsRecorded"/> is false for checkpoints of versions that did not save the training options; such a
/// checkpoint resumes an interrupted run as before but a finished one is not extended (nothing can check the schedule).</remarks>
internal sealed record CheckpointState(int Epoch, IReadOnlyList<EpochRecord> History, double BestValidationLoss, int BestEpoch,
    int BadEpochs, float[][]? BestWeights, bool Finished, bool StoppedEarly, bool OptionsRecorded = true);

/// <summary>
/// The per-epoch training checkpoint: <c>weights.safetensors</c> (model state dict), <c>optimizer.safetensors</c>
/// (every parameter group's optimizer buffers, named <c>{group}.{index}.{buffer}</c>), <c>best.safetensors</c> (early-stopping
/// weights, when kept) and <c>trainer.json</c> (epoch, history, each group's optimizer and schedule scalars, the training
/// options). A save writes all four into a temporary sibling folder and swaps it in as a unit (<see cref="AtomicDirectory"/>), so a
/// kill at any point of a save leaves the previous epoch's complete checkpoint (or, between the swap's two renames, both, of which
/// loading takes the new one); each file still carries its epoch as a check. Reads format version 1 (one optimizer, buffers named
/// <c>{index}.{buffer}</c>) for models with one parameter group.
/// </summary>
internal sealed class Checkpoint(string directory)
{
    private const int FormatVersion = 2;
    public string Directory { get; } = directory;
    private string TrainerJson => Path.Combine(Directory, "trainer.json");
    public bool Exists
    {
        get
        {
            AtomicDirectory.Recover(Directory);   // a save killed between its two renames: finish it
            return File.Exists(TrainerJson);
        }
    }

    public void Save(Module model, IReadOnlyList<OptimizerGroup> optimizers, CheckpointState state, TrainingOptions options)
    {
        // The run's writer holds the model folder's lock, which covers its checkpoint folder.
        using var writer = AtomicDirectory.Begin(Directory, "checkpoint", takeLock: false);
        try
        {
            WriteFiles(writer.Staging, model, optimizers, state, options);
            writer.Commit();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw writer.Named(e); }
    }

    private static void WriteFiles(string dir, Module model, IReadOnlyList<OptimizerGroup> optimizers, CheckpointState state, TrainingOptions options)
    {
        var stamp = new Dictionary<string, string> { ["epoch"] = state.Epoch.ToString(CultureInfo.InvariantCulture) };
        SafeTensors.Write(Path.Combine(dir, "weights.safetensors"),
            model.StateDict().Select(e => (e.Name, e.Value.ShapeToArray(), e.Value.ToArray())).ToList(), stamp);
        FaultInjection.Point("checkpoint-weights-written");
        var buffers = new List<(string, int[], float[])>();
        var groups = new List<GroupJson>();
        foreach (var g in optimizers)
        {
            var opt = g.Optimizer.SaveState();
            foreach (var p in opt.Parameters)
                foreach (var b in p.Buffers) buffers.Add(($"{g.Name}.{p.Index}.{b.Name}", b.Shape, b.Data));
            groups.Add(new GroupJson(g.Name, opt.Optimizer, opt.LearningRate, opt.StepCount,
                opt.Parameters.Select(p => new ParamStep(p.Index, p.Step)).ToList(), g.Schedule?.SaveState()));
        }
        SafeTensors.Write(Path.Combine(dir, "optimizer.safetensors"), buffers, stamp);
        FaultInjection.Point("checkpoint-optimizer-written");
        if (state.BestWeights != null)
        {
            var names = model.StateDict();
            SafeTensors.Write(Path.Combine(dir, "best.safetensors"),
                names.Select((e, i) => (e.Name, e.Value.ShapeToArray(), state.BestWeights[i])).ToList(), stamp);
        }
        var json = new TrainerJsonModel(FormatVersion, state.Epoch, state.History.ToList(), state.BestValidationLoss, state.BestEpoch,
            state.BadEpochs, state.BestWeights != null, state.Finished, state.StoppedEarly, SavedOptions.From(options), groups);
        AtomicFile.WriteAllText(Path.Combine(dir, "trainer.json"), JsonSerializer.Serialize(json, JsonOptions));
        FaultInjection.Point("checkpoint-trainer-written");
    }

    public CheckpointState Load(Module model, IReadOnlyList<OptimizerGroup> optimizers, TrainingOptions options)
    {
        TrainerJsonModel meta;
        try
        {
            meta = JsonSerializer.Deserialize<TrainerJsonModel>(File.ReadAllText(TrainerJson), JsonOptions)
                   ?? throw new ModelFileException("checkpoint metadata is empty", TrainerJson);
        }
        catch (JsonException e)
        {
            throw new ModelFileException($"checkpoint metadata {TrainerJson} is corrupt: {e.Message}", TrainerJson, e);
        }
        if (meta.Version is not (1 or FormatVersion))
            throw new ModelFileException($"checkpoint {TrainerJson} has format version {meta.Version}, this library reads 1 and {FormatVersion}", TrainerJson);
        // Version 1 had one optimizer, its fields at the top level and its buffers named {index}.{buffer}.
        bool v1 = meta.Version == 1;
        var groups = v1
            ? [new GroupJson(optimizers[0].Name, meta.Optimizer ?? "", meta.LearningRate, meta.OptimizerSteps, meta.ParamSteps ?? [], meta.Schedule)]
            : meta.Optimizers ?? [];
        if (groups.Count != optimizers.Count || groups.Zip(optimizers).Any(p => p.First.Group != p.Second.Name))
            throw new ModelFileException($"checkpoint in {Directory} has the parameter groups [{string.Join(", ", groups.Select(g => g.Group))}], " +
                                         $"this model has [{string.Join(", ", optimizers.Select(g => g.Name))}]", TrainerJson);
        foreach (var (saved, g) in groups.Zip(optimizers))
            if (saved.Optimizer != g.Optimizer.Name)
                throw new ModelFileException($"checkpoint in {Directory} was made with optimizer '{saved.Optimizer}', this run uses '{g.Optimizer.Name}'", TrainerJson);
        // Checkpoints written before the options were recorded have none; they resume as before, unchecked.
        if (meta.Options is { } savedOptions && savedOptions.Differences(SavedOptions.From(options)) is { Count: > 0 } differences)
            throw new ModelFileException($"checkpoint in {Directory} was made with other training options ({string.Join("; ", differences)}): " +
                                         "resume with the same options, or delete the checkpoint folder to start over", TrainerJson);

        var weightsPath = Path.Combine(Directory, "weights.safetensors");
        var weights = SafeTensors.Read(weightsPath);
        CheckEpochStamp(weights, meta.Epoch);
        try { model.LoadStateDict(weights.Tensors.ToDictionary(t => t.Name, t => (t.Shape, t.Data))); }
        catch (ArgumentException e) { throw new ModelFileException($"checkpoint {weightsPath} does not fit this model: {e.Message}", weightsPath, e); }

        var optPath = Path.Combine(Directory, "optimizer.safetensors");
        var optFile = SafeTensors.Read(optPath);
        CheckEpochStamp(optFile, meta.Epoch);
        foreach (var (saved, g) in groups.Zip(optimizers))
        {
            string prefix = v1 ? "" : saved.Group + ".";
            var entries = saved.ParamSteps.Select(ps => new ParameterStateEntry(ps.Index, ps.Step,
                g.Optimizer.StateBufferNames.Select(name =>
                {
                    var t = optFile.Get($"{prefix}{ps.Index}.{name}");
                    return new StateBuffer(name, t.Data, t.Shape);
                }).ToList())).ToList();
            try { g.Optimizer.LoadState(new OptimizerState(saved.Optimizer, saved.LearningRate, saved.OptimizerSteps, entries)); }
            catch (ArgumentException e) { throw new ModelFileException($"checkpoint {optPath} does not fit this optimizer: {e.Message}", optPath, e); }
            if (g.Schedule != null && saved.Schedule != null) g.Schedule.LoadState(saved.Schedule);
        }

        float[][]? best = null;
        if (meta.HasBest)
        {
            var bestFile = SafeTensors.Read(Path.Combine(Directory, "best.safetensors"));
            CheckEpochStamp(bestFile, meta.Epoch);
            best = model.StateDict().Select(e => bestFile.Get(e.Name, e.Value.ShapeToArray()).Data).ToArray();
        }
        return new CheckpointState(meta.Epoch, meta.History, meta.BestValidationLoss, meta.BestEpoch, meta.BadEpochs, best, meta.Finished, meta.StoppedEarly,
            meta.Options != null);
    }

    /// <summary>
    /// Each tensor file carries the epoch it was saved at; one that differs from trainer.json's means a save was interrupted
    /// after some files were replaced, so the checkpoint no longer describes one consistent epoch and cannot be resumed exactly.
    /// </summary>
    private void CheckEpochStamp(SafeTensorsFile file, int epoch)
    {
        var expected = epoch.ToString(CultureInfo.InvariantCulture);
        if (!file.Metadata.TryGetValue("epoch", out var stamp) || stamp != expected)
            throw new ModelFileException(
                $"checkpoint file {file.Path} is from epoch {stamp ?? "(unknown)"} but {TrainerJson} is from epoch {epoch}: a checkpoint save was " +
                $"interrupted, so the checkpoint cannot be resumed; delete {Directory} to train from scratch", file.Path);
    }

    internal static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private sealed record ParamStep(int Index, int Step);

    /// <summary>One parameter group's optimizer scalars (version 2).</summary>
    private sealed record GroupJson(string Group, string Optimizer, float LearningRate, int OptimizerSteps, List<ParamStep> ParamSteps, SchedulerState? Schedule);

    /// <summary>trainer.json. Version 1 wrote one optimizer's fields at the top level (Optimizer … Schedule); version 2 writes <see cref="Optimizers"/>.</summary>
    private sealed record TrainerJsonModel(int Version, int Epoch, List<EpochRecord> History, double BestValidationLoss, int BestEpoch,
        int BadEpochs, bool HasBest, bool Finished, bool StoppedEarly, SavedOptions? Options = null, List<GroupJson>? Optimizers = null,
        string? Optimizer = null, float LearningRate = 0, int OptimizerSteps = 0, List<ParamStep>? ParamSteps = null, SchedulerState? Schedule = null);

    /// <summary>
    /// The training options a resumed run must share with the run that wrote the checkpoint for the resume to continue the same
    /// run (batch size, initial learning rate, weight decay, schedule, patience, clipping, seed). The epoch count may grow
    /// (train for longer) unless the schedule depends on it (step, cosine, warmup).
    /// </summary>
    private sealed record SavedOptions(int Epochs, int BatchSize, float LearningRate, float WeightDecay, string Schedule, int Patience, float ClipNorm, ulong Seed)
    {
        public static SavedOptions From(TrainingOptions o) =>
            new(o.Epochs, o.BatchSize, o.LearningRate, o.WeightDecay, o.Schedule, o.Patience, o.ClipNorm, o.Seed);

        /// <summary>"name saved → now" for every option that differs (empty when the resume is consistent).</summary>
        public List<string> Differences(SavedOptions now)
        {
            var list = new List<string>();
            void Check<T>(string name, T saved, T current)
            {
                static string Text(T v) => v is float f ? f.ToString("0.##########", CultureInfo.InvariantCulture) : string.Create(CultureInfo.InvariantCulture, $"{v}");
                if (!EqualityComparer<T>.Default.Equals(saved, current)) list.Add($"{name} {Text(saved)} → {Text(current)}");
            }
            Check("batch size", BatchSize, now.BatchSize);
            Check("learning rate", LearningRate, now.LearningRate);
            Check("weight decay", WeightDecay, now.WeightDecay);
            Check("schedule", Schedule, now.Schedule);
            Check("patience", Patience, now.Patience);
            Check("clip norm", ClipNorm, now.ClipNorm);
            Check("seed", Seed, now.Seed);
            if (Schedule is "step" or "cosine" or "warmup") Check($"epochs (the {Schedule} schedule depends on them)", Epochs, now.Epochs);
            return list;
        }
    }
}
