using System.Text.Json.Nodes;
using Bottleneck.Data;
using Bottleneck.IO;
using Bottleneck.Models;
using Bottleneck.Models.Dense;
using Bottleneck.NN;
using Bottleneck.Tensors;
using Bottleneck.Tests.Data;
using Bottleneck.Tests.Models;
using Bottleneck.Training;
using static Bottleneck.Tests.Models.ModelTestUtil;

namespace Bottleneck.Tests.Training;

/// <summary>
/// What the step contract gives the trainer: named loss terms logged per epoch, several parameter groups each with its own
/// optimizer (checkpointed and resumed exactly), the post-step hook, and noise drawn from the step's generator.
/// </summary>
public class StepContractTests
{
    private static readonly Lazy<Dataset> Data = new(() => Dataset01(96, 12, 21));

    /// <summary>
    /// A model of test-only parts: a dense autoencoder whose decoder is a second parameter group trained at half the learning
    /// rate, and which counts the post-step hook's calls. Built without touching the trainer, the registry or the dense kind.
    /// </summary>
    private sealed class TwoGroupModel(DenseConfig config, Rng rng) : Autoencoder(config, Parts(config, rng))
    {
        public int AfterSteps { get; private set; }
        public long LastStep { get; private set; } = -1;

        private static AutoencoderParts Parts(DenseConfig c, Rng rng)
        {
            var encoder = new Sequential(new Linear(c.InputDim, 8, rng), new ActivationLayer(Activation.Relu), new Linear(8, c.LatentDim, rng));
            var decoder = new Sequential(new Linear(c.LatentDim, 8, rng), new ActivationLayer(Activation.Relu), new Linear(8, c.InputDim, rng));
            return new AutoencoderParts(encoder, new DeterministicLatent(), decoder);
        }

        public override IReadOnlyList<ParameterGroup> ParameterGroups() =>
        [
            new ParameterGroup(ParameterGroup.Default, Encoder.Parameters()),
            new ParameterGroup("decoder", Decoder.Parameters(), LearningRateScale: 0.5f),
        ];

        public override void AfterStep(StepContext context)
        {
            AfterSteps++;
            Assert.True(context.Step > LastStep, $"step {context.Step} after {LastStep}");   // global steps count on across epochs (and resumes)
            LastStep = context.Step;
        }
    }

    private static TwoGroupModel TwoGroups(ulong seed) => new(new DenseConfig(12, [8], 3), new Rng(seed));

    [Fact]
    public void EachLossTermIsLoggedPerEpochAndTheyAddUpToTheLoss()
    {
        var config = new DenseConfig(12, [8], 16, latentActivation: Activation.Sigmoid, l2: 1e-3f, regularizer: new SparsityKl(0.05f, 0.5f)) { Kind = "sparse" };
        var model = new DenseAutoencoder(config, new Rng(3));
        var result = new Trainer(new TrainingOptions(epochs: 2, batchSize: 32)).Fit(model, Data.Value);
        foreach (var epoch in result.History)
        {
            var terms = epoch.Terms!;
            Assert.Equal([LossTerms.Reconstruction, LossTerms.Sparsity, LossTerms.WeightPenalty], terms.Names);
            Assert.All(terms, t => Assert.True(t.Value > 0 && double.IsFinite(t.Value), $"{t.Key} {t.Value}"));
            AssertClose(epoch.TrainLoss, terms.Sum(t => t.Value), 1e-5, $"epoch {epoch.Epoch}: terms sum to the loss");
        }
    }

    [Fact]
    public void TermsAreSavedInTheModelFileHistory()
    {
        var model = new DenseAutoencoder(new DenseConfig(12, [8], 3, l1: 1e-3f), new Rng(3));
        var result = new Trainer(new TrainingOptions(epochs: 1, batchSize: 32)).Fit(model, Data.Value);
        using var dir = new TempDir();
        Bottleneck.ModelFiles.ModelStore.Save(dir.Path, new Bottleneck.ModelFiles.SavedModel(model, new PreprocessorState(ScalingKind.None, [], []),
            null, result.History, null, "t"));
        var loaded = Bottleneck.ModelFiles.ModelStore.Load(dir.Path).History.Single();
        Assert.Equal(result.History[0].Terms, loaded.Terms);
        Assert.Equal(result.History[0], loaded);
        Assert.Contains("\"weight-penalty\"", File.ReadAllText(dir.File("config.json")));
    }

    [Fact]
    public void EveryParameterGroupHasItsOwnOptimizerAndTheHookRunsAfterEveryStep()
    {
        var model = TwoGroups(1);
        var encoderBefore = model.Encoder.Parameters().Select(p => p.ToArray()).ToList();
        var options = new TrainingOptions(epochs: 2, batchSize: 32, optimizer: "sgd", learningRate: 0.1f);
        using var dir = new TempDir();
        new Trainer(options) { CheckpointDirectory = dir.Path }.Fit(model, Data.Value);
        Assert.Equal(2 * 3, model.AfterSteps);
        Assert.Equal(5, model.LastStep);
        Assert.NotEqual(encoderBefore[0], model.Encoder.Parameters()[0].ToArray());

        var json = JsonNode.Parse(File.ReadAllText(dir.File("trainer.json")))!;
        var groups = json["optimizers"]!.AsArray();
        Assert.Equal(["model", "decoder"], groups.Select(g => g!["group"]!.GetValue<string>()));
        Assert.Equal(0.1f, groups[0]!["learningRate"]!.GetValue<float>());
        Assert.Equal(0.05f, groups[1]!["learningRate"]!.GetValue<float>());
        Assert.All(groups, g => Assert.Equal(6, g!["optimizerSteps"]!.GetValue<int>()));
        var names = SafeTensors.Read(dir.File("optimizer.safetensors")).Tensors.Select(t => t.Name).ToList();
        Assert.Contains("model.0.momentum_buffer", names);
        Assert.Contains("decoder.3.momentum_buffer", names);
    }

    [Fact]
    public void AResumedRunWithTwoGroupsReachesTheSameWeightsBitForBit()
    {
        var options = new TrainingOptions(epochs: 3, batchSize: 32, learningRate: 5e-3f, schedule: "cosine", seed: 7);
        var full = TwoGroups(1);
        new Trainer(options).Fit(full, Data.Value);

        using var dir = new TempDir();
        using var cts = new CancellationTokenSource();
        var first = TwoGroups(1);
        var part = new Trainer(options) { CheckpointDirectory = dir.Path }.Fit(first, Data.Value, null,
            new SyncProgress<TrainingProgress>(p => { if (p.Completed?.Epoch == 1) cts.Cancel(); }), cts.Token);
        Assert.True(part.Cancelled);
        var second = TwoGroups(42);
        new Trainer(options) { CheckpointDirectory = dir.Path, Resume = true }.Fit(second, Data.Value);
        AssertBitEqual(Weights(full), Weights(second));
    }

    [Fact]
    public void ACheckpointOfOtherParameterGroupsIsRefusedNamingThem()
    {
        using var dir = new TempDir();
        var options = new TrainingOptions(epochs: 1, batchSize: 32);
        new Trainer(options) { CheckpointDirectory = dir.Path }.Fit(TwoGroups(1), Data.Value);
        var plain = new DenseAutoencoder(new DenseConfig(12, [8], 3), new Rng(1));
        var e = Assert.Throws<ModelFileException>(() =>
            new Trainer(new TrainingOptions(epochs: 2, batchSize: 32)) { CheckpointDirectory = dir.Path, Resume = true }.Fit(plain, Data.Value));
        Assert.Contains("[model, decoder]", e.Message);
        Assert.Contains("[model]", e.Message);
    }

    [Fact]
    public void AVersion1CheckpointStillResumes()
    {
        // Version 1 wrote one optimizer's fields at the top of trainer.json and named its buffers {index}.{buffer}.
        var options = new TrainingOptions(epochs: 3, batchSize: 32, seed: 3);
        var full = new DenseAutoencoder(new DenseConfig(12, [8], 3), new Rng(1));
        new Trainer(options).Fit(full, Data.Value);

        using var dir = new TempDir();
        using var cts = new CancellationTokenSource();
        var first = new DenseAutoencoder(new DenseConfig(12, [8], 3), new Rng(1));
        new Trainer(options) { CheckpointDirectory = dir.Path }.Fit(first, Data.Value, null,
            new SyncProgress<TrainingProgress>(p => { if (p.Completed?.Epoch == 1) cts.Cancel(); }), cts.Token);
        var json = JsonNode.Parse(File.ReadAllText(dir.File("trainer.json")))!.AsObject();
        var group = json["optimizers"]![0]!.AsObject();
        json.Remove("optimizers");
        json["version"] = 1;
        foreach (var key in new[] { "optimizer", "learningRate", "optimizerSteps", "paramSteps", "schedule" }) json[key] = group[key]?.DeepClone();
        File.WriteAllText(dir.File("trainer.json"), json.ToJsonString());
        var opt = SafeTensors.Read(dir.File("optimizer.safetensors"));
        SafeTensors.Write(dir.File("optimizer.safetensors"),
            opt.Tensors.Select(t => (t.Name["model.".Length..], t.Shape, t.Data)).ToList(), new Dictionary<string, string>(opt.Metadata));

        var second = new DenseAutoencoder(new DenseConfig(12, [8], 3), new Rng(9));
        new Trainer(options) { CheckpointDirectory = dir.Path, Resume = true }.Fit(second, Data.Value);
        AssertBitEqual(Weights(full), Weights(second));
    }

    [Fact]
    public void DropoutDrawsItsMasksFromTheStepsNoiseWhenOneIsInstalled()
    {
        var dropout = new Dropout(new Rng(1), 0.5f);
        var x = Tensor.Ones(4, 50);
        float[] Masks(ulong seed)
        {
            using (NoiseScope.Use(new Rng(seed))) return dropout.Forward(x).ToArray();
        }
        Assert.Equal(Masks(5), Masks(5));                  // the step's generator decides the mask
        Assert.NotEqual(Masks(5), Masks(6));
        Assert.Null(NoiseScope.Current);                   // the scope restores the previous generator
        var own = dropout.Forward(x).ToArray();            // without a scope, the layer's own generator
        Assert.NotEqual(own, dropout.Forward(x).ToArray());
        dropout.Eval();
        Assert.Equal(x.ToArray(), dropout.Forward(x).ToArray());
    }

    [Fact]
    public void ATrainingStepCorruptsTheInputAndAnEvaluationStepDoesNot()
    {
        var config = new DenseConfig(12, [8], 3, corruption: new MaskingNoise(0.5f)) { Kind = "denoising" };
        var model = new DenseAutoencoder(config, new Rng(2));
        model.Eval();
        var x = Tensor.FromArray(Uniform01(8, 12, 4), 8, 12);
        float clean = model.Step(new RowBatch(x), StepContext.Evaluation).Loss.Item();
        Assert.Equal(clean, model.Compute(x).Loss.Item());
        float noisy1 = model.Step(new RowBatch(x), StepContext.ForTraining(1, 0, new Rng(8))).Loss.Item();
        float noisy2 = model.Step(new RowBatch(x), StepContext.ForTraining(1, 0, new Rng(8))).Loss.Item();
        Assert.Equal(noisy1, noisy2);                      // the same generator state, the same corruption
        Assert.NotEqual(clean, noisy1);
        Assert.Same(config.Corruption, model.InputCorruption);
    }

    [Fact]
    public void ATrainingStepWithoutANoiseGeneratorIsRefused()
    {
        var e = Assert.Throws<ArgumentException>(() => new StepContext(1, 0, null, true));
        Assert.Contains("StepContext.ForTraining", e.Message);
        Assert.Null(StepContext.Evaluation.Noise);
        Assert.NotNull(StepContext.ForTraining(1, 0, new Rng(1)).Noise);
    }

    [Fact]
    public void AKindRejectsABatchTypeItDoesNotTake()
    {
        var model = new DenseAutoencoder(new DenseConfig(12, [8], 3), new Rng(2));
        var e = Assert.Throws<ArgumentException>(() => model.Step(new GraphLikeBatch(), StepContext.Evaluation));
        Assert.Contains("RowBatch", e.Message);
        Assert.Contains(nameof(GraphLikeBatch), e.Message);
    }

    private sealed record GraphLikeBatch : Batch
    {
        public override int Count => 1;
    }
}
