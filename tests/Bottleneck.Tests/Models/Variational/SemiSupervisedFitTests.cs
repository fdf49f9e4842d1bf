using Bottleneck.Autograd;
using Bottleneck.Data;
using Bottleneck.Models;
using Bottleneck.Models.Registry;
using Bottleneck.Models.Variational;
using Bottleneck.Tensors;
using Bottleneck.Training;
using Xunit;

namespace Bottleneck.Tests.Models.Variational;

public class SemiSupervisedFitTests
{
    private static Dataset PartlyLabelled(int rows, int labelled, out int[] trueLabels)
    {
        var labels = Enumerable.Range(0, rows).Select(i => i % 3).ToArray();
        trueLabels = labels;
        var features = Bottleneck.Tests.Models.ModelTestUtil.Uniform01(rows, 5, 4);
        return SemiSupervisedData.KeepLabels(new Dataset(features, rows, 5, labels, source: "d"), labelled, 3, 7);
    }

    [Fact]
    public void PairedBatchesPutLabelledRowsInEveryStepAndAnEpochCoversEachUnlabelledRowOnce()
    {
        // Given 30 rows of which 6 keep their label
        var data = PartlyLabelled(30, 6, out var truth);
        var source = new PairedLabelledSource(new RowSource(data, withLabels: true), seed: 1);
        var unlabelledRows = Enumerable.Range(0, 30).Where(i => data.Labels![i] < 0).ToArray();
        Assert.Equal(24, source.Count);
        Assert.Equal(6, source.LabelledCount);
        // When an epoch is cut into shuffled batches of 8 unlabelled rows
        var iterator = new BatchIterator(source.Count, 8, shuffle: true, new Rng(3));
        iterator.NextEpoch();
        var seen = new List<int>();
        for (int b = 0; b < iterator.BatchCount; b++)
        {
            var idx = iterator.Batch(b);
            var batch = (RowBatch)source.Load(idx);
            // Then each batch is the 8 unlabelled rows (label −1) followed by 8 labelled rows with their true labels
            Assert.Equal(16, batch.Count);
            var x = batch.Input.ToArray();
            for (int i = 0; i < 8; i++)
            {
                Assert.Equal(-1, batch.Labels![i]);
                int row = unlabelledRows[idx[i]];
                Assert.Equal(data.Features.AsSpan(row * 5, 5).ToArray(), x.AsSpan(i * 5, 5).ToArray());
                seen.Add(row);
            }
            for (int i = 8; i < 16; i++)
            {
                int label = batch.Labels![i];
                Assert.InRange(label, 0, 2);
                int row = Enumerable.Range(0, 30).Single(r => data.Labels![r] >= 0 && data.Features.AsSpan(r * 5, 5).SequenceEqual(x.AsSpan(i * 5, 5)));
                Assert.Equal(truth[row], label);
            }
            // and the same indices draw the same labelled rows (a resumed run sees the same batches)
            Assert.Equal(batch.Labels, ((RowBatch)source.Load(idx)).Labels);
        }
        Assert.Equal(unlabelledRows.OrderBy(r => r), seen.OrderBy(r => r));
    }

    [Fact]
    public void PairingIsRefusedWithoutBothKindsOfRows()
    {
        var all = new Dataset(new float[12], 4, 3, [0, 1, 0, 1], source: "all");
        Assert.False(PairedLabelledSource.Applies(new RowSource(all, withLabels: true)));
        var e = Assert.Throws<ArgumentException>(() => new PairedLabelledSource(new RowSource(all, withLabels: true), 0));
        Assert.Contains("4 labelled and 0 unlabelled", e.Message);
        Assert.True(PairedLabelledSource.Applies(new RowSource(PartlyLabelled(30, 6, out _), withLabels: true)));
    }

    [Fact]
    public void TheSemiSupervisedKindFitsOnPairedBatches()
    {
        // Given the ssvae kind's fit procedure and partly labelled rows
        var config = new VariationalConfig(5, [4], 2, classes: 3, semiSupervised: true, datasetSize: 30, labelledRows: 6) with { Kind = "ssvae" };
        var options = new TrainingOptions(epochs: 2, batchSize: 8, learningRate: 1e-2f, seed: 1);
        var fit = ModelRegistry.Get("ssvae").CreateFit(config, options);
        Assert.IsType<SemiSupervisedFit>(fit);
        var model = new VariationalAutoencoder(config, new Rng(1));
        // When it trains
        var result = fit.Fit(model, RowSource.For(model, PartlyLabelled(30, 6, out _)), null, new FitContext());
        // Then every epoch logs the classification term (labelled rows in the steps) and the unlabelled terms
        Assert.Equal(2, result.History.Count);
        Assert.All(result.History, h => Assert.True(h.Terms!["classification"] > 0 && h.Terms["neg-entropy"] < 0));
        Assert.False(model.Training);
    }

    [Fact]
    public void ATrainingStepWeighsLabelledAndUnlabelledRowsByTheirSharesOfTheData()
    {
        // Given a model that knows 6 of its 30 training rows are labelled (share s = 0.2), α = 2, so α/N_l = 1/3 per labelled row
        var config = new VariationalConfig(5, [4], 2, classes: 3, semiSupervised: true, datasetSize: 30, labelledRows: 6, classificationWeight: 2f);
        Assert.Equal(2f / 6, config.ClassificationWeightPerRow, 6);
        var model = new VariationalAutoencoder(config, new Rng(3));
        model.Eval();
        var x = Tensor.FromArray(Bottleneck.Tests.Models.ModelTestUtil.Uniform01(4, 5, 1), 4, 5);
        using var _ = GradMode.NoGrad();
        // When the same rows are scored as a training step (no noise: z = μ) and, apart, as evaluation steps (each row 1/|B|)
        var noNoise = StepContext.ForTraining(1, 0, new Rng(1)) with { Noise = null };   // a training step drawing z = μ, as the evaluation steps
        var train = model.Step(new RowBatch(x, Labels: [0, -1, 2, -1]), noNoise);
        var labelled = model.Step(new RowBatch(x.IndexSelect(0, [0, 2]), Labels: [0, 2]), StepContext.Evaluation);
        var unlabelled = model.Step(new RowBatch(x.IndexSelect(0, [1, 3]), Labels: [-1, -1]), StepContext.Evaluation);
        double Term(AutoencoderOutput o, string name) => o.Terms.Where(t => t.Name == name).Select(t => (double)t.Value.Item()).DefaultIfEmpty(0).Single();
        // Then each training term is s·(labelled mean) + (1 − s)·(unlabelled mean)
        foreach (var name in new[] { LossTerms.Reconstruction, VariationalTerms.Kl, VariationalTerms.NegEntropy, VariationalTerms.Classification })
            Assert.Equal(0.2 * Term(labelled, name) + 0.8 * Term(unlabelled, name), Term(train, name), 3);
        Assert.Equal((0.1f, 0.4f), model.SemiSupervisedRowWeights(2, 2, training: true));
        Assert.Equal((0.25f, 0.25f), model.SemiSupervisedRowWeights(2, 2, training: false));
    }

    [Fact]
    public void TheSemiSupervisedLossHasTheGradientOfCentralDifferencesThroughTheSharedFirstEncoderLayer()
    {
        // Given a semi-supervised model whose unlabelled rows go through the encoder's first layer once per row (EncodeEveryLabel)
        // (tanh hidden layers: a ReLU kink within the finite-difference step would fail the check without a gradient error)
        var model = new VariationalAutoencoder(new VariationalConfig(5, [4], 2, Bottleneck.NN.Activation.Tanh, classes: 3, semiSupervised: true, classificationWeight: 2f), new Rng(5));
        model.Eval();
        var x = Tensor.FromArray(Bottleneck.Tests.Models.ModelTestUtil.Uniform01(4, 5, 2), 4, 5);
        var batch = new RowBatch(x, Labels: [1, -1, -1, 0]);
        var encoder = (Bottleneck.NN.Sequential)model.Encoder;
        var first = (Bottleneck.NN.Linear)encoder.Layers[0];
        var classifier = (Bottleneck.NN.Linear)model.Classifier!.Layers[0];
        // Then the loss's gradient with respect to that layer's weight and bias and the classifier's weight matches central differences
        Bottleneck.Tests.Autograd.GradCheck.Check("ssvae loss", _ => model.Step(batch, StepContext.Evaluation).Loss,
            first.Weight, first.Bias!, classifier.Weight);
    }
}
