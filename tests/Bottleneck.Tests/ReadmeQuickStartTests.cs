using Bottleneck.Data;
using Bottleneck.ModelFiles;
using Bottleneck.Models;
using Bottleneck.Models.Registry;
using Bottleneck.Models.Dense;
using Bottleneck.Tensors;
using Bottleneck.Training;

namespace Bottleneck.Tests;

/// <summary>The README's C# quick start, line for line, on small demo data instead of MNIST (so it always runs).</summary>
public class ReadmeQuickStartTests
{
    [Fact]
    public void QuickStartRunsAsWritten()
    {
        var dir = Directory.CreateTempSubdirectory("bottleneck-readme").FullName;
        try
        {
            var data = DemoDataset.Generate(400, 1);
            var (train, validation) = data.Split(0.1, new Rng(0));

            var model = new DenseAutoencoder(new DenseConfig(inputDim: 784, hidden: [64], latentDim: 8), new Rng(0));
            var trainer = new Trainer(new TrainingOptions(epochs: 2, batchSize: 128, learningRate: 1e-3f, patience: 3))
            {
                CheckpointDirectory = Path.Combine(dir, "checkpoint"),
            };
            var result = trainer.Fit(model, train, validation);

            var test = DemoDataset.Generate(100, 2);
            var report = Bottleneck.Evaluation.ReconstructionEvaluator.Evaluate(model, test);
            Assert.True(report.SquaredErrorPerSample > 0 && report.Psnr > 0);

            var codes = model.Encode(Tensor.FromArray(test.Features.AsSpan(0, 10 * 784), 10, 784));
            Assert.Equal([10, 8], codes.ShapeToArray());
            ModelStore.Save(dir, new SavedModel(model, new PreprocessorState(ScalingKind.None, [], []),
                Training: null, result.History, test.Image, "demo"));
            var reloaded = ModelStore.Load(dir).Model;
            var again = reloaded.Encode(Tensor.FromArray(test.Features.AsSpan(0, 10 * 784), 10, 784));
            Assert.Equal(codes.ToArray(), again.ToArray());

            var config = new DenseConfig(784, [32], 16, latentActivation: Bottleneck.NN.Activation.Sigmoid,
                regularizer: new SparsityKl(rho: 0.05f, weight: 3f)) { Kind = "sparse" };
            var sparse = ModelRegistry.Create(config, new Rng(0));
            var fit = ModelRegistry.CreateFit(config, new TrainingOptions(epochs: 2));
            var history = fit.Fit(sparse, RowSource.For(sparse, train), null, new FitContext()).History;
            Assert.Equal(["reconstruction", "sparsity"], history[^1].Terms!.Names);
            var output = sparse.Step(new RowBatch(Tensor.FromArray(test.Features.AsSpan(0, 784), 1, 784)), StepContext.Evaluation);
            Assert.Equal(2, output.Terms.Count);

            var rows = AnomalyRows(300, 5, 4);   // the README reads a CSV; these are 300 rows of which 5 lie far off
            var fitted = Bottleneck.Anomaly.UnsupervisedDetector.Fit(rows, seed: 0);
            var scores = fitted.Detector.Score(fitted.Detector.Prepare(rows));
            bool[] flagged = fitted.Detector.Flag(scores);
            ModelStore.Save(Path.Combine(dir, "anomaly"), fitted.Saved);
            Assert.True(Enumerable.Range(0, 5).All(i => flagged[i]));   // the far rows are flagged
            Assert.Equal(scores, Bottleneck.Anomaly.AnomalyDetector.Load(Path.Combine(dir, "anomaly")).Score(fitted.Detector.Prepare(rows)));

            var x = Tensor.RandN(new Rng(1), 64, 784);
            var w = Tensor.Normal(new Rng(2), 0, 0.05f, 32, 784); w.RequiresGrad = true;
            var loss = Tensor.Linear(x, w, null).Tanh().Pow(2f).Mean();
            loss.Backward();
            Assert.Equal([32, 784], w.Grad!.ShapeToArray());
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    /// <summary>N rows of D correlated Gaussian features; the first <paramref name="far"/> are moved 8 sd off along every feature.</summary>
    private static Dataset AnomalyRows(int n, int far, int d)
    {
        var rng = new Rng(7);
        var f = new float[n * d];
        for (int i = 0; i < n; i++)
        {
            float common = rng.NextNormal();
            for (int j = 0; j < d; j++) f[i * d + j] = common + 0.5f * rng.NextNormal() + (i < far ? 8f : 0f);
        }
        return new Dataset(f, n, d, source: "rows");
    }
}
