using System.Diagnostics;
using Bottleneck.Autograd;
using Bottleneck.Data;
using Bottleneck.Losses;
using Bottleneck.Models;
using Bottleneck.Models.Dense;
using Bottleneck.NN;
using Bottleneck.Optim;
using Bottleneck.Tensors;

namespace Bottleneck.Training;

/// <summary>
/// Greedy layer-wise pretraining and fine-tuning of a stacked (optionally denoising) autoencoder (Bengio et al., "Greedy
/// layer-wise training of deep networks", NIPS 2007; Hinton &amp; Salakhutdinov, Science 2006; Vincent et al., JMLR 2010).
/// Orchestrates <see cref="Trainer"/> runs: layer l is trained as a shallow autoencoder h_(l−1) → h_l → h_(l−1) on the codes
/// of the already-trained (and thereafter frozen) layers below; its encoder and decoder are copied into the deep model's
/// encoder layer l and the mirrored decoder layer; then the whole model is fine-tuned end to end.
/// </summary>
/// <remarks>
/// <para>History stages: "pretrain-1", "pretrain-2", …, then "finetune" (and "supervised" for <see cref="FineTuneClassifier"/>).</para>
/// <para>Stage l's shallow autoencoder uses, for layer 1, the deep model's output/loss (e.g. sigmoid + BCE for images), and for
/// l &gt; 1 the output matching the codes it reconstructs: sigmoid + BCE for sigmoid hidden units, tanh + MSE for tanh,
/// linear + MSE otherwise. Its code activation is the deep model's hidden activation (the latent activation for the last layer).
/// The codes h_l of the whole dataset are materialised once per stage (N × h_l floats).</para>
/// </remarks>
public sealed class StackedTrainer
{
    private readonly TrainingOptions _options;

    /// <summary>Creates the trainer.</summary>
    /// <param name="options">Options of the fine-tuning run; the pretraining stages use the same optimizer, batch size, learning
    /// rate and clipping with <see cref="GreedyPretraining.EpochsPerLayer"/> epochs, no early stopping, and seed (seed + l).</param>
    public StackedTrainer(TrainingOptions options) => _options = options ?? throw new ArgumentNullException(nameof(options));

    /// <summary>Progress of every stage's Trainer run, or null.</summary>
    public IProgress<TrainingProgress>? Progress { get; init; }

    /// <summary>Cancels the current stage (a cancelled stage ends the whole run).</summary>
    public CancellationToken Cancellation { get; init; }

    /// <summary>
    /// Pretrains every layer of <paramref name="model"/> greedily, then fine-tunes it end to end on <paramref name="train"/> with
    /// the model's own corruption (if any), validating on <paramref name="validation"/>.
    /// </summary>
    /// <param name="model">A dense autoencoder with a plain Linear+activation encoder (no batch norm).</param>
    /// <param name="train">Training data (N, D).</param>
    /// <param name="validation">Validation data for the fine-tuning stage, or null.</param>
    /// <param name="schedule">Pretraining schedule; defaults to the model config's <see cref="DenseConfig.Pretraining"/>.</param>
    /// <returns>The history of all stages; best epoch, early stop and cancellation refer to the fine-tuning stage.</returns>
    /// <exception cref="ArgumentException">No schedule given or configured, or the encoder has batch norm.</exception>
    public TrainingResult Fit(DenseAutoencoder model, Dataset train, Dataset? validation = null, GreedyPretraining? schedule = null)
    {
        var history = new List<EpochRecord>(Pretrain(model, train, schedule));
        if (Cancellation.IsCancellationRequested) return new TrainingResult(history, 0, false, true);
        var fine = new Trainer(_options) { Stage = "finetune" }.Fit(model, train, validation, Progress, Cancellation);
        history.AddRange(fine.History);
        return new TrainingResult(history, fine.BestEpoch, fine.StoppedEarly, fine.Cancelled);
    }

    /// <summary>
    /// Greedy layer-wise pretraining only: sets the weights of every encoder layer and its mirrored decoder layer of
    /// <paramref name="model"/> and returns the per-stage history ("pretrain-l").
    /// </summary>
    /// <param name="model">A dense autoencoder without batch norm.</param>
    /// <param name="data">Unlabelled training data (N, D).</param>
    /// <param name="schedule">Pretraining schedule; defaults to the model config's <see cref="DenseConfig.Pretraining"/>.</param>
    /// <exception cref="ArgumentException">No schedule given or configured, or the encoder has batch norm.</exception>
    /// <exception cref="ShapeException">The data width differs from the model's.</exception>
    public IReadOnlyList<EpochRecord> Pretrain(DenseAutoencoder model, Dataset data, GreedyPretraining? schedule = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        var c = model.DenseConfig;
        schedule ??= c.Pretraining ?? throw new ArgumentException("the model config has no pretraining schedule; pass one or set DenseConfig.pretraining");
        if (c.BatchNorm) throw new ArgumentException("greedy layer-wise pretraining needs an encoder without batch norm");
        if (data.FeatureCount != model.InputDim)
            throw new ShapeException($"{data.Source} has {data.FeatureCount} features, the model expects {model.InputDim}");
        var widths = c.EncoderWidths();
        int layers = widths.Length - 1;
        var history = new List<EpochRecord>();
        var input = data;
        var o = _options;
        for (int l = 1; l <= layers; l++)
        {
            var codeActivation = l == layers ? c.LatentActivation : c.HiddenActivation;
            var output = l == 1 ? c.Output : OutputFor(c.HiddenActivation);
            var shallowConfig = new DenseConfig(widths[l - 1], [], widths[l], c.HiddenActivation, codeActivation, output, c.TiedWeights);
            var shallow = new DenseAutoencoder(shallowConfig, new Rng(o.Seed + (ulong)l * 7919UL));
            var stageOptions = new TrainingOptions(schedule.EpochsPerLayer, o.BatchSize, o.Optimizer, o.LearningRate, o.WeightDecay,
                o.Schedule, patience: 0, o.ClipNorm, o.Seed + (ulong)l);
            var corruption = schedule.Corruption;
            var trainer = new Trainer(stageOptions) { Stage = $"pretrain-{l}", Corruption = corruption is null ? null : corruption.Apply };
            var result = trainer.Fit(shallow, input, null, Progress, Cancellation);
            history.AddRange(result.History);
            if (result.Cancelled) break;

            using (TensorScope.Untracked())
            {
                Copy(model.EncoderLinears[l - 1], shallow.EncoderLinears[0]);
                if (c.TiedWeights) model.TiedDecoderBiases[layers - l].CopyFrom(shallow.TiedDecoderBiases[0]);
                else Copy(model.DecoderLinears[layers - l], shallow.DecoderLinears[0]);
            }
            if (l < layers) input = Codes(shallow, input);
        }
        return history;
    }

    /// <summary>
    /// Supervised fine-tuning of <paramref name="classifier"/> (encoder + softmax head) with cross-entropy on the labels of
    /// <paramref name="labelled"/> — the semi-supervised case when the encoder was pretrained on unlabelled data. Mini-batch
    /// training with the optimizer, learning rate, batch size, clipping, epochs and seed of <paramref name="options"/>
    /// (no early stopping or checkpoints). The classifier is left in eval mode.
    /// </summary>
    /// <param name="classifier">The classifier; its encoder is shared with the autoencoder it was built from.</param>
    /// <param name="labelled">Samples (N, D) with labels in [0, classes).</param>
    /// <param name="options">Training options.</param>
    /// <param name="corruption">Optional input corruption per batch (denoising fine-tuning), default null.</param>
    /// <param name="progress">Optional progress reports.</param>
    /// <returns>History with stage "supervised"; TrainLoss is the mean cross-entropy in nats.</returns>
    /// <exception cref="ArgumentException">The dataset has no labels.</exception>
    /// <exception cref="TrainingDivergedException">The loss became NaN or infinite.</exception>
    public static IReadOnlyList<EpochRecord> FineTuneClassifier(Classifier classifier, Dataset labelled, TrainingOptions options,
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
        int d = labelled.FeatureCount, bs = Math.Min(options.BatchSize, labelled.Rows);
        var buf = new float[bs * d];
        var history = new List<EpochRecord>();
        var pool = new BufferPool();
        for (int epoch = 1; epoch <= options.Epochs; epoch++)
        {
            var sw = Stopwatch.StartNew();
            var rng = new Rng(options.Seed * 0x9E3779B97F4A7C15UL + (ulong)epoch);
            var it = new BatchIterator(labelled.Rows, bs, shuffle: true, rng.Fork());
            var noise = rng.Fork();
            classifier.Train();
            double sum = 0;
            float lr = optimizer.LearningRate;
            for (int b = 0; b < it.BatchCount; b++)
            {
                var idx = it.Batch(b);
                int n = idx.Length;
                labelled.CopyRows(idx, buf.AsSpan(0, n * d));
                var targets = new int[n];
                labelled.CopyLabels(idx, targets);
                using var scope = new TensorScope(pool);
                var x = Tensor.FromArray(buf.AsSpan(0, n * d), n, d);
                if (corruption != null) x = corruption.Apply(x, noise);
                optimizer.ZeroGrad();
                var loss = Loss.CrossEntropy(classifier.Forward(x), targets);
                double v = loss.Item();
                if (!double.IsFinite(v)) throw new TrainingDivergedException($"the cross-entropy became {v} at epoch {epoch}, step {b + 1}; try a lower learning rate");
                loss.Backward();
                if (options.ClipNorm > 0) GradClip.ClipByGlobalNorm(parameters, options.ClipNorm);
                optimizer.Step();
                sum += v * n;
                if (progress != null && ((b + 1) % 20 == 0 || b + 1 == it.BatchCount))
                    progress.Report(new TrainingProgress(epoch, options.Epochs, b + 1, it.BatchCount, sum / ((b + 1) * (double)bs), null));
            }
            var record = new EpochRecord(epoch, "supervised", sum / labelled.Rows, null, lr, sw.Elapsed.TotalSeconds);
            history.Add(record);
            if (schedule is ReduceLrOnPlateau plateau) plateau.Step((float)record.TrainLoss);
            else schedule?.Step();
            progress?.Report(new TrainingProgress(epoch, options.Epochs, it.BatchCount, it.BatchCount, record.TrainLoss, record));
        }
        classifier.Eval();
        return history;
    }

    private static Reconstruction OutputFor(Activation a) => a switch
    {
        Activation.Sigmoid => Reconstruction.SigmoidBce,
        Activation.Tanh => Reconstruction.TanhMse,
        _ => Reconstruction.LinearMse,
    };

    private static void Copy(Linear target, Linear source)
    {
        target.Weight.CopyFrom(source.Weight);
        if (target.Bias != null && source.Bias != null) target.Bias.CopyFrom(source.Bias);
    }

    /// <summary>The codes of <paramref name="data"/> under <paramref name="model"/>'s encoder, as a new dataset (eval mode, no autograd).</summary>
    internal static Dataset Codes(AutoencoderModel model, Dataset data, int batchSize = 512)
    {
        int d = data.FeatureCount, k = model.LatentDim;
        var codes = new float[(long)data.Rows * k];
        var buf = new float[Math.Min(batchSize, data.Rows) * d];
        var pool = new BufferPool();
        bool wasTraining = model.Training;
        model.Eval();
        using (GradMode.NoGrad())
            for (int start = 0; start < data.Rows; start += batchSize)
            {
                int n = Math.Min(batchSize, data.Rows - start);
                data.CopyRows(Enumerable.Range(start, n).ToArray(), buf.AsSpan(0, n * d));
                using var scope = new TensorScope(pool);
                model.Encode(Tensor.FromArray(buf.AsSpan(0, n * d), n, d)).Span.CopyTo(codes.AsSpan(start * k, n * k));
            }
        model.Train(wasTraining);
        return new Dataset(codes, data.Rows, k, data.Labels, source: $"codes of {data.Source}");
    }
}

/// <summary>
/// A classifier made of an autoencoder's encoder and a linear softmax head: logits = Head(Encoder(x)), shape (N, classes).
/// Used for supervised fine-tuning after (greedy) unsupervised pretraining (Bengio et al. 2007; Vincent et al. 2010) and,
/// built on a freshly initialised autoencoder, as the from-scratch baseline. State-dict names: <c>encoder.*</c>, <c>head.*</c>.
/// </summary>
public sealed class Classifier : Module
{
    /// <summary>Wraps the encoder of <paramref name="autoencoder"/> (shared, not copied: fine-tuning changes it) and a new head.</summary>
    /// <param name="autoencoder">The autoencoder whose encoder is used.</param>
    /// <param name="classes">Number of classes C ≥ 2.</param>
    /// <param name="rng">Generator for the head's initial weights (PyTorch's Linear default).</param>
    /// <exception cref="ArgumentOutOfRangeException">C &lt; 2.</exception>
    public Classifier(DenseAutoencoder autoencoder, int classes, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(autoencoder);
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 2);
        InputDim = autoencoder.InputDim;
        Classes = classes;
        Encoder = RegisterModule("encoder", autoencoder.Encoder);
        Head = RegisterModule("head", new Linear(autoencoder.LatentDim, classes, rng));
    }

    /// <summary>D, the input width.</summary>
    public int InputDim { get; }
    /// <summary>C, the number of classes.</summary>
    public int Classes { get; }
    /// <summary>The (shared) encoder.</summary>
    public Sequential Encoder { get; }
    /// <summary>The linear head latentDim → C.</summary>
    public Linear Head { get; }

    /// <summary>Class logits for inputs (N, D), shape (N, C).</summary>
    public override Tensor Forward(Tensor input) => Head.Forward(Encoder.Forward(input));

    /// <summary>The arg-max class of each row of <paramref name="x"/> (N, D), without autograd, in eval mode.</summary>
    public int[] Predict(Tensor x)
    {
        bool wasTraining = Training;
        Eval();
        int[] result;
        using (GradMode.NoGrad())
        {
            var logits = Forward(x);
            int n = logits.Dim(0);
            var s = logits.Span;
            result = new int[n];
            for (int i = 0; i < n; i++)
            {
                int best = 0;
                for (int c = 1; c < Classes; c++) if (s[i * Classes + c] > s[i * Classes + best]) best = c;
                result[i] = best;
            }
        }
        Train(wasTraining);
        return result;
    }

    /// <summary>Fraction of rows of <paramref name="data"/> whose predicted class equals the label, in [0, 1].</summary>
    /// <exception cref="ArgumentException">The dataset has no labels.</exception>
    public double Accuracy(Dataset data, int batchSize = 512)
    {
        if (data.Labels is null) throw new ArgumentException($"{data.Source} has no labels");
        int d = data.FeatureCount, correct = 0;
        var buf = new float[Math.Min(batchSize, data.Rows) * d];
        var pool = new BufferPool();
        for (int start = 0; start < data.Rows; start += batchSize)
        {
            int n = Math.Min(batchSize, data.Rows - start);
            data.CopyRows(Enumerable.Range(start, n).ToArray(), buf.AsSpan(0, n * d));
            using var scope = new TensorScope(pool);
            var pred = Predict(Tensor.FromArray(buf.AsSpan(0, n * d), n, d));
            for (int i = 0; i < n; i++) if (pred[i] == data.Labels[start + i]) correct++;
        }
        return data.Rows == 0 ? 0 : (double)correct / data.Rows;
    }
}
