using System.Diagnostics;
using Bottleneck.Data;
using Bottleneck.Losses;
using Bottleneck.Models;
using Bottleneck.Optim;
using Bottleneck.Tensors;

namespace Bottleneck.Training;

/// <summary>
/// Supervised training of a <see cref="Classifier"/> (encoder + softmax head) with cross-entropy: the semi-supervised case when
/// the encoder was pretrained on unlabelled data (Bengio et al. 2007; Vincent et al. 2010), and its from-scratch baseline.
/// </summary>
public static class SupervisedFineTuning
{
    /// <summary>
    /// Trains <paramref name="classifier"/> on the labels of <paramref name="labelled"/>: mini-batches shuffled from (seed, epoch),
    /// the optimizer, learning rate, schedule, batch size, clipping and epochs of <paramref name="options"/> (no early stopping or
    /// checkpoints). The classifier is left in eval mode.
    /// </summary>
    /// <param name="classifier">The classifier; its encoder is shared with the autoencoder it was built from.</param>
    /// <param name="labelled">Samples (N, D) with labels in [0, classes).</param>
    /// <param name="options">Training options.</param>
    /// <param name="corruption">Optional input corruption per batch (denoising fine-tuning), default null.</param>
    /// <param name="progress">Optional progress reports.</param>
    /// <returns>History with stage "supervised"; TrainLoss is the mean cross-entropy in nats.</returns>
    /// <exception cref="ArgumentException">The dataset has no labels.</exception>
    /// <exception cref="ShapeException">The data width differs from the classifier's.</exception>
    /// <exception cref="TrainingDivergedException">The loss became NaN or infinite.</exception>
    public static IReadOnlyList<EpochRecord> Fit(Classifier classifier, Dataset labelled, TrainingOptions options,
        Corruption? corruption = null, IProgress<TrainingProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        ArgumentNullException.ThrowIfNull(labelled);
        ArgumentNullException.ThrowIfNull(options);
        if (labelled.Labels is null) throw new ArgumentException($"{labelled.Source} has no labels for supervised fine-tuning");
        if (labelled.FeatureCount != classifier.InputDim)
            throw new ShapeException($"{labelled.Source} has {labelled.FeatureCount} features, the classifier expects {classifier.InputDim}");
        var parameters = classifier.Parameters();
        var optimizer = options.CreateOptimizer(parameters);
        var schedule = options.CreateSchedule(optimizer);
        var source = new RowSource(labelled, withLabels: true);
        int bs = Math.Min(options.BatchSize, labelled.Rows);
        var history = new List<EpochRecord>();
        var pool = new BufferPool();
        for (int epoch = 1; epoch <= options.Epochs; epoch++)
        {
            var sw = Stopwatch.StartNew();
            var rng = new Rng(options.Seed * 0x9E3779B97F4A7C15UL + (ulong)epoch);
            var it = new BatchIterator(labelled.Rows, bs, shuffle: true, rng.Fork());
            it.NextEpoch();
            var noise = rng.Fork();
            classifier.Train();
            double sum = 0;
            float lr = optimizer.LearningRate;
            for (int b = 0; b < it.BatchCount; b++)
            {
                using var scope = new TensorScope(pool);
                var batch = source.LoadRows(it.Batch(b));
                var x = corruption is null ? batch.Input : corruption.Apply(batch.Input, noise);
                optimizer.ZeroGrad();
                Tensor loss;
                using (NN.NoiseScope.Use(noise))   // dropout masks from the epoch's generator, as in the trainer
                    loss = Loss.CrossEntropy(classifier.Forward(x), batch.Labels!);
                double v = loss.Item();
                if (!double.IsFinite(v)) throw new TrainingDivergedException($"the cross-entropy became {v} at epoch {epoch}, step {b + 1}; try a lower learning rate");
                loss.Backward();
                if (options.ClipNorm > 0) GradClip.ClipByGlobalNorm(parameters, options.ClipNorm);
                optimizer.Step();
                sum += v * batch.Count;
                if (progress != null && ((b + 1) % 20 == 0 || b + 1 == it.BatchCount))
                    progress.Report(new TrainingProgress(epoch, options.Epochs, b + 1, it.BatchCount, sum / ((b + 1) * (double)bs), null));
            }
            var record = new EpochRecord(epoch, "supervised", sum / labelled.Rows, null, lr, sw.Elapsed.TotalSeconds);
            history.Add(record);
            schedule?.Step((float)record.TrainLoss);
            progress?.Report(new TrainingProgress(epoch, options.Epochs, it.BatchCount, it.BatchCount, record.TrainLoss, record));
        }
        classifier.Eval();
        return history;
    }

    /// <summary>Fraction of rows of <paramref name="data"/> whose predicted class equals the label, in [0, 1].</summary>
    /// <param name="classifier">The classifier.</param>
    /// <param name="data">Labelled rows (N, D).</param>
    /// <param name="batchSize">Rows per batch (default 512).</param>
    /// <exception cref="ArgumentException">The dataset has no labels.</exception>
    public static double Accuracy(Classifier classifier, Dataset data, int batchSize = 512)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        if (data.Labels is null) throw new ArgumentException($"{data.Source} has no labels");
        int correct = 0;
        Batching.InOrder(new RowSource(data), batchSize, (batch, start) =>
        {
            var pred = classifier.Predict(((RowBatch)batch).Input);
            for (int i = 0; i < pred.Length; i++) if (pred[i] == data.Labels[start + i]) correct++;
        });
        return data.Rows == 0 ? 0 : (double)correct / data.Rows;
    }
}
