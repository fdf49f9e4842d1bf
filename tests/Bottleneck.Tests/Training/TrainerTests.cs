using Bottleneck.Data;
using Bottleneck.Models;
using Bottleneck.Models.Dense;
using Bottleneck.NN;
using Bottleneck.Tensors;
using Bottleneck.Tests.Data;
using Bottleneck.Tests.Models;
using Bottleneck.Training;
using static Bottleneck.Tests.Models.ModelTestUtil;

namespace Bottleneck.Tests.Training;

public class TrainerTests
{
    private static readonly Lazy<Dataset> Demo = new(() => DemoDataset.Generate(192, 11));
    private static readonly Lazy<Dataset> DemoVal = new(() => DemoDataset.Generate(48, 12));

    private static DenseAutoencoder Small(ulong seed = 1, float dropout = 0f, bool batchNorm = false, Likelihood? output = null) =>
        new(new DenseConfig(784, [16], 4, dropout: dropout, batchNorm: batchNorm, output: output), new Rng(seed));

    private static Dataset Copy(Dataset d) => new((float[])d.Features.Clone(), d.Rows, d.FeatureCount, d.Labels, image: d.Image, source: d.Source);

    [Fact]
    public void LossDecreasesAndHistoryHasOneRecordPerEpoch()
    {
        var model = Small();
        var options = new TrainingOptions(epochs: 3, batchSize: 32, learningRate: 3e-3f, seed: 1);
        var reports = new List<TrainingProgress>();
        var result = new Trainer(options).Fit(model, Demo.Value, DemoVal.Value, new SyncProgress<TrainingProgress>(reports.Add));

        Assert.Equal(3, result.History.Count);
        Assert.Equal([1, 2, 3], result.History.Select(h => h.Epoch));
        Assert.All(result.History, h =>
        {
            Assert.Equal("train", h.Stage);
            Assert.Equal(3e-3, h.LearningRate, 6);
            Assert.True(h.Seconds > 0);
            Assert.True(double.IsFinite(h.TrainLoss));
            Assert.NotNull(h.ValidationLoss);
            Assert.True(double.IsFinite(h.ValidationLoss!.Value));
        });
        Assert.True(result.History[2].TrainLoss < result.History[0].TrainLoss, string.Join(", ", result.History.Select(h => h.TrainLoss)));
        Assert.True(result.History[2].ValidationLoss < result.History[0].ValidationLoss);
        Assert.False(result.StoppedEarly);
        Assert.False(result.Cancelled);
        Assert.InRange(result.BestEpoch, 1, 3);
        Assert.False(model.Training);
        // the last validation loss is the model's loss on the validation data
        AssertClose(result.History[2].ValidationLoss!.Value, Trainer.Evaluate(model, DemoVal.Value), 1e-5, "validation loss");
        // progress: one completed report per epoch, in order
        Assert.Equal([1, 2, 3], reports.Where(r => r.Completed != null).Select(r => r.Completed!.Epoch));
        Assert.All(reports, r => Assert.Equal(3, r.Epochs));
        Assert.All(reports, r => Assert.Equal(6, r.StepsPerEpoch));  // 192 / 32
    }

    [Fact]
    public void WithoutValidationTheTrainLossIsTheMetric()
    {
        var result = new Trainer(new TrainingOptions(epochs: 2, batchSize: 64, seed: 1)).Fit(Small(), Demo.Value);
        Assert.All(result.History, h => Assert.Null(h.ValidationLoss));
        Assert.Equal(2, result.History.Count);
    }

    [Fact]
    public void TrainingIsDeterministicAndTheSeedShufflesTheBatches()
    {
        Dictionary<string, float[]> Run(ulong seed)
        {
            var m = Small();
            new Trainer(new TrainingOptions(epochs: 1, batchSize: 32, seed: seed)).Fit(m, Demo.Value);
            return Weights(m);
        }
        var a = Run(1);
        AssertBitEqual(a, Run(1));
        // same initial weights, no dropout: only the batch order depends on the seed
        var b = Run(2);
        Assert.Contains(a.Keys, k => !a[k].SequenceEqual(b[k]));
    }

    [Fact]
    public void EarlyStoppingRestoresTheBestWeights()
    {
        // Constructed so that the validation loss rises after epoch 1: a linear model with every parameter zero only
        // moves its output bias (all other gradients are exactly zero), which Adam drives monotonically towards the
        // training value 5, away from the validation value 0.
        var model = new DenseAutoencoder(new DenseConfig(4, [], 2, output: Likelihood.Gaussian), new Rng(1));
        foreach (var p in model.Parameters()) p.Span.Clear();
        var train = new Dataset(Enumerable.Repeat(5f, 64 * 4).ToArray(), 64, 4, source: "fives");
        var val = new Dataset(new float[16 * 4], 16, 4, source: "zeros");
        Dictionary<string, float[]>? afterEpoch1 = null;
        var progress = new SyncProgress<TrainingProgress>(p => { if (p.Completed?.Epoch == 1) afterEpoch1 = Weights(model); });
        using var dir = new TempDir();
        var options = new TrainingOptions(epochs: 10, batchSize: 16, learningRate: 0.05f, patience: 2, seed: 3);
        var result = new Trainer(options) { CheckpointDirectory = dir.Path }.Fit(model, train, val, progress);

        Assert.True(result.StoppedEarly);
        Assert.Equal(1, result.BestEpoch);
        Assert.Equal(3, result.History.Count);   // epoch 1 best, epochs 2 and 3 worse, patience 2
        Assert.True(result.History[1].ValidationLoss > result.History[0].ValidationLoss);
        Assert.True(result.History[2].ValidationLoss > result.History[1].ValidationLoss);
        AssertBitEqual(afterEpoch1!, Weights(model));
        AssertClose(result.History[0].ValidationLoss!.Value, Trainer.Evaluate(model, val), 1e-6, "restored validation loss");

        // the finished checkpoint holds the restored weights; resuming it trains no further, although --epochs (10) is above
        // the 3 epochs trained: early stopping is final
        var again = new DenseAutoencoder((DenseConfig)model.Config, new Rng(9));
        var resumed = new Trainer(options) { CheckpointDirectory = dir.Path, Resume = true }.Fit(again, train, val);
        Assert.True(resumed.StoppedEarly);
        Assert.Equal(1, resumed.BestEpoch);
        Assert.Equal(3, resumed.History.Count);
        Assert.False(again.Training);
        AssertBitEqual(afterEpoch1!, Weights(again));
    }

    [Fact]
    public void GradientClippingBoundsTheUpdates()
    {
        const float lr = 0.1f, clip = 1e-3f;
        double Change(float clipNorm)
        {
            var m = Small();
            var before = Weights(m);
            var r = new Trainer(new TrainingOptions(epochs: 1, batchSize: 48, optimizer: "sgd", learningRate: lr, clipNorm: clipNorm, seed: 1))
                .Fit(m, Demo.Value);
            Assert.True(double.IsFinite(r.History[0].TrainLoss));
            var after = Weights(m);
            return Math.Sqrt(before.Keys.Sum(k => before[k].Zip(after[k], (a, b) => (double)(a - b) * (a - b)).Sum()));
        }
        // 4 SGD steps with momentum 0.9 on gradients of norm ≤ clip move the weights by at most
        // lr·clip·(1 + 1.9 + 2.71 + 3.439).
        double bound = lr * clip * (1 + 1.9 + 2.71 + 3.439);
        double clipped = Change(clip);
        Assert.True(clipped <= bound * 1.001, $"clipped change {clipped} > bound {bound}");
        Assert.True(clipped > bound * 0.5, $"clipped change {clipped} suspiciously small");
        Assert.True(Change(0f) > 10 * bound, "without clipping the change should be far larger");
    }

    [Fact]
    public void NaNGuardNamesEpochAndStepAndKeepsTheLastGoodCheckpoint()
    {
        var train = Copy(Demo.Value);
        var model = Small();
        Dictionary<string, float[]>? afterEpoch1 = null;
        var progress = new SyncProgress<TrainingProgress>(p =>
        {
            if (p.Completed?.Epoch != 1) return;
            afterEpoch1 = Weights(model);
            for (int r = 0; r < train.Rows; r++) train.Features[r * 784 + 400] = float.NaN;  // every batch of epoch 2 is poisoned
        });
        using var dir = new TempDir();
        var options = new TrainingOptions(epochs: 3, batchSize: 64, seed: 2);
        var e = Assert.Throws<TrainingDivergedException>(() =>
            new Trainer(options) { CheckpointDirectory = dir.Path }.Fit(model, train, null, progress));
        Assert.Contains("epoch 2, step 1 of 3", e.Message);
        Assert.Contains("NaN", e.Message);
        Assert.Contains(dir.Path, e.Message);
        Assert.Contains("epoch 1", e.Message);

        // the checkpoint of epoch 1 loads
        var fresh = Small(seed: 77);
        var state = new Checkpoint(dir.Path).Load(fresh, [new OptimizerGroup(ParameterGroup.Default, options.CreateOptimizer(fresh.Parameters()))], options);
        Assert.Equal(1, state.Epoch);
        Assert.Single(state.History);
        AssertBitEqual(afterEpoch1!, Weights(fresh));

        // with the data repaired, the run resumes from it and finishes
        var resumed = new Trainer(options) { CheckpointDirectory = dir.Path, Resume = true }.Fit(fresh, Demo.Value);
        Assert.Equal(3, resumed.History.Count);
        Assert.All(resumed.History, h => Assert.True(double.IsFinite(h.TrainLoss)));
    }

    [Fact]
    public void NaNGuardCatchesAHugeLearningRate()
    {
        using var dir = new TempDir();
        var options = new TrainingOptions(epochs: 2, batchSize: 16, optimizer: "sgd", learningRate: 1e6f, seed: 1);
        var e = Assert.Throws<TrainingDivergedException>(() =>
            new Trainer(options) { CheckpointDirectory = dir.Path }.Fit(Small(output: Likelihood.Gaussian), Demo.Value));
        Assert.Matches(@"at epoch 1, step \d+ of 12", e.Message);
        // no epoch has finished, so no checkpoint exists and the message must not claim one
        Assert.False(new Checkpoint(dir.Path).Exists);
        Assert.DoesNotContain("checkpoint (epoch 0)", e.Message);
    }

    [Fact]
    public void NaNGuardCatchesWeightsThatDivergeInTheLastStepOfAnEpoch()
    {
        // One step per epoch: its loss is finite, but the update makes the weights infinite. That epoch must not be
        // recorded as good nor checkpointed.
        using var dir = new TempDir();
        var options = new TrainingOptions(epochs: 2, batchSize: 192, optimizer: "sgd", learningRate: 1e38f, seed: 1);
        var reports = new List<TrainingProgress>();
        var e = Assert.Throws<TrainingDivergedException>(() =>
            new Trainer(options) { CheckpointDirectory = dir.Path }.Fit(Small(), Demo.Value, null, new SyncProgress<TrainingProgress>(reports.Add)));
        Assert.Contains("at epoch 1, step 1 of 1", e.Message);
        Assert.DoesNotContain(reports, r => r.Completed != null);
        Assert.False(new Checkpoint(dir.Path).Exists);
    }

    [Fact]
    public void NaNGuardCatchesANonFiniteValidationLoss()
    {
        var val = Copy(DemoVal.Value);
        val.Features[7] = float.NaN;
        var e = Assert.Throws<TrainingDivergedException>(() =>
            new Trainer(new TrainingOptions(epochs: 2, batchSize: 64, seed: 1)).Fit(Small(), Demo.Value, val));
        Assert.Contains("validation loss became NaN after epoch 1", e.Message);
    }

    public static TheoryData<float, bool, string, string> ResumeCases() => new()
    {
        { 0f, false, "adam", "cosine" },
        { 0.3f, true, "sgd", "step" },
        { 0.2f, false, "rmsprop", "plateau" },
    };

    [Theory]
    [MemberData(nameof(ResumeCases))]
    public void ResumeAfterCancellationReachesTheSameWeightsBitForBit(float dropout, bool batchNorm, string optimizer, string schedule)
    {
        var options = new TrainingOptions(epochs: 4, batchSize: 40, optimizer: optimizer, learningRate: optimizer == "sgd" ? 1e-3f : 2e-3f,
            schedule: schedule, patience: 3, seed: 5);
        var train = Demo.Value;
        var val = DemoVal.Value;

        var uninterrupted = Small(1, dropout, batchNorm);
        var full = new Trainer(options).Fit(uninterrupted, train, val);
        Assert.Equal(4, full.History.Count);

        using var dir = new TempDir();
        using var cts = new CancellationTokenSource();
        var first = Small(1, dropout, batchNorm);
        var part = new Trainer(options) { CheckpointDirectory = dir.Path }.Fit(first, train, val,
            new SyncProgress<TrainingProgress>(p => { if (p.Completed?.Epoch == 2) cts.Cancel(); }), cts.Token);
        Assert.True(part.Cancelled);
        Assert.Equal(2, part.History.Count);

        var second = Small(99, dropout, batchNorm);  // different initial weights: everything must come from the checkpoint
        var rest = new Trainer(options) { CheckpointDirectory = dir.Path, Resume = true }.Fit(second, train, val);
        Assert.False(rest.Cancelled);
        Assert.Equal(4, rest.History.Count);
        AssertBitEqual(Weights(uninterrupted), Weights(second));
        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(full.History[i].TrainLoss, rest.History[i].TrainLoss);
            Assert.Equal(full.History[i].ValidationLoss, rest.History[i].ValidationLoss);
            Assert.Equal(full.History[i].LearningRate, rest.History[i].LearningRate);
        }
        Assert.Equal(full.BestEpoch, rest.BestEpoch);
    }

    [Fact]
    public void CancellationMidEpochStopsCleanlyAndLeavesALoadableCheckpoint()
    {
        var options = new TrainingOptions(epochs: 3, batchSize: 64, seed: 4);
        using var dir = new TempDir();
        using var cts = new CancellationTokenSource();
        var model = Small(dropout: 0.1f);
        Dictionary<string, float[]>? afterEpoch1 = null;
        var progress = new SyncProgress<TrainingProgress>(p =>
        {
            if (p.Completed?.Epoch == 1) afterEpoch1 = Weights(model);
            if (p.Epoch == 2 && p.Completed == null) cts.Cancel();   // after the last step of epoch 2, before it is recorded
        });
        var result = new Trainer(options) { CheckpointDirectory = dir.Path }.Fit(model, Demo.Value, null, progress, cts.Token);
        Assert.True(result.Cancelled);
        Assert.False(result.StoppedEarly);
        Assert.Single(result.History);
        Assert.False(model.Training);

        var fresh = Small(seed: 50, dropout: 0.1f);
        var state = new Checkpoint(dir.Path).Load(fresh, [new OptimizerGroup(ParameterGroup.Default, options.CreateOptimizer(fresh.Parameters()))], options);
        Assert.Equal(1, state.Epoch);
        Assert.False(state.Finished);
        AssertBitEqual(afterEpoch1!, Weights(fresh));

        // the partial epoch is redone on resume: the result equals an uninterrupted run
        var resumed = new Trainer(options) { CheckpointDirectory = dir.Path, Resume = true }.Fit(fresh, Demo.Value);
        var reference = Small(dropout: 0.1f);
        new Trainer(options).Fit(reference, Demo.Value);
        Assert.Equal(3, resumed.History.Count);
        AssertBitEqual(Weights(reference), Weights(fresh));
    }

    [Fact]
    public void AnInterruptedCheckpointSaveIsDetectedOnResume()
    {
        // Simulates a crash after the tensor files of epoch 2 were replaced but before trainer.json (the commit marker) was.
        using var dir = new TempDir();
        var trainerJson = Path.Combine(dir.Path, "trainer.json");
        var epoch1Json = Path.Combine(dir.Path, "..", Path.GetFileName(dir.Path) + "-trainer-epoch1.json");
        var options = new TrainingOptions(epochs: 2, batchSize: 64, seed: 1);
        try
        {
            new Trainer(options) { CheckpointDirectory = dir.Path }.Fit(Small(), Demo.Value, null,
                new SyncProgress<TrainingProgress>(p => { if (p.Completed?.Epoch == 1) File.Copy(trainerJson, epoch1Json); }));
            File.Copy(epoch1Json, trainerJson, overwrite: true);
            var e = Assert.Throws<Bottleneck.IO.ModelFileException>(() =>
                new Trainer(options) { CheckpointDirectory = dir.Path, Resume = true }.Fit(Small(), Demo.Value));
            Assert.Contains("interrupted", e.Message);
            Assert.Contains("weights.safetensors", e.Message);
        }
        finally { File.Delete(epoch1Json); }
    }

    [Fact]
    public void ResumingIntoAnIncompatibleRunFails()
    {
        using var dir = new TempDir();
        using var cts = new CancellationTokenSource();
        var options = new TrainingOptions(epochs: 3, batchSize: 64, seed: 1);
        new Trainer(options) { CheckpointDirectory = dir.Path }.Fit(Small(), Demo.Value, null,
            new SyncProgress<TrainingProgress>(p => { if (p.Completed?.Epoch == 1) cts.Cancel(); }), cts.Token);

        var otherOptimizer = Assert.Throws<Bottleneck.IO.ModelFileException>(() =>
            new Trainer(new TrainingOptions(epochs: 3, batchSize: 64, optimizer: "sgd")) { CheckpointDirectory = dir.Path, Resume = true }.Fit(Small(), Demo.Value));
        Assert.Contains("'adam'", otherOptimizer.Message);
        Assert.Contains("'sgd'", otherOptimizer.Message);

        var wider = new DenseAutoencoder(new DenseConfig(784, [20], 4), new Rng(1));
        var otherModel = Assert.Throws<Bottleneck.IO.ModelFileException>(() =>
            new Trainer(options) { CheckpointDirectory = dir.Path, Resume = true }.Fit(wider, Demo.Value));
        Assert.Contains("weights.safetensors", otherModel.Message);
        Assert.Contains("encoder.0.weight", otherModel.Message);
    }

    [Fact]
    public void ResumingWithOtherTrainingOptionsFailsNamingEachDifference()
    {
        using var dir = new TempDir();
        new Trainer(new TrainingOptions(epochs: 1, batchSize: 64, learningRate: 1e-3f, seed: 1)) { CheckpointDirectory = dir.Path }.Fit(Small(), Demo.Value);

        var e = Assert.Throws<Bottleneck.IO.ModelFileException>(() =>
            new Trainer(new TrainingOptions(epochs: 2, batchSize: 32, learningRate: 2e-3f, seed: 1)) { CheckpointDirectory = dir.Path, Resume = true }.Fit(Small(), Demo.Value));
        Assert.Contains("batch size 64 → 32", e.Message);
        Assert.Contains("learning rate 0.001 → 0.002", e.Message);
        Assert.DoesNotContain("seed", e.Message);
        Assert.Contains("delete the checkpoint folder", e.Message);

        var others = Assert.Throws<Bottleneck.IO.ModelFileException>(() =>
            new Trainer(new TrainingOptions(epochs: 2, batchSize: 64, weightDecay: 1e-5f, schedule: "plateau", patience: 4, clipNorm: 1f, seed: 2))
                { CheckpointDirectory = dir.Path, Resume = true }.Fit(Small(), Demo.Value));
        foreach (var part in new[] { "weight decay 0 → 0.00001", "schedule none → plateau", "patience 0 → 4", "clip norm 0 → 1", "seed 1 → 2" })
            Assert.Contains(part, others.Message);
        Assert.DoesNotContain("epochs", others.Message);   // plateau does not depend on the epoch count
    }

    [Fact]
    public void AFinishedCheckpointWithoutRecordedOptionsIsNotExtended()
    {
        // Checkpoints of earlier versions have no "options" in trainer.json: they still resume, but a finished one is not
        // extended, since nothing can tell whether its schedule depended on the epoch count.
        using var dir = new TempDir();
        var first = Small();
        new Trainer(new TrainingOptions(epochs: 1, batchSize: 64, seed: 4)) { CheckpointDirectory = dir.Path }.Fit(first, Demo.Value);
        var json = Path.Combine(dir.Path, "trainer.json");
        var node = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(json))!.AsObject();
        Assert.True(node.Remove("options"));
        File.WriteAllText(json, node.ToJsonString());

        var resumedModel = Small(seed: 9);
        var resumed = new Trainer(new TrainingOptions(epochs: 3, batchSize: 64, seed: 4)) { CheckpointDirectory = dir.Path, Resume = true }.Fit(resumedModel, Demo.Value);
        Assert.Single(resumed.History);
        Assert.Equal(Weights(first), Weights(resumedModel));
    }

    [Fact]
    public void ACosineRunCannotBeResumedWithAnotherEpochCount()
    {
        using var dir = new TempDir();
        new Trainer(new TrainingOptions(epochs: 1, batchSize: 64, schedule: "cosine")) { CheckpointDirectory = dir.Path }.Fit(Small(), Demo.Value);
        var e = Assert.Throws<Bottleneck.IO.ModelFileException>(() =>
            new Trainer(new TrainingOptions(epochs: 2, batchSize: 64, schedule: "cosine")) { CheckpointDirectory = dir.Path, Resume = true }.Fit(Small(), Demo.Value));
        Assert.Contains("epochs (the cosine schedule depends on them) 1 → 2", e.Message);
    }

    [Fact]
    public void AFinishedRunResumedWithMoreEpochsContinuesExactlyAsOneLongerRun()
    {
        var options = new TrainingOptions(epochs: 3, batchSize: 64, seed: 4);
        var straight = Small();
        var full = new Trainer(options).Fit(straight, Demo.Value);

        using var dir = new TempDir();
        var first = Small();
        new Trainer(new TrainingOptions(epochs: 2, batchSize: 64, seed: 4)) { CheckpointDirectory = dir.Path }.Fit(first, Demo.Value);
        var resumedModel = Small(seed: 9);   // different initial weights: everything must come from the checkpoint
        var resumed = new Trainer(options) { CheckpointDirectory = dir.Path, Resume = true }.Fit(resumedModel, Demo.Value);

        Assert.Equal(3, resumed.History.Count);
        Assert.Equal(full.History.Select(h => h.TrainLoss), resumed.History.Select(h => h.TrainLoss));
        Assert.Equal(Weights(straight), Weights(resumedModel));

        // Asking for no more epochs than were trained leaves the model as the checkpoint has it.
        var again = Small(seed: 9);
        var noop = new Trainer(new TrainingOptions(epochs: 3, batchSize: 64, seed: 4)) { CheckpointDirectory = dir.Path, Resume = true }.Fit(again, Demo.Value);
        Assert.Equal(3, noop.History.Count);
        Assert.Equal(Weights(straight), Weights(again));
    }

    [Fact]
    public void AnAlreadyCancelledTokenTrainsNothing()
    {
        var model = Small();
        var before = Weights(model);
        var result = new Trainer(new TrainingOptions(epochs: 2)).Fit(model, Demo.Value, cancellation: new CancellationToken(true));
        Assert.True(result.Cancelled);
        Assert.Empty(result.History);
        AssertBitEqual(before, Weights(model));
    }

    [Fact]
    public void WidthMismatchThrowsShapeExceptionNamingBothWidths()
    {
        var model = new DenseAutoencoder(new DenseConfig(10, [4], 2), new Rng(1));
        var trainer = new Trainer(new TrainingOptions(epochs: 1));
        var e = Assert.Throws<ShapeException>(() => trainer.Fit(model, Dataset01(8, 12, 1)));
        Assert.Contains("12", e.Message);
        Assert.Contains("10", e.Message);
        var v = Assert.Throws<ShapeException>(() => trainer.Fit(model, Dataset01(8, 10, 1), Dataset01(4, 11, 1)));
        Assert.Contains("11", v.Message);
        Assert.Contains("10", v.Message);
    }

    [Fact]
    public void OptionsValidationNamesTheField()
    {
        Assert.Contains("epochs must be ≥ 1, got 0", Assert.Throws<ArgumentOutOfRangeException>(() => new TrainingOptions(epochs: 0)).Message);
        Assert.Contains("learningRate must be > 0, got -1", Assert.Throws<ArgumentOutOfRangeException>(() => new TrainingOptions(learningRate: -1)).Message);
        Assert.Contains("unknown optimizer 'lbfgs'", Assert.Throws<ArgumentException>(() => new TrainingOptions(optimizer: "lbfgs")).Message);
        Assert.Equal("adamw", new TrainingOptions(optimizer: "AdamW").Optimizer);
    }
}

public class TrainerBatchNormTests
{
    [Fact]
    public void ALastBatchOfOneSampleIsDroppedForBatchNormModels()
    {
        // Given 65 rows and batch 32 (last batch: 1 sample) and a batch-norm model,
        // When trained, Then training completes instead of failing on a one-sample batch norm.
        var data = Bottleneck.Data.DemoDataset.Generate(65, 3);
        var model = new Bottleneck.Models.Dense.DenseAutoencoder(
            new Bottleneck.Models.Dense.DenseConfig(784, [16], 4, batchNorm: true), new Bottleneck.Tensors.Rng(1));
        var result = new Trainer(new TrainingOptions(epochs: 1, batchSize: 32)).Fit(model, data);
        Assert.Single(result.History);
        Assert.True(double.IsFinite(result.History[0].TrainLoss));
    }
}
